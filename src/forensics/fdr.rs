//! Benjamini–Hochberg: which of many p-values survive a false-discovery rate `q`.

/// The BH-adjusted p-values (q-values), in the input order.
pub fn adjust(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut out = vec![1.0; m];
    let mut running: f64 = 1.0;
    for (rank_from_top, &i) in order.iter().enumerate() {
        let rank = m - rank_from_top; // 1-based rank in ascending order
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
    }
}
