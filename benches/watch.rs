//! `watch` left running all night, measured on the real binary (floors from issue 8, figures
//! in the README):
//!   idle CPU of `watch --headless` on a 200,000-precinct feed over 30 s   < 1% of a core
//!   `--record` of a 1,500-report live synth at 60 reports/s              ≤ 3× the feed's bytes
//!   `watch --headless` output on a 200,000-precinct feed under change     well under 100 KB/s
//!   80,000 reports naming 80,000 new candidates, no manifest              < 2 s and 500 MB (or refused past the cap)
//!
//! Run: `cargo bench --bench watch` (add `-- idle`, `record`, `stream` or `learned` to pick
//! one). The machine is shared: CPU is the process's own (user + system), not wall time.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_votewatch"))
}

/// CPU seconds (user + system) a process has used, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

fn synth(dir: &Path, precincts: u32, extra: &[&str]) {
    let out = bin()
        .args(["synth", dir.to_str().unwrap(), "--precincts", &precincts.to_string(), "--seed", "11"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn bytes_below(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() { bytes_below(&e.path()) } else { e.metadata().unwrap().len() }
        })
        .sum()
}

/// A running `watch --headless`, its output counted (by event) and its `totals` events kept.
struct Watching {
    child: Child,
    bytes: Arc<AtomicU64>,
    by_event: Arc<Mutex<std::collections::BTreeMap<String, u64>>>,
    reporting: Arc<Mutex<u64>>,
}

impl Watching {
    fn start(dir: &Path, extra: &[&str]) -> Watching {
        let mut child = bin()
            .args(["watch", dir.to_str().unwrap(), "--headless"])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let bytes = Arc::new(AtomicU64::new(0));
        let reporting = Arc::new(Mutex::new(0));
        let by_event: Arc<Mutex<std::collections::BTreeMap<String, u64>>> = Arc::default();
        let (b, r, e) = (Arc::clone(&bytes), Arc::clone(&reporting), Arc::clone(&by_event));
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let line = line.unwrap();
                b.fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
                let kind = line.split('"').nth(3).unwrap_or("?").to_string();
                *e.lock().unwrap().entry(kind).or_default() += line.len() as u64 + 1;
                if line.starts_with(r#"{"event":"totals""#) {
                    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                    *r.lock().unwrap() = v["precincts_reporting"].as_u64().unwrap();
                }
            }
        });
        Watching { child, bytes, by_event, reporting }
    }

    fn wait_for(&self, precincts: u64, limit: Duration) {
        let start = Instant::now();
        while *self.reporting.lock().unwrap() < precincts {
            assert!(start.elapsed() < limit, "watch never reached {precincts} precincts");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().unwrap();
    }
}

fn idle(rows: &mut Vec<[String; 3]>) {
    let d = tempfile::tempdir().unwrap();
    synth(d.path(), 200_000, &[]);
    let w = Watching::start(d.path(), &[]);
    w.wait_for(200_000, Duration::from_secs(120));
    std::thread::sleep(Duration::from_secs(3));
    let pid = w.child.id();
    let before = cpu_seconds(pid);
    let span = 30.0;
    std::thread::sleep(Duration::from_secs_f64(span));
    let used = cpu_seconds(pid) - before;
    w.stop();
    rows.push([
        "watch --headless, idle, 200,000-precinct feed".into(),
        format!("{:.2}% of a core", 100.0 * used / span),
        format!("{used:.2} CPU s in {span:.0} s"),
    ]);
}

fn record(rows: &mut Vec<[String; 3]>) {
    let d = tempfile::tempdir().unwrap();
    let feed = d.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    let rec: PathBuf = d.path().join("night.ndjson");
    let w = Watching::start(&feed, &["--record", rec.to_str().unwrap()]);
    std::thread::sleep(Duration::from_millis(500));
    synth(&feed, 1500, &["--live", "60"]);
    w.wait_for(1500, Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs(2));
    w.stop();
    let feed_bytes = bytes_below(&feed);
    let rec_bytes = std::fs::metadata(&rec).unwrap().len();
    let mut lines = 0;
    let mut text = String::new();
    std::fs::File::open(&rec).unwrap().read_to_string(&mut text).unwrap();
    lines += text.lines().count();
    rows.push([
        "--record of a 1,500-report live synth at 60/s".into(),
        format!("{:.2}× the feed", rec_bytes as f64 / feed_bytes as f64),
        format!("{rec_bytes} bytes, {lines} lines; feed {feed_bytes} bytes"),
    ]);
}

fn stream(rows: &mut Vec<[String; 3]>) {
    // Election night: 30,000 of a 200,000-precinct feed's reports still to come, arriving at
    // 1,000 a second into a log of their own.
    let d = tempfile::tempdir().unwrap();
    synth(d.path(), 200_000, &[]);
    let late = withhold(d.path(), 30_000);
    let w = Watching::start(d.path(), &[]);
    w.wait_for(200_000 - late.len() as u64, Duration::from_secs(120));
    std::thread::sleep(Duration::from_secs(2));
    let (kbps, detail) = stream_while(&w, &d.path().join("late.ndjson"), &late);
    rows.push(["watch --headless output, 200,000 precincts, 1,000 new reports/s".into(), kbps, detail]);
    // Then corrections, each a second revision that takes a vote away (so each raises a
    // votes_decreased anomaly, announced once).
    let fixes = corrections(d.path(), 30_000);
    let (kbps, detail) = stream_while(&w, &d.path().join("corrections.ndjson"), &fixes);
    w.stop();
    rows.push(["watch --headless output, same feed, 1,000 corrections/s each flagged".into(), kbps, detail]);
}

