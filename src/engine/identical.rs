//! `identical_results`: precincts whose whole vote vector is the same where chance cannot
//! explain it.
//!
//! For two independent precincts drawing the same multinomial (n voters, shares p_i over k
//! candidates with votes), the chance their vectors match exactly is about
//! c = (4πn)^-(k-1)/2 · (Π p_i)^-1/2 (the Gaussian approximation of Σ P(x)²); for a precinct whose
//! shares differ it is smaller. Only a precinct whose valid votes also total n can match, so the
//! expected number of precincts in the whole feed that would give the very same vector by chance
//! is at most E = c · (m − 1), with m the counted precincts whose valid votes total n. A group of
//! precincts with the same vector (at least [`MIN_VALID`] valid votes, two or more candidates
//! with votes) is flagged when E ≤ [`MAX_EXPECTED`]: the bound tightens as the feed grows, which
//! is the multiplicity a fixed per-pair chance ignored.

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap};

/// Fewer valid votes than this are never compared.
pub const MIN_VALID: u64 = 100;
/// The largest expected number of chance coincidences in the feed that still counts as "cannot
/// be chance".
pub const MAX_EXPECTED: f64 = 0.01;

/// The approximate chance that another precinct with the same shares gives exactly `votes`.
pub fn coincidence_chance(votes: &[u32]) -> f64 {
    let n: u64 = votes.iter().map(|&v| u64::from(v)).sum();
    let nonzero = votes.iter().filter(|&&v| v > 0).count();
    if n == 0 || nonzero < 2 {
        return 1.0;
    }
    // Σ ln p_i = ln Π v_i − k ln n, with the product taken in pieces small enough for f64
    // (one logarithm per few candidates instead of one each).
    let mut sum_ln_v = 0.0;
    let mut product = 1.0f64;
    for &v in votes.iter().filter(|&&v| v > 0) {
        product *= f64::from(v);
        if product > 1e200 {
            sum_ln_v += product.ln();
            product = 1.0;
        }
    }
    sum_ln_v += product.ln();
    let sum_ln_p = sum_ln_v - nonzero as f64 * (n as f64).ln();
    let d = (nonzero - 1) as f64;
    let log_p = -0.5 * d * (4.0 * std::f64::consts::PI * n as f64).ln() - 0.5 * sum_ln_p;
    log_p.exp().min(1.0)
}

/// Whether a vector could ever be flagged (a twin alone makes m − 1 ≥ 1, so E ≥ c): only these
/// are indexed.
pub fn eligible(votes: &[u32]) -> bool {
    votes.iter().map(|&v| u64::from(v)).sum::<u64>() >= MIN_VALID && coincidence_chance(votes) <= MAX_EXPECTED
}

/// The expected number of precincts in the feed that would give a vector by chance, when its
/// [`coincidence_chance`] is `chance` and `same_total` counted precincts (the group included)
/// have as many valid votes.
pub fn expected_by_chance(chance: f64, same_total: usize) -> f64 {
    chance * same_total.saturating_sub(1) as f64
}

/// [`expected_by_chance`] of `votes`.
#[cfg(test)]
fn expected_matches(votes: &[u32], same_total: usize) -> f64 {
    expected_by_chance(coincidence_chance(votes), same_total)
}

/// Precincts by the hash of their (eligible) counted vote vector. Only indices are kept: a
/// precinct's hash is worked out again from its vector (`votes_of`, the precinct's counted
/// votes) when the table needs it, and equal hashes are checked against the real vectors when
/// groups are read. The common case, one precinct per vector, costs one table entry of 4 bytes
/// (a million precincts, 10 MB; a map from hash to precinct was 19 MB).
#[derive(Debug, Default)]
pub struct IdenticalIndex {
    first: hashbrown::HashTable<u32>,
    /// Further precincts under a hash already in `first` (rare).
    more: FxHashMap<u32, Vec<u32>>,
    /// The groups under each hash in `more`, as last read, so that reading them costs what
    /// changed: a summary reads them, and a report changes at most its own hash's.
    groups: std::sync::Mutex<Groups>,
}

