//! The engine through its public API: revisions, conflicts, duplicates, withdrawals, every
//! integrity anomaly and its clearing, and order independence (a property test).

use proptest::prelude::*;
use votewatch::engine::{Count as Summary, Engine};
use votewatch::feed::report::parse_json_report;
use votewatch::feed::{Batch, Loc, Manifest, Schema, Timestamp};

const SEEN: Timestamp = Timestamp { unix: 1_700_000_000, offset_seconds: 0 };

fn manifest() -> Manifest {
    Manifest::from_slice(
        br#"{"id":"t","name":"Test","date":"2022-11-20","polls_close":"20:00",
        "candidates":[{"id":"a","name":"Alice"},{"id":"b","name":"Bob"},{"id":"c","name":"Carol"}],
        "regions":[{"id":"n","name":"North","utc_offset":"+06:00","precincts":10},{"id":"s","name":"South","utc_offset":"+05:00","precincts":10}]}"#,
    )
    .unwrap()
}

/// A batch holding one report given as JSON text.
fn one(json: &str) -> Batch {
    let schema = Schema::from_manifest(Some(&manifest()), 1 << 20);
    let mut b = Batch::default();
    b.push(Loc::Whole, parse_json_report(json.as_bytes(), &schema));
    assert!(b.rejections.is_empty(), "{:?}", b.rejections);
    b
}

fn report(precinct: &str, rev: u32, registered: u32, ballots: u32, invalid: u32, votes: [u32; 3]) -> String {
    format!(
        r#"{{"precinct":"{precinct}","region":"n","reported_at":"2022-11-20T21:00:00+06:00","revision":{rev},"registered":{registered},"ballots":{ballots},"invalid":{invalid},"votes":{{"a":{},"b":{},"c":{}}}}}"#,
        votes[0], votes[1], votes[2]
    )
}

fn kinds(s: &Summary) -> Vec<(&str, &str)> {
    s.anomalies.iter().map(|a| (a.kind, a.precinct.as_deref().unwrap_or("-"))).collect()
}

#[test]
fn highest_revision_counts_whatever_the_order() {
    for order in [[0, 1], [1, 0]] {
        let files = [
            ("r1.json", report("P1", 1, 100, 60, 0, [30, 20, 10])),
            ("r2.json", report("P1", 2, 100, 62, 0, [31, 21, 10])),
        ];
        let mut e = Engine::new(Some(manifest()));
        for i in order {
            e.ingest(files[i].0, one(&files[i].1), SEEN);
        }
        let s = e.count();
        assert_eq!((s.precincts_reporting, s.ballots, s.valid), (1, 62, 62));
        assert_eq!(s.candidates[0].votes, 31);
        assert!(s.anomalies.is_empty(), "{:?}", s.anomalies);
    }
}

#[test]
fn identical_resend_is_silent_and_conflict_holds_until_a_higher_revision() {
    let mut e = Engine::new(Some(manifest()));
    e.ingest("a.json", one(&report("P1", 1, 100, 60, 0, [30, 20, 10])), SEEN);
    e.ingest("copy.json", one(&report("P1", 1, 100, 60, 0, [30, 20, 10])), SEEN);
    let s = e.count();
    assert_eq!((s.precincts_reporting, s.ballots), (1, 60));
    assert!(s.anomalies.is_empty() && s.held.is_empty());

    e.ingest("b.json", one(&report("P1", 1, 100, 60, 0, [29, 21, 10])), SEEN);
    let s = e.count();
    assert_eq!((s.precincts_reporting, s.ballots, s.valid), (0, 0, 0), "a conflict is held out of the totals");
    assert_eq!(s.held.len(), 1);
    assert_eq!(s.held[0].precinct, "P1");
    assert!(
        s.held[0].reason.contains("2 different reports for revision 1 (a.json, b.json, copy.json)"),
        "{}",
        s.held[0].reason
    );
    assert_eq!(kinds(&s), vec![("revision_conflict", "P1")]);

    e.ingest("c.json", one(&report("P1", 2, 100, 60, 0, [30, 20, 10])), SEEN);
    let s = e.count();
    assert_eq!((s.precincts_reporting, s.ballots), (1, 60));
    assert!(s.held.is_empty());
    // Revision 2 has fewer votes for b than b.json's revision 1.
    assert_eq!(kinds(&s), vec![("votes_decreased", "P1")]);
}

