//! Speed close to the floor (issue 15), on Russia's 2018 election (97,699 stations,
//! `../shared/data/ru-2018-presidential.csv.zip` or `VOTEWATCH_RU2018_ZIP`, read with
//! `docs/examples/ru-2018-presidential.json`):
//!
//! - `incremental`: in process, the first full analysis (statistics and projection) and then
//!   one new report at a time — a correction of one station — with the analysis and the
//!   summary a view gets after each (the statistics must cost what changed: microseconds, not
//!   a re-run of the region).
//!
//! Without the data, it says so and exits 0. Run: `cargo bench --bench speed`.

use std::path::Path;
use std::time::Instant;

use votewatch::feed::report::{Name, Report};
use votewatch::feed::{Batch, Loc, Timestamp};

#[path = "../tests/common/ru2018.rs"]
mod ru2018;

// As the binary does (its allocation costs are part of what is measured).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn incremental(rows: &mut Vec<(String, String, String)>) {
    let Some((dir, _)) = ru2018::extracted("incremental") else { return };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/ru-2018-presidential.json");
    let spec = votewatch::source::FeedSpec::open(dir.path(), Some(&manifest), 64 << 20).unwrap();
    let mut engine = votewatch::hub::load(&spec);
    let mut cache = votewatch::analysis::Cache::default();
    let t = Instant::now();
    let first = votewatch::hub::summarize(&engine, &mut cache, true);
    let full = t.elapsed();
    assert_eq!(first.precincts_reporting, 97_699);
    // Corrections of stations spread over the regions: each adds a vote to one candidate.
    let n = engine.precincts().len();
    let (mut analysis, mut summary) = (Vec::new(), Vec::new());
    let iters: usize = std::env::var("SPEED_N").ok().and_then(|s| s.parse().ok()).unwrap_or(40);
    for i in 0..iters {
        let p = &engine.precincts()[(i * 2_459 + 17) % n];
        let e = p.counted().unwrap();
        let mut votes: Vec<(Name, u32)> =
            e.votes.iter().enumerate().map(|(c, &v)| (Name::Listed(c as u32), v)).collect();
        let c = i % votes.len();
        votes[c].1 += 1;
        let report = Report {
            precinct: p.id.clone(),
            region: Some(Name::Listed(e.region)),
            reported_at: None,
            revision: e.revision + 1,
            registered: e.registered,
            ballots: e.ballots + 1,
            invalid: e.invalid,
            issued: e.issued(),
            votes,
        };
        let batch = Batch { reports: vec![(Loc::Line(i as u32 + 1), report)], rejections: Vec::new() };
        engine.ingest(&format!("corrections/{i}.csv"), batch, Timestamp { unix: 0, offset_seconds: 0 });
        let now = engine.count().as_of_unix();
        let t = Instant::now();
        let f = cache.get(&engine, now, true).clone();
        analysis.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let s = votewatch::hub::summarize(&engine, &mut cache, true);
        summary.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(s.forensics.as_ref().unwrap().status, f.status);
    }
    rows.push((
        "statistics after one new report, Russia 2018 (97,699 stations)".into(),
        format!("{:.0} µs", median(&mut analysis)),
        format!(
            "median of {iters} corrections, each in another region: analysis and projection; the first full analysis took {:.0} ms; the whole summary a view gets (totals, anomalies, statistics): {:.0} µs",
            full.as_secs_f64() * 1e3,
            median(&mut summary)
        ),
    ));
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wants = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let mut rows = Vec::new();
    if wants("incremental") {
        incremental(&mut rows);
    }
    println!("\n| measure | figure | notes |\n|---|---|---|");
    for (a, b, c) in rows {
        println!("| {a} | {b} | {c} |");
    }
}
