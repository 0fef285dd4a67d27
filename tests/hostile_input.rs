//! A feed written by hostile hands: nothing it holds reaches a terminal raw (stderr, the
//! table, the JSON a script prints), ids cannot disguise themselves, names cannot be
//! ambiguous, counts and times are read strictly, and messages quote input cut short.

mod common;

use common::*;

/// Characters that must never leave votewatch raw: control (C0, DEL, C1), bidirectional and
/// invisible ones.
fn raw_hidden(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
        })
        .collect()
}

fn tally(dir: &std::path::Path, json: bool) -> std::process::Output {
    let mut args = vec!["tally", dir.to_str().unwrap()];
    if json {
        args.push("--json");
    }
    run(&args)
}

#[test]
fn escape_sequences_in_a_manifest_never_reach_stderr_raw() {
    let d = tempfile::tempdir().unwrap();
    for manifest in [
        r#"{"id":"x","contest":"\u001b]0;PWNED-TITLE\u0007\u001b[2J"}"#,
        r#"{"id":"x","csv":{"\u001b]0;PWNED\u0007":"a"}}"#,
        r#"{"id":"x","forensics":{"\u001b[2J":1}}"#,
        r#"{"id":"x","candidates":[{"id":"a\u202e"}]}"#,
    ] {
        write(d.path(), "election.json", manifest);
        let out = tally(d.path(), false);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(raw_hidden(&err), Vec::<char>::new(), "{err:?}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("\\u{1b}") || err.contains("\\u{202e}"), "shown escaped: {err}");
    }
}

#[test]
fn ids_that_hide_or_turn_text_are_refused() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    for (file, id) in [("rlo.json", "P\u{202e}1"), ("zw.json", "P\u{200b}1"), ("iso.json", "P\u{2066}1")] {
        write(d.path(), file, &report(id, "n", 1, 6, 4));
    }
    write(d.path(), "ok.json", &report("P1", "n", 1, 6, 4));
    let out = tally(d.path(), true);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(raw_hidden(&text), Vec::<char>::new(), "the JSON carries them escaped");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["precincts_reporting"], 1);
    let errors: Vec<&str> = v["rejected"].as_array().unwrap().iter().map(|r| r["error"].as_str().unwrap()).collect();
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|e| e.contains("invisible or text-direction character")), "{errors:?}");
    let table = String::from_utf8(tally(d.path(), false).stdout).unwrap();
    assert_eq!(raw_hidden(&table), Vec::<char>::new(), "{table}");
}

#[test]
fn names_shown_are_neutralised_in_the_table_and_escaped_in_json() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "election.json",
        r#"{"id":"t","name":"Night \u001b[2J\u202eelection","candidates":[{"id":"a","name":"Al\u0007ice\u200b"},{"id":"b","name":"Bob"}],
            "regions":[{"id":"n","name":"No\u001b]0;x\u0007rth"},{"id":"s"}]}"#,
    );
    write(d.path(), "r.json", &report("P1", "n", 1, 6, 4));
    let table = String::from_utf8(tally(d.path(), false).stdout).unwrap();
    assert_eq!(raw_hidden(&table), Vec::<char>::new(), "{table:?}");
    assert!(table.contains("Alice") && table.contains("Night [2Jelection"), "{table}");
    let json = String::from_utf8(tally(d.path(), true).stdout).unwrap();
    assert_eq!(raw_hidden(&json), Vec::<char>::new());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["election"]["name"], "Night \u{1b}[2J\u{202e}election", "escaped, not lost");
}

#[test]
fn candidate_names_are_unambiguous() {
    let d = tempfile::tempdir().unwrap();
    for (manifest, want) in [
        (r#"{"id":"t","candidates":[{"id":"a","name":"Same"},{"id":"b","name":"Same"}]}"#, "have the same name"),
        (r#"{"id":"t","candidates":[{"id":"a"},{"id":"b","name":"a"}]}"#, "another candidate's id"),
    ] {
        write(d.path(), "election.json", manifest);
        write(d.path(), "r.csv", "precinct,registered,ballots,Same\nP1,10,5,5\n");
        let out = tally(d.path(), false);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn counts_and_times_are_read_strictly_and_quoted_as_written() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "election.json", MANIFEST);
    let good = report("P0", "n", 1, 6, 4);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "frac.json",
            good.replace("\"a\":6", "\"a\":999999999.99999999999"),
            "votes.a is 999999999.99999999999, not a whole number",
        ),
        (
            "round.json",
            good.replace("\"a\":6", "\"a\":2.0000000000000001"),
            "votes.a is 2.0000000000000001, not a whole number",
        ),
        ("point.json", good.replace("\"ballots\":10", "\"ballots\":10.0"), "ballots is 10.0, not a whole number"),
        (
            "big.json",
            good.replace("\"ballots\":10", "\"ballots\":9999999999999999999999"),
            "ballots is 9999999999999999999999, above the limit",
        ),
        ("sep.json", good.replace("2022-11-20T22", "2022-11-20e22"), "is not an RFC 3339 timestamp"),
        ("x.json", good.replace("2022-11-20T22", "2022-11-20X22"), "is not an RFC 3339 timestamp"),
        ("surrogate.json", good.replace("\"revision\"", "\"note\":\"\\ud800\",\"revision\""), "lone UTF-16 surrogate"),
    ];
    for (file, text, _) in &cases {
        write(d.path(), file, text);
    }
    // Accepted: a byte-order mark before the document.
    write(d.path(), "bom.json", &format!("\u{feff}{}", report("P1", "n", 1, 6, 4)));
    // A CSV whose column name is 100,000 characters: the message quotes it cut short.
    write(d.path(), "wide.csv", &format!("precinct,registered,ballots,{}\nP2,10,5,5\n", "c".repeat(100_000)));
    let out = run(&["tally", d.path().to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refused: std::collections::HashMap<String, String> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"].as_str().unwrap().to_string(), r["error"].as_str().unwrap().to_string()))
        .collect();
    for (file, _, want) in &cases {
        let got = refused.get(*file).unwrap_or_else(|| panic!("{file} refused: {refused:?}"));
        assert!(got.contains(want), "{file}: {got}");
    }
    assert!(!refused.contains_key("bom.json"), "{refused:?}");
    let wide = &refused["wide.csv:1"];
    assert!(wide.chars().count() < 200, "{} characters: {}", wide.chars().count(), votewatch::text::cut(wide, 100));
    assert_eq!(v["precincts_reporting"], 1);
}
