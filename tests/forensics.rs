//! The statistical flags on whole synthetic elections: a clean count of 10,330 precincts raises
//! no statistical warning; ballot stuffing planted in one region is flagged there and nowhere
//! else. (Russia 2018, where the literature documents the fingerprints: tests/real_data.rs.)

mod common;

use votewatch::synth::{Profile, Stuffing, SynthOptions, generate};

const STATISTICAL: [&str; 5] =
    ["turnout_outlier", "share_outlier", "integer_percent_excess", "turnout_share_skew", "last_digit_bias"];

fn tally_synthetic(seed: u64, stuffing: Option<Stuffing>) -> serde_json::Value {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("feed");
    generate(&out, &SynthOptions { precincts: None, seed, profile: Profile::Kz2022, stuffing }).unwrap();
    common::tally_json(&out)
}

fn statistical(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    v["anomalies"].as_array().unwrap().iter().filter(|a| STATISTICAL.contains(&a["kind"].as_str().unwrap())).collect()
}

#[test]
fn clean_elections_raise_no_statistical_warning() {
    for seed in [7, 2022] {
        let v = tally_synthetic(seed, None);
        assert_eq!(v["precincts_reporting"], 10_330);
        let flags: Vec<_> = statistical(&v).into_iter().filter(|a| a["severity"] != "info").collect();
        assert!(flags.is_empty(), "seed {seed}: {flags:#?}");
        // Every region had enough precincts to be judged; the stations abroad are not tested.
        let status = v["forensics"]["status"].as_array().unwrap();
        assert_eq!(status.len(), 20);
        assert!(status.iter().all(|s| s["region"] != "abroad"));
        assert!(status.iter().all(|s| s["precincts"].as_u64() >= s["needed"].as_u64()), "{status:?}");
    }
}

#[test]
fn planted_stuffing_is_flagged_in_its_region_only() {
    let v = tally_synthetic(7, Some(Stuffing { region: "turkistan".into(), fraction: 0.5 }));
    let flags: Vec<_> = statistical(&v).into_iter().filter(|a| a["severity"] != "info").collect();
    let skew: Vec<_> = flags.iter().filter(|a| a["kind"] == "turnout_share_skew").collect();
    assert_eq!(skew.len(), 1, "{flags:#?}");
    assert_eq!(skew[0]["region"], "turkistan");
    assert!(
        skew[0]["message"]
            .as_str()
            .unwrap()
            .contains("beyond what the other candidates' votes per voter give in the cleanest regions")
    );
    // No regional flag of any statistical kind anywhere else.
    assert!(flags.iter().all(|a| a["region"] == "turkistan" || a["region"].is_null()), "{flags:#?}");
    let turkistan = v["regions"].as_array().unwrap().iter().find(|r| r["id"] == "turkistan").unwrap();
    assert!(turkistan["anomalies"].as_u64().unwrap() >= 1);
}

/// The honest rural-gradient election of issue 9 (20 regions × 500 precincts, slope 0.10), with
/// a share of region g03's precincts stuffed to 85–95% turnout.
fn tally_gradient(seed: u64, stuffed: Option<f64>) -> serde_json::Value {
    use votewatch::synth::gradient::{Gradient, generate};
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("feed");
    generate(&out, &Gradient { seed, stuffing: stuffed.map(|s| (3, s)), ..Gradient::default() }).unwrap();
    common::tally_json(&out)
}

