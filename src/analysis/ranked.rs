//! One measure's precincts of a region kept in order of value (and their sizes in order), so
//! that after a new report the outlier test reads its medians by rank instead of selecting
//! them from every precinct again, and finds the precincts that could pass as the top of the
//! order. Each median read here is the one [`super::data::median`] selects from the same
//! values, to the bit (a median is a rank; the ranks of |x − m| and of c/n follow from the
//! order of x and of n, because rounding is monotone).

use std::cmp::Ordering;

use super::data::median_by;

/// A precinct in the order: its value, its size (voters, or valid votes) and its number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Item {
    pub x: f64,
    pub n: u64,
    pub precinct: u32,
}

fn order(a: &Item, b: &Item) -> Ordering {
    a.x.total_cmp(&b.x).then(a.precinct.cmp(&b.precinct))
}

/// The values in ascending order (ties by precinct), and the sizes in ascending order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranked {
    by_value: Vec<Item>,
    sizes: Vec<u64>,
    /// The sizes added up.
    total: u64,
}

impl Ranked {
    pub fn new(mut items: Vec<Item>) -> Ranked {
        items.sort_unstable_by(order);
        let mut sizes: Vec<u64> = items.iter().map(|i| i.n).collect();
        sizes.sort_unstable();
        let total = sizes.iter().sum();
        Ranked { by_value: items, sizes, total }
    }

    pub fn len(&self) -> usize {
        self.by_value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_value.is_empty()
    }

    fn insert(&mut self, item: Item) {
        let at = self.by_value.partition_point(|i| order(i, &item) == Ordering::Less);
        self.by_value.insert(at, item);
        let at = self.sizes.partition_point(|&n| n < item.n);
        self.sizes.insert(at, item.n);
        self.total += item.n;
    }

    /// Takes out `item` (as it was put in).
    fn remove(&mut self, item: Item) {
        let at = self.by_value.partition_point(|i| order(i, &item) == Ordering::Less);
        debug_assert!(self.by_value.get(at).is_some_and(|i| i.precinct == item.precinct), "{item:?} is in the order");
        self.by_value.remove(at);
        let at = self.sizes.partition_point(|&n| n < item.n);
        debug_assert_eq!(self.sizes.get(at), Some(&item.n));
        self.sizes.remove(at);
        self.total -= item.n;
    }

    /// Puts `new` in the place of `old` (either may be absent: the precinct was not, or is no
    /// longer, in the order). A correction moves only what lies between its two places.
    pub fn replace(&mut self, old: Option<Item>, new: Option<Item>) {
        match (old, new) {
            (Some(old), Some(new)) => {
                let from = self.by_value.partition_point(|i| order(i, &old) == Ordering::Less);
                debug_assert!(
                    self.by_value.get(from).is_some_and(|i| i.precinct == old.precinct),
                    "{old:?} is in the order"
                );
                let to = self.by_value.partition_point(|i| order(i, &new) == Ordering::Less);
                move_to(&mut self.by_value, from, to, new);
                let from = self.sizes.partition_point(|&n| n < old.n);
                debug_assert_eq!(self.sizes.get(from), Some(&old.n));
                let to = self.sizes.partition_point(|&n| n < new.n);
                move_to(&mut self.sizes, from, to, new.n);
                self.total = self.total - old.n + new.n;
            }
            (Some(old), None) => self.remove(old),
            (None, Some(new)) => self.insert(new),
            (None, None) => {}
        }
    }

    /// The median value.
    pub fn median(&self) -> Option<f64> {
        median_by(self.len(), |k| self.by_value[k].x)
    }

    /// The median of (x − m).abs() over the values: those at or above m rise with x, those
    /// below fall with it; the k-th smallest of the two rising runs by bisection.
    pub fn median_deviation(&self, m: f64) -> Option<f64> {
        let v = &self.by_value;
        let split = v.partition_point(|i| i.x.total_cmp(&m) == Ordering::Less);
        let above = |k: usize| (v[split + k].x - m).abs();
        let below = |k: usize| (v[split - 1 - k].x - m).abs();
        let (la, lb) = (v.len() - split, split);
        median_by(v.len(), |k| kth_of_two(&above, la, &below, lb, k))
    }

    /// The median of c / n over the sizes: the k-th smallest is c over the k-th largest size.
    pub fn median_ratio(&self, c: f64) -> Option<f64> {
        let s = &self.sizes;
        median_by(s.len(), |k| c / s[s.len() - 1 - k] as f64)
    }

    /// The first value, in ascending order, at which the sizes summed from the smallest value
    /// exceed half their total: the size-weighted median, as [`super::data::weighted_crossing`]
    /// finds it.
    pub fn weighted_median(&self) -> Option<f64> {
        let half = self.total / 2;
        let mut acc = 0;
        self.by_value
            .iter()
            .find(|i| {
                acc += i.n;
                acc > half
            })
            .map(|i| i.x)
    }

