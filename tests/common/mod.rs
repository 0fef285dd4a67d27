//! Helpers shared by the tests that run the real binary.
#![allow(dead_code)]

pub mod fuzz;
pub mod ru2018;
pub mod tmux;
pub mod watch;

#[allow(unused_imports)]
pub use watch::{Watch, fold, normalize};

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test (`VOTEWATCH_BIN` runs the tests against another build, e.g. an
/// older one, to show which of them it fails).
pub fn bin_path() -> std::path::PathBuf {
    std::env::var_os("VOTEWATCH_BIN").map_or_else(|| env!("CARGO_BIN_EXE_votewatch").into(), Into::into)
}

/// An `XDG_CONFIG_HOME` with no votewatch config in it: the tests do not read the config
/// file of whoever runs them.
pub const NO_CONFIG: &str = "/nonexistent/votewatch-tests";

pub fn bin() -> Command {
    let mut c = Command::new(bin_path());
    c.env("NO_COLOR", "1").env("XDG_CONFIG_HOME", NO_CONFIG);
    c
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run votewatch")
}

/// `votewatch tally DIR --json`, parsed.
pub fn tally_json(dir: &Path) -> serde_json::Value {
    let out = run(&["tally", dir.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "tally failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("tally --json prints JSON")
}

pub fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

pub const MANIFEST: &str = r#"{"id":"t","name":"Test","date":"2022-11-20","polls_close":"20:00",
 "candidates":[{"id":"a","name":"Alice"},{"id":"b","name":"Bob"}],
 "regions":[{"id":"n","name":"North","utc_offset":"+06:00","precincts":50},{"id":"s","name":"South","utc_offset":"+05:00","precincts":50}]}"#;

/// One report as a JSON line.
pub fn report(precinct: &str, region: &str, rev: u32, a: u32, b: u32) -> String {
    format!(
        r#"{{"precinct":"{precinct}","region":"{region}","reported_at":"2022-11-20T22:00:00+06:00","revision":{rev},"registered":1000,"ballots":{},"invalid":0,"votes":{{"a":{a},"b":{b}}}}}"#,
        a + b
    )
}

/// What the screen gets wrong of the numbers `tally --json` gives for the same feed, if anything.
pub fn tally_mismatch(screen: &str, cold: &serde_json::Value) -> Option<String> {
    let thousands = |n: &serde_json::Value| votewatch::text::thousands(n.as_u64().unwrap());
    for c in cold["candidates"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let share = votewatch::text::percent(c["votes"].as_u64().unwrap(), cold["valid"].as_u64().unwrap());
        let votes = format!(" {} ", thousands(&c["votes"]));
        if !screen.lines().any(|l| l.contains(name) && l.contains(&votes) && l.contains(&share)) {
            return Some(format!("no row for {name} with{votes}and {share}"));
        }
    }
    let precincts =
        format!("{} of {}", thousands(&cold["precincts_reporting"]), thousands(&cold["precincts_expected"]));
    let ballots = format!("Ballots {}", thousands(&cold["ballots"]));
    [precincts, ballots].into_iter().find(|want| !screen.contains(want.as_str())).map(|want| format!("no {want}"))
}
