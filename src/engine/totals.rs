//! Running sums, kept exact with integers: added to and taken from as precincts change.

/// Sums over a set of counted precincts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub precincts: u64,
    pub registered: u64,
    pub ballots: u64,
    pub invalid: u64,
    /// Votes by candidate index.
    pub votes: Vec<u64>,
}

/// The counted numbers of one precinct, as the totals see them.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    pub registered: u32,
    pub ballots: u32,
    pub invalid: u32,
    pub votes: &'a [u32],
}

impl Totals {
    pub fn add(&mut self, c: Counted) {
        self.precincts += 1;
        self.registered += u64::from(c.registered);
        self.ballots += u64::from(c.ballots);
        self.invalid += u64::from(c.invalid);
        if self.votes.len() < c.votes.len() {
            self.votes.resize(c.votes.len(), 0);
        }
        for (t, &v) in self.votes.iter_mut().zip(c.votes) {
            *t += u64::from(v);
        }
    }

    pub fn sub(&mut self, c: Counted) {
        self.precincts -= 1;
        self.registered -= u64::from(c.registered);
        self.ballots -= u64::from(c.ballots);
        self.invalid -= u64::from(c.invalid);
        for (t, &v) in self.votes.iter_mut().zip(c.votes) {
            *t -= u64::from(v);
        }
    }

    /// Valid votes: the sum of all candidates' votes.
    pub fn valid(&self) -> u64 {
        self.votes.iter().sum()
    }

    pub fn votes_of(&self, candidate: usize) -> u64 {
        self.votes.get(candidate).copied().unwrap_or(0)
    }

    /// Ballots over registered voters, `None` before anything is registered.
    pub fn turnout(&self) -> Option<f64> {
        ratio(self.ballots, self.registered)
    }
}

/// `num / den` as a float computed from exact integers, `None` when `den` is 0.
pub fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_then_sub_is_identity() {
        let mut t = Totals::default();
        let a = Counted { registered: 10, ballots: 8, invalid: 1, votes: &[4, 3] };
        let b = Counted { registered: 5, ballots: 5, invalid: 0, votes: &[1, 2, 2] };
        t.add(a);
        t.add(b);
        assert_eq!((t.precincts, t.registered, t.ballots, t.invalid, t.valid()), (2, 15, 13, 1, 12));
        assert_eq!(t.votes, vec![5, 5, 2]);
        t.sub(b);
        t.sub(a);
        assert_eq!(t, Totals { votes: vec![0, 0, 0], ..Default::default() });
    }

    #[test]
    fn percent_rounds_half_up_exactly() {
        use crate::text::percent_hundredths;
        assert_eq!(percent_hundredths(81305, 100_000), Some(8131));
        assert_eq!(percent_hundredths(81304, 100_000), Some(8130));
        assert_eq!(percent_hundredths(1, 3), Some(3333));
        assert_eq!(percent_hundredths(2, 3), Some(6667));
        assert_eq!(percent_hundredths(5, 0), None);
    }
}