    /// The largest size.
    pub fn largest(&self) -> Option<u64> {
        self.sizes.last().copied()
    }

    /// The items from the first whose value satisfies `from` on (which must hold of every
    /// value above one it holds of).
    pub fn top(&self, from: impl Fn(f64) -> bool) -> &[Item] {
        let at = self.by_value.partition_point(|i| !from(i.x));
        &self.by_value[at..]
    }
}

/// Takes the element at `from` out of sorted `v` and puts `x` where its order has it: `to`,
/// its insertion point among the elements as they are (the one at `from` counted).
fn move_to<T>(v: &mut [T], from: usize, to: usize, x: T) {
    v[from] = x;
    if to > from {
        // Those between move down one; the old one counted below `to`.
        v[from..to].rotate_left(1);
    } else {
        v[to..=from].rotate_right(1);
    }
}

/// The k-th smallest (from 0) of two rising runs `a` (of `la`) and `b` (of `lb`) together.
fn kth_of_two(a: &impl Fn(usize) -> f64, la: usize, b: &impl Fn(usize) -> f64, lb: usize, k: usize) -> f64 {
    // i of the k + 1 smallest come from a: the least i whose a[i] is not below the last of b's.
    let (mut lo, mut hi) = ((k + 1).saturating_sub(lb), (k + 1).min(la));
    while lo < hi {
        let i = (lo + hi) / 2;
        if a(i) < b(k - i) {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    let j = k + 1 - lo;
    match (lo.checked_sub(1).map(a), j.checked_sub(1).map(b)) {
        (Some(x), Some(y)) => x.max(y),
        (Some(x), None) => x,
        (None, Some(y)) => y,
        (None, None) => unreachable!("k < la + lb"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::data::median;

    /// Kept through insertions and removals, the order's medians are those selected afresh
    /// from the same values, to the bit, with many ties and both parities.
    #[test]
    fn ranked_medians_are_the_selected_ones() {
        let mut next = crate::analysis::data::seeded(99);
        let mut ranked = Ranked::default();
        let mut items: Vec<Item> = Vec::new();
        for step in 0..600u32 {
            let item = |n: u64, x: u64, precinct: u32| Item { x: x as f64 / n as f64, n, precinct };
            if !items.is_empty() && next(4) == 0 {
                // A correction: near its old value or anywhere; the same size or not.
                let at = next(items.len() as u64) as usize;
                let old = items[at];
                let n = if next(2) == 0 { old.n } else { 100 + next(900) };
                let x = if next(2) == 0 { (old.x * n as f64) as u64 + next(3) } else { next(n + 1) };
                items[at] = item(n, x, old.precinct);
                ranked.replace(Some(old), Some(items[at]));
            } else if items.is_empty() || next(3) > 0 {
                let n = 100 + next(900);
                let new = item(n, next(n + 1), step);
                ranked.insert(new);
                items.push(new);
            } else {
                let item = items.swap_remove(next(items.len() as u64) as usize);
                ranked.remove(item);
            }
            assert_eq!(ranked, Ranked::new(items.clone()), "kept as a fresh sort would");
            let xs = || items.iter().map(|i| i.x).collect::<Vec<f64>>();
            let m = median(&mut xs());
            assert_eq!(ranked.median().map(f64::to_bits), m.map(f64::to_bits), "step {step}");
            let Some(m) = m else { continue };
            // Also about a centre that is no value.
            for centre in [m, m + 0.013, 0.0] {
                let mut dev: Vec<f64> = xs().iter().map(|x| (x - centre).abs()).collect();
                let want = median(&mut dev).map(f64::to_bits);
                assert_eq!(ranked.median_deviation(centre).map(f64::to_bits), want, "step {step}");
            }
            let c = m * (1.0 - m);
            let mut ratios: Vec<f64> = items.iter().map(|i| c / i.n as f64).collect();
            assert_eq!(ranked.median_ratio(c).map(f64::to_bits), median(&mut ratios).map(f64::to_bits));
            let mut weighted: Vec<(f64, u32)> = items.iter().map(|i| (i.x, i.n as u32)).collect();
            let half = items.iter().map(|i| i.n).sum::<u64>() / 2;
            let want = crate::analysis::data::weighted_crossing(&mut weighted, half);
            assert_eq!(ranked.weighted_median(), want, "step {step}");
            let top: Vec<u32> = ranked.top(|x| x >= m).iter().map(|i| i.precinct).collect();
            let mut want: Vec<&Item> = items.iter().filter(|i| i.x >= m).collect();
            want.sort_by(|a, b| order(a, b));
            assert_eq!(top, want.iter().map(|i| i.precinct).collect::<Vec<_>>());
        }
    }
}
