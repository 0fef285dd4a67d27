//! The headless event stream: one JSON object a line, each with an `event` field.
//!
//! Sized for a consumer following a national feed: what changes in long lists (anomalies,
//! rejections, held precincts) travels as its own events, once; each region's row as a
//! `region` event when it changed (at most once a second per region); the projection and the
//! statistics' status when they changed; and `totals` — the national figures and the
//! candidates, with the lists' lengths — at most ten times a second. Nothing is dropped:
//! folding the events in order gives exactly the `tally --json` summary of the same state
//! (docs/FEED-FORMAT.md §10).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::engine::anomaly::{Anomaly, Shared};
use crate::engine::count::{CandidateRow, ElectionInfo, Held, RegionRow, Rejected};
use crate::hub::Summary;

/// At most this many `totals` events a second.
pub const TOTALS_PER_SECOND: u32 = 10;
/// Each region's row at most once in this long.
pub const REGION_GAP: Duration = Duration::from_secs(1);

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    event: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

/// Writes one event line.
pub fn write_event<T: Serialize>(out: &mut impl Write, event: &str, body: &T) -> std::io::Result<()> {
    crate::text::json::write(&mut *out, &Tagged { event, body })?;
    out.write_all(b"\n")
}

/// How long the lists are that travel as events of their own.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub anomalies: usize,
    pub rejected: usize,
    pub held: usize,
}

/// The body of a `totals` event: the national figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Totals {
    pub precincts_reporting: u64,
    pub precincts_expected: Option<u64>,
    pub registered: u64,
    pub registered_expected: Option<u64>,
    pub ballots: u64,
    pub invalid: u64,
    pub valid: u64,
    pub turnout: Option<f64>,
    pub as_of: Option<String>,
    pub candidates: Vec<CandidateRow>,
    pub counts: Counts,
}

impl Totals {
    pub fn of(s: &Summary) -> Totals {
        Totals {
            precincts_reporting: s.precincts_reporting,
            precincts_expected: s.precincts_expected,
            registered: s.registered,
            registered_expected: s.registered_expected,
            ballots: s.ballots,
            invalid: s.invalid,
            valid: s.valid,
            turnout: s.turnout,
            as_of: s.as_of.clone(),
            candidates: s.candidates.clone(),
            counts: Counts { anomalies: s.anomalies.len(), rejected: s.rejected.len(), held: s.held.len() },
        }
    }
}

#[derive(Serialize)]
struct RegionGone<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct Message<'a> {
    message: &'a str,
}

/// Announces what changed in a set: `cleared` events for what left it, `event` for what came.
fn diff<T: Serialize + Eq + std::hash::Hash + Ord + Clone>(
    out: &mut impl Write,
    event: &str,
    cleared: &str,
    known: &mut HashSet<T>,
    now: &[T],
) -> std::io::Result<()> {
    let current: HashSet<&T> = now.iter().collect();
    let mut gone: Vec<&T> = known.iter().filter(|a| !current.contains(a)).collect();
    gone.sort();
    for a in gone {
        write_event(out, cleared, a)?;
    }
    for a in now {
        if !known.contains(a) {
            write_event(out, event, a)?;
        }
    }
    *known = now.iter().cloned().collect();
    Ok(())
}

