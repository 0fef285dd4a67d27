//! The live projection: from partial results, the final turnout and each candidate's final
//! share with a 90% interval, and the call.
//!
//! A stratified ratio estimator by region: the precincts a region has reported stand for the
//! ones it has not, in proportion to registered voters (the manifest's `registered` per region,
//! less what has reported). Regions with fewer than [`MIN_REPORTED`] precincts in are pooled,
//! and stand together for their missing voters. The interval comes from a bootstrap of the
//! reported precincts within each stratum ([`REPLICATES`] replicates, seeded, so the same
//! count always gives the same interval). Nothing is projected until every large region (5% of
//! the electorate or more) has [`MIN_REPORTED`] precincts in.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::engine::Engine;
use crate::engine::seats::hare;
use crate::feed::manifest::Contest;

/// Precincts a stratum needs in before its own ratios are trusted.
pub const MIN_REPORTED: usize = 10;
/// Bootstrap replicates.
pub const REPLICATES: usize = 200;
/// A region this large a share of the electorate must have reported before anything is shown.
pub const LARGE_REGION: f64 = 0.05;

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
    /// The chance of passing the threshold (share of replicates that do).
    pub pass_chance: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Projection {
    /// Why nothing is projected yet (null once it is).
    pub waiting: Option<String>,
    /// Registered voters of the reported precincts, over the manifest's electorate.
    pub reported_fraction: f64,
    pub candidates: Vec<ProjectedShare>,
    pub turnout: Option<Interval>,
    /// "projected outright win", "runoff likely" or "too early to call" (single-winner).
    pub call: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats: Option<Vec<ProjectedSeats>>,
    /// "ratio" (stratified ratio by region) or "swing" (uniform swing from a baseline, with
    /// the ratio for the voters the baseline cannot place).
    pub method: &'static str,
    /// The baseline behind a "swing" projection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<super::swing::BaselineInfo>,
}

/// One stratum: its reported precincts (registered, ballots, votes per candidate) and the
/// voters still missing.
struct Stratum {
    rows: Vec<Row>,
    missing: f64,
}

/// Projected votes per candidate and ballots: the counted ones plus each stratum's missing
/// voters at its reported ratios. With `pick`, each stratum's precincts are resampled (a
/// bootstrap replicate); without, they are taken as they are.
fn estimate(
    strata: &[Stratum],
    known: &[u64],
    known_ballots: u64,
    candidates: usize,
    mut pick: Option<&mut dyn FnMut(usize) -> usize>,
) -> (Vec<f64>, f64) {
    let mut votes: Vec<f64> = known.iter().map(|&v| v as f64).collect();
    let mut ballots = known_ballots as f64;
    for s in strata.iter().filter(|s| s.missing > 0.0 && !s.rows.is_empty()) {
        let n = s.rows.len();
        let (mut reg, mut bal) = (0u64, 0u64);
        let mut v = vec![0u64; candidates];
        for i in 0..n {
            let (r, b, vs, _) = &s.rows[match pick.as_mut() {
                Some(pick) => pick(n),
                None => i,
            }];
            reg += r;
            bal += b;
            for (t, x) in v.iter_mut().zip(vs) {
                *t += x;
            }
        }
        if reg == 0 {
            continue;
        }
        let per_voter = s.missing / reg as f64;
        ballots += bal as f64 * per_voter;
        for (t, x) in votes.iter_mut().zip(&v) {
            *t += *x as f64 * per_voter;
        }
    }
    (votes, ballots)
}

/// Moves an interval end away from the point by the order error too (added in quadrature).
fn widen(point: f64, end: f64, extra: f64) -> f64 {
    let d = ((end - point).powi(2) + extra.powi(2)).sqrt();
    (if end < point { point - d } else { point + d }).clamp(0.0, 1.0)
}

/// Precincts a large region must have in: [`MIN_REPORTED`], or all it has if it has fewer.
fn needed(expected: Option<u64>) -> usize {
    expected.map_or(MIN_REPORTED, |n| (n as usize).clamp(1, MIN_REPORTED))
}

/// A reported precinct: registered, ballots, votes by candidate, when it reported.
type Row = (u64, u64, Vec<u64>, i64);

/// Strata: regions with enough reports stand alone; the thin ones are pooled (and if even the
/// pool is too thin, every reported precinct stands for it).
fn build_strata(rows: Vec<Vec<Row>>, missing: &[f64]) -> Vec<Stratum> {
    let mut strata = Vec::new();
    let mut thin = Stratum { rows: Vec::new(), missing: 0.0 };
    for (rs, &missing) in rows.into_iter().zip(missing) {
        if rs.len() >= MIN_REPORTED {
            strata.push(Stratum { rows: rs, missing });
        } else {
            thin.missing += missing;
            thin.rows.extend(rs);
        }
    }
    if thin.missing > 0.0 && thin.rows.len() < MIN_REPORTED {
        thin.rows = strata.iter().flat_map(|s| s.rows.iter().cloned()).collect();
    }
    strata.push(thin);
    strata
}

