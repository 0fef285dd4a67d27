//! `votewatch serve` joined as viewers join it: the real OpenSSH client, each in a tmux
//! terminal of its own size, against `serve --replay` of a bundled sample. Three viewers see
//! the numbers `tally` prints and navigate on their own; a resize redraws; `q` ends one viewer
//! with its terminal given back; an unknown key and the server's replay clock get a note; an
//! exec request, a session without a terminal and a key not in authorized_keys are refused;
//! `--max-viewers` turns the next one away; a panic in one viewer ends that viewer only; SIGTERM
//! gives every viewer its terminal back and the server exits 0. `.ci/run` installs tmux and
//! openssh-client.

mod common;

use common::tmux::Tmux;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

const SAMPLE: &str = "sample-feeds/kz-2022-presidential";

/// Whether the tools are here: in CI (which installs them) their absence fails; elsewhere each
/// test says plainly that it did not run.
fn tools_ready() -> bool {
    let have = |prog: &str, arg: &str| Command::new(prog).arg(arg).output().is_ok();
    let ok = have("tmux", "-V") && have("ssh", "-V") && have("ssh-keygen", "--help");
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "tmux and the OpenSSH client are needed (.ci/run installs them)");
        eprintln!("serve: NOT RUN: tmux or openssh-client is not installed (or run bash .ci/run)");
    }
    ok
}

/// A `votewatch serve` of our own, on a free port, with a client key in its authorized_keys.
struct Server {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    log: Arc<Mutex<Vec<Value>>>,
}

impl Server {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        for key in ["id", "stranger"] {
            let made = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", key, "-f"])
                .arg(dir.path().join(key))
                .status()
                .unwrap();
            assert!(made.success(), "ssh-keygen makes a key");
        }
        std::fs::copy(dir.path().join("id.pub"), dir.path().join("authorized_keys")).unwrap();
        let mut cmd = common::bin();
        cmd.arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--log-json", "--host-key"])
            .arg(dir.path().join("host_key"))
            .arg("--authorized-keys")
            .arg(dir.path().join("authorized_keys"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("votewatch serve starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    // Not every stderr line is an event (a warning, the new host key).
                    continue;
                };
                if v["event"] == "listening" {
                    let _ = tx.send(v["address"].as_str().unwrap().to_string());
                }
                sink.lock().unwrap().push(v);
            }
        });
        let address = rx.recv_timeout(Duration::from_secs(30)).expect("the server says where it listens");
        let port = address.rsplit(':').next().unwrap().parse().unwrap();
        Server { child, dir, port, log }
    }

    /// The ssh command line that joins it (no user config, no known_hosts, keys only).
    fn ssh(&self, key: &str, extra: &str) -> String {
        format!(
            "ssh -F /dev/null -i {} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
             -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -p {} {extra} viewer@127.0.0.1",
            self.dir.path().join(key).display(),
            self.port
        )
    }

    /// A viewer: ssh -t in a tmux terminal of its own, noting the terminal's modes before and
    /// after (as [`Tmux::launch`] does for the local dashboard).
    fn viewer(&self, name: &str, w: u16, h: u16) -> Tmux {
        let t = Tmux::start(name, w, h);
        t.run(&format!(
            "sh -c 'stty -g > {}; {}; echo \"EXIT$((40+2))=$?\"; stty -g > {}'",
            t.file("before").display(),
            self.ssh("id", "-t"),
            t.file("after").display()
        ));
        t
    }

    fn events(&self, name: &str) -> Vec<Value> {
        self.log.lock().unwrap().iter().filter(|v| v["event"] == name).cloned().collect()
    }

    fn wait_event(&self, what: &str, pred: impl Fn(&[Value]) -> bool) {
        let start = Instant::now();
        while !pred(&self.log.lock().unwrap()) {
            assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}: {:?}", self.log);
            sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the child we started.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    fn wait_exit(&mut self) -> Option<i32> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(start.elapsed() < Duration::from_secs(15), "the server did not exit");
            sleep(Duration::from_millis(50));
        }
    }

    /// `ssh ARGS` run directly (no terminal): its status and what it printed.
    fn run_ssh(&self, key: &str, extra: &str, command: &str) -> (Option<i32>, String) {
        let line = format!("{} {command}", self.ssh(key, extra));
        let out = Command::new("sh").args(["-c", &line]).stdin(Stdio::null()).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE)
}

const LONG: Duration = Duration::from_secs(60);

/// Waits for the viewer to show the tally's numbers (a frame may be half drawn when read).
fn wait_for_tally(v: &Tmux, cold: &Value, what: &str) -> String {
    let screen = v.wait_for(what, |s| ended(s) && common::tally_mismatch(s, cold).is_none(), LONG);
    assert_eq!(common::tally_mismatch(&screen, cold), None);
    screen
}

fn ended(s: &str) -> bool {
    s.contains("REPLAY ENDED")
}

