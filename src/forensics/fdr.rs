//! Benjamini–Hochberg: which of many p-values survive a false-discovery rate `q`.

/// The BH-adjusted p-values (q-values), in the input order.
pub fn adjust(p: &[f64]) -> Vec<f64> {
    adjust_of(p, p.len())
}

/// The q-values of the smallest p-values of a family of `m` tests (the others, which cannot
/// pass, need not be kept: the ranks of the smallest ones are the same).
pub fn adjust_of(p: &[f64], m: usize) -> Vec<f64> {
    let m = m.max(p.len());
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut out = vec![1.0; p.len()];
    let mut running: f64 = 1.0;
    for (rank_from_top, &i) in order.iter().enumerate() {
        let rank = p.len() - rank_from_top; // 1-based rank in ascending order
        running = running.min(p[i] * m as f64 / rank as f64);
        out[i] = running.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
