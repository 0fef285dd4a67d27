//! The numbers the statistical tests read: one point per counted precinct (grouped by region
//! in [`super::memo`]).

use crate::engine::Engine;
use crate::engine::precinct::Entry;

/// A counted precinct as the tests see it: 32 bytes, a million of them in 32 MB. (Single
/// counts are at most 10⁹ and fit 32 bits; valid votes, a sum of counts, may not.)
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub precinct: u32,
    registered: u32,
    ballots: u32,
    /// Ballots issued where the report gives them, else ballots cast.
    voted: u32,
    /// Votes of the national leader.
    leader: u32,
    invalid: u32,
    valid: u64,
}

impl Point {
    /// Precinct `precinct`'s counted report as the tests see it, with the votes of `leader`.
    pub fn of(precinct: u32, e: &Entry, leader: Option<usize>) -> Point {
        Point {
            precinct,
            registered: e.registered,
            ballots: e.ballots,
            voted: e.voted(),
            leader: leader.map_or(0, |c| e.vote(c)),
            invalid: e.invalid,
            valid: e.valid(),
        }
    }

    pub fn registered(&self) -> u64 {
        self.registered.into()
    }

    pub fn ballots(&self) -> u64 {
        self.ballots.into()
    }

    /// Voters who took a ballot: ballots issued where the report gives them, else ballots cast.
    pub fn voted(&self) -> u64 {
        self.voted.into()
    }

    pub fn valid(&self) -> u64 {
        self.valid
    }

    /// Valid and invalid ballots together: the denominator of the leader's share in the
    /// integer-percent test, as in the literature.
    pub fn cast(&self) -> u64 {
        self.valid + u64::from(self.invalid)
    }

    pub fn leader(&self) -> u64 {
        self.leader.into()
    }

    /// Valid votes for everyone but the leader.
    pub fn others(&self) -> u64 {
        self.valid - u64::from(self.leader)
    }

    /// Turnout as researchers compute it: voters who took a ballot over registered.
    pub fn turnout(&self) -> f64 {
        if self.registered == 0 { 0.0 } else { f64::from(self.voted) / f64::from(self.registered) }
    }

    pub fn share(&self) -> f64 {
        if self.valid == 0 { 0.0 } else { f64::from(self.leader) / self.valid as f64 }
    }
}

#[cfg(test)]
impl Point {
    /// A test point whose valid votes equal its ballots (and ballots issued).
    pub fn test(precinct: u32, registered: u64, ballots: u64, leader: u64) -> Point {
        Point::full(precinct, registered, ballots, ballots, 0, leader, ballots)
    }

    /// A test point with every count given.
    pub fn full(
        precinct: u32,
        registered: u64,
        ballots: u64,
        voted: u64,
        invalid: u64,
        leader: u64,
        valid: u64,
    ) -> Point {
        let small = |n: u64| u32::try_from(n).expect("a count of at most 10⁹");
        Point {
            precinct,
            registered: small(registered),
            ballots: small(ballots),
            voted: small(voted),
            leader: small(leader),
            invalid: small(invalid),
            valid,
        }
    }
}

/// `x` with `by` added (`sign`) or taken away: the step of every sum kept as precincts come
/// and go.
pub fn moved<T: std::ops::Add<Output = T> + std::ops::Sub<Output = T>>(x: T, by: T, sign: bool) -> T {
    if sign { x + by } else { x - by }
}

/// `x` truncated to an integer, as `x as i128` gives it, without its library call where `x`
/// fits 63 bits (then truncating to 64 bits is the same truncation, and the common case of
/// the fixed-point sums costs one instruction).
pub fn to_i128(x: f64) -> i128 {
    if x.abs() < 9_223_372_036_854_775_808.0 { i128::from(x as i64) } else { x as i128 }
}

/// `x` truncated to an unsigned integer, as `x as u128` gives it (the same way as [`to_i128`]).
pub fn to_u128(x: f64) -> u128 {
    if x < 18_446_744_073_709_551_616.0 { u128::from(x as u64) } else { x as u128 }
}

/// `x` as the nearest float, as `x as f64` gives it, without its library call where `x` fits
/// 64 bits (the same value, so the same rounding: the common case of the sums of squares).
pub fn from_u128(x: u128) -> f64 {
    match u64::try_from(x) {
        Ok(x) => x as f64,
        Err(_) => wide_u128(x),
    }
}

/// `x` as the nearest float, as `x as f64` gives it (the same way as [`from_u128`]).
pub fn from_i128(x: i128) -> f64 {
    match i64::try_from(x) {
        Ok(x) => x as f64,
        Err(_) => wide_i128(x),
    }
}

