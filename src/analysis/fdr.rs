//! Benjamini–Hochberg: which of many p-values survive a false-discovery rate `q`; and the
//! two-level control for many families of tests (Benjamini & Bogomolov, "Selective inference on
//! multiple families of hypotheses", JRSS B 76(1), 2014), so that one family's flood of
//! discoveries does not lower the bar in the others.

/// The BH-adjusted p-values (q-values), in the input order.
pub fn adjust(p: &[f64]) -> Vec<f64> {
    adjust_of(p, p.len())
}

/// The q-values of the smallest p-values of a family of `m` tests (the others, which cannot
/// pass, need not be kept: the ranks of the smallest ones are the same).
pub fn adjust_of(p: &[f64], m: usize) -> Vec<f64> {
    let m = m.max(p.len());
    // Largest first, by an integer key in `f64::total_cmp`'s order. (Equal p-values get the
    // same q-value whichever comes first — that of the highest rank among them — so an
    // unstable sort of the values themselves will do.)
    let mut order: Vec<(i64, usize)> = p.iter().map(|&x| super::data::total_key(x)).zip(0..).collect();
    order.sort_unstable_by_key(|&(k, _)| std::cmp::Reverse(k));
    let mut out = vec![1.0; p.len()];
    let mut running: f64 = 1.0;
    for (rank_from_top, &(_, i)) in order.iter().enumerate() {
        let x = p[i];
        let rank = p.len() - rank_from_top; // 1-based rank in ascending order
        running = running.min(x * m as f64 / rank as f64);
        out[i] = running.min(1.0);
    }
    out
}

/// One family's part of [`hierarchical`], worked out once while the family does not change:
/// the BH q-values of its kept p-values (within the family) and its Simes p-value (the
/// smallest of them; 1 for a family with none kept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Within {
    pub q: Vec<f64>,
    pub simes: f64,
}

/// A family's [`Within`]: the p-values kept (the smallest ones) of `m` tests.
pub fn within(p: &[f64], m: usize) -> Within {
    let q = adjust_of(p, m);
    let simes = q.iter().copied().fold(1.0, f64::min);
    Within { q, simes }
}

/// The families' part of [`hierarchical`] from their Simes p-values: which are selected (BH
/// across the families at `level`), and the factor F/R their q-values are scaled by.
pub fn across(simes: &[f64], level: f64) -> (Vec<bool>, f64) {
    let selected: Vec<bool> = adjust(simes).into_iter().map(|q| q <= level).collect();
    let r = selected.iter().filter(|&&s| s).count();
    (selected, simes.len() as f64 / r.max(1) as f64)
}

/// [`across`] from the Simes p-values' keys ([`super::data::total_key`]) in ascending order:
/// the largest key selected (those at most it are, the others are not), and the scale.
/// Equal p-values share a q-value, so the selected are a prefix of the order: found from the
/// top, by the same steps as [`adjust_of`], without a sort.
pub fn across_sorted(ascending: &[i64], level: f64) -> (Option<i64>, f64) {
    let m = ascending.len();
    let mut running: f64 = 1.0;
    for (rank_from_top, &k) in ascending.iter().rev().enumerate() {
        let rank = m - rank_from_top; // 1-based rank in ascending order
        running = running.min(super::data::from_total_key(k) * m as f64 / rank as f64);
        if running.min(1.0) <= level {
            return (Some(k), m as f64 / rank as f64);
        }
    }
    (None, m as f64)
}

/// A kept p-value's adjusted value on the `level` scale (see [`hierarchical`]).
pub fn scaled(q: f64, selected: bool, scale: f64) -> f64 {
    if selected { (q * scale).min(1.0) } else { 1.0 }
}

