//! The real binary in a real terminal (tmux): a replay ends on screen at exactly the numbers
//! `tally --json` prints; `?` shows help; `f` shows the fingerprint; resizing works at any
//! size; `q`, SIGTERM and SIGHUP all leave the terminal as it was (raw mode off, alternate
//! screen left, cursor shown, mouse off). `.ci/run` installs tmux.

mod common;

use common::tmux::Tmux;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Whether to go on: tmux is here (or, in CI, fail loudly that it is not).
fn tmux_ready() -> bool {
    assert!(tmux_available(), "tmux is needed (.ci/run installs it)");
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// Whether tmux is here. In CI (which installs it) its absence is a failure; on a developer's
/// machine without it, each test says plainly that it did not run.
fn tmux_available() -> bool {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_none() {
        eprintln!("e2e_tmux: NOT RUN: tmux is not installed (apt-get install tmux, or run bash .ci/run)");
    }
    ok || std::env::var_os("CI").is_none()
}

const SAMPLE: &str = "sample-feeds/kz-2022-presidential";

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE).display().to_string()
}

#[test]
fn replay_ends_at_the_tally_numbers_and_q_restores_the_terminal() {
    if !tmux_ready() {
        return;
    }
    let cold = common::tally_json(Path::new(SAMPLE));
    let t = Tmux::start("replay", 160, 48);
    t.launch(&format!("replay {} --speed max", sample()));
    // Waited for whole: a frame may be caught half drawn.
    let screen = t.wait_for(
        "the replay to end at the tally's numbers",
        |s| s.contains("REPLAY ENDED") && common::tally_mismatch(s, &cold).is_none(),
        Duration::from_secs(60),
    );
    assert!(screen.contains("6,456,392") && screen.contains("81.31%"), "the official figures");
    t.keys(&["q"]);
    let after = t.assert_restored();
    assert!(after.contains("EXIT42=0"), "{after}");
    assert!(!after.contains("REPLAY ENDED"), "the dashboard is gone from the screen: {after}");
}

#[test]
fn question_mark_shows_help_and_resizing_works() {
    if !tmux_ready() {
        return;
    }
    let t = Tmux::start("help", 120, 40);
    t.launch("demo --speed 600");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    t.keys(&["?"]);
    // Waited for whole: every line the test reads is in the predicate (a frame may be caught
    // half drawn).
    t.wait_for(
        "help",
        |s| s.contains("Keys") && s.contains("move focus between panels") && s.contains("replay: pause / resume"),
        Duration::from_secs(5),
    );
    t.keys(&["x"]);
    t.wait_for("help to close", |s| !s.contains("move focus between panels"), Duration::from_secs(5));
    for (w, h, expect) in
        [(80, 24, "Candidates"), (40, 10, "Terminal too small"), (200, 60, "Timeline"), (61, 16, "Candidates")]
    {
        assert!(
            t.cmd(&["resize-window", "-t", "t", "-x", &w.to_string(), "-y", &h.to_string()])
                .status()
                .unwrap()
                .success()
        );
        t.wait_for(&format!("a redraw at {w}×{h}"), |s| s.contains(expect), Duration::from_secs(5));
    }
    t.keys(&["q"]);
    assert!(t.assert_restored().contains("EXIT42=0"));
}

#[test]
fn f_shows_the_fingerprint_and_brackets_step_through_regions() {
    if !tmux_ready() {
        return;
    }
    let t = Tmux::start("fingerprint", 120, 40);
    t.launch("demo --speed 600");
    t.wait_for("the dashboard", |s| s.contains("Candidates") && s.contains("Timeline"), Duration::from_secs(20));
    t.keys(&["f"]);
    // Waited for whole (a frame may be caught half drawn): every part the test reads.
    t.wait_for(
        "the whole fingerprint of the nation, in place of the regions and the timeline",
        |s| {
            s.contains("Fingerprint · Nation")
                && s.contains("precincts plotted")
                && s.contains("turnout →")
                && s.contains("100%┤")
                && s.contains("stuffing drags a tail")
                && !s.contains("Timeline")
        },
        Duration::from_secs(10),
    );
    t.keys(&["]"]);
    t.wait_for("the first region", |s| s.contains("Fingerprint · Abai Region"), Duration::from_secs(10));
    t.keys(&["f"]);
    t.wait_for(
        "the regions and timeline back",
        |s| s.contains("Timeline") && !s.contains("Fingerprint ·"),
        Duration::from_secs(5),
    );
    t.keys(&["q"]);
    assert!(t.assert_restored().contains("EXIT42=0"));
}

#[test]
fn demo_with_the_baseline_projects_by_swing_from_2019() {
    if !tmux_ready() {
        return;
    }
    let t = Tmux::start("baseline", 120, 40);
    t.launch("demo --baseline --speed 600");
    t.wait_for(
        "the call, by swing from the 2019 sample",
        |s| s.contains("projected outright win by swing") && s.contains("Kassym-Jomart Tokayev"),
        Duration::from_secs(30),
    );
    t.keys(&["q"]);
    assert!(t.assert_restored().contains("EXIT42=0"));
}

