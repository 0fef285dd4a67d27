//! Uniform swing, the arithmetic: a set of reported precincts' change against their own prior
//! results (turnout, each candidate's share, and a size slope pooled over regions), and the
//! prediction of a precinct from its prior result moved by such a swing. The model that fits
//! and calibrates it on a count is [`super::swing`].

/// One in this many matched reported precincts is held out for calibration.
pub const HOLD_OUT: u64 = 4;

/// A precinct's prior turnout and shares (per current candidate, of prior valid votes).
#[derive(Debug, Clone)]
pub(super) struct Prior {
    pub turnout: f64,
    pub shares: Vec<f64>,
}

/// A matched reported precinct.
#[derive(Debug, Clone)]
pub(super) struct Obs {
    pub registered: f64,
    /// Its natural log, and the valid votes.
    pub log_registered: f64,
    pub valid: f64,
    pub ballots: f64,
    pub invalid: f64,
    pub votes: Vec<f64>,
    pub prior: Prior,
    pub prior_registered: f64,
    pub prior_ballots: f64,
    /// All prior valid votes, and those of the current candidates.
    pub prior_valid: f64,
    pub prior_votes: Vec<f64>,
    /// When it reported (unix seconds).
    pub at: i64,
    /// Held out of the fit, for the conformal calibration.
    pub held: bool,
}

/// The swing of a set of reported precincts against their prior results.
#[derive(Debug, Clone)]
pub(super) struct Fit {
    pub shares: Vec<f64>,
    pub turnout: f64,
    pub invalid_rate: f64,
    /// The change of the swing with precinct size: per unit of log registered voters away from
    /// `log_size` (the set's registered-weighted mean), per candidate, turnout last. Pooled over
    /// the regions (cities and villages rarely swing alike).
    pub slope: Vec<f64>,
    pub log_size: f64,
}

pub(super) fn fit(obs: &[&Obs], cands: usize) -> Option<Fit> {
    let (mut reg, mut bal, mut inv, mut valid) = (0.0, 0.0, 0.0, 0.0);
    let (mut prior_reg, mut prior_bal, mut prior_valid) = (0.0, 0.0, 0.0);
    let mut now = vec![0.0; cands];
    let mut before = vec![0.0; cands];
    for o in obs {
        reg += o.registered;
        bal += o.ballots;
        inv += o.invalid;
        valid += o.valid;
        now.iter_mut().zip(&o.votes).for_each(|(n, x)| *n += x);
        prior_reg += o.prior_registered;
        prior_bal += o.prior_ballots;
        prior_valid += o.prior_valid;
        before.iter_mut().zip(&o.prior_votes).for_each(|(b, x)| *b += x);
    }
    if reg <= 0.0 || valid <= 0.0 || bal <= 0.0 || prior_reg <= 0.0 || prior_valid <= 0.0 {
        return None;
    }
    Some(Fit {
        shares: now.iter().zip(&before).map(|(n, b)| n / valid - b / prior_valid).collect(),
        turnout: bal / reg - prior_bal / prior_reg,
        invalid_rate: inv / bal,
        slope: vec![0.0; cands + 1],
        log_size: obs.iter().map(|o| o.registered * o.log_registered).sum::<f64>() / reg,
    })
}

/// The size slopes (per candidate's share, turnout last), by registered-weighted least squares
/// of each precinct's departure from its region's swing on its log size (centred in its
/// region, so that differences between regions do not count).
pub(super) fn size_slopes(sets: &[Vec<&Obs>], fits: &[Option<Fit>], cands: usize) -> Vec<f64> {
    let mut sxx = 0.0;
    let mut sxy = vec![0.0; cands + 1];
    for (set, f) in sets.iter().zip(fits) {
        let Some(f) = f else { continue };
        for o in set {
            let valid = o.valid;
            if valid <= 0.0 {
                continue;
            }
            let (w, x) = (o.registered, o.log_registered - f.log_size);
            sxx += w * x * x;
            for (c, s) in sxy.iter_mut().enumerate().take(cands) {
                *s += w * x * (o.votes[c] / valid - o.prior.shares[c] - f.shares[c]);
            }
            sxy[cands] += w * x * (o.ballots / o.registered - o.prior.turnout - f.turnout);
        }
    }
    sxy.iter().map(|s| if sxx > 0.0 { s / sxx } else { 0.0 }).collect()
}

/// Predicted ballots and votes per candidate for `registered` voters with this prior.
pub(super) fn predict(prior: &Prior, registered: f64, f: &Fit) -> (f64, Vec<f64>) {
    let mut votes = vec![0.0; f.shares.len()];
    let log = if registered > 0.0 { registered.ln() } else { f.log_size };
    let ballots = predict_into(prior, registered, log, f, &mut votes);
    (ballots, votes)
}

/// [`predict`] for `registered` voters of log size `log`, adding the votes to `votes` (no
/// allocation: it runs for every missing precinct in every replicate); returns the ballots.
pub(super) fn predict_into(prior: &Prior, registered: f64, log: f64, f: &Fit, votes: &mut [f64]) -> f64 {
    let x = log - f.log_size;
    let n = f.shares.len();
    let turnout = (prior.turnout + f.turnout + f.slope[n] * x).clamp(0.0, 1.0);
    let ballots = registered * turnout;
    let valid = ballots * (1.0 - f.invalid_rate);
    let raw = |c: usize| (prior.shares[c] + f.shares[c] + f.slope[c] * x).max(0.0);
    let sum: f64 = (0..n).map(raw).sum();
    if sum > 0.0 {
        for (c, v) in votes.iter_mut().enumerate() {
            *v += valid * raw(c) / sum;
        }
    }
    ballots
}

/// Stable hold-out choice: FNV-1a of the precinct id.
pub(super) fn held_out(id: &str) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.is_multiple_of(HOLD_OUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_out_is_about_a_quarter_and_fixed_by_id() {
        let ids: Vec<String> = (0..4000).map(|i| format!("P{i:05}")).collect();
        let n = ids.iter().filter(|id| held_out(id)).count();
        assert!((800..1200).contains(&n), "{n}");
        assert_eq!(held_out("P00042"), held_out("P00042"));
    }

    #[test]
    fn uniform_swing_moves_prior_shares_and_turnout() {
        let prior = Prior { turnout: 0.6, shares: vec![0.5, 0.3, 0.2] };
        let f =
            Fit { shares: vec![0.05, -0.05, 0.0], turnout: 0.1, invalid_rate: 0.0, slope: vec![0.0; 4], log_size: 0.0 };
        let (ballots, votes) = predict(&prior, 1000.0, &f);
        assert!((ballots - 700.0).abs() < 1e-9);
        let expect = [385.0, 175.0, 140.0];
        for (v, e) in votes.iter().zip(expect) {
            assert!((v - e).abs() < 1e-9, "{votes:?}");
        }
        // A share pushed below zero is zero, and the rest renormalised.
        let f =
            Fit { shares: vec![0.0, -0.4, 0.0], turnout: 0.0, invalid_rate: 0.5, slope: vec![0.0; 4], log_size: 0.0 };
        let (ballots, votes) = predict(&prior, 1000.0, &f);
        assert!((ballots - 600.0).abs() < 1e-9);
        assert_eq!(votes[1], 0.0);
        assert!((votes.iter().sum::<f64>() - 300.0).abs() < 1e-9);
    }
}
