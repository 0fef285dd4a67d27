//! The state the hub thread owns: the one engine, the analysis of it, the recording of what
//! changed, and what the snapshots carry beyond the count (when anomalies first appeared, the
//! timeline, the call).

use std::time::Instant;

use crate::analysis::Cache;
use crate::engine::Engine;
use crate::feed::{Change, Timestamp};
use crate::source::record::Recorder;

use super::driver::Driver;
use super::snapshot::{AnomalyClock, Call, Snapshot};
use super::summary::{Summary, summarize};
use super::timeline::KeptTimeline;

pub struct Core {
    pub engine: Engine,
    pub analysis: Cache,
    recorder: Option<Recorder>,
    /// Set when the recording failed (and stopped).
    record_error: Option<String>,
    anomalies: AnomalyClock,
    call: Option<Call>,
    /// The timeline, kept with the engine's changes.
    timeline: KeptTimeline,
    /// Bumped by what snapshots show that the engine's version does not cover.
    extra: u64,
}

impl Core {
    pub fn new(analysis: Cache, recorder: Option<Recorder>) -> Core {
        Core {
            engine: Engine::new(None),
            analysis,
            recorder,
            record_error: None,
            anomalies: AnomalyClock::default(),
            call: None,
            timeline: KeptTimeline::default(),
            extra: 0,
        }
    }

    /// Applies (and records) what a source handed on.
    pub fn apply(&mut self, change: Change, seen: Timestamp) {
        if let Some(r) = &mut self.recorder
            && let Err(e) = r.record(&change)
        {
            self.record_error = Some(format!("recording stopped: {e:#}"));
            self.recorder = None;
        }
        self.engine.apply(change, seen);
    }

    /// Notes that something shown changed that the engine's version does not cover.
    pub fn touch(&mut self) {
        self.extra += 1;
    }

    /// A number that changes whenever a new snapshot would differ.
    pub fn version(&self) -> u64 {
        self.engine.version().wrapping_mul(1_000_003).wrapping_add(self.extra)
    }

    /// Whether the statistics are owed a fresh run (then the next snapshot carries it).
    pub fn refresh_statistics(&mut self) {
        if self.analysis.owed(&self.engine) {
            self.extra += 1;
        }
    }

    /// The summary as of now (`force`: the analysis run now, whatever its rate limit).
    pub fn summary(&mut self, force: bool) -> Summary {
        summarize(&self.engine, &mut self.analysis, force)
    }

    /// A picture of everything, for every viewer. `force` runs the analysis now (the end of a
    /// replay, the last word of a run).
    pub fn snapshot(&mut self, driver: &Driver, now: Instant, force: bool) -> Snapshot {
        let version = self.version();
        let summary = self.summary(force);
        let anomaly_seq = self.anomalies.stamp(&summary);
        self.call = track_call(self.call.take(), &summary);
        // (What changed is taken in, not the whole count sorted; nothing, if nothing did.)
        let timeline = self.timeline.read(&self.engine, &summary).clone();
        // A baseline that matches little of this election is said on every screen, not only
        // by `tally`.
        let baseline = summary.baseline_warning().map(|w| format!("--baseline: {w}"));
        let notice = [driver.notice(), self.record_error.clone(), baseline].into_iter().flatten().collect::<Vec<_>>();
        Snapshot {
            version,
            mode: driver.mode(now, self.feed_offset()),
            summary,
            anomaly_seq,
            timeline,
            notice: (!notice.is_empty()).then(|| notice.join("; ")),
            call: self.call.clone(),
        }
    }

    /// The UTC offset feed times are shown in: the first region's, else UTC.
    fn feed_offset(&self) -> i32 {
        self.engine
            .manifest()
            .and_then(|m| m.regions.first())
            .and_then(|r| r.utc_offset.as_deref())
            .and_then(|o| crate::feed::manifest::parse_offset(o).ok())
            .map_or(0, |o| o.whole_seconds())
    }
}

/// The call of the projection in `summary`, keeping when it was made while its wording (and
/// the leader it concerns) stays the same. A projection withdrawn (waiting again, or a
/// replay rewound) withdraws the call.
pub fn track_call(last: Option<Call>, summary: &Summary) -> Option<Call> {
    let p = summary.projection.as_ref()?;
    let call = p.call.clone()?;
    let leader = p.candidates.first().map(|c| c.id.clone());
    match last {
        Some(l) if l.call == call && l.leader == leader => Some(l),
        _ => Some(Call { call, leader, at: summary.as_of.clone(), reported: p.reported_fraction }),
    }
}