/// Each of `v` as a fraction of their sum (all 0 when the sum is).
pub(super) fn shares_of(v: &[f64]) -> Vec<f64> {
    let valid: f64 = v.iter().sum();
    v.iter().map(|x| if valid > 0.0 { x / valid } else { 0.0 }).collect()
}

/// How far the estimator strays when the later reports are not in yet, measured on the
/// reports themselves: project the whole reported set from its earlier part (by reporting
/// time, the first `split` of it) and compare with what the later part actually brought. Returns, per candidate and
/// for turnout (last), that error per missing voter share, and the registered voters of the
/// later half. Reporting order is rarely random (cities come late), and the bootstrap alone
/// cannot see it.
fn order_bias(rows: &[Vec<Row>], cands: usize, split: f64) -> Option<(Vec<f64>, f64)> {
    let mut sorted: Vec<i64> = rows.iter().flatten().map(|r| r.3).collect();
    if sorted.len() < 4 * MIN_REPORTED {
        return None;
    }
    sorted.sort_unstable();
    let cut = sorted[((sorted.len() as f64 * split) as usize).min(sorted.len() - 1)];
    let mut early: Vec<Vec<Row>> = vec![Vec::new(); rows.len()];
    let mut late_registered = vec![0f64; rows.len()];
    let (mut known, mut known_ballots, mut all_votes, mut all_ballots, mut all_registered) =
        (vec![0u64; cands], 0u64, vec![0u64; cands], 0u64, 0u64);
    for (r, rs) in rows.iter().enumerate() {
        for row in rs {
            let at = row.3;
            all_ballots += row.1;
            all_registered += row.0;
            for (a, v) in all_votes.iter_mut().zip(&row.2) {
                *a += v;
            }
            if at < cut {
                known_ballots += row.1;
                for (a, v) in known.iter_mut().zip(&row.2) {
                    *a += v;
                }
                early[r].push(row.clone());
            } else {
                late_registered[r] += row.0 as f64;
            }
        }
    }
    let late: f64 = late_registered.iter().sum();
    if late == 0.0 || early.iter().all(Vec::is_empty) {
        return None;
    }
    let strata = build_strata(early, &late_registered);
    let (v, b) = estimate(&strata, &known, known_ballots, cands, None);
    let projected = shares_of(&v);
    let actual = shares_of(&all_votes.iter().map(|&x| x as f64).collect::<Vec<_>>());
    let mut err: Vec<f64> = projected.iter().zip(&actual).map(|(p, a)| p - a).collect();
    err.push(b / all_registered.max(1) as f64 - all_ballots as f64 / all_registered.max(1) as f64);
    Some((err, late))
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i]
}

pub fn project(engine: &Engine) -> Option<Projection> {
    project_with(engine, None)
}

