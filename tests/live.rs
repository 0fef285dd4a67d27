//! Live equals cold: files written into a watched directory (temp + rename, half-written
//! files, a growing NDJSON log with a half line, CSV, a bad file later fixed, deletions, a new
//! subfolder, a log replaced by a shorter one) end, once quiet, in exactly the state a fresh
//! `votewatch tally` of the directory prints.

mod common;

use std::io::Write;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::*;

fn rename_in(dir: &std::path::Path, rel: &str, text: &str) {
    let tmp = dir.join(format!(".{}.tmp", rel.replace('/', "_")));
    std::fs::write(&tmp, text).unwrap();
    let dest = dir.join(rel);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::rename(tmp, dest).unwrap();
}

fn append(path: &std::path::Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f.flush().unwrap();
}

#[test]
fn live_equals_cold_after_every_kind_of_write() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    write(dir, "early/n1.json", &report("N1", "n", 1, 500, 300));
    let w = Watch::start(dir, &[]);

    // Temp + rename.
    rename_in(dir, "n2.json", &report("N2", "n", 1, 400, 400));
    // A half-written JSON file, finished a moment later.
    let half = report("N3", "n", 1, 450, 350);
    write(dir, "n3.json", &half[..half.len() / 2]);
    sleep(Duration::from_millis(80));
    write(dir, "n3.json", &half);
    // A growing log, with a half line finished later.
    let log = dir.join("log.ndjson");
    for i in 0..20 {
        append(&log, &(report(&format!("S{i}"), "s", 1, 300 + i, 200) + "\n"));
    }
    let cut = report("S20", "s", 1, 333, 222);
    append(&log, &cut[..30]);
    sleep(Duration::from_millis(100));
    append(&log, &(cut[30..].to_string() + "\n"));
    // A correction as a higher revision, in the log.
    append(&log, &(report("S0", "s", 2, 310, 190) + "\n"));
    // CSV.
    rename_in(dir, "c.csv", "precinct,region,registered,ballots,a,b\nN10,n,900,800,500,300\nN11,n,900,700,400,300\n");
    // A bad file, then fixed.
    write(dir, "bad.json", &report("N4", "n", 1, 10, 10).replace("\"ballots\":20", "\"ballots\":-20"));
    w.wait_for(|v| v["event"] == "rejected" && v["source"] == "bad.json", Duration::from_secs(10));
    rename_in(dir, "bad.json", &report("N4", "n", 1, 10, 10));
    // A new subfolder with files in it, moved in whole.
    let staging = tempfile::tempdir_in(dir.parent().unwrap()).unwrap();
    write(staging.path(), "sub/deeper/n5.json", &report("N5", "n", 1, 100, 100));
    write(staging.path(), "sub/n6.json", &report("N6", "n", 1, 100, 150));
    std::fs::rename(staging.path().join("sub"), dir.join("sub")).unwrap();
    // A deletion.
    rename_in(dir, "gone.json", &report("N7", "n", 1, 1, 1));
    sleep(Duration::from_millis(100));
    std::fs::remove_file(dir.join("gone.json")).unwrap();
    // A log replaced by a shorter one (log rotation).
    let rot = dir.join("rot.ndjson");
    append(
        &rot,
        &format!("{}\n{}\n{}\n", report("R1", "s", 1, 5, 5), report("R2", "s", 1, 5, 5), report("R3", "s", 1, 5, 5)),
    );
    sleep(Duration::from_millis(150));
    rename_in(dir, "rot.ndjson", &format!("{}\n", report("R9", "s", 1, 7, 7)));

    w.settle(Duration::from_millis(900));
    let events = w.stop();
    let live = fold(&events);
    let cold = tally_json(dir);
    assert_eq!(normalize(&live), normalize(&cold), "live state equals a fresh tally");
    // And the numbers are the ones written: N1-N6, N10, N11, S0-S20, R9.
    assert_eq!(cold["precincts_reporting"], 6 + 2 + 21 + 1);
    assert!(cold["rejected"].as_array().unwrap().is_empty(), "{}", cold["rejected"]);
    // Half-written files were never refused along the way.
    assert!(
        !events.iter().any(|v| v["event"] == "rejected" && v["source"] != "bad.json"),
        "{:?}",
        events.iter().filter(|v| v["event"] == "rejected").collect::<Vec<_>>()
    );
}

#[test]
fn totals_are_coalesced_to_ten_a_second() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    let w = Watch::start(d.path(), &[]);
    let start = Instant::now();
    for i in 0..300 {
        rename_in(d.path(), &format!("p{i}.json"), &report(&format!("P{i}"), "n", 1, 10, 10));
        if i % 30 == 0 {
            sleep(Duration::from_millis(20));
        }
    }
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 300, Duration::from_secs(10));
    let elapsed = start.elapsed().as_secs_f64();
    let events = w.stop();
    let n = events.iter().filter(|v| v["event"] == "totals").count();
    // One at start, then at most ten a second (and one more for the last change).
    assert!((n as f64) <= 2.0 + 10.0 * (elapsed + 0.1), "{n} totals events in {elapsed:.2} s");
    assert!(n >= 2);
}

