//! `identical_results`: precincts whose whole vote vector is the same where chance cannot
//! explain it.
//!
//! For two independent precincts drawing the same multinomial (n voters, shares p_i over k
//! candidates with votes), the chance their vectors match exactly is about
//! (4πn)^-(k-1)/2 · (Π p_i)^-1/2 (the Gaussian approximation of Σ P(x)²). A vector is
//! eligible when it has at least [`MIN_VALID`] valid votes, two or more candidates with
//! votes, and that chance is below [`MAX_CHANCE`]: then a second precinct with the very same
//! numbers is flagged, together with the first.

use std::collections::HashMap;

/// Fewer valid votes than this are never compared.
pub const MIN_VALID: u64 = 100;
/// The largest chance of a coincidence that still counts as "cannot be chance".
pub const MAX_CHANCE: f64 = 1e-6;

/// The approximate chance that another precinct with the same shares gives exactly `votes`.
pub fn coincidence_chance(votes: &[u32]) -> f64 {
    let n: u64 = votes.iter().map(|&v| u64::from(v)).sum();
    let nonzero: Vec<f64> = votes
        .iter()
        .filter(|&&v| v > 0)
        .map(|&v| f64::from(v) / n as f64)
        .collect();
    if n == 0 || nonzero.len() < 2 {
        return 1.0;
    }
    let d = (nonzero.len() - 1) as f64;
    let log_p = -0.5 * d * (4.0 * std::f64::consts::PI * n as f64).ln()
        - 0.5 * nonzero.iter().map(|p| p.ln()).sum::<f64>();
    log_p.exp().min(1.0)
}

pub fn eligible(votes: &[u32]) -> bool {
    votes.iter().map(|&v| u64::from(v)).sum::<u64>() >= MIN_VALID
        && coincidence_chance(votes) < MAX_CHANCE
}

/// Counted vote vectors that are eligible, and the precincts that have each.
#[derive(Debug, Default)]
pub struct IdenticalIndex {
    groups: HashMap<Box<[u32]>, Vec<u32>>,
}

impl IdenticalIndex {
    pub fn insert(&mut self, votes: &[u32], precinct: u32) {
        if eligible(votes) {
            self.groups.entry(votes.into()).or_default().push(precinct);
        }
    }

    pub fn remove(&mut self, votes: &[u32], precinct: u32) {
        if let Some(g) = self.groups.get_mut(votes) {
            g.retain(|&p| p != precinct);
            if g.is_empty() {
                self.groups.remove(votes);
            }
        }
    }

    /// Groups of two or more precincts with the same vector.
    pub fn duplicates(&self) -> impl Iterator<Item = (&[u32], &[u32])> {
        self.groups
            .iter()
            .filter(|(_, g)| g.len() > 1)
            .map(|(v, g)| (&**v, g.as_slice()))
    }

    /// The other precincts sharing `precinct`'s vector (empty when none).
    pub fn twins(&self, votes: &[u32], precinct: u32) -> Vec<u32> {
        self.groups
            .get(votes)
            .map(|g| g.iter().copied().filter(|&p| p != precinct).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chance_is_small_only_with_real_spread() {
        // Kazakhstan-like shares at 400 valid votes: about 4e-7.
        let kz = [324, 14, 10, 10, 9, 9, 24];
        let c = coincidence_chance(&kz);
        assert!(c > 1e-7 && c < 1e-6, "{c}");
        assert!(eligible(&kz));
        // The same shares at 100 votes happen by chance often enough.
        assert!(!eligible(&[81, 3, 3, 3, 2, 2, 6]));
        // One candidate only, or too few votes: never.
        assert!(!eligible(&[500]));
        assert!(!eligible(&[40, 30, 20]));
        // A two-way split of 10,000 votes: chance ~ 1/(sqrt(4π·10^4·0.25)) ≈ 0.011.
        assert!(!eligible(&[5000, 5000]));
        assert!(eligible(&[3000, 3000, 2000, 2000]));
    }

    #[test]
    fn groups_form_and_dissolve() {
        let v = [30_000, 20_000, 10_000, 5_000];
        let mut ix = IdenticalIndex::default();
        ix.insert(&v, 1);
        assert_eq!(ix.duplicates().count(), 0);
        ix.insert(&v, 2);
        assert_eq!(ix.twins(&v, 1), vec![2]);
        ix.remove(&v, 2);
        assert_eq!(ix.duplicates().count(), 0);
        assert!(ix.twins(&v, 1).is_empty());
    }
}