/// Remembers what was already told, so that each thing is told once, when it changed.
#[derive(Default)]
pub struct Announcer {
    election: Option<ElectionInfo>,
    /// By what they are about (kind, region, precinct): a new message is an update.
    anomalies: HashMap<(&'static str, Option<Shared>, Option<Shared>), Anomaly>,
    rejected: HashSet<Rejected>,
    held: HashSet<Held>,
    /// Each region's row as last told, and when.
    regions: HashMap<String, (RegionRow, Instant)>,
    /// Rows changed since, waiting for their region's turn.
    regions_due: BTreeMap<String, RegionRow>,
    forensics: Option<serde_json::Value>,
    projection: Option<serde_json::Value>,
    totals: Option<Totals>,
    /// A newer `totals` waiting for its turn, and when the last one went.
    totals_due: Option<Totals>,
    last_totals: Option<Instant>,
    error: Option<String>,
}

impl Announcer {
    /// Writes the events for what changed in `s` (and, with `flush`, everything still waiting
    /// for its turn). Returns whether anything was written.
    pub fn announce(&mut self, out: &mut impl Write, s: &Summary, now: Instant, flush: bool) -> std::io::Result<()> {
        if self.election.as_ref() != Some(&s.election) {
            write_event(out, "election", &s.election)?;
            self.election = Some(s.election.clone());
        }
        self.anomalies(out, &s.anomalies)?;
        diff(out, "rejected", "rejected_cleared", &mut self.rejected, &s.rejected)?;
        diff(out, "held", "held_cleared", &mut self.held, &s.held)?;
        // Regions: a row that changed is told at once unless its region was told less than a
        // second ago; then it waits (and only its newest row goes).
        let ids: HashSet<&str> = s.regions.iter().map(|r| &*r.id).collect();
        let mut gone: Vec<String> = self.regions.keys().filter(|k| !ids.contains(k.as_str())).cloned().collect();
        gone.sort();
        for id in gone {
            self.regions.remove(&id);
            self.regions_due.remove(&id);
            write_event(out, "region_cleared", &RegionGone { id: &id })?;
        }
        for r in &s.regions {
            match self.regions.get(&*r.id) {
                Some((told, _)) if told == r => {
                    self.regions_due.remove(&*r.id);
                }
                _ => {
                    self.regions_due.insert(r.id.to_string(), r.clone());
                }
            }
        }
        self.send_regions(out, now, flush)?;
        let forensics = s.forensics.as_ref().map(|f| serde_json::to_value(f).unwrap_or_default());
        if let Some(f) = &forensics
            && forensics != self.forensics
        {
            write_event(out, "forensics", f)?;
            self.forensics = forensics;
        }
        let projection = s.projection.as_ref().map(|p| serde_json::to_value(p).unwrap_or_default());
        if projection != self.projection {
            if let Some(p) = &projection {
                write_event(out, "projection", p)?;
            }
            self.projection = projection;
        }
        let totals = Totals::of(s);
        if self.totals.as_ref() != Some(&totals) {
            self.totals_due = Some(totals);
        } else {
            self.totals_due = None;
        }
        self.send_totals(out, now, flush)
    }

    /// `anomaly_cleared` for the anomalies that stopped applying, `anomaly` for new ones and
    /// for those whose message or severity changed (the same kind, region and precinct: it
    /// replaces the one told before).
    fn anomalies(&mut self, out: &mut impl Write, now: &[Anomaly]) -> std::io::Result<()> {
        let key = |a: &Anomaly| (a.kind, a.region.clone(), a.precinct.clone());
        let current: HashSet<_> = now.iter().map(key).collect();
        let mut gone: Vec<&Anomaly> =
            self.anomalies.iter().filter(|(k, _)| !current.contains(*k)).map(|(_, a)| a).collect();
        gone.sort();
        for a in gone {
            write_event(out, "anomaly_cleared", a)?;
        }
        let mut told = HashMap::with_capacity(now.len());
        for a in now {
            if self.anomalies.get(&key(a)) != Some(a) {
                write_event(out, "anomaly", a)?;
            }
            told.insert(key(a), a.clone());
        }
        self.anomalies = told;
        Ok(())
    }

    fn send_regions(&mut self, out: &mut impl Write, now: Instant, flush: bool) -> std::io::Result<()> {
        let ready: Vec<String> = self
            .regions_due
            .keys()
            .filter(|id| flush || self.regions.get(*id).is_none_or(|(_, at)| now >= *at + REGION_GAP))
            .cloned()
            .collect();
        for id in ready {
            let row = self.regions_due.remove(&id).expect("listed");
            write_event(out, "region", &row)?;
            self.regions.insert(id, (row, now));
        }
        Ok(())
    }

