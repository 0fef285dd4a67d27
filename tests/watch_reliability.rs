//! `watch` left running all night: it does nothing when nothing happens, loses no refusal when
//! the manifest is touched, applies a changed manifest, says what it cannot read (and `tally`
//! says the same), survives its directory being deleted and made again, follows no link
//! loop, never blocks on a FIFO, and records what changed — once. Each case through the real
//! binary; live always ends equal to a fresh `tally`.

mod common;

use std::io::Write;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::*;

fn rename_in(dir: &Path, rel: &str, text: &str) {
    let tmp = dir.join(format!(".{}.tmp", rel.replace('/', "_")));
    std::fs::write(&tmp, text).unwrap();
    let dest = dir.join(rel);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::rename(tmp, dest).unwrap();
}

fn append(path: &Path, text: &[u8]) {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    f.write_all(text).unwrap();
}

/// `tally DIR --json` whatever its exit status: (status, summary, stderr).
fn tally_any(dir: &Path) -> (i32, serde_json::Value, String) {
    let out = run(&["tally", dir.to_str().unwrap(), "--json"]);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), v, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn rejected_sources(v: &serde_json::Value) -> Vec<String> {
    v["rejected"].as_array().unwrap().iter().map(|r| r["source"].as_str().unwrap().to_string()).collect()
}

fn assert_live_equals_cold(events: &[serde_json::Value], dir: &Path) {
    let (_, cold, _) = tally_any(dir);
    assert_eq!(normalize(&fold(events)), normalize(&cold), "live state equals a fresh tally");
}

