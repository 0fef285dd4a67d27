//! `last_digit_bias`: the last digits of vote counts should be close to uniform; people
//! inventing numbers favour some digits (Beber & Scacco, "What the Numbers Say: A Digit-Based
//! Test for Election Fraud", Political Analysis 20(2), 2012). χ² with 9 degrees of freedom
//! against uniform; the share of 0s and 5s is reported too. Weak evidence on its own: it is an
//! `info` flag.
//!
//! Only counts of [`MIN_COUNT`] or more are used. Beber and Scacco take counts of 10 or more,
//! but a candidate whose counts are a few tens has honestly non-uniform last digits (the
//! distribution slopes within each ten): on a clean synthetic count of 10,330 precincts the
//! counts from 10 to 99 give χ² ≈ 650, those of 100 and more χ² ≈ 4.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{Kind, Test};

/// The smallest count whose last digit is read.
pub const MIN_COUNT: u64 = 100;

/// Counts of last digits 0–9 of the given counts (those ≥ [`MIN_COUNT`]).
pub fn histogram(counts: impl Iterator<Item = u64>) -> [u64; 10] {
    let mut h = [0u64; 10];
    add(&mut h, counts);
    h
}

/// Adds the last digits of more counts (those ≥ [`MIN_COUNT`]) to `h`.
pub fn add(h: &mut [u64; 10], counts: impl Iterator<Item = u64>) {
    for c in counts.filter(|&c| c >= MIN_COUNT) {
        h[(c % 10) as usize] += 1;
    }
}

pub fn test(region: u32, h: [u64; 10], min: u64) -> Option<Test> {
    let n: u64 = h.iter().sum();
    if n < min {
        return None;
    }
    let e = n as f64 / 10.0;
    let chi2: f64 = h.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
    let p = 1.0 - ChiSquared::new(9.0).ok()?.cdf(chi2);
    let zero_five = (h[0] + h[5]) as f64 / n as f64;
    Some(Test {
        kind: Kind::LastDigitBias,
        region: Some(region),
        precinct: None,
        p,
        values: [chi2, zero_five, n as f64, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_digits_pass_and_favoured_ones_fail() {
        let uniform = histogram((0..5000u64).map(|i| 100 + i * 7));
        assert!(test(0, uniform, 100).unwrap().p > 0.5);
        let made_up = histogram((0..5000u64).map(|i| if i % 3 == 0 { 100 + i / 3 * 10 } else { 101 + i * 7 }));
        let t = test(0, made_up, 100).unwrap();
        assert!(t.p < 1e-10);
        assert!(t.values[1] > 0.3, "a third end in 0: {}", t.values[1]);
        assert!(test(0, histogram([5u64, 19, 99].into_iter()), 1).is_none(), "counts below 100 are left out");
        // Its minimum: 199 counts, however skewed, are not judged; 200 are.
        let few = histogram((0..199u64).map(|i| 100 + i * 10));
        assert!(test(0, few, 200).is_none());
        let enough = histogram((0..200u64).map(|i| 100 + i * 10));
        assert!(test(0, enough, 200).unwrap().p < 1e-10, "every one ends in 0");
    }
}
