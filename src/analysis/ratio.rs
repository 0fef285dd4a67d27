//! The ratio estimator with a hierarchy: the voters still missing in each region, projected
//! from what the count has already said — with the uncertainty each step of borrowing costs.
//!
//! - A region *stands* once [`MIN_REPORTED`] of its precincts are in: its missing voters are
//!   projected at its own reported ratios (votes and ballots per registered voter), corrected
//!   by the *drift* other regions show between their early and late reporters
//!   ([`super::drift`]), and shrunk toward the national ratio as far as that drift makes its
//!   own figures uncertain (precision weights against the spread between regions).
//! - A region that does not stand yet borrows the national ratio: that of the standing regions,
//!   completed as above. What that costs is measured on them: the spread of their completed
//!   ratios (as if the missing regions, together, could differ from the nation as much as one
//!   region does; with a Student-t allowance when few regions stand), and the drift of those
//!   ratios with the order in which regions started to report (they do not start at random:
//!   the east reports before the west).
//! - The errors of one region's own precincts are independent of another's and add in
//!   quadrature; the terms that can lean the same way everywhere (drift, borrowing) add
//!   linearly on the share scale ([`Spread`]).

use super::drift;
use super::linalg::{Mat, Z90};

/// Precincts a region needs in before its own ratios stand for its missing voters.
pub const MIN_REPORTED: usize = 10;
/// Regions that must stand before any voters can be borrowed for the others.
pub const MIN_REGIONS: usize = 3;

/// A region's reported precincts, in reporting order (stored flat: a count of a million
/// precincts is projected every second), and its voters still missing.
#[derive(Debug, Clone, Default)]
pub struct Region {
    /// Projected quantities a precinct: votes per candidate, then ballots.
    pub d: usize,
    /// Registered voters of each reported precinct.
    pub registered: Vec<f64>,
    /// Their quantities, `d` a precinct.
    pub y: Vec<f64>,
    /// When the first of them reported (unix seconds).
    pub first_at: Option<i64>,
    /// Precincts it needs in to stand: [`MIN_REPORTED`], or all it has if it has fewer.
    pub needed: usize,
    /// All its voters still missing (the manifest's registered less what has reported; 0
    /// once all its precincts are in).
    pub missing: f64,
}

impl Region {
    pub fn new(d: usize, needed: usize, missing: f64) -> Region {
        Region { d, needed, missing, ..Region::default() }
    }

    /// Adds the next precinct to report.
    pub fn push(&mut self, registered: f64, y: &[f64], at: i64) {
        self.registered.push(registered);
        self.y.extend_from_slice(y);
        self.first_at.get_or_insert(at);
    }

    pub fn len(&self) -> usize {
        self.registered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.registered.is_empty()
    }

    /// The quantities of the `j`-th precinct to report.
    pub fn y(&self, j: usize) -> &[f64] {
        &self.y[j * self.d..(j + 1) * self.d]
    }

    /// Whether its own reports stand for its missing voters.
    pub fn stands(&self) -> bool {
        !self.is_empty() && self.len() >= self.needed
    }
}

/// How uncertain a projection of votes (per candidate, ballots last) is: errors independent of
/// each other (`sampling`, added in quadrature) and terms that may all lean the same way
/// (`systematic`: each one's effect on a share is added linearly to the others').
#[derive(Debug, Clone)]
pub struct Spread {
    pub sampling: Mat,
    pub systematic: Vec<Mat>,
    /// Standard deviations already on the share scale (per candidate, turnout last), added
    /// linearly too.
    pub share_sd: Vec<f64>,
}

impl Spread {
    pub fn new(d: usize) -> Spread {
        Spread { sampling: Mat::zeros(d), systematic: Vec::new(), share_sd: vec![0.0; d] }
    }

    pub fn add(&mut self, other: Spread) {
        self.sampling.add_scaled(&other.sampling, 1.0);
        self.systematic.extend(other.systematic);
        self.share_sd.iter_mut().zip(other.share_sd).for_each(|(a, b)| *a += b);
    }

