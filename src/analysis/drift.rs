//! Drift, measured on the reports themselves: how the precincts that report late differ from
//! those that reported early.
//!
//! *Within a region* ([`Labs`]): a region that has reported a share f of its voters is
//! projected from its first f; regions further along show what that costs. In each of them the
//! precincts that had reported when it stood at f project the ones it reported since, and the
//! relative error (late ratio over early ratio, less one) is the drift at f: its mean (shrunk
//! toward none as far as its standard error says it could be noise) corrects the projection,
//! its spread between regions (beyond what their own sampling noise explains)
//! is the uncertainty that remains, and the standard error of the mean a part common to all.
//! Where small precincts report first, this is what makes the large late ones count; where the
//! order is random, the drift is noise and costs little.
//!
//! *Between regions* ([`region_order`]): regions ordered by their first report, the completed
//! ratios of the later ones against the earlier ones — a geographic order (east to west) shows
//! here, and it is what regions that have not reported yet may differ by.

use super::linalg::Mat;
use super::ratio::{MIN_REPORTED, Region};

/// The late part of a region must hold at least this share of its voters to measure drift.
const MIN_LATE: f64 = 0.05;

/// The drift at one reported share, per projected quantity (relative to the early ratio).
#[derive(Debug, Clone)]
pub struct Lab {
    /// Mean relative drift, late against early.
    pub drift: Vec<f64>,
    /// Its variance between regions beyond their sampling noise, and the squared standard
    /// error of the mean.
    pub het: Vec<f64>,
    pub se2: Vec<f64>,
    /// The covariance of the regions' relative drifts across quantities (its shape).
    pub cov: Mat,
}

/// The standing regions, as laboratories: their reports in reporting order.
pub struct Labs {
    standing: Vec<usize>,
    /// Per standing region: voters (reported + missing), per-voter residual variance of each
    /// quantity against the region's ratio, and running sums in reporting order (registered,
    /// and each quantity: `d` a row), from 0.
    size: Vec<f64>,
    sigma2: Vec<Vec<f64>>,
    cum_registered: Vec<Vec<f64>>,
    cum_y: Vec<Vec<f64>>,
    d: usize,
}

/// One lab region's early/late split at a reported share.
struct Split {
    actual: Vec<f64>,
    projected: Vec<f64>,
    late: f64,
    noise: Vec<f64>,
}

impl Labs {
    pub fn new(regions: &[Region], standing: &[usize]) -> Labs {
        let d = standing.first().map_or(0, |&r| regions[r].d);
        let mut labs = Labs {
            standing: standing.to_vec(),
            size: Vec::new(),
            sigma2: Vec::new(),
            cum_registered: Vec::new(),
            cum_y: Vec::new(),
            d,
        };
        for &s in standing {
            let region = &regions[s];
            let n = region.len();
            let mut reg = vec![0.0; n + 1];
            let mut y = vec![0.0; (n + 1) * d];
            for j in 0..n {
                reg[j + 1] = reg[j] + region.registered[j];
                for (q, x) in region.y(j).iter().enumerate() {
                    y[(j + 1) * d + q] = y[j * d + q] + x;
                }
            }
            let total = reg[n];
            let ratio: Vec<f64> = (0..d).map(|q| y[n * d + q] / total.max(1.0)).collect();
            let mut s2 = vec![0.0; d];
            for j in 0..n {
                for (q, x) in region.y(j).iter().enumerate() {
                    s2[q] += (x - ratio[q] * region.registered[j]).powi(2);
                }
            }
            s2.iter_mut().for_each(|v| *v /= total.max(1.0));
            labs.size.push(total + regions[s].missing);
            labs.sigma2.push(s2);
            labs.cum_registered.push(reg);
            labs.cum_y.push(y);
        }
        labs
    }

    /// Region `i` (of the standing ones) split where it stood at `share` of its voters.
    fn split(&self, i: usize, share: f64) -> Option<Split> {
        let (reg, y, d) = (&self.cum_registered[i], &self.cum_y[i], self.d);
        let n = reg.len() - 1;
        // The precincts in while the region was at `share`: those whose running total stays
        // within it.
        let k = reg.partition_point(|&c| c <= share * self.size[i]).saturating_sub(1);
        let (early, late) = (reg[k], reg[n] - reg[k]);
        if k < MIN_REPORTED || n - k < MIN_REPORTED || early <= 0.0 || late < MIN_LATE * self.size[i] {
            return None;
        }
        let e: Vec<f64> = y[k * d..(k + 1) * d].to_vec();
        let l: Vec<f64> = (0..d).map(|q| y[n * d + q] - y[k * d + q]).collect();
        let projected: Vec<f64> = e.iter().map(|y| y / early * late).collect();
        let noise: Vec<f64> = self.sigma2[i].iter().map(|s| s * (1.0 / early + 1.0 / late) * late * late).collect();
        Some(Split { actual: l, projected, late, noise })
    }