#[test]
fn deleting_a_file_withdraws_its_reports_and_what_they_caused() {
    let mut e = Engine::new(Some(manifest()));
    e.ingest("a.json", one(&report("P1", 1, 100, 60, 0, [30, 20, 10])), SEEN);
    e.ingest("b.json", one(&report("P1", 1, 100, 60, 0, [29, 21, 10])), SEEN);
    e.ingest("c.json", one(&report("P2", 1, 100, 110, 0, [100, 5, 5])), SEEN);
    assert_eq!(e.count().held.len(), 1);
    e.withdraw_file("b.json");
    let s = e.count();
    assert!(s.held.is_empty());
    assert_eq!((s.precincts_reporting, s.ballots), (2, 170));
    e.withdraw_file("c.json");
    let s = e.count();
    assert_eq!((s.precincts_reporting, s.ballots), (1, 60));
    assert!(s.anomalies.is_empty());
    e.withdraw_file("a.json");
    let s = e.count();
    assert_eq!((s.precincts_reporting, s.registered, s.ballots, s.valid), (0, 0, 0, 0));
    assert!(s.candidates.iter().all(|c| c.votes == 0));
}

#[test]
fn withdrawing_from_a_line_keeps_the_lines_before() {
    let schema = Schema::from_manifest(Some(&manifest()), 1 << 20);
    let text = [
        report("P1", 1, 100, 60, 0, [30, 20, 10]),
        report("P2", 1, 100, 60, 0, [30, 20, 10]),
        report("P3", 1, 100, 60, 0, [30, 20, 10]),
    ]
    .join("\n");
    let mut e = Engine::new(Some(manifest()));
    e.ingest("log.ndjson", votewatch::feed::ndjson::parse_lines(text.as_bytes(), 1, &schema), SEEN);
    assert_eq!(e.count().precincts_reporting, 3);
    e.withdraw("log.ndjson", Loc::Line(2));
    assert_eq!(e.count().precincts_reporting, 1);
    assert!(e.precinct("P1").unwrap().counted().is_some());
}

/// What a file holds at each place, put there and taken away one place at a time (as a replay
/// does: withdraw at a place, then put the report there) or from a place on, in and out of the
/// order of places: the engine ends as a fresh one given the same places.
#[test]
fn withdrawing_at_a_place_or_from_it_matches_a_fresh_read() {
    use std::collections::BTreeMap;
    let schema = Schema::from_manifest(Some(&manifest()), 1 << 20);
    let entry = |line: u32, rev: u32| -> Result<votewatch::feed::Report, String> {
        if line.is_multiple_of(5) {
            return Err(format!("line {line} refused"));
        }
        let json = report(&format!("P{}", line % 7), rev, 100, 60, 0, [30, 20 + rev % 3, 10 - rev % 3]);
        parse_json_report(json.as_bytes(), &schema)
    };
    let mut e = Engine::new(Some(manifest()));
    let mut model: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    let places: Vec<u32> = (1..=12).chain([7, 3, 11, 1, 12, 5, 2, 9]).collect();
    let mut flagged_steps = 0;
    for (step, &line) in places.iter().enumerate() {
        let rev = step as u32 + 1;
        e.withdraw_at("log.ndjson", Loc::Line(line));
        let mut b = Batch::default();
        b.push(Loc::Line(line), entry(line, rev));
        e.ingest("log.ndjson", b, SEEN);
        model.insert(line, (line, rev));
        if step == 15 {
            e.withdraw("log.ndjson", Loc::Line(10));
            model.retain(|&l, _| l < 10);
        }
        if step % 4 == 3 {
            let gone = line.saturating_sub(1).max(1);
            e.withdraw_at("log.ndjson", Loc::Line(gone));
            model.remove(&gone);
        }
        let mut fresh = Engine::new(Some(manifest()));
        let mut b = Batch::default();
        for (&l, &(line, rev)) in &model {
            b.push(Loc::Line(l), entry(line, rev));
        }
        fresh.ingest("log.ndjson", b, SEEN);
        let (got, want) = (e.count(), fresh.count());
        let key = |s: &Summary| {
            let mut rejected: Vec<String> = s.rejected.iter().map(|r| format!("{r:?}")).collect();
            rejected.sort();
            // The integrity flags too, in words (the engine keeps them said between changes).
            let flags: Vec<String> =
                s.anomalies.iter().map(|a| format!("{} {:?} {}", a.kind, a.precinct, a.message)).collect();
            (
                s.precincts_reporting,
                s.ballots,
                s.valid,
                s.candidates.iter().map(|c| c.votes).collect::<Vec<_>>(),
                rejected,
                flags,
            )
        };
        assert_eq!(key(&got), key(&want), "after step {step}");
        flagged_steps += usize::from(!got.anomalies.is_empty());
    }
    assert!(flagged_steps >= 5, "the flags' words are compared: {flagged_steps}");
}