/// The dashboard, sent `sig` from outside: the terminal is given back, and the exit status
/// is the signal's conventional one (128 + its number).
fn a_signal_leaves_the_terminal_clean(name: &str, sig: i32) {
    if !tmux_ready() {
        return;
    }
    let t = Tmux::start(name, 100, 30);
    t.launch("demo");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    assert_eq!(t.flag("alternate_on"), "1", "the dashboard is on the alternate screen");
    unsafe { libc::kill(t.child_pid(), sig) };
    let s = t.assert_restored();
    assert!(s.contains(&format!("EXIT42={}", 128 + sig)), "exit status after {name}: {s}");
    assert!(!s.contains("panicked"), "{s}");
}

#[test]
fn sigint_leaves_the_terminal_clean() {
    a_signal_leaves_the_terminal_clean("int", libc::SIGINT);
}

#[test]
fn sigterm_leaves_the_terminal_clean() {
    a_signal_leaves_the_terminal_clean("term", libc::SIGTERM);
}

#[test]
fn sighup_leaves_the_terminal_clean() {
    a_signal_leaves_the_terminal_clean("hup", libc::SIGHUP);
}

#[test]
fn sigquit_leaves_the_terminal_clean() {
    a_signal_leaves_the_terminal_clean("quit", libc::SIGQUIT);
}

#[test]
fn sigusr1_leaves_the_terminal_clean() {
    a_signal_leaves_the_terminal_clean("usr1", libc::SIGUSR1);
}

#[test]
fn sigusr2_leaves_the_terminal_clean() {
    a_signal_leaves_the_terminal_clean("usr2", libc::SIGUSR2);
}

#[test]
fn sigtstp_gives_the_terminal_back_until_fg() {
    if !tmux_ready() {
        return;
    }
    let t = Tmux::start("tstp", 100, 30);
    t.launch_job("demo --speed 60");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    let pid = t.child_pid();
    unsafe { libc::kill(pid, libc::SIGTSTP) };
    t.wait_for("the shell to say it stopped", |s| s.contains("Stopped"), Duration::from_secs(10));
    assert_eq!(t.flag("alternate_on"), "0", "alternate screen left while stopped");
    assert_eq!(t.flag("cursor_flag"), "1", "cursor shown while stopped");
    assert_eq!(t.flag("mouse_any_flag"), "0", "mouse capture off while stopped");
    t.run("fg");
    t.wait_for("the dashboard again", |s| s.contains("Candidates"), Duration::from_secs(10));
    assert_eq!(t.flag("alternate_on"), "1");
    // Raw mode again: a key acts at once, without Enter.
    t.keys(&["?"]);
    t.wait_for("the help", |s| s.contains("move focus between panels"), Duration::from_secs(5));
    // Each key waited for: an Escape followed at once by Ctrl-Z reads as one key (Alt-Ctrl-Z),
    // as in any terminal.
    t.keys(&["Escape"]);
    t.wait_for("the help to close", |s| !s.contains("move focus between panels"), Duration::from_secs(5));
    // Ctrl-Z does the same from the keyboard.
    t.keys(&["C-z"]);
    t.wait_for("the shell to say it stopped", |s| s.matches("Stopped").count() >= 2, Duration::from_secs(10));
    assert_eq!(t.flag("alternate_on"), "0");
    t.fg_to_the_end();
    t.wait_for("the dashboard again", |s| s.contains("Candidates"), Duration::from_secs(10));
    t.keys(&["q"]);
    assert!(t.assert_restored().contains("EXIT42=0"));
}

#[test]
fn ctrl_backslash_quits_at_once_without_a_panic() {
    if !tmux_ready() {
        return;
    }
    let t = Tmux::start("abort", 100, 30);
    t.launch("demo");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    t.keys(&["C-\\"]);
    let s = t.assert_restored();
    assert!(s.contains("EXIT42=131"), "{s}");
    assert!(!s.contains("panicked"), "no panic text: {s}");
}

#[test]
fn a_dropped_terminal_ends_the_dashboard() {
    if !tmux_ready() {
        return;
    }
    let t = Tmux::start("drop", 100, 30);
    t.launch("demo");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    let pid = t.child_pid();
    // The whole terminal goes away, as when an SSH connection drops.
    t.cmd(&["kill-server"]).status().unwrap();
    let start = std::time::Instant::now();
    while unsafe { libc::kill(pid, 0) } == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "the dashboard still runs after its terminal hung up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_panic_leaves_the_terminal_clean() {
    if !tmux_ready() {
        return;
    }
    let t = Tmux::start_with("panic", 100, 30, &["NO_COLOR=1", "VOTEWATCH_TEST_PANIC_KEY=1"]);
    t.launch("demo 2>/dev/null");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    // A key that panics on purpose (only with that variable set), to prove the panic hook
    // restores the terminal.
    t.keys(&["F12"]);
    let s = t.assert_restored();
    assert!(s.contains("EXIT42=101"), "a panic exits with 101: {s}");
}

