//! The count as the engine knows it: totals, candidates, regions, held precincts, integrity
//! anomalies and rejections, in a stable order. The full summary (`hub::Summary`: this, with
//! the statistics and the projection) is put together downstream.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::feed::manifest::Contest;

use super::anomaly::{Anomaly, anomaly_order, merge_anomalies, shared_order};

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
    /// (Shared with the engine's record of the region: a count copies a count of them.)
    pub id: std::sync::Arc<str>,
    pub name: std::sync::Arc<str>,
    pub precincts_reporting: u64,
    pub precincts_expected: Option<u64>,
    pub registered: u64,
    pub registered_expected: Option<u64>,
    pub ballots: u64,
    pub invalid: u64,
    pub valid: u64,
    pub turnout: Option<f64>,
    /// (Keyed by shared ids: a row per region in every count.)
    pub votes: BTreeMap<std::sync::Arc<str>, u64>,
    /// The candidate with the most votes, and its lead over the runner-up in votes.
    pub leader: Option<std::sync::Arc<str>>,
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
pub struct Count {
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
}

impl Count {
    /// Adds flags raised elsewhere (the statistics'), in the count's order as the analysis lays
    /// them out, to the integrity ones, and to their regions' counts.
    pub fn add_flags(&mut self, flags: &[Anomaly]) {
        // Both lists are in order: merged, not sorted again — a summary costs the flags'
        // number, not a sort of them. (Each is in order by construction; checked where the
        // tests run.)
        let order = |a: &Anomaly, b: &Anomaly| anomaly_order(a, b) != std::cmp::Ordering::Greater;
        debug_assert!(self.anomalies.is_sorted_by(order));
        debug_assert!(flags.is_sorted_by(order), "the flags added are in the count's order");
        self.anomalies = merge_anomalies(std::mem::take(&mut self.anomalies), flags);
        let mut per_region: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        for (r, n) in region_runs(flags) {
            *per_region.entry(r).or_default() += n;
        }
        for r in &mut self.regions {
            r.anomalies += per_region.get(&*r.id).copied().unwrap_or(0);
        }
    }

    /// A candidate's name by id (the id itself for one not in the count), as written: views
    /// clean it where they draw it.
    pub fn candidate_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.candidates.iter().find(|c| c.id == id).map_or(id, |c| c.name.as_str())
    }

    /// A region's name by id (the id itself for one not in the count), as written.
    pub fn region_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.regions.iter().find(|r| &*r.id == id).map_or(id, |r| &*r.name)
    }

    /// The "data as of" moment, unix seconds.
    pub fn as_of_unix(&self) -> Option<i64> {
        self.as_of.as_deref().and_then(crate::feed::Timestamp::parse).map(|t| t.unix)
    }
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

/// Flags counted by region a run at a time (in the count's order, a region's flags of one
/// kind come together): each run's region and length.
fn region_runs(flags: &[Anomaly]) -> impl Iterator<Item = (&str, usize)> {
    // (A region's flags share its id: equal by pointer, mostly.)
    flags
        .chunk_by(|a, b| shared_order(&a.region, &b.region).is_eq())
        .filter_map(|run| Some((run[0].region.as_deref()?, run.len())))
}

/// The candidates shown (listed, or given a vote by some report), by index.
fn shown(engine: &Engine) -> impl Iterator<Item = usize> + '_ {
    (0..engine.candidates.items.len()).filter(|&c| engine.candidate_in_use(c))
}

/// Candidate indices by votes, most first (ties by id, so the order never depends on arrival).
fn ranked(engine: &Engine, t: &Totals) -> Vec<usize> {
    let mut order: Vec<usize> = shown(engine).collect();
    order.sort_by(|&a, &b| by_votes(engine, t, a, b));
    order
}

/// The order of [`ranked`].
fn by_votes(engine: &Engine, t: &Totals, a: usize, b: usize) -> std::cmp::Ordering {
    t.votes_of(b).cmp(&t.votes_of(a)).then_with(|| engine.candidates.items[a].id.cmp(&engine.candidates.items[b].id))
}

