//! Integrity anomalies: their stable kind names, severities, the record a view shows, and the
//! order every list of anomalies is kept in (most severe first, then kind, region, precinct).

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

/// Most severe first, then by kind, then region and precinct.
pub fn sort_anomalies(v: &mut [Anomaly]) {
    v.sort_by(anomaly_order);
}

/// Two lists in the order of [`sort_anomalies`] as one, as a stable sort of the two one after
/// the other makes it (on a tie, `first`'s flag first).
pub fn merge_anomalies(first: Vec<Anomaly>, then: &[Anomaly]) -> Vec<Anomaly> {
    let mut out = Vec::with_capacity(first.len() + then.len());
    // A few into many (the regional flags into the precincts'): each one's place found by
    // bisection, the runs between moved whole.
    if then.len() * (usize::BITS - first.len().leading_zeros()) as usize <= first.len() {
        let mut a = first.into_iter();
        for y in then {
            let run = a.as_slice().partition_point(|x| anomaly_order(x, y) != std::cmp::Ordering::Greater);
            out.extend(a.by_ref().take(run));
            out.push(y.clone());
        }
        out.extend(a);
        return out;
    }
    let (mut a, mut b) = (first.into_iter().peekable(), then.iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        if anomaly_order(x, y) != std::cmp::Ordering::Greater {
            out.extend(a.next());
        } else {
            out.extend(b.next().cloned());
        }
    }
    out.extend(a);
    out.extend(b.cloned());
    out
}

/// The order of [`sort_anomalies`].
pub fn anomaly_order(a: &Anomaly, b: &Anomaly) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.kind.cmp(b.kind))
        .then_with(|| a.region.cmp(&b.region))
        .then_with(|| a.precinct.cmp(&b.precinct))
}
