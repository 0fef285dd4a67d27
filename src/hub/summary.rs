//! The full summary: the engine's count, with the statistics' flags and status and the
//! projection — assembled here, downstream of both (the engine knows nothing of the
//! analysis). It is what `tally --json` prints, what the event stream tells piece by piece and
//! what every view shows; `#[serde(flatten)]` keeps the count's fields at the top level.

use serde::Serialize;

use crate::analysis::projection::Projection;
use crate::analysis::{Cache, Forensics};
use crate::engine::{Count, Engine};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    #[serde(flatten)]
    pub count: Count,
    /// The statistical tests' status (which regions have enough precincts to be judged), once
    /// they ran; their flags are in `anomalies`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forensics: Option<Forensics>,
    /// The projected final result with 90% intervals (needs the manifest's registered voters
    /// per region).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection: Option<Projection>,
}

/// A count not analysed (yet): no statistics, no projection.
impl From<Count> for Summary {
    fn from(count: Count) -> Summary {
        Summary { count, forensics: None, projection: None }
    }
}

impl Summary {
    /// What a `--baseline` that matches few of the reported precincts warns, if it does.
    pub fn baseline_warning(&self) -> Option<&str> {
        self.projection.as_ref()?.baseline.as_ref()?.warning.as_deref()
    }
}

/// The count's fields read through the summary (`summary.candidates`).
impl std::ops::Deref for Summary {
    type Target = Count;
    fn deref(&self) -> &Count {
        &self.count
    }
}

/// The engine's count with the analysis of it. Time-dependent flags (stalled regions) are
/// judged on the feed's own clock — its "data as of", the latest report — so a live session,
/// a replay and a tally of the same reports say the same. `force` ignores the analysis's
/// once-a-second limit (a final or one-off summary).
pub fn summarize(engine: &Engine, analysis: &mut Cache, force: bool) -> Summary {
    let mut count = engine.count();
    let now = count.as_of_unix();
    let forensics = analysis.get(engine, now, force).clone();
    count.add_flags(&forensics.anomalies);
    Summary { count, forensics: Some(forensics), projection: analysis.projection().cloned() }
}
