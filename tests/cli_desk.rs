//! What an election desk meets first, through the real binary: `tally --format table|json|csv`
//! (the table with the projection and the call, every anomaly, names cut only with "…"),
//! `--fail-on` exit codes, and a baseline of another election refused or warned about.

mod common;

use std::path::Path;

use common::*;

const SAMPLE: &str = "sample-feeds/kz-2022-presidential";
const PRIOR: &str = "sample-feeds/kz-2019-presidential";
const MAJILIS: &str = "sample-feeds/kz-2012-majilis";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn the_table_shows_the_projection_the_call_and_every_anomaly() {
    let v = tally_json(Path::new(SAMPLE));
    let out = run(&["tally", SAMPLE]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.contains("Call: projected outright win for Kassym-Jomart Tokayev"), "{table}");
    assert!(table.contains("Projected by region ratios, 100.0% of the electorate in; turnout 69.4%"), "{table}");
    let header = table.lines().find(|l| l.starts_with("Candidate")).unwrap();
    assert!(header.contains("Projected") && header.contains("90% range"), "{header}");
    let tokayev = table.lines().find(|l| l.starts_with("Kassym-Jomart Tokayev ")).unwrap();
    assert!(tokayev.contains("6,456,392") && tokayev.contains("81.31%") && tokayev.contains("81.3%"), "{tokayev}");
    // Every anomaly, none cut off, and leaders' names whole.
    let anomalies = v["anomalies"].as_array().unwrap();
    assert!(anomalies.len() > 20, "the sample has more than the old cut of 20");
    assert!(table.contains(&format!("Anomalies ({})", anomalies.len())));
    let listed = table.lines().filter(|l| l.starts_with("  [warning]") || l.starts_with("  [critical]")).count();
    assert_eq!(listed, anomalies.len(), "every anomaly listed");
    assert!(!table.contains("and more") && !table.contains("see --json"));
    let abai = table.lines().find(|l| l.starts_with("Abai Region")).unwrap();
    assert!(abai.contains("Kassym-Jomart Tokayev") && abai.contains("+217,664"), "{abai}");
}

