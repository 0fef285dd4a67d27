//! The summary views read: totals, candidates, regions, held precincts, anomalies and
//! rejections, in a stable order. It is what `tally --json` prints and each `totals` event
//! carries.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::feed::Loc;
use crate::feed::manifest::Contest;
use crate::text::{percent1, thousands};

use super::anomaly::{Anomaly, Kind};
use super::precinct::{Entry, Precinct};
use super::totals::{Totals, ratio};
use super::{Engine, seats};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ElectionInfo {
    pub id: Option<String>,
    pub name: Option<String>,
    pub contest: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub majority: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CandidateRow {
    pub id: String,
    pub name: String,
    pub votes: u64,
    /// Votes over valid votes (0–1); null before any valid vote.
    pub share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Party-list: seats on the counted result so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegionRow {
    pub id: String,
    pub name: String,
    pub precincts_reporting: u64,
    pub precincts_expected: Option<u64>,
    pub registered: u64,
    pub registered_expected: Option<u64>,
    pub ballots: u64,
    pub invalid: u64,
    pub valid: u64,
    pub turnout: Option<f64>,
    pub votes: BTreeMap<String, u64>,
    /// The candidate with the most votes, and its lead over the runner-up in votes.
    pub leader: Option<String>,
    pub margin: Option<u64>,
    /// Anomalies in the region (integrity and, once forensics ran, statistical).
    pub anomalies: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Held {
    pub precinct: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rejected {
    pub source: String,
    pub error: String,
}

/// The whole state as views see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub election: ElectionInfo,
    pub precincts_reporting: u64,
    pub precincts_expected: Option<u64>,
    pub registered: u64,
    pub registered_expected: Option<u64>,
    pub ballots: u64,
    pub invalid: u64,
    pub valid: u64,
    pub turnout: Option<f64>,
    /// The latest `reported_at` among counted reports (RFC 3339), the "data as of".
    pub as_of: Option<String>,
    pub candidates: Vec<CandidateRow>,
    pub regions: Vec<RegionRow>,
    pub held: Vec<Held>,
    pub anomalies: Vec<Anomaly>,
    pub rejected: Vec<Rejected>,
    /// The statistical tests' status (which regions have enough precincts to be judged), once
    /// forensics ran; their flags are in `anomalies`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forensics: Option<crate::analysis::Forensics>,
    /// The projected final result with 90% intervals (needs the manifest's registered voters
    /// per region).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection: Option<crate::analysis::projection::Projection>,
}

impl Summary {
    /// Adds the statistical flags to the integrity ones, in the same order rules.
    pub fn with_forensics(mut self, f: crate::analysis::Forensics) -> Summary {
        self.anomalies.extend(f.anomalies.iter().cloned());
        sort_anomalies(&mut self.anomalies);
        let mut per_region: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for a in &f.anomalies {
            if let Some(r) = a.region.as_deref() {
                *per_region.entry(r).or_default() += 1;
            }
        }
        for r in &mut self.regions {
            r.anomalies += per_region.get(r.id.as_str()).copied().unwrap_or(0);
        }
        self.forensics = Some(f);
        self
    }

    /// The "data as of" moment, unix seconds.
    pub fn as_of_unix(&self) -> Option<i64> {
        self.as_of.as_deref().and_then(crate::feed::Timestamp::parse).map(|t| t.unix)
    }
}

/// Most severe first, then by kind, then region and precinct.
pub fn sort_anomalies(v: &mut [Anomaly]) {
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.kind.cmp(b.kind))
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.precinct.cmp(&b.precinct))
    });
}

fn sum_opt(items: impl Iterator<Item = Option<u64>>) -> Option<u64> {
    let mut total = 0;
    let mut any = false;
    for x in items {
        total += x?;
        any = true;
    }
    any.then_some(total)
}

/// Candidate indices by votes, most first (ties by id, so the order never depends on arrival).
fn ranked(engine: &Engine, t: &Totals) -> Vec<usize> {
    let mut order: Vec<usize> = (0..engine.candidates.items.len()).filter(|&c| engine.candidate_in_use(c)).collect();
    order.sort_by(|&a, &b| {
        t.votes_of(b)
            .cmp(&t.votes_of(a))
            .then_with(|| engine.candidates.items[a].id.cmp(&engine.candidates.items[b].id))
    });
    order
}