// The library's conversions, apart: written inline, the compiler folds both branches back into
// the one call.
#[cold]
#[inline(never)]
fn wide_u128(x: u128) -> f64 {
    x as f64
}

#[cold]
#[inline(never)]
fn wide_i128(x: i128) -> f64 {
    x as f64
}

/// `x` to the power `n` by the same products, in the same order, as `f64::powi` (the binary
/// decomposition of its runtime library, to the bit), inline: no call for the few steps.
pub fn powi(mut x: f64, mut n: u32) -> f64 {
    let mut out = 1.0;
    loop {
        if n & 1 == 1 {
            out *= x;
        }
        n >>= 1;
        if n == 0 {
            return out;
        }
        x *= x;
    }
}

/// An integer key in the order `f64::total_cmp` puts floats in (its own transform): sorting by
/// it gives the same order, with cheaper comparisons.
pub fn total_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// The float whose [`total_key`] is `k` (the transform is its own inverse).
pub fn from_total_key(k: i64) -> f64 {
    f64::from_bits((k ^ (((k >> 63) as u64) >> 1) as i64) as u64)
}

/// Floats in ascending order, as `sort_unstable_by(f64::total_cmp)` puts them.
pub fn sort_floats(v: &mut [f64]) {
    v.sort_unstable_by_key(|&x| total_key(x));
}

/// The national leader ([`Engine::leader`]).
pub fn leader(engine: &Engine) -> Option<usize> {
    engine.leader()
}

/// The median of a slice (reordered in place), by selection rather than a full sort.
pub fn median(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let (below, &mut mid, _) = v.select_nth_unstable_by(n / 2, |a, b| a.total_cmp(b));
    if n % 2 == 1 {
        return Some(mid);
    }
    let lower = below.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap_or(mid);
    Some((lower + mid) / 2.0)
}

/// The median of the values `kth` gives by rank (0 = smallest), as [`median`] works it out:
/// the middle one, or the mean of the middle two. `None` for none.
pub fn median_by(len: usize, kth: impl Fn(usize) -> f64) -> Option<f64> {
    if len == 0 {
        return None;
    }
    let mid = kth(len / 2);
    if len % 2 == 1 {
        return Some(mid);
    }
    Some((kth(len / 2 - 1) + mid) / 2.0)
}

/// The `q` quantile, interpolated between neighbours, as read from the values in ascending
/// order (`total_cmp`'s): by selection rather than a full sort (the slice is reordered). 0.0
/// for none.
pub fn quantile(v: &mut [f64], q: f64) -> f64 {
    let Some(last) = v.len().checked_sub(1) else { return 0.0 };
    let at = q * last as f64;
    let (i, f) = (at.floor() as usize, at.fract());
    let (_, &mut x, above) = v.select_nth_unstable_by_key(i, |&x| total_key(x));
    // The next in order: the least of those after it.
    let next = above.iter().copied().min_by_key(|&x| total_key(x)).unwrap_or(x);
    x + f * (next - x)
}

/// The first value, in ascending order, at which the weights summed from the smallest exceed
/// `half` (with half the total: the weighted median), as a sort and a scan would find it, by
/// selection rather than a full sort (the slice is reordered). `None` if none does.
pub fn weighted_crossing(mut v: &mut [(f64, u32)], half: u64) -> Option<f64> {
    let mut acc = 0u64;
    while !v.is_empty() {
        let k = v.len() / 2;
        let (below, pivot, above) = std::mem::take(&mut v).select_nth_unstable_by(k, |a, b| a.0.total_cmp(&b.0));
        let below_weight: u64 = below.iter().map(|x| u64::from(x.1)).sum();
        if acc + below_weight > half {
            v = below;
            continue;
        }
        acc += below_weight + u64::from(pivot.1);
        if acc > half {
            return Some(pivot.0);
        }
        v = above;
    }
    None
}

/// A seeded stand-in for chance in tests: each call gives a number below its bound.
#[cfg(test)]
pub fn seeded(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |m| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % m
    }
}

#[cfg(test)]
mod tests {
    use super::{
        from_i128, from_u128, median, powi, quantile, seeded, sort_floats, to_i128, to_u128, total_key,
        weighted_crossing,
    };

