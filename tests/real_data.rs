//! Real data: Russia's 2018 presidential election, one row per polling station, read through
//! the CSV mapping of `docs/examples/ru-2018-presidential.json`. The totals must be the
//! reference sums of `../shared/data/README.md` to the vote.
//!
//! The data lives outside the project (`../shared/data/ru-2018-presidential.csv.zip`, or the
//! file named by `VOTEWATCH_RU2018_ZIP`). When it is missing, or nothing can unzip it, the test
//! says so on stderr and passes without checking anything.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn votes(v: &serde_json::Value, id: &str) -> u64 {
    let c = v["candidates"].as_array().unwrap().iter().find(|c| c["id"] == id);
    c.unwrap_or_else(|| panic!("no candidate {id}"))["votes"].as_u64().unwrap()
}

#[test]
fn russia_2018_reproduces_the_reference_sums() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some((dir, zip)) = common::ru2018::extracted("real_data") else { return };
    let manifest = root.join("docs/examples/ru-2018-presidential.json");

    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_votewatch"))
        .env("XDG_CONFIG_HOME", common::NO_CONFIG)
        .arg("tally")
        .arg(dir.path())
        .arg("--manifest")
        .arg(&manifest)
        .arg("--json")
        .output()
        .unwrap();
    let took = start.elapsed();
    eprintln!("real_data: tally of {} took {:.2?}", zip.display(), took);
    assert!(out.status.success(), "tally failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let rejected = v["rejected"].as_array().unwrap();
    assert!(rejected.is_empty(), "{} rejected, first: {}", rejected.len(), rejected[0]);
    assert!(v["held"].as_array().unwrap().is_empty(), "held: {}", v["held"]);
    assert_eq!(v["precincts_reporting"], 97_699);
    assert_eq!(v["registered"], 109_008_428);
    assert_eq!(v["ballots"], 73_578_992, "ballots found in the boxes");
    assert_eq!(v["invalid"], 791_258);
    assert_eq!(v["valid"], 72_787_734);
    let expected = [
        ("baburin", 479_013),
        ("grudinin", 8_659_206),
        ("zhirinovsky", 4_154_985),
        ("putin", 56_430_712),
        ("sobchak", 1_238_031),
        ("suraykin", 499_342),
        ("titov", 556_801),
        ("yavlinsky", 769_644),
    ];
    for (id, n) in expected {
        assert_eq!(votes(&v, id), n, "{id}");
    }
    assert_eq!(v["candidates"].as_array().unwrap().len(), 8, "no candidate beyond the manifest's");
    assert_eq!(v["candidates"][0]["id"], "putin");
    // 85 federal subjects, Baikonur and abroad, as the manifest lists them.
    assert_eq!(v["regions"].as_array().unwrap().len(), 87);
    let regional: u64 = v["regions"].as_array().unwrap().iter().map(|r| r["votes"]["putin"].as_u64().unwrap()).sum();
    assert_eq!(regional, 56_430_712, "the regions add up to the national total");

    // The fingerprints the literature documents for this election (Kobak, Shpilkin &
    // Pshenichnikov 2016 and later analyses of 2018).
    let anomalies = v["anomalies"].as_array().unwrap();
    let national = |kind: &str| {
        anomalies
            .iter()
            .find(|a| a["kind"] == kind && a["region"].is_null() && a["precinct"].is_null())
            .unwrap_or_else(|| panic!("no national {kind}"))
    };
    let integer = national("integer_percent_excess");
    assert_eq!(integer["severity"], "critical");
    let msg = integer["message"].as_str().unwrap();
    // "19,013 of 91,143 precincts have a whole-percent …; binomial noise predicts 17554: …"
    let observed: u64 = msg.split(' ').next().unwrap().replace(',', "").parse().unwrap();
    let expected: f64 = msg.split("predicts ").nth(1).unwrap().split(':').next().unwrap().parse().unwrap();
    // On the literature's definitions (turnout by ballots issued, share of all ballots): within
    // 0.5% of Kobak, Shpilkin & Pshenichnikov's 19,271 against 17,562 (stations abroad and in
    // Baikonur are left out of the statistics here).
    assert!((observed as f64 - 19_271.0).abs() <= 0.005 * 19_271.0, "observed {observed}");
    assert!((expected - 17_562.0).abs() <= 0.005 * 17_562.0, "expected {expected}");
    // The skew against the cleanest regions flags Chechnya, and not Moscow or St Petersburg.
    let skew = |region: &str| {
        anomalies
            .iter()
            .find(|a| a["kind"] == "turnout_share_skew" && a["region"] == region)
            .map(|a| a["severity"].clone())
    };
    assert!(skew("Чеченская Республика").is_some(), "Chechnya is flagged");
    for city in ["город Москва", "город Санкт-Петербург"] {
        assert!(skew(city).is_none_or(|s| s != "critical"), "{city}: {:?}", skew(city));
    }
    let excess = v["forensics"]["national_excess_votes"].as_u64().unwrap();
    assert!(excess > 1_000_000, "millions of excess votes for the leader: {excess}");
    let unanimous = anomalies.iter().filter(|a| a["kind"] == "unanimous").count();
    assert_eq!(unanimous, 139, "turnout ≥ 99% by ballots issued and the leader ≥ 99% of valid votes");
    // One copied protocol, and no chance coincidence among 97,699 stations.
    let mut identical: Vec<&str> = anomalies
        .iter()
        .filter(|a| a["kind"] == "identical_results")
        .map(|a| a["precinct"].as_str().unwrap())
        .collect();
    identical.sort();
    assert_eq!(
        identical,
        [
            "Карачаево-Черкесская Республика/6 по Прикубанскому району/191",
            "Карачаево-Черкесская Республика/6 по Прикубанскому району/192"
        ]
    );
}
