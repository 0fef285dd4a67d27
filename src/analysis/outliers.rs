//! `turnout_outlier` and `share_outlier`: precincts whose turnout (or leader's share) is far
//! *above* their region's typical one, measured robustly (median and MAD), allowing for binomial
//! noise in small precincts, and for the region's own spread beyond that noise.
//!
//! For precinct i with n_i voters (or valid votes) and fraction x_i, in a region with median
//! m, the expected spread is σ_i² = s_b² + m(1−m)/n_i, where s_b² is the part of the region's
//! robust variance (1.4826·MAD)² not explained by the median binomial variance. A MAD of 0
//! (identical precincts) leaves only the binomial term, so nothing divides by zero. The
//! one-sided p-value of z_i = (x_i − m)/σ_i goes to the false-discovery control: only a turnout
//! or share above the typical is the fingerprint of stuffing or a written-up count. (Two-sided,
//! a region whose median is itself the anomaly — most precincts stuffed — had its flags land on
//! the normal-looking precincts below it: all 403 in Tatarstan 2018.) A region stuffed
//! throughout has no precinct above its own median; the skew test judges it against the others.
//!
//! A region of 50,000 precincts makes 100,000 tests, almost none of them near significance:
//! only the tests whose p-value is at most `keep` are built (a Benjamini–Hochberg q-value is
//! never below its p-value, so no other can pass); the others are only counted, as the
//! family size the control needs.

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::erf::erfc;

use super::data::{Point, median};
use super::ranked::{Item, Ranked};
use super::{Kind, Test};

/// Upper normal tail probability of z.
pub fn upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The z below which a one-sided p-value is above `keep`.
fn z_for(keep: f64) -> f64 {
    if keep >= 0.5 {
        return f64::NEG_INFINITY;
    }
    // A hair under, so that rounding never drops a test whose p-value is exactly `keep`.
    Normal::standard().inverse_cdf(1.0 - keep) * (1.0 - 1e-9)
}

/// A precinct test kept because it could pass (its p-value is at most `keep`): its fraction
/// `x`, size `n` and `z` (the median it was measured from is the family's). 40 bytes, where a
/// [`Test`] is 104: under the null, one precinct in twenty has a p-value of at most 0.05, so a
/// million precincts keep some 100,000 of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kept {
    pub precinct: u32,
    pub p: f64,
    x: f64,
    z: f64,
    n: f64,
}

impl Kept {
    /// The test in full, as its flag reports it.
    pub fn test(&self, kind: Kind, region: u32, median: f64) -> Test {
        Test {
            kind,
            region: Some(region),
            precinct: Some(self.precinct),
            p: self.p,
            values: [self.x, median, self.z, self.n, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    }
}

/// The kinds of the two measures, in the order [`tests_of`] makes them.
pub const KINDS: [Kind; 2] = [Kind::TurnoutOutlier, Kind::ShareOutlier];

/// One measure's tests in one region: how many were made, the region's median they were
/// measured from, and where the kept ones are in the list they were added to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    pub made: usize,
    pub median: f64,
    pub kept: std::ops::Range<usize>,
}

/// The median of the values `of` gives, worked out in `buf` (reused for each pass: a region's
/// precincts are read again rather than held in a list per statistic).
fn median_of(buf: &mut Vec<f64>, of: impl Iterator<Item = f64>) -> Option<f64> {
    buf.clear();
    buf.extend(of);
    median(buf)
}

/// A measure's centre in one region: the precincts' median m, and the part `between` of their
/// robust variance that binomial noise does not explain.
struct Centre {
    m: f64,
    between: f64,
}

impl Centre {
    /// From the median m, the median deviation from it and the median of m(1−m)/n.
    fn new(m: f64, mad: Option<f64>, binom_med: Option<f64>) -> Centre {
        let robust_var = (1.4826 * mad.unwrap_or(0.0)).powi(2);
        Centre { m, between: (robust_var - binom_med.unwrap_or(0.0)).max(0.0) }
    }

    /// The spread expected of a precinct of `n`.
    fn sigma(&self, n: f64) -> f64 {
        // At least half a vote of spread, for regions where every precinct is at 0% or 100%.
        (self.between + self.m * (1.0 - self.m) / n).sqrt().max(0.5 / n)
    }

