//! Election forensics: statistical fingerprints of ballot stuffing and written-up protocols,
//! measured across many precincts as reports arrive. Each flag says what was measured, against
//! what expectation, and how unlikely it is; the false-discovery rate is held per region for the
//! precinct tests (Benjamini–Bogomolov) and over the regions for the regional ones
//! (Benjamini–Hochberg). A flag is a reason to look, not proof. The methods, their nulls, the
//! defaults and sources: docs/ANOMALIES.md. (Over 400 lines: the orchestration and every flag's
//! message live together so that each message sits next to the numbers it reads.)
//!
//! Long because it holds the run of all tests with the false-discovery rule, and every flag's
//! wording in one place (so the messages are read and kept consistent together), with their tests.

pub mod baseline;
pub mod config;
pub mod data;
pub mod digits;
pub mod drift;
pub mod fdr;
pub mod integer;
pub mod linalg;
pub mod memo;
pub mod order;
pub mod outliers;
pub mod projection;
pub mod ranked;
pub mod ratio;
pub mod skew;
pub mod slope;
pub mod swing;
pub mod uniform;

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::Engine;
use crate::engine::anomaly::{Anomaly, Flag, Severity};
use crate::engine::anomaly::{merge_anomalies, sort_anomalies};
use crate::text::{percent1, thousands};

pub use config::{Config, Thresholds};
pub use memo::Memo;

/// The statistical kinds, with their stable names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    TurnoutOutlier,
    ShareOutlier,
    IntegerPercentExcess,
    TurnoutShareSkew,
    LastDigitBias,
    StalledRegion,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::TurnoutOutlier => "turnout_outlier",
            Kind::ShareOutlier => "share_outlier",
            Kind::IntegerPercentExcess => "integer_percent_excess",
            Kind::TurnoutShareSkew => "turnout_share_skew",
            Kind::LastDigitBias => "last_digit_bias",
            Kind::StalledRegion => "stalled_region",
        }
    }
}

/// One statistical test: its p-value and the numbers its message needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    pub kind: Kind,
    pub region: Option<u32>,
    pub precinct: Option<u32>,
    pub p: f64,
    pub values: [f64; 9],
}

/// Whether a region has enough precincts to be judged: "n of N needed".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegionStatus {
    /// (Shared: the status of every region is copied into each analysis and each summary.)
    pub region: std::sync::Arc<str>,
    pub precincts: usize,
    pub needed: usize,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Forensics {
    /// The flags, as anomalies (region and precinct null where they do not apply).
    /// (Shared, as the status: each summary of the same analysis holds the same lists.)
    #[serde(skip)]
    pub anomalies: std::sync::Arc<[Anomaly]>,
    pub status: std::sync::Arc<[RegionStatus]>,
    /// Votes for the leader above the reference relation, nationally (the regions' excesses
    /// of `turnout_share_skew` added up, a net shortfall as 0), if measured.
    pub national_excess_votes: Option<u64>,
    /// The same with its 90% interval (signed): `[estimate, low, high]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national_excess: Option<[f64; 3]>,
}

fn fmt_p(p: f64) -> String {
    if p < 1e-300 {
        "p < 1e-300".into()
    } else if p < 0.001 {
        format!("p = {p:.1e}")
    } else {
        format!("p = {p:.3}")
    }
}

/// One region's tests, kept while its reports do not change.
#[derive(Debug, Clone)]
pub struct RegionResult {
    status: RegionStatus,
    /// Its precinct tests, turnout then share outliers (only those that could pass).
    outliers: Vec<outliers::Kept>,
    /// The two outlier families' part of the false-discovery control, worked out with them
    /// (so that a new report elsewhere costs only the step across the regions): turnout, share.
    families: [Family; 2],
    /// Its regional tests (whole-percent excess, last digits).
    regional: Vec<Test>,
    /// The flags of its two outlier families as last said, with the scale across the regions
    /// they were said at (the bits of F/R): reused while the family and the scale stand.
    flags: [Option<(u64, Vec<Anomaly>)>; 2],
    /// Its skew sums, shared with what the region keeps (`memo::Kept`) until it changes.
    skew: Option<std::sync::Arc<skew::RegionSums>>,
    integer: integer::Tally,
}

/// One region's family of outlier tests of one kind: where its kept tests are in
/// `RegionResult::outliers`, how many tests it made, and its q-values within.
#[derive(Debug, Clone, Default)]
struct Family {
    tests: std::ops::Range<usize>,
    size: usize,
    /// The region's median the tests were measured from.
    median: f64,
    within: fdr::Within,
}

