//! `turnout_share_skew`: more votes for the leader than the other candidates' votes imply, by a
//! reference relation that a region's own manipulation cannot move.
//!
//! Long because the measure, its reference relation and its null are one argument, kept in one file
//! with the tests that check it on clean and stuffed data.
//!
//! Ballots stuffed for the leader raise the leader's votes per registered voter and leave the
//! other candidates' votes per registered voter where they were (Kobak, Shpilkin &
//! Pshenichnikov, "Statistical fingerprints of electoral fraud?", Significance 13(4), 2016;
//! Shpilkin's excess over a clean reference). So each precinct is placed by o = others' votes /
//! registered, and its leader's votes are compared with what the **reference relation** gives at
//! that o: h(o), the typical leader's votes per registered voter of precincts with the same o in
//! the cleanest regions — the half of the regions with the lowest turnout (ballot stuffing raises
//! turnout, so a stuffed region leaves the reference), the median over those regions in bins of
//! o one point wide, over the central 90% of their precincts' o and held at its edge value
//! beyond. An honest gradient (rural precincts voting more, and more for the leader) follows
//! the relation wherever it is, because it is a relation and not a level.
//!
//! A region's excess is E = Σ (L − R·h(o)) in votes (signed, so honest noise cancels), with its
//! standard error from the spread between territorial units (the part of a precinct id before
//! its last `/`, e.g. region/tik/uik) or between precincts, whichever is larger. Regions differ
//! honestly too, so the test asks whether a region's excess per registered voter d is beyond
//! the typical region's (the median d) by more than regions honestly differ (τ, the robust
//! spread of d among the reference regions, beyond their sampling error):
//! z = (d − median d) / √(se² + τ²), one-sided. That catches a region stuffed throughout. A region
//! with some boxes stuffed shows it in its own gradient: its slope of the leader's share on
//! turnout (`slope`) is judged the same way against the other regions' slopes. The region's
//! p-value is the smaller of the two, doubled (Bonferroni). The nation: the regions' excesses
//! over the typical region added up, judged against the same honest spread.
//!
//! (Over 400 lines: the reference, the regions' measures and the test are one method, kept with
//! the tests that pin its behaviour on constructed regions; the slope is in `slope`.)

use super::data::moved;
use super::order::KeptOrder;
use super::{Kind, Test};

/// Bins of others' votes per registered voter, one point wide.
const BINS: usize = 100;
/// Precincts a region needs in a bin for its ratio there to count towards the reference.
const MIN_IN_BIN: u32 = 10;
/// Reference regions needed in a bin for their median (else their pooled ratio is used).
const MIN_REGIONS_IN_BIN: usize = 3;
/// Regions needed to judge any of them against the others.
pub const MIN_REGIONS: usize = 4;
/// The central part of the reference precincts' o (registered-weighted) where the reference is
/// read from the data; beyond, it is held at the edge.
const BULK: (f64, f64) = (0.05, 0.95);
/// The normal quantile of a two-sided 90% interval.
const Z90: f64 = 1.6449;

/// One bin's sums, in integers (exact, whatever order precincts came and went in): precincts,
/// registered voters R, leader's votes L, and the second moments for the spread between
/// precincts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Bin {
    n: u32,
    r: u64,
    l: u64,
    rr: u128,
    lr: u128,
    ll: u128,
}

/// A territorial unit's precincts, leader's votes and registered voters, the latter by bin
/// (in order of bin, with the precincts in each).
#[derive(Debug, Clone, Default, PartialEq)]
struct Unit {
    members: u32,
    l: u64,
    r: u64,
    bins: Vec<(u8, u32, u64)>,
}

/// What the test needs of one region, kept as its precincts come and go ([`put`](Self::put)),
/// then [`finish`](Self::finish)ed for a test: the same sums, to the bit, as those of the same
/// precincts gathered afresh.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionSums {
    bins: Vec<Bin>,
    /// Territorial units, by the number the caller gives them, when every precinct names one.
    units: rustc_hash::FxHashMap<u32, Unit>,
    /// Precincts naming no unit (then units are not read).
    without_unit: usize,
    moments: super::slope::Moments,
    /// Turnout where half of the region's voters are (voter-weighted median).
    pub median_turnout: f64,
    pub precincts: usize,
    pub registered: u64,
    pub leader_votes: u64,
    /// The slope of the leader's share on turnout within the region, and its standard error.
    pub slope: Option<(f64, f64)>,
}

/// A precinct as the test reads it: 24 bytes (single counts fit 32 bits).
#[derive(Debug, Clone, Copy)]
pub struct Precinct {
    registered: u32,
    voted: u32,
    leader: u32,
    /// Its territorial unit, or `u32::MAX`.
    unit: u32,
    others: u64,
}

