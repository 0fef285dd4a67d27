//! The binary as an installed tool, run as a user would: the config file under the command
//! line, the bundled samples from any directory, completions, the manual pages, and help with
//! examples and without `docs/` paths.

mod common;

use common::*;

const SAMPLE: &str = "sample-feeds/kz-2022-presidential";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// `votewatch` with a config home of its own holding `config` (if any).
fn with_config(config: Option<&str>) -> (tempfile::TempDir, std::process::Command) {
    let home = tempfile::tempdir().unwrap();
    if let Some(text) = config {
        write(home.path(), "votewatch/config.toml", text);
    }
    let mut c = bin();
    c.env("XDG_CONFIG_HOME", home.path());
    (home, c)
}

fn needed(out: &std::process::Output) -> u64 {
    assert!(out.status.success(), "{}", stderr(out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["forensics"]["status"][0]["needed"].as_u64().unwrap()
}

#[test]
fn the_config_file_sets_thresholds_and_the_command_line_wins() {
    let (_h, mut c) = with_config(None);
    assert_eq!(needed(&c.args(["tally", SAMPLE, "--json"]).output().unwrap()), 30, "the default");
    let (_h, mut c) = with_config(Some("[thresholds]\nmin_precincts = 77\n"));
    assert_eq!(needed(&c.args(["tally", SAMPLE, "--json"]).output().unwrap()), 77);
    let (_h, mut c) = with_config(Some("[thresholds]\nmin_precincts = 77\n"));
    assert_eq!(needed(&c.args(["tally", SAMPLE, "--json", "--min-precincts", "40"]).output().unwrap()), 40);
    // Without XDG_CONFIG_HOME: ~/.config.
    let home = tempfile::tempdir().unwrap();
    write(home.path(), ".config/votewatch/config.toml", "[thresholds]\nmin_precincts = 55\n");
    let out = bin()
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .args(["tally", SAMPLE, "--json"])
        .output()
        .unwrap();
    assert_eq!(needed(&out), 55);
}

#[test]
fn a_wrong_config_file_is_one_line_naming_the_file_line_and_key() {
    let (home, mut c) = with_config(Some("[dashboard]\nfps = 10\n\n[thresholds]\nfdr = 1.5\n"));
    let out = c.args(["tally", SAMPLE]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let file = home.path().join("votewatch/config.toml");
    assert_eq!(
        stderr(&out),
        format!("votewatch: {}:5: thresholds.fdr: must be between 0 and 1 (exclusive), not 1.5\n", file.display())
    );
    let (_h, mut c) = with_config(Some("[dashboard]\ntheme = \"neon\"\n"));
    let out = c.args(["replay", SAMPLE, "--headless"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("config.toml:2: dashboard.theme: must be \"dark\" or \"light\", not \"neon\""));
    // Commands that read no setting do not care.
    let (_h, mut c) = with_config(Some("[dashboard]\ntheme = \"neon\"\n"));
    assert!(c.args(["completions", "bash"]).output().unwrap().status.success());
}

#[test]
fn the_demo_runs_from_any_directory_and_leaves_nothing_behind() {
    let elsewhere = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out =
        bin().current_dir(elsewhere.path()).env("TMPDIR", tmp.path()).args(["demo", "--headless"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let totals = stdout(&out).lines().rev().find(|l| l.contains("\"event\":\"totals\"")).unwrap().to_string();
    let v: serde_json::Value = serde_json::from_str(&totals).unwrap();
    assert_eq!(v["candidates"][0]["votes"], 6_456_392, "the official figures");
    assert_eq!(v["precincts_reporting"], 10_330);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "the unpacked sample is gone");
    let out = bin().current_dir(elsewhere.path()).args(["demo", "--headless", "--baseline"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let projection = stdout(&out).lines().rev().find(|l| l.contains("\"event\":\"projection\"")).unwrap().to_string();
    let p: serde_json::Value = serde_json::from_str(&projection).unwrap();
    assert_eq!(p["method"], "swing");
    assert_eq!(p["baseline"]["source"], "kz-2019-presidential (bundled)");
    let out = bin().args(["demo", "--headless", "--sample", "kz-2012-majilis", "--baseline"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = bin().args(["demo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "no terminal");
    assert!(stderr(&out).contains("votewatch demo --headless"), "{}", stderr(&out));
}

#[test]
fn completions_and_the_manual_page_print_to_stdout() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        for word in ["votewatch", "tally", "fail-on", "format"] {
            assert!(script.contains(word), "{shell}: {word}");
        }
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(script.contains("kz-2012-majilis"), "{shell}: the values too");
        }
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let page = stdout(&run(&["man"]));
    assert!(page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH votewatch 1"), "{page}");
    assert!(page.contains(".TH votewatch 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS", ".SH EXAMPLES", ".SH NOTES", "Exit status"] {
        assert!(page.contains(section), "{section}");
    }
    let tally = stdout(&run(&["man", "tally"]));
    assert!(tally.contains(".TH votewatch-tally 1") && tally.contains("fail\\-on"), "{tally}");
    let out = run(&["man", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(stderr(&out).contains("there is no command \"nosuch\" (the commands: tally, watch"), "{}", stderr(&out));
}

#[test]
fn help_has_examples_and_points_to_no_docs_folder() {
    for args in [vec!["--help"], vec!["tally", "--help"], vec!["demo", "--help"], vec!["watch", "-h"]] {
        let out = run(&args);
        assert!(out.status.success());
        let help = stdout(&out);
        assert!(help.contains("Examples:"), "{args:?}");
        assert!(!help.contains("docs/"), "{args:?}: {help}");
    }
}
