//! The within-region gradient of the leader's share with turnout (Klimek et al., PNAS 2012):
//! the voter-weighted least-squares slope b of share on turnout over a region's precincts, with
//! a standard error robust to unequal noise and to precincts of one territorial unit moving
//! together (the sandwich estimator over units, or over precincts where units are unknown,
//! whichever is larger). Stuffing some of a region's boxes steepens it; an honest gradient
//! (rural precincts voting more, and more for the leader) gives every region a similar one, so
//! the skew test judges a region's slope against the other regions' (`skew`).

use super::data::{moved, powi};

/// A precinct: turnout, leader's share, weight (voters) and territorial unit.
pub struct Obs {
    pub turnout: f64,
    pub share: f64,
    pub weight: f64,
    pub unit: Option<u32>,
}

/// The slope and its standard error; `None` without spread in turnout. `obs` gives the
/// precincts afresh for each pass. The direct estimate in floating point, two passes and a
/// third for the error, that [`Moments`] are held to.
#[cfg(test)]
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
            by_unit[u as usize] += score;
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

/// 2²⁸: the moments are added up in fixed point, 28 bits after the point, so that a region's
/// moments are the same whatever order its precincts came and went in.
const ONE: f64 = 268_435_456.0;

fn fixed(x: f64) -> i128 {
    super::data::to_i128(x * ONE)
}

fn float(x: i128) -> f64 {
    super::data::from_i128(x) / ONE
}

/// The weighted moments of turnout t and share s: Σw, Σw·t, Σw·s, Σw·t², Σw·t·s.
type Linear = [i128; 5];

/// The powers (of t, of s) of the moments of w² kept for the spread between precincts.
const SQUARES: [(u8, u8); 12] =
    [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (0, 1), (1, 1), (2, 1), (3, 1), (0, 2), (1, 2), (2, 2)];

/// The largest weight and turnout a precinct may have for the kept moments to hold it (the
/// fixed-point sums cannot overflow below them): 16 million voters, 1,600% turnout. Beyond
/// either, a count is a data error, flagged as such; it is left out of the slope.
const MAX_WEIGHT: f64 = 16_777_216.0;
const MAX_TURNOUT: f64 = 16.0;

/// A region's slope as moments, kept as precincts come and go (each a few additions), from
/// which the direct estimate's (`slope`, in the tests) is worked out in O(units): the weighted
/// least squares from the linear moments, the spread between precincts from the moments of w²
/// (Σ w²·(t − t̄)²·e² is a polynomial in t and s), the spread between units from each unit's
/// linear moments. In fixed point, so that kept and fresh moments are equal to the bit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moments {
    n: u64,
    linear: Linear,
    squares: [i128; 12],
    /// By territorial unit: its precincts and its linear moments.
    units: rustc_hash::FxHashMap<u32, (u32, Linear)>,
}

impl Moments {
    /// Adds (`sign`) or takes away a precinct.
    pub fn put(&mut self, o: &Obs, sign: bool) {
        let (w, t, s) = (o.weight, o.turnout, o.share);
        if !(w <= MAX_WEIGHT && t <= MAX_TURNOUT && t.is_finite() && s.is_finite()) {
            return;
        }
        let linear = [w, w * t, w * s, w * t * t, w * t * s].map(fixed);
        let w2 = w * w;
        let squares = SQUARES.map(|(i, j)| fixed(w2 * powi(t, i.into()) * powi(s, j.into())));
        let add = |sum: &mut [i128], terms: &[i128]| {
            for (x, &y) in sum.iter_mut().zip(terms) {
                *x = moved(*x, y, sign);
            }
        };
        add(&mut self.linear, &linear);
        add(&mut self.squares, &squares);
        self.n = moved(self.n, 1, sign);
        if let Some(u) = o.unit {
            let entry = self.units.entry(u).or_default();
            add(&mut entry.1, &linear);
            entry.0 = moved(entry.0, 1, sign);
            if entry.0 == 0 {
                self.units.remove(&u);
            }
        }
    }

