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
///
/// The shorter list is walked and each of its flags' place in the longer one found by
/// galloping (doubling steps, then bisection), the runs between moved whole: merging `m` flags
/// into `n` costs about `m·log(n/m)` comparisons, not `m + n` (the analysis merges its few
/// regional flags into its many precinct ones, and a summary the count's few into those).
pub fn merge_anomalies(first: Vec<Anomaly>, then: &[Anomaly]) -> Vec<Anomaly> {
    use std::cmp::Ordering::Greater;
    let mut out = Vec::with_capacity(first.len() + then.len());
    if then.len() <= first.len() {
        let mut a = first.into_iter();
        for y in then {
            // `first`'s flags up to `y`, ties included, go before it.
            let run = leading(a.as_slice(), |x| anomaly_order(x, y) != Greater);
            out.extend(a.by_ref().take(run));
            out.push(y.clone());
        }
        out.extend(a);
    } else {
        let mut b = then;
        for x in first {
            // `then`'s flags strictly before `x` go before it.
            let run = leading(b, |y| anomaly_order(&x, y) == Greater);
            out.extend_from_slice(&b[..run]);
            b = &b[run..];
            out.push(x);
        }
        out.extend_from_slice(b);
    }
    out
}

/// How many of `sorted`'s first items satisfy `before` (true on a prefix, false after it):
/// `partition_point`, in about `2·log(answer)` tests instead of `log(len)`.
fn leading(sorted: &[Anomaly], before: impl Fn(&Anomaly) -> bool) -> usize {
    let mut bound = 1;
    while bound <= sorted.len() && before(&sorted[bound - 1]) {
        bound *= 2;
    }
    // All before `bound / 2` pass; `bound - 1`, if there, does not.
    let (lo, hi) = (bound / 2, (bound - 1).min(sorted.len()));
    lo + sorted[lo..hi].partition_point(before)
}

/// The order of [`sort_anomalies`].
pub fn anomaly_order(a: &Anomaly, b: &Anomaly) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| name_order(a.kind, b.kind))
        .then_with(|| shared_order(&a.region, &b.region))
        .then_with(|| shared_order(&a.precinct, &b.precinct))
}

/// `a.cmp(b)`, the same text (a kind's name, an id shared by its flags) known equal without
/// reading it, and text of different first bytes ordered without a call to compare memory.
fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    if std::ptr::eq(a, b) {
        return std::cmp::Ordering::Equal;
    }
    a.as_bytes().first().cmp(&b.as_bytes().first()).then_with(|| a.cmp(b))
}

/// The order of two optional ids (a flag's region or precinct), none first, as [`name_order`].
pub(super) fn shared_order(a: &Option<Shared>, b: &Option<Shared>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => name_order(a, b),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    /// The order as first written: the fields compared as the standard library compares them.
    fn plain_order(a: &Anomaly, b: &Anomaly) -> std::cmp::Ordering {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.kind.cmp(b.kind))
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.precinct.cmp(&b.precinct))
    }

    /// Flags with many ties (few kinds, regions and precincts), ids shared between some flags
    /// and equal but apart in others, and texts that tie on their first byte.
    fn flags(rng: &mut rand::rngs::StdRng, n: usize, shared: &[Shared]) -> Vec<Anomaly> {
        const KINDS: [&str; 5] = ["share_outlier", "stalled_region", "sum_mismatch", "", "ä_kind"];
        let id = |rng: &mut rand::rngs::StdRng| -> Option<Shared> {
            match rng.random_range(0..4) {
                0 => None,
                1 => Some(shared[rng.random_range(0..shared.len())].clone()),
                _ => Some(["r1", "r10", "r2", "s", "", "é"][rng.random_range(0..6)].into()),
            }
        };
        (0..n)
            .map(|i| {
                Flag {
                    kind: KINDS[rng.random_range(0..KINDS.len())],
                    severity: [Severity::Info, Severity::Warning, Severity::Critical][rng.random_range(0..3)],
                    precinct: id(rng),
                    region: id(rng),
                    message: format!("m{i}").into(),
                }
                .into()
            })
            .collect()
    }

    #[test]
    fn the_order_is_that_of_the_fields() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let shared: Vec<Shared> = ["r1", "r2", "P1"].map(Shared::from).to_vec();
        let list = flags(&mut rng, 300, &shared);
        for a in &list {
            for b in &list {
                assert_eq!(anomaly_order(a, b), plain_order(a, b), "{a:?} against {b:?}");
            }
        }
    }

    /// A merge is the stable sort of the two lists one after the other, whichever is longer
    /// (each list's order and, on a tie, `first`'s flag first, told apart by their messages).
    #[test]
    fn a_merge_is_the_stable_sort_of_both() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let shared: Vec<Shared> = ["r1", "r2", "P1"].map(Shared::from).to_vec();
        let sizes = [0, 1, 2, 3, 7, 40, 300];
        for round in 0..400 {
            let (m, n) = (sizes[round % sizes.len()], sizes[round / sizes.len() % sizes.len()]);
            let mut first = flags(&mut rng, m, &shared);
            let mut then = flags(&mut rng, n, &shared);
            sort_anomalies(&mut first);
            sort_anomalies(&mut then);
            let mut expected: Vec<Anomaly> = first.iter().chain(&then).cloned().collect();
            expected.sort_by(plain_order);
            let merged = merge_anomalies(first, &then);
            let messages = |v: &[Anomaly]| v.iter().map(|a| a.message.clone()).collect::<Vec<_>>();
            assert_eq!(messages(&merged), messages(&expected), "{m} into {n}");
        }
    }

    #[test]
    fn galloping_finds_the_partition_point() {
        let list: Vec<Anomaly> = (0..70)
            .map(|i| {
                Flag {
                    kind: "k",
                    severity: Severity::Info,
                    precinct: None,
                    region: None,
                    message: format!("{i}").into(),
                }
                .into()
            })
            .collect();
        for len in 0..list.len() {
            for cut in 0..=len {
                let before = |a: &Anomaly| a.message.parse::<usize>().unwrap() < cut;
                assert_eq!(leading(&list[..len], before), list[..len].partition_point(before), "{cut} of {len}");
            }
        }
    }
}