    /// The drift at `share` reported, from every standing region but `exclude` that has
    /// reported enough beyond it.
    pub fn at(&self, share: f64, exclude: usize) -> Option<Lab> {
        let splits: Vec<Split> = (0..self.standing.len())
            .filter(|&i| self.standing[i] != exclude)
            .filter_map(|i| self.split(i, share))
            .collect();
        if splits.is_empty() {
            return None;
        }
        let d = self.d;
        let mut lab = Lab { drift: vec![0.0; d], het: vec![0.0; d], se2: vec![0.0; d], cov: Mat::zeros(d) };
        let mut devs: Vec<Vec<f64>> = vec![vec![0.0; d]; splits.len()];
        for q in 0..d {
            let projected: f64 = splits.iter().map(|s| s.projected[q]).sum();
            if projected <= 0.0 {
                continue;
            }
            let mean = splits.iter().map(|s| s.actual[q] - s.projected[q]).sum::<f64>() / projected;
            let (mut w, mut t, mut noise, mut w2t) = (0.0, 0.0, 0.0, 0.0);
            for (s, dev) in splits.iter().zip(devs.iter_mut()) {
                if s.projected[q] <= 0.0 {
                    continue;
                }
                let r = (s.actual[q] - s.projected[q]) / s.projected[q] - mean;
                dev[q] = r;
                w += s.late;
                t += s.late * r * r;
                noise += s.late * s.noise[q] / (s.projected[q] * s.projected[q]);
                w2t += s.late * s.late * r * r;
            }
            if w <= 0.0 {
                continue;
            }
            // The mean shrunk toward none as far as its own standard error says it may be noise
            // (positive-part James–Stein): a random order's drift is, and is not applied.
            lab.se2[q] = w2t / (w * w);
            lab.drift[q] = if mean != 0.0 { mean * (1.0 - lab.se2[q] / (mean * mean)).max(0.0) } else { 0.0 };
            lab.het[q] = (t / w - noise / w).max(0.0);
        }
        let total: f64 = splits.iter().map(|s| s.late).sum();
        for (s, dev) in splits.iter().zip(&devs) {
            lab.cov.add_outer(dev, s.late / total);
        }
        Some(lab)
    }
}

/// How much the completed ratios of the regions that started reporting later differ from
/// those that started earlier (relative, the largest over splits at a quarter, half and three
/// quarters of their voters; each side needs two regions). `standing` are region indices and
/// `complete` their completed quantities.
pub fn region_order(regions: &[Region], standing: &[usize], complete: &[Vec<f64>]) -> Vec<f64> {
    let d = complete.first().map_or(0, Vec::len);
    let mut worst = vec![0.0; d];
    let size = |i: usize| {
        let r = &regions[standing[i]];
        r.registered.iter().sum::<f64>() + r.missing
    };
    let mut order: Vec<usize> = (0..standing.len()).collect();
    order.sort_by_key(|&i| (regions[standing[i]].first_at.unwrap_or(i64::MAX), standing[i]));
    let total: f64 = (0..standing.len()).map(size).sum();
    for q in [0.25, 0.5, 0.75] {
        let (mut cum, mut cut) = (0.0, 0);
        while cut < order.len() && cum + size(order[cut]) <= q * total {
            cum += size(order[cut]);
            cut += 1;
        }
        let (early, late) = order.split_at(cut);
        if early.len() < 2 || late.len() < 2 {
            continue;
        }
        let rate = |set: &[usize], k: usize| {
            set.iter().map(|&i| complete[i][k]).sum::<f64>() / set.iter().map(|&i| size(i)).sum::<f64>().max(1.0)
        };
        for (k, w) in worst.iter_mut().enumerate() {
            let e = rate(early, k);
            if e > 0.0 {
                *w = f64::max(*w, (rate(late, k) / e - 1.0).abs());
            }
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region whose precincts report smallest first: small ones vote 80%, large ones 60%.
    fn small_first(n: usize) -> Region {
        let mut r = Region::new(1, MIN_REPORTED, 0.0);
        for i in 0..n {
            let reg = 200.0 + 20.0 * i as f64;
            let turnout = if i < n / 2 { 0.8 } else { 0.6 };
            r.push(reg, &[reg * turnout], i as i64);
        }
        r
    }

    #[test]
    fn late_reporters_that_differ_show_as_drift() {
        let regions = vec![small_first(100), small_first(80)];
        let labs = Labs::new(&regions, &[0, 1]);
        // Where a tenth of the voters is in, the rest turn out less than the first tenth.
        let lab = labs.at(0.1, 1).unwrap();
        assert!(lab.drift[0] < -0.15, "{:?}", lab.drift);
        // A region is never its own laboratory, and one too thin to split is none.
        assert!(labs.at(0.1, 0).is_some() && Labs::new(&regions[..1], &[0]).at(0.1, 0).is_none());
    }
}
