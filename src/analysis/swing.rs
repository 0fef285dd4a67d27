//! Projection from a baseline: a prior election's per-precinct results (`--baseline FEED`,
//! read and matched in [`super::baseline`]).
//!
//! A precinct that has not reported yet but is in the baseline is projected by uniform swing
//! within its region ([`super::uniform`]): its prior turnout and shares, moved by the change its
//! region's reported precincts show against their own prior results (vote-weighted; the
//! national change where a region has fewer than [`MIN_FIT`] such precincts), on its prior
//! electorate grown as the region's reported electorate grew. Voters the baseline cannot place
//! are left to the ratio estimator ([`super::ratio`]).
//!
//! The spread is calibrated by split conformal prediction: a fixed quarter of the matched
//! reported precincts (chosen by a hash of their id, so arrival order does not matter) is held
//! out, predicted from the swing fitted on the other three quarters, and their residuals
//! measure how wrong the model is for one precinct. The precinct-level 90% conformal bound (the
//! ⌈0.9·(n+1)⌉-th smallest absolute residual of the leader's share) is reported. Each of the
//! seeded replicates refits the swing on a resample of the fitting precincts (a thin region
//! takes the national swing moved as a random region with its own departs from the regions'
//! mean) and draws the missing precincts' summed error from the held-out residuals; the
//! replicates' covariance around their mean, with the swing's own reporting-order drift, is
//! the spread. The interval is the estimate ± 1.645 of its standard deviation, so it always
//! contains the estimate (percentiles of replicates fitted on three quarters need not).

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::Serialize;

use super::baseline::BaseRow;
pub use super::baseline::Baseline;
use super::linalg::{Mat, Z90, covariance};
use super::projection::{REPLICATES, shares_of};
use super::ratio::Spread;
use super::uniform::{Fit, Obs, Prior, fit, held_out, predict, predict_into, size_slopes};
use crate::engine::Engine;

/// Matched reported precincts a region needs for a swing of its own.
pub const MIN_FIT: usize = 10;

/// Below this share of the reported precincts found in the baseline, the projection warns:
/// the swing rests on few precincts, or the baseline is of other precincts altogether.
pub const LOW_MATCH: f64 = 0.5;

/// What the projection says of its baseline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BaselineInfo {
    pub source: String,
    /// Reported precincts found in the baseline (by id, or by region and station number).
    pub matched_reported: usize,
    /// Reported precincts (with a region), and the share of them found in the baseline.
    pub reported: usize,
    pub match_rate: f64,
    /// Of the matched, those found by region and station number rather than by id.
    pub matched_by_number: usize,
    /// Missing voters projected by swing, as a share of all missing voters (the rest by ratio).
    pub swing_share_of_missing: f64,
    /// Precincts held out for the conformal calibration.
    pub calibration_precincts: usize,
    /// The 90% split-conformal bound on one precinct's leader share (absolute error, 0–1).
    pub precinct_interval: Option<f64>,
    /// Said when fewer than [`LOW_MATCH`] of the reported precincts are in the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl BaselineInfo {
    /// A baseline no reported precinct is in (nothing is projected by swing).
    pub fn unmatched(baseline: &Baseline, reported: usize) -> BaselineInfo {
        BaselineInfo {
            source: baseline.source.clone(),
            matched_reported: 0,
            reported,
            match_rate: 0.0,
            matched_by_number: 0,
            swing_share_of_missing: 0.0,
            calibration_precincts: 0,
            precinct_interval: None,
            warning: low_match(&baseline.source, 0, reported),
        }
    }
}

/// The warning for `matched` of `reported` precincts found in the baseline, if it is owed.
fn low_match(source: &str, matched: usize, reported: usize) -> Option<String> {
    if reported == 0 || matched as f64 >= LOW_MATCH * reported as f64 {
        return None;
    }
    let shown = crate::text::clean(source);
    Some(if matched == 0 {
        format!(
            "none of the {} reported precincts is in the baseline {shown}: projected by region ratios, not by swing (is it a prior election of the same precincts?)",
            crate::text::thousands(reported as u64)
        )
    } else {
        format!(
            "only {} of the {} reported precincts ({}) are in the baseline {shown}: the swing rests on few precincts",
            crate::text::thousands(matched as u64),
            crate::text::thousands(reported as u64),
            crate::text::percent1(matched as u64, reported as u64)
        )
    })
}

/// The swing model for one count.
pub struct Model {
    cands: usize,
    /// The matched reported precincts by region (the fitting ones are those not held out).
    all: Vec<Vec<Obs>>,
    /// Missing precincts by region: prior and projected registered voters.
    targets: Vec<Vec<(Prior, f64, f64)>>,
    /// Missing voters per region the baseline does not place (for the ratio estimator).
    pub unmatched: Vec<f64>,
    /// Cholesky factor of the held-out residuals' covariance (per registered voter; candidates
    /// then ballots), and the sum of squared sizes of the missing precincts.
    chol: Option<Mat>,
    size_sq: f64,
    /// Missing voters the swing places.
    placed: f64,
    pub info: BaselineInfo,
}