    /// Precinct `precinct`'s test, if its p-value is at most `keep` (`z_keep`: [`z_for`]).
    fn judge(&self, precinct: u32, n: u64, x: f64, z_keep: f64, keep: f64) -> Option<Kept> {
        let n = n as f64;
        let z = (x - self.m) / self.sigma(n);
        if z < z_keep {
            return None;
        }
        let p = upper_tail(z);
        (p <= keep).then_some(Kept { precinct, p, x, z, n })
    }
}

/// The tests of one measure in one region, (precinct, n, x) per precinct, if there are at
/// least `min` of them: those with a p-value of at most `keep` are added to `out`.
fn test_measure(
    items: impl Iterator<Item = (u32, u64, f64)> + Clone,
    min: usize,
    keep: f64,
    buf: &mut Vec<f64>,
    out: &mut Vec<Kept>,
) -> Measured {
    let from = out.len();
    let none = Measured { kept: from..from, ..Default::default() };
    buf.clear();
    buf.extend(items.clone().map(|i| i.2));
    if buf.len() < min {
        return none;
    }
    let made = buf.len();
    let Some(m) = median(buf) else { return none };
    let mad = median_of(buf, items.clone().map(|i| (i.2 - m).abs()));
    let binom_med = median_of(buf, items.clone().map(|i| m * (1.0 - m) / i.1 as f64));
    let centre = Centre::new(m, mad, binom_med);
    let z_keep = z_for(keep);
    out.extend(items.filter_map(|(precinct, n, x)| centre.judge(precinct, n, x, z_keep, keep)));
    Measured { made, median: m, kept: from..out.len() }
}

/// [`test_measure`] from the measure's precincts kept in order: the medians read by rank, and
/// only the top of the order judged — those whose value is far enough above the median to
/// pass with the least spread any precinct of the region is allowed (its largest one's). The
/// same tests, to the bit, in the same (precinct) order.
fn test_ranked(ranked: &Ranked, min: usize, keep: f64, out: &mut Vec<Kept>) -> Measured {
    let from = out.len();
    let none = Measured { kept: from..from, ..Default::default() };
    let made = ranked.len();
    let (Some(m), Some(largest)) = (ranked.median(), ranked.largest()) else { return none };
    if made < min {
        return none;
    }
    let centre = Centre::new(m, ranked.median_deviation(m), ranked.median_ratio(m * (1.0 - m)));
    let z_keep = z_for(keep);
    // Every precinct's spread is at least the largest one's (rounding is monotone), so a
    // precinct whose z against that spread is below z_keep is below it against its own.
    let least = centre.sigma(largest as f64);
    out.extend(
        ranked
            .top(|x| (x - m) / least >= z_keep)
            .iter()
            .filter_map(|i| centre.judge(i.precinct, i.n, i.x, z_keep, keep)),
    );
    out[from..].sort_unstable_by_key(|k| k.precinct);
    Measured { made, median: m, kept: from..out.len() }
}

/// A region's two measures' eligible precincts kept in order (turnout, share), for a region
/// tested again: built the first time, then kept up to date point by point with the region's.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranks {
    min_size: u64,
    measures: [Ranked; 2],
}

/// A point's place in the two measures' orders, where it is eligible (at least `min_size`
/// voters, or valid votes).
fn items(p: &Point, min_size: u64) -> [Option<Item>; 2] {
    [
        (p.registered() >= min_size).then(|| Item { x: p.turnout(), n: p.registered(), precinct: p.precinct }),
        (p.valid() >= min_size).then(|| Item { x: p.share(), n: p.valid(), precinct: p.precinct }),
    ]
}

impl Ranks {
    pub fn new<'a>(points: impl Iterator<Item = &'a Point> + Clone, min_size: u64) -> Ranks {
        let measures = [0, 1].map(|f| Ranked::new(points.clone().filter_map(|p| items(p, min_size)[f]).collect()));
        Ranks { min_size, measures }
    }

    /// Puts point `new` in the place of `old`: a precinct arriving (no `old`), corrected, or
    /// leaving (no `new`).
    pub fn replace(&mut self, old: Option<&Point>, new: Option<&Point>) {
        let items = |p: Option<&Point>| p.map_or([None, None], |p| items(p, self.min_size));
        let (old, new) = (items(old), items(new));
        for ((ranked, old), new) in self.measures.iter_mut().zip(old).zip(new) {
            ranked.replace(old, new);
        }
    }

    /// [`tests_of`] the region's points as kept here.
    pub fn tests(&self, min: usize, keep: f64, out: &mut Vec<Kept>) -> [Measured; 2] {
        let [turnout, share] = &self.measures;
        let turnout = test_ranked(turnout, min, keep, out);
        [turnout, test_ranked(share, min, keep, out)]
    }
}