    fn send_totals(&mut self, out: &mut impl Write, now: Instant, flush: bool) -> std::io::Result<()> {
        let gap = Duration::from_secs(1) / TOTALS_PER_SECOND;
        if self.totals_due.is_some() && (flush || self.last_totals.is_none_or(|t| now >= t + gap)) {
            let t = self.totals_due.take().expect("checked");
            write_event(out, "totals", &t)?;
            self.totals = Some(t);
            self.last_totals = Some(now);
        }
        Ok(())
    }

    /// Writes what waited for its turn and whose turn has come.
    pub fn catch_up(&mut self, out: &mut impl Write, now: Instant) -> std::io::Result<()> {
        self.send_regions(out, now, false)?;
        self.send_totals(out, now, false)
    }

    /// When something waiting for its turn is due.
    pub fn deadline(&self) -> Option<Instant> {
        let gap = Duration::from_secs(1) / TOTALS_PER_SECOND;
        let totals = self.totals_due.as_ref().map(|_| self.last_totals.map_or_else(Instant::now, |t| t + gap));
        let regions =
            self.regions_due.keys().filter_map(|id| self.regions.get(id).map(|(_, at)| *at + REGION_GAP)).min();
        [totals, regions].into_iter().flatten().min()
    }

    /// Says the feed's trouble (`error`), or that it is over (`error_cleared`), when it changed.
    pub fn error(&mut self, out: &mut impl Write, error: Option<String>) -> std::io::Result<()> {
        if error == self.error {
            return Ok(());
        }
        if let Some(old) = &self.error {
            write_event(out, "error_cleared", &Message { message: old })?;
        }
        if let Some(e) = &error {
            write_event(out, "error", &Message { message: e })?;
        }
        self.error = error;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fold_back_to_the_summary() {
        // Two summaries: the second moves a region, clears an anomaly and adds a rejection.
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("election.json"),
            r#"{"id":"t","candidates":[{"id":"a"},{"id":"b"}],"regions":[{"id":"n"},{"id":"s"}]}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("1.json"),
            r#"{"precinct":"P1","region":"n","registered":100,"ballots":120,"votes":{"a":100,"b":20}}"#,
        )
        .unwrap();
        let spec = crate::source::FeedSpec::open(d, None, 1 << 20).unwrap();
        let first = Summary::from(crate::hub::load(&spec).count());
        std::fs::write(
            d.join("1.json"),
            r#"{"precinct":"P1","region":"n","registered":100,"ballots":60,"votes":{"a":40,"b":20}}"#,
        )
        .unwrap();
        std::fs::write(d.join("2.json"), "nope").unwrap();
        let second = Summary::from(crate::hub::load(&spec).count());
        let mut a = Announcer::default();
        let mut out = Vec::new();
        let t0 = Instant::now();
        a.announce(&mut out, &first, t0, false).unwrap();
        // Within the same second: the region and the totals wait their turn…
        a.announce(&mut out, &second, t0 + Duration::from_millis(50), false).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert_eq!(text.matches("\"event\":\"region\"").count(), 2, "{text}");
        assert!(a.deadline().is_some());
        // …and go when it comes.
        a.catch_up(&mut out, t0 + Duration::from_secs(2)).unwrap();
        let events: Vec<serde_json::Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let kinds: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"anomaly_cleared") && kinds.contains(&"rejected"), "{kinds:?}");
        let last_n = events.iter().rev().find(|e| e["event"] == "region" && e["id"] == "n").unwrap();
        assert_eq!(last_n["ballots"], 60);
        let totals = events.iter().rev().find(|e| e["event"] == "totals").unwrap();
        assert_eq!(totals["ballots"], 60);
        assert_eq!(totals["counts"]["rejected"], 1);
        assert!(a.deadline().is_none());
    }
}
