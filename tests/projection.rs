//! The projection on synthetic elections: a complete count projects exactly the count (and
//! calls it); nothing is projected before the large regions report; party lists get seats
//! with ranges and threshold chances. (Interval coverage is a calibration matter for a
//! benchmark, not a test: see docs/PROJECTION.md.)

use votewatch::forensics::projection::project;
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
