//! What a dashboard shows at one moment: an immutable, cheaply shared picture of the engine
//! (its summary) plus what the session knows beyond it (the clock, the order anomalies came
//! in, the timeline) and the details the viewer asked for (a region's precincts, a precinct's
//! reports).

use std::collections::HashMap;

use crate::engine::{Engine, Summary};
use crate::feed::Timestamp;

/// How the session runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Following a directory as files arrive.
    Live,
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

/// One precinct as the region drill-down lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecinctRow {
    pub id: String,
    pub registered: u64,
    pub ballots: u64,
    pub invalid: u64,
    pub valid: u64,
    /// The leading candidate's id and votes.
    pub leader: Option<(String, u64)>,
    pub held: bool,
    pub flags: usize,
    pub revision: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegionDetail {
    pub id: String,
    pub name: String,
    pub precincts: Vec<PrecinctRow>,
    /// Counted precincts by turnout, in 5-point bins (0–5%, …, 95–100%, over 100%).
    pub turnout_bins: [u64; 21],
}

/// One report of a precinct, as the detail view sets them side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportColumn {
    pub source: String,
    pub revision: u32,
    pub reported_at: Option<String>,
    pub registered: u64,
    pub ballots: u64,
    pub invalid: u64,
    /// Votes in candidate order of the summary's candidate list.
    pub votes: Vec<u64>,
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrecinctDetail {
    pub id: String,
    pub region: Option<String>,
    pub reports: Vec<ReportColumn>,
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

/// What the viewer wants details of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Focus {
    pub region: Option<String>,
    pub precinct: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Changes whenever anything shown changes.
    pub version: u64,
    pub summary: Summary,
    pub mode: Mode,
    /// For each of `summary.anomalies`, when it first appeared (higher is newer).
    pub anomaly_seq: Vec<u64>,
    pub timeline: Timeline,
    pub region: Option<RegionDetail>,
    pub precinct: Option<PrecinctDetail>,
    /// A problem the viewer should see (e.g. the manifest changed and cannot be read).
    pub notice: Option<String>,
    /// The projection's call and when it was made (single-winner contests).
    pub call: Option<Call>,
}

/// Builds the drill-down of a region.
pub fn region_detail(engine: &Engine, id: &str) -> Option<RegionDetail> {
    let r = engine.region_index(id)?;
    let meta = &engine.regions()[r as usize];
    let mut rows = Vec::new();
    let mut bins = [0u64; 21];
    for p in engine.precincts() {
        if p.region() != Some(r) {
            continue;
        }
        let counted = p.counted();
        let (registered, ballots, invalid, valid) = counted
            .map_or((0, 0, 0, 0), |c| (u64::from(c.registered), u64::from(c.ballots), u64::from(c.invalid), c.valid()));
        let leader = counted.and_then(|c| {
            let (i, v) = c.votes.iter().enumerate().max_by_key(|(i, v)| (**v, std::cmp::Reverse(*i)))?;
            Some((engine.candidates()[i].id.clone(), u64::from(*v)))
        });
        if counted.is_some() && registered > 0 {
            bins[((ballots * 20 / registered) as usize).min(20)] += 1;
        }
        rows.push(PrecinctRow {
            id: p.id.to_string(),
            registered,
            ballots,
            invalid,
            valid,
            leader,
            held: p.is_held(),
            flags: p.flags.count_ones() as usize,
            revision: p.max_revision().unwrap_or(0),
        });
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    Some(RegionDetail { id: meta.id.clone(), name: meta.name.clone(), precincts: rows, turnout_bins: bins })
}

/// Builds the reports of a precinct, side by side, in revision order.
pub fn precinct_detail(engine: &Engine, summary: &Summary, id: &str) -> Option<PrecinctDetail> {
    let p = engine.precinct(id)?;
    let order: Vec<usize> =
        summary.candidates.iter().filter_map(|c| engine.candidates().iter().position(|m| m.id == c.id)).collect();
    let counted = p.counted().map(|c| c as *const _);
    let mut reports: Vec<ReportColumn> = p
        .history()
        .into_iter()
        .map(|e| ReportColumn {
            source: e.loc.source(engine.file_path(e.file)),
            revision: e.revision,
            reported_at: e.explicit_time.then(|| e.reported_at.to_rfc3339()),
            registered: e.registered.into(),
            ballots: e.ballots.into(),
            invalid: e.invalid.into(),
            votes: order.iter().map(|&c| u64::from(e.vote(c))).collect(),
            counted: counted == Some(e as *const _),
        })
        .collect();
    reports.dedup_by(|a, b| a == b);
    let region = p.region().map(|r| engine.regions()[r as usize].id.clone());
    Some(PrecinctDetail { id: id.to_string(), region, reports })
}

/// Reports per minute and the leader's running share, from the counted reports.
pub fn timeline(engine: &Engine, summary: &Summary) -> Timeline {
    let mut counted: Vec<(Timestamp, &[u32])> =
        engine.precincts().iter().filter_map(|p| p.counted()).map(|e| (e.reported_at, &*e.votes)).collect();
    counted.sort_by_key(|(t, _)| *t);
    let mut per_minute: Vec<(i64, u64)> = Vec::new();
    for (t, _) in &counted {
        let minute = t.unix.div_euclid(60) * 60;
        match per_minute.last_mut() {
            Some((m, n)) if *m == minute => *n += 1,
            _ => per_minute.push((minute, 1)),
        }
    }
    let leader = summary.candidates.first().filter(|c| c.votes > 0);
    let leader_index = leader.and_then(|l| engine.candidates().iter().position(|m| m.id == l.id));
    let mut leader_share = Vec::new();
    if let Some(li) = leader_index {
        let step = (counted.len() / 200).max(1);
        let (mut lv, mut valid) = (0u64, 0u64);
        for (i, (_, votes)) in counted.iter().enumerate() {
            lv += u64::from(votes.get(li).copied().unwrap_or(0));
            valid += votes.iter().map(|&v| u64::from(v)).sum::<u64>();
            if (i + 1) % step == 0 || i + 1 == counted.len() {
                leader_share.push(((i + 1) as u64, if valid > 0 { lv as f64 / valid as f64 } else { 0.0 }));
            }
        }
    }
    Timeline { per_minute, leader: leader.map(|l| l.id.clone()), leader_share }
}

/// Remembers when each anomaly first appeared, so panels can list the newest first.
#[derive(Debug, Default)]
pub struct AnomalyClock {
    seen: HashMap<(&'static str, Option<String>, Option<String>), u64>,
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
