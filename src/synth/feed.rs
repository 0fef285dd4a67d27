//! The in-memory synthetic feed: precincts, their counts, and the reports announcing them.
//! (Over 400 lines: the steps of the generation, in the order they run, one function each.)
//!
//! The national totals are split top-down with exact integer methods, so every level adds up:
//! registered voters by largest remainder over random precinct sizes; ballots by regional
//! turnout with noise, fitted to the national total under each precinct's electorate; each
//! candidate's votes over regions by proportional fitting of regional tilts; and finally each
//! region's ballots over its precincts as multivariate hypergeometric draws.

use anyhow::{Context, Result, ensure};
use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal};
use time::OffsetDateTime;

use super::allocate::{
    fit_matrix, largest_remainder, largest_remainder_capped, largest_remainder_with_floor, split_urn,
};
use super::profile::{ProfileSpec, RegionSpec};
use super::stations::{abroad_stations, station_ids};
use super::timing::{ReportClock, abroad_closing_lag, polls_close};
use super::totals::national_totals;
use super::{Stuffing, SynthOptions};

/// Share of precincts that first send a preliminary count and later a corrected one.
const REVISED_SHARE: f64 = 0.02;
/// Share of a stuffed region's precincts that get the extra ballots.
const STUFFED_SHARE: f64 = 0.3;
/// Smallest electorate of a precinct (when the region has enough voters for it).
const MIN_REGISTERED: u64 = 30;
/// Spread (log scale) of precinct sizes at home and abroad.
const SIZE_SIGMA: f64 = 0.45;
const ABROAD_SIZE_SIGMA: f64 = 0.7;
/// Largest precinct relative to the typical size of its region (stations have a legal cap).
const MAX_SIZE_WEIGHT: f64 = 2.5;
/// Precinct-to-precinct spread of turnout around the regional level.
const TURNOUT_SD: f64 = 0.05;
/// Extra turnout of small (rural) precincts per unit of size below the regional mean.
const SMALL_PRECINCT_TURNOUT_BONUS: f64 = 0.04;
/// Region-to-region spread (log scale) of counting speed.
const REGION_PACE_SIGMA: f64 = 0.15;
/// Seed perturbation for the independent stream that picks stuffed precincts, so planting
/// stuffing leaves every other figure of the feed unchanged.
const STUFFING_STREAM: u64 = 0x5354_5546_4649_4e47;

/// A polling station.
#[derive(Debug, Clone)]
pub struct Precinct {
    pub id: String,
    /// Index into the profile's regions.
    pub region: usize,
    pub registered: u64,
    /// When its polls close, in the region's reporting offset.
    pub polls_close: OffsetDateTime,
}

/// A precinct's count: `ballots == invalid + sum(votes)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub ballots: u64,
    pub invalid: u64,
    /// Votes per candidate, in profile order.
    pub votes: Vec<u64>,
}

/// One report as published in the feed.
#[derive(Debug, Clone)]
pub struct Report {
    /// Index into [`Feed::precincts`].
    pub precinct: usize,
    pub revision: u32,
    pub reported_at: OffsetDateTime,
    pub count: Count,
}

/// Per-region figures for the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionTally {
    pub precincts: usize,
    pub registered: u64,
}

/// A complete synthetic feed, reports in arrival order.
#[derive(Debug)]
pub struct Feed {
    pub spec: &'static ProfileSpec,
    /// Plain statement of the data's synthetic nature, for the manifest.
    pub note: String,
    /// Indexed like the profile's regions.
    pub regions: Vec<RegionTally>,
    /// Grouped by region, in region order.
    pub precincts: Vec<Precinct>,
    /// Sorted by `reported_at`.
    pub reports: Vec<Report>,
}

