//! The projection on synthetic elections: a complete count projects exactly the count (and
//! calls it); a region that has not reported is borrowed for, not waited for; regions that
//! report one after another do not widen the interval, and small precincts reporting first do
//! not bias it; every interval contains its estimate; party lists get seats with ranges and
//! threshold chances; a baseline matches renumbered precincts; the 2022 sample replayed with
//! the 2019 one as its baseline calls the race and covers the final result. (Interval coverage
//! is a calibration matter for a benchmark, not a test: see docs/PROJECTION.md.)

use votewatch::analysis::projection::{Projection, project, project_with};

use votewatch::engine::Engine;
use votewatch::feed::report::Report;
use votewatch::feed::{Batch, Loc, Timestamp};
use votewatch::hub::playback::Playback as Replay;
use votewatch::source::FeedSpec;
use votewatch::source::record::Op;
use votewatch::source::replay::Script;
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
    let engine = votewatch::hub::load(&spec);
    let s = engine.count();
    let p = project(&engine).unwrap();
    for c in &p.candidates {
        let counted = s.candidates.iter().find(|x| x.id == c.id).unwrap().share.unwrap();
        assert!((c.share - counted).abs() < 1e-12 && c.low == c.high, "{c:?}");
    }
    assert_eq!(p.call.as_deref(), Some("projected outright win"), "Tokayev's 81% is above the 50% majority");
}

/// The last report of each precinct in the feed (corrections applied), with its region.
fn final_reports(spec: &FeedSpec) -> Vec<(u32, Report)> {
    let all = votewatch::hub::load(spec);
    let mut out: Vec<(u32, Report)> = Vec::new();
    for a in Script::load(spec).arrivals {
        let Op::Report(_, r) = a.op else { continue };
        let p = all.precinct(&r.precinct).unwrap();
        if p.counted().is_some_and(|e| e.revision == r.revision) {
            out.push((p.region().unwrap(), r));
        }
    }
    out
}

/// A count of `reports`, each stamped with the time of its place in the list (one a minute).
fn count_of(spec: &FeedSpec, reports: &[Report]) -> Engine {
    let mut engine = Engine::new(spec.manifest.clone());
    let mut batch = Batch::default();
    for (i, r) in reports.iter().enumerate() {
        let mut r = r.clone();
        r.reported_at = Some(Timestamp { unix: 1_668_960_000 + 60 * i as i64, offset_seconds: 21_600 });
        batch.push(Loc::Line(i as u32 + 1), Ok(r));
    }
    engine.ingest("reports.ndjson", batch, Timestamp { unix: 1_669_000_000, offset_seconds: 21_600 });
    engine
}

/// Regions reporting one after another (as time zones do): region k has reported the share
/// `1 - k/25` of its precincts, in the order `within` puts them, before region k+1 starts.
fn one_region_after_another(spec: &FeedSpec, within: impl Fn(&Report) -> i64) -> Vec<Report> {
    let mut by_region: Vec<Vec<Report>> = Vec::new();
    for (r, report) in final_reports(spec) {
        by_region.resize(by_region.len().max(r as usize + 1), Vec::new());
        by_region[r as usize].push(report);
    }
    let mut out = Vec::new();
    for (k, mut reports) in by_region.into_iter().enumerate() {
        reports.sort_by_key(|r| (within(r), r.precinct.clone()));
        let keep = ((reports.len() as f64 * (1.0 - k as f64 / 25.0)) as usize).max(12);
        out.extend(reports.into_iter().take(keep));
    }
    out
}

fn final_share(truth: &votewatch::engine::Count, id: &str) -> f64 {
    truth.candidates.iter().find(|c| c.id == id).unwrap().share.unwrap()
}

fn leader_width(p: &Projection) -> f64 {
    p.candidates[0].high - p.candidates[0].low
}

#[test]
fn too_few_regions_in_to_borrow_from_is_waiting() {
    let (_d, spec) = feed(4, Profile::Kz2022, 2000);
    let r = partial(&spec, 0.005);
    let p = project(&r.engine).unwrap();
    let waiting = p.waiting.expect("too early");
    assert_eq!(waiting, "waiting for 10 precincts in at least 3 regions (0 so far)");
    assert!(p.candidates.is_empty() && p.call.is_none());
}