/// Lets another user read a test's folder (tempdirs are private to their owner).
#[cfg(unix)]
fn open_up(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Whether this test process runs as root (then an unprivileged user is borrowed to meet
/// permissions root ignores).
fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

const NOBODY: u32 = 65534;

#[test]
fn refusals_survive_a_touched_or_rewritten_manifest() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    write(dir, "ok.json", &report("N1", "n", 1, 300, 200));
    let w = Watch::start(dir, &[]);
    // Touched three ways: read, rewritten with the same bytes, tallied by another process.
    let _ = std::fs::read(dir.join("election.json")).unwrap();
    std::fs::write(dir.join("election.json"), MANIFEST).unwrap();
    let _ = tally_any(dir);
    sleep(Duration::from_millis(300));
    rename_in(dir, "neg.json", &report("N2", "n", 1, 10, 10).replace("\"ballots\":20", "\"ballots\":-20"));
    rename_in(dir, "unknown.json", &report("N3", "n", 1, 10, 10).replace("\"b\":", "\"zz\":"));
    rename_in(dir, "garbage.json", "this is not JSON");
    for source in ["neg.json", "unknown.json", "garbage.json"] {
        w.wait_for(|v| v["event"] == "rejected" && v["source"] == source, Duration::from_secs(10));
    }
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    assert_live_equals_cold(&events, dir);
    assert_eq!(fold(&events)["rejected"].as_array().unwrap().len(), 3);
    // The same bytes are no new manifest.
    assert_eq!(events.iter().filter(|v| v["event"] == "election").count(), 1, "{events:#?}");
}

#[test]
fn a_changed_manifest_is_applied() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    let w = Watch::start(dir, &[]);
    let with_carol = MANIFEST
        .replace(r#"{"id":"b","name":"Bob"}]"#, r#"{"id":"b","name":"Bob"},{"id":"carol","name":"Carol"}]"#)
        .replace("\"Test\"", "\"Test with Carol\"");
    rename_in(dir, "election.json", &with_carol);
    rename_in(dir, "c.json", &report("N1", "n", 1, 10, 10).replace("\"b\":", "\"carol\":"));
    let carol = |v: &serde_json::Value| {
        v["candidates"].as_array().unwrap().iter().find(|c| c["id"] == "carol").cloned().unwrap_or_default()
    };
    let t = w.wait_for(
        |v| v["event"] == "totals" && v["precincts_reporting"] == 1 && carol(v)["votes"] == 10,
        Duration::from_secs(10),
    );
    assert_eq!(carol(&t)["name"], "Carol");
    w.wait_for(|v| v["event"] == "election" && v["name"] == "Test with Carol", Duration::from_secs(5));
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    assert_live_equals_cold(&events, dir);
    assert!(fold(&events)["rejected"].as_array().unwrap().is_empty());
}

#[test]
fn a_last_line_without_a_newline_counts_once_quiet() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    write(dir, "log.ndjson", &format!("{}\n", report("N1", "n", 1, 6, 4)));
    let w = Watch::start(dir, &[]);
    // The manifest touched, then a last line written without its newline.
    std::fs::write(dir.join("election.json"), MANIFEST).unwrap();
    sleep(Duration::from_millis(200));
    append(&dir.join("log.ndjson"), report("N2", "n", 1, 5, 5).as_bytes());
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 2, Duration::from_secs(10));
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    assert_live_equals_cold(&events, dir);
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_said_and_read_once_it_can_be() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    open_up(dir);
    write(dir, "election.json", MANIFEST);
    write(dir, "open/a.json", &report("N1", "n", 1, 6, 4));
    write(dir, "locked/b.json", &report("N2", "n", 1, 5, 5));
    open_up(&dir.join("open"));
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root, an unprivileged user runs it, from a copy of the binary it may run (the
    // checkout may not be open to others).
    let shelf = tempfile::tempdir().unwrap();
    open_up(shelf.path());
    let program = shelf.path().join("votewatch");
    std::fs::copy(bin_path(), &program).unwrap();
    let uid = is_root().then_some((NOBODY, program.as_path()));
    let mut tally = bin();
    if let Some((uid, program)) = uid {
        use std::os::unix::process::CommandExt;
        tally = std::process::Command::new(program);
        tally.env("XDG_CONFIG_HOME", common::NO_CONFIG).uid(uid).gid(uid);
    }
    tally.args(["tally", dir.to_str().unwrap(), "--json"]);
    let out = tally.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a feed read in part is not a clean result");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 path could not be read (locked/"), "{err}");
    let cold: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refused = &cold["rejected"][0];
    assert_eq!(
        (refused["source"].as_str(), refused["error"].as_str()),
        (Some("locked/"), Some("cannot read this folder: Permission denied"))
    );

    let w = Watch::start_as(dir, &[], uid);
    w.wait_for(|v| v["event"] == "rejected" && v["source"] == "locked/", Duration::from_secs(10));
    assert_eq!(fold(&w.events())["precincts_reporting"], 1);
    // Made readable: its reports come in and the refusal goes.
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    w.wait_for(|v| v["event"] == "rejected_cleared" && v["source"] == "locked/", Duration::from_secs(10));
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 2, Duration::from_secs(10));
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    assert_live_equals_cold(&events, dir);
}

#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_refused_by_name() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    write(dir, "ok.json", &report("N1", "n", 1, 6, 4));
    std::fs::write(dir.join(OsStr::from_bytes(b"latin1-\xe9.json")), report("N2", "n", 1, 5, 5)).unwrap();
    std::fs::create_dir(dir.join(OsStr::from_bytes(b"dir\xff"))).unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(b"dir\xff/ok.json")), report("N3", "n", 1, 5, 5)).unwrap();
    let (status, cold, err) = tally_any(dir);
    assert_eq!(status, 1, "{err}");
    assert_eq!(rejected_sources(&cold), vec!["dir\\xff/", "latin1-\\xe9.json"]);
    assert!(cold["rejected"][0]["error"].as_str().unwrap().contains("not valid UTF-8"));
    let w = Watch::start(dir, &[]);
    std::fs::write(dir.join(OsStr::from_bytes(b"late-\xfe.csv")), "precinct,registered,ballots,a\nN9,10,5,5\n")
        .unwrap();
    w.wait_for(|v| v["event"] == "rejected" && v["source"] == "late-\\xfe.csv", Duration::from_secs(10));
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    assert_live_equals_cold(&events, dir);
}

