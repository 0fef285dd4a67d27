//! The live projection: from partial results, the final turnout and each candidate's final
//! share with a 90% interval, the call, and (party lists) the seats.
//!
//! The voters still missing are projected by region ([`super::ratio`]: each region's own
//! reports once it has [`MIN_REPORTED`] precincts in, corrected for the drift between early
//! and late reporters; the national ratio, with what borrowing costs, before that) or, given a
//! baseline, by uniform swing from a prior election where it places them ([`super::swing`]).
//! Counted votes are added as they are, so a complete count projects exactly the count. Each
//! interval is the point estimate plus and minus 1.645 standard deviations of the projected
//! share (the delta method over the projected votes' [`Spread`]), so it always contains its
//! estimate. Method and calibration: docs/PROJECTION.md.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use super::linalg::{Z90, gradient};
use super::ratio::{self, MIN_REGIONS, MIN_REPORTED, Spread};
use crate::engine::Engine;
use crate::engine::seats::hare;
use crate::feed::manifest::Contest;

/// Draws of the projected votes behind the seat ranges and threshold chances.
pub const REPLICATES: usize = 200;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProjectedShare {
    pub id: String,
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProjectedSeats {
    pub id: String,
    pub seats: u32,
    pub low: u32,
    pub high: u32,
    /// The chance of passing the threshold (share of draws that do).
    pub pass_chance: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Projection {
    /// Why nothing is projected yet (null once it is).
    pub waiting: Option<String>,
    /// Registered voters of the reported precincts, over the manifest's electorate.
    pub reported_fraction: f64,
    /// Voters projected at the national ratio because their region has fewer than
    /// [`MIN_REPORTED`] precincts in, over the manifest's electorate.
    pub borrowed_fraction: f64,
    pub candidates: Vec<ProjectedShare>,
    pub turnout: Option<Interval>,
    /// "projected outright win", "runoff likely" or "too early to call" (single-winner).
    pub call: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats: Option<Vec<ProjectedSeats>>,
    /// "ratio" (by region, with the hierarchy) or "swing" (uniform swing from a baseline, with
    /// the ratio for the voters the baseline cannot place).
    pub method: &'static str,
    /// The baseline behind a "swing" projection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<super::swing::BaselineInfo>,
}

/// Each of `v` as a fraction of their sum (all 0 when the sum is).
pub(super) fn shares_of(v: &[f64]) -> Vec<f64> {
    let valid: f64 = v.iter().sum();
    v.iter().map(|x| if valid > 0.0 { x / valid } else { 0.0 }).collect()
}

/// Precincts a region needs in to stand: [`MIN_REPORTED`], or all it has if it has fewer.
fn needed(expected: Option<u64>) -> usize {
    expected.map_or(MIN_REPORTED, |n| (n as usize).clamp(1, MIN_REPORTED))
}

/// A stable, order-independent tie-break for precincts reporting at the same second: FNV-1a of
/// the id.
fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The reported precincts by region (in reporting order, ties by id) and each region's voters
/// still missing (none once all its precincts are in).
fn regions_of(engine: &Engine, cands: usize) -> Vec<ratio::Region> {
    let meta = engine.regions();
    let precincts = engine.precincts();
    let mut order: Vec<Vec<(i64, u64, u32)>> = vec![Vec::new(); meta.len()];
    for (i, p) in precincts.iter().enumerate() {
        let (Some(e), Some(r)) = (p.counted(), p.region()) else { continue };
        order[r as usize].push((e.reported_at().unix, id_hash(engine.precinct_id(i as u32)), i as u32));
    }
    let mut y = vec![0.0; cands + 1];
    meta.iter()
        .zip(order)
        .map(|(m, mut rs)| {
            rs.sort_unstable();
            let complete = m.precincts_expected.is_some_and(|n| rs.len() as u64 >= n);
            let mut region = ratio::Region::new(cands + 1, needed(m.precincts_expected), 0.0);
            region.registered.reserve(rs.len());
            region.y.reserve(rs.len() * (cands + 1));
            for (at, _, i) in rs {
                let Some(e) = precincts[i as usize].counted() else { continue };
                y.iter_mut().take(cands).enumerate().for_each(|(c, v)| *v = f64::from(e.vote(c)));
                y[cands] = f64::from(e.ballots);
                region.push(f64::from(e.registered), &y, at);
            }
            let reported: f64 = region.registered.iter().sum();
            let expected = m.registered_expected.unwrap_or(0) as f64;
            region.missing = if complete { 0.0 } else { (expected - reported).max(0.0) };
            region
        })
        .collect()
}

pub fn project(engine: &Engine) -> Option<Projection> {
    project_with(engine, None)
}

/// The projection, by uniform swing from `baseline` where it places the missing precincts.
pub fn project_with(engine: &Engine, baseline: Option<&super::swing::Baseline>) -> Option<Projection> {
    let m = engine.manifest()?;
    let meta = engine.regions();
    if meta.is_empty() || meta.iter().any(|r| r.registered_expected.is_none()) {
        return None;
    }
    let cands = engine.candidates().len();
    let d = cands + 1;
    let electorate: u64 = meta.iter().filter_map(|r| r.registered_expected).sum();
    let national = engine.national();
    let reported_fraction = national.registered as f64 / electorate.max(1) as f64;
    let regions = regions_of(engine, cands);
    let missing: Vec<f64> = regions.iter().map(|r| r.missing).collect();
    // With a baseline, the missing precincts it places are projected by swing; the ratio
    // estimator covers the voters left over. A baseline no reported precinct is in places
    // nothing: the projection is by ratio, and says why.
    let swing = baseline.and_then(|b| super::swing::Model::build(engine, b, &missing));
    let info = match (&swing, baseline) {
        (Some(s), _) => Some(s.info.clone()),
        (None, Some(b)) => Some(super::swing::BaselineInfo::unmatched(b, regions.iter().map(|r| r.len()).sum())),
        (None, None) => None,
    };
    let base = Projection {
        waiting: None,
        reported_fraction,
        borrowed_fraction: 0.0,
        candidates: Vec::new(),
        turnout: None,
        call: None,
        seats: None,
        method: if swing.is_some() { "swing" } else { "ratio" },
        baseline: info,
    };
    let by_ratio = swing.as_ref().map_or(missing.clone(), |s| s.unmatched.clone());
    let estimate = match ratio::estimate(&regions, &by_ratio, d) {
        Ok(e) => e,
        Err(few) => {
            let waiting = if meta.len() <= MIN_REGIONS {
                // Few regions: each must stand on its own reports.
                let thin: Vec<String> = meta
                    .iter()
                    .zip(&regions)
                    .filter(|(_, r)| !r.stands())
                    .map(|(m, r)| format!("{} ({} of {} precincts)", crate::text::clean(&m.name), r.len(), r.needed))
                    .collect();
                format!("waiting for {}", thin.join(", "))
            } else {
                format!(
                    "waiting for {MIN_REPORTED} precincts in at least {MIN_REGIONS} regions ({} so far)",
                    few.standing
                )
            };
            return Some(Projection { waiting: Some(waiting), ..base });
        }
    };
    let mut votes: Vec<f64> = (0..cands).map(|c| national.votes_of(c) as f64).collect();
    votes.push(national.ballots as f64);
    votes.iter_mut().zip(&estimate.votes).for_each(|(v, e)| *v += e);
    let mut spread = estimate.spread;
    if let Some(s) = &swing {
        let (sv, ss) = s.projection(electorate as f64);
        votes.iter_mut().zip(&sv).for_each(|(v, e)| *v += e);
        spread.add(ss);
    }
    let electorate = electorate as f64;
    let (shares, ballots) = (shares_of(&votes[..cands]), votes[cands]);
    let interval = |point: f64, i: usize| {
        let half = Z90 * spread.sd(&gradient(&votes[..cands], electorate, i), i);
        ((point - half).clamp(0.0, 1.0), (point + half).clamp(0.0, 1.0))
    };
    let mut order: Vec<usize> = (0..cands).collect();
    order.sort_by(|&a, &b| shares[b].total_cmp(&shares[a]));
    let candidates: Vec<ProjectedShare> = order
        .iter()
        .map(|&c| {
            let (low, high) = interval(shares[c], c);
            ProjectedShare { id: engine.candidates()[c].id.clone(), share: shares[c], low, high }
        })
        .collect();
    let turnout = ballots / electorate.max(1.0);
    let (low, high) = interval(turnout, cands);
    let call = match (m.contest, m.majority, candidates.first()) {
        (Contest::SingleWinner, Some(maj), Some(lead)) => Some(
            if lead.low > maj {
                "projected outright win"
            } else if lead.high < maj {
                "runoff likely"
            } else {
                "too early to call"
            }
            .to_string(),
        ),
        _ => None,
    };
    let seats = match (m.contest, m.seats) {
        (Contest::PartyList, Some(n)) => {
            Some(seat_ranges(engine, &votes, &spread, &order, n, m.threshold.unwrap_or(0.0), electorate))
        }
        _ => None,
    };
    Some(Projection {
        borrowed_fraction: estimate.borrowed / electorate.max(1.0),
        method: base.method,
        candidates,
        turnout: Some(Interval { value: turnout, low, high }),
        call,
        seats,
        ..base
    })
}

/// Seats (largest remainder on the projected votes) with 90% ranges and threshold chances,
/// from seeded draws of the projected votes (the same count always gives the same ranges).
fn seat_ranges(
    engine: &Engine,
    votes: &[f64],
    spread: &Spread,
    order: &[usize],
    seats: u32,
    threshold: f64,
    electorate: f64,
) -> Vec<ProjectedSeats> {
    let cands = votes.len() - 1;
    let alloc = |v: &[f64]| hare(&v.iter().map(|x| x.max(0.0).round() as u64).collect::<Vec<_>>(), seats, threshold);
    let at_point = alloc(&votes[..cands]);
    let lead = order.first().copied().unwrap_or(0);
    let factor = spread.combined(&gradient(&votes[..cands], electorate, lead)).cholesky();
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED);
    let draws: Vec<Vec<f64>> = (0..REPLICATES)
        .map(|_| {
            let z: Vec<f64> = (0..cands + 1).map(|_| StandardNormal.sample(&mut rng)).collect();
            votes.iter().zip(factor.mul_vec(&z)).map(|(v, e)| (v + e).max(0.0)).take(cands).collect()
        })
        .collect();
    let allocations: Vec<Vec<u32>> = draws.iter().map(|v| alloc(v)).collect();
    order
        .iter()
        .map(|&c| {
            let mut s: Vec<u32> = allocations.iter().map(|a| a[c]).collect();
            s.sort_unstable();
            let pick = |p: f64| s[((s.len() - 1) as f64 * p).round() as usize];
            let passes = draws.iter().filter(|v| shares_of(v)[c] >= threshold).count();
            ProjectedSeats {
                id: engine.candidates()[c].id.clone(),
                seats: at_point[c],
                low: pick(0.05).min(at_point[c]),
                high: pick(0.95).max(at_point[c]),
                pass_chance: passes as f64 / REPLICATES as f64,
            }
        })
        .collect()
}