impl Model {
    /// The model, given each region's missing registered voters (from the manifest); `None`
    /// when no reported precinct is in the baseline.
    pub fn build(engine: &Engine, baseline: &Baseline, missing: &[f64]) -> Option<Model> {
        let cands = engine.candidates().len();
        let regions = engine.regions().len();
        let map: Vec<Option<usize>> =
            engine.candidates().iter().map(|c| baseline.candidates.iter().position(|b| *b == c.id)).collect();
        // Prior votes of the current candidates (0 for a newcomer), and the prior shares of all
        // prior valid votes (a party gone leaves its share to be renormalised away).
        let votes_of = |b: &BaseRow| -> Vec<f64> { map.iter().map(|i| i.map_or(0.0, |i| b.votes[i] as f64)).collect() };
        let prior_of = |b: &BaseRow| -> Prior {
            let valid = b.votes.iter().sum::<u64>().max(1) as f64;
            Prior {
                turnout: b.ballots as f64 / b.registered.max(1) as f64,
                shares: votes_of(b).iter().map(|v| v / valid).collect(),
            }
        };
        let matching = baseline.matching(engine);
        let mut all: Vec<Vec<Obs>> = vec![Vec::new(); regions];
        for ((id, p), b) in engine.precincts_with_ids().zip(&matching.of_precinct) {
            let (Some(e), Some(r), Some(b)) = (p.counted(), p.region(), b.map(|b| &baseline.rows[b])) else { continue };
            let obs = Obs {
                registered: f64::from(e.registered),
                log_registered: f64::from(e.registered.max(1)).ln(),
                valid: e.valid() as f64,
                ballots: f64::from(e.ballots),
                invalid: f64::from(e.invalid),
                votes: (0..cands).map(|c| f64::from(e.vote(c))).collect(),
                prior: prior_of(b),
                prior_registered: b.registered as f64,
                prior_ballots: b.ballots as f64,
                prior_valid: b.votes.iter().sum::<u64>() as f64,
                prior_votes: votes_of(b),
                at: e.reported_at().unix,
                held: held_out(id),
            };
            if obs.registered > 0.0 {
                all[r as usize].push(obs);
            }
        }
        let matched_reported: usize = all.iter().map(Vec::len).sum();
        if matched_reported == 0 {
            return None;
        }
        // Growth of the electorate since the baseline, by region (else national, else none).
        let growth_of = |obs: &mut dyn Iterator<Item = &Obs>| {
            let (now, before) = obs.fold((0.0, 0.0), |(n, b), o| (n + o.registered, b + o.prior_registered));
            (before > 0.0).then(|| now / before)
        };
        let national_growth = growth_of(&mut all.iter().flatten()).unwrap_or(1.0);
        let mut targets: Vec<Vec<(Prior, f64, f64)>> = vec![Vec::new(); regions];
        for &(b, r) in &matching.targets {
            let b = &baseline.rows[b];
            let growth = if all[r as usize].len() >= MIN_FIT { growth_of(&mut all[r as usize].iter()) } else { None };
            let registered = b.registered as f64 * growth.unwrap_or(national_growth);
            targets[r as usize].push((prior_of(b), registered, registered.max(1.0).ln()));
        }
        // The manifest's missing voters bound what the baseline may place.
        let mut unmatched = missing.to_vec();
        for (r, t) in targets.iter_mut().enumerate() {
            let placed: f64 = t.iter().map(|x| x.1).sum();
            let room = missing.get(r).copied().unwrap_or(0.0);
            if placed > room && placed > 0.0 {
                let k = room / placed;
                t.iter_mut().for_each(|x| {
                    x.1 *= k;
                    x.2 = x.1.max(1.0).ln();
                });
            }
            unmatched[r] = (room - placed).max(0.0);
        }
        let missing_total: f64 = missing.iter().sum();
        let swing_total: f64 = targets.iter().flatten().map(|t| t.1).sum();
        let size_sq: f64 = targets.iter().flatten().map(|t| t.1 * t.1).sum();

        let calibration_precincts = all.iter().flatten().filter(|o| o.held).count();
        let mut model = Model {
            cands,
            all,
            targets,
            unmatched,
            chol: None,
            size_sq,
            placed: swing_total,
            info: BaselineInfo {
                source: baseline.source.clone(),
                matched_reported,
                reported: matching.reported,
                match_rate: matched_reported as f64 / matching.reported.max(1) as f64,
                matched_by_number: matching.by_number,
                swing_share_of_missing: if missing_total > 0.0 { swing_total / missing_total } else { 0.0 },
                calibration_precincts,
                precinct_interval: None,
                warning: low_match(&baseline.source, matched_reported, matching.reported),
            },
        };
        // Calibration: the held-out precincts predicted from the fitting ones.
        let fits = model.fits(&model.select(|o| !o.held), None);
        let leader = super::data::leader(engine);
        let mut residuals: Vec<Vec<f64>> = Vec::new();
        let mut share_errors: Vec<f64> = Vec::new();
        let held = model.all.iter().zip(&fits).flat_map(|(os, f)| os.iter().filter(|o| o.held).map(move |o| (o, f)));
        for (o, f) in held {
            let Some(f) = f else { continue };
            let (ballots, votes) = predict(&o.prior, o.registered, f);
            let mut e: Vec<f64> = o.votes.iter().zip(&votes).map(|(a, p)| (a - p) / o.registered).collect();
            e.push((o.ballots - ballots) / o.registered);
            residuals.push(e);
            if let Some(l) = leader {
                let (valid, predicted): (f64, f64) = (o.votes.iter().sum(), votes.iter().sum());
                if valid > 0.0 && predicted > 0.0 {
                    share_errors.push((o.votes[l] / valid - votes[l] / predicted).abs());
                }
            }
        }
        if !share_errors.is_empty() {
            share_errors.sort_by(|a, b| a.total_cmp(b));
            let n = share_errors.len();
            let k = ((0.9 * (n as f64 + 1.0)).ceil() as usize).min(n);
            model.info.precinct_interval = Some(share_errors[k - 1]);
        }
        model.chol = covariance(&residuals, cands + 1).map(|c| c.cholesky());
        Some(model)
    }