    /// The standard deviation of a share (or turnout) with gradient `g` at quantity `i`: the
    /// independent part and the linear sum of the systematic ones, in quadrature.
    pub fn sd(&self, g: &[f64], i: usize) -> f64 {
        let systematic: f64 = self.systematic.iter().map(|m| m.quad(g).max(0.0).sqrt()).sum::<f64>() + self.share_sd[i];
        (self.sampling.quad(g).max(0.0) + systematic * systematic).sqrt()
    }

    /// One covariance for drawing replicates (seat ranges): the systematic terms scaled up so
    /// that the draws spread the leader's share (gradient `g`) as [`Spread::sd`] says.
    pub fn combined(&self, g: &[f64]) -> Mat {
        let sds: Vec<f64> = self.systematic.iter().map(|m| m.quad(g).max(0.0).sqrt()).collect();
        let (sum, sq) = (sds.iter().sum::<f64>(), sds.iter().map(|s| s * s).sum::<f64>());
        let k = if sq > 0.0 { sum * sum / sq } else { 1.0 };
        let mut c = self.sampling.clone();
        for m in &self.systematic {
            c.add_scaled(m, k);
        }
        c
    }
}

/// The projection of the voters `project` says are missing in each region (those of
/// `regions[r].missing` the caller leaves to this estimator).
#[derive(Debug, Clone)]
pub struct Estimate {
    /// Projected votes per candidate and ballots, summed over the regions.
    pub votes: Vec<f64>,
    pub spread: Spread,
    /// Voters projected at the national ratio because their region does not stand yet.
    pub borrowed: f64,
}

/// Why nothing can be projected yet: how many regions stand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TooFew {
    pub standing: usize,
}

/// One standing region's own projection of its missing voters, per voter still missing.
struct Own {
    region: usize,
    /// Reported registered voters and quantities.
    reported: f64,
    known: Vec<f64>,
    /// Projected quantities per missing voter (drift-corrected), and the standard deviations
    /// per voter the drift correction leaves: independent of other regions' (`het`) and
    /// common to all (`common`).
    rate: Vec<f64>,
    het: Vec<f64>,
    common: Vec<f64>,
    /// Σ e eᵀ of its precincts' residuals against its ratios.
    resid: Mat,
    /// How the drift of its quantities co-varies (per voter²), for the shape of those terms.
    drift_cov: Mat,
}

