//! The binary as an installed tool, in a real terminal (tmux): `demo` from a directory far
//! from the checkout replays the sample built into the binary to the official figures, and
//! leaves no unpacked copy behind.

mod common;

use std::process::Command;
use std::time::Duration;

use common::tmux::Tmux;

#[test]
fn demo_runs_from_any_directory_in_a_terminal() {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "tmux is needed (.ci/run installs it)");
        eprintln!("e2e_install: NOT RUN: tmux is not installed");
        return;
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let t = Tmux::start_with("install", 120, 40, &["NO_COLOR=1", &format!("TMPDIR={}", tmp.path().display())]);
    t.run(&format!("cd {}", elsewhere.path().display()));
    t.launch("demo --speed max");
    // Waited for whole: every part the test reads (a frame may be caught half drawn).
    t.wait_for(
        "the demo to end",
        |s| {
            s.contains("REPLAY ENDED")
                && s.contains("6,456,392")
                && s.contains("81.31%")
                && s.contains("Kazakhstan early presidential election 2022")
        },
        Duration::from_secs(90),
    );
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "the unpacked sample is gone already");
    t.keys(&["q"]);
    let after = t.assert_restored();
    assert!(after.contains("EXIT42=0"), "{after}");
}
