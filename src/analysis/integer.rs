//! `integer_percent_excess`: more precincts whose turnout or leader's share is a whole percent
//! (within ±0.05 percentage points) than binomial noise predicts — the fingerprint of numbers
//! written up rather than counted (Kobak, Shpilkin & Pshenichnikov, "Integer percentages as
//! electoral falsification fingerprints", Annals of Applied Statistics 10(1), 2016).
//!
//! Definitions and inclusion as in the paper: turnout is ballots issued over registered (ballots
//! cast where a report does not give ballots issued), the leader's share is over valid and
//! invalid ballots together; registered ≥ 100, turnout ≤ 99% and leader's share ≤ 99%. For each
//! precinct the chance of landing on a whole percent is computed exactly under Binomial(n, p̂)
//! with p̂ its observed fraction (summing the probability of every count k whose 100·k/n is
//! within the window); the expected number of whole-percent precincts is the sum of those
//! chances, its variance the sum of p(1−p), and the excess is judged by the normal
//! approximation to that Poisson-binomial count.
//!
//! Long because the exact chance, its fast sums (checked against the sum as first written) and
//! the sums kept as precincts come and go are one computation, kept with the tests that hold
//! them to each other.

use statrs::function::factorial::ln_binomial;

use super::data::{Point, moved};
use super::{Kind, Test};

/// Half-width of the whole-percent window, in percentage points.
pub const WINDOW_PP: f64 = 0.05;

/// Whether 100·k/n is within the window (±0.05 pp) of a whole number, in integers: the
/// fractional part of 100·k/n is r/n with r = 100·k mod n, and its distance to a whole number
/// is min(r, n − r)/n, at most 0.05 exactly when 20·min(r, n − r) ≤ n.
fn on_integer(k: u64, n: u64) -> bool {
    let r = (100 * k) % n;
    20 * r.min(n - r) <= n
}

/// Standard deviations from the mean within which counts are summed. (Six would visit a quarter
/// fewer counts, but where a precinct's only whole-percent windows lie between 6 and 8 sd its
/// tiny chance becomes 0: kept at 8, so that no chance moves.)
const SPAN: f64 = 8.0;

/// P(X lands on a whole percent) for X ~ Binomial(n, p): the probabilities of the counts in
/// each whole-percent window within `SPAN` standard deviations of the mean, exactly for small
/// spreads (sd < 10 counts) and by the normal density beyond (where the binomial is smooth
/// over the lattice and the two agree to well under 1%). Only the counts in the windows are
/// visited, so a large precinct costs a few dozen terms, not hundreds; the windows' bounds
/// and the whole-percent test of each count are kept in integers (no division per count), and
/// the normal density is carried from count to count by products (`Density`).
pub fn chance_on_integer(n: u64, p: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    let nf = n as f64;
    let mean = nf * p;
    let sd = (nf * p * (1.0 - p)).sqrt();
    let lo = (mean - SPAN * sd - 1.0).floor().max(0.0) as u64;
    let hi = ((mean + SPAN * sd + 1.0).ceil() as u64).min(n);
    let mut total = 0.0;
    if sd < 10.0 {
        // Exactly: one log-binomial, then the ratio pmf(k+1)/pmf(k) = (n−k)/(k+1) · p/q.
        let ratio = p / (1.0 - p);
        let mut pmf = (ln_binomial(n, lo) + lo as f64 * p.ln() + (n - lo) as f64 * (1.0 - p).ln()).exp();
        // 100·k mod n, carried from one count to the next.
        let (step, mut r) = (100 % n, (100 * lo) % n);
        for k in lo..=hi {
            if 20 * r.min(n - r) <= n {
                total += pmf;
            }
            pmf *= (n - k) as f64 / (k + 1) as f64 * ratio;
            r += step;
            if r >= n {
                r -= n;
            }
        }
        return total.min(1.0);
    }
    let norm = 1.0 / (sd * (2.0 * std::f64::consts::PI).sqrt());
    let mut density = Density::new(mean, sd);
    let j_lo = (100 * lo) / n;
    let j_hi = (100 * hi).div_ceil(n);
    // Window j: the counts k with |100·k − j·n| ≤ n/20, i.e. (20j−1)·n ≤ 2000·k ≤ (20j+1)·n
    // (exactly the counts [`on_integer`] takes whose nearest whole percent is j). Both bounds'
    // numerators grow by 20·n a window: their quotients by 2000 are carried, not divided anew.
    let (step_q, step_r) = (20 * n / 2000, 20 * n % 2000);
    // (Window 0 has no lower bound above 0: the carried one starts at window 1.)
    let first = j_lo.max(1);
    let below = (20 * first - 1) * n;
    let (mut from_q, mut from_r) = (below / 2000, below % 2000);
    let above = (20 * j_lo + 1) * n;
    let (mut to_q, mut to_r) = (above / 2000, above % 2000);
    for j in j_lo..=j_hi {
        if j > first {
            (from_q, from_r) = (from_q + step_q, from_r + step_r);
            if from_r >= 2000 {
                (from_q, from_r) = (from_q + 1, from_r - 2000);
            }
        }
        if j > j_lo {
            (to_q, to_r) = (to_q + step_q, to_r + step_r);
            if to_r >= 2000 {
                (to_q, to_r) = (to_q + 1, to_r - 2000);
            }
        }
        let from = if j == 0 { lo } else { (from_q + u64::from(from_r > 0)).max(lo) };
        let to = to_q.min(hi);
        for k in from..=to {
            total += density.at(k);
        }
    }
    (total * norm).min(1.0)
}