/// Builds the feed described by `opts`.
pub fn build(opts: &SynthOptions) -> Result<Feed> {
    let spec = opts.profile.spec();
    let total = opts.precincts.unwrap_or_else(|| spec.total_precincts());
    ensure!(
        total >= spec.regions.len(),
        "profile {} needs at least {} precincts (one per region), got {total}",
        spec.key,
        spec.regions.len()
    );
    let stuffing = opts.stuffing.as_ref().map(|stuffing| check_stuffing(spec, stuffing)).transpose()?;
    let totals = national_totals(spec, total)?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);

    let per_region = precincts_per_region(spec, total);
    let registered_weights: Vec<f64> = spec
        .regions
        .iter()
        .zip(&per_region)
        .map(|(r, &n)| r.registered as f64 * n as f64 / r.precincts as f64)
        .collect();
    let registered = largest_remainder(totals.registered, &registered_weights);
    let precincts = lay_out_precincts(spec, &mut rng, &per_region, &registered)?;
    let ballots = draw_ballots(spec, &mut rng, &precincts, totals.ballots)?;
    let mut counts = split_votes(spec, &mut rng, &precincts, &ballots, totals.invalid, &totals.votes)?;
    if let Some((region, fraction)) = stuffing {
        let mut stuffing_rng = ChaCha8Rng::seed_from_u64(opts.seed ^ STUFFING_STREAM);
        plant_stuffing(spec, &mut stuffing_rng, &precincts, &mut counts, region, fraction);
    }
    let reports = schedule_reports(spec, &mut rng, &precincts, counts)?;

    let regions = per_region
        .iter()
        .zip(&registered)
        .map(|(&precincts, &registered)| RegionTally { precincts, registered })
        .collect();
    Ok(Feed { spec, note: describe(opts, total), regions, precincts, reports })
}

/// The stuffed region's index and the stuffing fraction, after checking both.
fn check_stuffing(spec: &ProfileSpec, stuffing: &Stuffing) -> Result<(usize, f64)> {
    ensure!(
        (0.0..=1.0).contains(&stuffing.fraction),
        "stuffing fraction must be between 0 and 1, got {}",
        stuffing.fraction
    );
    spec.regions.iter().position(|r| r.id == stuffing.region).map(|region| (region, stuffing.fraction)).with_context(
        || {
            let known: Vec<&str> = spec.regions.iter().map(|r| r.id).collect();
            format!(
                "unknown region {:?} for stuffing in profile {} (known: {})",
                stuffing.region,
                spec.key,
                known.join(", ")
            )
        },
    )
}

/// The manifest note: what the data is, and what it is not.
fn describe(opts: &SynthOptions, precincts: usize) -> String {
    let spec = opts.profile.spec();
    let calibration = if precincts == spec.total_precincts() {
        "Their sums are calibrated to reproduce the official national totals".to_string()
    } else {
        format!(
            "The electorate is scaled to {precincts} precincts; national turnout and vote shares are calibrated to the official results"
        )
    };
    let mut note = format!(
        "SYNTHETIC DATA: every precinct figure in this feed was generated by `votewatch synth` \
         (profile {}, seed {}) and is not a real precinct result. {calibration}.",
        spec.key, opts.seed
    );
    if let Some(stuffing) = &opts.stuffing {
        note.push_str(&format!(
            " Ballot stuffing was deliberately planted in region {} (fraction {}) for testing.",
            stuffing.region, stuffing.fraction
        ));
    }
    note
}

/// Precincts per region: proportional to the real counts, at least one each.
fn precincts_per_region(spec: &ProfileSpec, total: usize) -> Vec<usize> {
    let weights: Vec<f64> = spec.regions.iter().map(|r| r.precincts as f64).collect();
    let mut counts: Vec<usize> = largest_remainder(total as u64, &weights).into_iter().map(|n| n as usize).collect();
    while let Some(empty) = counts.iter().position(|&n| n == 0) {
        let largest = (0..counts.len()).max_by_key(|&i| counts[i]).unwrap_or(empty);
        counts[largest] -= 1;
        counts[empty] += 1;
    }
    counts
}

/// Creates every precinct: id, electorate (random sizes summing to the region's electorate)
/// and closing time.
fn lay_out_precincts(
    spec: &ProfileSpec,
    rng: &mut ChaCha8Rng,
    per_region: &[usize],
    registered: &[u64],
) -> Result<Vec<Precinct>> {
    let mut precincts = Vec::with_capacity(per_region.iter().sum());
    for (r, region) in spec.regions.iter().enumerate() {
        let count = per_region[r];
        let sigma = if region.abroad { ABROAD_SIZE_SIGMA } else { SIZE_SIGMA };
        let sizes = LogNormal::new(0.0, sigma).context("invalid precinct size model")?;
        let weights: Vec<f64> = (0..count).map(|_| sizes.sample(rng).min(MAX_SIZE_WEIGHT)).collect();
        let floor = MIN_REGISTERED.min(registered[r] / count as u64);
        let electorates = largest_remainder_with_floor(registered[r], &weights, floor)?;
        let close = polls_close(spec, region)?;
        let stations: Vec<(String, OffsetDateTime)> = if region.abroad {
            abroad_stations(region.code, spec.abroad, count)
                .into_iter()
                .map(|(id, country)| {
                    let lag = abroad_closing_lag(region.utc_offset_hours, country.utc_offset_minutes);
                    (id, close + lag)
                })
                .collect()
        } else {
            station_ids(region, count).into_iter().map(|id| (id, close)).collect()
        };
        ensure!(stations.len() == count, "profile {} lists no countries for region {}", spec.key, region.id);
        precincts.extend(stations.into_iter().zip(electorates).map(|((id, polls_close), registered)| Precinct {
            id,
            region: r,
            registered,
            polls_close,
        }));
    }
    Ok(precincts)
}