impl Precinct {
    pub fn new(registered: u64, voted: u64, leader: u64, others: u64, unit: Option<u32>) -> Precinct {
        let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Precinct {
            registered: small(registered),
            voted: small(voted),
            leader: small(leader),
            unit: unit.unwrap_or(u32::MAX),
            others,
        }
    }

    fn unit(&self) -> Option<u32> {
        (self.unit != u32::MAX).then_some(self.unit)
    }

    /// Its turnout, and the voters behind it (the weight of the region's median turnout).
    pub fn turnout(&self) -> (f64, u32) {
        (f64::from(self.voted) / f64::from(self.registered), self.voted)
    }

    fn obs(&self) -> super::slope::Obs {
        let (r, l) = (f64::from(self.registered), f64::from(self.leader));
        super::slope::Obs {
            turnout: f64::from(self.voted) / r,
            share: l / (l + self.others as f64),
            weight: f64::from(self.voted),
            unit: self.unit(),
        }
    }
}

fn bin_of(others: u64, registered: u64) -> usize {
    ((others as f64 / registered as f64 * BINS as f64) as usize).min(BINS - 1)
}

impl Default for RegionSums {
    fn default() -> RegionSums {
        RegionSums {
            bins: vec![Bin::default(); BINS],
            units: Default::default(),
            without_unit: 0,
            moments: Default::default(),
            median_turnout: 0.0,
            precincts: 0,
            registered: 0,
            leader_votes: 0,
            slope: None,
        }
    }
}

impl RegionSums {
    /// The sums of a region's precincts (those with at least `min_size` registered and valid
    /// votes), finished.
    pub fn new(precincts: impl Iterator<Item = Precinct>) -> RegionSums {
        let mut sums = RegionSums::default();
        let mut by_turnout: Vec<(f64, u32)> = Vec::with_capacity(precincts.size_hint().0);
        for p in precincts {
            sums.put(&p, true);
            by_turnout.push(p.turnout());
        }
        let half = by_turnout.iter().map(|x| u64::from(x.1)).sum::<u64>() / 2;
        sums.finish(super::data::weighted_crossing(&mut by_turnout, half).unwrap_or(0.0));
        sums
    }

    /// Adds (`sign`) or takes away a precinct.
    pub fn put(&mut self, p: &Precinct, sign: bool) {
        let b = bin_of(p.others, p.registered.into());
        let (r, l) = (u64::from(p.registered), u64::from(p.leader));
        let (r2, l2) = (u128::from(r), u128::from(l));
        let s = &mut self.bins[b];
        (s.n, s.r, s.l) = (moved(s.n, 1, sign), moved(s.r, r, sign), moved(s.l, l, sign));
        (s.rr, s.lr, s.ll) = (moved(s.rr, r2 * r2, sign), moved(s.lr, l2 * r2, sign), moved(s.ll, l2 * l2, sign));
        self.precincts = moved(self.precincts, 1, sign);
        (self.registered, self.leader_votes) = (moved(self.registered, r, sign), moved(self.leader_votes, l, sign));
        match p.unit() {
            Some(u) => {
                let unit = self.units.entry(u).or_default();
                let at = unit.bins.partition_point(|x| usize::from(x.0) < b);
                if unit.bins.get(at).is_none_or(|x| usize::from(x.0) != b) {
                    unit.bins.insert(at, (b as u8, 0, 0));
                }
                let bin = &mut unit.bins[at];
                (bin.1, bin.2) = (moved(bin.1, 1, sign), moved(bin.2, r, sign));
                (unit.members, unit.l, unit.r) =
                    (moved(unit.members, 1, sign), moved(unit.l, l, sign), moved(unit.r, r, sign));
                if bin.1 == 0 {
                    unit.bins.remove(at);
                }
                if unit.members == 0 {
                    self.units.remove(&u);
                }
            }
            None => self.without_unit = moved(self.without_unit, 1, sign),
        }
        self.moments.put(&p.obs(), sign);
    }

    /// Whether the units are read: every precinct names one.
    fn by_units(&self) -> bool {
        self.without_unit == 0 && !self.units.is_empty()
    }

    /// Sets the median turnout (worked out by the caller from the precincts in order) and works
    /// out the slope.
    pub fn finish(&mut self, median_turnout: f64) {
        self.median_turnout = median_turnout;
        self.slope = self.moments.slope(self.by_units());
    }

