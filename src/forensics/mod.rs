//! Election forensics: statistical fingerprints of ballot stuffing and written-up protocols,
//! measured across many precincts as reports arrive. Each flag says what was measured, against
//! what expectation, and how unlikely it is; the false-discovery rate over the many tests of a
//! kind is held with Benjamini–Hochberg. A flag is a reason to look, not proof. The methods,
//! defaults and sources: docs/ANOMALIES.md.

pub mod config;
pub mod data;
pub mod digits;
pub mod fdr;
pub mod integer;
pub mod outliers;
pub mod projection;
pub mod skew;
pub mod swing;

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::Engine;
use crate::engine::anomaly::{Anomaly, Severity};
use crate::text::{percent1, thousands};

pub use config::{Config, Thresholds};
use data::Data;

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
    pub values: [f64; 4],
}

/// Whether a region has enough precincts to be judged: "n of N needed".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegionStatus {
    pub region: String,
    pub precincts: usize,
    pub needed: usize,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Forensics {
    /// The flags, as anomalies (region and precinct null where they do not apply).
    #[serde(skip)]
    pub anomalies: Vec<Anomaly>,
    pub status: Vec<RegionStatus>,
    /// Estimated excess votes for the leader, nationally (turnout–share skew), if measured.
    pub national_excess_votes: Option<u64>,
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
struct RegionResult {
    status: RegionStatus,
    /// Its tests (outlier tests only where they could pass).
    tests: Vec<Test>,
    skew: Option<skew::Skew>,
    made: outliers::Made,
    integer: integer::Tally,
}

/// The regions' results of the last analysis and what they depended on: a region is tested
/// again only when its counted reports changed (or the thresholds, or the national leader).
#[derive(Debug, Default)]
pub struct Memo {
    key: Option<(u64, Config, Option<usize>)>,
    regions: Vec<Option<(u64, RegionResult)>>,
}

fn region_tests(engine: &Engine, cfg: &Config, r: usize, points: &[data::Point]) -> RegionResult {
    let r32 = r as u32;
    let mut tests = Vec::new();
    let status =
        RegionStatus { region: engine.regions()[r].id.clone(), precincts: points.len(), needed: cfg.min_precincts };
    // Only outlier tests that could pass are kept; all are counted for the family size.
    let made = outliers::tests(r32, points, cfg.min_precincts, cfg.min_size, cfg.fdr, &mut tests);
    let integer = integer::tally(points.iter());
    tests.extend(integer::test(Some(r32), integer, cfg.min_integer));
    let refs: Vec<&data::Point> = points.iter().collect();
    let mut skewed = None;
    if let Some((t, s)) = skew::test(Some(r32), &refs, cfg.min_precincts, cfg.min_excess) {
        tests.push(t);
        skewed = Some(s);
    }
    let mut digits = [0u64; 10];
    for p in points {
        if let Some(e) = engine.precincts()[p.precinct as usize].counted() {
            digits::add(&mut digits, e.votes.iter().map(|&v| u64::from(v)));
        }
    }
    tests.extend(digits::test(r32, digits, cfg.min_digits));
    RegionResult { status, tests, skew: skewed, made, integer }
}

/// Runs every statistical test on the counted reports. `now` is the feed's "data as of"
/// (unix seconds) for stalled regions.
pub fn analyze(engine: &Engine, cfg: &Config, now: Option<i64>) -> Forensics {
    analyze_with(engine, cfg, now, &mut Memo::default())
}

/// [`analyze`], testing again only the regions whose reports changed since `memo` was filled.
pub fn analyze_with(engine: &Engine, cfg: &Config, now: Option<i64>, memo: &mut Memo) -> Forensics {
    let leader = data::leader(engine);
    let key = Some((engine.instance(), cfg.clone(), leader));
    if memo.key != key {
        memo.key = key;
        memo.regions.clear();
    }
    let regions = engine.regions();
    memo.regions.resize(regions.len(), None);
    let wanted: Vec<bool> = memo
        .regions
        .iter()
        .enumerate()
        .map(|(r, m)| m.as_ref().is_none_or(|(changes, _)| *changes != engine.region_changes(r)))
        .collect();
    let data = Data::gather(engine, leader, &wanted);
    let leader_name = data.leader.map(|c| engine.candidates()[c].id.clone()).unwrap_or_default();
    // Regions are independent: test the changed ones in parallel.
    let todo: Vec<usize> = (0..regions.len()).filter(|&r| wanted[r]).collect();
    let fresh: Vec<(usize, RegionResult)> =
        todo.par_iter().map(|&r| (r, region_tests(engine, cfg, r, &data.by_region[r]))).collect();
    for (r, result) in fresh {
        memo.regions[r] = Some((engine.region_changes(r), result));
    }
    let mut tests: Vec<Test> = Vec::new();
    let mut status = Vec::new();
    let mut family_size: std::collections::HashMap<Kind, usize> = std::collections::HashMap::new();
    let mut skews = Vec::new();
    // The nation's integer-percent counts are its regions' added up.
    let mut national_integer = integer::Tally::default();
    for (_, res) in memo.regions.iter().flatten() {
        status.push(res.status.clone());
        tests.extend(res.tests.iter().copied());
        skews.extend(res.skew);
        national_integer.add(&res.integer);
        *family_size.entry(Kind::TurnoutOutlier).or_default() += res.made.turnout;
        *family_size.entry(Kind::ShareOutlier).or_default() += res.made.share;
    }
    tests.extend(integer::test(None, national_integer, cfg.min_integer));
    let mut national_excess = None;
    if let Some((t, s)) = skew::national(&skews, cfg.min_precincts, cfg.min_excess) {
        tests.push(t);
        national_excess = Some(s.excess.round() as u64);
    }

    // Benjamini–Hochberg within each kind.
    let mut anomalies = Vec::new();
    for kind in [
        Kind::TurnoutOutlier,
        Kind::ShareOutlier,
        Kind::IntegerPercentExcess,
        Kind::TurnoutShareSkew,
        Kind::LastDigitBias,
    ] {
        let family: Vec<&Test> = tests.iter().filter(|t| t.kind == kind).collect();
        let m = family_size.get(&kind).copied().unwrap_or(0).max(family.len());
        let q = fdr::adjust_of(&family.iter().map(|t| t.p).collect::<Vec<_>>(), m);
        for (t, q) in family.into_iter().zip(q) {
            if q > cfg.fdr {
                continue;
            }
            let severity = match kind {
                Kind::LastDigitBias => Severity::Info,
                _ if q <= cfg.critical_q => Severity::Critical,
                _ => Severity::Warning,
            };
            let region = t.region.map(|r| regions[r as usize].name.clone());
            let place = region.clone().unwrap_or_else(|| "the whole count".into());
            let [a, b, c, d] = t.values;
            let message = match kind {
                Kind::TurnoutOutlier | Kind::ShareOutlier => {
                    let what = if kind == Kind::TurnoutOutlier {
                        "turnout".to_string()
                    } else {
                        format!("{leader_name}'s share")
                    };
                    format!(
                        "{what} {} against {} typical in {place} (robust z = {c:.1} over {} {}; binomial noise and the region's spread allowed for; {}, q = {q:.1e})",
                        pct(a),
                        pct(b),
                        thousands(d as u64),
                        if kind == Kind::TurnoutOutlier { "voters" } else { "valid votes" },
                        fmt_p(t.p)
                    )
                }
                Kind::IntegerPercentExcess => format!(
                    "{} of {} precincts have a whole-percent turnout or {leader_name} share (±0.05 pp); binomial noise predicts {:.0}: {:+.0} ({:+.1}%), z = {c:.1}, {}",
                    thousands(a as u64),
                    thousands(d as u64),
                    b,
                    a - b,
                    100.0 * (a - b) / b.max(1.0),
                    fmt_p(t.p)
                ),
                Kind::TurnoutShareSkew if t.region.is_none() => format!(
                    "{leader_name}'s share rises with turnout within regions (pooled weighted r = {b:.2}, {}); against each region's clean peak, about {} votes above what the other votes imply",
                    fmt_p(t.p),
                    thousands(a.round() as u64)
                ),
                Kind::TurnoutShareSkew => format!(
                    "{leader_name}'s share rises with turnout in {place} (weighted r = {b:.2}, {}); against the clean peak at {} turnout ({} share), about {} votes above what the other votes imply",
                    fmt_p(t.p),
                    pct(c),
                    pct(d),
                    thousands(a.round() as u64)
                ),
                Kind::LastDigitBias => format!(
                    "last digits of {} vote counts are not uniform (χ² = {a:.1}, 9 df, {}); {} end in 0 or 5 (20% expected) — weak evidence alone",
                    thousands(c as u64),
                    fmt_p(t.p),
                    pct(b)
                ),
                Kind::StalledRegion => unreachable!(),
            };
            anomalies.push(Anomaly {
                kind: kind.name(),
                severity,
                precinct: t.precinct.map(|p| engine.precincts()[p as usize].id.to_string()),
                region: t.region.map(|r| regions[r as usize].id.clone()),
                message,
            });
        }
    }
    anomalies.extend(stalled(engine, &data, cfg, now));
    Forensics { anomalies, status, national_excess_votes: national_excess }
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

    /// The engine's summary with the statistical flags added. Time-dependent flags (stalled
    /// regions) are judged on the feed's own clock — its "data as of", the latest report —
    /// so a live session, a replay and a tally of the same reports say the same.
    pub fn summary(&mut self, engine: &Engine, force: bool) -> crate::engine::Summary {
        let s = engine.summary();
        let now = s.as_of_unix();
        let f = self.get(engine, now, force).clone();
        let mut s = s.with_forensics(f);
        s.projection = self.projection.clone();
        s
    }
}

fn pct(x: f64) -> String {
    percent1((x * 1e6).round() as u64, 1_000_000)
}

/// Regions with no new report for `stalled_minutes` of feed time after their polls closed,
/// while precincts are still missing.
fn stalled(engine: &Engine, data: &Data, cfg: &Config, now: Option<i64>) -> Vec<Anomaly> {
    let (Some(now), Some(m)) = (now, engine.manifest()) else { return Vec::new() };
    let limit = cfg.stalled_minutes * 60;
    let mut out = Vec::new();
    for (r, meta) in engine.regions().iter().enumerate() {
        let Some(expected) = meta.precincts_expected else { continue };
        let have = data.counted[r] as u64;
        let Some(close) = m.regions.get(r).and_then(|info| m.polls_close_in(info)).map(|t| t.unix_timestamp()) else {
            continue;
        };
        if have >= expected || now - close < limit {
            continue;
        }
        let last = data.latest[r];
        let quiet_since = last.unwrap_or(close).max(close);
        if now - quiet_since >= limit {
            out.push(Anomaly {
                kind: Kind::StalledRegion.name(),
                severity: Severity::Info,
                precinct: None,
                region: Some(meta.id.clone()),
                message: format!(
                    "no new report for {} min ({} of {} precincts in); the last came {}",
                    (now - quiet_since) / 60,
                    thousands(have),
                    thousands(expected),
                    if last.is_some() { "after polls closed" } else { "never" }
                ),
            });
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
        analyze(e, &Config::default(), Some(now)).anomalies.into_iter().filter(|a| a.kind == "stalled_region").collect()
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
        assert!(stalled_at(&none, "20:31")[0].message.contains("the last came never"));
        // Every precinct in: nothing is missing, nothing stalled.
        assert!(stalled_at(&engine(&[("P1", "20:10"), ("P2", "20:12")]), "23:00").is_empty());
        // Without the feed's clock there is no judging it.
        assert!(analyze(&e, &Config::default(), None).anomalies.iter().all(|a| a.kind != "stalled_region"));
    }
}