pub fn summarize(engine: &Engine) -> Summary {
    let m = engine.manifest.as_ref();
    let contest = m.map_or(Contest::SingleWinner, |m| m.contest);
    let election = ElectionInfo {
        id: m.map(|m| m.id.clone()),
        name: m.and_then(|m| m.name.clone()),
        contest: contest.as_str(),
        majority: m.and_then(|m| m.majority),
        threshold: m.and_then(|m| m.threshold),
        seats: m.and_then(|m| m.seats),
        synthetic: m.and_then(|m| m.synthetic).unwrap_or(false),
    };
    let t = &engine.tallies.national;
    let valid = t.valid();
    let order = ranked(engine, t);
    let seat_counts = match (contest, m.and_then(|m| m.seats)) {
        (Contest::PartyList, Some(n)) => {
            let votes: Vec<u64> = (0..engine.candidates.items.len()).map(|c| t.votes_of(c)).collect();
            Some(seats::hare(&votes, n, m.and_then(|m| m.threshold).unwrap_or(0.0)))
        }
        _ => None,
    };
    let candidates = order
        .iter()
        .map(|&c| {
            let meta = &engine.candidates.items[c];
            CandidateRow {
                id: meta.id.clone(),
                name: meta.name.clone(),
                votes: t.votes_of(c),
                share: ratio(t.votes_of(c), valid),
                party: meta.party.clone(),
                color: meta.color.clone(),
                seats: seat_counts.as_ref().map(|s| s[c]),
            }
        })
        .collect();

    let anomalies = anomalies(engine);
    let mut per_region = vec![0usize; engine.regions.items.len()];
    for a in &anomalies {
        if let Some(r) = a.region.as_deref().and_then(|r| engine.regions.find(r)) {
            per_region[r as usize] += 1;
        }
    }
    // Manifest regions keep the manifest's order; learned ones (named by some report) follow,
    // by id.
    let listed = m.map_or(0, |m| m.regions.len());
    let mut region_order: Vec<usize> = (0..engine.regions.items.len()).filter(|&r| engine.region_in_use(r)).collect();
    region_order[listed..].sort_by(|&a, &b| engine.regions.items[a].id.cmp(&engine.regions.items[b].id));
    let empty = Totals::default();
    let regions = region_order
        .into_iter()
        .map(|r| {
            let meta = &engine.regions.items[r];
            let rt = engine.tallies.regions.get(r).unwrap_or(&empty);
            let rorder = ranked(engine, rt);
            let leader = rorder.first().filter(|&&c| rt.votes_of(c) > 0).copied();
            RegionRow {
                id: meta.id.clone(),
                name: meta.name.clone(),
                precincts_reporting: rt.precincts,
                precincts_expected: meta.precincts_expected,
                registered: rt.registered,
                registered_expected: meta.registered_expected,
                ballots: rt.ballots,
                invalid: rt.invalid,
                valid: rt.valid(),
                turnout: rt.turnout(),
                votes: (0..engine.candidates.items.len())
                    .filter(|&c| engine.candidate_in_use(c))
                    .map(|c| (engine.candidates.items[c].id.clone(), rt.votes_of(c)))
                    .collect(),
                leader: leader.map(|c| engine.candidates.items[c].id.clone()),
                margin: leader.map(|c| rt.votes_of(c) - rorder.get(1).map_or(0, |&s| rt.votes_of(s))),
                anomalies: per_region[r],
            }
        })
        .collect();

    let as_of = engine
        .precincts
        .items
        .iter()
        .filter_map(|p| p.counted().filter(|e| e.explicit_time).map(|e| e.reported_at))
        .max()
        .map(|t| t.to_rfc3339());

    let mut held: Vec<Held> = engine
        .flagged
        .iter()
        .map(|&p| &engine.precincts.items[p as usize])
        .filter(|p| p.is_held())
        .map(|p| Held { precinct: p.id.to_string(), reason: conflict_message(engine, p) })
        .collect();
    held.sort();

    let mut rejections: Vec<(&str, Loc, &String)> = engine
        .files
        .items
        .iter()
        .flat_map(|f| f.rejections.iter().map(move |(loc, e)| (f.path.as_str(), *loc, e)))
        .collect();
    rejections.sort();
    let rejected =
        rejections.into_iter().map(|(path, loc, e)| Rejected { source: loc.source(path), error: e.clone() }).collect();

    Summary {
        election,
        precincts_reporting: t.precincts,
        precincts_expected: sum_opt(engine.regions.items.iter().take(listed).map(|r| r.precincts_expected)),
        registered: t.registered,
        registered_expected: sum_opt(engine.regions.items.iter().take(listed).map(|r| r.registered_expected)),
        ballots: t.ballots,
        invalid: t.invalid,
        valid,
        turnout: t.turnout(),
        as_of,
        candidates,
        regions,
        held,
        anomalies,
        rejected,
        forensics: None,
        projection: None,
    }
}

fn region_id(engine: &Engine, p: &Precinct) -> Option<String> {
    p.region().map(|r| engine.regions.items[r as usize].id.clone())
}

fn candidate_id(engine: &Engine, c: usize) -> &str {
    &engine.candidates.items[c].id
}

fn source_of(engine: &Engine, e: &Entry) -> String {
    e.loc.source(&engine.files.items[e.file as usize].path)
}