/// exp(−z²/2) at z = (k − mean)/sd for rising counts k, each from the one before by products
/// (an exponential per new step length, not per count): with h = 1/sd and g = exp(−z·h), a step
/// of d counts multiplies it by g^d · exp(−d²h²/2) and g by exp(−d·h²). Long steps (where the
/// products could overflow) start afresh.
struct Density {
    mean: f64,
    sd: f64,
    h2: f64,
    /// The last count, its value and its g.
    last: Option<(u64, f64, f64)>,
    /// exp(−d²h²/2) and exp(−d·h²) of the last step lengths d.
    steps: [(u64, f64, f64); 3],
}

impl Density {
    fn new(mean: f64, sd: f64) -> Density {
        Density { mean, sd, h2: 1.0 / (sd * sd), last: None, steps: [(0, 1.0, 1.0); 3] }
    }

    fn fresh(&mut self, k: u64) -> f64 {
        let z = (k as f64 - self.mean) / self.sd;
        let value = (-0.5 * z * z).exp();
        self.last = Some((k, value, (-z / self.sd).exp()));
        value
    }

    fn at(&mut self, k: u64) -> f64 {
        let Some((before, value, g)) = self.last else { return self.fresh(k) };
        let d = k - before;
        if d > 64 {
            return self.fresh(k);
        }
        let (e, step_g) = match self.steps.iter().find(|s| s.0 == d) {
            Some(&(_, e, step_g)) => (e, step_g),
            None => {
                let df = d as f64;
                let new = (d, (-0.5 * df * df * self.h2).exp(), (-df * self.h2).exp());
                self.steps.rotate_right(1);
                self.steps[0] = new;
                (new.1, new.2)
            }
        };
        // (g^1 and g^2 as `powi` gives them, without its call: most steps are within a window.)
        let power = match d {
            1 => g,
            2 => g * g,
            _ => super::data::powi(g, d as u32),
        };
        let value = value * power * e;
        self.last = Some((k, value, g * step_g));
        value
    }
}

/// The counts behind one test.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub included: u64,
    pub observed: u64,
    pub expected: f64,
    pub variance: f64,
}