#[test]
fn a_large_region_not_yet_in_is_borrowed_for_not_waited_for() {
    let (_d, spec) = feed(7, Profile::Kz2022, 3000);
    let all = votewatch::hub::load(&spec);
    let truth = all.count();
    let almaty = all.region_index("almaty").unwrap();
    let reports = final_reports(&spec);
    let n = reports.len() / 2;
    let without: Vec<Report> = reports.iter().filter(|(r, _)| *r != almaty).map(|(_, r)| r.clone()).take(n).collect();
    let with: Vec<Report> = reports.iter().map(|(_, r)| r.clone()).take(n).collect();
    let p = project(&count_of(&spec, &without)).unwrap();
    assert_eq!(p.waiting, None, "Almaty (11% of the electorate) has not reported: it is borrowed for");
    let electorate: u64 = all.regions().iter().filter_map(|r| r.registered_expected).sum();
    let almaty_voters = all.regions()[almaty as usize].registered_expected.unwrap();
    assert!(p.borrowed_fraction >= almaty_voters as f64 / electorate as f64, "{}", p.borrowed_fraction);
    // Borrowing costs: the interval is wider than with Almaty's own reports in, and it still
    // holds the final result.
    let q = project(&count_of(&spec, &with)).unwrap();
    assert!(q.borrowed_fraction < 0.01, "(at most a few stations abroad) {}", q.borrowed_fraction);
    assert!(leader_width(&p) > 2.0 * leader_width(&q), "{p:?}\n{q:?}");
    for c in &p.candidates {
        let t = final_share(&truth, &c.id);
        assert!(c.low <= t && t <= c.high, "{c:?} vs {t}");
    }
}

#[test]
fn regions_reporting_one_after_another_do_not_widen_the_interval() {
    let (_d, spec) = feed(8, Profile::Kz2022, 4000);
    let truth = votewatch::hub::load(&spec).count();
    // Within each region in the feed's own order (precinct id: random as to size and place).
    let reports = one_region_after_another(&spec, |_| 0);
    let p = project(&count_of(&spec, &reports)).unwrap();
    assert_eq!(p.borrowed_fraction, 0.0, "every region has reported");
    let t = p.turnout.clone().unwrap();
    // (The ratio method's order term used to take the regions' arrival for drift: 1.4 and
    // 4.7 points here.)
    assert!(leader_width(&p) < 0.006 && t.high - t.low < 0.015, "stratification handles the order of regions: {p:?}");
    let lead = &p.candidates[0];
    assert!(lead.low <= final_share(&truth, &lead.id) && final_share(&truth, &lead.id) <= lead.high, "{lead:?}");
    assert!(t.low <= truth.turnout.unwrap() && truth.turnout.unwrap() <= t.high, "{t:?}");
}

#[test]
fn small_precincts_reporting_first_do_not_bias_the_turnout() {
    let (_d, spec) = feed(9, Profile::Kz2022, 4000);
    let all = votewatch::hub::load(&spec);
    let truth = all.count().turnout.unwrap();
    // Smallest first within each region: small precincts turn out more.
    let reports = one_region_after_another(&spec, |r| i64::from(r.registered));
    let engine = count_of(&spec, &reports);
    let p = project(&engine).unwrap();
    // The plain ratio estimate: each region's reported turnout for its missing voters.
    let mut ballots = 0.0;
    for (r, meta) in engine.regions().iter().enumerate() {
        let t = engine.region_totals(r).unwrap();
        ballots += t.ballots as f64 / t.registered as f64 * meta.registered_expected.unwrap() as f64;
    }
    let electorate: u64 = engine.regions().iter().filter_map(|r| r.registered_expected).sum();
    let plain = ballots / electorate as f64;
    let projected = p.turnout.unwrap();
    assert!(plain - truth > 0.01, "the plain ratio overstates turnout: {plain} vs {truth}");
    assert!((projected.value - truth).abs() < (plain - truth) / 2.0, "{projected:?} vs {truth} (plain {plain})");
    assert!(projected.low <= truth && truth <= projected.high, "{projected:?} vs {truth}");
}