fn conflict_message(engine: &Engine, p: &Precinct) -> String {
    let rev = p.max_revision().unwrap_or(0);
    let distinct = p.distinct_at(rev).len();
    let mut sources: Vec<String> =
        p.entries.iter().filter(|e| e.revision == rev).map(|e| source_of(engine, e)).collect();
    sources.sort();
    format!(
        "{distinct} different reports for revision {rev} ({}); held out of the totals until a higher revision arrives",
        sources.join(", ")
    )
}

/// All anomalies, most severe first, then by kind and precinct.
pub fn anomalies(engine: &Engine) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for &pi in &engine.flagged {
        let p = &engine.precincts.items[pi as usize];
        for kind in Kind::ALL {
            if p.has(kind)
                && let Some(message) = message(engine, p, kind)
            {
                out.push(Anomaly {
                    kind: kind.name(),
                    severity: kind.severity(),
                    precinct: Some(p.id.to_string()),
                    region: region_id(engine, p),
                    message,
                });
            }
        }
    }
    for (group, same_total) in engine.identical_groups() {
        let votes: &[u32] = engine.precincts.items[group[0] as usize].counted().map_or(&[], |e| &e.votes);
        let chance = super::identical::coincidence_chance(votes);
        let expected = super::identical::expected_matches(votes, same_total);
        for &pi in &group {
            let p = &engine.precincts.items[pi as usize];
            let mut twins: Vec<&str> =
                group.iter().filter(|&&q| q != pi).map(|&q| &*engine.precincts.items[q as usize].id).collect();
            twins.sort();
            out.push(Anomaly {
                kind: Kind::IdenticalResults.name(),
                severity: Kind::IdenticalResults.severity(),
                precinct: Some(p.id.to_string()),
                region: region_id(engine, p),
                message: format!(
                    "exactly the same votes as {} ({} valid votes; a chance match is about 1 in {} per precinct of that total, and {} counted precincts have it: {:.1e} chance matches expected in the feed)",
                    twins.join(", "),
                    thousands(votes.iter().map(|&v| u64::from(v)).sum()),
                    thousands((1.0 / chance).min(1e18) as u64),
                    thousands(same_total as u64),
                    expected
                ),
            });
        }
    }
    sort_anomalies(&mut out);
    out
}

fn message(engine: &Engine, p: &Precinct, kind: Kind) -> Option<String> {
    Some(match kind {
        Kind::TurnoutOver100 => {
            let c = p.counted()?;
            format!(
                "ballots {} exceed registered voters {} (turnout {})",
                thousands(c.ballots.into()),
                thousands(c.registered.into()),
                percent1(c.ballots.into(), c.registered.into())
            )
        }
        Kind::SumMismatch => {
            let c = p.counted()?;
            let accounted = c.valid() + u64::from(c.invalid);
            let ballots = u64::from(c.ballots);
            let diff = if accounted > ballots {
                format!("{} more than the ballots", thousands(accounted - ballots))
            } else {
                let n = ballots - accounted;
                format!("{} ballot{} unaccounted for", thousands(n), if n == 1 { "" } else { "s" })
            };
            format!(
                "votes {} + invalid {} = {}, but ballots = {} ({diff})",
                thousands(c.valid()),
                thousands(c.invalid.into()),
                thousands(accounted),
                thousands(ballots)
            )
        }
        Kind::RevisionConflict => conflict_message(engine, p),
        Kind::VotesDecreased => {
            let (lo, hi, what, before, after) = p.votes_decreased()?;
            let what = match what {
                None => "fewer ballots".to_string(),
                Some(c) => format!("fewer votes for {}", candidate_id(engine, c)),
            };
            format!(
                "revision {} has {what} than revision {}: {} < {}",
                hi.revision,
                lo.revision,
                thousands(after.into()),
                thousands(before.into())
            )
        }
        Kind::RegisteredChanged => {
            let (a, b) = p.registered_changed()?;
            format!(
                "registered voters changed from {} (revision {}) to {} (revision {})",
                thousands(a.registered.into()),
                a.revision,
                thousands(b.registered.into()),
                b.revision
            )
        }
        Kind::EarlyReport => {
            let c = p.counted()?;
            let close = engine.polls_close.get(c.region as usize).copied().flatten()?;
            let offset = c.reported_at.offset_seconds;
            let close_local = crate::feed::Timestamp { unix: close, offset_seconds: offset }.to_rfc3339();
            format!("reported at {}, before polls closed at {close_local}", c.reported_at.to_rfc3339())
        }
        Kind::Unanimous => {
            let c = p.counted()?;
            let valid = c.valid();
            let (top, v) = c.votes.iter().enumerate().max_by_key(|(_, v)| **v)?;
            format!(
                "turnout {}{} and {} {} of valid votes ({} registered)",
                percent1(c.voted().into(), c.registered.into()),
                if c.issued().is_some() { " of ballots issued" } else { "" },
                candidate_id(engine, top),
                percent1((*v).into(), valid),
                thousands(c.registered.into())
            )
        }
        Kind::IdenticalResults => return None,
    })
}