/// Projects `project[r]` missing voters in each region (at most `regions[r].missing`).
pub fn estimate(regions: &[Region], project: &[f64], d: usize) -> Result<Estimate, TooFew> {
    let mut out = Estimate { votes: vec![0.0; d], spread: Spread::new(d), borrowed: 0.0 };
    if project.iter().all(|&m| m <= 0.0) {
        return Ok(out);
    }
    let standing: Vec<usize> = (0..regions.len()).filter(|&r| regions[r].stands()).collect();
    let must_borrow = (0..regions.len()).any(|r| project[r] > 0.0 && !standing.contains(&r));
    if standing.is_empty() || (must_borrow && standing.len() < MIN_REGIONS) {
        return Err(TooFew { standing: standing.len() });
    }
    let labs = drift::Labs::new(regions, &standing);
    let owns: Vec<Own> = standing.iter().map(|&r| own(&regions[r], r, &labs, d)).collect();
    // The national ratio: the standing regions completed, per voter.
    let electorate: f64 = owns.iter().map(|o| o.reported + regions[o.region].missing).sum();
    let complete: Vec<Vec<f64>> = owns
        .iter()
        .map(|o| o.known.iter().zip(&o.rate).map(|(k, r)| k + r * regions[o.region].missing).collect())
        .collect();
    let rate: Vec<f64> = (0..d).map(|q| complete.iter().map(|c| c[q]).sum::<f64>() / electorate.max(1.0)).collect();
    // How the standing regions' completed ratios spread around it (registered-weighted).
    let mut between = Mat::zeros(d);
    for (o, c) in owns.iter().zip(&complete) {
        let size = (o.reported + regions[o.region].missing).max(1.0);
        let dev: Vec<f64> = c.iter().zip(&rate).map(|(c, r)| c / size - r).collect();
        between.add_outer(&dev, size / electorate.max(1.0));
    }
    let tau2 = between.diagonal();
    let t_allowance = student_t_allowance(owns.len());
    let shrink = owns.len() >= MIN_REGIONS;

    let mut independent_het = vec![0.0; d];
    let mut common = vec![0.0; d];
    let mut shrunk_block = vec![0.0; d];
    let mut shrunk_voters = vec![0.0; d];
    let mut shape = Mat::zeros(d);
    for o in &owns {
        let m = project[o.region];
        if m <= 0.0 {
            continue;
        }
        let all = regions[o.region].missing.max(m);
        // Per-voter variance of the region's own rate: its precincts' noise and the drift's.
        let f = all / o.reported.max(1.0);
        let own_var: Vec<f64> = (0..d)
            .map(|q| o.resid.get(q, q) * f * (f + 1.0) / (all * all) + o.het[q].powi(2) + o.common[q].powi(2))
            .collect();
        let w: Vec<f64> = (0..d)
            .map(|q| if !shrink || tau2[q] + own_var[q] <= 0.0 { 1.0 } else { tau2[q] / (tau2[q] + own_var[q]) })
            .collect();
        for q in 0..d {
            out.votes[q] += m * (w[q] * o.rate[q] + (1.0 - w[q]) * rate[q]);
            independent_het[q] += (w[q] * o.het[q] * m).powi(2);
            common[q] += w[q] * o.common[q] * m;
            shrunk_block[q] += (1.0 - w[q]) * (tau2[q] * t_allowance).sqrt() * m;
            shrunk_voters[q] += (1.0 - w[q]) * m;
        }
        // Its precincts' noise, for the share of its voters it still speaks for.
        let fm = m / o.reported.max(1.0);
        let mut c = o.resid.clone();
        c.scale(fm * (fm + 1.0));
        for i in 0..d {
            for j in 0..d {
                c.set(i, j, c.get(i, j) * w[i] * w[j]);
            }
        }
        out.spread.sampling.add_scaled(&c, 1.0);
        shape.add_scaled(&o.drift_cov, m * m);
    }
    // Regions that do not stand: the national ratio.
    for (r, &m) in project.iter().enumerate() {
        if m > 0.0 && !standing.contains(&r) {
            out.borrowed += m;
            out.votes.iter_mut().zip(&rate).for_each(|(v, r)| *v += r * m);
        }
    }
    // What the standing regions' errors do to the national ratio is borne by every voter
    // projected at it too.
    let carried: Vec<f64> = (0..d).map(|q| 1.0 + (out.borrowed + shrunk_voters[q]) / electorate.max(1.0)).collect();
    let mut het = shape.with_sds(&independent_het.iter().map(|v| v.sqrt()).collect::<Vec<_>>());
    het.add_scaled(&out.spread.sampling, 1.0);
    out.spread.sampling = carry(&het, &carried);
    out.spread.systematic.push(carry(&shape.with_sds(&common), &carried));
    // Borrowing: the missing regions as one block that may differ from the nation as a region
    // does, and the shrunk parts likewise.
    let mut block = between.clone();
    block.scale(out.borrowed * out.borrowed * t_allowance);
    out.spread.systematic.push(block);
    out.spread.systematic.push(between.with_sds(&shrunk_block));
    // The drift of completed ratios with the order regions started to report in.
    let order = drift::region_order(regions, &owns.iter().map(|o| o.region).collect::<Vec<_>>(), &complete);
    let lent: Vec<f64> = (0..d).map(|q| out.borrowed + shrunk_voters[q]).collect();
    let sds: Vec<f64> = (0..d).map(|q| order[q] * rate[q] * lent[q] / Z90).collect();
    out.spread.systematic.push(Mat::diag(&sds.iter().map(|s| s * s).collect::<Vec<_>>()));
    Ok(out)
}

/// `c` with row and column `i` scaled by √kᵢ.
fn carry(c: &Mat, k: &[f64]) -> Mat {
    let mut out = c.clone();
    for i in 0..c.dim() {
        for j in 0..c.dim() {
            out.set(i, j, c.get(i, j) * (k[i] * k[j]).sqrt());
        }
    }
    out
}