/// The skew test's sums of a region's precincts, if it has enough of them.
fn skew_sums(cfg: &Config, slots: &[memo::Slot]) -> Option<std::sync::Arc<skew::RegionSums>> {
    let sums = skew::RegionSums::new(slots.iter().filter_map(|s| memo::skew_precinct(s, cfg.min_size)));
    (sums.precincts >= cfg.min_precincts).then(|| sums.into())
}

fn region_tests(engine: &Engine, cfg: &Config, r: usize, region: &mut memo::RegionPoints) -> RegionResult {
    let r32 = r as u32;
    let status = RegionStatus {
        region: engine.regions()[r].id.clone(),
        precincts: region.slots.len(),
        needed: cfg.min_precincts,
    };
    // Only outlier tests that could pass are kept; all are counted for the family size. A
    // region tested again (a new report) keeps what they read up to date (its measures in
    // order, to read its medians by rank; its skew sums); the first time, they are gathered.
    let mut outliers = Vec::new();
    let (measured, skew) = if region.result.is_some() {
        let kept = region.kept(cfg.min_size);
        (kept.ranks.tests(cfg.min_precincts, cfg.fdr, &mut outliers), kept.skew(cfg.min_precincts))
    } else {
        let points = region.slots.iter().map(|s| &s.point);
        let measured = outliers::tests_of(points, cfg.min_precincts, cfg.min_size, cfg.fdr, &mut outliers);
        (measured, skew_sums(cfg, &region.slots))
    };
    let families = measured.map(|m| {
        let p: Vec<f64> = outliers[m.kept.clone()].iter().map(|t| t.p).collect();
        Family { within: fdr::within(&p, m.made.max(p.len())), tests: m.kept, size: m.made, median: m.median }
    });
    let integer = region.integer();
    let mut regional: Vec<Test> = integer::test(Some(r32), integer, cfg.min_integer).into_iter().collect();
    regional.extend(digits::test(r32, region.digits(engine), cfg.min_digits));
    RegionResult { status, outliers, families, regional, flags: [None, None], skew, integer }
}

/// Runs every statistical test on the counted reports. `now` is the feed's "data as of"
/// (unix seconds) for stalled regions.
pub fn analyze(engine: &Engine, cfg: &Config, now: Option<i64>) -> Forensics {
    analyze_with(engine, cfg, now, &mut Memo::default())
}

/// The outlier families (turnout, share) selected across the regions (Benjamini–Bogomolov), by
/// region index, and the factor their q-values are scaled by. (The families' Simes p-values are
/// kept in order: a new report moves its region's alone.)
fn selection(memo: &mut Memo, f: usize, level: f64) -> (Vec<bool>, f64) {
    let Memo { regions, simes, .. } = memo;
    let order = &mut simes[f];
    order.set_all(regions.iter().enumerate().map(|(r, m)| {
        let family = m.result.as_ref().map(|res| &res.families[f]);
        (r as u32, family.filter(|family| family.size > 0).map(|family| family.within.simes))
    }));
    let (top, scale) = fdr::across_sorted(order.keys(), level);
    let by_region =
        (0..regions.len()).map(|r| top.is_some_and(|top| order.key_of(r).is_some_and(|k| k <= top))).collect();
    (by_region, scale)
}

/// The regional and national tests flagged, with their q-values: per kind over the regions
/// and the nation (Benjamini–Hochberg). (The precinct tests: [`selection`].)
fn discoveries(regions: &[(u32, &RegionResult)], national: &[Test], fdr_level: f64) -> Vec<(Test, f64)> {
    let mut out = Vec::new();
    for kind in [Kind::IntegerPercentExcess, Kind::TurnoutShareSkew, Kind::LastDigitBias] {
        let family: Vec<&Test> = regions
            .iter()
            .flat_map(|(_, res)| res.regional.iter())
            .chain(national)
            .filter(|t| t.kind == kind)
            .collect();
        let q = fdr::adjust(&family.iter().map(|t| t.p).collect::<Vec<_>>());
        out.extend(family.into_iter().zip(q).filter(|(_, q)| *q <= fdr_level).map(|(t, q)| (*t, q)));
    }
    out
}