    /// The excess over the reference in votes, and its standard error.
    fn excess(&self, h: &[f64]) -> (f64, f64) {
        let total = self.registered as f64;
        let e: f64 = self.bins.iter().zip(h).map(|(b, h)| b.l as f64 - h * b.r as f64).sum();
        let d = e / total;
        // Between precincts: Σ (L − (h + d)·R)², from the bins' moments.
        let ss: f64 = self
            .bins
            .iter()
            .zip(h)
            .map(|(b, h)| {
                let k = h + d;
                let [ll, lr, rr] = [b.ll, b.lr, b.rr].map(super::data::from_u128);
                (ll - 2.0 * k * lr + k * k * rr).max(0.0)
            })
            .sum();
        let n = self.precincts as f64;
        let mut var = if n > 1.0 { ss * n / (n - 1.0) } else { 0.0 };
        // Between territorial units, where there are enough of them to say.
        let c = self.units.len() as f64;
        if self.by_units() && c > 1.0 {
            let mut terms: Vec<f64> = self
                .units
                .values()
                .map(|u| {
                    let expected: f64 = u.bins.iter().map(|&(b, _, r)| h[b as usize] * r as f64).sum();
                    (u.l as f64 - expected - d * u.r as f64).powi(2)
                })
                .collect();
            // Added up in one order whatever order the units were met in.
            super::data::sort_floats(&mut terms);
            var = var.max(terms.iter().sum::<f64>() * c / (c - 1.0));
        }
        (e, var.sqrt())
    }
}

/// The cleanest regions (by place in `regions`): those whose median turnout is at most the
/// regions' median. `None` with fewer than [`MIN_REGIONS`] regions.
fn reference_regions(regions: &[&RegionSums]) -> Option<Vec<usize>> {
    if regions.len() < MIN_REGIONS {
        return None;
    }
    let mut turnouts: Vec<f64> = regions.iter().map(|r| r.median_turnout).collect();
    let cut = super::data::median(&mut turnouts)?;
    Some((0..regions.len()).filter(|&i| regions[i].median_turnout <= cut).collect())
}

/// The reference relation h(o), leader's votes per registered voter by bin of o, from the
/// cleanest regions ([`reference_regions`]), read afresh. `None` where they have no voters.
/// (The tests' reference for [`Reference::read`].)
#[cfg(test)]
fn reference_of(refs: &[&RegionSums]) -> Option<Vec<f64>> {
    fill(&raw_of(refs, bulk_of(&weights_of(refs))))
}

/// Registered voters by bin over the reference regions.
fn weights_of(refs: &[&RegionSums]) -> Vec<u64> {
    (0..BINS).map(|b| refs.iter().map(|r| r.bins[b].r).sum()).collect()
}

/// The relation in every bin ([`bin_reference`]), before the empty bins are filled; none
/// without a bulk.
fn raw_of(refs: &[&RegionSums], bulk: Option<(usize, usize)>) -> Vec<Option<f64>> {
    (0..BINS).map(|b| bulk.and_then(|bulk| bin_reference(refs, b, bulk))).collect()
}

/// The central 90% of the reference precincts' o, by registered voters (`weights`, by bin):
/// its first and last bins. `None` without voters. (The weights are added up as floats, as
/// they always were: sums of whole numbers below 2⁵³, exact either way.)
fn bulk_of(weights: &[u64]) -> Option<(usize, usize)> {
    let total: f64 = weights.iter().map(|&w| w as f64).sum();
    if total <= 0.0 {
        return None;
    }
    let mut acc = 0.0;
    let (mut lo, mut hi) = (None, 0);
    for (b, &w) in weights.iter().enumerate() {
        acc += w as f64;
        if lo.is_none() && acc >= BULK.0 * total {
            lo = Some(b);
        }
        if acc >= BULK.1 * total {
            hi = b;
            break;
        }
    }
    Some((lo.unwrap_or(0), hi))
}

/// The relation in bin `b`, if it lies in the bulk: the median of the reference regions'
/// ratios there (of those with enough precincts in it), else their pooled ratio. It reads bin
/// `b` alone, and in no particular order of the regions.
fn bin_reference(refs: &[&RegionSums], b: usize, (lo, hi): (usize, usize)) -> Option<f64> {
    if b < lo || b > hi {
        return None;
    }
    let mut ratios: Vec<f64> = refs
        .iter()
        .map(|r| r.bins[b])
        .filter(|x| x.n >= MIN_IN_BIN && x.r > 0)
        .map(|x| x.l as f64 / x.r as f64)
        .collect();
    if ratios.len() >= MIN_REGIONS_IN_BIN {
        super::data::median(&mut ratios)
    } else {
        let (l, r) = refs.iter().fold((0.0, 0.0), |(l, r), x| (l + x.bins[b].l as f64, r + x.bins[b].r as f64));
        (r > 0.0).then(|| l / r)
    }
}