#[test]
fn a_report_shows_in_the_next_totals_event() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    let w = Watch::start(d.path(), &[]);
    rename_in(d.path(), "x.json", &report("X", "n", 1, 70, 30));
    let t = w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 1, Duration::from_secs(5));
    assert_eq!(t["ballots"], 100);
    w.stop();
}

#[test]
fn polling_mode_sees_changes_too() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    let w = Watch::start(d.path(), &["--poll", "--poll-interval", "100"]);
    rename_in(d.path(), "x.json", &report("X", "n", 1, 70, 30));
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 1, Duration::from_secs(5));
    std::fs::remove_file(d.path().join("x.json")).unwrap();
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 0, Duration::from_secs(5));
    w.stop();
}

#[test]
fn a_recording_replays_as_it_happened() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("feed");
    std::fs::create_dir(&dir).unwrap();
    write(&dir, "election.json", MANIFEST);
    let rec = d.path().join("night.record.ndjson");
    let w = Watch::start(&dir, &["--record", rec.to_str().unwrap()]);
    rename_in(&dir, "a.json", &report("A", "n", 1, 60, 40));
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 1, Duration::from_secs(5));
    sleep(Duration::from_millis(400));
    rename_in(&dir, "b.json", &report("B", "s", 1, 30, 70));
    w.wait_for(|v| v["event"] == "totals" && v["precincts_reporting"] == 2, Duration::from_secs(5));
    sleep(Duration::from_millis(400));
    // B is withdrawn, A corrected, and a bad file refused.
    std::fs::remove_file(dir.join("b.json")).unwrap();
    rename_in(&dir, "a2.json", &report("A", "n", 2, 61, 40));
    write(&dir, "bad.json", "{");
    w.wait_for(|v| v["event"] == "rejected", Duration::from_secs(5));
    w.settle(Duration::from_millis(700));
    let live = fold(&w.stop());

    let out = bin().args(["replay", rec.to_str().unwrap(), "--headless", "--speed", "1"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let replayed = fold(&events);
    assert_eq!(normalize(&replayed), normalize(&live), "the replay ends where the live session did");
    // Along the way it went through the same states: 1, then 2 precincts, then back to 1.
    let counts: Vec<u64> =
        events.iter().filter(|v| v["event"] == "totals").map(|v| v["precincts_reporting"].as_u64().unwrap()).collect();
    let mut steps = counts.clone();
    steps.dedup();
    assert!(steps.windows(3).any(|w| w == [1, 2, 1]), "{counts:?}");
    assert_eq!(replayed["candidates"][0]["votes"], 61, "the correction counts");
    assert!(events.iter().any(|v| v["event"] == "rejected" && v["source"] == "bad.json"));
}

#[test]
fn an_overflowed_event_queue_is_caught_up_by_a_rescan() {
    use votewatch::source::FeedSpec;
    use votewatch::source::live::LiveFeed;
    use votewatch::source::watcher::{FsChange, translate};
    // When the kernel's queue overflows, notify says so with a Rescan-flagged event (or an
    // error); the loop must then rescan rather than trust the events it got.
    let flagged = notify::Event::new(notify::EventKind::Other).set_flag(notify::event::Flag::Rescan);
    assert_eq!(translate(Ok(flagged)), Some(FsChange::Rescan));
    assert_eq!(translate(Err(notify::Error::generic("queue overflow"))), Some(FsChange::Rescan));
    let plain = notify::Event::new(notify::EventKind::Any).add_path("x.json".into());
    assert_eq!(translate(Ok(plain)), Some(FsChange::Paths(vec!["x.json".into()])));

    // A rescan alone catches up with changes no event announced: new, changed, deleted files.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    write(dir, "a.json", &report("N1", "n", 1, 300, 200));
    write(dir, "b.json", &report("N2", "n", 1, 100, 100));
    let mut engine = votewatch::engine::Engine::new(None);
    let mut apply = |c, t| engine.apply(c, t);
    let mut live = LiveFeed::start(
        FeedSpec::open(dir, None, 64 << 20).unwrap(),
        Duration::from_millis(1),
        &mut |_| {},
        &mut apply,
    );
    live.settle_due(Instant::now() + Duration::from_secs(1), &mut apply);
    std::fs::remove_file(dir.join("b.json")).unwrap();
    write(dir, "a.json", &report("N1", "n", 2, 310, 200));
    write(dir, "sub/c.json", &report("S1", "s", 1, 40, 10));
    live.rescan(Instant::now(), &mut |_| {}, &mut apply);
    live.settle_due(Instant::now() + Duration::from_secs(1), &mut apply);
    assert!(live.is_quiet());
    let cold = votewatch::hub::load(&FeedSpec::open(dir, None, 64 << 20).unwrap());

    assert_eq!(engine.count().candidates, cold.count().candidates);
    assert_eq!(engine.count().precincts_reporting, 2);
}