/// A flagged test as a flag.
fn flag(t: &Test, q: f64, engine: &Engine, cfg: &Config, leader_name: &str) -> Anomaly {
    Flag {
        kind: t.kind.name(),
        severity: match t.kind {
            Kind::LastDigitBias => Severity::Info,
            _ if q <= cfg.critical_q => Severity::Critical,
            _ => Severity::Warning,
        },
        precinct: t.precinct.map(|p| engine.precinct_id(p).into()),
        region: t.region.map(|r| engine.regions()[r as usize].id.clone()),
        message: message(t, q, engine, leader_name).into(),
    }
    .into()
}

/// [`analyze`], testing again only the regions whose reports changed since `memo` was filled.
pub fn analyze_with(engine: &Engine, cfg: &Config, now: Option<i64>, memo: &mut Memo) -> Forensics {
    let leader = data::leader(engine);
    memo.update(engine, cfg, leader);
    let regions = engine.regions();
    let leader_name = leader.map(|c| engine.candidates()[c].id.clone()).unwrap_or_default();
    // Regions are independent: test the changed ones in parallel. Regions the manifest leaves
    // out of the statistics (abroad…) are never tested.
    let mut due = 0;
    for (r, _) in memo.regions.iter().enumerate().filter(|(_, m)| m.dirty) {
        memo.excesses.forget(r as u32);
        due += usize::from(regions[r].statistics);
    }
    let test = |(r, m): (usize, &mut memo::RegionPoints)| {
        if m.dirty && regions[r].statistics {
            m.result = Some(region_tests(engine, cfg, r, m));
            m.dirty = false;
        }
    };
    // One changed region (a new report) is tested here: waking the pool costs more than it.
    if due > 1 {
        memo.regions.par_iter_mut().enumerate().for_each(test);
    } else {
        memo.regions.iter_mut().enumerate().for_each(test);
    }
    // The precinct flags, the outliers' families selected across the regions in turn: each
    // region's kept while its family and the scale stand (a new report elsewhere says nothing
    // new here).
    let selected = [selection(memo, 0, cfg.fdr), selection(memo, 1, cfg.fdr)];
    for (r, m) in memo.regions.iter_mut().enumerate() {
        let memo::RegionPoints { result, said, kept, .. } = m;
        let Some(res) = result.as_mut() else { continue };
        for (f, (by_region, scale)) in selected.iter().enumerate() {
            if !by_region[r] || res.flags[f].as_ref().is_some_and(|(at, _)| *at == scale.to_bits()) {
                continue;
            }
            let family = &res.families[f];
            // A region tested again remembers what it said, to say it again without words.
            let remember = kept.is_some();
            let mut now = rustc_hash::FxHashMap::default();
            let mut flags: Vec<Anomaly> = res.outliers[family.tests.clone()]
                .iter()
                .zip(&family.within.q)
                .map(|(t, &q)| (t, fdr::scaled(q, true, *scale)))
                .filter(|(_, q)| *q <= cfg.fdr)
                .map(|(t, q)| {
                    let test = t.test(outliers::KINDS[f], r as u32, family.median);
                    let a = match said[f].get(&t.precinct) {
                        Some((was, at, a)) if *was == test && *at == q.to_bits() => a.clone(),
                        _ => flag(&test, q, engine, cfg, &leader_name),
                    };
                    if remember {
                        now.insert(t.precinct, (test, q.to_bits(), a.clone()));
                    }
                    a
                })
                .collect();
            said[f] = now;
            // In the count's order once, when said (one kind, one region: by severity, then
            // precinct), so that the list of all flags is laid out below without sorting.
            sort_anomalies(&mut flags);
            res.flags[f] = Some((scale.to_bits(), flags));
        }
    }
    // The precinct flags in the count's order (most severe first, then kind, region and
    // precinct): by severity, kind (share before turnout), then region by id, each region's
    // list already in order.
    if memo.by_id.len() != memo.regions.len() {
        memo.by_id = (0..memo.regions.len()).collect();
        memo.by_id.sort_by(|&a, &b| regions[a].id.cmp(&regions[b].id));
    }
    let by_id = &memo.by_id;
    let said = |f: usize, r: usize| {
        let flags = memo.regions[r].result.as_ref().and_then(|res| res.flags[f].as_ref());
        debug_assert!(flags.is_some(), "region {r}'s flags were said above");
        flags.map_or(&[][..], |(_, list)| list)
    };
    let selected = &selected;
    let selected_lists = || {
        [1, 0].into_iter().flat_map(move |f| by_id.iter().filter(move |&&r| selected[f].0[r]).map(move |&r| said(f, r)))
    };
    let mut outliers = Vec::with_capacity(selected_lists().map(<[Anomaly]>::len).sum());
    debug_assert!(Kind::ShareOutlier.name() < Kind::TurnoutOutlier.name());
    for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
        for list in selected_lists() {
            // (Each list is in the count's order: its flags of one severity are together.)
            let from = list.partition_point(|a| a.severity > severity);
            let to = from + list[from..].partition_point(|a| a.severity == severity);
            outliers.extend_from_slice(&list[from..to]);
        }
    }
    let mut anomalies = Vec::new();
    let results: Vec<(u32, &RegionResult)> =
        memo.regions.iter().enumerate().filter_map(|(r, m)| Some((r as u32, m.result.as_ref()?))).collect();
    let status = results.iter().map(|(_, res)| res.status.clone()).collect();
    let skews: Vec<(u32, &skew::RegionSums)> =
        results.iter().filter_map(|(r, res)| Some((*r, &**res.skew.as_ref()?))).collect();
    // The nation's integer-percent counts are its regions' added up.
    let mut national_integer = integer::Tally::default();
    for (_, res) in &results {
        national_integer.add(&res.integer);
    }
    let mut national: Vec<Test> = integer::test(None, national_integer, cfg.min_integer).into_iter().collect();
    let (skew_tests, national_excess) = skew::tests_with(&skews, cfg.min_excess, &mut memo.excesses);
    national.extend(skew_tests);

    // The regional and national flags' messages are kept while their test and q-value stay
    // the same.
    memo.messages.begin();
    for (t, q) in discoveries(&results, &national, cfg.fdr) {
        anomalies.push(memo.messages.say(&t, q, || flag(&t, q, engine, cfg, &leader_name)).clone());
    }
    memo.messages.end();
    anomalies.extend(stalled(engine, memo, cfg, now));
    // The few others sorted, then merged with the precinct flags: all in the count's order, in
    // which each summary merges them with the count's own.
    sort_anomalies(&mut anomalies);
    let anomalies = merge_anomalies(outliers, &anomalies);
    Forensics {
        anomalies: anomalies.into(),
        status,
        national_excess_votes: national_excess.map(|e| e[0].max(0.0).round() as u64),
        national_excess,
    }
}

