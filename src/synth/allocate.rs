//! Exact integer allocation: splitting integer totals into integer parts whose sums are exact.
//!
//! Every function here preserves totals exactly; this is what lets a synthetic feed add up to
//! the official national figures to the last vote.

use anyhow::{Result, ensure};
use rand::Rng;

use super::hypergeometric;

/// Splits `total` into parts proportional to `weights` by the largest-remainder method.
///
/// The parts sum to exactly `total`. Negative or non-finite weights count as zero; if every
/// weight is zero the split is even. Ties between equal remainders go to the lower index.
pub fn largest_remainder(total: u64, weights: &[f64]) -> Vec<u64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let clean: Vec<f64> = weights.iter().map(|&w| if w.is_finite() && w > 0.0 { w } else { 0.0 }).collect();
    let sum: f64 = clean.iter().sum();
    let quotas: Vec<f64> = if sum > 0.0 {
        clean.iter().map(|w| total as f64 * w / sum).collect()
    } else {
        vec![total as f64 / clean.len() as f64; clean.len()]
    };
    let mut parts: Vec<u64> = quotas.iter().map(|q| q.floor() as u64).collect();
    let remainder = |i: usize| quotas[i] - quotas[i].floor();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| remainder(b).total_cmp(&remainder(a)).then(a.cmp(&b)));

    let assigned: u64 = parts.iter().sum();
    if assigned <= total {
        // Normally fewer than `parts.len()` units are missing; cycle in case rounding drifted.
        for &i in order.iter().cycle().take((total - assigned) as usize) {
            parts[i] += 1;
        }
    } else {
        // Only possible through floating-point drift: take back from the smallest remainders.
        let mut excess = assigned - total;
        while excess > 0 {
            for &i in order.iter().rev() {
                if excess > 0 && parts[i] > 0 {
                    parts[i] -= 1;
                    excess -= 1;
                }
            }
        }
    }
    parts
}

/// Like [`largest_remainder`], but every part gets at least `floor` (requires
/// `total >= floor * weights.len()`); the rest is split by weight.
pub fn largest_remainder_with_floor(total: u64, weights: &[f64], floor: u64) -> Result<Vec<u64>> {
    let base = floor * weights.len() as u64;
    ensure!(total >= base, "cannot give {} parts at least {floor} each out of {total}", weights.len());
    let mut parts = largest_remainder(total - base, weights);
    for part in &mut parts {
        *part += floor;
    }
    Ok(parts)
}

/// Like [`largest_remainder`], but no part exceeds its cap: whatever a capped part cannot take
/// is re-split among the others by weight. Requires `total <= sum(caps)`.
pub fn largest_remainder_capped(total: u64, weights: &[f64], caps: &[u64]) -> Result<Vec<u64>> {
    ensure!(weights.len() == caps.len(), "weights and caps differ in length");
    let capacity: u64 = caps.iter().sum();
    ensure!(total <= capacity, "cannot fit {total} into parts with total capacity {capacity}");
    let mut parts = vec![0u64; caps.len()];
    let mut left = total;
    while left > 0 {
        let open: Vec<usize> = (0..caps.len()).filter(|&i| parts[i] < caps[i]).collect();
        let open_weights: Vec<f64> = open.iter().map(|&i| weights[i]).collect();
        let open_weights = if open_weights.iter().any(|&w| w > 0.0) {
            open_weights
        } else {
            // Only zero-weight parts have room left: fill them by their room.
            open.iter().map(|&i| (caps[i] - parts[i]) as f64).collect()
        };
        // Each round either places everything or fills at least one part, so this terminates.
        for (&i, share) in open.iter().zip(largest_remainder(left, &open_weights)) {
            let taken = share.min(caps[i] - parts[i]);
            parts[i] += taken;
            left -= taken;
        }
    }
    Ok(parts)
}

/// Finds an integer matrix with exactly the given row and column sums whose proportions
/// follow `seed` (a non-negative matrix; zero cells stay zero where the sums allow).
///
/// Works by iterative proportional fitting in floating point, rounding each row by largest
/// remainder (exact row sums), then moving single units between columns inside rows until
/// the column sums are exact too.
pub fn fit_matrix(seed: &[Vec<f64>], row_sums: &[u64], col_sums: &[u64]) -> Result<Vec<Vec<u64>>> {
    ensure!(seed.len() == row_sums.len(), "seed rows and row sums differ");
    ensure!(seed.iter().all(|row| row.len() == col_sums.len()), "seed columns and column sums differ");
    let total: u64 = row_sums.iter().sum();
    ensure!(
        total == col_sums.iter().sum::<u64>(),
        "row sums ({total}) and column sums ({}) disagree",
        col_sums.iter().sum::<u64>()
    );

    let mut m: Vec<Vec<f64>> = seed.iter().map(|row| row.iter().map(|&x| x.max(0.0)).collect()).collect();
    for _ in 0..500 {
        scale_rows(&mut m, row_sums);
        let worst_column_error = scale_columns(&mut m, col_sums);
        if worst_column_error < 1e-9 {
            break;
        }
    }

    let mut matrix: Vec<Vec<u64>> = m.iter().zip(row_sums).map(|(row, &sum)| largest_remainder(sum, row)).collect();
    fix_columns(&mut matrix, col_sums);
    Ok(matrix)
}

/// Scales every row to its target sum.
fn scale_rows(m: &mut [Vec<f64>], row_sums: &[u64]) {
    for (row, &target) in m.iter_mut().zip(row_sums) {
        let sum: f64 = row.iter().sum();
        if sum > 0.0 {
            let factor = target as f64 / sum;
            row.iter_mut().for_each(|x| *x *= factor);
        }
    }
}

