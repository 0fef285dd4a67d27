//! What every viewer sees at one moment: an immutable picture of the count (the full
//! summary) and of what the hub knows beyond it (how the feed is run, the order anomalies came
//! in, the timeline, the call). Published behind an `Arc`: cheap to share with any number of
//! viewers, never changed once made.

use std::collections::HashMap;

use crate::engine::anomaly::Shared;
use crate::engine::count::CandidateRow;
use crate::engine::{Count, Engine};
use crate::feed::Timestamp;

use super::Summary;

/// One picture of the count.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Changes whenever anything in it changes.
    pub version: u64,
    pub summary: Summary,
    pub mode: Mode,
    /// For each of `summary.anomalies`, when it first appeared (higher is newer).
    pub anomaly_seq: Vec<u64>,
    pub timeline: Timeline,
    /// A problem every viewer should see (the manifest cannot be read, the feed directory is
    /// gone, a recording cut short…).
    pub notice: Option<String>,
    /// The projection's call and when it was made (single-winner contests).
    pub call: Option<Call>,
}

/// How the feed is run.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Following a directory as files arrive: its path, as views show it.
    Live {
        root: String,
    },
    Replay(ReplayState),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplayState {
    /// The feed clock: the moment of the feed being replayed now.
    pub clock: Option<Timestamp>,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Feed seconds per real second; `None` for as fast as it renders.
    pub speed: Option<f64>,
    pub paused: bool,
    /// Reports replayed so far, of all.
    pub position: usize,
    pub total: usize,
}

impl ReplayState {
    pub fn finished(&self) -> bool {
        self.position >= self.total
    }
}

/// Reports per minute of feed time, and the leader's share as precincts came in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// (minute start, unix seconds; reports counted that minute).
    pub per_minute: Vec<(i64, u64)>,
    /// The national leader now, and its share of valid votes after each step of precincts
    /// (in order of reported time).
    pub leader: Option<String>,
    pub leader_share: Vec<(u64, f64)>,
}

/// The projection's call, and when it was first made with the present wording.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// "projected outright win", "runoff likely" or "too early to call".
    pub call: String,
    /// The leader it concerns (candidate id).
    pub leader: Option<String>,
    /// The feed's "data as of" when it was made (RFC 3339).
    pub at: Option<String>,
    /// Share of the electorate's precincts (by registered voters) reported then.
    pub reported: f64,
}

/// The national leader ([`Engine::leader`]): its row in the summary and its index in the
/// engine's candidates.
pub fn leader<'a>(engine: &Engine, summary: &'a Count) -> (Option<&'a CandidateRow>, Option<usize>) {
    let index = engine.leader();
    let row = index.and_then(|i| summary.candidates.iter().find(|c| c.id == engine.candidates()[i].id));
    (row, index)
}

/// Remembers when each anomaly first appeared, so panels can list the newest first.
#[derive(Debug, Default)]
pub struct AnomalyClock {
    seen: HashMap<(&'static str, Option<Shared>, Option<Shared>), u64>,
    next: u64,
}

impl AnomalyClock {
    pub fn stamp(&mut self, summary: &Summary) -> Vec<u64> {
        let mut now = HashMap::with_capacity(summary.anomalies.len());
        // Everything new in this view shares one number: arrival order within a view is not
        // known, and severity orders them there.
        self.next += 1;
        let seqs = summary
            .anomalies
            .iter()
            .map(|a| {
                let key = (a.kind, a.precinct.clone(), a.region.clone());
                let seq = self.seen.get(&key).copied().unwrap_or(self.next);
                now.insert(key, seq);
                seq
            })
            .collect();
        self.seen = now;
        seqs
    }
}
