//! `turnout_share_skew`: the Klimek et al. fingerprint (PNAS 109(41), 2012): the leader's share
//! rising with turnout, votes piling up towards high turnout and a high share. Measured against
//! the region's clean peak in the manner of Shpilkin's estimate: the turnout where the bulk of
//! the voters are (the voter-weighted median) and the leader's share in the precincts within 5
//! points of it stand for a clean count; in precincts above that turnout, the leader's
//! votes beyond what that share of their other votes implies are counted as excess.
//!
//! The test statistic is the weighted correlation (within the region) between turnout and the
//! leader's share across precincts, with its p-value from Fisher's z; a flag needs it
//! significant after the false-discovery control and an excess of at least `min_excess` of the
//! leader's votes — a correlation alone can come from honest urban/rural differences.

use super::data::Point;
use super::{Kind, Test};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Skew {
    /// Turnout of the clean peak (fraction): the voter-weighted median.
    pub peak: f64,
    /// The leader's share around the peak.
    pub clean_share: f64,
    /// Estimated excess votes for the leader.
    pub excess: f64,
    pub leader_votes: u64,
    /// Correlation of turnout and share (weighted by ballots) and its p-value.
    pub r: f64,
    pub p: f64,
    pub precincts: usize,
    /// The sums behind `r`, for pooling regions into the national test.
    moments: Moments,
}

pub fn measure(points: &[&Point]) -> Option<Skew> {
    let pts: Vec<&&Point> =
        points.iter().filter(|p| p.registered() >= 100 && p.valid() > 0 && p.ballots() > 0).collect();
    if pts.len() < 3 {
        return None;
    }
    // The clean peak: the voter-weighted median turnout. (The mode would do in a clean count,
    // but a block of stuffed precincts at one turnout can outweigh any clean 1% bin; the
    // median stays in the clean bulk while fewer than half the voters are affected.)
    let mut by_turnout: Vec<(f64, u64)> = pts.iter().map(|p| (p.turnout(), p.ballots())).collect();
    by_turnout.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let half = by_turnout.iter().map(|x| x.1).sum::<u64>() / 2;
    let mut acc = 0;
    let peak = by_turnout
        .iter()
        .find(|x| {
            acc += x.1;
            acc > half
        })?
        .0;
    let (mut lv, mut vv) = (0u64, 0u64);
    for p in pts.iter().filter(|p| (p.turnout() - peak).abs() <= 0.05) {
        lv += p.leader();
        vv += p.valid();
    }
    if vv == 0 {
        return None;
    }
    let clean_share = lv as f64 / vv as f64;
    // Signed, so that honest noise cancels out; a net shortfall is no excess.
    let mut excess = 0.0;
    for p in pts.iter().filter(|p| p.turnout() > peak + 0.05) {
        let others = (p.valid() - p.leader()) as f64;
        let expected = if clean_share < 1.0 { others * clean_share / (1.0 - clean_share) } else { p.leader() as f64 };
        excess += p.leader() as f64 - expected;
    }
    let excess = excess.max(0.0);
    let mut moments = Moments::default();
    moments.add(&pts);
    let (r, p) = moments.correlation();
    let leader_votes = pts.iter().map(|p| p.leader()).sum();
    Some(Skew { peak, clean_share, excess, leader_votes, r, p, precincts: pts.len(), moments })
}

/// Ballot-weighted sums for the correlation of turnout and share, each set centred on its
/// own weighted means (so pooling regions measures the slope within them, not between them).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Moments {
    sxy: f64,
    sxx: f64,
    syy: f64,
    n: usize,
}

impl Moments {
    fn add(&mut self, pts: &[&&Point]) {
        // Centred on this set's own means, then added.
        let w_sum: f64 = pts.iter().map(|p| p.ballots() as f64).sum();
        if w_sum == 0.0 {
            return;
        }
        let mx = pts.iter().map(|p| p.ballots() as f64 * p.turnout()).sum::<f64>() / w_sum;
        let my = pts.iter().map(|p| p.ballots() as f64 * p.share()).sum::<f64>() / w_sum;
        for p in pts {
            let w = p.ballots() as f64;
            let (dx, dy) = (p.turnout() - mx, p.share() - my);
            self.sxy += w * dx * dy;
            self.sxx += w * dx * dx;
            self.syy += w * dy * dy;
        }
        self.n += pts.len();
    }

    fn pool(&mut self, other: &Moments) {
        self.sxy += other.sxy;
        self.sxx += other.sxx;
        self.syy += other.syy;
        self.n += other.n;
    }

