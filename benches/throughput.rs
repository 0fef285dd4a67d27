//! End-to-end speed and memory of the real binary, against the floors in the README:
//!   tally of 1,000,000 NDJSON reports            < 2 s (issue 15: ≤ 1 s)
//!   tally of 100,000 single-report files         < 2 s
//!   peak memory, 1,000,000 precincts × 8 cands   < 400 MB (issue 15: ≤ 250 MB)
//!   watch: rename → next totals event, p99        < 250 ms at 1,000 reports/s
//!
//!   dashboard: bytes a second to the terminal in a replay at 120×40 < 30 KB/s
//!   dashboard: a key shows on screen during a 100,000-report burst  < 100 ms
//!
//! Run: `cargo bench --bench throughput` (add `-- tally-ndjson`, `tally-files`, `latency`,
//! `terminal-bytes` or `key-latency` to pick one; the last two need tmux). Figures are printed as a table; each is the best of three runs for timings
//! (the machine is shared), the worst for memory.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CANDIDATES: [&str; 8] = ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"];

fn manifest(dir: &Path) {
    let cands: Vec<String> = CANDIDATES.iter().map(|c| format!(r#"{{"id":"{c}","name":"Candidate {c}"}}"#)).collect();
    let regions: Vec<String> =
        (0..20).map(|r| format!(r#"{{"id":"r{r}","name":"Region {r}","utc_offset":"+06:00"}}"#)).collect();
    std::fs::write(
        dir.join("election.json"),
        format!(
            r#"{{"id":"bench","name":"Benchmark","date":"2022-11-20","polls_close":"20:00","candidates":[{}],"regions":[{}]}}"#,
            cands.join(","),
            regions.join(",")
        ),
    )
    .unwrap();
}

/// A deterministic, internally consistent report line.
fn report(i: u64) -> String {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    let registered = 500 + next(2500);
    let mut votes = [0u64; 8];
    let mut valid = 0;
    for v in votes.iter_mut() {
        *v = next(registered / 12 + 1);
        valid += *v;
    }
    let invalid = next(20);
    let v: Vec<String> = CANDIDATES.iter().zip(votes).map(|(c, n)| format!(r#""{c}":{n}"#)).collect();
    format!(
        r#"{{"precinct":"P{i:07}","region":"r{}","reported_at":"2022-11-20T{:02}:{:02}:00+06:00","revision":1,"registered":{registered},"ballots":{},"invalid":{invalid},"votes":{{{}}}}}"#,
        i % 20,
        20 + (i / 60_000) % 4,
        (i / 1000) % 60,
        valid + invalid,
        v.join(",")
    )
}

struct Run {
    seconds: f64,
    max_rss_mib: f64,
}

/// Runs the binary, returning wall time and its peak resident memory.
fn run(args: &[&str]) -> Run {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_votewatch")).args(args).stdout(Stdio::null()).status().unwrap();
    let seconds = start.elapsed().as_secs_f64();
    assert!(status.success());
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    // ru_maxrss of children is the largest of any child so far (KiB on Linux).
    Run { seconds, max_rss_mib: usage.ru_maxrss as f64 / 1024.0 }
}

fn best_of_three(args: &[&str]) -> (f64, f64) {
    let runs: Vec<Run> = (0..3).map(|_| run(args)).collect();
    let best = runs.iter().map(|r| r.seconds).fold(f64::MAX, f64::min);
    let rss = runs.iter().map(|r| r.max_rss_mib).fold(0.0, f64::max);
    (best, rss)
}

fn tally_ndjson(rows: &mut Vec<(String, String, String)>) {
    let d = tempfile::tempdir().unwrap();
    manifest(d.path());
    let mut f = BufWriter::new(std::fs::File::create(d.path().join("all.ndjson")).unwrap());
    for i in 0..1_000_000 {
        writeln!(f, "{}", report(i)).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let size = std::fs::metadata(d.path().join("all.ndjson")).unwrap().len();
    let feed = d.path().to_str().unwrap();
    let (secs, rss) = best_of_three(&["tally", feed, "--json"]);
    rows.push((
        "tally, 1,000,000 reports in one NDJSON file".into(),
        format!("{secs:.2} s"),
        format!("{:.0} MB file", size as f64 / 1e6),
    ));
    rows.push((
        "peak memory, 1,000,000 precincts × 8 candidates".into(),
        format!("{rss:.0} MiB ({:.0} MB)", rss * 1.048_576),
        "max RSS of tally, the largest of the three runs".into(),
    ));
}

fn tally_files(rows: &mut Vec<(String, String, String)>) {
    let d = tempfile::tempdir().unwrap();
    manifest(d.path());
    for i in 0..100_000u64 {
        let sub = d.path().join(format!("r{:03}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        std::fs::write(sub.join(format!("p{i:07}.json")), report(i)).unwrap();
    }
    let feed = d.path().to_str().unwrap();
    let (secs, _) = best_of_three(&["tally", feed, "--json"]);
    rows.push((
        "tally, 100,000 single-report files".into(),
        format!("{secs:.2} s"),
        "100 folders × 1,000 files".into(),
    ));
}

fn latency(rows: &mut Vec<(String, String, String)>) {
    let d = tempfile::tempdir().unwrap();
    manifest(d.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_votewatch"))
        .args(["watch", d.path().to_str().unwrap(), "--headless"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    // (arrival time, precincts_reporting) of every totals event.
    let seen: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let line = line.unwrap();
            if line.starts_with(r#"{"event":"totals""#) {
                let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                sink.lock().unwrap().push((Instant::now(), v["precincts_reporting"].as_u64().unwrap()));
            }
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let rate = 1000.0;
    let total = 10_000u64;
    let start = Instant::now();
    let mut written: Vec<Instant> = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let tmp = d.path().join(format!(".p{i}.json.tmp"));
        std::fs::write(&tmp, report(i)).unwrap();
        std::fs::rename(&tmp, d.path().join(format!("p{i:07}.json"))).unwrap();
        written.push(Instant::now());
    }
    let achieved = total as f64 / start.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(1500));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
    reader.join().unwrap();
    let seen = seen.lock().unwrap();
    let mut lat: Vec<f64> = written
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let shown =
                seen.iter().find(|(at, n)| *n > i as u64 && at >= t).map(|(at, _)| *at).expect("every report is shown");
            shown.duration_since(*t).as_secs_f64() * 1000.0
        })
        .collect();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    rows.push((
        format!("watch: rename → totals, at {achieved:.0} reports/s"),
        format!("p99 {:.0} ms", pct(0.99)),
        format!("p50 {:.0} ms, max {:.0} ms, {} reports", pct(0.5), lat[lat.len() - 1], lat.len()),
    ));
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wants = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let mut rows = Vec::new();
    if wants("tally-ndjson") {
        tally_ndjson(&mut rows);
    }
    if wants("tally-files") {
        tally_files(&mut rows);
    }
    if wants("latency") {
        latency(&mut rows);
    }
    if wants("terminal-bytes") {
        terminal_bytes(&mut rows);
    }
    if wants("key-latency") {
        key_latency(&mut rows);
    }
    println!("\n| measure | figure | notes |\n|---|---|---|");
    for (a, b, c) in rows {
        println!("| {a} | {b} | {c} |");
    }
}

#[path = "../tests/common/tmux.rs"]
mod tmux;

/// Bytes written to the terminal per second during a replay of the sample at 120×40 (what an
/// SSH viewer receives), with 256 colours.
fn terminal_bytes(rows: &mut Vec<(String, String, String)>) {
    let t = tmux::Tmux::start_with("bytes", 120, 40, &["TERM=xterm-256color", "COLORTERM=truecolor"]);
    let log = t.file("pane.log");
    t.cmd(&["pipe-pane", "-t", "t", "-o", &format!("cat >> {}", log.display())]).status().unwrap();
    let feed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-feeds/kz-2022-presidential");
    t.run(&format!("{} replay {}", env!("CARGO_BIN_EXE_votewatch"), feed.display()));
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(30));
    let size = || std::fs::metadata(&log).map_or(0, |m| m.len());
    let (start, t0) = (size(), Instant::now());
    std::thread::sleep(Duration::from_secs(60));
    let bytes = size() - start;
    let secs = t0.elapsed().as_secs_f64();
    t.keys(&["q"]);
    rows.push((
        "terminal output during a replay of the sample at 120×40 (default speed)".into(),
        format!("{:.1} KB/s", bytes as f64 / secs / 1000.0),
        format!("{bytes} bytes in {secs:.0} s, truecolor, 10 fps"),
    ));
}

/// How long a key takes to show on screen while the engine swallows a burst of 100,000
/// reports (a file moved into the watched directory).
fn key_latency(rows: &mut Vec<(String, String, String)>) {
    let d = tempfile::tempdir().unwrap();
    manifest(d.path());
    let staging = tempfile::tempdir().unwrap();
    let burst = staging.path().join("burst.ndjson");
    let mut f = BufWriter::new(std::fs::File::create(&burst).unwrap());
    for i in 0..100_000 {
        writeln!(f, "{}", report(i)).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let t = tmux::Tmux::start("keys", 120, 40);
    t.run(&format!("{} watch {}", env!("CARGO_BIN_EXE_votewatch"), d.path().display()));
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(30));
    // A key toggles the help overlay; the time until the screen shows it.
    let press = |i: usize| -> f64 {
        let (key, shown): (&str, fn(&str) -> bool) = if i.is_multiple_of(2) {
            ("?", |s| s.contains("move focus between panels"))
        } else {
            ("x", |s| !s.contains("move focus between panels"))
        };
        let sent = Instant::now();
        t.keys(&[key]);
        while !shown(&t.screen()) {
            assert!(sent.elapsed() < Duration::from_secs(5), "key {key} never showed");
        }
        sent.elapsed().as_secs_f64() * 1000.0
    };
    let mut idle: Vec<f64> = (0..10).map(press).collect();
    idle.sort_by(|a, b| a.partial_cmp(b).unwrap());
    std::fs::copy(&burst, d.path().join(".burst.tmp")).unwrap();
    std::fs::rename(d.path().join(".burst.tmp"), d.path().join("burst.ndjson")).unwrap();
    let mut lat = Vec::new();
    let burst_start = Instant::now();
    let mut during = 0;
    for i in 0..20 {
        lat.push(press(i));
        if !t.screen().contains("100,000") {
            during += 1;
        }
    }
    let ingest = t.wait_for("the burst", |s| s.contains("100,000"), Duration::from_secs(60));
    drop(ingest);
    let total = burst_start.elapsed().as_secs_f64();
    t.keys(&["q"]);
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rows.push((
        "key → screen while ingesting a burst of 100,000 reports".into(),
        format!("max {:.0} ms", lat[lat.len() - 1]),
        format!(
            "median {:.0} ms over {} keys ({during} during the ingest; idle: median {:.0} ms, the cost of tmux send + capture), burst done in {total:.1} s",
            lat[lat.len() / 2],
            lat.len(),
            idle[idle.len() / 2]
        ),
    ));
}
