//! The real binary in a real terminal (tmux): a replay ends on screen at exactly the numbers
//! `tally --json` prints; `?` shows help; resizing works at any size; `q`, SIGTERM and SIGHUP
//! all leave the terminal as it was (raw mode off, alternate screen left, cursor shown, mouse
//! off). `.ci/run` installs tmux.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A tmux server of our own, with one shell in a window of a fixed size.
struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn start(name: &str, w: u16, h: u16) -> Tmux {
        let socket = format!("vw-{}-{name}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let t = Tmux { socket, dir };
        let ok = t
            .cmd(&[
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                "-e",
                "NO_COLOR=1",
                "bash --norc --noprofile",
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux starts");
        t.cmd(&["set-option", "-g", "status", "off"]).status().unwrap();
        sleep(Duration::from_millis(200));
        t
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status().unwrap().success());
    }

    /// Types a shell command line and runs it.
    fn run(&self, line: &str) {
        self.cmd(&["send-keys", "-t", "t", "-l", line]).status().unwrap();
        self.keys(&["Enter"]);
    }

    fn screen(&self) -> String {
        String::from_utf8(self.cmd(&["capture-pane", "-p", "-t", "t"]).output().unwrap().stdout).unwrap()
    }

    fn flag(&self, name: &str) -> String {
        let out = self.cmd(&["display-message", "-p", "-t", "t", &format!("#{{{name}}}")]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(start.elapsed() < limit, "timed out waiting for {what}; screen:\n{s}");
            sleep(Duration::from_millis(100));
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts the dashboard from the shell, noting the terminal settings before and after.
    fn launch(&self, args: &str) {
        let before = self.file("before");
        let after = self.file("after");
        self.run(&format!(
            // The marker is computed so that the command line itself never matches it.
            "stty -g > {}; {} {args}; echo \"EXIT$((40+2))=$?\"; stty -g > {}",
            before.display(),
            env!("CARGO_BIN_EXE_votewatch"),
            after.display()
        ));
    }

    /// After the dashboard ended: the shell is back and the terminal is as it was.
    fn assert_restored(&self) -> String {
        let s = self.wait_for("the shell to come back", |s| s.contains("EXIT42="), Duration::from_secs(10));
        sleep(Duration::from_millis(300));
        let before = std::fs::read_to_string(self.file("before")).unwrap();
        let after = std::fs::read_to_string(self.file("after")).unwrap();
        assert_eq!(before, after, "terminal modes (raw mode) restored");
        assert_eq!(self.flag("alternate_on"), "0", "alternate screen left");
        assert_eq!(self.flag("cursor_flag"), "1", "cursor shown");
        assert_eq!(self.flag("mouse_any_flag"), "0", "mouse capture off");
        assert_eq!(self.flag("mouse_standard_flag"), "0", "mouse capture off");
        s
    }

    /// The pid of the program running in the shell.
    fn child_pid(&self) -> i32 {
        let shell = self.flag("pane_pid");
        let out = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().lines().next().expect("a child of the shell").trim().parse().unwrap()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

const SAMPLE: &str = "sample-feeds/kz-2022-presidential";

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE).display().to_string()
}

#[test]
fn replay_ends_at_the_tally_numbers_and_q_restores_the_terminal() {
    assert!(tmux_available(), "tmux is needed (.ci/run installs it)");
    let cold = common::tally_json(Path::new(SAMPLE));
    let t = Tmux::start("replay", 160, 48);
    t.launch(&format!("replay {} --speed max", sample()));
    let screen = t.wait_for("the replay to end", |s| s.contains("REPLAY ENDED"), Duration::from_secs(60));
    let thousands = |n: &serde_json::Value| votewatch::text::thousands(n.as_u64().unwrap());
    for c in cold["candidates"].as_array().unwrap() {
        let row = screen.lines().find(|l| l.contains(c["name"].as_str().unwrap())).expect("a row per candidate");
        assert!(row.contains(&format!(" {} ", thousands(&c["votes"]))), "{} votes on screen: {row}", c["name"]);
        let share = votewatch::text::percent(c["votes"].as_u64().unwrap(), cold["valid"].as_u64().unwrap());
        assert!(row.contains(&share), "{row}");
    }
    assert!(
        screen.contains(&format!(
            "{} of {}",
            thousands(&cold["precincts_reporting"]),
            thousands(&cold["precincts_expected"])
        )),
        "{screen}"
    );
    assert!(screen.contains(&format!("Ballots {}", thousands(&cold["ballots"]))), "{screen}");
    assert!(screen.contains("6,456,392") && screen.contains("81.31%"), "the official figures");
    t.keys(&["q"]);
    let after = t.assert_restored();
    assert!(after.contains("EXIT42=0"), "{after}");
    assert!(!after.contains("REPLAY ENDED"), "the dashboard is gone from the screen: {after}");
}

#[test]
fn question_mark_shows_help_and_resizing_works() {
    assert!(tmux_available(), "tmux is needed (.ci/run installs it)");
    let t = Tmux::start("help", 120, 40);
    t.launch("demo --speed 600");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    t.keys(&["?"]);
    let s =
        t.wait_for("help", |s| s.contains("Keys") && s.contains("move focus between panels"), Duration::from_secs(5));
    assert!(s.contains("replay: pause / resume"), "{s}");
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
fn sigterm_leaves_the_terminal_clean() {
    assert!(tmux_available(), "tmux is needed (.ci/run installs it)");
    let t = Tmux::start("term", 100, 30);
    t.launch("demo");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    assert_eq!(t.flag("alternate_on"), "1", "the dashboard is on the alternate screen");
    unsafe { libc::kill(t.child_pid(), libc::SIGTERM) };
    t.assert_restored();
}

#[test]
fn sighup_leaves_the_terminal_clean() {
    assert!(tmux_available(), "tmux is needed (.ci/run installs it)");
    let t = Tmux::start("hup", 100, 30);
    t.launch("demo");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    unsafe { libc::kill(t.child_pid(), libc::SIGHUP) };
    t.assert_restored();
}

#[test]
fn a_panic_leaves_the_terminal_clean() {
    assert!(tmux_available(), "tmux is needed (.ci/run installs it)");
    let t = Tmux::start("panic", 100, 30);
    t.launch("demo 2>/dev/null");
    t.wait_for("the dashboard", |s| s.contains("Candidates"), Duration::from_secs(20));
    // A hidden key that panics on purpose, to prove the panic hook restores the terminal.
    t.keys(&["C-\\"]);
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