/// Scales every column to its target sum; returns the worst relative error seen before scaling.
fn scale_columns(m: &mut [Vec<f64>], col_sums: &[u64]) -> f64 {
    let mut worst: f64 = 0.0;
    for (c, &target) in col_sums.iter().enumerate() {
        let sum: f64 = m.iter().map(|row| row[c]).sum();
        if sum > 0.0 {
            worst = worst.max((sum - target as f64).abs() / (target as f64).max(1.0));
            let factor = target as f64 / sum;
            m.iter_mut().for_each(|row| row[c] *= factor);
        }
    }
    worst
}

/// Moves units between columns within rows (keeping row sums) until column sums are exact.
fn fix_columns(matrix: &mut [Vec<u64>], col_sums: &[u64]) {
    let column_gap = |matrix: &[Vec<u64>], c: usize| -> i64 {
        col_sums[c] as i64 - matrix.iter().map(|row| row[c] as i64).sum::<i64>()
    };
    loop {
        let gaps: Vec<i64> = (0..col_sums.len()).map(|c| column_gap(matrix, c)).collect();
        let (Some(short), Some(over)) = (gaps.iter().position(|&g| g > 0), gaps.iter().position(|&g| g < 0)) else {
            return;
        };
        // Take from the row holding the most of the over-full column: it can spare it best.
        let Some(row) = matrix.iter_mut().max_by_key(|row| row[over]) else {
            return;
        };
        let moved = (gaps[short] as u64).min(gaps[over].unsigned_abs()).min(row[over]);
        row[over] -= moved;
        row[short] += moved;
    }
}

/// Splits an urn of counts between draws of the given sizes, without replacement.
///
/// Each draw is a multivariate hypergeometric sample (drawn category by category with the
/// univariate hypergeometric distribution), so the result has row sums exactly `sizes` and
/// column sums exactly `urn`, with honest sampling noise. Requires `sum(sizes) == sum(urn)`.
pub fn split_urn<R: Rng + ?Sized>(rng: &mut R, urn: &[u64], sizes: &[u64]) -> Result<Vec<Vec<u64>>> {
    let mut left: Vec<u64> = urn.to_vec();
    let mut population: u64 = left.iter().sum();
    ensure!(
        population == sizes.iter().sum::<u64>(),
        "urn holds {population} but draws need {}",
        sizes.iter().sum::<u64>()
    );
    let mut rows = Vec::with_capacity(sizes.len());
    for &size in sizes {
        let mut row = vec![0u64; left.len()];
        let mut wanted = size;
        let mut rest = population;
        for (cell, count) in row.iter_mut().zip(left.iter_mut()) {
            let drawn = hypergeometric::sample(rng, rest, *count, wanted);
            rest -= *count;
            *count -= drawn;
            wanted -= drawn;
            *cell = drawn;
        }
        population -= size;
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn largest_remainder_is_exact_and_proportional() {
        assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(largest_remainder(7, &[0.0, 0.0]), vec![4, 3]);
        assert_eq!(largest_remainder(100, &[3.0, 1.0]), vec![75, 25]);
        let parts = largest_remainder(11_950_485, &[0.3, 0.2, 0.1, 1e-9, 0.4]);
        assert_eq!(parts.iter().sum::<u64>(), 11_950_485);
        assert!(largest_remainder(5, &[]).is_empty());
    }

    #[test]
    fn floor_and_caps_are_respected() {
        let parts = largest_remainder_with_floor(100, &[1.0, 0.0, 9.0], 10).unwrap();
        assert_eq!(parts, vec![17, 10, 73]);
        assert!(largest_remainder_with_floor(5, &[1.0, 1.0], 3).is_err());

        let caps = [5, 100, 3, 50];
        let parts = largest_remainder_capped(120, &[10.0, 1.0, 10.0, 0.0], &caps).unwrap();
        assert_eq!(parts.iter().sum::<u64>(), 120);
        assert!(parts.iter().zip(&caps).all(|(p, c)| p <= c));
        assert_eq!(parts, vec![5, 100, 3, 12]);
        assert!(largest_remainder_capped(200, &[1.0; 4], &caps).is_err());
    }

    #[test]
    fn fitted_matrix_has_exact_margins() {
        let seed = vec![vec![0.8, 0.1, 0.1], vec![0.6, 0.3, 0.1], vec![0.9, 0.05, 0.05]];
        let rows = [1000, 2001, 1500];
        let cols = [3500, 600, 401];
        let m = fit_matrix(&seed, &rows, &cols).unwrap();
        for (row, &sum) in m.iter().zip(&rows) {
            assert_eq!(row.iter().sum::<u64>(), sum);
        }
        for (c, &sum) in cols.iter().enumerate() {
            assert_eq!(m.iter().map(|r| r[c]).sum::<u64>(), sum);
        }
        assert!(fit_matrix(&seed, &rows, &[1, 2, 3]).is_err());
    }

    #[test]
    fn urn_split_has_exact_margins() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let urn = [5000, 300, 0, 1200, 7];
        let sizes = [100, 0, 2500, 3000, 907];
        let rows = split_urn(&mut rng, &urn, &sizes).unwrap();
        for (row, &size) in rows.iter().zip(&sizes) {
            assert_eq!(row.iter().sum::<u64>(), size);
        }
        for (c, &count) in urn.iter().enumerate() {
            assert_eq!(rows.iter().map(|r| r[c]).sum::<u64>(), count);
        }
        assert!(split_urn(&mut rng, &urn, &[1]).is_err());
    }
}
