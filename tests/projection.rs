//! The projection on synthetic elections: a complete count projects exactly the count (and
//! calls it); nothing is projected before the large regions report; party lists get seats
//! with ranges and threshold chances. (Interval coverage is a calibration matter for a
//! benchmark, not a test: see docs/PROJECTION.md.)

use votewatch::forensics::projection::{project, project_with};
use votewatch::forensics::swing::Baseline;
use votewatch::ingest::{FeedSpec, cold};
use votewatch::session::replay::{Replay, Script};
use votewatch::synth::{Profile, SynthOptions, generate};

fn feed(seed: u64, profile: Profile, precincts: usize) -> (tempfile::TempDir, FeedSpec) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("feed");
    generate(&out, &SynthOptions { precincts: Some(precincts), seed, profile, stuffing: None }).unwrap();
    let spec = FeedSpec::open(&out, None, 64 << 20).unwrap();
    (d, spec)
}

/// Replays `spec` until `fraction` of its reports are in.
fn partial(spec: &FeedSpec, fraction: f64) -> Replay {
    let script = Script::load(spec);
    let n = (script.arrivals.len() as f64 * fraction) as usize;
    let mut r = Replay::new(spec.clone(), script, None);
    r.advance_to(n);
    r
}

#[test]
fn a_complete_count_projects_exactly_the_count_and_calls_it() {
    let (_d, spec) = feed(3, Profile::Kz2022, 600);
    let engine = cold::load(&spec);
    let s = engine.summary();
    let p = project(&engine).unwrap();
    for c in &p.candidates {
        let counted = s.candidates.iter().find(|x| x.id == c.id).unwrap().share.unwrap();
        assert!((c.share - counted).abs() < 1e-12 && c.low == c.high, "{c:?}");
    }
    assert_eq!(p.call.as_deref(), Some("projected outright win"), "Tokayev's 81% is above the 50% majority");
}

#[test]
fn nothing_is_projected_before_the_large_regions_report() {
    let (_d, spec) = feed(4, Profile::Kz2022, 2000);
    let r = partial(&spec, 0.005);
    let p = project(&r.engine).unwrap();
    let waiting = p.waiting.expect("too early");
    assert!(waiting.starts_with("waiting for ") && waiting.contains("of 10 precincts"), "{waiting}");
    assert!(p.candidates.is_empty() && p.call.is_none());
}

#[test]
fn party_lists_get_seats_with_ranges_and_threshold_chances() {
    let (_d, spec) = feed(5, Profile::Majilis2012, 2000);
    let r = partial(&spec, 0.3);
    let p = project(&r.engine).unwrap();
    let seats = p.seats.expect("party list");
    assert_eq!(seats.iter().map(|s| s.seats).sum::<u32>(), 98);
    let nur = seats.iter().find(|s| s.id == "nur_otan").unwrap();
    assert!(nur.low <= nur.seats && nur.seats <= nur.high && nur.pass_chance == 1.0, "{nur:?}");
    let small = seats.iter().find(|s| s.id == "adilet").unwrap();
    assert_eq!((small.seats, small.pass_chance), (0, 0.0), "0.7% never passes 7%");
    // And at the end, the final allocation.
    let engine = cold::load(&spec);
    let done = project(&engine).unwrap().seats.unwrap();
    let counted = engine.summary();
    for s in &done {
        assert_eq!(Some(s.seats), counted.candidates.iter().find(|c| c.id == s.id).unwrap().seats);
        assert_eq!((s.low, s.high), (s.seats, s.seats));
    }
}

#[test]
fn a_baseline_projects_by_swing_and_a_complete_count_stays_exact() {
    let (d, spec) = feed(6, Profile::Kz2022, 3000);
    let all = cold::load(&spec);
    let truth = all.summary();
    let prior = d.path().join("prior");
    votewatch::synth::prior::write_prior(&all, 6, &prior).unwrap();
    let baseline = Baseline::load(&prior, 64 << 20).unwrap();
    assert_eq!(baseline.len(), 3000);
    let r = partial(&spec, 0.25);
    let p = project_with(&r.engine, Some(&baseline)).unwrap();
    assert_eq!(p.method, "swing");
    let info = p.baseline.clone().unwrap();
    assert!(info.matched_reported > 100 && info.calibration_precincts > 20, "{info:?}");
    assert!(info.swing_share_of_missing > 0.95, "every missing precinct is in the baseline: {info:?}");
    let q = info.precinct_interval.unwrap();
    assert!(q > 0.0 && q < 0.2, "{q}");
    let leader = &p.candidates[0];
    let final_share = truth.candidates.iter().find(|c| c.id == leader.id).unwrap().share.unwrap();
    assert!(leader.low < leader.share && leader.share < leader.high);
    assert!((leader.share - final_share).abs() < 0.02, "{leader:?} vs {final_share}");
    // Without the baseline, the ratio method.
    assert_eq!(project(&r.engine).unwrap().method, "ratio");
    // A complete count projects exactly the count, baseline or not.
    let done = project_with(&all, Some(&baseline)).unwrap();
    for c in &done.candidates {
        let counted = truth.candidates.iter().find(|x| x.id == c.id).unwrap().share.unwrap();
        assert!((c.share - counted).abs() < 1e-12 && c.low == c.high, "{c:?}");
    }
    // And from the command line.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_votewatch"))
        .args(["tally", spec.root.to_str().unwrap(), "--json", "--baseline", prior.to_str().unwrap()])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["projection"]["method"], "swing");
    assert_eq!(v["projection"]["baseline"]["swing_share_of_missing"], 0.0, "nothing is missing at the end");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_votewatch"))
        .args(["tally", spec.root.to_str().unwrap(), "--baseline", "/nonexistent/prior"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && err.contains("/nonexistent/prior") && err.lines().count() == 1, "{err}");
}