impl Tally {
    /// Two disjoint sets together (a nation from its regions).
    pub fn add(&mut self, o: &Tally) {
        self.included += o.included;
        self.observed += o.observed;
        self.expected += o.expected;
        self.variance += o.variance;
    }
}

/// Qualifying precincts beyond this many have their expected count estimated from an even
/// subsample (every k-th), whose own sampling variance is added to the test's.
pub const EXACT_UP_TO: u64 = 5_000;

/// Whether a precinct is among those the test reads (the paper's inclusion rule).
pub fn qualifies(p: &Point) -> bool {
    !(p.registered() < 100
        || p.cast() == 0
        || p.voted() * 100 > p.registered() * 99
        || p.leader() * 100 > p.cast() * 99)
}

/// The chance that a precinct's turnout or leader's share lands on a whole percent by binomial
/// noise alone. It depends on the precinct only, so it is worked out once and kept.
pub fn chance(p: &Point) -> f64 {
    let pt = chance_on_integer(p.registered(), p.turnout());
    let ps = chance_on_integer(p.cast(), p.leader() as f64 / p.cast() as f64);
    1.0 - (1.0 - pt) * (1.0 - ps)
}

/// Which of the qualifying precincts' chances the expectation reads: every `step`-th.
pub fn step(included: u64) -> usize {
    included.div_ceil(EXACT_UP_TO).max(1) as usize
}

pub fn tally<'a>(points: impl Iterator<Item = &'a Point> + Clone) -> Tally {
    tally_with(points, |_, p| chance(p))
}

/// Whether a qualifying precinct's turnout or leader's share is a whole percent.
fn observed(p: &Point) -> bool {
    on_integer(p.voted(), p.registered()) || on_integer(p.leader(), p.cast())
}

/// 2⁶⁴: chances are added up in fixed point, 64 bits after the point, so that a sum is the
/// same whatever order its terms were added (and taken away) in.
const ONE: f64 = 18_446_744_073_709_551_616.0;

fn fixed(x: f64) -> u128 {
    super::data::to_u128(x * ONE)
}

/// The sums behind a [`Tally`], kept as precincts come and go: the qualifying precincts and
/// those on a whole percent, and over the chances read (all of them, or every `step`-th), their
/// sum, sum of squares and sum of p(1−p), in fixed point (exact: the order of the terms does not
/// matter).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    pub included: u64,
    observed: u64,
    sampled: u64,
    sum: u128,
    sum_sq: u128,
    var: u128,
}

impl Sums {
    /// Counts point `p` in (`sign`) or out, if it qualifies.
    pub fn count(&mut self, p: &Point, sign: bool) {
        if qualifies(p) {
            self.included = moved(self.included, 1, sign);
            self.observed = moved(self.observed, u64::from(observed(p)), sign);
        }
    }

    /// Reads a chance in (`sign`) or out.
    pub fn read(&mut self, either: f64, sign: bool) {
        self.sampled = moved(self.sampled, 1, sign);
        self.sum = moved(self.sum, fixed(either), sign);
        self.sum_sq = moved(self.sum_sq, fixed(either * either), sign);
        self.var = moved(self.var, fixed(either * (1.0 - either)), sign);
    }

    /// The tally, the chances read being every `step`-th of the qualifying precincts'.
    pub fn tally(&self, step: usize) -> Tally {
        let (sum, sum_sq, var) = (self.sum as f64 / ONE, self.sum_sq as f64 / ONE, self.var as f64 / ONE);
        let k = step as f64;
        let mut t = Tally { included: self.included, observed: self.observed, expected: sum * k, variance: var * k };
        if step > 1 && self.sampled > 1 {
            // The subsample's estimate of the expected count varies too: k² · n · var(chance).
            let mean = sum / self.sampled as f64;
            let spread = (sum_sq / self.sampled as f64 - mean * mean).max(0.0);
            t.variance += k * k * self.sampled as f64 * spread;
        }
        t
    }
}