/// Both outlier tests for one region, as [`Test`]s (1.0 keeps them all): how many of each kind
/// were made.
#[cfg(test)]
fn tests(region: u32, points: &[Point], min: usize, min_size: u64, keep: f64, out: &mut Vec<Test>) -> [usize; 2] {
    let mut kept = Vec::new();
    let measured = tests_of(points.iter(), min, min_size, keep, &mut kept);
    for (kind, m) in KINDS.into_iter().zip(&measured) {
        out.extend(kept[m.kept.clone()].iter().map(|k| k.test(kind, region, m.median)));
    }
    measured.map(|m| m.made)
}

/// Both outlier tests for one region's points, turnout then share, each if the region has at
/// least `min` eligible precincts: those with a p-value of at most `keep` go to `out`.
pub fn tests_of<'a>(
    points: impl Iterator<Item = &'a Point> + Clone,
    min: usize,
    min_size: u64,
    keep: f64,
    out: &mut Vec<Kept>,
) -> [Measured; 2] {
    let mut buf = Vec::new();
    let turnout =
        points.clone().filter(|p| p.registered() >= min_size).map(|p| (p.precinct, p.registered(), p.turnout()));
    let turnout = test_measure(turnout, min, keep, &mut buf, out);
    let share = points.filter(|p| p.valid() >= min_size).map(|p| (p.precinct, p.valid(), p.share()));
    let share = test_measure(share, min, keep, &mut buf, out);
    [turnout, share]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(i: u32, registered: u64, ballots: u64) -> Point {
        Point::test(i, registered, ballots, ballots / 2)
    }

    #[test]
    fn a_far_precinct_gets_a_tiny_p_value_and_typical_ones_do_not() {
        // 60 precincts of 1,000 voters around 60% turnout (binomial-like spread), one at 95%.
        let mut pts: Vec<Point> = (0..60).map(|i| point(i, 1000, 585 + (i as u64 * 7) % 31)).collect();
        pts.push(point(60, 1000, 950));
        let mut out = Vec::new();
        tests(0, &pts, 20, 100, 1.0, &mut out);
        let turnout: Vec<&Test> = out.iter().filter(|t| t.kind == Kind::TurnoutOutlier).collect();
        assert_eq!(turnout.len(), 61);
        let far = turnout.iter().find(|t| t.precinct == Some(60)).unwrap();
        assert!(far.p < 1e-12, "{}", far.p);
        assert!(turnout.iter().filter(|t| t.precinct != Some(60)).all(|t| t.p > 0.001));
    }

    #[test]
    fn only_a_turnout_above_the_typical_is_judged() {
        // A region stuffed nearly throughout (median 90%) and a few honest-looking precincts at
        // 55%: they are far from the median, but below it, which is not the fingerprint.
        let mut pts: Vec<Point> = (0..60).map(|i| point(i, 1000, 890 + (i as u64 * 7) % 21)).collect();
        pts.extend((60..66).map(|i| point(i, 1000, 550)));
        let mut out = Vec::new();
        tests(0, &pts, 20, 100, 1.0, &mut out);
        let low = out.iter().filter(|t| t.kind == Kind::TurnoutOutlier && t.precinct >= Some(60));
        assert!(low.clone().count() == 6 && low.clone().all(|t| t.p > 0.5), "{out:?}");
    }

    #[test]
    fn mad_of_zero_leaves_binomial_noise() {
        // Every precinct identical: MAD = 0. A precinct 3 votes off is ordinary noise.
        let mut pts: Vec<Point> = (0..30).map(|i| point(i, 1000, 600)).collect();
        pts.push(point(30, 1000, 603));
        pts.push(point(31, 1000, 800));
        let mut out = Vec::new();
        tests(0, &pts, 20, 100, 1.0, &mut out);
        let p = |i| out.iter().find(|t| t.kind == Kind::TurnoutOutlier && t.precinct == Some(i)).unwrap().p;
        assert!(p(30) > 0.1, "{}", p(30));
        assert!(p(31) < 1e-20);
        assert!(out.iter().all(|t| t.p.is_finite()));
    }

    #[test]
    fn small_precincts_are_allowed_more_noise() {
        // The same 20-point jump is ordinary in a precinct of 20 voters, not in one of 2,000.
        let mut pts: Vec<Point> = (0..40).map(|i| point(i, 1000, 600 + (i as u64 % 5))).collect();
        pts.push(point(40, 120, 96));
        pts.push(point(41, 2000, 1600));
        let mut out = Vec::new();
        tests(0, &pts, 20, 100, 1.0, &mut out);
        let p = |i| out.iter().find(|t| t.kind == Kind::TurnoutOutlier && t.precinct == Some(i)).unwrap().p;
        assert!(p(40) > p(41) * 1e6, "{} vs {}", p(40), p(41));
    }

    #[test]
    fn only_passable_tests_are_built_but_all_are_counted() {
        let mut pts: Vec<Point> = (0..60).map(|i| point(i, 1000, 585 + (i as u64 * 7) % 31)).collect();
        pts.push(point(60, 1000, 950));
        let (mut all, mut kept) = (Vec::new(), Vec::new());
        let made_all = tests(0, &pts, 20, 100, 1.0, &mut all);
        let made = tests(0, &pts, 20, 100, 0.01, &mut kept);
        assert_eq!(made, made_all);
        assert_eq!(made[0], 61);
        let expected: Vec<&Test> = all.iter().filter(|t| t.p <= 0.01).collect();
        assert_eq!(kept.iter().collect::<Vec<_>>(), expected);
        assert!(kept.iter().any(|t| t.precinct == Some(60)));
    }

    /// Kept in order through corrections, arrivals and withdrawals, the measures give the
    /// tests a fresh selection gives, to the bit and in the same order, at every threshold.
    #[test]
    fn ranked_tests_are_the_selected_ones() {
        let mut next = crate::analysis::data::seeded(5);
        let mut points: Vec<Point> = Vec::new();
        let mut ranks: Option<Ranks> = None;
        for step in 0..400u32 {
            let i = next(120) as u32;
            let at = points.iter().position(|p| p.precinct == i);
            if let (Some(at), true) = (at, next(4) == 0) {
                // Withdrawn.
                let old = points.remove(at);
                if let Some(r) = ranks.as_mut() {
                    r.replace(Some(&old), None);
                }
            } else {
                // Arrives, or is corrected: sizes around the smallest judged, some far out.
                let registered = 60 + next(1500);
                let ballots = if next(15) == 0 { registered * 9 / 10 } else { registered * (50 + next(15)) / 100 };
                let leader = if next(2) == 0 { ballots / 2 } else { ballots * (40 + next(50)) / 100 };
                let p = Point::test(i, registered, ballots, leader);
                if let Some(at) = at {
                    let old = std::mem::replace(&mut points[at], p);
                    if let Some(r) = ranks.as_mut() {
                        r.replace(Some(&old), Some(&p));
                    }
                } else {
                    points.push(p);
                    if let Some(r) = ranks.as_mut() {
                        r.replace(None, Some(&p));
                    }
                }
            }
            points.sort_by_key(|p| p.precinct);
            let ranks = ranks.get_or_insert_with(|| Ranks::new(points.iter(), 100));
            assert_eq!(*ranks, Ranks::new(points.iter(), 100), "kept as built afresh");
            for keep in [0.001, 0.05, 1.0] {
                let (mut selected, mut ranked) = (Vec::new(), Vec::new());
                let a = tests_of(points.iter(), 20, 100, keep, &mut selected);
                let b = ranks.tests(20, keep, &mut ranked);
                assert_eq!(a, b, "step {step}, keep {keep}");
                let bits =
                    |v: &[Kept]| v.iter().map(|k| (k.precinct, k.p.to_bits(), k.z.to_bits())).collect::<Vec<_>>();
                assert_eq!(bits(&selected), bits(&ranked), "step {step}, keep {keep}");
            }
        }
    }

    #[test]
    fn needs_its_minimum_sample() {
        let pts: Vec<Point> = (0..10).map(|i| point(i, 1000, 600)).collect();
        let mut out = Vec::new();
        tests(0, &pts, 20, 100, 1.0, &mut out);
        assert!(out.is_empty());
    }
}