#[test]
fn every_integrity_anomaly_fires_and_clears() {
    let cases: Vec<(&str, String, String)> = vec![
        ("turnout_over_100", report("P", 1, 100, 101, 0, [50, 30, 21]), report("P", 2, 100, 99, 0, [50, 30, 19])),
        ("sum_mismatch", report("P", 1, 100, 60, 1, [30, 20, 10]), report("P", 2, 100, 61, 1, [30, 20, 10])),
        (
            "early_report",
            report("P", 1, 100, 60, 0, [30, 20, 10]).replace("21:00:00+06:00", "19:59:59+06:00"),
            report("P", 2, 100, 60, 0, [30, 20, 10]),
        ),
        (
            "unanimous",
            report("P", 1, 100, 100, 0, [100, 0, 0]),
            report("P", 2, 100, 100, 0, [100, 0, 0]).replace(r#""registered":100"#, r#""registered":150"#),
        ),
    ];
    for (kind, bad, fix) in cases {
        let mut e = Engine::new(Some(manifest()));
        e.ingest("bad.json", one(&bad), SEEN);
        let s = e.count();
        assert!(kinds(&s).contains(&(kind, "P")), "{kind}: {:?}", s.anomalies);
        let a = s.anomalies.iter().find(|a| a.kind == kind).unwrap();
        assert_eq!(a.region.as_deref(), Some("n"));
        assert!(!a.message.is_empty());
        e.ingest("fix.json", one(&fix), SEEN);
        let s = e.count();
        assert!(!kinds(&s).contains(&(kind, "P")), "{kind} should clear: {:?}", s.anomalies);
        // And deleting the correction brings it back.
        e.withdraw_file("fix.json");
        assert!(kinds(&e.count()).contains(&(kind, "P")));
    }
    // Early is judged in the region's own offset: 19:30 at +05:00 is 20:30 at +06:00, still
    // before 20:00 local in the south.
    let mut e = Engine::new(Some(manifest()));
    let south = report("S", 1, 100, 60, 0, [30, 20, 10]).replace(r#""region":"n""#, r#""region":"s""#);
    e.ingest("s.json", one(&south.replace("21:00:00+06:00", "20:30:00+06:00")), SEEN);
    assert_eq!(kinds(&e.count()), vec![("early_report", "S")]);
    e.withdraw_file("s.json");
    e.ingest("s.json", one(&south), SEEN);
    assert!(e.count().anomalies.is_empty());
}

#[test]
fn votes_decreased_and_registered_changed_between_revisions() {
    let mut e = Engine::new(Some(manifest()));
    e.ingest("r2.json", one(&report("P", 2, 100, 60, 0, [28, 22, 10])), SEEN);
    e.ingest("r1.json", one(&report("P", 1, 101, 60, 0, [30, 20, 10])), SEEN);
    let s = e.count();
    assert_eq!(kinds(&s), vec![("votes_decreased", "P"), ("registered_changed", "P")]);
    assert!(
        s.anomalies[0].message.contains("revision 2 has fewer votes for a than revision 1: 28 < 30"),
        "{}",
        s.anomalies[0].message
    );
    assert_eq!(s.anomalies[1].severity.as_str(), "info");
    e.withdraw_file("r1.json");
    assert!(e.count().anomalies.is_empty());
}

/// A report with six candidates, read without a manifest (everything learned).
fn six(precinct: &str, votes: [u32; 6]) -> Batch {
    let valid: u32 = votes.iter().sum();
    let names = ["a", "b", "c", "d", "e", "f"];
    let v: Vec<String> = names.iter().zip(votes).map(|(n, x)| format!(r#""{n}":{x}"#)).collect();
    let json = format!(
        r#"{{"precinct":"{precinct}","registered":{},"ballots":{valid},"votes":{{{}}}}}"#,
        valid * 2,
        v.join(",")
    );
    let mut b = Batch::default();
    b.push(Loc::Whole, parse_json_report(json.as_bytes(), &Schema::default()));
    b
}

#[test]
fn identical_results_need_spread_and_size() {
    let mut e = Engine::new(None);
    let spread = [700, 120, 80, 60, 30, 10];
    e.ingest("x.json", six("X", spread), SEEN);
    assert!(e.count().anomalies.is_empty());
    e.ingest("y.json", six("Y", spread), SEEN);
    let s = e.count();
    assert_eq!(kinds(&s), vec![("identical_results", "X"), ("identical_results", "Y")]);
    assert!(
        s.anomalies[0].message.contains("exactly the same votes as Y (1,000 valid votes"),
        "{}",
        s.anomalies[0].message
    );
    assert_eq!(s.anomalies[0].region, None);
    e.withdraw_file("y.json");
    assert!(e.count().anomalies.is_empty());
    // Votes piled on one or two candidates: a match by chance is likely enough that it is never
    // flagged.
    let mut e = Engine::new(None);
    for (name, v) in [("t1", [990, 10, 0, 0, 0, 0]), ("t2", [990, 10, 0, 0, 0, 0])] {
        e.ingest(&format!("{name}.json"), six(name, v), SEEN);
    }
    assert!(e.count().anomalies.is_empty(), "{:?}", e.count().anomalies);
}

#[test]
fn identical_results_are_bounded_by_the_chance_matches_expected_in_the_feed() {
    // A copied protocol of 600 votes over five candidates (about 6e-6 per pair: the old fixed
    // bound of 1e-6 missed it), in a feed with a hundred other precincts of 600 valid votes.
    let copied = [18, 72, 36, 444, 30, 0];
    let mut e = Engine::new(None);
    e.ingest("a.json", six("A", copied), SEEN);
    e.ingest("b.json", six("B", copied), SEEN);
    for i in 0..100u32 {
        e.ingest(&format!("o{i}.json"), six(&format!("O{i}"), [100 + i, 200, 100, 100, 100 - i, 0]), SEEN);
    }
    let s = e.count();
    assert_eq!(kinds(&s), vec![("identical_results", "A"), ("identical_results", "B")]);
    assert!(s.anomalies[0].message.contains("102 counted precincts have it"), "{}", s.anomalies[0].message);
    // The same pair among ten thousand precincts of that total could be chance: not flagged.
    for i in 0..10_000u32 {
        let (a, b) = (i % 100, i / 100);
        e.ingest(&format!("m{i}.json"), six(&format!("M{i}"), [50 + a, 150 + b, 101, 150 - b, 149 - a, 0]), SEEN);
    }
    assert!(e.count().anomalies.iter().all(|a| a.kind != "identical_results"));
    // Small precincts (100 votes, about 5e-5 per pair): not chance when only a few could match.
    let mut e = Engine::new(None);
    e.ingest("s1.json", six("s1", [70, 12, 8, 6, 3, 1]), SEEN);
    e.ingest("s2.json", six("s2", [70, 12, 8, 6, 3, 1]), SEEN);
    assert_eq!(kinds(&e.count()).len(), 2);
}

#[test]
fn party_list_seats_follow_the_count() {
    let m = Manifest::from_slice(
        br#"{"id":"p","contest":"party-list","seats":10,"threshold":0.07,"candidates":[{"id":"x"},{"id":"y"},{"id":"z"}]}"#,
    )
    .unwrap();
    let schema = Schema::from_manifest(Some(&m), 1 << 20);
    let mut e = Engine::new(Some(m));
    let mut b = Batch::default();
    b.push(
        Loc::Whole,
        parse_json_report(
            br#"{"precinct":"P","registered":1000,"ballots":1000,"votes":{"x":600,"y":340,"z":60}}"#,
            &schema,
        ),
    );
    e.ingest("p.json", b, SEEN);
    let s = e.count();
    let seats: Vec<(String, Option<u32>)> = s.candidates.iter().map(|c| (c.id.clone(), c.seats)).collect();
    assert_eq!(seats, vec![("x".into(), Some(6)), ("y".into(), Some(4)), ("z".into(), Some(0))]);
}

/// A small universe of reports: few precincts, revisions and vote vectors, so that
/// duplicates, conflicts and corrections are common.
fn arb_reports() -> impl Strategy<Value = Vec<(usize, String)>> {
    let one = (0usize..4, 1u32..4, 0usize..3, 0usize..6, any::<bool>()).prop_map(|(p, rev, v, file, south)| {
        let votes = [[30, 20, 10], [29, 21, 10], [31, 20, 8]][v];
        let ballots: u32 = votes.iter().sum();
        let r = report(&format!("P{p}"), rev, 100, ballots, 0, votes);
        // Reports of one precinct may even disagree about its region.
        (file, if south { r.replace(r#""region":"n""#, r#""region":"s""#) } else { r })
    });
    prop::collection::vec(one, 1..24)
}

fn state(files: &[(String, Vec<String>)], order: &[usize]) -> Summary {
    let schema = Schema::from_manifest(Some(&manifest()), 1 << 20);
    let mut e = Engine::new(Some(manifest()));
    for &i in order {
        let (name, lines) = &files[i];
        e.ingest(name, votewatch::feed::ndjson::parse_lines(lines.join("\n").as_bytes(), 1, &schema), SEEN);
    }
    e.count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any arrival order of the same files gives the same state; and a file added then
    /// withdrawn leaves no trace.
    #[test]
    fn arrival_order_never_matters(reports in arb_reports(), perm in Just(()).prop_perturb(|_, mut rng| {
        let mut v: Vec<usize> = (0..6).collect();
        for i in (1..v.len()).rev() { let j = (rng.next_u32() as usize) % (i + 1); v.swap(i, j); }
        v
    })) {
        let mut files: Vec<(String, Vec<String>)> = (0..6).map(|i| (format!("f{i}.ndjson"), Vec::new())).collect();
        for (f, r) in &reports {
            files[*f].1.push(r.clone());
        }
        let canonical = state(&files, &[0, 1, 2, 3, 4, 5]);
        let shuffled = state(&files, &perm);
        prop_assert_eq!(&canonical, &shuffled);
        let reversed = state(&files, &[5, 4, 3, 2, 1, 0]);
        prop_assert_eq!(&canonical, &reversed);

        // Withdraw the first file in the permutation and compare with never having read it.
        let schema = Schema::from_manifest(Some(&manifest()), 1 << 20);
        let mut e = Engine::new(Some(manifest()));
        for &i in &perm {
            e.ingest(&files[i].0, votewatch::feed::ndjson::parse_lines(files[i].1.join("\n").as_bytes(), 1, &schema), SEEN);
        }
        e.withdraw_file(&files[perm[0]].0);
        let without: Vec<usize> = perm[1..].to_vec();
        prop_assert_eq!(e.count(), state(&files, &without));
    }
}