/// A prior election in which the leader gained `big` (of the valid votes) since then in the
/// regions named and `small` elsewhere (as regions already near their ceiling move less).
fn ceiling_prior(all: &Engine, dir: &std::path::Path, big_regions: &[&str], big: f64, small: f64) {
    std::fs::create_dir_all(dir).unwrap();
    let mut out = String::new();
    for (id, p) in all.precincts_with_ids() {
        let e = p.counted().unwrap();
        let region = &all.regions()[p.region().unwrap() as usize].id;
        let swing = if big_regions.contains(&&**region) { big } else { small };
        let mut votes: Vec<u64> = (0..all.candidates().len()).map(|c| u64::from(e.vote(c))).collect();
        let moved = ((swing * e.valid() as f64).round() as u64).min(votes[0]);
        votes[0] -= moved;
        votes[1] += moved;
        let v: serde_json::Map<String, serde_json::Value> =
            all.candidates().iter().zip(&votes).map(|(c, n)| (c.id.clone(), (*n).into())).collect();
        let line = serde_json::json!({"precinct": id, "region": region, "registered": e.registered,
            "ballots": e.ballots, "invalid": e.invalid, "votes": v});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    std::fs::write(dir.join("prior.ndjson"), out).unwrap();
}

#[test]
fn every_interval_contains_its_estimate_with_either_method() {
    let (d, spec) = feed(11, Profile::Kz2022, 3000);
    let all = votewatch::hub::load(&spec);
    let prior = d.path().join("prior");
    votewatch::synth::prior::write_prior(&all, 11, &prior).unwrap();
    let full = votewatch::hub::load_baseline(&prior, 64 << 20).unwrap();
    // A baseline with a third of the precincts.
    let third = d.path().join("third");
    std::fs::create_dir_all(&third).unwrap();
    let lines = std::fs::read_to_string(prior.join("prior.ndjson")).unwrap();
    let kept: Vec<&str> = lines.lines().enumerate().filter(|(i, _)| i % 3 == 0).map(|(_, l)| l).collect();
    std::fs::write(third.join("prior.ndjson"), kept.join("\n")).unwrap();
    let third = votewatch::hub::load_baseline(&third, 64 << 20).unwrap();
    // One where the large regions swung far more than the small ones; counted while the small
    // regions have too few precincts in for a swing of their own (they lean on the others').
    let large = ["almaty_region", "jambyl", "karaganda", "turkistan", "astana", "almaty", "shymkent", "aktobe"];
    let ceiling = d.path().join("ceiling");
    ceiling_prior(&all, &ceiling, &large, 0.10, 0.01);
    let ceiling = votewatch::hub::load_baseline(&ceiling, 64 << 20).unwrap();
    let reports: Vec<(u32, Report)> = final_reports(&spec);
    let large_ahead: Vec<Report> = {
        let mut seen = vec![0usize; all.regions().len()];
        let mut out = Vec::new();
        for (r, report) in &reports {
            seen[*r as usize] += 1;
            if large.contains(&&*all.regions()[*r as usize].id) || seen[*r as usize] <= 6 {
                out.push(report.clone());
            }
        }
        out
    };
    let in_order: Vec<Report> = reports.into_iter().map(|(_, r)| r).collect();
    let small_first = one_region_after_another(&spec, |r| i64::from(r.registered));
    let mut checked = 0;
    for (order, fractions) in [(in_order, [0.1, 0.5]), (small_first, [0.3, 0.8]), (large_ahead, [0.3, 0.6])] {
        for fraction in fractions {
            let engine = count_of(&spec, &order[..(order.len() as f64 * fraction) as usize]);
            for baseline in [None, Some(&full), Some(&third), Some(&ceiling)] {
                let Some(p) = project_with(&engine, baseline).filter(|p| p.waiting.is_none()) else { continue };
                for c in &p.candidates {
                    assert!(c.low <= c.share && c.share <= c.high, "{} {fraction}: {c:?}", p.method);
                }
                let t = p.turnout.unwrap();
                assert!(t.low <= t.value && t.value <= t.high, "{} {fraction}: {t:?}", p.method);
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "{checked}");
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
    let engine = votewatch::hub::load(&spec);
    let done = project(&engine).unwrap().seats.unwrap();
    let counted = engine.count();
    for s in &done {
        assert_eq!(Some(s.seats), counted.candidates.iter().find(|c| c.id == s.id).unwrap().seats);
        assert_eq!((s.low, s.high), (s.seats, s.seats));
    }
}

#[test]
fn a_baseline_projects_by_swing_and_a_complete_count_stays_exact() {
    let (d, spec) = feed(6, Profile::Kz2022, 3000);
    let all = votewatch::hub::load(&spec);
    let truth = all.count();
    let prior = d.path().join("prior");
    votewatch::synth::prior::write_prior(&all, 6, &prior).unwrap();
    let baseline = votewatch::hub::load_baseline(&prior, 64 << 20).unwrap();
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
        .env("XDG_CONFIG_HOME", "/nonexistent/votewatch-tests")
        .args(["tally", spec.root.to_str().unwrap(), "--json", "--baseline", prior.to_str().unwrap()])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["projection"]["method"], "swing");
    assert_eq!(v["projection"]["baseline"]["swing_share_of_missing"], 0.0, "nothing is missing at the end");
    assert_eq!(v["projection"]["baseline"]["match_rate"], 1.0);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_votewatch"))
        .env("XDG_CONFIG_HOME", "/nonexistent/votewatch-tests")
        .args(["tally", spec.root.to_str().unwrap(), "--baseline", "/nonexistent/prior"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && err.contains("/nonexistent/prior") && err.lines().count() == 1, "{err}");
}

#[test]
fn a_baseline_matches_renumbered_precincts_by_region_and_number() {
    let (d, spec) = feed(12, Profile::Kz2022, 2000);
    let all = votewatch::hub::load(&spec);
    let prior = d.path().join("prior");
    votewatch::synth::prior::write_prior(&all, 12, &prior).unwrap();
    // The prior election's commission numbered its stations at home differently: "AST-0042"
    // was "AST/2019/42". (Those abroad kept their ids: "ABR-US-01" and "ABR-DE-01" share a
    // region and a number, so only their ids can tell them apart.)
    let text = std::fs::read_to_string(prior.join("prior.ndjson")).unwrap();
    let mut renumbered = String::new();
    for line in text.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["precinct"].as_str().unwrap().to_string();
        let (stem, number) = id.rsplit_once('-').unwrap();
        let number: u64 = number.parse().unwrap();
        if !stem.starts_with("ABR") {
            v["precinct"] = format!("{stem}/2019/{number}").into();
        }
        renumbered.push_str(&v.to_string());
        renumbered.push('\n');
    }
    std::fs::write(prior.join("prior.ndjson"), renumbered).unwrap();
    let r = partial(&spec, 0.3);
    let p = project_with(&r.engine, Some(&votewatch::hub::load_baseline(&prior, 64 << 20).unwrap())).unwrap();
    let info = p.baseline.unwrap();
    assert!(info.reported > 100, "{info:?}");
    let abroad = r.engine.precincts_with_ids().filter(|(id, p)| p.counted().is_some() && id.starts_with("ABR")).count();
    assert_eq!(
        (info.matched_reported, info.matched_by_number, info.match_rate),
        (info.reported, info.reported - abroad, 1.0)
    );
    assert!(info.swing_share_of_missing > 0.95, "the missing precincts are placed too: {info:?}");
}

#[test]
fn the_2022_sample_replayed_with_the_2019_baseline_calls_the_race_and_covers_the_result() {
    let spec = FeedSpec::open(std::path::Path::new("sample-feeds/kz-2022-presidential"), None, 64 << 20).unwrap();
    let baseline =
        votewatch::hub::load_baseline(std::path::Path::new("sample-feeds/kz-2019-presidential"), 64 << 20).unwrap();
    let truth = votewatch::hub::load(&spec).count();
    let script = Script::load(&spec);
    let total = script.arrivals.len();
    let mut replay = Replay::new(spec.clone(), script, None);
    let mut called = None;
    for percent in [5, 20, 50] {
        replay.advance_to(total * percent / 100);
        let p = project_with(&replay.engine, Some(&baseline)).unwrap();
        assert_eq!((p.method, p.waiting.as_deref()), ("swing", None), "{percent}%");
        let info = p.baseline.clone().unwrap();
        assert!(info.match_rate > 0.9, "{percent}%: {info:?}");
        for c in &p.candidates {
            let t = final_share(&truth, &c.id);
            assert!(c.low <= t && t <= c.high, "{percent}%: {c:?} vs the final {t}");
        }
        let t = p.turnout.unwrap();
        assert!(t.low <= truth.turnout.unwrap() && truth.turnout.unwrap() <= t.high, "{percent}%: {t:?}");
        if p.call.as_deref() == Some("projected outright win") && called.is_none() {
            called = Some(percent);
        }
    }
    assert_eq!(called, Some(5), "Tokayev's 81% is called as soon as the projection is shown");
}