#[derive(Debug, Default)]
struct Groups {
    by_hash: FxHashMap<u32, Vec<Group>>,
    /// Hashes whose precincts changed since their groups were read.
    stale: rustc_hash::FxHashSet<u32>,
}

/// Two or more precincts with the very same vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// In increasing order.
    pub precincts: Vec<u32>,
    /// Their valid votes.
    pub total: u64,
    /// Their vector's [`coincidence_chance`].
    pub chance: f64,
}

/// A vector's hash folded to 32 bits: equal hashes are checked against the vectors anyway.
fn hash(votes: &[u32]) -> u32 {
    let h = FxBuildHasher.hash_one(votes);
    (h ^ (h >> 32)) as u32
}

/// The table's hash of a 32-bit one: spread over 64 bits, for the table takes its buckets
/// from the low bits and its tags from the high ones.
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// What a vector is indexed under: its hash, if it is [`eligible`].
pub fn key(votes: &[u32]) -> Option<u32> {
    eligible(votes).then(|| hash(votes))
}

impl IdenticalIndex {
    pub fn reserve<'a>(&mut self, additional: usize, votes_of: impl Fn(u32) -> &'a [u32]) {
        self.first.reserve(additional, |&p| spread(hash(votes_of(p))));
    }

    pub fn insert<'a>(&mut self, votes: &[u32], precinct: u32, votes_of: impl Fn(u32) -> &'a [u32]) {
        if let Some(h) = key(votes) {
            self.insert_keyed(h, precinct, votes_of);
        }
    }

    /// Adds a precinct under its vector's [`key`] (computed beforehand, maybe on another
    /// thread: the chance behind it costs a logarithm and an exponential).
    pub fn insert_keyed<'a>(&mut self, h: u32, precinct: u32, votes_of: impl Fn(u32) -> &'a [u32]) {
        match self.first.entry(spread(h), |&q| hash(votes_of(q)) == h, |&q| spread(hash(votes_of(q)))) {
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(precinct);
            }
            hashbrown::hash_table::Entry::Occupied(_) => {
                self.more.entry(h).or_default().push(precinct);
                self.stale(h);
            }
        }
    }

    /// Marks hash `h`'s groups to be read again.
    fn stale(&mut self, h: u32) {
        self.groups.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).stale.insert(h);
    }

    /// Takes a precinct out from under `votes`, its vector when it was added (and still what
    /// `votes_of` gives for it).
    pub fn remove<'a>(&mut self, votes: &[u32], precinct: u32, votes_of: impl Fn(u32) -> &'a [u32]) {
        let h = hash(votes);
        let Ok(mut first) = self.first.find_entry(spread(h), |&q| hash(votes_of(q)) == h) else { return };
        let more = self.more.get_mut(&h);
        let grouped = more.is_some();
        if *first.get() == precinct {
            match more {
                Some(rest) => {
                    let next = rest.pop().expect("groups in `more` are never empty");
                    if rest.is_empty() {
                        self.more.remove(&h);
                    }
                    *first.get_mut() = next;
                }
                None => {
                    first.remove();
                }
            }
        } else if let Some(rest) = more {
            rest.retain(|&p| p != precinct);
            if rest.is_empty() {
                self.more.remove(&h);
            }
        }
        if grouped {
            self.stale(h);
        }
    }

    /// Calls `f` with each group of two or more precincts with exactly the same vector;
    /// `votes_of` gives each precinct's counted vector. Only the hashes whose precincts changed
    /// since the last call are read again.
    pub fn for_each_group<'a>(&self, votes_of: impl Fn(u32) -> &'a [u32], mut f: impl FnMut(&Group)) {
        let mut groups = self.groups.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Groups { by_hash, stale } = &mut *groups;
        for h in stale.drain() {
            match self.more.get(&h) {
                Some(more) => {
                    by_hash.insert(h, self.read_groups(h, more, &votes_of));
                }
                None => {
                    by_hash.remove(&h);
                }
            }
        }
        by_hash.values().flatten().for_each(&mut f);
    }

    /// The groups under hash `h`: its precincts in `first` and `more` sorted by vector (equal
    /// hashes may hide different vectors).
    fn read_groups<'a>(&self, h: u32, more: &[u32], votes_of: &impl Fn(u32) -> &'a [u32]) -> Vec<Group> {
        let mut out = Vec::new();
        let mut rest: Vec<u32> = more.to_vec();
        let first = self.first.find(spread(h), |&q| hash(votes_of(q)) == h);
        rest.push(*first.expect("a hash in `more` has its first precinct in `first`"));
        while let Some(first) = rest.pop() {
            let v = votes_of(first);
            let (mut same, other): (Vec<u32>, Vec<u32>) = rest.iter().partition(|&&p| votes_of(p) == v);
            rest = other;
            if !same.is_empty() {
                same.push(first);
                same.sort_unstable();
                let total = v.iter().map(|&x| u64::from(x)).sum();
                out.push(Group { precincts: same, total, chance: coincidence_chance(v) });
            }
        }
        out
    }

    /// The groups' precincts, as [`IdenticalIndex::for_each_group`] gives them.
    #[cfg(test)]
    fn duplicates<'a>(&self, votes_of: impl Fn(u32) -> &'a [u32]) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        self.for_each_group(votes_of, |g| out.push(g.precincts.clone()));
        out
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
        // The same shares at 100 votes: fifty times likelier, still worth indexing (a twin
        // in a small feed is not chance).
        let small = coincidence_chance(&[81, 3, 3, 3, 2, 2, 6]);
        assert!(small > 10.0 * c && small <= MAX_EXPECTED, "{small}");
        // One candidate only, or too few votes: never.
        assert!(!eligible(&[500]));
        assert!(!eligible(&[40, 30, 20]));
        // A two-way split of 1,000 votes: chance = 1/sqrt(4π·1,000·0.25) ≈ 0.018, likely enough
        // that a twin is never flagged; of 10,000 votes ≈ 0.0056, flagged only where fewer than
        // three precincts have that total.
        assert!(!eligible(&[500, 500]));
        assert!((coincidence_chance(&[5000, 5000]) - 0.0056).abs() < 1e-4);
        assert!(eligible(&[3000, 3000, 2000, 2000]));
    }

    #[test]
    fn the_bound_tightens_with_the_precincts_that_could_match() {
        // Five candidates, 600 votes: about 6e-6 per pair, above the old fixed 1e-6.
        let v = [18, 72, 36, 444, 30];
        let c = coincidence_chance(&v);
        assert!(c > 2e-6 && c < 7e-6, "{c}");
        // Among a hundred precincts of 600 valid votes, a twin is not chance (E ≈ 6e-4) …
        assert!(expected_matches(&v, 100) <= MAX_EXPECTED);
        // … among ten thousand it could be (E ≈ 0.06).
        assert!(expected_matches(&v, 10_000) > MAX_EXPECTED);
        assert_eq!(expected_matches(&v, 1), 0.0, "alone, nothing to match");
    }

    /// Thousands of precincts added one by one (the table grows and moves its entries, hashing
    /// each again from its votes), some of them twins, then half taken out: the groups are
    /// always those a comparison of every vector finds.
    #[test]
    fn groups_survive_the_table_growing_and_shrinking() {
        let vector = |p: u32| -> [u32; 4] {
            // Precincts 0..100 come in pairs and triples; the others are all different.
            let k = if p < 100 { p / 3 } else { p };
            [1_000 + k, 700 + k % 17, 300 + k % 29, 150]
        };
        let store: Vec<[u32; 4]> = (0..6_000).map(vector).collect();
        let votes = |p: u32| -> &[u32] { &store[p as usize] };
        let brute = |live: &[u32]| {
            let mut groups: Vec<Vec<u32>> = Vec::new();
            for &p in live {
                let twins: Vec<u32> = live.iter().copied().filter(|&q| votes(q) == votes(p)).collect();
                if twins.len() > 1 && twins[0] == p {
                    groups.push(twins);
                }
            }
            groups.sort();
            groups
        };
        let sorted = |mut g: Vec<Vec<u32>>| {
            g.sort();
            g
        };
        let mut ix = IdenticalIndex::default();
        let mut live: Vec<u32> = Vec::new();
        for p in (0..6_000).rev() {
            ix.insert(votes(p), p, votes);
            live.push(p);
        }
        live.sort();
        assert_eq!(brute(&live).len(), 33);
        assert_eq!(sorted(ix.duplicates(votes)), brute(&live));
        for p in (0..6_000).step_by(2) {
            ix.remove(votes(p), p, votes);
        }
        live.retain(|p| p % 2 == 1);
        assert!(!brute(&live).is_empty());
        assert_eq!(sorted(ix.duplicates(votes)), brute(&live));
        for &p in &live {
            ix.remove(votes(p), p, votes);
        }
        assert!(ix.first.is_empty() && ix.more.is_empty());
    }

    /// Groups read between changes of every kind (a precinct arriving, corrected to another
    /// vector, leaving; the first under a hash leaving while others stay) are those a comparison
    /// of every vector finds: the groups kept from the last read follow the changes.
    #[test]
    fn groups_read_between_changes_follow_them() {
        let vectors: Vec<[u32; 3]> = (0..12).map(|k| [500 + k, 300 + k % 5, 200]).collect();
        let mut store: Vec<[u32; 3]> = vec![[0; 3]; 200];
        let mut live: Vec<bool> = vec![false; 200];
        let mut ix = IdenticalIndex::default();
        let mut seen = 0;
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(12345);
        let mut next = move |m: u64| rand::Rng::random_range(&mut rng, 0..m);
        for step in 0..3_000 {
            let p = next(200) as usize;
            if live[p] {
                let old = store[p];
                ix.remove(&old, p as u32, |q: u32| -> &[u32] { &store[q as usize] });
                live[p] = false;
            }
            if next(3) > 0 {
                store[p] = vectors[next(vectors.len() as u64) as usize];
                let new = store[p];
                ix.insert(&new, p as u32, |q: u32| -> &[u32] { &store[q as usize] });
                live[p] = true;
            }
            if step % 7 == 0 {
                let mut expected: Vec<Vec<u32>> = Vec::new();
                for v in &vectors {
                    let same: Vec<u32> = (0..200u32).filter(|&q| live[q as usize] && store[q as usize] == *v).collect();
                    if same.len() > 1 {
                        expected.push(same);
                    }
                }
                expected.sort();
                let mut got = ix.duplicates(|q: u32| -> &[u32] { &store[q as usize] });
                got.sort();
                assert_eq!(got, expected, "step {step}");
                seen += expected.len();
            }
        }
        assert!(seen > 1_000, "groups are formed and read: {seen}");
    }

    #[test]
    fn groups_form_and_dissolve() {
        let a = [30_000u32, 20_000, 10_000, 5_000];
        let b = [30_001u32, 20_000, 10_000, 5_000];
        let votes = |p: u32| -> &'static [u32] {
            if p < 10 { &[30_000, 20_000, 10_000, 5_000] } else { &[30_001, 20_000, 10_000, 5_000] }
        };
        let mut ix = IdenticalIndex::default();
        ix.insert(&a, 1, votes);
        ix.insert(&b, 11, votes);
        assert!(ix.duplicates(votes).is_empty());
        ix.insert(&a, 2, votes);
        assert_eq!(ix.duplicates(votes), vec![vec![1, 2]]);
        ix.remove(&a, 2, votes);
        assert!(ix.duplicates(votes).is_empty());
        ix.remove(&a, 1, votes);
        ix.remove(&b, 11, votes);
        assert!(ix.first.is_empty() && ix.more.is_empty());
    }
}