/// Empty bins and those beyond the bulk take the nearest value read (the lower on a tie).
/// `None` if no bin has one.
fn fill(raw: &[Option<f64>]) -> Option<Vec<f64>> {
    let mut below: Vec<Option<usize>> = vec![None; raw.len()];
    let mut last = None;
    for (b, x) in raw.iter().enumerate() {
        if x.is_some() {
            last = Some(b);
        }
        below[b] = last;
    }
    last?;
    let mut above = None;
    let mut out = vec![0.0; raw.len()];
    for b in (0..raw.len()).rev() {
        if raw[b].is_some() {
            above = Some(b);
        }
        let nearest = match (below[b], above) {
            (Some(l), Some(a)) => {
                if b - l <= a - b {
                    l
                } else {
                    a
                }
            }
            (Some(l), None) => l,
            (None, Some(a)) => a,
            (None, None) => unreachable!("some bin has a value"),
        };
        out[b] = raw[nearest].unwrap_or(0.0);
    }
    Some(out)
}

/// The reference relation as last read, with what it was read from: a change in one reference
/// region reads again only the bins the change moved (a correction moves one or two), and the
/// whole relation only when the reference regions or the bulk change. The same relation, to
/// the bit, as [`reference_of`] reads afresh: each bin's value depends on that bin alone.
#[derive(Debug, Default)]
struct Reference {
    /// The reference regions, and each one's bins as last read (precincts, L, R).
    ids: Vec<u32>,
    seen: Vec<Vec<(u32, u64, u64)>>,
    /// Registered voters by bin over the reference regions.
    weights: Vec<u64>,
    bulk: Option<(usize, usize)>,
    /// The relation by bin, before the empty bins are filled.
    raw: Vec<Option<f64>>,
    /// Reference regions whose sums changed since.
    stale: Vec<u32>,
}

impl Reference {
    fn read(&mut self, ids: Vec<u32>, refs: &[&RegionSums]) -> Option<Vec<f64>> {
        let bins = |r: &RegionSums| r.bins.iter().map(|b| (b.n, b.l, b.r)).collect::<Vec<_>>();
        if ids != self.ids || self.raw.is_empty() {
            self.ids = ids;
            self.seen = refs.iter().map(|r| bins(r)).collect();
            self.weights = weights_of(refs);
            self.bulk = bulk_of(&self.weights);
            self.raw = raw_of(refs, self.bulk);
        } else if !self.stale.is_empty() {
            let mut moved = [false; BINS];
            for (i, r) in refs.iter().enumerate() {
                if !self.stale.contains(&self.ids[i]) {
                    continue;
                }
                for (b, (now, was)) in r.bins.iter().zip(&mut self.seen[i]).enumerate() {
                    if (now.n, now.l, now.r) != *was {
                        self.weights[b] = self.weights[b] - was.2 + now.r;
                        *was = (now.n, now.l, now.r);
                        moved[b] = true;
                    }
                }
            }
            let bulk = bulk_of(&self.weights);
            for (b, (raw, moved)) in self.raw.iter_mut().zip(moved).enumerate() {
                if bulk != self.bulk || moved {
                    *raw = bulk.and_then(|bulk| bin_reference(refs, b, bulk));
                }
            }
            self.bulk = bulk;
        }
        self.stale.clear();
        fill(&self.raw)
    }
}

/// One region's measure against the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    /// Votes above the reference relation, and its standard error.
    pub excess: f64,
    pub se: f64,
    /// Excess per registered voter.
    pub d: f64,
    pub registered: f64,
    pub leader_votes: u64,
}

/// The typical value among regions (the median) and how much regions honestly differ: the
/// spread of those below the typical one — stuffing only raises a region's excess and steepens
/// its slope, so the lower half is the honest side — as (median − lower quartile) / 0.6745,
/// less their median sampling variance. (Read from the regions' values kept in order:
/// [`Ordered::typical_and_spread`].)
#[cfg(test)]
fn typical_and_spread(values: &[f64], se: &[f64]) -> (f64, f64) {
    let mut values = values.to_vec();
    let typical = super::data::quantile(&mut values, 0.5);
    let spread = (typical - super::data::quantile(&mut values, 0.25)) / 0.6745;
    let mut se2: Vec<f64> = se.iter().map(|s| s * s).collect();
    let tau2 = (spread * spread - super::data::median(&mut se2).unwrap_or(0.0)).max(0.0);
    (typical, tau2.sqrt())
}