/// What a flag says: what was measured, against what, and how unlikely it is.
fn message(t: &Test, q: f64, engine: &Engine, leader_name: &str) -> String {
    let region = t.region.map(|r| engine.regions()[r as usize].name.clone());
    let place = region.unwrap_or_else(|| "the whole count".into());
    let [a, b, c, d, e, f, slope, typical_slope, z_slope] = t.values;
    let votes = |x: f64| {
        let s = thousands(x.abs().round() as u64);
        if x < -0.5 { format!("−{s}") } else { s }
    };
    match t.kind {
        Kind::TurnoutOutlier | Kind::ShareOutlier => {
            let what =
                if t.kind == Kind::TurnoutOutlier { "turnout".to_string() } else { format!("{leader_name}'s share") };
            format!(
                "{what} {} against {} typical in {place}: higher than the region's spread and binomial noise allow (robust z = {c:.1} over {} {}; {}, q = {q:.1e} within the region's tests) — a stuffed box or a written-up count, or an honest special precinct (a hospital, a barracks, a village voting as one)",
                pct(a),
                pct(b),
                thousands(d as u64),
                if t.kind == Kind::TurnoutOutlier { "voters" } else { "valid votes" },
                fmt_p(t.p)
            )
        }
        Kind::IntegerPercentExcess => format!(
            "{} of {} precincts have a whole-percent turnout or {leader_name} share (±0.05 pp; turnout by ballots issued where given, share of all ballots); binomial noise predicts {:.0}: {:+.0} ({:+.1}%), z = {c:.1}, {}",
            thousands(a as u64),
            thousands(d as u64),
            b,
            a - b,
            100.0 * (a - b) / b.max(1.0),
            fmt_p(t.p)
        ),
        Kind::TurnoutShareSkew if t.region.is_none() => format!(
            "{leader_name} has about {} votes nationally above the reference relation of the cleanest regions (90% interval {} to {}): the regions' excesses over the typical region add up to {} against an honest spread of ±{} (z = {f:.1}, {}) — stuffing for {leader_name}, or regions that honestly favour {leader_name} beyond the others",
            votes(a),
            votes(b),
            votes(c),
            votes(d),
            votes(e),
            fmt_p(t.p)
        ),
        Kind::TurnoutShareSkew => format!(
            "{leader_name} has about {} votes in {place} beyond what the other candidates' votes per voter give in the cleanest regions (90% interval {} to {}); {} above the typical region, where regions honestly differ by about ±{} (z = {f:.1}); within the region {leader_name}'s share rises by {:.2} per unit of turnout against {:.2} in the typical region (z = {z_slope:.1}); {} — ballots added for {leader_name}, or a region that honestly favours {leader_name} far more than the others, or whose turnout honestly follows its support more closely",
            votes(a),
            votes(b),
            votes(c),
            votes(d),
            votes(e),
            slope,
            typical_slope,
            fmt_p(t.p)
        ),
        Kind::LastDigitBias => format!(
            "last digits of {} vote counts are not uniform (χ² = {a:.1}, 9 df, {}); {} end in 0 or 5 (20% expected) — weak evidence alone",
            thousands(c as u64),
            fmt_p(t.p),
            pct(b)
        ),
        Kind::StalledRegion => unreachable!("stalled regions are not tests"),
    }
}