/// Appends `lines` to `log` at 1,000 a second; the stream's bytes a second meanwhile, and
/// what they were made of.
fn stream_while(w: &Watching, log: &Path, lines: &[String]) -> (String, String) {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let rate = 1000.0;
    let before = w.bytes.load(Ordering::Relaxed);
    let kinds_before = w.by_event.lock().unwrap().clone();
    let start = Instant::now();
    for (i, line) in lines.iter().enumerate() {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        writeln!(f, "{line}").unwrap();
    }
    std::thread::sleep(Duration::from_secs(2));
    let elapsed = start.elapsed().as_secs_f64();
    let written = w.bytes.load(Ordering::Relaxed) - before;
    let kinds = w.by_event.lock().unwrap().clone();
    let mut parts: Vec<(u64, String)> = kinds
        .iter()
        .map(|(k, v)| (v - kinds_before.get(k).copied().unwrap_or(0), k.clone()))
        .filter(|p| p.0 > 0)
        .collect();
    parts.sort_by(|a, b| b.cmp(a));
    let parts: Vec<String> =
        parts.iter().take(4).map(|(v, k)| format!("{k} {:.1}", *v as f64 / elapsed / 1000.0)).collect();
    (
        format!("{:.1} KB/s", written as f64 / elapsed / 1000.0),
        format!("{written} bytes in {elapsed:.0} s (KB/s: {})", parts.join(", ")),
    )
}

/// Takes about `n` report lines out of the feed's NDJSON logs — the same share of each, so
/// that every region still has reports to come — to arrive later.
fn withhold(dir: &Path, n: usize) -> Vec<String> {
    let mut logs = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ndjson") {
                logs.push(p);
            }
        }
    }
    logs.sort();
    let total: usize = logs.iter().map(|l| std::fs::read_to_string(l).unwrap().lines().count()).sum();
    let mut taken = Vec::new();
    for log in logs {
        let text = std::fs::read_to_string(&log).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let keep = lines.len() - (lines.len() * n).div_ceil(total).min(lines.len());
        taken.extend(lines[keep..].iter().map(|l| l.to_string()));
        let kept: String = lines[..keep].iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&log, kept).unwrap();
    }
    // In the order they were made (the regions interleaved, as on the night).
    let at = |l: &String| {
        serde_json::from_str::<serde_json::Value>(l).unwrap()["reported_at"].as_str().unwrap_or("").to_string()
    };
    taken.sort_by_cached_key(at);
    taken
}

/// `n` second revisions of the feed's own reports (a vote moved between the first two
/// candidates), as NDJSON lines.
fn corrections(dir: &Path, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ndjson") {
                for line in std::fs::read_to_string(&p).unwrap().lines() {
                    if out.len() >= n {
                        return out;
                    }
                    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
                    if v["revision"].as_u64().unwrap_or(1) != 1 {
                        continue;
                    }
                    v["revision"] = 2.into();
                    let votes = v["votes"].as_object_mut().unwrap();
                    let ids: Vec<String> = votes.keys().cloned().collect();
                    let a = votes[&ids[0]].as_u64().unwrap();
                    if a > 0 && ids.len() > 1 {
                        votes.insert(ids[0].clone(), (a - 1).into());
                        let b = votes[&ids[1]].as_u64().unwrap();
                        votes.insert(ids[1].clone(), (b + 1).into());
                    }
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

fn learned(rows: &mut Vec<[String; 3]>) {
    let d = tempfile::tempdir().unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(d.path().join("many.ndjson")).unwrap());
    for i in 0..80_000 {
        writeln!(f, r#"{{"precinct":"P{i}","registered":100,"ballots":10,"votes":{{"cand{i}":10}}}}"#).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let start = Instant::now();
    let out = bin().args(["tally", d.path().to_str().unwrap(), "--json"]).output().unwrap();
    let secs = start.elapsed().as_secs_f64();
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    rows.push([
        "tally, 80,000 reports naming 80,000 new candidates".into(),
        format!("{secs:.2} s, {:.0} MiB", usage.ru_maxrss as f64 / 1024.0),
        format!(
            "{} counted, {} refused past the cap",
            v["precincts_reporting"],
            v["rejected"].as_array().map_or(0, Vec::len)
        ),
    ]);
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wants = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let mut rows = Vec::new();
    if wants("learned") {
        learned(&mut rows);
    }
    if wants("idle") {
        idle(&mut rows);
    }
    if wants("record") {
        record(&mut rows);
    }
    if wants("stream") {
        stream(&mut rows);
    }
    println!("\n| measure | figure | detail |\n|---|---|---|");
    for [a, b, c] in rows {
        println!("| {a} | {b} | {c} |");
    }
}