/// A precinct's electorate relative to its region's average (1.0 = average).
fn size_ratios(precincts: &[Precinct], regions: usize) -> Vec<f64> {
    let mut totals = vec![(0u64, 0u64); regions];
    for p in precincts {
        totals[p.region].0 += p.registered;
        totals[p.region].1 += 1;
    }
    precincts
        .iter()
        .map(|p| {
            let (registered, count) = totals[p.region];
            p.registered as f64 * count as f64 / (registered as f64).max(1.0)
        })
        .collect()
}

/// Ballots per precinct: regional turnout with noise (small precincts vote a little more),
/// fitted to the exact national total without exceeding any electorate.
fn draw_ballots(spec: &ProfileSpec, rng: &mut ChaCha8Rng, precincts: &[Precinct], total: u64) -> Result<Vec<u64>> {
    let noise = Normal::new(0.0, TURNOUT_SD).context("invalid turnout model")?;
    let expected: Vec<f64> = precincts
        .iter()
        .zip(size_ratios(precincts, spec.regions.len()))
        .map(|(p, size)| {
            let region = &spec.regions[p.region];
            let turnout =
                region.turnout + noise.sample(rng) + SMALL_PRECINCT_TURNOUT_BONUS * (1.0 - size).clamp(-1.0, 1.0);
            p.registered as f64 * turnout.clamp(0.15, 0.97)
        })
        .collect();
    let caps: Vec<u64> = precincts.iter().map(|p| p.registered).collect();
    largest_remainder_capped(total, &expected, &caps)
}

/// Contiguous index range of each region's precincts.
fn region_ranges(precincts: &[Precinct], regions: usize) -> Vec<std::ops::Range<usize>> {
    (0..regions)
        .map(|r| {
            let start = precincts.partition_point(|p| p.region < r);
            let end = precincts.partition_point(|p| p.region <= r);
            start..end
        })
        .collect()
}

/// Splits the national invalid ballots and candidate votes down to precincts.
fn split_votes(
    spec: &ProfileSpec,
    rng: &mut ChaCha8Rng,
    precincts: &[Precinct],
    ballots: &[u64],
    invalid: u64,
    votes: &[u64],
) -> Result<Vec<Count>> {
    let ranges = region_ranges(precincts, spec.regions.len());
    let region_ballots: Vec<u64> = ranges.iter().map(|range| ballots[range.clone()].iter().sum()).collect();

    let invalid_weights: Vec<f64> = region_ballots.iter().map(|&b| b as f64 * rng.random_range(0.75..1.3)).collect();
    let region_invalid = largest_remainder_capped(invalid, &invalid_weights, &region_ballots)?;
    let region_valid: Vec<u64> = region_ballots.iter().zip(&region_invalid).map(|(b, i)| b - i).collect();

    let seed: Vec<Vec<f64>> = spec
        .regions
        .iter()
        .zip(&region_valid)
        .map(|(region, &valid)| regional_shares(spec, region, rng).into_iter().map(|s| s * valid as f64).collect())
        .collect();
    let region_votes = fit_matrix(&seed, &region_valid, votes)?;

    let mut counts = Vec::with_capacity(precincts.len());
    for (r, range) in ranges.into_iter().enumerate() {
        let mut urn = vec![region_invalid[r]];
        urn.extend(&region_votes[r]);
        for row in split_urn(rng, &urn, &ballots[range.clone()])? {
            counts.push(Count { ballots: row.iter().sum(), invalid: row[0], votes: row[1..].to_vec() });
        }
    }
    Ok(counts)
}

/// A region's expected vote shares before national fitting: the leader at the region's level,
/// the others by national share, protest candidates scaled by the region's protest factor,
/// each with a random local tilt.
fn regional_shares(spec: &ProfileSpec, region: &RegionSpec, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let leader = spec.leader();
    let mut shares: Vec<f64> = spec
        .candidates
        .iter()
        .map(|c| {
            let protest = if c.protest { region.protest } else { 1.0 };
            c.share_bp as f64 * protest * rng.random_range(0.8..1.25)
        })
        .collect();
    shares[leader] = 0.0;
    let others: f64 = shares.iter().sum();
    for share in &mut shares {
        *share *= (1.0 - region.leader_share) / others.max(f64::MIN_POSITIVE);
    }
    shares[leader] = region.leader_share;
    shares
}

