//! The little linear algebra the projection needs: small dense square matrices (one row and
//! column per candidate, ballots last), covariances, Cholesky factors, and how a covariance
//! of projected votes becomes the spread of shares and turnout (the delta method).

/// The 95th percentile of the standard normal: a 90% interval is an estimate ± this many
/// standard deviations.
pub const Z90: f64 = 1.644_853_6;

/// A small dense square matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    n: usize,
    a: Vec<f64>,
}

impl Mat {
    pub fn zeros(n: usize) -> Mat {
        Mat { n, a: vec![0.0; n * n] }
    }

    pub fn dim(&self) -> usize {
        self.n
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] = v;
    }

    /// `self += k · x xᵀ`.
    pub fn add_outer(&mut self, x: &[f64], k: f64) {
        for (i, xi) in x.iter().enumerate() {
            if *xi == 0.0 {
                continue;
            }
            let row = &mut self.a[i * self.n..(i + 1) * self.n];
            for (r, xj) in row.iter_mut().zip(x) {
                *r += k * xi * xj;
            }
        }
    }

    /// `self += k · other`.
    pub fn add_scaled(&mut self, other: &Mat, k: f64) {
        for (a, b) in self.a.iter_mut().zip(&other.a) {
            *a += k * b;
        }
    }

    pub fn scale(&mut self, k: f64) {
        self.a.iter_mut().for_each(|a| *a *= k);
    }

    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.n).map(|i| self.get(i, i)).collect()
    }

    /// `diag(s) · C · diag(s)` where C is this matrix's correlation matrix (a zero variance
    /// correlates with nothing): the covariance of quantities with standard deviations `s` that
    /// move together as these do.
    pub fn with_sds(&self, s: &[f64]) -> Mat {
        let d = self.diagonal();
        let mut out = Mat::zeros(self.n);
        for i in 0..self.n {
            for j in 0..self.n {
                let v = if i == j {
                    s[i] * s[i]
                } else if d[i] > 0.0 && d[j] > 0.0 {
                    s[i] * s[j] * self.get(i, j) / (d[i] * d[j]).sqrt()
                } else {
                    0.0
                };
                out.set(i, j, v);
            }
        }
        out
    }

    /// A diagonal matrix.
    pub fn diag(v: &[f64]) -> Mat {
        let mut m = Mat::zeros(v.len());
        for (i, x) in v.iter().enumerate() {
            m.set(i, i, *x);
        }
        m
    }

    /// `gᵀ · self · g`.
    pub fn quad(&self, g: &[f64]) -> f64 {
        let mut s = 0.0;
        for (i, gi) in g.iter().enumerate() {
            if *gi == 0.0 {
                continue;
            }
            let row = &self.a[i * self.n..(i + 1) * self.n];
            s += gi * row.iter().zip(g).map(|(a, gj)| a * gj).sum::<f64>();
        }
        s
    }

    /// Lower-triangular L with L·Lᵀ = self (a little ridge keeps it defined when quantities
    /// are collinear, as shares summing to one make them).
    pub fn cholesky(&self) -> Mat {
        let n = self.n;
        let ridge = 1e-12 + 1e-9 * self.diagonal().into_iter().fold(0.0, f64::max);
        let mut l = Mat::zeros(n);
        for i in 0..n {
            for j in 0..=i {
                let s: f64 = (0..j).map(|k| l.get(i, k) * l.get(j, k)).sum();
                if i == j {
                    l.set(i, j, (self.get(i, i) + ridge - s).max(0.0).sqrt());
                } else if l.get(j, j) > 0.0 {
                    l.set(i, j, (self.get(i, j) - s) / l.get(j, j));
                }
            }
        }
        l
    }

    /// `self · z` (for a lower-triangular factor, a correlated draw from independent ones).
    pub fn mul_vec(&self, z: &[f64]) -> Vec<f64> {
        (0..self.n).map(|i| (0..self.n).map(|j| self.get(i, j) * z[j]).sum()).collect()
    }
}

/// The sample covariance of `rows` (each of `dim` values); `None` for fewer than two rows.
pub fn covariance(rows: &[Vec<f64>], dim: usize) -> Option<Mat> {
    let n = rows.len();
    if n < 2 {
        return None;
    }
    let mean: Vec<f64> = (0..dim).map(|i| rows.iter().map(|r| r[i]).sum::<f64>() / n as f64).collect();
    let mut m = Mat::zeros(dim);
    for r in rows {
        let d: Vec<f64> = r.iter().zip(&mean).map(|(x, m)| x - m).collect();
        m.add_outer(&d, 1.0 / (n - 1) as f64);
    }
    Some(m)
}

/// How projected votes (per candidate, ballots last) become shares of the valid votes and
/// turnout: the gradient of candidate `c`'s share (or, for `c == candidates`, of turnout) with
/// respect to the projected quantities.
pub fn gradient(votes: &[f64], electorate: f64, c: usize) -> Vec<f64> {
    let cands = votes.len();
    let mut g = vec![0.0; cands + 1];
    if c == cands {
        g[cands] = 1.0 / electorate.max(1.0);
        return g;
    }
    let valid: f64 = votes.iter().sum();
    if valid <= 0.0 {
        return g;
    }
    let share = votes[c] / valid;
    for (i, gi) in g.iter_mut().take(cands).enumerate() {
        *gi = -share / valid + if i == c { 1.0 / valid } else { 0.0 };
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let mut a = Mat::zeros(3);
        for (i, row) in [[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]].iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                a.set(i, j, *v);
            }
        }
        let l = a.cholesky();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l.get(i, k) * l.get(j, k)).sum();
                assert!((v - a.get(i, j)).abs() < 1e-6, "{i},{j}: {v} vs {}", a.get(i, j));
            }
        }
    }

    #[test]
    fn the_gradient_of_a_share_is_what_a_small_change_does() {
        let votes = [600.0, 300.0, 100.0];
        let g = gradient(&votes, 2000.0, 0);
        // One more vote for the first candidate: 601/1001 - 600/1000.
        let exact = 601.0 / 1001.0 - 0.6;
        assert!((g[0] - exact).abs() < 1e-6, "{g:?}");
        // One more for another candidate lowers the first one's share.
        assert!((g[1] - (600.0 / 1001.0 - 0.6)).abs() < 1e-6);
        assert_eq!(gradient(&votes, 2000.0, 3), vec![0.0, 0.0, 0.0, 1.0 / 2000.0]);
    }

    #[test]
    fn a_covariance_keeps_its_correlations_at_new_scales() {
        let rows = vec![vec![1.0, 2.0], vec![2.0, 4.0], vec![3.0, 6.5]];
        let c = covariance(&rows, 2).unwrap();
        let s = c.with_sds(&[1.0, 2.0]);
        assert!((s.get(0, 0) - 1.0).abs() < 1e-12 && (s.get(1, 1) - 4.0).abs() < 1e-12);
        let corr = c.get(0, 1) / (c.get(0, 0) * c.get(1, 1)).sqrt();
        assert!((s.get(0, 1) - 2.0 * corr).abs() < 1e-12);
    }
}