    /// The slope and its standard error, as the direct estimate (`slope`, in the tests) gives
    /// them (with units when `clustered`); `None` with fewer than three precincts or without
    /// spread in turnout.
    pub fn slope(&self, clustered: bool) -> Option<(f64, f64)> {
        let [w, wt, ws, wtt, wts] = self.linear.map(float);
        if self.n < 3 || w <= 0.0 {
            return None;
        }
        let (mt, ms) = (wt / w, ws / w);
        let sxx = wtt - mt * wt;
        // (Below a millionth of a millionth of Σw·t², what is left is rounding.)
        if sxx <= 1e-12 * wtt {
            return None;
        }
        let b = (wts - mt * ws) / sxx;
        // A precinct's score w·(t − t̄)·e, e = s − s̄ − b·(t − t̄) = s − b·t − k.
        let k = ms - b * mt;
        // (t − t̄)² · (s − b·t − k)², as coefficients of tⁱ·sʲ.
        let mut poly = [[0.0f64; 3]; 5];
        let a = [mt * mt, -2.0 * mt, 1.0];
        let e: [(usize, usize, f64); 6] =
            [(0, 0, k * k), (1, 0, 2.0 * b * k), (2, 0, b * b), (0, 1, -2.0 * k), (1, 1, -2.0 * b), (0, 2, 1.0)];
        for (ai, ac) in a.iter().enumerate() {
            for &(i, j, c) in &e {
                poly[ai + i][j] += ac * c;
            }
        }
        let each: f64 =
            SQUARES.iter().zip(self.squares).map(|(&(i, j), m)| poly[i as usize][j as usize] * float(m)).sum();
        let n = self.n as f64;
        let mut meat = each.max(0.0) * n / (n - 1.0);
        let c = self.units.len() as f64;
        if clustered && c > 1.0 {
            // A unit's summed score, (t − t̄)·(s − b·t − k) over its moments.
            let mut scores: Vec<f64> = self
                .units
                .values()
                .map(|(_, m)| {
                    let [w, wt, ws, wtt, wts] = m.map(float);
                    let score = wts - b * wtt + (b * mt - k) * wt - mt * ws + mt * k * w;
                    score * score
                })
                .collect();
            // Added up in one order whatever order the units were met in.
            super::data::sort_floats(&mut scores);
            meat = meat.max(scores.iter().sum::<f64>() * c / (c - 1.0));
        }
        Some((b, meat.sqrt() / sxx))
    }
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
                Obs { turnout: t, share: 0.6 + shift * (t - 0.5) * 10.0, weight: 1.0, unit: Some(unit as u32) }
            })
            .collect();
        let (_, independent) = slope(|| obs.iter().map(|o| Obs { unit: None, ..o.copy() }), 0).unwrap();
        let (_, clustered) = slope(|| obs.iter().map(Obs::copy), 10).unwrap();
        assert!(clustered >= independent, "{clustered} < {independent}");
        assert!(slope(|| obs[..2].iter().map(Obs::copy), 0).is_none(), "needs three precincts");
    }

    /// Kept through arrivals and departures, the moments equal fresh ones to the bit, and give
    /// the slope and standard error the direct passes give.
    #[test]
    fn kept_moments_give_the_direct_slope() {
        let mut next = crate::analysis::data::seeded(3);
        let mut here: Vec<(Obs, u32)> = Vec::new();
        let mut kept = Moments::default();
        for step in 0..400 {
            if here.len() < 5 || next(4) > 0 {
                let unit = next(12) as u32;
                let t = 0.4 + 0.03 * unit as f64 + 0.002 * next(100) as f64;
                let s = 0.3 + 0.5 * t + 0.002 * next(50) as f64 - 0.05 * (unit % 3) as f64;
                let o = Obs { turnout: t, share: s, weight: (300 + next(2000)) as f64, unit: Some(unit) };
                kept.put(&o, true);
                here.push((o, unit));
            } else {
                let (o, _) = here.swap_remove(next(here.len() as u64) as usize);
                kept.put(&o, false);
            }
            let mut fresh = Moments::default();
            for (o, _) in here.iter().rev() {
                fresh.put(o, true);
            }
            assert_eq!(kept, fresh, "step {step}");
            // The units present, numbered densely (as the skew test numbers them).
            let mut present: Vec<u32> = here.iter().map(|x| x.1).collect();
            present.sort_unstable();
            present.dedup();
            let dense = |u: u32| present.binary_search(&u).ok().map(|i| i as u32);
            for clustered in [false, true] {
                let direct = slope(
                    || here.iter().map(|(o, u)| Obs { unit: dense(*u).filter(|_| clustered), ..o.copy() }),
                    if clustered { present.len() } else { 0 },
                );
                let (Some((b, se)), Some((b2, se2))) = (kept.slope(clustered), direct) else {
                    assert_eq!(here.len() < 3, kept.slope(clustered).is_none(), "step {step}");
                    continue;
                };
                assert!((b - b2).abs() <= 1e-9 * b2.abs().max(1.0), "step {step}: {b} vs {b2}");
                assert!((se - se2).abs() <= 1e-6 * se2, "step {step}, clustered {clustered}: {se} vs {se2}");
            }
        }
    }
}
