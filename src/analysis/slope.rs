//! The within-region gradient of the leader's share with turnout (Klimek et al., PNAS 2012):
//! the voter-weighted least-squares slope b of share on turnout over a region's precincts, with
//! a standard error robust to unequal noise and to precincts of one territorial unit moving
//! together (the sandwich estimator over units, or over precincts where units are unknown,
//! whichever is larger). Stuffing some of a region's boxes steepens it; an honest gradient
//! (rural precincts voting more, and more for the leader) gives every region a similar one, so
//! the skew test judges a region's slope against the other regions' (`skew`).

/// A precinct: turnout, leader's share, weight (voters) and territorial unit.
pub struct Obs {
    pub turnout: f64,
    pub share: f64,
    pub weight: f64,
    pub unit: Option<usize>,
}

/// The slope and its standard error; `None` without spread in turnout. `obs` gives the
/// precincts afresh for each pass (so that none need be kept).
pub fn slope<I: Iterator<Item = Obs>>(obs: impl Fn() -> I, units: usize) -> Option<(f64, f64)> {
    let (mut n, mut w, mut wt, mut ws) = (0usize, 0.0, 0.0, 0.0);
    for o in obs() {
        n += 1;
        w += o.weight;
        wt += o.weight * o.turnout;
        ws += o.weight * o.share;
    }
    if n < 3 || w <= 0.0 {
        return None;
    }
    let (mt, ms) = (wt / w, ws / w);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for o in obs() {
        sxx += o.weight * (o.turnout - mt).powi(2);
        sxy += o.weight * (o.turnout - mt) * (o.share - ms);
    }
    if sxx <= 0.0 {
        return None;
    }
    let b = sxy / sxx;
    // Each precinct's score w·(t − t̄)·e, summed within units for the clustered error.
    let mut by_unit = vec![0.0; units];
    let mut each = 0.0;
    for o in obs() {
        let score = o.weight * (o.turnout - mt) * (o.share - ms - b * (o.turnout - mt));
        each += score * score;
        if let Some(u) = o.unit {
            by_unit[u] += score;
        }
    }
    let n = n as f64;
    let mut meat = each * n / (n - 1.0);
    let c = units as f64;
    if c > 1.0 {
        meat = meat.max(by_unit.iter().map(|s| s * s).sum::<f64>() * c / (c - 1.0));
    }
    Some((b, meat.sqrt() / sxx))
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Obs {
        fn copy(&self) -> Obs {
            Obs { ..*self }
        }
    }

    #[test]
    fn recovers_a_known_slope_with_a_fitting_error() {
        // share = 0.3 + 0.5·turnout exactly, then with an alternating ±0.02 wobble.
        let exact: Vec<Obs> = (0..100)
            .map(|i| {
                let t = 0.4 + 0.004 * i as f64;
                Obs { turnout: t, share: 0.3 + 0.5 * t, weight: 1.0, unit: None }
            })
            .collect();
        let (b, se) = slope(|| exact.iter().map(Obs::copy), 0).unwrap();
        assert!((b - 0.5).abs() < 1e-9 && se < 1e-9, "{b} {se}");
        let noisy: Vec<Obs> = exact
            .iter()
            .enumerate()
            .map(|(i, o)| Obs { share: o.share + if i % 2 == 0 { 0.02 } else { -0.02 }, ..o.copy() })
            .collect();
        let (b, se) = slope(|| noisy.iter().map(Obs::copy), 0).unwrap();
        // The wobble's slope error is about 0.02 / (sd of turnout 0.115 · √100) ≈ 0.017.
        assert!((b - 0.5).abs() < 0.05 && se > 0.005 && se < 0.05, "{b} {se}");
    }

    #[test]
    fn units_that_move_together_widen_the_error() {
        // Ten units of ten precincts; each unit shifted as one, so precincts are not independent.
        let obs: Vec<Obs> = (0..100)
            .map(|i| {
                let unit = i / 10;
                let t = 0.5 + 0.01 * (i % 10) as f64 + 0.02 * (unit % 3) as f64;
                let shift = if unit % 2 == 0 { 0.05 } else { -0.05 };
                Obs { turnout: t, share: 0.6 + shift * (t - 0.5) * 10.0, weight: 1.0, unit: Some(unit) }
            })
            .collect();
        let (_, independent) = slope(|| obs.iter().map(|o| Obs { unit: None, ..o.copy() }), 0).unwrap();
        let (_, clustered) = slope(|| obs.iter().map(Obs::copy), 10).unwrap();
        assert!(clustered >= independent, "{clustered} < {independent}");
        assert!(slope(|| obs[..2].iter().map(Obs::copy), 0).is_none(), "needs three precincts");
    }
}
