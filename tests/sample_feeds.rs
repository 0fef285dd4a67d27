//! The bundled samples print the official national figures they are calibrated to (to the
//! vote where every figure was published).

mod common;

use std::path::Path;

use common::tally_json;

/// A share or turnout as a percentage rounded half-up to two decimals, from exact integers.
fn pct(num: u64, den: u64) -> String {
    let h = (u128::from(num) * 20_000 + u128::from(den)) / (2 * u128::from(den));
    format!("{}.{:02}", h / 100, h % 100)
}

fn votes(v: &serde_json::Value, id: &str) -> u64 {
    v["candidates"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["votes"].as_u64().unwrap()
}

#[test]
fn kazakhstan_2022_prints_the_official_totals() {
    let v = tally_json(Path::new("sample-feeds/kz-2022-presidential"));
    assert_eq!(v["election"]["synthetic"], true);
    assert_eq!(v["precincts_reporting"], 10_330);
    assert_eq!(v["precincts_expected"], 10_330);
    assert_eq!(v["registered"], 11_950_485);
    assert_eq!(votes(&v, "tokayev"), 6_456_392);
    let valid = v["valid"].as_u64().unwrap();
    let sum: u64 = v["candidates"].as_array().unwrap().iter().map(|c| c["votes"].as_u64().unwrap()).sum();
    assert_eq!(sum, valid);
    assert_eq!(pct(v["ballots"].as_u64().unwrap(), 11_950_485), "69.44");
    for (id, share) in [
        ("tokayev", "81.31"),
        ("dairabayev", "3.42"),
        ("abden", "2.60"),
        ("kazhyken", "2.53"),
        ("auesbayev", "2.22"),
        ("tursynbekova", "2.12"),
        ("against_all", "5.80"),
    ] {
        assert_eq!(pct(votes(&v, id), valid), share, "{id}");
    }
    assert_eq!(v["candidates"][0]["id"], "tokayev");
    assert!(v["held"].as_array().unwrap().is_empty());
    assert!(v["rejected"].as_array().unwrap().is_empty());
    assert_eq!(v["regions"].as_array().unwrap().len(), 21, "17 oblasts, 3 cities and abroad");
    // The sum over regions is the national total, to the vote.
    let regional: u64 = v["regions"].as_array().unwrap().iter().map(|r| r["votes"]["tokayev"].as_u64().unwrap()).sum();
    assert_eq!(regional, 6_456_392);
}

#[test]
fn kazakhstan_2019_prints_the_official_totals() {
    let v = tally_json(Path::new("sample-feeds/kz-2019-presidential"));
    assert_eq!(v["election"]["synthetic"], true);
    assert_eq!(v["precincts_reporting"], 9_968);
    assert_eq!(v["precincts_expected"], 9_968);
    assert_eq!(v["registered"], 11_960_364);
    assert_eq!(v["ballots"], 9_274_110);
    assert_eq!(v["invalid"], 57_700);
    assert_eq!(pct(9_274_110, 11_960_364), "77.54");
    let valid = v["valid"].as_u64().unwrap();
    for (id, n, share) in [
        ("tokayev", 6_539_715, "70.96"),
        ("kosanov", 1_495_401, "16.23"),
        ("yespayeva", 465_714, "5.05"),
        ("rakhimbekov", 280_451, "3.04"),
        ("taspikhov", 182_898, "1.98"),
        ("akhmetbekov", 167_649, "1.82"),
        ("tugel", 84_582, "0.92"),
    ] {
        assert_eq!(votes(&v, id), n, "{id}");
        assert_eq!(pct(n, valid), share, "{id}");
    }
    assert_eq!(v["candidates"].as_array().unwrap().len(), 7);
    assert!(v["held"].as_array().unwrap().is_empty());
    assert!(v["rejected"].as_array().unwrap().is_empty());
    // The regions of 2019: 14 oblasts, 3 cities and abroad (Abai, Jetisu and Ulytau came in 2022).
    let regions: Vec<&str> = v["regions"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(regions.len(), 18);
    assert!(!regions.iter().any(|r| ["abai", "jetisu", "ulytau"].contains(r)), "{regions:?}");
    let regional: u64 = v["regions"].as_array().unwrap().iter().map(|r| r["votes"]["tokayev"].as_u64().unwrap()).sum();
    assert_eq!(regional, 6_539_715);
}

#[test]
fn majilis_2012_allocates_98_seats_above_the_threshold() {
    let v = tally_json(Path::new("sample-feeds/kz-2012-majilis"));
    assert_eq!(v["election"]["contest"], "party-list");
    let seats: Vec<(String, u64)> = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["seats"].as_u64().unwrap()))
        .collect();
    assert_eq!(seats.iter().map(|s| s.1).sum::<u64>(), 98);
    // As on the night: Nur Otan 83, Ak Zhol 8, the Communist People's Party 7.
    assert_eq!(&seats[..3], &[("nur_otan".into(), 83), ("ak_zhol".into(), 8), ("knpk".into(), 7)]);
    assert_eq!(pct(v["ballots"].as_u64().unwrap(), v["registered"].as_u64().unwrap()), "75.45");
}
