//! Sampling the hypergeometric distribution by inversion from the mode.
//!
//! `rand_distr::Hypergeometric` sets up in time proportional to the population when the
//! expected count is small, which made splitting a large region's urn over many precincts
//! quadratic. Searching outward from the mode costs about one standard deviation of steps
//! (a few dozen at most for precinct-sized samples), whatever the population.

use rand::Rng;

/// Number of successes when drawing `sample` items without replacement from `population`
/// items of which `successes` are successes. Requires `successes <= population` and
/// `sample <= population`.
pub fn sample<R: Rng + ?Sized>(rng: &mut R, population: u64, successes: u64, sample: u64) -> u64 {
    debug_assert!(successes <= population && sample <= population);
    let failures = population - successes;
    let low = sample.saturating_sub(failures);
    let high = successes.min(sample);
    if low >= high {
        return low;
    }
    let (n, k, s) = (population as f64, successes as f64, sample as f64);
    // P(X = x + 1) / P(X = x)
    let step_up = |x: u64| {
        let x = x as f64;
        (k - x) * (s - x) / ((x + 1.0) * (n - k - s + x + 1.0))
    };
    let mode = (((s + 1.0) * (k + 1.0) / (n + 2.0)).floor() as u64).clamp(low, high);
    let at_mode =
        (ln_choose(successes, mode) + ln_choose(failures, sample - mode) - ln_choose(population, sample)).exp();

    // Walk outward from the mode, alternating sides, until the uniform draw is used up.
    let mut u: f64 = rng.random();
    u -= at_mode;
    let (mut below, mut p_below) = (mode, at_mode);
    let (mut above, mut p_above) = (mode, at_mode);
    while u > 0.0 {
        let mut moved = false;
        if above < high {
            p_above *= step_up(above);
            above += 1;
            u -= p_above;
            moved = true;
            if u <= 0.0 {
                return above;
            }
        }
        if below > low {
            below -= 1;
            p_below /= step_up(below);
            u -= p_below;
            moved = true;
            if u <= 0.0 {
                return below;
            }
        }
        if !moved {
            // Only rounding error is left of `u`: the support is exhausted.
            break;
        }
    }
    mode
}

/// `ln(n choose k)`.
fn ln_choose(n: u64, k: u64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

/// `ln(n!)`: exact summation for small `n`, Stirling's series (error below 1e-15) above.
fn ln_factorial(n: u64) -> f64 {
    if n < 32 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    let x = n as f64;
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    x * x.ln() - x + 0.5 * (std::f64::consts::TAU * x).ln() + inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 / 1260.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn ln_factorial_is_accurate_on_both_sides_of_the_switch() {
        let exact = |n: u64| (2..=n).map(|i| (i as f64).ln()).sum::<f64>();
        for n in [0, 1, 2, 31, 32, 33, 100, 1000] {
            assert!((ln_factorial(n) - exact(n)).abs() < 1e-9, "{n}");
        }
    }

    #[test]
    fn degenerate_draws_are_exact() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert_eq!(sample(&mut rng, 10, 0, 5), 0);
        assert_eq!(sample(&mut rng, 10, 10, 5), 5);
        assert_eq!(sample(&mut rng, 10, 4, 10), 4);
        assert_eq!(sample(&mut rng, 10, 8, 10), 8);
        assert_eq!(sample(&mut rng, 10, 4, 0), 0);
    }

    #[test]
    fn draws_stay_in_support_and_match_the_moments() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for (population, successes, size) in [(1_000_000u64, 3_000u64, 900u64), (2_000, 1_200, 700), (50, 3, 40)] {
            let draws: Vec<u64> = (0..20_000).map(|_| sample(&mut rng, population, successes, size)).collect();
            let low = size.saturating_sub(population - successes);
            assert!(draws.iter().all(|&x| x >= low && x <= successes.min(size)));
            let (n, k, s) = (population as f64, successes as f64, size as f64);
            let mean = s * k / n;
            let variance = s * (k / n) * (1.0 - k / n) * (n - s) / (n - 1.0);
            let m = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
            let v = draws.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / (draws.len() - 1) as f64;
            let tolerance = 5.0 * (variance / draws.len() as f64).sqrt();
            assert!((m - mean).abs() < tolerance, "mean {m} vs {mean}");
            assert!((v / variance - 1.0).abs() < 0.05, "variance {v} vs {variance}");
        }
    }
}