#[test]
fn without_a_terminal_it_points_to_headless() {
    let out = common::run(&["replay", SAMPLE]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("stdout is not a terminal") && err.contains("--headless"), "{err}");
}

/// Read system calls a process has made so far (Linux).
fn reads_of(pid: i32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines().find_map(|l| l.strip_prefix("syscr: ")).and_then(|n| n.trim().parse().ok())
}

#[test]
fn an_idle_dashboard_reads_nothing() {
    if !tmux_ready() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    common::write(d.path(), "election.json", common::MANIFEST);
    common::write(d.path(), "x/a.json", &common::report("N1", "n", 1, 6, 4));
    let t = Tmux::start("idle", 120, 40);
    t.launch(&format!("watch {}", d.path().display()));
    t.wait_for("the dashboard", |s| s.contains("LIVE") && s.contains("1 of 100"), Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(1500));
    let pid = t.child_pid();
    let Some(before) = reads_of(pid) else {
        eprintln!("no /proc/PID/io here: not checked");
        return;
    };
    std::thread::sleep(Duration::from_secs(2));
    let after = reads_of(pid).unwrap();
    // A loop re-reading the feed makes thousands; idle, the dashboard reads nothing.
    assert!(after - before < 20, "{} reads in 2 s of nothing happening", after - before);
    t.keys(&["q"]);
    t.assert_restored();
}

#[test]
fn a_hundred_thousand_regions_keep_the_keys_quick() {
    if !tmux_ready() {
        return;
    }
    // Work that grows with the feed (100,000 regions) stays off the path from a key to the
    // screen: only the rows shown are built, and lookups are by key.
    let d = tempfile::tempdir().unwrap();
    let regions: Vec<String> = (0..100_000)
        .map(|i| {
            format!(r#"{{"id":"r{i}","name":"Region {i}","utc_offset":"+06:00","precincts":10,"registered":10000}}"#)
        })
        .collect();
    common::write(
        d.path(),
        "election.json",
        &format!(
            r#"{{"id":"big","candidates":[{{"id":"a","name":"Alice"}},{{"id":"b","name":"Bob"}}],"regions":[{}]}}"#,
            regions.join(",")
        ),
    );
    let log: String = (0..500)
        .map(|i| format!("{{\"precinct\":\"P{i}\",\"region\":\"r{}\",\"registered\":1000,\"ballots\":600,\"votes\":{{\"a\":350,\"b\":250}}}}\n", i % 100))
        .collect();
    common::write(d.path(), "r.ndjson", &log);
    let t = Tmux::start("wide", 120, 40);
    t.launch(&format!("watch {}", d.path().display()));
    t.wait_for("the dashboard", |s| s.contains("Regions (100000)"), Duration::from_secs(60));
    // Each of these took many seconds when every frame went through every region.
    t.keys(&["?"]);
    t.wait_for("help", |s| s.contains("move focus between panels"), Duration::from_secs(5));
    // Waited for: an Escape followed at once by G reads as one key (Alt-G).
    t.keys(&["Escape"]);
    t.wait_for("the help to close", |s| !s.contains("move focus between panels"), Duration::from_secs(5));
    t.keys(&["G"]);
    t.wait_for("the last region", |s| s.contains("Region 99999"), Duration::from_secs(5));
    t.keys(&["q"]);
    assert!(t.assert_restored().contains("EXIT42=0"));
}

#[test]
fn w_saves_the_screen_and_the_count() {
    if !tmux_ready() {
        return;
    }
    let cold = common::tally_json(Path::new(SAMPLE));
    let out = tempfile::tempdir().unwrap();
    let t = Tmux::start("save", 120, 40);
    t.run(&format!("cd {}", out.path().display()));
    t.launch(&format!("replay {} --speed max", sample()));
    t.wait_for("the replay to end", |s| s.contains("REPLAY ENDED"), Duration::from_secs(60));
    t.keys(&["w"]);
    let screen = t.wait_for("the note", |s| s.contains("Saved the screen to"), Duration::from_secs(10));
    let files: Vec<_> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().path()).collect();
    let txt = files.iter().find(|p| p.extension().is_some_and(|e| e == "txt")).expect("a text file");
    let json = files.iter().find(|p| p.extension().is_some_and(|e| e == "json")).expect("a JSON file");
    assert!(screen.contains(txt.file_name().unwrap().to_str().unwrap()), "the note names the file: {screen}");
    let text = std::fs::read_to_string(txt).unwrap();
    assert!(text.contains("REPLAY ENDED") && text.contains("6,456,392"), "{text}");
    assert_eq!(text.lines().count(), 40, "every row of the screen");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    for key in ["ballots", "valid", "precincts_reporting", "candidates", "regions"] {
        assert_eq!(saved[key], cold[key], "{key} as tally --json gives it");
    }
    t.keys(&["q"]);
    t.assert_restored();
}