#[test]
fn three_viewers_see_the_tally_and_each_navigates_alone() {
    if !tools_ready() {
        return;
    }
    let cold = common::tally_json(&sample());
    let mut server = Server::start(&["--replay", sample().to_str().unwrap(), "--speed", "max"], &[]);
    let small = server.viewer("small", 80, 24);
    let middle = server.viewer("middle", 120, 40);
    let large = server.viewer("large", 160, 48);
    for v in [&small, &middle, &large] {
        wait_for_tally(v, &cold, "the tally's numbers at the replay's end");
    }
    server.wait_event("three connections", |log| log.iter().filter(|v| v["event"] == "connect").count() == 3);
    let mut sizes: Vec<String> =
        server.events("connect").iter().map(|v| v["size"].as_str().unwrap().to_string()).collect();
    sizes.sort();
    assert_eq!(sizes, ["120x40", "160x48", "80x24"], "each viewer at its own size");
    assert!(server.events("connect").iter().all(|v| v["key"].as_str().unwrap().starts_with("SHA256:")));

    // One drills into a region; the others stay national.
    small.keys(&["Enter"]);
    small.wait_for("the first region's precincts", |s| s.contains("Abai Region · 480 precincts"), LONG);
    sleep(Duration::from_millis(500));
    for v in [&middle, &large] {
        let s = v.screen();
        assert!(s.contains("Regions (21)") && !s.contains("Abai Region · 480"), "still national: {s}");
    }

    // An unknown key, and the server's clock, get a note; neither changes anything.
    middle.keys(&["x"]);
    middle.wait_for("the unknown-key note", |s| s.contains("x does nothing here"), LONG);
    middle.keys(&["Space"]);
    middle.wait_for("the clock note", |s| s.contains("replay clock is the server"), LONG);
    // Saving the screen would write on the server: not offered, and said.
    middle.keys(&["w"]);
    middle.wait_for("the saving note", |s| s.contains("not offered to a served viewer"), LONG);
    assert!(ended(&large.screen()), "another viewer's Space did not restart the night");

    // A resize redraws at the new size.
    large.cmd(&["resize-window", "-t", "t", "-x", "100", "-y", "30"]).status().unwrap();
    large.wait_for(
        "the redraw at 100×30",
        |s| {
            let lines: Vec<&str> = s.lines().collect();
            lines.len() >= 30
                && lines[29].starts_with(" ?")
                && lines.iter().any(|l| l.starts_with('└') && l.chars().count() == 100)
                && common::tally_mismatch(s, &cold).is_none()
        },
        LONG,
    );

    // q ends that viewer only, with its terminal as it was.
    small.keys(&["q"]);
    let after = small.assert_restored();
    assert!(after.contains("EXIT42=0"), "{after}");
    server.wait_event("the disconnect", |log| log.iter().any(|v| v["event"] == "disconnect" && v["reason"] == "quit"));
    for v in [&middle, &large] {
        v.keys(&["Tab"]);
        assert!(v.screen().contains("Candidates"), "the others stay connected");
    }

    // SIGTERM: every viewer gets its terminal back and is told why; the server exits 0.
    server.signal(libc::SIGTERM);
    for v in [&middle, &large] {
        let after = v.assert_restored();
        assert!(after.contains("the server is stopping"), "{after}");
        assert!(after.contains("EXIT42=0"), "{after}");
    }
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn what_is_not_a_dashboard_is_refused_with_one_line() {
    if !tools_ready() {
        return;
    }
    let server = Server::start(&["--replay", sample().to_str().unwrap(), "--speed", "max"], &[]);
    let (code, text) = server.run_ssh("id", "", "ls");
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(text.trim().lines().count(), 1, "one line: {text}");
    assert!(text.contains("votewatch serves an interactive dashboard") && text.contains("ssh -t"), "{text}");

    let (code, text) = server.run_ssh("id", "-T", "");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("votewatch serves an interactive dashboard: connect with ssh -t"), "{text}");

    let (code, text) = server.run_ssh("stranger", "-t", "");
    assert_eq!(code, Some(255), "a key not in authorized_keys cannot log in: {text}");
    assert!(text.contains("Permission denied"), "{text}");

    let (code, text) = server.run_ssh("id", "-s", "sftp");
    assert_ne!(code, Some(0), "no subsystem: {text}");
    server
        .wait_event("a refusal logged per attempt", |log| log.iter().filter(|v| v["event"] == "refused").count() >= 3);
}

#[test]
fn a_full_server_turns_viewers_away_and_a_panic_ends_one_viewer_only() {
    if !tools_ready() {
        return;
    }
    let server = Server::start(
        &["--replay", sample().to_str().unwrap(), "--speed", "max", "--max-viewers", "2"],
        &[("VOTEWATCH_TEST_PANIC_KEY", "1")],
    );
    let first = server.viewer("first", 100, 30);
    let second = server.viewer("second", 100, 30);
    for v in [&first, &second] {
        v.wait_for("the dashboard", ended, LONG);
    }
    let third = server.viewer("third", 100, 30);
    let after = third.assert_restored();
    assert!(after.contains("votewatch: server full (2 viewers); try again later"), "{after}");
    assert!(!after.contains("EXIT42=0"), "turned away with a failing status: {after}");

    // F12 panics on purpose (only with that variable set): that viewer's terminal is given back
    // and the others stay connected.
    first.keys(&["F12"]);
    let after = first.assert_restored();
    assert!(after.contains("EXIT42=1"), "{after}");
    server.wait_event("the failure logged", |log| {
        log.iter().any(|v| v["event"] == "disconnect" && v["reason"].as_str().unwrap_or("").starts_with("failed"))
    });
    second.keys(&["Enter"]);
    second.wait_for("the other viewer still answers keys", |s| s.contains("Abai Region · 480 precincts"), LONG);

    // A place is free again.
    let fourth = server.viewer("fourth", 100, 30);
    fourth.wait_for("the dashboard", ended, LONG);
}

#[test]
fn an_idle_viewer_is_let_go_with_a_line() {
    if !tools_ready() {
        return;
    }
    let server = Server::start(&["--replay", sample().to_str().unwrap(), "--idle-timeout", "2s"], &[]);
    let v = server.viewer("idle", 100, 30);
    let after = v.assert_restored();
    assert!(after.contains("votewatch: disconnected after 2 seconds without a key"), "{after}");
    server.wait_event("the disconnect", |log| {
        log.iter().any(|v| v["event"] == "disconnect" && v["reason"] == "idle timeout")
    });
}
