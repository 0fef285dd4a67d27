//! The statistical thresholds a manifest (`"forensics": {…}`) or the command line may set —
//! part of the feed's contract: their names, and the values no test could use. What each
//! means, and its default, is the analysis's (`analysis::config`, docs/ANOMALIES.md).

use serde::{Deserialize, Serialize};

/// Overrides of the thresholds: each field, when set, replaces the default. The same set is
/// read from the manifest (`"forensics": {"fdr": 0.05, "min_precincts": 50}`; an unknown name
/// is an error) and from the command line (`--fdr 0.05 --min-precincts 50`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, clap::Args)]
#[serde(deny_unknown_fields)]
#[command(next_help_heading = "Statistical thresholds")]
pub struct Thresholds {
    /// False-discovery rate held over the tests of each kind [default: 0.01].
    #[arg(long, value_name = "RATE", value_parser = fraction)]
    pub fdr: Option<f64>,
    /// Adjusted p-value (q) below which a flag is critical, not a warning [default: 1e-6].
    #[arg(long, value_name = "Q", value_parser = fraction)]
    pub critical_q: Option<f64>,
    /// Counted precincts a region needs before outliers and skew are judged [default: 30].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(FEWEST_PRECINCTS..))]
    pub min_precincts: Option<u64>,
    /// Qualifying precincts an integer-percent test needs [default: 100].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub min_integer: Option<u64>,
    /// Vote counts of 100 or more a last-digit test needs [default: 200].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub min_digits: Option<u64>,
    /// Voters (or valid votes) a precinct needs to be judged an outlier [default: 100].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub min_size: Option<u64>,
    /// Share of the leader's votes a turnout–share skew's excess must reach [default: 0.01].
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub min_excess: Option<f64>,
    /// Feed minutes without a report after polls closed that make a region stalled [default: 30].
    #[arg(long, value_name = "MINUTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub stalled_minutes: Option<u64>,
}

/// The smallest `min_precincts` a median and MAD can use.
pub const FEWEST_PRECINCTS: u64 = 3;

/// Strictly between 0 and 1: what every rate and share threshold must be.
fn open_unit(v: f64) -> bool {
    v > 0.0 && v < 1.0
}

/// A number strictly between 0 and 1.
fn fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("{} is not a number", crate::text::quote(s, 40)))?;
    if open_unit(v) { Ok(v) } else { Err(format!("{v} must be between 0 and 1 (exclusive)")) }
}

impl Thresholds {
    /// Refuses values no test could use (the manifest's are not checked by clap).
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [("fdr", self.fdr), ("critical_q", self.critical_q), ("min_excess", self.min_excess)] {
            if let Some(v) = v
                && !open_unit(v)
            {
                return Err(format!("forensics.{name} must be between 0 and 1 (exclusive), got {v}"));
            }
        }
        if self.min_precincts.is_some_and(|n| n < FEWEST_PRECINCTS) {
            return Err(format!("forensics.min_precincts must be at least {FEWEST_PRECINCTS}"));
        }
        for (name, v) in [
            ("min_integer", self.min_integer),
            ("min_digits", self.min_digits),
            ("min_size", self.min_size),
            ("stalled_minutes", self.stalled_minutes),
        ] {
            if v == Some(0) {
                return Err(format!("forensics.{name} must be at least 1"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_and_impossible_values_are_refused() {
        assert!(serde_json::from_str::<Thresholds>(r#"{"fdr_rate": 0.05}"#).is_err());
        let t: Thresholds = serde_json::from_str(r#"{"fdr": 1.5}"#).unwrap();
        assert_eq!(t.check().unwrap_err(), "forensics.fdr must be between 0 and 1 (exclusive), got 1.5");
        let t: Thresholds = serde_json::from_str(r#"{"min_precincts": 2}"#).unwrap();
        assert!(t.check().is_err());
        assert!(fraction("0").is_err() && fraction("x").is_err() && fraction("0.2") == Ok(0.2));
    }
}