/// Runs the analysis at most once a second and only when the count changed (it reads every
/// counted precinct), keeping the last result for the views in between.
#[derive(Debug, Default)]
pub struct Cache {
    /// The command line's threshold overrides (the manifest's come with the engine).
    overrides: Thresholds,
    /// The thresholds of the last analysis.
    pub config: Config,
    /// The engine version and the feed minute of the last analysis, and when it ran.
    last: Option<(u64, Option<i64>, std::time::Instant)>,
    result: Forensics,
    projection: Option<projection::Projection>,
    /// A prior election to project from by swing (`--baseline`).
    baseline: Option<std::sync::Arc<swing::Baseline>>,
    memo: Memo,
}

impl Cache {
    pub fn new(overrides: Thresholds) -> Cache {
        Cache { overrides, ..Cache::default() }
    }

    /// Projects by swing from this prior election where it can.
    pub fn with_baseline(mut self, baseline: Option<swing::Baseline>) -> Cache {
        self.baseline = baseline.map(std::sync::Arc::new);
        self
    }

    /// Refuses a baseline of another election: none of its candidates is among the count's
    /// (`candidates`; none known yet: nothing to check).
    pub fn check_baseline<'a>(&self, candidates: impl IntoIterator<Item = &'a str>) -> anyhow::Result<()> {
        match &self.baseline {
            Some(b) => b.check_candidates(candidates),
            None => Ok(()),
        }
    }

    /// The analysis of `engine` as of `now` (feed time, unix seconds). `force` ignores the
    /// once-a-second limit (for a final or one-off summary).
    pub fn get(&mut self, engine: &Engine, now: Option<i64>, force: bool) -> &Forensics {
        let minute = now.map(|t| t.div_euclid(60));
        let fresh = self.last.is_some_and(|(v, m, _)| v == engine.version() && m == minute);
        let due = force || self.last.is_none_or(|(_, _, at)| at.elapsed() >= std::time::Duration::from_secs(1));
        if !fresh && due {
            self.config = config::resolve(engine.manifest().and_then(|m| m.forensics.as_ref()), &self.overrides);
            self.result = analyze_with(engine, &self.config, now, &mut self.memo);
            self.projection = projection::project_with(engine, self.baseline.as_deref());
            self.last = Some((engine.version(), minute, std::time::Instant::now()));
        }
        &self.result
    }

    /// Whether a fresh analysis is owed: the count changed since the last one and the
    /// once-a-second limit allows it now.
    pub fn owed(&self, engine: &Engine) -> bool {
        match self.last {
            None => true,
            Some((v, _, at)) => v != engine.version() && at.elapsed() >= std::time::Duration::from_secs(1),
        }
    }

    /// When a fresh analysis will be owed, if the count changed since the last one.
    pub fn due_at(&self, engine: &Engine) -> Option<std::time::Instant> {
        match self.last {
            None => Some(std::time::Instant::now()),
            Some((v, _, at)) => (v != engine.version()).then(|| at + std::time::Duration::from_secs(1)),
        }
    }

    /// The projection of the last analysis.
    pub fn projection(&self) -> Option<&projection::Projection> {
        self.projection.as_ref()
    }
}

fn pct(x: f64) -> String {
    percent1((x * 1e6).round() as u64, 1_000_000)
}