/// Benjamini–Bogomolov over families, each given as the p-values kept (the smallest ones) and
/// its size. A family is selected when its Simes p-value (its smallest BH q-value) survives BH
/// across the families at `level`; within each of the R selected families of F, BH runs at
/// level·R/F. Returns each kept p-value's adjusted value on the `level` scale (its BH q-value
/// within the family × F/R; 1 in a family not selected): at most `level` means flagged. Under
/// the null of each test, the expected share of false discoveries, averaged over the selected
/// families, is at most `level`. (The analysis keeps each family's [`within`] between runs and
/// does the step across alone when one region changed, from the Simes p-values kept in order:
/// [`across_sorted`], which gives what [`across`] gives.)
pub fn hierarchical(families: &[(Vec<f64>, usize)], level: f64) -> Vec<Vec<f64>> {
    let within: Vec<Within> = families.iter().map(|(p, m)| within(p, *m)).collect();
    let simes: Vec<f64> = within.iter().map(|w| w.simes).collect();
    let (selected, scale) = across(&simes, level);
    within.into_iter().zip(selected).map(|(w, s)| w.q.into_iter().map(|x| scaled(x, s, scale)).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BH across families from the kept order selects what it selects from the p-values as
    /// given, with the same scale: with ties, zeros, NaN and every level.
    #[test]
    fn across_from_the_order_is_across() {
        let mut rng = super::super::data::seeded(9);
        let pool = [0.0, 1e-12, 0.001, 0.01, 0.04, 0.5, 1.0, f64::NAN];
        for round in 0..3_000 {
            let n = rng(60) as usize;
            let simes: Vec<f64> = (0..n)
                .map(|_| if rng(2) == 0 { pool[rng(pool.len() as u64) as usize] } else { rng(10_000) as f64 / 1e5 })
                .collect();
            let level = [0.0, 0.01, 0.05, 0.1, 0.5, 1.0, 2.0][round % 7];
            let (selected, scale) = across(&simes, level);
            let mut keys: Vec<i64> = simes.iter().map(|&x| super::super::data::total_key(x)).collect();
            keys.sort_unstable();
            let (top, ours) = across_sorted(&keys, level);
            let by_order: Vec<bool> =
                simes.iter().map(|&x| top.is_some_and(|t| super::super::data::total_key(x) <= t)).collect();
            assert_eq!(by_order, selected, "{simes:?} at {level}");
            assert_eq!(ours.to_bits(), scale.to_bits(), "{simes:?} at {level}");
        }
    }

    #[test]
    fn matches_a_worked_example() {
        // p-values and their BH q-values (as R's p.adjust(method = "BH") gives them).
        let p = [0.01, 0.04, 0.03, 0.005, 0.5];
        let q = adjust(&p);
        let want = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        assert!(adjust(&[]).is_empty());
        // Keeping only the two smallest of the five gives them the same q-values.
        let q = adjust_of(&[0.01, 0.005], 5);
        assert!((q[0] - 0.025).abs() < 1e-12 && (q[1] - 0.025).abs() < 1e-12, "{q:?}");
    }

    /// The q-values are those of the definition — q(i) = min over the p-values at least p(i)
    /// of p·m / its rank, ties taking their highest rank — to the bit, with many ties.
    #[test]
    fn q_values_are_those_of_the_definition() {
        let mut rng = crate::analysis::data::seeded(3);
        for round in 0..200 {
            let n = 1 + rng(120) as usize;
            // Few distinct values, so that ties are common.
            let mut p: Vec<f64> =
                (0..n).map(|_| (1 + rng(if round % 2 == 0 { 8 } else { 1000 })) as f64 / 1024.0).collect();
            // Zero, both ways, and the tiniest p-values too.
            p[0] = [0.0, -0.0, f64::MIN_POSITIVE, 1e-300][round % 4];
            let m = n + rng(50) as usize;
            let q = adjust_of(&p, m);
            for (i, &x) in p.iter().enumerate() {
                let want = p
                    .iter()
                    .filter(|&&y| y >= x)
                    .map(|&y| y * m as f64 / p.iter().filter(|&&z| z <= y).count() as f64)
                    .fold(1.0f64, f64::min)
                    .min(1.0);
                assert_eq!(q[i].to_bits(), want.to_bits(), "round {round}: p = {x}");
            }
        }
    }

    #[test]
    fn one_familys_flood_does_not_lower_the_bar_in_another() {
        // Family 0: a flood of tiny p-values. Family 1: one test at 0.003 among 1,000 (its BH
        // q-value is 3: no discovery on its own). Pooled, the flood's ranks would carry it.
        let flood: Vec<f64> = (1..=500).map(|i| 1e-9 * i as f64).collect();
        let pooled: Vec<f64> = flood.iter().copied().chain([0.003]).collect();
        let q_pooled = adjust_of(&pooled, 1500);
        assert!(q_pooled[500] <= 0.01, "pooled BH flags it: {}", q_pooled[500]);
        let q = hierarchical(&[(flood.clone(), 500), (vec![0.003], 1000)], 0.01);
        assert!(q[0].iter().all(|&x| x <= 0.01));
        assert_eq!(q[1], vec![1.0], "its family is not selected");
        // Twenty families of which only the first has anything: its tests at level·1/20.
        let mut fams = vec![(vec![1e-7, 2e-7], 100)];
        fams.extend((0..19).map(|_| (vec![], 100)));
        let q = hierarchical(&fams, 0.01);
        // Within: BH q = 1e-5 for both; selected 1 of 20 families, so × 20.
        assert!(q[0].iter().all(|&x| (x - 2e-4).abs() < 1e-12), "{:?}", q[0]);
    }
}
