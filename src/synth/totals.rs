//! National totals: the exact integers a feed must add up to.
//!
//! For the real precinct count these reproduce the official figures: every published
//! percentage is checked with integer arithmetic. For other precinct counts the electorate is
//! scaled and the same turnout and shares are applied.

use anyhow::{Result, bail, ensure};

use super::allocate::largest_remainder;
use super::profile::{ProfileSpec, ValidVotes};

/// Exact national totals of a feed (before any planted stuffing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalTotals {
    pub registered: u64,
    pub ballots: u64,
    pub invalid: u64,
    /// Votes per candidate, in profile order.
    pub votes: Vec<u64>,
}

impl NationalTotals {
    /// Valid votes: the sum of all candidates' votes.
    pub fn valid(&self) -> u64 {
        self.votes.iter().sum()
    }
}

/// `part / whole` as a percentage in hundredths, rounded half up (6944 = 69.44%).
pub fn percent_hundredths(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    let (part, whole) = (u128::from(part), u128::from(whole));
    ((part * 20_000 + whole) / (2 * whole)) as u64
}

/// `value * numerator / denominator`, rounded half up, in exact integer arithmetic.
fn scale_rounded(value: u64, numerator: u64, denominator: u64) -> u64 {
    let (v, n, d) = (u128::from(value), u128::from(numerator), u128::from(denominator));
    ((2 * v * n + d) / (2 * d)) as u64
}

/// The totals for a feed of `precincts` polling stations.
pub fn national_totals(spec: &ProfileSpec, precincts: usize) -> Result<NationalTotals> {
    let official = official_totals(spec)?;
    let official_precincts = spec.total_precincts();
    if precincts == official_precincts {
        return Ok(official);
    }
    let registered = scale_rounded(spec.registered, precincts as u64, official_precincts as u64);
    let ballots = scale_rounded(registered, spec.turnout_bp, 10_000);
    let valid = scale_rounded(ballots, official.valid(), official.ballots);
    Ok(NationalTotals {
        registered,
        ballots,
        invalid: ballots - valid,
        votes: largest_remainder(valid, &share_weights(spec)),
    })
}

/// The official totals, verified against every published percentage.
fn official_totals(spec: &ProfileSpec) -> Result<NationalTotals> {
    let registered = spec.registered;
    let ballots = match spec.valid {
        ValidVotes::Exact { ballots, .. } => ballots,
        _ => scale_rounded(registered, spec.turnout_bp, 10_000),
    };
    let votes = match spec.valid {
        ValidVotes::Exact { votes, .. } => votes.to_vec(),
        ValidVotes::Anchor { candidate, votes } => anchored_votes(spec, candidate, votes)?,
        ValidVotes::InvalidShare(share) => {
            let valid = (ballots as f64 * (1.0 - share)).round() as u64;
            largest_remainder(valid, &share_weights(spec))
        }
    };
    let valid: u64 = votes.iter().sum();
    ensure!(valid <= ballots, "{}: valid votes {valid} exceed ballots {ballots}", spec.key);
    let totals = NationalTotals { registered, ballots, invalid: ballots - valid, votes };
    verify_shares(spec, &totals)?;
    Ok(totals)
}

/// Votes per candidate when `candidate` officially got exactly `anchor` votes: the valid total
/// is the middle of the range for which `anchor` rounds to the candidate's share, and the
/// remaining votes are split among the others by their shares.
fn anchored_votes(spec: &ProfileSpec, candidate: usize, anchor: u64) -> Result<Vec<u64>> {
    let share = spec.candidates[candidate].share_bp;
    let rounds_right = |valid: u64| percent_hundredths(anchor, valid) == share;
    let guess = scale_rounded(anchor, 10_000, share);
    if !rounds_right(guess) {
        bail!("{}: {anchor} votes cannot be {share} hundredths of a percent", spec.key);
    }
    let (mut low, mut high) = (guess, guess);
    while rounds_right(low - 1) {
        low -= 1;
    }
    while rounds_right(high + 1) {
        high += 1;
    }
    let valid = low + (high - low) / 2;

    let mut weights = share_weights(spec);
    weights[candidate] = 0.0;
    let mut votes = largest_remainder(valid - anchor, &weights);
    votes[candidate] = anchor;
    Ok(votes)
}

/// Candidates' official shares as allocation weights.
fn share_weights(spec: &ProfileSpec) -> Vec<f64> {
    spec.candidates.iter().map(|c| c.share_bp as f64).collect()
}

/// Checks that turnout and every candidate's share round to the published figures.
pub fn verify_shares(spec: &ProfileSpec, totals: &NationalTotals) -> Result<()> {
    let turnout = percent_hundredths(totals.ballots, totals.registered);
    ensure!(turnout == spec.turnout_bp, "{}: turnout rounds to {turnout}, expected {}", spec.key, spec.turnout_bp);
    let valid = totals.valid();
    for (candidate, &votes) in spec.candidates.iter().zip(&totals.votes) {
        let share = percent_hundredths(votes, valid);
        ensure!(
            share == candidate.share_bp,
            "{}: {} share rounds to {share}, expected {}",
            spec.key,
            candidate.id,
            candidate.share_bp
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Profile;

    #[test]
    fn percent_rounds_half_up() {
        assert_eq!(percent_hundredths(6944, 10_000), 6944);
        assert_eq!(percent_hundredths(69_445, 100_000), 6945);
        assert_eq!(percent_hundredths(69_444, 100_000), 6944);
        assert_eq!(percent_hundredths(1, 0), 0);
    }

    #[test]
    fn official_kz_2022_totals_match_the_published_figures() {
        let spec = Profile::Kz2022.spec();
        let totals = national_totals(spec, spec.total_precincts()).unwrap();
        assert_eq!(totals.registered, 11_950_485);
        assert_eq!(totals.votes[0], 6_456_392);
        assert_eq!(totals.ballots, totals.invalid + totals.valid());
        verify_shares(spec, &totals).unwrap();
    }

    #[test]
    fn official_kz_2019_totals_are_the_published_figures() {
        let spec = Profile::Kz2019.spec();
        let totals = national_totals(spec, spec.total_precincts()).unwrap();
        assert_eq!((totals.registered, totals.ballots, totals.invalid), (11_960_364, 9_274_110, 57_700));
        assert_eq!(totals.votes, [6_539_715, 1_495_401, 465_714, 280_451, 182_898, 167_649, 84_582]);
        verify_shares(spec, &totals).unwrap();
    }

    #[test]
    fn scaled_totals_keep_the_shares() {
        for profile in Profile::ALL {
            let spec = profile.spec();
            let totals = national_totals(spec, 500).unwrap();
            assert_eq!(totals.ballots, totals.invalid + totals.valid());
            verify_shares(spec, &totals).unwrap();
        }
    }
}
