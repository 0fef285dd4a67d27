//! Integrity anomalies: their stable kind names, severities, and the record a view shows.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// The integrity checks, one bit each in a precinct's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    TurnoutOver100,
    SumMismatch,
    RevisionConflict,
    VotesDecreased,
    RegisteredChanged,
    EarlyReport,
    Unanimous,
    IdenticalResults,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::TurnoutOver100,
        Kind::SumMismatch,
        Kind::RevisionConflict,
        Kind::VotesDecreased,
        Kind::RegisteredChanged,
        Kind::EarlyReport,
        Kind::Unanimous,
        Kind::IdenticalResults,
    ];

    /// The stable name used in JSON and the TUI.
    pub fn name(self) -> &'static str {
        match self {
            Kind::TurnoutOver100 => "turnout_over_100",
            Kind::SumMismatch => "sum_mismatch",
            Kind::RevisionConflict => "revision_conflict",
            Kind::VotesDecreased => "votes_decreased",
            Kind::RegisteredChanged => "registered_changed",
            Kind::EarlyReport => "early_report",
            Kind::Unanimous => "unanimous",
            Kind::IdenticalResults => "identical_results",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Kind::TurnoutOver100 => Severity::Critical,
            Kind::RegisteredChanged => Severity::Info,
            _ => Severity::Warning,
        }
    }

    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// One flag as views show it, shared whole: every copy of it (the analysis's memory, each
/// summary, each view) is one count, not one per string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Anomaly(std::sync::Arc<Flag>);

impl From<Flag> for Anomaly {
    fn from(flag: Flag) -> Anomaly {
        Anomaly(std::sync::Arc::new(flag))
    }
}

impl std::ops::Deref for Anomaly {
    type Target = Flag;
    fn deref(&self) -> &Flag {
        &self.0
    }
}

/// What a flag says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Flag {
    pub kind: &'static str,
    pub severity: Severity,
    pub precinct: Option<Shared>,
    pub region: Option<Shared>,
    pub message: Shared,
}

/// A flag's text, shared: what is keyed by a flag's place (kind, region, precinct), in the
/// event stream and the views' anomaly clock, copies it by a count, not an allocation.
pub type Shared = std::sync::Arc<str>;