#[test]
fn a_feed_directory_deleted_and_made_again_is_followed_again() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("feed");
    write(&dir, "election.json", MANIFEST);
    write(&dir, "a.json", &report("N1", "n", 1, 6, 4));
    let w = Watch::start(&dir, &[]);
    std::fs::remove_dir_all(&dir).unwrap();
    let e = w.wait_for(|v| v["event"] == "error", Duration::from_secs(10));
    assert!(e["message"].as_str().unwrap().contains("waiting for it to come back"), "{e}");
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 0, Duration::from_secs(10));
    sleep(Duration::from_millis(300));
    write(&dir, "election.json", MANIFEST);
    write(&dir, "x/b.json", &report("N2", "n", 1, 5, 5));
    write(&dir, "c.json", &report("N3", "s", 1, 5, 5));
    w.wait_for(|v| v["event"] == "error_cleared", Duration::from_secs(10));
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 2, Duration::from_secs(10));
    // Watched again, folders included.
    write(&dir, "x/d.json", &report("N4", "n", 1, 5, 5));
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 3, Duration::from_secs(10));
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    assert_live_equals_cold(&events, &dir);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_refused_alike_by_tally_and_watch() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    write(dir, "a.json", &report("N1", "n", 1, 6, 4));
    write(dir, "bad.json", &report("N2", "n", 1, 5, 5).replace("\"registered\":1000", "\"registered\":-1"));
    std::os::unix::fs::symlink(".", dir.join("loop")).unwrap();
    let (status, cold, _) = tally_any(dir);
    assert_eq!(status, 1);
    assert_eq!(rejected_sources(&cold), vec!["bad.json", "loop"]);
    let w = Watch::start(dir, &[]);
    rename_in(dir, "late.json", &report("N3", "n", 1, 5, 5));
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 2, Duration::from_secs(10));
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    assert!(!events.iter().any(|v| v["source"].as_str().is_some_and(|s| s.starts_with("loop/"))), "{events:#?}");
    assert_live_equals_cold(&events, dir);
}

#[test]
fn a_growing_line_over_the_cap_is_refused_once_with_its_size() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    let log = dir.join("long.ndjson");
    append(&log, (report("N1", "n", 1, 6, 4) + "\n").as_bytes());
    let w = Watch::start(dir, &["--max-file-size", "1M"]);
    // A 3 MiB line written in pieces, quick enough that the file never settles between them.
    let piece = vec![b'x'; 256 << 10];
    for _ in 0..12 {
        append(&log, &piece);
        sleep(Duration::from_millis(30));
    }
    append(&log, format!("\n{}\n", report("N2", "n", 1, 5, 5)).as_bytes());
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 2, Duration::from_secs(10));
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    let refusals: Vec<&serde_json::Value> =
        events.iter().filter(|v| v["event"].as_str().is_some_and(|e| e.starts_with("rejected"))).collect();
    assert_eq!(refusals.len(), 1, "told once, never cleared: {refusals:#?}");
    assert_eq!(refusals[0]["source"], "long.ndjson:2");
    assert_eq!(refusals[0]["error"], "line is 3.0 MiB, above the size cap of 1.0 MiB (--max-file-size)");
    let out = run(&["tally", dir.to_str().unwrap(), "--json", "--max-file-size", "1M"]);
    let cold: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(normalize(&fold(&events)), normalize(&cold));
    // A file that ends inside such a line: its whole size, read to the end.
    append(&log, &vec![b'y'; 5 << 20]);
    let out = run(&["tally", dir.to_str().unwrap(), "--json", "--max-file-size", "1M"]);
    let cold: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cold["rejected"][1]["error"], "line is 5.0 MiB, above the size cap of 1.0 MiB (--max-file-size)");
}

