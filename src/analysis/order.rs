//! Values kept in order between analyses, so that an order statistic (a median, a quantile,
//! the cut of Benjamini–Hochberg) costs what changed since the last analysis, not a sort.

use super::data::{from_total_key, median_by, total_key};

/// A value per index (a region's), kept in ascending order (`total_cmp`'s) from one analysis to
/// the next: a value that changed moves alone (a search and a shift of the values between),
/// so reading an order statistic costs what changed, not a sort.
#[derive(Debug, Default)]
pub struct KeptOrder {
    /// Each index's value, as a [`total_key`], and the round of [`KeptOrder::set_all`] that
    /// last named it.
    of: Vec<(Option<i64>, u32)>,
    round: u32,
    /// The values' keys in ascending order.
    sorted: Vec<i64>,
}

impl KeptOrder {
    /// Sets the values: `values` gives each index's value, or none; indices it does not name
    /// have none.
    pub fn set_all(&mut self, values: impl Iterator<Item = (u32, Option<f64>)>) {
        self.round = self.round.wrapping_add(1);
        let mut named = 0;
        for (i, x) in values {
            let i = i as usize;
            if self.of.len() <= i {
                self.of.resize(i + 1, (None, self.round.wrapping_sub(1)));
            }
            named += usize::from(self.of[i].1 != self.round);
            self.of[i].1 = self.round;
            self.set(i, x.map(total_key));
        }
        if named < self.of.len() {
            for i in 0..self.of.len() {
                if self.of[i].1 != self.round {
                    self.set(i, None);
                }
            }
        }
    }

    #[inline]
    fn set(&mut self, i: usize, key: Option<i64>) {
        let old = std::mem::replace(&mut self.of[i].0, key);
        if old != key {
            self.moved(old, key);
        }
    }

    /// Moves a value in the order: `old` out, `key` in.
    #[cold]
    fn moved(&mut self, old: Option<i64>, key: Option<i64>) {
        if let Some(k) = old {
            let at = self.sorted.binary_search(&k).expect("an index's kept key is in the order");
            self.sorted.remove(at);
        }
        if let Some(k) = key {
            let at = self.sorted.partition_point(|&x| x < k);
            self.sorted.insert(at, k);
        }
    }

    /// The values' keys in ascending order.
    pub fn keys(&self) -> &[i64] {
        &self.sorted
    }

    /// Index `i`'s value's key, if it has one.
    pub fn key_of(&self, i: usize) -> Option<i64> {
        self.of.get(i).and_then(|&(key, _)| key)
    }

    /// [`quantile`](super::data::quantile) of the values.
    pub fn quantile(&self, q: f64) -> f64 {
        let Some(last) = self.sorted.len().checked_sub(1) else { return 0.0 };
        let at = q * last as f64;
        let (i, f) = (at.floor() as usize, at.fract());
        let (x, next) = (from_total_key(self.sorted[i]), from_total_key(self.sorted[(i + 1).min(last)]));
        x + f * (next - x)
    }

    /// [`median`](super::data::median) of the values.
    pub fn median(&self) -> Option<f64> {
        median_by(self.sorted.len(), |k| from_total_key(self.sorted[k]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::data::{median, quantile, seeded, sort_floats, total_key};
    use super::KeptOrder;

    /// After each change (values set, moved, taken away, indices left unnamed), the order kept
    /// holds exactly the values given, sorted, and reads the quantiles and median a fresh sort
    /// reads, to the bit.
    #[test]
    fn the_kept_order_is_the_sorted_values() {
        let mut rng = seeded(23);
        let pool = [0.0, -0.0, 2.5, f64::NAN, f64::INFINITY, -1.0];
        let mut kept = KeptOrder::default();
        let mut now: Vec<Option<f64>> = vec![None; 30];
        for round in 0..2_000 {
            for _ in 0..1 + rng(4) {
                let i = rng(30) as usize;
                now[i] = match rng(5) {
                    0 => None,
                    1 => Some(pool[rng(pool.len() as u64) as usize]),
                    _ => Some(rng(50) as f64 / 4.0),
                };
            }
            let named = now.iter().enumerate().filter(|(i, x)| x.is_some() || (i + round) % 3 > 0);
            kept.set_all(named.map(|(i, x)| (i as u32, *x)));
            let mut values: Vec<f64> = now.iter().flatten().copied().collect();
            sort_floats(&mut values);
            let keys: Vec<i64> = values.iter().map(|&x| total_key(x)).collect();
            assert_eq!(kept.keys(), &keys[..], "round {round}");
            for (i, x) in now.iter().enumerate() {
                assert_eq!(kept.key_of(i), x.map(total_key));
            }
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            for q in [0.25, 0.5, 0.9] {
                assert!(same(kept.quantile(q), quantile(&mut values.clone(), q)), "round {round}, {q}");
            }
            assert_eq!(kept.median().map(f64::to_bits), median(&mut values.clone()).map(f64::to_bits));
        }
    }
}