/// [`tally`], with each precinct's [`chance`] given by `chance_of` (its place among `points`,
/// the point): a memo of them answers without working them out again.
pub fn tally_with<'a>(
    points: impl Iterator<Item = &'a Point> + Clone,
    mut chance_of: impl FnMut(usize, &Point) -> f64,
) -> Tally {
    let mut sums = Sums::default();
    for p in points.clone() {
        sums.count(p, true);
    }
    let step = step(sums.included);
    for (i, p) in points.enumerate().filter(|(_, p)| qualifies(p)).step_by(step) {
        sums.read(chance_of(i, p), true);
    }
    sums.tally(step)
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
        values: [t.observed as f64, t.expected, z, t.included as f64, 0.0, 0.0, 0.0, 0.0, 0.0],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sum over every count, for comparison.
    fn brute(n: u64, p: f64) -> f64 {
        (0..=n)
            .filter(|&k| on_integer(k, n))
            .map(|k| (ln_binomial(n, k) + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()).exp())
            .sum()
    }

    #[test]
    fn the_fast_sum_agrees_with_the_full_one() {
        for (n, p) in [(100, 0.5), (137, 0.31), (480, 0.72), (999, 0.05), (1000, 0.63), (2345, 0.81), (3000, 0.5)] {
            let (fast, full) = (chance_on_integer(n, p), brute(n, p));
            assert!((fast - full).abs() <= 0.01 * full.max(1e-6), "n={n} p={p}: {fast} vs {full}");
        }
    }

    /// The chance as it was first written: every count within 8 standard deviations of the
    /// mean, each window's bounds in floating point and every count in them tested for a whole
    /// percent, the normal density worked out afresh at each.
    fn eight_sd(n: u64, p: f64) -> f64 {
        let p = p.clamp(1e-9, 1.0 - 1e-9);
        let nf = n as f64;
        let (mean, sd) = (nf * p, (nf * p * (1.0 - p)).sqrt());
        let lo = (mean - 8.0 * sd - 1.0).floor().max(0.0) as u64;
        let hi = ((mean + 8.0 * sd + 1.0).ceil() as u64).min(n);
        let mut total = 0.0;
        if sd < 10.0 {
            let ratio = p / (1.0 - p);
            let mut pmf = (ln_binomial(n, lo) + lo as f64 * p.ln() + (n - lo) as f64 * (1.0 - p).ln()).exp();
            for k in lo..=hi {
                if on_integer(k, n) {
                    total += pmf;
                }
                pmf *= (n - k) as f64 / (k + 1) as f64 * ratio;
            }
            return total.min(1.0);
        }
        let norm = 1.0 / (sd * (2.0 * std::f64::consts::PI).sqrt());
        for j in (100 * lo) / n..=(100 * hi).div_ceil(n) {
            let from = (((j as f64 - WINDOW_PP) * nf / 100.0) - 1e-9).ceil().max(lo as f64) as u64;
            let to = (((j as f64 + WINDOW_PP) * nf / 100.0) + 1e-9).floor().min(hi as f64) as u64;
            for k in (from..=to).filter(|&k| on_integer(k, n)) {
                let z = (k as f64 - mean) / sd;
                total += norm * (-0.5 * z * z).exp();
            }
        }
        total.min(1.0)
    }

    /// The windows' bounds in integers and the density carried from count to count change no
    /// chance by as much as 10⁻⁶ of itself against the sum as first written (the worst seen is
    /// about 2·10⁻¹⁰): on every size and share of a grid, and on 200,000 precincts drawn at
    /// random (sizes to 3 million, shares k/n as observed).
    #[test]
    fn the_carried_density_agrees_with_the_sum_as_first_written() {
        let mut cases: Vec<(u64, f64)> = Vec::new();
        for n in (1..3_000).step_by(7).chain([1_000, 2_000, 4_000, 10_000, 20_000, 100_000, 1_000_003]) {
            for p in [0.0, 0.001, 0.05, 0.2, 0.333, 0.5, 0.61, 0.8, 0.93, 0.999, 1.0] {
                cases.push((n, p));
            }
        }
        let mut x = 12_345u64;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = match i % 4 {
                0 => 1 + x % 200,
                1 => 1 + x % 5_000,
                2 => 1 + x % 100_000,
                _ => 1 + (x >> 20) % 3_000_000,
            };
            cases.push((n, ((x >> 7) % (n + 1)) as f64 / n as f64));
        }
        let mut worst: (f64, u64, f64) = (0.0, 0, 0.0);
        for (n, p) in cases {
            let (now, then) = (chance_on_integer(n, p), eight_sd(n, p));
            let rel = if then == 0.0 { now.abs() } else { (now - then).abs() / then };
            if rel > worst.0 {
                worst = (rel, n, p);
            }
        }
        assert!(worst.0 < 1e-6, "n={} p={}: relative difference {:e}", worst.1, worst.2, worst.0);
    }

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

    use super::super::data::Point;

    fn pt(i: u32, registered: u64, ballots: u64, leader: u64) -> Point {
        Point::test(i, registered, ballots, leader)
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
    fn turnout_is_ballots_issued_and_the_share_is_over_all_ballots() {
        // Turnout 600 issued of 1,000 is whole (60%), though 598 ballots were cast: counted.
        let issued = Point::full(0, 1000, 598, 600, 0, 301, 598);
        assert_eq!(tally([issued].iter()).observed, 1);
        let cast = Point::full(0, 1000, 598, 598, 0, 301, 598);
        assert_eq!(tally([cast].iter()).observed, 0, "59.8% and 50.33%: neither whole");
        // The leader's 300 of 592 valid + 8 invalid = 600 ballots is 50% exactly.
        let share = Point::full(0, 1003, 600, 600, 8, 300, 592);
        assert_eq!(tally([share].iter()).observed, 1);
        let valid_only = Point::full(0, 1003, 600, 600, 0, 300, 592);
        assert_eq!(tally([valid_only].iter()).observed, 0, "300 of 592 is 50.68%");
    }

    #[test]
    fn inclusion_rule_and_minimum() {
        let pts = [pt(0, 99, 50, 25), pt(1, 1000, 995, 500), pt(2, 1000, 600, 599), pt(3, 1000, 600, 300)];
        let t = tally(pts.iter());
        assert_eq!(t.included, 1, "registered < 100, turnout > 99% and share > 99% are left out");
        assert!(test(None, t, 2).is_none());
    }

    /// Sums kept through arrivals and departures in any order are the sums of the precincts
    /// there, to the bit, and give the tally a fresh reading gives.
    #[test]
    fn kept_sums_do_not_depend_on_the_order_of_their_terms() {
        let mut next = crate::analysis::data::seeded(17);
        let mut here: Vec<Point> = Vec::new();
        let mut kept = Sums::default();
        for step in 0..300u32 {
            if here.is_empty() || next(3) > 0 {
                let registered = 80 + next(2000);
                let ballots = registered * (30 + next(65)) / 100;
                let p = Point::test(step, registered, ballots, ballots * (20 + next(75)) / 100);
                kept.count(&p, true);
                if qualifies(&p) {
                    kept.read(chance(&p), true);
                }
                here.push(p);
            } else {
                let p = here.swap_remove(next(here.len() as u64) as usize);
                kept.count(&p, false);
                if qualifies(&p) {
                    kept.read(chance(&p), false);
                }
            }
            let mut fresh = Sums::default();
            for p in here.iter().rev() {
                fresh.count(p, true);
                if qualifies(p) {
                    fresh.read(chance(p), true);
                }
            }
            assert_eq!(kept, fresh, "step {step}");
            here.sort_by_key(|p| p.precinct);
            assert_eq!(kept.tally(1), tally(here.iter()), "step {step}");
        }
        assert!(kept.included > 50 && kept.observed > 0, "{kept:?}");
    }
}