#[test]
fn an_honest_gradient_raises_no_statistical_warning() {
    let v = tally_gradient(1, None);
    let flags: Vec<_> = statistical(&v).into_iter().filter(|a| a["severity"] != "info").collect();
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn a_tenth_of_a_region_stuffed_or_all_of_it_is_flagged_there_and_nowhere_else() {
    for share in [0.1, 1.0] {
        let v = tally_gradient(2, Some(share));
        let flags: Vec<_> = statistical(&v).into_iter().filter(|a| a["severity"] != "info").collect();
        let skew = flags.iter().find(|a| a["kind"] == "turnout_share_skew" && a["region"] == "g03");
        assert!(skew.is_some(), "share {share}: {flags:#?}");
        assert!(flags.iter().all(|a| a["region"] == "g03" || a["region"].is_null()), "share {share}: {flags:#?}");
    }
}

#[test]
fn a_region_marked_statistics_false_is_counted_but_not_tested() {
    use votewatch::synth::gradient::{Gradient, generate};
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("feed");
    generate(&out, &Gradient { seed: 3, stuffing: Some((7, 1.0)), ..Gradient::default() }).unwrap();
    let flagged = |v: &serde_json::Value| statistical(v).iter().any(|a| a["region"] == "g07");
    assert!(flagged(&common::tally_json(&out)), "stuffed throughout, g07 is flagged");
    // Mark g07 as special (like stations abroad): still counted, never tested.
    let path = out.join("election.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["regions"][7]["statistics"] = serde_json::json!(false);
    std::fs::write(&path, m.to_string()).unwrap();
    let v = common::tally_json(&out);
    assert!(!flagged(&v), "{:#?}", statistical(&v));
    assert_eq!(v["regions"][7]["precincts_reporting"], 500);
    let status = v["forensics"]["status"].as_array().unwrap();
    assert_eq!(status.len(), 19);
    assert!(status.iter().all(|s| s["region"] != "g07"));
}

#[test]
fn thresholds_come_from_the_manifest_and_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("feed");
    let stuffing = Some(Stuffing { region: "turkistan".into(), fraction: 0.5 });
    generate(&out, &SynthOptions { precincts: Some(3000), seed: 7, profile: Profile::Kz2022, stuffing }).unwrap();
    let feed = out.to_str().unwrap();
    let tally = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["tally", feed, "--json"];
        args.extend(extra);
        let o = common::run(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let needed = |v: &serde_json::Value| v["forensics"]["status"][0]["needed"].as_u64().unwrap();
    let skewed = |v: &serde_json::Value| {
        statistical(v).iter().any(|a| a["kind"] == "turnout_share_skew" && a["region"] == "turkistan")
    };
    let default = tally(&[]);
    assert_eq!(needed(&default), 30);
    assert!(skewed(&default));
    // No region has 5,000 precincts: nothing regional is judged.
    let strict = tally(&["--min-precincts", "5000"]);
    assert_eq!(needed(&strict), 5000);
    assert!(!skewed(&strict));
    // The same from the manifest; the command line still wins over it.
    let path = out.join("election.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["forensics"] = serde_json::json!({"min_precincts": 5000, "fdr": 0.05});
    std::fs::write(&path, m.to_string()).unwrap();
    assert_eq!(needed(&tally(&[])), 5000);
    assert_eq!(needed(&tally(&["--min-precincts", "40"])), 40);
    // Impossible values are one clear line.
    let bad = common::run(&["tally", feed, "--fdr", "2"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("must be between 0 and 1"));
    m["forensics"] = serde_json::json!({"fdr_rate": 0.05});
    std::fs::write(&path, m.to_string()).unwrap();
    let bad = common::run(&["tally", feed]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && err.contains("fdr_rate") && err.lines().count() == 1, "{err}");
}

#[test]
fn regions_tested_again_only_when_changed_give_what_a_fresh_analysis_gives() {
    use votewatch::analysis::{Config, Memo, analyze, analyze_with};
    use votewatch::hub::playback::Playback as Replay;
    use votewatch::source::FeedSpec;
    use votewatch::source::replay::Script;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("feed");
    let stuffing = Some(Stuffing { region: "turkistan".into(), fraction: 0.5 });
    generate(&out, &SynthOptions { precincts: Some(3000), seed: 9, profile: Profile::Kz2022, stuffing }).unwrap();
    let spec = FeedSpec::open(&out, None, 64 << 20).unwrap();
    let script = Script::load(&spec);
    let n = script.arrivals.len();
    let mut replay = Replay::new(spec, script, None);
    let cfg = Config::default();
    let mut memo = Memo::default();
    let mut flagged = 0;
    // Small steps change a few regions at a time; the memo must never show a stale result.
    for step in [n / 3, n / 3 + 5, n / 3 + 40, n / 2, n] {
        replay.advance_to(step);
        let kept = analyze_with(&replay.engine, &cfg, None, &mut memo);
        let fresh = analyze(&replay.engine, &cfg, None);
        assert_eq!(kept, fresh, "after {step} reports");
        flagged += fresh.anomalies.len();
    }
    assert!(flagged > 0, "the planted stuffing is flagged along the way");
}