/// A measure of each region and its standard error, kept in ascending order from one analysis
/// to the next: a region whose measure changed moves alone, so the typical region and the
/// spread cost what changed, not a sort of all regions.
#[derive(Debug, Default)]
struct Ordered {
    values: KeptOrder,
    /// The squared standard errors.
    se2: KeptOrder,
}

impl Ordered {
    /// Sets the measures: `measures` gives each region's (value, standard error), or none;
    /// regions it does not name have none.
    fn set_all(&mut self, measures: &[(u32, Option<(f64, f64)>)]) {
        self.values.set_all(measures.iter().map(|&(r, m)| (r, m.map(|m| m.0))));
        self.se2.set_all(measures.iter().map(|&(r, m)| (r, m.map(|m| m.1 * m.1))));
    }

    /// [`typical_and_spread`] of the values and errors kept, to the bit.
    fn typical_and_spread(&self) -> (f64, f64) {
        let typical = self.values.quantile(0.5);
        let spread = (typical - self.values.quantile(0.25)) / 0.6745;
        let tau2 = (spread * spread - self.se2.median().unwrap_or(0.0)).max(0.0);
        (typical, tau2.sqrt())
    }
}

/// The tests of every region large enough (`regions`: index and sums), and the nation's.
/// Returns the tests (regions', then the nation's), and the national excess over the reference
/// relation with its 90% interval.
pub fn tests(regions: &[(u32, &RegionSums)], min_excess: f64) -> (Vec<Test>, Option<[f64; 3]>) {
    tests_with(regions, min_excess, &mut Excesses::default())
}

/// Each region's excess and its standard error as last measured, kept while the reference
/// relation is the same to the bit and the region's sums did not change (the caller forgets a
/// region whose reports changed): a new report off the reference regions, or one that moves no
/// bin's median, leaves every other region's measure as it was.
#[derive(Debug, Default)]
pub struct Excesses {
    h: Vec<u64>,
    by_region: rustc_hash::FxHashMap<u32, (f64, f64)>,
    /// The relation `h` was read as, with what it was read from.
    reference: Reference,
    /// Each region's test, with (the bits of) what it was worked out from: a region whose
    /// measure, slope and yardsticks (the typical region and the honest spread) are the same
    /// keeps it.
    tests: rustc_hash::FxHashMap<u32, ([u64; 11], Test)>,
    /// The regions' levels (excess per voter) and slopes, in order.
    levels: Ordered,
    slopes: Ordered,
}

impl Excesses {
    /// Forgets region `r`'s measure (its sums changed).
    pub fn forget(&mut self, r: u32) {
        self.by_region.remove(&r);
        if self.reference.ids.binary_search(&r).is_ok() && !self.reference.stale.contains(&r) {
            self.reference.stale.push(r);
        }
    }
}