    /// The matched reported precincts of each region that `keep` keeps.
    fn select(&self, keep: impl Fn(&Obs) -> bool) -> Vec<Vec<&Obs>> {
        self.all.iter().map(|os| os.iter().filter(|o| keep(o)).collect()).collect()
    }

    /// The swing of each region (its own, or the national one where it has too few precincts),
    /// from `sets`, each resampled when `rng` is given.
    fn fits(&self, sets: &[Vec<&Obs>], mut rng: Option<&mut ChaCha8Rng>) -> Vec<Option<Fit>> {
        let picked: Vec<Vec<&Obs>> = sets
            .iter()
            .map(|s| match rng.as_deref_mut() {
                Some(rng) if !s.is_empty() => (0..s.len()).map(|_| s[rng.random_range(0..s.len())]).collect(),
                _ => s.clone(),
            })
            .collect();
        let national = fit(&picked.concat(), self.cands);
        let own: Vec<Option<Fit>> =
            picked.iter().map(|p| if p.len() >= MIN_FIT { fit(p, self.cands) } else { None }).collect();
        let mut fits: Vec<Option<Fit>> = own
            .iter()
            .map(|f| match (rng.as_deref_mut(), f, &national) {
                (_, Some(f), _) => Some(f.clone()),
                (None, None, n) => n.clone(),
                // In a replicate, a region too thin for its own swing gets the national one
                // moved as some region with its own swing differs from it: regions differ, and
                // the national swing stands for a thin one only that well.
                // (Moved by the donor's departure from the donors' mean, so that the thin
                // region's swing stays the national one on average.)
                (Some(rng), None, Some(n)) => {
                    let donors: Vec<&Fit> = own.iter().flatten().collect();
                    let mut f = n.clone();
                    if !donors.is_empty() {
                        let k = donors.len() as f64;
                        let d = donors[rng.random_range(0..donors.len())];
                        for (c, x) in f.shares.iter_mut().enumerate() {
                            *x += d.shares[c] - donors.iter().map(|o| o.shares[c]).sum::<f64>() / k;
                        }
                        f.turnout += d.turnout - donors.iter().map(|o| o.turnout).sum::<f64>() / k;
                    }
                    Some(f)
                }
                (Some(_), None, None) => None,
            })
            .collect();
        let slope = size_slopes(&picked, &fits, self.cands);
        for f in fits.iter_mut().flatten() {
            f.slope.clone_from(&slope);
        }
        fits
    }

