//! Replaying a saved feed in the order its reports were made, on a feed clock that runs at a
//! chosen speed, with pause, single steps and seeking: a source like a watched directory, it
//! hands on changes (and owns no state but its position). Seeking back starts a new count and
//! hands everything on again up to the new moment (fast: applying a report costs
//! O(candidates)).

use std::time::Instant;

use rayon::prelude::*;

use crate::feed::{Batch, Change, Loc, Timestamp};

use super::live::Out;
use crate::source::record::{Op, Recording};
use crate::source::{FeedSpec, cold};

/// The speed that makes a whole night last about this many seconds by default.
pub const DEFAULT_REPLAY_SECONDS: f64 = 120.0;

/// One thing that happens in a replay: a report arrives (or is refused), or a file's reports
/// are withdrawn (replays of `watch --record` logs).
#[derive(Debug, Clone)]
pub struct Arrival {
    /// When it happens, in feed time (unix seconds).
    pub at: f64,
    pub file: usize,
    pub op: Op,
}

/// A feed laid out in arrival order.
#[derive(Debug, Default)]
pub struct Script {
    pub files: Vec<String>,
    pub arrivals: Vec<Arrival>,
    /// Rejections, by file; shown from the start (they have no time of their own).
    pub rejections: Vec<(usize, Batch)>,
    /// A recording plays at real time by default; a feed in about two minutes.
    pub recorded: bool,
    /// Said while it plays (a recording cut short).
    pub notice: Option<String>,
}

impl Script {
    /// Reads a feed and orders its reports by `reported_at`. A report without one keeps its
    /// place in its file: it comes with the report before it (or at the very start).
    pub fn load(spec: &FeedSpec) -> Script {
        let scan = spec.scan().unwrap_or_else(|e| crate::feed::scan::Scan {
            refused: vec![crate::feed::scan::Refused {
                rel: "./".into(),
                reason: format!("cannot read the feed: {}", crate::feed::io_reason(&e)),
            }],
            ..Default::default()
        });
        let files = &scan.files;
        let mut batches: Vec<Batch> = files.par_iter().map(|f| cold::read_finished(f, &spec.schema)).collect();
        let mut names: Vec<String> = files.iter().map(|f| f.rel.clone()).collect();
        for r in &scan.refused {
            names.push(r.rel.clone());
            batches.push(Batch::rejected(crate::feed::Loc::Whole, r.reason.clone()));
        }
        let mut script = Script { files: names, ..Default::default() };
        let start = batches
            .iter()
            .flat_map(|b| b.reports.iter().filter_map(|(_, r)| r.reported_at.map(|t| t.unix)))
            .min()
            .unwrap_or(0);
        for (file, batch) in batches.into_iter().enumerate() {
            let mut at = start;
            for (loc, report) in batch.reports {
                if let Some(t) = report.reported_at {
                    at = t.unix;
                }
                script.arrivals.push(Arrival { at: at as f64, file, op: Op::Report(loc, report) });
            }
            if !batch.rejections.is_empty() {
                script.rejections.push((file, Batch { reports: Vec::new(), rejections: batch.rejections }));
            }
        }
        // Stable: same time keeps file order, then place in the file.
        script.arrivals.sort_by(|a, b| a.at.total_cmp(&b.at));
        script
    }

    /// A `watch --record` log: every operation at the moment it happened.
    pub fn from_recording(rec: Recording) -> Script {
        let mut script = Script { recorded: true, notice: rec.cut_short, ..Default::default() };
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (at, source, op) in rec.ops {
            let file = *index.entry(source.clone()).or_insert_with(|| {
                script.files.push(source);
                script.files.len() - 1
            });
            script.arrivals.push(Arrival { at, file, op });
        }
        script
    }

    pub fn first(&self) -> Option<f64> {
        self.arrivals.first().map(|a| a.at)
    }

    pub fn last(&self) -> Option<f64> {
        self.arrivals.last().map(|a| a.at)
    }

    /// The default speed: real time for a recording; otherwise the whole feed in about
    /// [`DEFAULT_REPLAY_SECONDS`].
    pub fn default_speed(&self) -> f64 {
        if self.recorded {
            return 1.0;
        }
        match (self.first(), self.last()) {
            (Some(a), Some(b)) if b > a => ((b - a) / DEFAULT_REPLAY_SECONDS).max(1.0),
            _ => 1.0,
        }
    }
}

/// The replay: a script, how far it has been applied, and the feed clock.
pub struct Replay {
    spec: FeedSpec,
    script: Script,
    /// Arrivals applied so far.
    position: usize,
    /// Feed seconds per real second; `None` = as fast as possible.
    speed: Option<f64>,
    paused: bool,
    /// The feed clock is `anchor_feed + (now - anchor_real) * speed` while running.
    anchor_real: Instant,
    anchor_feed: f64,
}

/// How many reports one step applies at most when running as fast as possible (so the view
/// keeps refreshing during a fast replay).
const MAX_CHUNK: usize = 5_000;

impl Replay {
    pub fn new(spec: FeedSpec, script: Script, speed: Option<f64>) -> Replay {
        let start = script.first().unwrap_or(0.0) - 1.0;
        Replay { spec, script, position: 0, speed, paused: false, anchor_real: Instant::now(), anchor_feed: start }
    }

    /// Hands on the start of the replay: a new count under the manifest, and the refusals
    /// (they have no time of their own, so they stand from the start).
    pub fn start(&mut self, out: Out) {
        let at = Timestamp { unix: 0, offset_seconds: 0 };
        out(Change::Reset(self.spec.manifest.clone().map(Box::new)), at);
        for (file, batch) in &self.script.rejections {
            let b = Batch { reports: Vec::new(), rejections: batch.rejections.clone() };
            out(Change::Replace { source: self.script.files[*file].clone(), from: Loc::Whole, batch: b }, at);
        }
        self.position = 0;
    }