    /// The inline conversions and powers give what `as` and `f64::powi` give, to the bit, and
    /// the sort key orders as `total_cmp`: on either side of the fast path's edge, at the
    /// extremes, for NaN and infinities, and for random values of every magnitude and sign.
    #[test]
    fn inline_conversions_keys_and_powers_are_the_library_ones() {
        let mut rng = seeded(7);
        let edge = 9_223_372_036_854_775_808.0f64;
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.999,
            1.0,
            edge,
            -edge,
            edge * 2.0,
            f64::from_bits(edge.to_bits() - 1),
            -f64::from_bits(edge.to_bits() - 1),
            1e30,
            -1e30,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
        ];
        for _ in 0..20_000 {
            let mantissa = rng(1 << 52) as f64 / (1u64 << 52) as f64 + 1.0;
            let exponent = rng(260) as i32 - 130;
            let sign = if rng(2) == 0 { 1.0 } else { -1.0 };
            xs.push(sign * mantissa * 2f64.powi(exponent));
        }
        // The key orders as `total_cmp` does, pair by pair.
        for w in xs.windows(2) {
            assert_eq!(total_key(w[0]).cmp(&total_key(w[1])), w[0].total_cmp(&w[1]), "{:e} {:e}", w[0], w[1]);
        }
        for &x in &xs {
            assert_eq!(to_i128(x), x as i128, "{x:e}");
            assert_eq!(to_u128(x), x as u128, "{x:e}");
            for n in [0u32, 1, 2, 3, 4, 5, 7, 8, 13, 64, 65] {
                let (ours, theirs) = (powi(x, n), x.powi(n as i32));
                assert!(ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan()), "{x:e}^{n}");
            }
        }
        // Integers to floats: random bit lengths, and the edges of 64 bits.
        let mut ints: Vec<u128> = vec![0, 1, u128::from(u64::MAX), u128::from(u64::MAX) + 1, u128::MAX, 1 << 127];
        for _ in 0..20_000 {
            let bits = rng(128) as u32 + 1;
            // (Four draws of 32 bits: the generator gives 31 at a time.)
            let word = (0..4).fold(0u128, |w, _| w << 32 | u128::from(rng(1 << 31) << 1 | rng(2)));
            ints.push(word >> (128 - bits));
        }
        for &u in &ints {
            assert_eq!(from_u128(u).to_bits(), (u as f64).to_bits(), "{u}");
            for i in [u as i128, (u as i128).wrapping_neg(), (u >> 1) as i128, -((u >> 1) as i128)] {
                assert_eq!(from_i128(i).to_bits(), (i as f64).to_bits(), "{i}");
            }
        }
    }

    #[test]
    fn weighted_crossing_is_what_a_sort_and_a_scan_find() {
        // Seeded pseudo-random values with many ties and some zero weights.
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        for len in 0..200 {
            let v: Vec<(f64, u32)> = (0..len).map(|_| (f64::from(next() % 17) / 16.0, next() % 5)).collect();
            let total: u64 = v.iter().map(|x| u64::from(x.1)).sum();
            for half in [0, total / 3, total / 2, total.saturating_sub(1), total] {
                let mut sorted = v.clone();
                sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut acc = 0;
                let want = sorted
                    .iter()
                    .find(|x| {
                        acc += u64::from(x.1);
                        acc > half
                    })
                    .map(|x| x.0);
                assert_eq!(weighted_crossing(&mut v.clone(), half), want, "{v:?} {half}");
            }
        }
    }

    /// The quantile by selection is the one read from the values sorted, to the bit: with ties,
    /// zeros of both signs, infinities, and any length.
    #[test]
    fn quantiles_by_selection_are_those_of_the_sorted_values() {
        let sorted_quantile = |sorted: &[f64], q: f64| {
            let Some(last) = sorted.len().checked_sub(1) else { return 0.0 };
            let at = q * last as f64;
            let (i, f) = (at.floor() as usize, at.fract());
            sorted[i] + f * (sorted[(i + 1).min(last)] - sorted[i])
        };
        let mut rng = seeded(3);
        let pool = [0.0, -0.0, 1.5, -2.25, 1e-300, f64::INFINITY, 7.0, 7.0, 3.125];
        for len in 0..120 {
            let v: Vec<f64> = (0..len)
                .map(
                    |_| if rng(3) == 0 { pool[rng(pool.len() as u64) as usize] } else { rng(1000) as f64 / 7.0 - 50.0 },
                )
                .collect();
            let mut sorted = v.clone();
            sort_floats(&mut sorted);
            for q in [0.0, 0.25, 0.5, 0.75, 0.9, 1.0] {
                let (ours, theirs) = (quantile(&mut v.clone(), q), sorted_quantile(&sorted, q));
                assert!(ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan()), "{v:?} {q}");
            }
        }
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0]), Some(3.0));
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut [7.0, 7.0, 1.0, 9.0, 7.0, 2.0]), Some(7.0));
    }
}