#[test]
fn a_party_list_table_shows_the_projected_seats() {
    let out = run(&["tally", MAJILIS]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let header = table.lines().find(|l| l.starts_with("Candidate")).unwrap();
    assert!(header.contains("Seats") && header.contains("Proj. seats") && header.contains("Threshold"), "{header}");
    let v = tally_json(Path::new(MAJILIS));
    let first = &v["candidates"][0];
    let row = table.lines().find(|l| l.starts_with(first["name"].as_str().unwrap())).unwrap();
    assert!(row.contains(&first["seats"].to_string()), "{row}");
    assert!(row.contains("100.0% pass"), "{row}");
    assert!(table.contains("Seats: projected as above (98 seats, threshold 7.0%; 90% ranges)"), "{table}");
}

#[test]
fn long_and_hostile_names_are_cut_with_an_ellipsis_and_cleaned() {
    let d = tempfile::tempdir().unwrap();
    let long = "Alexandra Konstantinovna Rimsky-Korsakova-Dostoevskaya of the Long Names";
    let manifest = MANIFEST.replace("\"Alice\"", &format!("\"{long}\"")).replace("\"Bob\"", "\"B\\u001b[31mob\"");
    write(d.path(), "election.json", &manifest);
    write(d.path(), "r.ndjson", &format!("{}\n", report("N1", "n", 1, 600, 300)));
    let out = run(&["tally", d.path().to_str().unwrap()]);
    let table = stdout(&out);
    assert!(!table.contains('\u{1b}'), "no escape reaches the terminal");
    assert!(table.contains("B[31mob"));
    let row = table.lines().find(|l| l.starts_with("Alexandra")).unwrap();
    assert!(row.contains("…") && !row.contains(long), "{row}");
    let north = table.lines().find(|l| l.starts_with("North")).unwrap();
    assert!(north.contains("Alexandra") && north.contains('…'), "the leader column too: {north}");
}

#[test]
fn json_is_the_same_by_either_name_and_formats_do_not_mix() {
    let a = run(&["tally", SAMPLE, "--json"]);
    let b = run(&["tally", SAMPLE, "--format", "json"]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    let both = run(&["tally", SAMPLE, "--json", "--format", "csv"]);
    assert_eq!(both.status.code(), Some(2), "a usage error");
    let bad = run(&["tally", SAMPLE, "--format", "xml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("table") && stderr(&bad).contains("csv"), "names the formats");
}

#[test]
fn csv_is_votes_by_area_and_candidate_with_the_documented_columns() {
    let v = tally_json(Path::new(SAMPLE));
    let out = run(&["tally", SAMPLE, "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let documented = [
        "level",
        "region_id",
        "region_name",
        "precincts_reporting",
        "precincts_expected",
        "registered",
        "ballots",
        "invalid",
        "valid",
        "turnout",
        "candidate_id",
        "candidate_name",
        "party",
        "votes",
        "share",
        "rank",
        "seats",
        "projected_share",
        "projected_low",
        "projected_high",
        "projected_seats",
    ];
    assert_eq!(header, documented);
    let doc = std::fs::read_to_string("docs/FEED-FORMAT.md").unwrap();
    for c in documented {
        assert!(doc.contains(&format!("| `{c}` |")), "docs/FEED-FORMAT.md describes the column {c}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let candidates = v["candidates"].as_array().unwrap();
    let regions = v["regions"].as_array().unwrap();
    assert_eq!(rows.len(), candidates.len() * (1 + regions.len()), "the nation and each region, by candidate");
    let col = |r: &csv::StringRecord, name: &str| r[documented.iter().position(|c| *c == name).unwrap()].to_string();
    for (row, c) in rows.iter().zip(candidates) {
        assert_eq!(col(row, "level"), "national");
        assert_eq!(col(row, "candidate_id"), c["id"].as_str().unwrap());
        assert_eq!(col(row, "votes"), c["votes"].to_string());
        assert_eq!(col(row, "valid"), v["valid"].to_string());
        assert_eq!(col(row, "share"), format!("{:.6}", c["share"].as_f64().unwrap()));
        assert!(!col(row, "projected_share").is_empty());
    }
    assert_eq!(col(&rows[0], "rank"), "1");
    // Each region's rows add up to the national votes.
    let tokayev: u64 = rows[candidates.len()..]
        .iter()
        .filter(|r| col(r, "candidate_id") == "tokayev")
        .map(|r| col(r, "votes").parse::<u64>().unwrap())
        .sum();
    assert_eq!(tokayev, 6_456_392);
    let astana = rows.iter().find(|r| col(r, "region_id") == "astana").unwrap();
    assert_eq!(col(astana, "level"), "region");
    assert!(col(astana, "projected_share").is_empty(), "projected only nationally");
}

#[test]
fn csv_cells_are_never_formulas() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", &MANIFEST.replace("\"Alice\"", "\"=HYPERLINK(\\\"http://x\\\")\""));
    write(d.path(), "r.ndjson", &format!("{}\n", report("N1", "n", 1, 600, 300)));
    let out = run(&["tally", d.path().to_str().unwrap(), "--format", "csv"]);
    let text = stdout(&out);
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(!text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"), "{text}");
}

/// A feed with a critical anomaly (turnout over 100%), a rejected file and nothing held.
fn flagged_feed() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    let over = report("N2", "n", 1, 900, 300).replace("\"registered\":1000", "\"registered\":100");
    write(d.path(), "r.ndjson", &format!("{}\n{over}\n", report("N1", "n", 1, 600, 300)));
    write(d.path(), "broken.json", "{\"precinct\":");
    d
}

#[test]
fn fail_on_exits_3_after_the_output_and_says_why() {
    let d = flagged_feed();
    let feed = d.path().to_str().unwrap();
    let plain = run(&["tally", feed]);
    assert_eq!(plain.status.code(), Some(0), "no --fail-on: rejections beside good reports are no failure");
    for args in [
        vec!["--fail-on", "critical"],
        vec!["--fail-on", "held,rejected"],
        vec!["--fail-on", "held", "--fail-on", "warning"],
    ] {
        let mut all = vec!["tally", feed, "--format", "json"];
        all.extend(&args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the output is printed whole first");
        assert_eq!(v["precincts_reporting"], 2);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("votewatch: --fail-on: "), "{err}");
    }
    let out = run(&["tally", feed, "--fail-on", "critical,rejected"]);
    assert_eq!(stderr(&out).trim(), "votewatch: --fail-on: 1 critical anomaly, 1 rejection");
    let out = run(&["tally", feed, "--fail-on", "held"]);
    assert_eq!(out.status.code(), Some(0), "nothing held");
    let out = run(&["tally", feed, "--fail-on", "everything"]);
    assert_eq!(out.status.code(), Some(2), "a usage error names the choices: {}", stderr(&out));
    assert!(stderr(&out).contains("critical") && stderr(&out).contains("held"));
    // A feed that could not be read whole is a data problem first (1), whatever was asked.
    let locked = flagged_feed();
    let fifo = std::ffi::CString::new(locked.path().join("fifo.json").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let out = run(&["tally", locked.path().to_str().unwrap(), "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn replay_headless_fails_on_the_final_count() {
    let d = flagged_feed();
    let feed = d.path().to_str().unwrap();
    let out = run(&["replay", feed, "--headless", "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stdout(&out).lines().any(|l| l.contains("\"event\":\"totals\"")), "the events were written");
    let out = run(&["replay", feed, "--headless", "--fail-on", "held"]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["replay", feed, "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(2), "--fail-on is for --headless: {}", stderr(&out));
}

#[test]
fn a_baseline_of_another_election_is_refused_by_name() {
    for args in
        [vec!["tally", SAMPLE, "--baseline", MAJILIS], vec!["replay", SAMPLE, "--headless", "--baseline", MAJILIS]]
    {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "nothing printed before the refusal");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("votewatch: {MAJILIS}: not a baseline for this election: none of its candidates")),
            "{err}"
        );
        assert!(err.contains("\"nur_otan\"") && err.contains("\"tokayev\""), "{err}");
    }
    let d = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["watch", d.path().to_str().unwrap(), "--headless", "--manifest"])
        .arg(Path::new(SAMPLE).join("election.json"))
        .args(["--baseline", MAJILIS])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "watch refuses it at start: {}", stderr(&out));
    assert!(stderr(&out).contains("not a baseline for this election"));
}

#[test]
fn a_baseline_of_other_precincts_is_not_called_swing_and_says_so() {
    // The same candidates, but precincts the count does not have.
    let d = tempfile::tempdir().unwrap();
    let line = |id: &str| {
        format!(
            r#"{{"precinct":"{id}","region":"elsewhere","registered":1000,"ballots":700,"votes":{{"tokayev":500,"abden":200}}}}"#
        )
    };
    write(d.path(), "prior.ndjson", &format!("{}\n{}\n", line("ZZ-1"), line("ZZ-2")));
    let prior = d.path().join("prior.ndjson");
    let out = run(&["tally", SAMPLE, "--format", "json", "--baseline", prior.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &v["projection"];
    assert_eq!(p["method"], "ratio", "nothing was projected by swing");
    assert_eq!(p["baseline"]["match_rate"], 0.0);
    assert_eq!(p["baseline"]["reported"], 10_330);
    let warning = p["baseline"]["warning"].as_str().unwrap();
    assert!(warning.starts_with("none of the 10,330 reported precincts is in the baseline"), "{warning}");
    let err = stderr(&out);
    assert_eq!(err.trim(), format!("votewatch: --baseline: {warning}"));
    // The table says it too, and does not say "by swing".
    let table = stdout(&run(&["tally", SAMPLE, "--baseline", prior.to_str().unwrap()]));
    assert!(table.contains("Projected by region ratios") && table.contains("Baseline warning: none of"), "{table}");
    // A baseline of one region in ten: swing, with the match rate and a warning.
    let out = run(&["tally", SAMPLE, "--format", "json", "--baseline", &format!("{SAMPLE}/almaty")]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["projection"]["method"], "swing");
    let w = v["projection"]["baseline"]["warning"].as_str().unwrap();
    assert!(w.starts_with("only 760 of the 10,330 reported precincts (7.4%)"), "{w}");
    assert!(stderr(&out).contains(w));
    // The right baseline: swing, no warning.
    let out = run(&["tally", SAMPLE, "--format", "json", "--baseline", PRIOR]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["projection"]["method"], "swing");
    assert!(v["projection"]["baseline"]["match_rate"].as_f64().unwrap() > 0.9);
    assert!(v["projection"]["baseline"].get("warning").is_none());
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}
