//! Speed close to the floor (issue 15), on Russia's 2018 election (97,699 stations,
//! `../shared/data/ru-2018-presidential.csv.zip` or `VOTEWATCH_RU2018_ZIP`, read with
//! `docs/examples/ru-2018-presidential.json`):
//!
//! - `incremental`: in process, the first full analysis (statistics and projection) and then
//!   one new report at a time — a correction of one station — with the analysis and the
//!   summary a view gets after each (the statistics must cost what changed: microseconds, not
//!   a re-run of the region), each as this thread's CPU time (one changed region is tested on
//!   this thread; the wall time of a few microseconds moves with the shared machine's load).
//!   Then the timeline a snapshot carries, read after each of some more corrections (kept with
//!   the changes, not made afresh).
//!
//! - `tally-python`: `votewatch tally --json` of the whole feed against a plain Python reading
//!   of the same file (`benches/peer_tally.py`: the csv and json modules, the same national
//!   totals, no statistics), alternating, five rounds; the two must agree on every total. Also
//!   votewatch's peak memory against the feed's size. Then, in this process, where that
//!   tally's time goes (the load, the first full analysis, the exact chances alone) against the
//!   time 20× Python's would leave.
//!
//! - `replay-max`: `votewatch replay --speed max` of the whole feed in the dashboard (tmux,
//!   120×40), from the command to the screen showing the replay ended with every station in and
//!   the anomalies of a fresh `tally` (the analysis current at the end), three runs.
//!
//! Without the data, it says so and exits 0. Run: `cargo bench --bench speed` (`-- incremental`,
//! `-- tally-python` for one; `SPEED_N=400` for more corrections).

use std::path::Path;
use std::time::Instant;

use votewatch::feed::report::{Name, Report};
use votewatch::feed::{Batch, Loc, Timestamp};

#[path = "../tests/common/ru2018.rs"]
mod ru2018;
#[path = "../tests/common/tmux.rs"]
mod tmux;

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
    let (mut analysis, mut summary) = (Vec::new(), Vec::new());
    let iters: usize = std::env::var("SPEED_N").ok().and_then(|s| s.parse().ok()).unwrap_or(40);
    for i in 0..iters {
        correct(&mut engine, i);
        let now = engine.count().as_of_unix();
        let t = thread_cpu();
        let f = analysis_after(&engine, &mut cache, now);
        analysis.push((thread_cpu() - t) * 1e6);
        let t = thread_cpu();
        let s = summary_after(&engine, &mut cache);
        summary.push((thread_cpu() - t) * 1e6);
        assert_eq!(s.forensics.as_ref().unwrap().status, f.status);
    }
    // The timeline a snapshot carries (reports per minute, the leader's running share): made
    // once, then read after each of some more corrections.
    let mut kept = votewatch::hub::timeline::KeptTimeline::default();
    let last = summary_after(&engine, &mut cache);
    // (Once before, so that what is measured is not the first touch of fresh memory.)
    std::hint::black_box(votewatch::hub::timeline::KeptTimeline::default().read(&engine, &last));
    let t = thread_cpu();
    std::hint::black_box(kept.read(&engine, &last));
    let first_timeline = thread_cpu() - t;
    let mut timeline = Vec::new();
    for i in 0..iters.min(200) {
        correct(&mut engine, iters + i);
        let last = summary_after(&engine, &mut cache);
        let t = thread_cpu();
        std::hint::black_box(kept.read(&engine, &last));
        timeline.push((thread_cpu() - t) * 1e6);
    }
    rows.push((
        "timeline after one new report, Russia 2018".into(),
        format!("{:.1} µs of CPU", median(&mut timeline)),
        format!(
            "reports per minute and the leader's running share, as a snapshot carries them: kept with the changes (made afresh, it took {:.1} ms)",
            first_timeline * 1e3
        ),
    ));
    rows.push((
        "statistics after one new report, Russia 2018 (97,699 stations)".into(),
        format!("{:.0} µs of CPU", median(&mut analysis)),
        format!(
            "median of {iters} corrections, each in another region: analysis and projection; the first full analysis took {:.0} ms; the whole summary a view gets (totals, anomalies, statistics): {:.0} µs of CPU",
            full.as_secs_f64() * 1e3,
            median(&mut summary)
        ),
    ));
}