/// Runs `votewatch ARGS`, killing it if it takes more than `limit`.
fn run_within(args: &[&str], limit: Duration) -> std::process::Output {
    let child =
        bin().args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let start = Instant::now();
    let waiter = std::thread::spawn(move || child.wait_with_output().unwrap());
    while !waiter.is_finished() {
        if start.elapsed() > limit {
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("votewatch {args:?} still running after {limit:?}");
        }
        sleep(Duration::from_millis(20));
    }
    waiter.join().unwrap()
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_without_waiting_on_them() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let fifo = dir.join("fifo.json");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let out = run_within(&["tally", fifo.to_str().unwrap()], Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file but a FIFO"));
    for (name, target) in [("zero.json", "/dev/zero"), ("random.ndjson", "/dev/urandom")] {
        std::os::unix::fs::symlink(target, dir.join(name)).unwrap();
        let out = run_within(&["tally", dir.join(name).to_str().unwrap()], Duration::from_secs(10));
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file but a device"), "{name}");
    }
    // In a feed directory: each refused by name, the rest read.
    write(dir, "ok.json", &report("N1", "n", 1, 6, 4));
    let out = run_within(&["tally", dir.to_str().unwrap(), "--json"], Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1));
    let cold: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rejected_sources(&cold), vec!["fifo.json", "random.ndjson", "zero.json"]);
    assert_eq!(cold["precincts_reporting"], 1);
    let w = Watch::start(dir, &[]);
    w.settle(Duration::from_millis(900));
    let events = w.stop();
    assert_live_equals_cold(&events, dir);
}

#[test]
fn tally_says_when_there_is_nothing_to_count() {
    let d = tempfile::tempdir().unwrap();
    let (status, _, err) = tally_any(d.path());
    assert_eq!(status, 1);
    assert!(err.contains("no report files"), "{err}");
    write(d.path(), "bad.json", "{");
    let (status, v, err) = tally_any(d.path());
    assert_eq!(status, 1);
    assert!(err.contains("no readable report"), "{err}");
    assert_eq!(rejected_sources(&v), vec!["bad.json"]);
    write(d.path(), "good.json", &report("N1", "n", 1, 6, 4));
    assert_eq!(tally_any(d.path()).0, 0, "refused reports beside good ones are shown, not a failure");
}

/// Records a watch of `dir` while `f` changes it; returns the recording's path.
fn record(dir: &Path, rec: &Path, f: impl FnOnce(&Watch)) -> Vec<serde_json::Value> {
    let w = Watch::start(dir, &["--record", rec.to_str().unwrap()]);
    f(&w);
    w.settle(Duration::from_millis(900));
    w.stop()
}

fn replay_events(rec: &Path) -> (std::process::Output, Vec<serde_json::Value>) {
    let out = bin().args(["replay", rec.to_str().unwrap(), "--headless", "--speed", "max"]).output().unwrap();
    let events = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (out, events)
}

#[test]
fn a_recording_grows_with_the_feed_not_with_its_reads() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("feed");
    std::fs::create_dir(&dir).unwrap();
    let rec = d.path().join("night.ndjson");
    record(&dir, &rec, |w| {
        let synth = bin()
            .args(["synth", dir.to_str().unwrap(), "--precincts", "400", "--live", "400", "--seed", "5"])
            .output()
            .unwrap();
        assert!(synth.status.success(), "{}", String::from_utf8_lossy(&synth.stderr));
        w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 400, Duration::from_secs(20));
    });
    let feed_bytes: u64 = walk_bytes(&dir);
    let rec_bytes = std::fs::metadata(&rec).unwrap().len();
    assert!(rec_bytes <= 3 * feed_bytes, "recording {rec_bytes} bytes for a feed of {feed_bytes}");
    let (out, events) = replay_events(&rec);
    assert!(out.status.success());
    assert_eq!(normalize(&fold(&events)), normalize(&tally_json(&dir)));
}

fn walk_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() { walk_bytes(&e.path()) } else { e.metadata().unwrap().len() }
        })
        .sum()
}