/// [`tests`], reusing (and keeping) the regions' measures in `known`.
pub fn tests_with(
    regions: &[(u32, &RegionSums)],
    min_excess: f64,
    known: &mut Excesses,
) -> (Vec<Test>, Option<[f64; 3]>) {
    let sums: Vec<&RegionSums> = regions.iter().map(|(_, s)| *s).collect();
    let Some(refs) = reference_regions(&sums) else { return (Vec::new(), None) };
    // The same reference regions with the same sums read the same relation: a new report off
    // them keeps it, and one in them reads again only the bins it moved.
    let ids: Vec<u32> = refs.iter().map(|&i| regions[i].0).collect();
    let h = if ids == known.reference.ids && known.reference.stale.is_empty() && !known.h.is_empty() {
        known.h.iter().map(|&x| f64::from_bits(x)).collect()
    } else {
        let refs: Vec<&RegionSums> = refs.into_iter().map(|i| sums[i]).collect();
        let Some(h) = known.reference.read(ids, &refs) else {
            known.h.clear();
            return (Vec::new(), None);
        };
        h
    };
    if known.h.len() != h.len() || known.h.iter().zip(&h).any(|(a, b)| *a != b.to_bits()) {
        known.h = h.iter().map(|x| x.to_bits()).collect();
        known.by_region.clear();
    }
    let measures: Vec<Measure> = regions
        .iter()
        .map(|&(r, s)| {
            let (excess, se) = *known.by_region.entry(r).or_insert_with(|| s.excess(&h));
            let registered = s.registered as f64;
            Measure { excess, se, d: excess / registered, registered, leader_votes: s.leader_votes }
        })
        .collect();
    let se_d: Vec<f64> = measures.iter().map(|m| m.se / m.registered).collect();
    let levels: Vec<_> =
        regions.iter().zip(&measures).zip(&se_d).map(|(((r, _), m), &se)| (*r, Some((m.d, se)))).collect();
    known.levels.set_all(&levels);
    let (typical, tau) = known.levels.typical_and_spread();
    known.slopes.set_all(&regions.iter().map(|(r, s)| (*r, s.slope)).collect::<Vec<_>>());
    let (typical_b, tau_b) = known.slopes.typical_and_spread();
    let mut out = Vec::new();
    let (mut above, mut var_null, mut excess, mut var_est, mut leader) = (0.0, 0.0, 0.0, 0.0, 0u64);
    for (((r, s), m), se_d) in regions.iter().zip(&measures).zip(se_d) {
        let over = (m.d - typical) * m.registered;
        let (b, se_b) = s.slope.unwrap_or((f64::NAN, f64::NAN));
        // (The test reads the leader's votes as a float.)
        let leader_votes = m.leader_votes as f64;
        let from = [m.excess, m.se, m.registered, leader_votes, b, se_b, typical, tau, typical_b, tau_b, min_excess]
            .map(f64::to_bits);
        let test = match known.tests.get(r) {
            Some((was, test)) if *was == from => *test,
            _ => {
                let test = region_test(*r, m, se_d, s.slope, (typical, tau), (typical_b, tau_b), min_excess);
                known.tests.insert(*r, (from, test));
                test
            }
        };
        out.push(test);
        above += over;
        var_null += m.registered * m.registered * (se_d * se_d + tau * tau);
        excess += m.excess;
        var_est += m.se * m.se;
        leader += m.leader_votes;
    }
    let z = above / var_null.sqrt().max(f64::MIN_POSITIVE);
    let half = Z90 * var_est.sqrt();
    out.push(Test {
        kind: Kind::TurnoutShareSkew,
        region: None,
        precinct: None,
        p: if above >= min_excess * leader as f64 { upper_tail(z) } else { 1.0 },
        values: [excess, excess - half, excess + half, above, var_null.sqrt(), z, f64::NAN, typical_b, f64::NAN],
    });
    (out, Some([excess, excess - half, excess + half]))
}

/// One region's test: its level `m` (with `se_d`, the standard error of its excess per voter)
/// and its `slope` against the typical region's and the regions' honest spread of each.
fn region_test(
    r: u32,
    m: &Measure,
    se_d: f64,
    slope: Option<(f64, f64)>,
    (typical, tau): (f64, f64),
    (typical_b, tau_b): (f64, f64),
    min_excess: f64,
) -> Test {
    let over = (m.d - typical) * m.registered;
    let z = (m.d - typical) / (se_d * se_d + tau * tau).sqrt().max(f64::MIN_POSITIVE);
    let (slope, z_slope) = match slope {
        Some((b, se)) => (b, (b - typical_b) / (se * se + tau_b * tau_b).sqrt().max(f64::MIN_POSITIVE)),
        None => (f64::NAN, f64::NEG_INFINITY),
    };
    // The level counts only when its excess over the typical region is worth a look; the
    // gradient stands on its own (a partly stuffed region that honestly favours the leader
    // less than the others can sit below the typical level).
    let level = if over >= min_excess * m.leader_votes as f64 { upper_tail(z) } else { 1.0 };
    let p = (2.0 * level.min(upper_tail(z_slope))).min(1.0);
    Test {
        kind: Kind::TurnoutShareSkew,
        region: Some(r),
        precinct: None,
        p,
        values: [
            m.excess,
            m.excess - Z90 * m.se,
            m.excess + Z90 * m.se,
            over,
            tau * m.registered,
            z,
            slope,
            typical_b,
            z_slope,
        ],
    }
}