/// Correction `i`: a station (spread over the regions) with one vote more for one candidate.
fn correct(engine: &mut votewatch::engine::Engine, i: usize) {
    let pi = (i * 2_459 + 17) % engine.precincts().len();
    let p = &engine.precincts()[pi];
    let e = p.counted().unwrap();
    let mut votes: Vec<(Name, u32)> = e.votes.iter().enumerate().map(|(c, &v)| (Name::Listed(c as u32), v)).collect();
    let c = i % votes.len();
    votes[c].1 += 1;
    let report = Report {
        precinct: engine.precinct_id(pi as u32).into(),
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
}

// The two steps measured, each a function of its own, so that an instruction count can be
// read of them alone: `valgrind --tool=callgrind --toggle-collect='*analysis_after*'` (see
// docs/SPEED.md).
#[inline(never)]
fn analysis_after(
    engine: &votewatch::engine::Engine,
    cache: &mut votewatch::analysis::Cache,
    now: Option<i64>,
) -> votewatch::analysis::Forensics {
    cache.get(engine, now, true).clone()
}

#[inline(never)]
fn summary_after(
    engine: &votewatch::engine::Engine,
    cache: &mut votewatch::analysis::Cache,
) -> votewatch::hub::Summary {
    votewatch::hub::summarize(engine, cache, true)
}

/// This thread's CPU time, in seconds: what a step costs, without the time the machine's other
/// work takes the core away from it (this machine is shared; wall times of a few microseconds
/// move with its load).
fn thread_cpu() -> f64 {
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) }, 0);
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Runs `cmd` to its end: wall seconds, its own peak resident memory (MiB) and its output.
fn measured(cmd: &mut std::process::Command) -> (f64, f64, Vec<u8>) {
    use std::io::Read;
    let start = Instant::now();
    // Reaped by `wait4` below, which gives this child's own peak memory (not the largest of
    // all children so far, as `getrusage` would).
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let (mut status, mut usage): (libc::c_int, libc::rusage) = (0, unsafe { std::mem::zeroed() });
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{cmd:?} failed");
    (start.elapsed().as_secs_f64(), usage.ru_maxrss as f64 / 1024.0, out)
}

