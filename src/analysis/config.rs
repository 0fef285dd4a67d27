//! The statistical thresholds: their defaults (reasoned in docs/ANOMALIES.md), and overrides
//! from the manifest's `"forensics"` object and from the command line (which wins).

use serde::Serialize;

pub use crate::feed::thresholds::Thresholds;

/// Every threshold, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// False-discovery rate held over the tests of each kind.
    pub fdr: f64,
    /// A flag whose adjusted p-value is below this is critical rather than a warning.
    pub critical_q: f64,
    /// Precincts a region needs before its distribution is judged (outliers, skew).
    pub min_precincts: usize,
    /// Precincts that must qualify for an integer-percent test.
    pub min_integer: u64,
    /// Counts (≥ 100) needed for a last-digit test.
    pub min_digits: u64,
    /// Voters (or valid votes) a precinct needs to be judged as an outlier.
    pub min_size: u64,
    /// Excess votes (share of the leader's) a skew must reach to be flagged.
    pub min_excess: f64,
    /// Minutes of feed time without a report, after polls closed, that make a region stalled.
    pub stalled_minutes: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            fdr: 0.01,
            critical_q: 1e-6,
            min_precincts: 30,
            min_integer: 100,
            min_digits: 200,
            min_size: 100,
            min_excess: 0.01,
            stalled_minutes: 30,
        }
    }
}

/// `t`'s overrides over `base`.
pub fn over(t: &Thresholds, base: Config) -> Config {
    Config {
        fdr: t.fdr.unwrap_or(base.fdr),
        critical_q: t.critical_q.unwrap_or(base.critical_q),
        min_precincts: t.min_precincts.map_or(base.min_precincts, |n| n as usize),
        min_integer: t.min_integer.unwrap_or(base.min_integer),
        min_digits: t.min_digits.unwrap_or(base.min_digits),
        min_size: t.min_size.unwrap_or(base.min_size),
        min_excess: t.min_excess.unwrap_or(base.min_excess),
        stalled_minutes: t.stalled_minutes.map_or(base.stalled_minutes, |n| n as i64),
    }
}

/// The defaults, then the manifest's overrides, then the command line's.
pub fn resolve(manifest: Option<&Thresholds>, cli: &Thresholds) -> Config {
    let base = manifest.map_or_else(Config::default, |m| over(m, Config::default()));
    over(cli, base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_wins_over_manifest_over_defaults() {
        let manifest: Thresholds = serde_json::from_str(r#"{"fdr": 0.05, "min_precincts": 50}"#).unwrap();
        let cli = Thresholds { min_precincts: Some(80), ..Thresholds::default() };
        let c = resolve(Some(&manifest), &cli);
        assert_eq!(c.fdr, 0.05);
        assert_eq!(c.min_precincts, 80);
        assert_eq!(c.min_size, Config::default().min_size);
        assert_eq!(resolve(None, &Thresholds::default()), Config::default());
    }
}