/// Regions with no new report for `stalled_minutes` of feed time after their polls closed,
/// while precincts are still missing.
fn stalled(engine: &Engine, memo: &Memo, cfg: &Config, now: Option<i64>) -> Vec<Anomaly> {
    let (Some(now), Some(m)) = (now, engine.manifest()) else { return Vec::new() };
    let limit = cfg.stalled_minutes * 60;
    let mut out = Vec::new();
    for (r, meta) in engine.regions().iter().enumerate() {
        let Some(expected) = meta.precincts_expected else { continue };
        let have = memo.regions.get(r).map_or(0, |m| m.slots.len()) as u64;
        let Some(close) = m.regions.get(r).and_then(|info| m.polls_close_in(info)).map(|t| t.unix_timestamp()) else {
            continue;
        };
        if have >= expected || now - close < limit {
            continue;
        }
        let last = memo.regions.get(r).and_then(|m| m.latest(engine));
        let quiet_since = last.unwrap_or(close).max(close);
        if now - quiet_since >= limit {
            out.push(
                Flag {
                    kind: Kind::StalledRegion.name(),
                    severity: Severity::Info,
                    precinct: None,
                    region: Some(meta.id.clone()),
                    message: {
                        let (min, have, expected) = ((now - quiet_since) / 60, thousands(have), thousands(expected));
                        match last {
                            None => {
                                format!(
                                    "no report at all, {min} min after the polls closed (0 of {expected} precincts in)"
                                )
                            }
                            Some(t) if t <= close => format!(
                                "no new report since the polls closed {min} min ago ({have} of {expected} precincts in)"
                            ),
                            Some(_) => format!("no new report for {min} min ({have} of {expected} precincts in)"),
                        }
                        .into()
                    },
                }
                .into(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::report::{Timestamp, parse_json_report};
    use crate::feed::{Batch, Loc, Manifest, Schema};

    /// Two precincts expected in region n, polls closing 20:00 at +06:00; one report at 20:10.
    fn engine(reports: &[(&str, &str)]) -> Engine {
        let m = Manifest::from_slice(
            br#"{"id":"t","date":"2022-11-20","polls_close":"20:00","candidates":[{"id":"a"}],
                "regions":[{"id":"n","utc_offset":"+06:00","precincts":2}]}"#,
        )
        .unwrap();
        let schema = Schema::from_manifest(Some(&m), 1 << 20);
        let mut e = Engine::new(Some(m));
        let mut b = Batch::default();
        for (i, (id, at)) in reports.iter().enumerate() {
            let json = format!(
                r#"{{"precinct":"{id}","region":"n","reported_at":"2022-11-20T{at}:00+06:00","registered":100,"ballots":50,"votes":{{"a":50}}}}"#
            );
            b.push(Loc::Line(i as u32 + 1), parse_json_report(json.as_bytes(), &schema));
        }
        e.ingest("r.ndjson", b, Timestamp::parse("2022-11-20T23:00:00+06:00").unwrap());
        e
    }

    fn stalled_at(e: &Engine, clock: &str) -> Vec<Anomaly> {
        let now = Timestamp::parse(&format!("2022-11-20T{clock}:00+06:00")).unwrap().unix;
        analyze(e, &Config::default(), Some(now))
            .anomalies
            .iter()
            .filter(|a| a.kind == "stalled_region")
            .cloned()
            .collect()
    }

    #[test]
    fn stalled_region_fires_after_its_quiet_time_and_not_before() {
        let e = engine(&[("P1", "20:10")]);
        let fired = stalled_at(&e, "20:45");
        assert_eq!(fired.len(), 1, "35 minutes since the last report, one precinct missing");
        assert_eq!(fired[0].region.as_deref(), Some("n"));
        assert!(fired[0].message.contains("no new report for 35 min (1 of 2 precincts in)"), "{}", fired[0].message);
        assert!(stalled_at(&e, "20:35").is_empty(), "25 minutes is not stalled");
        // Nothing in at all: stalled counts from the close of the polls.
        let none = engine(&[]);
        assert!(stalled_at(&none, "20:20").is_empty());
        let never = &stalled_at(&none, "20:31")[0].message;
        assert_eq!(&**never, "no report at all, 31 min after the polls closed (0 of 2 precincts in)");
        // Every precinct in: nothing is missing, nothing stalled.
        assert!(stalled_at(&engine(&[("P1", "20:10"), ("P2", "20:12")]), "23:00").is_empty());
        // Without the feed's clock there is no judging it.
        assert!(analyze(&e, &Config::default(), None).anomalies.iter().all(|a| a.kind != "stalled_region"));
    }
}