/// The first two of [`ranked`], in one pass (a region's row needs its leader and runner-up).
fn top_two(engine: &Engine, t: &Totals) -> [Option<usize>; 2] {
    let mut top = [None, None];
    for c in shown(engine) {
        let ahead_of = |x: Option<usize>| x.is_none_or(|x| by_votes(engine, t, c, x) == std::cmp::Ordering::Less);
        if ahead_of(top[0]) {
            top = [Some(c), top[0]];
        } else if ahead_of(top[1]) {
            top[1] = Some(c);
        }
    }
    top
}

impl Engine {
    /// The national leader: the candidate with the most votes (ties to the smaller id, the
    /// order every list of candidates follows), once anyone has a vote. The one rule for who
    /// leads, wherever it matters (the statistics, the fingerprint, the timeline).
    pub fn leader(&self) -> Option<usize> {
        let t = &self.tallies.national;
        ranked(self, t).first().copied().filter(|&c| t.votes_of(c) > 0)
    }
}

pub fn count(engine: &Engine) -> Count {
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

    let anomalies = super::flagged::anomalies(engine);
    let mut per_region = vec![0usize; engine.regions.items.len()];
    for (r, n) in region_runs(&anomalies) {
        if let Some(r) = engine.regions.find(r) {
            per_region[r as usize] += n;
        }
    }
    // Manifest regions keep the manifest's order; learned ones (named by some report) follow,
    // by id.
    let listed = m.map_or(0, |m| m.regions.len());
    let mut region_order: Vec<usize> = (0..engine.regions.items.len()).filter(|&r| engine.region_in_use(r)).collect();
    region_order[listed..].sort_by(|&a, &b| engine.regions.items[a].id.cmp(&engine.regions.items[b].id));
    let empty = Totals::default();
    // The candidates shown, by id, each id shared by every row.
    let mut by_id: Vec<(std::sync::Arc<str>, usize)> =
        shown(engine).map(|c| (engine.candidates.items[c].id.as_str().into(), c)).collect();
    by_id.sort();
    // Each row's votes: a copy of one map of the ids (its nodes copied, no key compared), its
    // counts set in the ids' order.
    let no_votes: BTreeMap<std::sync::Arc<str>, u64> = by_id.iter().map(|(id, _)| (id.clone(), 0)).collect();
    let regions = region_order
        .into_iter()
        .map(|r| {
            let meta = &engine.regions.items[r];
            let rt = engine.tallies.regions.get(r).unwrap_or(&empty);
            let [first, second] = top_two(engine, rt);
            let leader = first.filter(|&c| rt.votes_of(c) > 0);
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
                votes: {
                    let mut votes = no_votes.clone();
                    for (v, (_, c)) in votes.values_mut().zip(&by_id) {
                        *v = rt.votes_of(*c);
                    }
                    votes
                },
                leader: leader.and_then(|c| by_id.iter().find(|(_, i)| *i == c)).map(|(id, _)| id.clone()),
                margin: leader.map(|c| rt.votes_of(c) - second.map_or(0, |s| rt.votes_of(s))),
                anomalies: per_region[r],
            }
        })
        .collect();

    let as_of = engine.as_of().map(|t| t.to_rfc3339());

    let mut held: Vec<Held> = engine
        .flagged
        .keys()
        .map(|&p| (engine.precincts.id(p), &engine.precincts.items[p as usize]))
        .filter(|(_, p)| p.is_held())
        .map(|(id, p)| Held { precinct: id.to_string(), reason: super::flagged::conflict_message(engine, p) })
        .collect();
    held.sort();

    let rejections = engine.rejections();
    let rejected =
        rejections.into_iter().map(|(path, loc, e)| Rejected { source: loc.source(path), error: e.clone() }).collect();

    Count {
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
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::engine::Engine;
    use crate::engine::anomaly::{Flag, Severity, sort_anomalies};
    use crate::feed::report::parse_json_report;
    use crate::feed::{Batch, Loc, Schema, Timestamp};

    /// A region's leader and margin are those of its candidates fully ranked (votes, then id),
    /// with ties for the lead and for second, candidates without votes, and ids out of order.
    #[test]
    fn a_regions_leader_and_runner_up_are_the_first_two_ranked() {
        let schema = Schema::default();
        let mut engine = Engine::new(None);
        let mut b = Batch::default();
        let ids = ["d", "b", "e", "a", "c"];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for i in 0..200u32 {
            // Few distinct counts, so that ties are common.
            let votes: Vec<String> =
                ids.iter().map(|id| format!(r#""{id}":{}"#, rng.random_range(0..4) * 10)).collect();
            let line = format!(
                r#"{{"precinct":"P{i}","region":"r{i}","registered":500,"ballots":200,"votes":{{{}}}}}"#,
                votes.join(",")
            );
            b.push(Loc::Line(i + 1), parse_json_report(line.as_bytes(), &schema));
        }
        engine.ingest("a.ndjson", b, Timestamp { unix: 0, offset_seconds: 0 });
        let count = engine.count();
        assert_eq!(count.regions.len(), 200);
        for row in &count.regions {
            let mut ranked: Vec<(&str, u64)> = row.votes.iter().map(|(id, &v)| (&**id, v)).collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let leader = (ranked[0].1 > 0).then_some(ranked[0].0);
            assert_eq!(row.leader.as_deref(), leader, "{}", row.id);
            assert_eq!(row.margin, leader.map(|_| ranked[0].1 - ranked[1].1), "{}", row.id);
        }
    }

    /// Flags from elsewhere merged in give what adding them and sorting the whole list gives:
    /// in order or not, with ties, any number on either side.
    #[test]
    fn added_flags_land_where_a_sort_puts_them() {
        let schema = Schema::default();
        let mut engine = Engine::new(None);
        let mut b = Batch::default();
        for i in 0..30u32 {
            // Every third precinct has more ballots than voters: an integrity flag.
            let ballots = if i % 3 == 0 { 900 } else { 400 };
            let line = format!(
                r#"{{"precinct":"P{i}","region":"r{}","registered":500,"ballots":{ballots},"votes":{{"a":{ballots}}}}}"#,
                i % 4
            );
            b.push(Loc::Line(i + 1), parse_json_report(line.as_bytes(), &schema));
        }
        engine.ingest("a.ndjson", b, Timestamp { unix: 0, offset_seconds: 0 });
        let count = engine.count();
        assert!(count.anomalies.len() >= 10);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let kinds = ["share_outlier", "turnout_outlier", "integer_percent_excess", "turnout_over_100"];
        for round in 0..200 {
            let flags: Vec<Anomaly> = (0..rng.random_range(0..40))
                .map(|k| {
                    let message = format!("flag {k}").into();
                    if rng.random_ratio(1, 4) {
                        // The very place and kind of one of the count's own: a tie.
                        let own = &count.anomalies[rng.random_range(0..count.anomalies.len())];
                        return Flag { message, ..(**own).clone() }.into();
                    }
                    Flag {
                        kind: kinds[rng.random_range(0..kinds.len())],
                        severity: [Severity::Info, Severity::Warning, Severity::Critical][rng.random_range(0..3)],
                        precinct: rng.random_bool(0.7).then(|| format!("P{}", rng.random_range(0..30)).into()),
                        region: rng.random_bool(0.8).then(|| format!("r{}", rng.random_range(0..4)).into()),
                        message,
                    }
                    .into()
                })
                .collect();
            let mut flags = flags;
            sort_anomalies(&mut flags);
            let mut expected = count.anomalies.clone();
            expected.extend(flags.iter().cloned());
            sort_anomalies(&mut expected);
            let mut merged = count.clone();
            merged.add_flags(&flags);
            assert_eq!(merged.anomalies, expected, "round {round}");
        }
    }
}