#[test]
fn a_recording_cut_short_replays_up_to_its_last_whole_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("feed");
    write(&dir, "election.json", MANIFEST);
    let rec = d.path().join("night.ndjson");
    record(&dir, &rec, |w| {
        rename_in(&dir, "a.json", &report("A", "n", 1, 60, 40));
        w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 1, Duration::from_secs(10));
        rename_in(&dir, "b.json", &report("B", "s", 1, 30, 70));
        w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 2, Duration::from_secs(10));
    });
    // The disk filled up in the middle of the last line.
    let text = std::fs::read(&rec).unwrap();
    std::fs::write(&rec, &text[..text.len() - 40]).unwrap();
    let (out, events) = replay_events(&rec);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cut short"),
        "said: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fold(&events)["precincts_reporting"], 1, "everything before the cut line");
    // And `tally` of a recording points to `replay`.
    let out = run(&["tally", rec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("votewatch replay"));
}

#[test]
fn a_manifest_that_comes_late_is_recorded() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("feed");
    std::fs::create_dir(&dir).unwrap();
    let rec = d.path().join("night.ndjson");
    record(&dir, &rec, |w| {
        rename_in(&dir, "election.json", MANIFEST);
        rename_in(&dir, "a.json", &report("A", "n", 1, 60, 40));
        w.wait_for(|v| v["event"] == "totals" && v["candidates"][0]["name"] == "Alice", Duration::from_secs(10));
    });
    let (out, events) = replay_events(&rec);
    assert!(out.status.success());
    let state = fold(&events);
    assert_eq!(state["election"]["name"], "Test");
    assert_eq!(state["candidates"][0]["name"], "Alice");
    assert_eq!(state["precincts_expected"], 100);
    assert_eq!(normalize(&state), normalize(&tally_json(&dir)));
}

#[test]
fn learned_candidates_are_capped_with_a_clear_refusal() {
    let d = tempfile::tempdir().unwrap();
    let mut log = String::new();
    for i in 0..1005 {
        log.push_str(&format!(r#"{{"precinct":"P{i}","registered":10,"ballots":1,"votes":{{"c{i}":1}}}}"#));
        log.push('\n');
    }
    write(d.path(), "log.ndjson", &log);
    let (status, v, _) = tally_any(d.path());
    assert_eq!(status, 0);
    assert_eq!(v["precincts_reporting"], 1000);
    let refused = v["rejected"].as_array().unwrap();
    assert_eq!(refused.len(), 5);
    assert!(refused[0]["error"].as_str().unwrap().contains("may name at most 1,000"), "{}", refused[0]);
    // One report naming too many at once is refused on its own, and quickly.
    let votes: Vec<String> = (0..80_000).map(|i| format!("\"k{i}\":1")).collect();
    write(
        d.path(),
        "wide.json",
        &format!(r#"{{"precinct":"W","registered":10,"ballots":1,"votes":{{{}}}}}"#, votes.join(",")),
    );
    let out = run_within(&["tally", d.path().to_str().unwrap(), "--json"], Duration::from_secs(20));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let wide = v["rejected"].as_array().unwrap().iter().find(|r| r["source"] == "wide.json").unwrap().clone();
    assert!(wide["error"].as_str().unwrap().contains("names 80,000 candidates"), "{wide}");
}

/// Read system calls a process has made so far (Linux).
fn reads_of(pid: u32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines().find_map(|l| l.strip_prefix("syscr: ")).and_then(|n| n.trim().parse().ok())
}

#[test]
fn an_idle_watch_reads_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    write(dir, "x/a.json", &report("N1", "n", 1, 6, 4));
    write(dir, "log.ndjson", &(report("N2", "n", 1, 6, 4) + "\n"));
    let w = Watch::start(dir, &[]);
    w.settle(Duration::from_millis(900));
    let Some(before) = reads_of(w.pid()) else {
        eprintln!("no /proc/PID/io here: not checked");
        return;
    };
    sleep(Duration::from_secs(2));
    let after = reads_of(w.pid()).unwrap();
    // A busy loop re-reading the feed makes thousands; idle, nothing is read.
    assert!(after - before < 20, "{} reads in 2 s of nothing happening", after - before);
    let events = w.stop();
    assert_live_equals_cold(&events, dir);
}
