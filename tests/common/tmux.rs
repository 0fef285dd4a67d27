//! A tmux server of our own for driving the real binary in a real terminal (tests and
//! benchmarks share it).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The binary under test (`VOTEWATCH_BIN` picks another build; benchmarks share this file).
fn program() -> PathBuf {
    std::env::var_os("VOTEWATCH_BIN").map_or_else(|| env!("CARGO_BIN_EXE_votewatch").into(), Into::into)
}

/// A tmux server of our own, with one shell in a window of a fixed size.
pub struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// A shell in a `w`×`h` window, with NO_COLOR set.
    pub fn start(name: &str, w: u16, h: u16) -> Tmux {
        Self::start_with(name, w, h, &["NO_COLOR=1"])
    }

    /// A shell in a `w`×`h` window, with these `NAME=value` variables.
    pub fn start_with(name: &str, w: u16, h: u16, env: &[&str]) -> Tmux {
        let socket = format!("vw-{}-{name}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let (w, h) = (w.to_string(), h.to_string());
        let mut args = vec!["new-session", "-d", "-s", "t", "-x", &w, "-y", &h];
        // No config file of whoever runs the tests.
        let config = format!("XDG_CONFIG_HOME={}", dir.path().join("config").display());
        args.extend(["-e", &config]);
        for e in env {
            args.extend(["-e", e]);
        }
        args.push("bash --norc --noprofile");
        let t = Tmux { socket, dir };
        assert!(t.cmd(&args).status().unwrap().success(), "tmux starts");
        t.cmd(&["set-option", "-g", "status", "off"]).status().unwrap();
        sleep(Duration::from_millis(200));
        t
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status().unwrap().success());
    }

    /// Types a shell command line and runs it.
    pub fn run(&self, line: &str) {
        self.cmd(&["send-keys", "-t", "t", "-l", line]).status().unwrap();
        self.keys(&["Enter"]);
    }

    pub fn screen(&self) -> String {
        String::from_utf8(self.cmd(&["capture-pane", "-p", "-t", "t"]).output().unwrap().stdout).unwrap()
    }

    pub fn flag(&self, name: &str) -> String {
        let out = self.cmd(&["display-message", "-p", "-t", "t", &format!("#{{{name}}}")]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool, limit: Duration) -> String {
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

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts the dashboard from the shell, noting the terminal settings before and after.
    /// (In a `sh -c` of its own: an interactive bash abandons the rest of a command line
    /// whose program died of SIGINT, and the exit status is wanted.)
    pub fn launch(&self, args: &str) {
        let before = self.file("before");
        let after = self.file("after");
        self.run(&format!(
            // The marker is computed so that the command line itself never matches it.
            "sh -c 'stty -g > {}; {} {args}; echo \"EXIT$((40+2))=$?\"; stty -g > {}'",
            before.display(),
            program().display(),
            after.display()
        ));
    }

    /// Starts the dashboard as a job of the interactive shell (so that it can be stopped and
    /// brought back with `fg`), noting the terminal settings before; [`Tmux::fg_to_the_end`]
    /// brings it back for the last time.
    pub fn launch_job(&self, args: &str) {
        self.run(&format!("stty -g > {}; {} {args}", self.file("before").display(), program().display()));
    }

    /// `fg` for the last time: after the program ends, its status and the terminal settings.
    pub fn fg_to_the_end(&self) {
        self.run(&format!("fg; echo \"EXIT$((40+2))=$?\"; stty -g > {}", self.file("after").display()));
    }

    /// After the dashboard ended: the shell is back and the terminal is as it was.
    pub fn assert_restored(&self) -> String {
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

    /// The pid of votewatch running below the shell (through the `sh -c` of [`Tmux::launch`]).
    pub fn child_pid(&self) -> i32 {
        let mut pid = self.flag("pane_pid");
        for _ in 0..4 {
            let out = Command::new("pgrep").args(["-P", &pid]).output().unwrap();
            let child =
                String::from_utf8(out.stdout).unwrap().lines().next().expect("a child of the shell").trim().to_string();
            let name = std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
            if name.trim() == "votewatch" {
                return child.parse().unwrap();
            }
            pid = child;
        }
        panic!("no votewatch below the shell")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}
