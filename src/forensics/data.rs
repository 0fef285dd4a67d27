//! The numbers the statistical tests read: one point per counted precinct, grouped by region.

use crate::engine::Engine;

/// A counted precinct as the tests see it.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub precinct: u32,
    pub registered: u64,
    pub ballots: u64,
    pub valid: u64,
    /// Votes of the national leader.
    pub leader: u64,
    /// Unix time of its counted report.
    pub reported_at: i64,
}

impl Point {
    pub fn turnout(&self) -> f64 {
        if self.registered == 0 { 0.0 } else { self.ballots as f64 / self.registered as f64 }
    }

    pub fn share(&self) -> f64 {
        if self.valid == 0 { 0.0 } else { self.leader as f64 / self.valid as f64 }
    }
}

#[cfg(test)]
impl Point {
    /// A test point whose valid votes equal its ballots.
    pub fn test(precinct: u32, registered: u64, ballots: u64, leader: u64) -> Point {
        Point { precinct, registered, ballots, valid: ballots, leader, reported_at: 0 }
    }
}

/// Points by region index (precincts without a region are in none), and the national leader.
pub struct Data {
    pub leader: Option<usize>,
    pub by_region: Vec<Vec<Point>>,
}

impl Data {
    pub fn gather(engine: &Engine) -> Data {
        let national = engine.national();
        let leader = (0..engine.candidates().len()).max_by_key(|&c| (national.votes_of(c), std::cmp::Reverse(c)));
        let leader = leader.filter(|&c| national.votes_of(c) > 0);
        let mut by_region: Vec<Vec<Point>> = vec![Vec::new(); engine.regions().len()];
        for (i, p) in engine.precincts().iter().enumerate() {
            let (Some(e), Some(r)) = (p.counted(), p.region()) else { continue };
            by_region[r as usize].push(Point {
                precinct: i as u32,
                registered: e.registered.into(),
                ballots: e.ballots.into(),
                valid: e.valid(),
                leader: leader.map_or(0, |c| u64::from(e.vote(c))),
                reported_at: e.reported_at.unix,
            });
        }
        Data { leader, by_region }
    }

    pub fn all(&self) -> impl Iterator<Item = &Point> + Clone {
        self.by_region.iter().flatten()
    }
}

/// The median of a slice (sorted in place).
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}