/// A standing region's own projection of its missing voters.
fn own(region: &Region, r: usize, labs: &drift::Labs, d: usize) -> Own {
    let reported: f64 = region.registered.iter().sum();
    let mut known = vec![0.0; d];
    for y in region.y.chunks_exact(d) {
        known.iter_mut().zip(y).for_each(|(k, y)| *k += y);
    }
    let ratio: Vec<f64> = known.iter().map(|k| k / reported.max(1.0)).collect();
    let mut resid = Mat::zeros(d);
    let mut e = vec![0.0; d];
    for (reg, y) in region.registered.iter().zip(region.y.chunks_exact(d)) {
        e.iter_mut().zip(y).zip(&ratio).for_each(|((e, y), a)| *e = y - a * reg);
        resid.add_outer(&e, 1.0);
    }
    let mut rate = ratio.clone();
    let (mut het, mut common, mut drift_cov) = (vec![0.0; d], vec![0.0; d], Mat::zeros(d));
    if region.missing > 0.0
        && let Some(lab) = labs.at(reported / (reported + region.missing).max(1.0), r)
    {
        for q in 0..d {
            rate[q] = (ratio[q] * (1.0 + lab.drift[q])).max(0.0);
            het[q] = ratio[q] * lab.het[q].sqrt();
            common[q] = ratio[q] * lab.se2[q].sqrt();
        }
        for i in 0..d {
            for j in 0..d {
                drift_cov.set(i, j, lab.cov.get(i, j) * ratio[i] * ratio[j]);
            }
        }
    }
    Own { region: r, reported, known, rate, het, common, resid, drift_cov }
}

/// The Student-t allowance for a spread estimated from `n` regions: (t₀.₉₅ / z₀.₉₅)².
fn student_t_allowance(n: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let df = n.saturating_sub(1).max(1) as f64;
    StudentsT::new(0.0, 1.0, df).map_or(1.0, |t| (t.inverse_cdf(0.95) / Z90).powi(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(n: usize, turnout: f64, missing: f64) -> Region {
        let mut r = Region::new(3, MIN_REPORTED, missing);
        for i in 0..n {
            let reg = 1000.0 + (i % 7) as f64 * 10.0;
            let b = reg * (turnout + 0.01 * ((i % 5) as f64 - 2.0));
            r.push(reg, &[b * 0.6, b * 0.4, b], i as i64);
        }
        r
    }

    #[test]
    fn a_region_with_its_precincts_in_is_projected_at_its_own_ratio() {
        let regions = vec![region(40, 0.6, 10_000.0)];
        let e = estimate(&regions, &[10_000.0], 3).unwrap();
        let reported: f64 = regions[0].registered.iter().sum();
        let ballots: f64 = (0..regions[0].len()).map(|j| regions[0].y(j)[2]).sum();
        assert!((e.votes[2] - ballots / reported * 10_000.0).abs() < 1e-6, "{:?}", e.votes);
        assert_eq!(e.borrowed, 0.0);
    }

    #[test]
    fn a_region_that_has_not_reported_borrows_with_the_cost_of_it() {
        let mut regions = vec![region(40, 0.5, 40_000.0), region(40, 0.6, 40_000.0), region(40, 0.7, 40_000.0)];
        regions.push(Region::new(3, MIN_REPORTED, 100_000.0));
        // Too few regions stand to borrow for a fourth: wait.
        assert_eq!(estimate(&regions[1..], &[40_000.0, 40_000.0, 100_000.0], 3).unwrap_err(), TooFew { standing: 2 });
        let e = estimate(&regions, &[40_000.0, 40_000.0, 40_000.0, 100_000.0], 3).unwrap();
        assert_eq!(e.borrowed, 100_000.0);
        // The borrowed voters' turnout may be anywhere the regions' are: the spread says so.
        let g = [0.0, 0.0, 1.0 / 320_000.0];
        let sd = e.spread.sd(&g, 2);
        assert!(sd > 0.02, "{sd}");
    }

    #[test]
    fn nothing_missing_nothing_projected() {
        let regions = vec![region(20, 0.6, 0.0), Region::new(3, MIN_REPORTED, 0.0)];
        let e = estimate(&regions, &[0.0, 0.0], 3).unwrap();
        assert_eq!(e.votes, vec![0.0; 3]);
        assert_eq!(e.spread.sd(&[1.0, 0.0, 0.0], 0), 0.0);
    }
}
