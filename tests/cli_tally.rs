//! `votewatch tally` run as a user would: rejections with their sources, JSON fields, a
//! single file as the feed, a CSV header mapping, and clear errors.

mod common;

use common::*;

#[test]
fn rejections_name_the_file_line_or_element_and_never_count() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "election.json", MANIFEST);
    write(dir, "good.json", &report("N1", "n", 1, 600, 300));
    write(dir, "broken.json", "{\"precinct\":");
    write(dir, "arr.json", &format!("[{}, {}]", report("N2", "n", 1, 10, 10), report("N3", "nowhere", 1, 10, 10)));
    write(
        dir,
        "logs/log.ndjson",
        &format!("{}\n{}\n", report("S1", "s", 1, 100, 50), report("S2", "s", 1, 100, 50).replace("\"b\"", "\"zz\"")),
    );
    write(dir, "c.csv", "precinct,region,registered,ballots,a,b\nS3,s,100,50,25,25\nS4,s,100,50.5,25,25\n");
    write(dir, "big.json", &format!("{{\"pad\":\"{}\"}}", "x".repeat(3000)));
    let out = run(&["tally", dir.to_str().unwrap(), "--json", "--max-file-size", "2K"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rejected: Vec<(String, String)> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"].as_str().unwrap().to_string(), r["error"].as_str().unwrap().to_string()))
        .collect();
    let expect = [
        ("arr.json#1", "unknown region \"nowhere\""),
        ("big.json", "above the size cap of 2.0 KiB"),
        ("broken.json", "not valid JSON"),
        ("c.csv:3", "ballots is 50.5, not a whole number"),
        ("logs/log.ndjson:2", "unknown candidate \"zz\""),
    ];
    assert_eq!(rejected.len(), expect.len(), "{rejected:?}");
    for ((src, err), (want_src, want_err)) in rejected.iter().zip(expect) {
        assert_eq!(src, want_src);
        assert!(err.contains(want_err), "{src}: {err}");
    }
    assert_eq!(v["precincts_reporting"], 4, "N1, N2, S1, S3");
    assert_eq!(v["ballots"], 900 + 20 + 150 + 50);
}

#[test]
fn json_has_the_documented_fields() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    write(d.path(), "r.ndjson", &format!("{}\n{}\n", report("N1", "n", 1, 600, 300), report("S1", "s", 1, 100, 300)));
    let v = tally_json(d.path());
    for field in [
        "election",
        "precincts_reporting",
        "precincts_expected",
        "registered",
        "ballots",
        "invalid",
        "turnout",
        "candidates",
        "regions",
        "held",
        "anomalies",
        "rejected",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
    assert_eq!(v["election"]["id"], "t");
    assert_eq!(v["election"]["contest"], "single-winner");
    assert_eq!(v["precincts_expected"], 100);
    assert_eq!(v["registered"], 2000);
    assert_eq!(v["turnout"], 1300.0 / 2000.0);
    let c = &v["candidates"];
    assert_eq!((c[0]["id"].as_str(), c[0]["votes"].as_u64()), (Some("a"), Some(700)));
    assert_eq!(c[0]["share"], 700.0 / 1300.0);
    assert_eq!(c[1]["name"], "Bob");
    let r = &v["regions"][1];
    assert_eq!(
        (r["id"].as_str(), r["precincts_reporting"].as_u64(), r["precincts_expected"].as_u64()),
        (Some("s"), Some(1), Some(50))
    );
    assert_eq!(r["votes"]["b"], 300);
    assert_eq!(r["turnout"], 0.4);
}

#[test]
fn a_single_file_is_a_feed_and_finds_its_manifest_above() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    write(d.path(), "north/log.ndjson", &format!("{}\n", report("N1", "n", 1, 600, 300)));
    let v = tally_json(&d.path().join("north/log.ndjson"));
    assert_eq!(v["precincts_reporting"], 1);
    assert_eq!(v["candidates"][0]["name"], "Alice", "names come from the manifest");
}

#[test]
fn table_is_readable() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    write(d.path(), "r.json", &report("N1", "n", 1, 6000, 3000).replace("\"registered\":1000", "\"registered\":10000"));
    let out = run(&["tally", d.path().to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Precincts reporting  1 of 100 (1.00%)"), "{text}");
    assert!(text.contains("Alice") && text.contains("6,000") && text.contains("66.67%"), "{text}");
}

#[test]
fn errors_are_one_clear_line() {
    let out = run(&["tally", "/no/such/feed"]);
    assert_eq!(out.status.code(), Some(1), "a runtime or data problem exits 1");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/no/such/feed: cannot open the feed"), "{err}");

    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", r#"{"id":"x","regions":[{"id":"r","utc_offset":"six"}]}"#);
    let out = run(&["tally", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("election.json") && err.contains("utc_offset"), "{err}");

    // How the command is called is a usage error: exit 2.
    let out = run(&["tally", d.path().to_str().unwrap(), "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["watch", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "no terminal to draw on: {}", String::from_utf8_lossy(&out.stderr));
}