/// One-sided: only an excess for the leader is the fingerprint.
fn upper_tail(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stand-in for sampling noise in [-1, 1].
    fn jitter(i: u64, salt: u64) -> f64 {
        let x = (i.wrapping_add(salt).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64;
        2.0 * x - 1.0
    }

    /// A region of `n` precincts of 1,000 voters in units of 25, where rurality u (0 to 1)
    /// raises turnout 0.50 + g·u and the leader's share 0.60 + g·u; `stuff(i)` is a turnout to
    /// push precinct i to with ballots for the leader.
    fn region(n: u64, salt: u64, g: f64, stuff: impl Fn(u64) -> Option<f64>) -> RegionSums {
        let precincts: Vec<Precinct> = (0..n)
            .map(|i| {
                let u = (jitter(i, salt) + 1.0) / 2.0;
                let t = 0.50 + g * u + 0.03 * jitter(i, salt + 7);
                let s = 0.60 + g * u + 0.03 * jitter(i, salt + 13);
                let voted = (1000.0 * t).round() as u64;
                let leader = (voted as f64 * s).round() as u64;
                let others = voted - leader;
                let extra = stuff(i).map_or(0, |to| ((1000.0 * to) as u64).saturating_sub(voted));
                Precinct::new(1000, voted + extra, leader + extra, others, Some((i / 25) as u32))
            })
            .collect();
        RegionSums::new(precincts.iter().copied())
    }

    fn judged(regions: &[RegionSums]) -> Vec<Test> {
        let list: Vec<(u32, &RegionSums)> = regions.iter().enumerate().map(|(i, r)| (i as u32, r)).collect();
        tests(&list, 0.01).0
    }

    #[test]
    fn an_honest_gradient_is_not_an_excess() {
        // Twenty regions where the leader honestly does better where more people vote.
        let regions: Vec<RegionSums> = (0..20).map(|r| region(500, r * 1000, 0.10, |_| None)).collect();
        for t in judged(&regions) {
            assert!(t.p > 1e-3, "{t:?}");
            // Within 1% of the leader's votes (about 330 a precinct).
            let leader = if t.region.is_some() { 500.0 * 330.0 } else { 20.0 * 500.0 * 330.0 };
            assert!(t.values[0].abs() < 0.01 * leader, "{t:?}");
        }
    }

    #[test]
    fn a_tenth_stuffed_and_a_region_stuffed_throughout_are_flagged_and_only_they() {
        let mut regions: Vec<RegionSums> = (0..20).map(|r| region(500, r * 1000, 0.10, |_| None)).collect();
        regions[3] = region(500, 3000, 0.10, |i| (i % 10 == 0).then_some(0.85 + 0.01 * (i % 11) as f64));
        regions[7] = region(500, 7000, 0.10, |i| Some(0.85 + 0.01 * (i % 11) as f64));
        let t = judged(&regions);
        for r in &t[..20] {
            let region = r.region.unwrap();
            if region == 3 || region == 7 {
                assert!(r.p < 1e-6, "{r:?}");
            } else {
                assert!(r.p > 1e-3, "{r:?}");
            }
        }
        // The tenth: 50 precincts from about 550 to about 900 voters, all for the leader.
        let planted: f64 = (0..500u64).filter(|i| i % 10 == 0).map(|i| 850.0 + 10.0 * (i % 11) as f64 - 550.0).sum();
        let [e, lo, hi, ..] = t[3].values;
        assert!((e - planted).abs() < 0.2 * planted, "{e} vs {planted}");
        assert!(lo < e && e < hi);
        assert!(t[20].region.is_none() && t[20].p < 1e-6, "the nation: {:?}", t[20]);
    }

    /// The typical region and the spread read from the measures kept in order are those of
    /// the measures sorted afresh, to the bit, as regions' measures change, come and go, tie,
    /// and take the edges of the floats.
    #[test]
    fn kept_order_reads_what_a_fresh_sort_reads() {
        let mut rng = super::super::data::seeded(17);
        let pool = [0.0, -0.0, 0.25, -1.5, 1e-300, f64::INFINITY, f64::NEG_INFINITY, 3.0, 3.0];
        let mut kept = Ordered::default();
        let mut now: Vec<Option<(f64, f64)>> = vec![None; 40];
        let mut moved = 0;
        for round in 0..2_000 {
            // A few regions change (or come, or go) at a time; sometimes all of them.
            let changes = if round % 100 == 0 { 40 } else { 1 + rng(3) as usize };
            for _ in 0..changes {
                let r = rng(40) as usize;
                let value = |rng: &mut dyn FnMut(u64) -> u64| {
                    if rng(4) == 0 { pool[rng(pool.len() as u64) as usize] } else { rng(200) as f64 / 8.0 - 10.0 }
                };
                now[r] = (rng(6) > 0).then(|| (value(&mut rng), value(&mut rng)));
                moved += 1;
            }
            // Regions without a measure are sometimes named (as none), sometimes left out.
            let named = now.iter().enumerate().filter(|(r, m)| m.is_some() || (r + round) % 2 == 0);
            kept.set_all(&named.map(|(r, m)| (r as u32, *m)).collect::<Vec<_>>());
            let (values, se): (Vec<f64>, Vec<f64>) = now.iter().flatten().copied().unzip();
            let (fresh, ours) = (typical_and_spread(&values, &se), kept.typical_and_spread());
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(same(fresh.0, ours.0) && same(fresh.1, ours.1), "round {round}: {fresh:?} {ours:?}");
        }
        assert!(moved > 2_000);
    }

    /// Tests and relation kept from one analysis to the next (each region's measure, the
    /// reference relation read again only where a change moved it) are those worked out
    /// afresh, to the bit, through changes in and out of the reference regions: precincts
    /// corrected, moved across bins, arriving and leaving, a region's turnout shifting it in
    /// or out of the reference.
    #[test]
    fn kept_tests_are_the_fresh_ones() {
        let mut rng = crate::analysis::data::seeded(11);
        let mut regions: Vec<(Vec<Precinct>, RegionSums)> = (0..12)
            .map(|r| {
                let list: Vec<Precinct> = (0..40)
                    .map(|i| {
                        let (reg, voted) = (600 + rng(900), 300 + rng(250));
                        let leader = voted * (40 + rng(50) + r) / 100;
                        Precinct::new(reg, voted, leader.min(voted), voted - leader.min(voted), Some(i / 10))
                    })
                    .collect();
                let sums = RegionSums::new(list.iter().copied());
                (list, sums)
            })
            .collect();
        let bits = |t: &Test| (t.region, t.p.to_bits(), t.values.map(f64::to_bits));
        let mut known = Excesses::default();
        let (mut moved_h, mut refs_seen) = (0, std::collections::BTreeSet::new());
        for step in 0..400 {
            let r = rng(12) as usize;
            let (list, sums) = &mut regions[r];
            let i = rng(list.len() as u64) as usize;
            let old = list[i];
            sums.put(&old, false);
            // Turnout high or low by turns, so that regions move in and out of the reference.
            let high = (step / 60 + r).is_multiple_of(2);
            let reg = 600 + rng(600);
            let voted = reg * if high { 70 + rng(25) } else { 30 + rng(25) } / 100;
            let leader = voted * (20 + rng(75)) / 100;
            let new = Precinct::new(reg, voted, leader, voted - leader, old.unit());
            if step % 7 == 3 {
                list.remove(i);
            } else {
                sums.put(&new, true);
                list[i] = new;
            }
            let mut turnouts: Vec<(f64, u32)> = list.iter().map(|p| p.turnout()).collect();
            let half = turnouts.iter().map(|x| u64::from(x.1)).sum::<u64>() / 2;
            sums.finish(crate::analysis::data::weighted_crossing(&mut turnouts, half).unwrap_or(0.0));
            known.forget(r as u32);
            let all: Vec<(u32, &RegionSums)> = regions.iter().enumerate().map(|(r, (_, s))| (r as u32, s)).collect();
            let before = known.h.clone();
            let (kept, kept_excess) = tests_with(&all, 0.01, &mut known);
            let (fresh, fresh_excess) = tests(&all, 0.01);
            assert_eq!(
                kept.iter().map(bits).collect::<Vec<_>>(),
                fresh.iter().map(bits).collect::<Vec<_>>(),
                "step {step}"
            );
            assert_eq!(kept_excess.map(|e| e.map(f64::to_bits)), fresh_excess.map(|e| e.map(f64::to_bits)));
            let sums: Vec<&RegionSums> = all.iter().map(|x| x.1).collect();
            let refs = reference_regions(&sums).unwrap();
            let h = reference_of(&refs.iter().map(|&i| sums[i]).collect::<Vec<_>>()).unwrap();
            assert_eq!(known.h, h.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), "step {step}");
            moved_h += usize::from(before != known.h);
            refs_seen.insert(refs);
        }
        // The changes did move the relation, and the reference regions, many times.
        assert!(moved_h > 50 && refs_seen.len() > 5, "{moved_h} {}", refs_seen.len());
    }

    /// Each empty bin takes the value of the nearest bin read, the lower on a tie: as the
    /// search of every bin read for the nearest finds it.
    #[test]
    fn fill_takes_the_nearest_value() {
        let mut rng = crate::analysis::data::seeded(5);
        for round in 0..300 {
            let raw: Vec<Option<f64>> = (0..BINS).map(|b| (rng(100) < round % 20).then_some(b as f64 + 0.5)).collect();
            let known: Vec<usize> = (0..BINS).filter(|&b| raw[b].is_some()).collect();
            let searched = (!known.is_empty()).then(|| {
                (0..BINS)
                    .map(|b| raw[*known.iter().min_by_key(|&&k| k.abs_diff(b)).unwrap()].unwrap())
                    .collect::<Vec<f64>>()
            });
            assert_eq!(fill(&raw), searched, "round {round}");
        }
    }

    #[test]
    fn needs_its_minimum_of_regions() {
        let regions: Vec<RegionSums> = (0..3).map(|r| region(100, r, 0.1, |_| None)).collect();
        assert!(judged(&regions).is_empty());
        let regions: Vec<RegionSums> = (0..4).map(|r| region(100, r, 0.1, |_| None)).collect();
        assert_eq!(judged(&regions).len(), 5);
    }
}