    /// The correlation and its one-sided p-value (Fisher's z): only a share rising with
    /// turnout is the fingerprint.
    fn correlation(&self) -> (f64, f64) {
        let r = if self.sxx > 0.0 && self.syy > 0.0 {
            (self.sxy / (self.sxx * self.syy).sqrt()).clamp(-0.999_999, 0.999_999)
        } else {
            0.0
        };
        let z = 0.5 * ((1.0 + r) / (1.0 - r)).ln() * (self.n as f64 - 3.0).max(1.0).sqrt();
        (r, 0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2))
    }
}

/// The national test from the regions' own measures (those large enough to be measured):
/// their excesses added up, and the correlation within regions (honest differences between
/// regions — a city voting less and differently — are not the fingerprint).
pub fn national(regions: &[Skew], min: usize, min_excess: f64) -> Option<(Test, Skew)> {
    let mut moments = Moments::default();
    let (mut excess, mut leader_votes, mut precincts) = (0.0, 0u64, 0usize);
    for s in regions {
        moments.pool(&s.moments);
        excess += s.excess;
        leader_votes += s.leader_votes;
        precincts += s.precincts;
    }
    if precincts < min {
        return None;
    }
    let (r, p) = moments.correlation();
    let s = Skew { peak: f64::NAN, clean_share: f64::NAN, excess, leader_votes, r, p, precincts, moments };
    let big_enough = leader_votes > 0 && excess >= min_excess * leader_votes as f64;
    Some((
        Test {
            kind: Kind::TurnoutShareSkew,
            region: None,
            precinct: None,
            p: if big_enough { p } else { 1.0 },
            values: [excess, r, f64::NAN, f64::NAN],
        },
        s,
    ))
}

/// The test, when the set is large enough and the excess reaches `min_excess` of the leader's
/// votes (otherwise its p-value is reported as 1: nothing to flag however significant).
pub fn test(region: Option<u32>, points: &[&Point], min: usize, min_excess: f64) -> Option<(Test, Skew)> {
    if points.len() < min {
        return None;
    }
    let s = measure(points)?;
    let big_enough = s.leader_votes > 0 && s.excess >= min_excess * s.leader_votes as f64;
    let p = if big_enough { s.p } else { 1.0 };
    Some((
        Test {
            kind: Kind::TurnoutShareSkew,
            region,
            precinct: None,
            p,
            values: [s.excess, s.r, s.peak, s.clean_share],
        },
        s,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::data::Point;

    fn pt(i: u32, registered: u64, ballots: u64, leader: u64) -> Point {
        Point::test(i, registered, ballots, leader)
    }

    #[test]
    fn clean_blob_has_no_excess_and_stuffing_does() {
        // Clean: turnout 55–70%, share ~60% whatever the turnout.
        let clean: Vec<Point> = (0..400)
            .map(|i| {
                let b = 550 + (i as u64 * 37) % 150;
                pt(i, 1000, b, b * 60 / 100 + (i as u64 * 11) % 7)
            })
            .collect();
        let refs: Vec<&Point> = clean.iter().collect();
        let (t, s) = test(None, &refs, 50, 0.01).unwrap();
        assert!(t.p > 0.01, "{s:?}");
        assert!(s.excess < 0.01 * s.leader_votes as f64, "{s:?}");
        // Stuffed: a quarter of them pushed to 90% turnout, the extra ballots all for the leader.
        let stuffed: Vec<Point> = clean
            .iter()
            .enumerate()
            .map(|(i, p)| if i % 4 == 0 { pt(p.precinct, 1000, 900, p.leader() + (900 - p.ballots())) } else { *p })
            .collect();
        let refs: Vec<&Point> = stuffed.iter().collect();
        let (t, s) = test(None, &refs, 50, 0.01).unwrap();
        assert!(t.p < 1e-6, "{s:?}");
        let planted: u64 = clean.iter().enumerate().filter(|(i, _)| i % 4 == 0).map(|(_, p)| 900 - p.ballots()).sum();
        assert!((s.excess - planted as f64).abs() < 0.25 * planted as f64, "excess {} vs planted {planted}", s.excess);
    }

    #[test]
    fn needs_its_minimum() {
        let pts: Vec<Point> = (0..10).map(|i| pt(i, 1000, 600, 360)).collect();
        let refs: Vec<&Point> = pts.iter().collect();
        assert!(test(None, &refs, 50, 0.01).is_none());
    }
}