    pub fn spec(&self) -> &FeedSpec {
        &self.spec
    }

    pub fn position(&self) -> usize {
        self.position
    }

    pub fn total(&self) -> usize {
        self.script.arrivals.len()
    }

    pub fn speed(&self) -> Option<f64> {
        self.speed
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn finished(&self) -> bool {
        self.position >= self.total()
    }

    /// The feed clock now. It stops at the last report: a replay that has ended waits there
    /// (so that seeking back from the end moves at once), as fast as it went.
    pub fn clock(&self, now: Instant) -> f64 {
        let clock = match (self.paused, self.speed) {
            (false, Some(speed)) => self.anchor_feed + now.duration_since(self.anchor_real).as_secs_f64() * speed,
            (false, None) => return f64::INFINITY,
            (true, _) => self.anchor_feed,
        };
        self.not_past_the_end(clock)
    }

    /// `t`, or the last report's time if `t` is later.
    fn not_past_the_end(&self, t: f64) -> f64 {
        match self.script.last() {
            Some(last) if t > last => last,
            _ => t,
        }
    }

    fn reanchor(&mut self, now: Instant) {
        let clock = self.clock(now);
        self.anchor_feed = if clock.is_finite() { clock } else { self.current_time() };
        self.anchor_real = now;
    }

    /// The time of the last report applied (or just before the first).
    pub fn current_time(&self) -> f64 {
        match self.position.checked_sub(1) {
            Some(i) => self.script.arrivals[i].at,
            None => self.script.first().unwrap_or(0.0) - 1.0,
        }
    }

    /// Hands on the arrivals up to `upto` (of all).
    fn apply(&mut self, upto: usize, out: Out) {
        let upto = upto.min(self.total());
        while self.position < upto {
            let a = &self.script.arrivals[self.position];
            let seen = Timestamp { unix: a.at.floor() as i64, offset_seconds: 0 };
            let source = || self.script.files[a.file].clone();
            let change = match &a.op {
                // A report or a refusal takes its place, replacing what was there.
                Op::Report(loc, report) => Change::Set { source: source(), at: *loc, entry: Ok(report.clone()) },
                Op::Rejected(loc, error) => Change::Set { source: source(), at: *loc, entry: Err(error.clone()) },
                Op::Drop(loc) => Change::Drop { source: source(), at: *loc },
                Op::Withdraw(from) => Change::Replace { source: source(), from: *from, batch: Batch::default() },
                Op::Manifest(m) => Change::Reset(m.clone()),
            };
            out(change, seen);
            self.position += 1;
        }
    }

    /// Applies everything due by the feed clock; returns whether anything was applied.
    pub fn advance(&mut self, now: Instant, out: Out) -> bool {
        if self.paused || self.finished() {
            return false;
        }
        let before = self.position;
        match self.speed {
            None => self.apply(self.position + MAX_CHUNK, out),
            Some(_) => {
                let clock = self.clock(now);
                let due = self.script.arrivals[self.position..].partition_point(|a| a.at <= clock);
                self.apply(self.position + due, out);
            }
        }
        self.position != before
    }

    /// When the next report is due, if the replay is running at a finite speed.
    pub fn next_due(&self) -> Option<Instant> {
        let speed = self.speed?;
        if self.paused || self.finished() {
            return None;
        }
        let at = self.script.arrivals[self.position].at;
        let wait = ((at - self.anchor_feed) / speed).max(0.0);
        Some(self.anchor_real + std::time::Duration::from_secs_f64(wait.min(3600.0)))
    }

    pub fn toggle_pause(&mut self, now: Instant) {
        self.reanchor(now);
        self.paused = !self.paused;
    }

    /// Multiplies the speed (by 2 or by ½); from "max" going slower returns to the default.
    pub fn change_speed(&mut self, factor: f64, now: Instant) {
        self.reanchor(now);
        self.speed = match self.speed {
            Some(s) => Some((s * factor).clamp(0.01, 1e7)),
            None if factor < 1.0 => Some(self.script.default_speed()),
            None => None,
        };
    }

    /// Applies exactly one more report and pauses there.
    pub fn step(&mut self, now: Instant, out: Out) {
        self.apply(self.position + 1, out);
        self.paused = true;
        self.anchor_feed = self.current_time();
        self.anchor_real = now;
    }

    /// Moves the feed clock by `seconds` (negative: back, rebuilding from the start).
    pub fn seek(&mut self, seconds: f64, now: Instant, out: Out) {
        let clock = self.clock(now);
        let target = if clock.is_finite() { clock } else { self.current_time() } + seconds;
        let target = self.not_past_the_end(target);
        let upto = self.script.arrivals.partition_point(|a| a.at <= target);
        if upto < self.position {
            self.start(out);
        }
        self.apply(upto, out);
        self.anchor_feed = target;
        self.anchor_real = now;
    }

    /// A twentieth of the feed's span: one seek step.
    pub fn seek_step(&self) -> f64 {
        match (self.script.first(), self.script.last()) {
            (Some(a), Some(b)) if b > a => (b - a) / 20.0,
            _ => 60.0,
        }
    }

    pub fn bounds(&self) -> (Option<f64>, Option<f64>) {
        (self.script.first(), self.script.last())
    }

    /// Applies the script up to `position` arrivals (forward only).
    pub fn advance_to(&mut self, position: usize, out: Out) {
        self.apply(position, out);
    }

    /// The arrivals, in order.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// Runs to the end at once.
    pub fn finish(&mut self, out: Out) {
        self.apply(self.total(), out);
    }
}