/// The projection, by uniform swing from `baseline` where it places the missing precincts.
pub fn project_with(engine: &Engine, baseline: Option<&super::swing::Baseline>) -> Option<Projection> {
    let m = engine.manifest()?;
    let regions = engine.regions();
    if regions.is_empty() || regions.iter().any(|r| r.registered_expected.is_none()) {
        return None;
    }
    let cands = engine.candidates().len();
    let total_registered: u64 = regions.iter().filter_map(|r| r.registered_expected).sum();
    // Reported precincts by region.
    let mut rows: Vec<Vec<Row>> = vec![Vec::new(); regions.len()];
    for p in engine.precincts() {
        let (Some(e), Some(r)) = (p.counted(), p.region()) else { continue };
        let votes = (0..cands).map(|c| u64::from(e.vote(c))).collect();
        rows[r as usize].push((e.registered.into(), e.ballots.into(), votes, e.reported_at.unix));
    }
    let national = engine.national();
    let known: Vec<u64> = (0..cands).map(|c| national.votes_of(c)).collect();
    let reported_fraction = national.registered as f64 / total_registered.max(1) as f64;
    // Large regions must have reported enough.
    let waiting: Vec<String> = regions
        .iter()
        .zip(&rows)
        .filter(|(r, rs)| {
            r.registered_expected.unwrap_or(0) as f64 >= LARGE_REGION * total_registered as f64
                && rs.len() < needed(r.precincts_expected)
        })
        .map(|(r, rs)| {
            format!("{} ({} of {} precincts)", crate::text::clean(&r.name), rs.len(), needed(r.precincts_expected))
        })
        .collect();
    let base = Projection {
        waiting: None,
        reported_fraction,
        candidates: Vec::new(),
        turnout: None,
        call: None,
        seats: None,
        method: if baseline.is_some() { "swing" } else { "ratio" },
        baseline: None,
    };
    if !waiting.is_empty() {
        return Some(Projection { waiting: Some(format!("waiting for {}", waiting.join(", "))), ..base });
    }
    let missing: Vec<f64> = regions
        .iter()
        .zip(&rows)
        .map(|(meta, rs)| meta.registered_expected.unwrap_or(0).saturating_sub(rs.iter().map(|r| r.0).sum()) as f64)
        .collect();
    // Three splits of the reported precincts by time; the largest error (per voter still
    // missing) stands, since one split can be lucky.
    let order_errors: Vec<(Vec<f64>, f64)> =
        [0.25, 0.5, 0.75].iter().filter_map(|&q| order_bias(&rows, cands, q)).collect();
    // With a baseline, the missing precincts it places are projected by swing; the ratio
    // estimator (and its reporting-order error) covers the voters left over.
    let swing = baseline.and_then(|b| super::swing::Model::build(engine, b, &missing));
    let missing = swing.as_ref().map_or(missing, |s| s.unmatched.clone());
    let missing_total: f64 = missing.iter().sum();
    let strata = build_strata(rows, &missing);
    let with_swing = |(mut v, mut b): (Vec<f64>, f64), rng: Option<&mut ChaCha8Rng>| {
        if let Some(s) = &swing {
            let (sv, sb) = s.missing_votes(rng);
            v.iter_mut().zip(&sv).for_each(|(t, x)| *t += x);
            b += sb;
        }
        (v, b)
    };
    let (votes, ballots) = with_swing(estimate(&strata, &known, national.ballots, cands, None), None);
    let point = shares_of(&votes);
    let turnout = ballots / total_registered.max(1) as f64;

    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED);
    let mut swing_rng = ChaCha8Rng::seed_from_u64(0x5717);
    let mut rep_shares: Vec<Vec<f64>> = vec![Vec::with_capacity(REPLICATES); cands];
    let mut rep_turnout = Vec::with_capacity(REPLICATES);
    let mut rep_votes = Vec::with_capacity(REPLICATES);
    for _ in 0..REPLICATES {
        let ratio = estimate(&strata, &known, national.ballots, cands, Some(&mut |n| rng.random_range(0..n)));
        let (v, b) = with_swing(ratio, Some(&mut swing_rng));
        for (c, s) in shares_of(&v).into_iter().enumerate() {
            rep_shares[c].push(s);
        }
        rep_turnout.push(b / total_registered.max(1) as f64);
        rep_votes.push(v);
    }
    // The reporting-order error, scaled from the later half of the reported voters to all the
    // voters still missing.
    // (With a baseline, the swing's own reporting-order error is added for the voters it places.)
    let swing_order = swing.as_ref().map(|s| s.order_error(total_registered as f64)).unwrap_or_default();
    let extra = |i: usize| {
        order_errors.iter().map(|(err, late)| err[i].abs() * (missing_total / late)).fold(0.0, f64::max)
            + swing_order.get(i).copied().unwrap_or(0.0)
    };
    let mut order: Vec<usize> = (0..cands).collect();
    order.sort_by(|&a, &b| point[b].total_cmp(&point[a]));
    let candidates: Vec<ProjectedShare> = order
        .iter()
        .map(|&c| ProjectedShare {
            id: engine.candidates()[c].id.clone(),
            share: point[c],
            low: widen(point[c], percentile(&mut rep_shares[c].clone(), 0.05), extra(c)),
            high: widen(point[c], percentile(&mut rep_shares[c].clone(), 0.95), extra(c)),
        })
        .collect();
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
            let threshold = m.threshold.unwrap_or(0.0);
            let alloc = |v: &[f64]| hare(&v.iter().map(|x| x.round() as u64).collect::<Vec<_>>(), n, threshold);
            let at_point = alloc(&votes);
            let reps: Vec<Vec<u32>> = rep_votes.iter().map(|v| alloc(v)).collect();
            Some(
                order
                    .iter()
                    .map(|&c| {
                        let mut s: Vec<f64> = reps.iter().map(|r| f64::from(r[c])).collect();
                        let passes = rep_shares[c].iter().filter(|&&x| x >= threshold).count();
                        ProjectedSeats {
                            id: engine.candidates()[c].id.clone(),
                            seats: at_point[c],
                            low: percentile(&mut s.clone(), 0.05) as u32,
                            high: percentile(&mut s, 0.95) as u32,
                            pass_chance: passes as f64 / REPLICATES as f64,
                        }
                    })
                    .collect(),
            )
        }
        _ => None,
    };
    Some(Projection {
        waiting: None,
        reported_fraction,
        method: base.method,
        baseline: swing.map(|s| s.info),
        candidates,
        turnout: Some(Interval {
            value: turnout,
            low: widen(turnout, percentile(&mut rep_turnout.clone(), 0.05), extra(cands)),
            high: widen(turnout, percentile(&mut rep_turnout, 0.95), extra(cands)),
        }),
        call,
        seats,
    })
}