    /// Projected ballots and votes of the missing precincts the baseline places: the point
    /// estimate, or with `rng` a bootstrap replicate (swing refitted on a resample, plus the
    /// summed precinct errors drawn from the held-out residuals).
    pub fn missing_votes(&self, rng: Option<&mut ChaCha8Rng>) -> (Vec<f64>, f64) {
        let (fits, rng) = match rng {
            None => (self.fits(&self.select(|_| true), None), None),
            Some(rng) => (self.fits(&self.select(|o| !o.held), Some(rng)), Some(rng)),
        };
        let mut votes = vec![0.0; self.cands];
        let mut ballots = 0.0;
        for (targets, f) in self.targets.iter().zip(&fits) {
            let Some(f) = f else { continue };
            for (prior, registered, log) in targets {
                ballots += predict_into(prior, *registered, *log, f, &mut votes);
            }
        }
        if let (Some(rng), Some(chol)) = (rng, &self.chol) {
            let z: Vec<f64> = (0..chol.dim()).map(|_| rng.sample(StandardNormal)).collect();
            let scale = self.size_sq.sqrt();
            for (i, e) in chol.mul_vec(&z).into_iter().enumerate() {
                if i < self.cands {
                    votes[i] = (votes[i] + e * scale).max(0.0);
                } else {
                    ballots = (ballots + e * scale).max(0.0);
                }
            }
        }
        (votes, ballots)
    }

    /// The swing's projection of the missing precincts it places (votes per candidate, then
    /// ballots) and its spread: the covariance of [`REPLICATES`] seeded replicates (swing
    /// refitted on a resample, precinct errors drawn from the held-out residuals) around their
    /// mean — the interval is centred on the estimate, so it always contains it — and the
    /// reporting-order drift ([`Model::order_error`], a 90% bound) as a systematic term.
    pub fn projection(&self, electorate: f64) -> (Vec<f64>, Spread) {
        let (mut point, ballots) = self.missing_votes(None);
        point.push(ballots);
        let d = self.cands + 1;
        // Replicates in parallel, each seeded by its number: the same count, the same spread.
        let replicates: Vec<Vec<f64>> = (0..REPLICATES as u64)
            .into_par_iter()
            .map(|i| {
                let mut rng = ChaCha8Rng::seed_from_u64(0x5717 + i);
                let (mut v, b) = self.missing_votes(Some(&mut rng));
                v.push(b);
                v
            })
            .collect();
        let mut spread = Spread::new(d);
        if let Some(c) = covariance(&replicates, d) {
            spread.sampling = c;
        }
        spread.share_sd = self.order_error(electorate).iter().map(|e| e / Z90).collect();
        (point, spread)
    }
}

impl Model {
    /// How far the swing strays when the later reports are not in yet, measured on the matched
    /// reported precincts themselves: from the earliest 25%, 50% and 75% of them (by reporting
    /// time) it projects the rest; the error per voter of those later precincts (the drift of
    /// the swing over the night) is applied to the voters the swing places now, as a share of
    /// the `electorate`. The largest of the three splits, per candidate (turnout last).
    /// Reporting order is rarely random — cities come late and swing differently — and neither
    /// the resampled swing nor the held-out residuals can see that.
    pub fn order_error(&self, electorate: f64) -> Vec<f64> {
        let obs: Vec<&Obs> = self.all.iter().flatten().collect();
        let mut times: Vec<i64> = obs.iter().map(|o| o.at).collect();
        let mut worst = vec![0.0; self.cands + 1];
        if times.len() < 4 * MIN_FIT {
            return worst;
        }
        times.sort_unstable();
        for q in [0.25, 0.5, 0.75] {
            let cut = times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
            let early = self.select(|o| o.at < cut);
            if early.iter().all(Vec::is_empty) {
                continue;
            }
            let fits = self.fits(&early, None);
            let (mut projected, mut actual) = (vec![0.0; self.cands], vec![0.0; self.cands]);
            let (mut p_ballots, mut a_ballots, mut registered, mut late) = (0.0, 0.0, 0.0, 0.0);
            for (os, f) in self.all.iter().zip(&fits) {
                for o in os {
                    registered += o.registered;
                    a_ballots += o.ballots;
                    actual.iter_mut().zip(&o.votes).for_each(|(t, x)| *t += x);
                    match f.as_ref().filter(|_| o.at >= cut) {
                        Some(f) => {
                            let (b, v) = predict(&o.prior, o.registered, f);
                            late += o.registered;
                            p_ballots += b;
                            projected.iter_mut().zip(&v).for_each(|(t, x)| *t += x);
                        }
                        None => {
                            p_ballots += o.ballots;
                            projected.iter_mut().zip(&o.votes).for_each(|(t, x)| *t += x);
                        }
                    }
                }
            }
            if late <= 0.0 || registered <= 0.0 {
                continue;
            }
            let mut err: Vec<f64> = shares_of(&projected).iter().zip(shares_of(&actual)).map(|(p, a)| p - a).collect();
            err.push((p_ballots - a_ballots) / registered);
            // From the reported set's shares to the drift per late voter, then to the final
            // shares: the voters placed now, over the electorate.
            let scale = registered / late * self.placed / electorate.max(1.0);
            for (w, e) in worst.iter_mut().zip(err) {
                *w = f64::max(*w, e.abs() * scale);
            }
        }
        worst
    }
}