/// Russia 2018 as a night: each station's row given a `reported_at` of 20:00 Moscow time plus
/// a delay spread over the next six hours (the commission's table has no times, and a replay of
/// one instant would be one batch), with the example manifest reading that column.
fn timed_feed(dir: &Path, manifest: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let mut reader = csv::Reader::from_path(dir.join("2018.csv")).unwrap();
    let mut writer = csv::Writer::from_path(out.path().join("2018.csv")).unwrap();
    let mut header = reader.headers().unwrap().clone();
    header.push_field("reported_at");
    writer.write_record(&header).unwrap();
    let close = 1_521_392_400i64; // 2018-03-18 20:00 +03:00
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for row in reader.records() {
        let mut row = row.unwrap();
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let at = Timestamp { unix: close + 900 + (state >> 33) as i64 % (6 * 3600 - 900), offset_seconds: 3 * 3600 };
        row.push_field(&at.to_rfc3339());
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    m["csv"]["reported_at"] = "reported_at".into();
    let timed = out.path().join("election.json");
    std::fs::write(&timed, m.to_string()).unwrap();
    (out, timed)
}

fn replay_max(rows: &mut Vec<(String, String, String)>) {
    let Some((raw, _)) = ru2018::extracted("replay-max") else { return };
    let (dir, manifest) =
        timed_feed(raw.path(), &Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/ru-2018-presidential.json"));
    let (_, _, out) = measured(
        std::process::Command::new(env!("CARGO_BIN_EXE_votewatch"))
            .args(["tally", "--json", "--manifest"])
            .arg(&manifest)
            .arg(dir.path()),
    );
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let flags = v["anomalies"].as_array().unwrap().len();
    let done = format!("Anomalies ({flags})");
    let mut times = Vec::new();
    for i in 0..3 {
        let t = tmux::Tmux::start(&format!("replay-max-{i}"), 120, 40);
        let start = Instant::now();
        t.run(&format!(
            "{} replay {} --manifest {} --speed max",
            env!("CARGO_BIN_EXE_votewatch"),
            dir.path().display(),
            manifest.display()
        ));
        loop {
            let s = t.screen();
            if s.contains("REPLAY ENDED") && s.contains("97,699/97,699") && s.contains(&done) {
                break;
            }
            assert!(start.elapsed().as_secs() < 60, "the replay never ended with {done}:\n{s}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        times.push(start.elapsed().as_secs_f64());
        t.keys(&["q"]);
    }
    let shown: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
    times.sort_by(f64::total_cmp);
    rows.push((
        "replay of Russia 2018 at `--speed max` in the dashboard (120×40, tmux), the whole night".into(),
        format!("{:.1} s", times[2]),
        format!(
            "the worst of three runs ({} s): from the command to the screen showing the replay ended, 97,699/97,699 reports and the {flags} anomalies of a fresh tally; each station given a time over six hours of the night",
            shown.join(", ")
        ),
    ));
}

fn tally_python(rows: &mut Vec<(String, String, String)>) {
    let Some((dir, _)) = ru2018::extracted("tally-python") else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("docs/examples/ru-2018-presidential.json");
    let feed_bytes: u64 = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    let (mut ours, mut theirs, mut peak) = (Vec::new(), Vec::new(), 0.0f64);
    for _ in 0..5 {
        let (t, rss, out) = measured(
            std::process::Command::new(env!("CARGO_BIN_EXE_votewatch"))
                .args(["tally", "--json", "--manifest"])
                .arg(&manifest)
                .arg(dir.path()),
        );
        ours.push(t);
        peak = peak.max(rss);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let (t, _, out) = measured(
            std::process::Command::new("python3")
                .arg(root.join("benches/peer_tally.py"))
                .arg(dir.path())
                .arg(&manifest),
        );
        theirs.push(t);
        let p: serde_json::Value = serde_json::from_slice(&out).unwrap();
        // The same work: the same totals.
        for (a, b) in [("registered", "registered"), ("ballots", "ballots"), ("invalid", "invalid"), ("valid", "valid")]
        {
            assert_eq!(v[a], p[b], "{a}");
        }
        assert_eq!(v["precincts_reporting"], p["precincts"]);
        for c in v["candidates"].as_array().unwrap() {
            assert_eq!(c["votes"], p["votes"][c["id"].as_str().unwrap()], "{}", c["id"]);
        }
    }
    let (a, b) = (median(&mut ours), median(&mut theirs));
    let feed = feed_bytes as f64 / 1048576.0;
    rows.push((
        "`tally --json` of Russia 2018 (97,699 stations) against a plain Python reading".into(),
        format!("{:.2} s vs {:.2} s: {:.1}× faster", a, b, b / a),
        "medians of five alternating runs; statistics and projection included on our side, none on Python's; the totals agree".into(),
    ));
    rows.push((
        "peak memory of that tally".into(),
        format!("{peak:.0} MiB ({:.1}× the feed's {feed:.1} MiB)", peak / feed),
        "the largest of the five runs".into(),
    ));
    floor(rows, dir.path(), &manifest, b);
}

/// Where the time of that tally goes, against the time 20× Python's would leave (`python`
/// seconds over 20), in this process: the file read alone, the load (read, parse, count) and
/// the first full analysis, each the median of three; and the exact whole-percent chances
/// alone, every qualifying station's worked out on one thread (the part of the analysis that
/// depends on each station alone, so a first tally cannot skip it).
fn floor(rows: &mut Vec<(String, String, String)>, dir: &Path, manifest: &Path, python: f64) {
    use std::io::Read;
    use votewatch::analysis::{data, integer};
    let (mut read, mut load, mut first, mut chances) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    // The files read into one buffer, already touched (on this virtual machine the first touch
    // of fresh memory costs more than the copy: that is the allocator's part, not the read's).
    let mut buf = Vec::new();
    for f in &files {
        std::fs::File::open(f).unwrap().read_to_end(&mut buf).unwrap();
    }
    for _ in 0..3 {
        let t = Instant::now();
        let mut bytes = 0;
        for f in &files {
            buf.clear();
            bytes += std::fs::File::open(f).unwrap().read_to_end(&mut buf).unwrap();
        }
        read.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(bytes > 0);
        let t = Instant::now();
        let spec = votewatch::source::FeedSpec::open(dir, Some(manifest), 64 << 20).unwrap();
        let engine = votewatch::hub::load(&spec);
        load.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let summary = votewatch::hub::summarize(&engine, &mut votewatch::analysis::Cache::default(), true);
        first.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(summary.precincts_reporting, 97_699);
        let leader = data::leader(&engine);
        let t = thread_cpu();
        let mut sum = 0.0;
        for (i, p) in engine.precincts().iter().enumerate() {
            let Some(e) = p.counted() else { continue };
            let point = data::Point::of(i as u32, e, leader);
            if integer::qualifies(&point) {
                sum += integer::chance(&point);
            }
        }
        chances.push((thread_cpu() - t) * 1e3);
        assert!(std::hint::black_box(sum) > 0.0);
    }
    rows.push((
        "where that tally's time goes, against 20× Python's".into(),
        format!(
            "load {:.0} ms + first analysis {:.0} ms, against {:.0} ms",
            median(&mut load),
            median(&mut first),
            python / 20.0 * 1e3
        ),
        format!(
            "in this process, medians of three: the load reads, parses and counts (the file read alone: {:.0} ms); the analysis includes the exact whole-percent chances, {:.0} ms of CPU alone on one thread",
            median(&mut read),
            median(&mut chances)
        ),
    ));
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wants = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let mut rows = Vec::new();
    // First, while this process is small: a child's peak memory as Linux reports it starts
    // from its parent's at the spawn (the incremental run holds Russia 2018 in memory).
    if wants("tally-python") {
        tally_python(&mut rows);
    }
    if wants("incremental") {
        incremental(&mut rows);
    }
    if wants("replay-max") {
        replay_max(&mut rows);
    }
    println!("\n| measure | figure | notes |\n|---|---|---|");
    for (a, b, c) in rows {
        println!("| {a} | {b} | {c} |");
    }
}