/// Adds ballots for the leader in about [`STUFFED_SHARE`] of the region's precincts:
/// `round(fraction * (registered - ballots))` each, so no precinct exceeds its electorate.
fn plant_stuffing(
    spec: &ProfileSpec,
    rng: &mut ChaCha8Rng,
    precincts: &[Precinct],
    counts: &mut [Count],
    region: usize,
    fraction: f64,
) {
    let range = region_ranges(precincts, spec.regions.len())[region].clone();
    let stuffed = ((range.len() as f64 * STUFFED_SHARE).round() as usize).clamp(1, range.len());
    let leader = spec.leader();
    for i in index::sample(rng, range.len(), stuffed) {
        let p = range.start + i;
        let count = &mut counts[p];
        let extra = (fraction * (precincts[p].registered - count.ballots) as f64).round() as u64;
        count.ballots += extra;
        count.votes[leader] += extra;
    }
}

/// Creates the reports: one per precinct, or a preliminary and a corrected one for about
/// [`REVISED_SHARE`] of precincts; sorted by arrival time.
fn schedule_reports(
    spec: &ProfileSpec,
    rng: &mut ChaCha8Rng,
    precincts: &[Precinct],
    counts: Vec<Count>,
) -> Result<Vec<Report>> {
    let clock = ReportClock::new()?;
    let region_pace_noise = LogNormal::new(0.0, REGION_PACE_SIGMA).context("invalid pace model")?;
    let region_pace: Vec<f64> = spec.regions.iter().map(|r| r.urban * region_pace_noise.sample(rng)).collect();
    let revised_count = ((precincts.len() as f64 * REVISED_SHARE).round() as usize).max(1);
    let mut revised = vec![false; precincts.len()];
    for p in index::sample(rng, precincts.len(), revised_count.min(precincts.len())) {
        revised[p] = true;
    }

    let mut reports = Vec::with_capacity(precincts.len() + revised_count);
    for (p, ((precinct, count), size)) in
        precincts.iter().zip(counts).zip(size_ratios(precincts, spec.regions.len())).enumerate()
    {
        let pace = region_pace[precinct.region] * size.sqrt();
        let first = precinct.polls_close + clock.delay(rng, pace);
        if revised[p] {
            let later = first + clock.revision_gap(rng);
            reports.push(Report { precinct: p, revision: 1, reported_at: first, count: preliminary(rng, &count) });
            reports.push(Report { precinct: p, revision: 2, reported_at: later, count });
        } else {
            reports.push(Report { precinct: p, revision: 1, reported_at: first, count });
        }
    }
    reports.sort_by_key(|r| (r.reported_at, r.precinct, r.revision));
    Ok(reports)
}

/// A slightly wrong first count, as commissions send them. Mostly a transcription slip: one
/// candidate's votes typed a few short, so votes + invalid fall short of the ballots (an
/// integrity flag that the correction clears). Sometimes a few ballots credited to the wrong
/// candidate (or to invalid): consistent, but the correction then lowers someone's votes.
fn preliminary(rng: &mut ChaCha8Rng, count: &Count) -> Count {
    if rng.random_bool(0.8) {
        let with_votes: Vec<usize> = (0..count.votes.len()).filter(|&c| count.votes[c] > 0).collect();
        if let Some(&c) = with_votes.get(rng.random_range(0..with_votes.len().max(1))) {
            let mut votes = count.votes.clone();
            votes[c] -= rng.random_range(1..=votes[c].min(9));
            return Count { ballots: count.ballots, invalid: count.invalid, votes };
        }
    }
    // Category 0 is invalid, 1.. are the candidates.
    let mut categories = vec![count.invalid];
    categories.extend(&count.votes);
    let donors: Vec<usize> = (0..categories.len()).filter(|&c| categories[c] > 0).collect();
    if donors.is_empty() || categories.len() < 2 {
        return count.clone();
    }
    let donor = donors[rng.random_range(0..donors.len())];
    let recipient = (donor + rng.random_range(1..categories.len())) % categories.len();
    let moved = rng.random_range(1..=categories[donor].min(8));
    categories[donor] -= moved;
    categories[recipient] += moved;
    Count { ballots: count.ballots, invalid: categories[0], votes: categories[1..].to_vec() }
}
