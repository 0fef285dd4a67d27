//! `integer_percent_excess`: more precincts whose turnout or leader's share is a whole percent
//! (within ±0.05 percentage points) than binomial noise predicts — the fingerprint of numbers
//! written up rather than counted (Kobak, Shpilkin & Pshenichnikov, "Integer percentages as
//! electoral falsification fingerprints", Annals of Applied Statistics 10(1), 2016).
//!
//! Inclusion as in the paper: registered ≥ 100, turnout ≤ 99% and leader's share ≤ 99%. For each
//! precinct the chance of landing on a whole percent is computed exactly under Binomial(n, p̂)
//! with p̂ its observed fraction (summing the probability of every count k whose 100·k/n is
//! within the window); the expected number of whole-percent precincts is the sum of those
//! chances, its variance the sum of p(1−p), and the excess is judged by the normal
//! approximation to that Poisson-binomial count.

use statrs::function::factorial::ln_binomial;

use super::data::Point;
use super::{Kind, Test};

/// Half-width of the whole-percent window, in percentage points.
pub const WINDOW_PP: f64 = 0.05;

/// Whether 100·k/n is within the window of a whole number.
fn on_integer(k: u64, n: u64) -> bool {
    let pct = 100.0 * k as f64 / n as f64;
    (pct - pct.round()).abs() <= WINDOW_PP + 1e-9
}

/// P(X lands on a whole percent) for X ~ Binomial(n, p), summing outward from the mode while
/// the probabilities matter.
pub fn chance_on_integer(n: u64, p: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    let mode = ((n as f64 + 1.0) * p).floor().min(n as f64) as u64;
    let ln_pmf = |k: u64| ln_binomial(n, k) + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln();
    let at_mode = ln_pmf(mode).exp();
    let ratio_up = p / (1.0 - p);
    let mut total = if on_integer(mode, n) { at_mode } else { 0.0 };
    // Upwards: pmf(k+1) = pmf(k) · (n−k)/(k+1) · p/(1−p).
    let mut pmf = at_mode;
    let mut k = mode;
    while k < n {
        pmf *= (n - k) as f64 / (k + 1) as f64 * ratio_up;
        k += 1;
        if pmf < 1e-12 {
            break;
        }
        if on_integer(k, n) {
            total += pmf;
        }
    }
    let mut pmf = at_mode;
    let mut k = mode;
    while k > 0 {
        pmf *= k as f64 / (n - k + 1) as f64 / ratio_up;
        k -= 1;
        if pmf < 1e-12 {
            break;
        }
        if on_integer(k, n) {
            total += pmf;
        }
    }
    total.min(1.0)
}

/// The counts behind one test.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub included: u64,
    pub observed: u64,
    pub expected: f64,
    pub variance: f64,
}

pub fn tally<'a>(points: impl Iterator<Item = &'a Point>) -> Tally {
    let mut t = Tally::default();
    for p in points {
        if p.registered < 100 || p.valid == 0 || p.ballots * 100 > p.registered * 99 || p.leader * 100 > p.valid * 99 {
            continue;
        }
        t.included += 1;
        let pt = chance_on_integer(p.registered, p.turnout());
        let ps = chance_on_integer(p.valid, p.share());
        let either = 1.0 - (1.0 - pt) * (1.0 - ps);
        t.expected += either;
        t.variance += either * (1.0 - either);
        if on_integer(p.ballots, p.registered) || on_integer(p.leader, p.valid) {
            t.observed += 1;
        }
    }
    t
}

/// The test for a set of precincts (a region, or the nation with `region` None), if at least
/// `min` precincts qualify.
pub fn test(region: Option<u32>, t: Tally, min: u64) -> Option<Test> {
    if t.included < min || t.variance <= 0.0 {
        return None;
    }
    let z = (t.observed as f64 - t.expected) / t.variance.sqrt();
    // One-sided: only an excess is a fingerprint.
    let p = 0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2);
    Some(Test {
        kind: Kind::IntegerPercentExcess,
        region,
        precinct: None,
        p,
        values: [t.observed as f64, t.expected, z, t.included as f64],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_one_count_in_ten_at_a_thousand() {
        assert!(on_integer(700, 1000));
        assert!(!on_integer(701, 1000));
        assert!(!on_integer(3, 2000) && on_integer(1, 2000) && on_integer(2000, 2000), "0.05% is at the window's edge");
        // n = 1000: exactly the multiples of 10 qualify, so a smooth binomial lands there about
        // a tenth of the time.
        let c = chance_on_integer(1000, 0.63);
        assert!((c - 0.1).abs() < 0.01, "{c}");
        // Tiny n: 100 voters → every count is a whole percent.
        assert!((chance_on_integer(100, 0.5) - 1.0).abs() < 1e-9);
    }

    fn pt(i: u32, registered: u64, ballots: u64, leader: u64) -> Point {
        Point { precinct: i, registered, ballots, valid: ballots, leader, reported_at: 0 }
    }

    #[test]
    fn binomial_counts_show_no_excess_and_written_up_ones_do() {
        // Clean: counts spread smoothly (a deterministic scatter stands in for sampling).
        let clean: Vec<Point> = (0..2000)
            .map(|i| {
                let n = 1000 + (i as u64 * 37) % 1400;
                let b = n * 55 / 100 + (i as u64 * 53) % (n / 4);
                pt(i, n, b, b * 6 / 10 + (i as u64 * 17) % 40)
            })
            .collect();
        let t = tally(clean.iter());
        let clean_test = test(None, t, 100).unwrap();
        assert!(clean_test.p > 0.001, "{t:?} p = {}", clean_test.p);
        // Rigged: a third of them written up to whole percents.
        let rigged: Vec<Point> = clean
            .iter()
            .enumerate()
            .map(|(i, p)| if i % 3 == 0 { pt(p.precinct, 1000, 700, 560) } else { *p })
            .collect();
        let t = tally(rigged.iter());
        let rigged_test = test(None, t, 100).unwrap();
        assert!(rigged_test.p < 1e-20, "{t:?}");
        assert!(t.observed as f64 > t.expected + 500.0);
    }

    #[test]
    fn inclusion_rule_and_minimum() {
        let pts = [pt(0, 99, 50, 25), pt(1, 1000, 995, 500), pt(2, 1000, 600, 599), pt(3, 1000, 600, 300)];
        let t = tally(pts.iter());
        assert_eq!(t.included, 1, "registered < 100, turnout > 99% and share > 99% are left out");
        assert!(test(None, t, 2).is_none());
    }
}
