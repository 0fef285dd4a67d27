//! End-to-end tests: generate feeds, read them back from disk with an independent reader
//! (serde_json and csv only, nothing from the generator), and check the figures.
//!
//! Long because it is the generator's independent reader (serde_json and csv only) and the end-to-
//! end checks that use it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::*;

/// Kinds of report files, as found on disk.
const NDJSON: &str = "ndjson";
const CSV: &str = "csv";
const JSON_ARRAY: &str = "json array";
const JSON_OBJECT: &str = "json object";

#[derive(Debug, Clone, PartialEq)]
struct ReadReport {
    precinct: String,
    region: String,
    reported_at: String,
    revision: u64,
    registered: u64,
    ballots: u64,
    invalid: u64,
    votes: BTreeMap<String, u64>,
}

#[derive(Debug)]
struct ReadFeed {
    manifest: Value,
    reports: Vec<ReadReport>,
    kinds: BTreeSet<&'static str>,
    files: usize,
    bytes: u64,
    temp_files: Vec<PathBuf>,
}

/// Totals over the latest revision of every precinct.
#[derive(Debug, Default, PartialEq)]
struct Sums {
    precincts: usize,
    registered: u64,
    ballots: u64,
    invalid: u64,
    votes: BTreeMap<String, u64>,
}

impl Sums {
    fn valid(&self) -> u64 {
        self.votes.values().sum()
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn number(v: &Value, field: &str) -> u64 {
    v[field].as_u64().unwrap_or_else(|| panic!("{field} is not a count in {v}"))
}

fn report_from_json(v: &Value) -> ReadReport {
    ReadReport {
        precinct: v["precinct"].as_str().unwrap().to_string(),
        region: v["region"].as_str().unwrap().to_string(),
        reported_at: v["reported_at"].as_str().unwrap().to_string(),
        revision: number(v, "revision"),
        registered: number(v, "registered"),
        ballots: number(v, "ballots"),
        invalid: number(v, "invalid"),
        votes: v["votes"].as_object().unwrap().iter().map(|(id, n)| (id.clone(), n.as_u64().unwrap())).collect(),
    }
}

fn reports_from_csv(path: &Path) -> Vec<ReadReport> {
    let mut table = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = table.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..7], ["precinct", "region", "reported_at", "revision", "registered", "ballots", "invalid"]);
    table
        .records()
        .map(|row| {
            let row = row.unwrap();
            let count = |i: usize| row[i].parse::<u64>().unwrap();
            ReadReport {
                precinct: row[0].to_string(),
                region: row[1].to_string(),
                reported_at: row[2].to_string(),
                revision: count(3),
                registered: count(4),
                ballots: count(5),
                invalid: count(6),
                votes: (7..header.len()).map(|i| (header[i].clone(), count(i))).collect(),
            }
        })
        .collect()
}

fn read_feed(dir: &Path) -> ReadFeed {
    let mut feed = ReadFeed {
        manifest: Value::Null,
        reports: Vec::new(),
        kinds: BTreeSet::new(),
        files: 0,
        bytes: 0,
        temp_files: Vec::new(),
    };
    for path in files_under(dir) {
        feed.files += 1;
        feed.bytes += fs::metadata(&path).unwrap().len();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".tmp") {
            feed.temp_files.push(path);
            continue;
        }
        if path == dir.join("election.json") {
            feed.manifest = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
            continue;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => {
                let value: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                match value {
                    Value::Array(items) => {
                        feed.kinds.insert(JSON_ARRAY);
                        feed.reports.extend(items.iter().map(report_from_json));
                    }
                    object => {
                        feed.kinds.insert(JSON_OBJECT);
                        feed.reports.push(report_from_json(&object));
                    }
                }
            }
            Some("ndjson") => {
                feed.kinds.insert(NDJSON);
                let text = fs::read_to_string(&path).unwrap();
                assert!(text.ends_with('\n'), "{} ends mid-line", path.display());
                for line in text.lines() {
                    feed.reports.push(report_from_json(&serde_json::from_str(line).unwrap()));
                }
            }
            Some("csv") => {
                feed.kinds.insert(CSV);
                feed.reports.extend(reports_from_csv(&path));
            }
            _ => panic!("unexpected file {}", path.display()),
        }
    }
    feed
}

/// The highest revision of every precinct; each (precinct, revision) must appear once.
fn latest(reports: &[ReadReport]) -> BTreeMap<String, ReadReport> {
    let mut seen = BTreeSet::new();
    let mut latest: BTreeMap<String, ReadReport> = BTreeMap::new();
    for r in reports {
        assert!(
            seen.insert((r.precinct.clone(), r.revision)),
            "precinct {} sends revision {} twice",
            r.precinct,
            r.revision
        );
        let kept = latest.entry(r.precinct.clone()).or_insert_with(|| r.clone());
        assert_eq!(kept.region, r.region, "precinct {} in two regions", r.precinct);
        if r.revision > kept.revision {
            *kept = r.clone();
        }
    }
    latest
}

fn sums<'a>(reports: impl IntoIterator<Item = &'a ReadReport>) -> Sums {
    let mut sums = Sums::default();
    for r in reports {
        sums.precincts += 1;
        sums.registered += r.registered;
        sums.ballots += r.ballots;
        sums.invalid += r.invalid;
        for (id, n) in &r.votes {
            *sums.votes.entry(id.clone()).or_default() += n;
        }
    }
    sums
}

/// `part / whole` in hundredths of a percent, rounded half up.
fn hundredths(part: u64, whole: u64) -> u64 {
    (u128::from(part) * 20_000 / u128::from(whole)).div_ceil(2) as u64
}

/// Checks every report on its own: arithmetic, candidates, and timing against the manifest.
/// The highest revision of each precinct.
fn latest_revisions(reports: &[ReadReport]) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for r in reports {
        let e = out.entry(r.precinct.clone()).or_default();
        *e = (*e).max(r.revision);
    }
    out
}

fn check_reports(feed: &ReadFeed) {
    let m = &feed.manifest;
    let candidates: Vec<&str> = m["candidates"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    let offsets: BTreeMap<&str, &str> = m["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["utc_offset"].as_str().unwrap()))
        .collect();
    let date = m["date"].as_str().unwrap();
    let close = m["polls_close"].as_str().unwrap();
    let latest = latest_revisions(&feed.reports);
    for r in &feed.reports {
        let accounted = r.invalid + r.votes.values().sum::<u64>();
        if latest[&r.precinct] == r.revision {
            assert_eq!(r.ballots, accounted, "{r:?}");
        } else {
            // A preliminary count may carry a transcription slip of a few votes.
            assert!(accounted <= r.ballots && r.ballots - accounted <= 9, "{r:?}");
        }
        assert!(r.ballots <= r.registered, "{r:?}");
        assert!(r.revision >= 1);
        let ids: Vec<&str> = r.votes.keys().map(String::as_str).collect();
        let mut expected = candidates.clone();
        expected.sort_unstable();
        assert_eq!(ids, expected, "{}", r.precinct);

        let offset = offsets[r.region.as_str()];
        let polls_close = OffsetDateTime::parse(&format!("{date}T{close}:00{offset}"), &Rfc3339).unwrap();
        let at = OffsetDateTime::parse(&r.reported_at, &Rfc3339).unwrap();
        assert!(r.reported_at.ends_with(offset), "{}", r.reported_at);
        assert!(at > polls_close, "{} reported before polls closed", r.precinct);
        assert!(at < polls_close + time::Duration::hours(20), "{} reported implausibly late", r.precinct);
    }
}

fn generate_into(opts: &SynthOptions) -> (tempfile::TempDir, SynthSummary) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("feed");
    let summary = generate(&out, opts).unwrap();
    (dir, summary)
}

fn options(profile: Profile, precincts: Option<usize>, seed: u64) -> SynthOptions {
    SynthOptions { precincts, seed, profile, stuffing: None }
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap();
            (path.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

#[test]
fn kz_2022_feed_reproduces_the_official_totals() {
    let (dir, summary) = generate_into(&options(Profile::Kz2022, None, 2022));
    let feed = read_feed(&dir.path().join("feed"));
    check_reports(&feed);
    let latest = latest(&feed.reports);
    let totals = sums(latest.values());

    assert_eq!(totals.precincts, 10_330);
    assert_eq!(totals.registered, 11_950_485);
    assert_eq!(totals.votes["tokayev"], 6_456_392);
    assert_eq!(totals.ballots, totals.invalid + totals.valid());
    assert_eq!(hundredths(totals.ballots, totals.registered), 6944);
    let valid = totals.valid();
    for (id, share) in [
        ("tokayev", 8131),
        ("dairabayev", 342),
        ("abden", 260),
        ("kazhyken", 253),
        ("auesbayev", 222),
        ("tursynbekova", 212),
        ("against_all", 580),
    ] {
        assert_eq!(hundredths(totals.votes[id], valid), share, "{id}");
    }

    // The manifest: honest about being synthetic, and matching the reports region by region.
    let m = &feed.manifest;
    assert_eq!(m["id"], "kz-2022-presidential");
    assert_eq!(m["contest"], "single-winner");
    assert_eq!(m["majority"], 0.5);
    assert_eq!(m["date"], "2022-11-20");
    assert_eq!(m["polls_close"], "20:00");
    assert_eq!(m["synthetic"], true);
    assert!(m["note"].as_str().unwrap().contains("votewatch synth"));
    assert!(m["note"].as_str().unwrap().to_lowercase().contains("synthetic"));
    assert!(m["candidates"].as_array().unwrap().iter().all(|c| c["color"].is_string()));
    let regions = m["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 21);
    for region in regions {
        let id = region["id"].as_str().unwrap();
        let mine = sums(latest.values().filter(|r| r.region == id));
        assert_eq!(region["precincts"].as_u64().unwrap(), mine.precincts as u64, "{id}");
        assert_eq!(region["registered"].as_u64().unwrap(), mine.registered, "{id}");
        let offset = if ["aktobe", "atyrau", "west_kazakhstan", "kyzylorda", "mangystau"].contains(&id) {
            "+05:00"
        } else {
            "+06:00"
        };
        assert_eq!(region["utc_offset"], offset, "{id}");
    }
    let abroad: Vec<&String> = latest.keys().filter(|id| id.starts_with("ABR-")).collect();
    assert_eq!(abroad.len(), 68);
    let countries: BTreeSet<&str> = abroad.iter().map(|id| &id[4..6]).collect();
    assert_eq!(countries.len(), 53);
    assert_eq!(latest.values().filter(|r| r.region == "ulytau").count(), 150);

    // Readable ids: ABC-0001 at home, ABR-XX-01 abroad.
    for id in latest.keys() {
        let parts: Vec<&str> = id.split('-').collect();
        let readable = match parts[..] {
            [code, n] => code.len() == 3 && n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()),
            ["ABR", country, n] => country.len() == 2 && n.len() == 2,
            _ => false,
        };
        assert!(readable, "{id}");
    }

    // About 2% of precincts are corrected later.
    let revised: Vec<&ReadReport> = feed.reports.iter().filter(|r| r.revision == 2).collect();
    assert!((150..=260).contains(&revised.len()), "{} revised", revised.len());
    for final_report in revised {
        let first = feed.reports.iter().find(|r| r.precinct == final_report.precinct && r.revision == 1).unwrap();
        let (t1, t2) = (
            OffsetDateTime::parse(&first.reported_at, &Rfc3339).unwrap(),
            OffsetDateTime::parse(&final_report.reported_at, &Rfc3339).unwrap(),
        );
        assert!(t1 < t2);
        assert_ne!(first.votes, final_report.votes);
    }

    // Every format, compactly.
    assert_eq!(feed.kinds, BTreeSet::from([NDJSON, CSV, JSON_ARRAY, JSON_OBJECT]));
    assert!(feed.temp_files.is_empty());
    assert!(feed.files <= 500, "{} files", feed.files);
    assert!(feed.bytes < 10_000_000, "{} bytes", feed.bytes);

    assert_eq!(
        summary,
        SynthSummary {
            precincts: 10_330,
            reports: feed.reports.len(),
            files: feed.files,
            registered: 11_950_485,
            ballots: totals.ballots,
        }
    );
}

#[test]
fn majilis_2012_feed_matches_its_profile() {
    let (dir, summary) = generate_into(&options(Profile::Majilis2012, None, 2012));
    let feed = read_feed(&dir.path().join("feed"));
    check_reports(&feed);
    let totals = sums(latest(&feed.reports).values());

    assert_eq!(totals.precincts, 9_700);
    assert_eq!(totals.registered, 9_303_693);
    assert_eq!(hundredths(totals.ballots, totals.registered), 7545);
    let valid = totals.valid();
    for (id, share) in [
        ("nur_otan", 8099),
        ("ak_zhol", 747),
        ("knpk", 719),
        ("azat", 159),
        ("auyl", 119),
        ("patriots", 83),
        ("adilet", 74),
    ] {
        assert_eq!(hundredths(totals.votes[id], valid), share, "{id}");
    }
    let m = &feed.manifest;
    assert_eq!(m["contest"], "party-list");
    assert_eq!(m["seats"], 98);
    assert_eq!(m["threshold"], 0.07);
    assert!(m.get("majority").is_none());
    assert_eq!(m["date"], "2012-01-15");
    assert_eq!(m["synthetic"], true);
    assert_eq!(m["regions"].as_array().unwrap().len(), 16);
    assert_eq!(feed.kinds, BTreeSet::from([NDJSON, CSV, JSON_ARRAY, JSON_OBJECT]));
    assert!(feed.files <= 500, "{} files", feed.files);
    assert_eq!(summary.ballots, totals.ballots);
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let opts = options(Profile::Kz2022, Some(600), 7);
    let (first, _) = generate_into(&opts);
    let (second, _) = generate_into(&opts);
    let (other, _) = generate_into(&SynthOptions { seed: 8, ..opts });
    let first = snapshot(&first.path().join("feed"));
    assert_eq!(first, snapshot(&second.path().join("feed")));
    assert_ne!(first, snapshot(&other.path().join("feed")));
}

#[test]
fn an_explicit_precinct_count_scales_the_electorate() {
    let (dir, summary) = generate_into(&options(Profile::Kz2022, Some(500), 1));
    let feed = read_feed(&dir.path().join("feed"));
    check_reports(&feed);
    let totals = sums(latest(&feed.reports).values());

    assert_eq!(totals.precincts, 500);
    // 11,950,485 * 500 / 10,330 = 578,435.5… -> 578,436
    assert_eq!(totals.registered, 578_436);
    assert_eq!(hundredths(totals.ballots, totals.registered), 6944);
    let valid = totals.valid();
    assert_eq!(hundredths(totals.votes["tokayev"], valid), 8131);
    assert_eq!(hundredths(totals.votes["against_all"], valid), 580);
    let regions = feed.manifest["regions"].as_array().unwrap();
    assert!(regions.iter().all(|r| r["precincts"].as_u64().unwrap() >= 1));
    assert_eq!(regions.iter().map(|r| r["precincts"].as_u64().unwrap()).sum::<u64>(), 500);
    assert_eq!(summary.precincts, 500);
    assert_eq!(summary.registered, totals.registered);
}

#[test]
fn stuffing_raises_ballots_only_in_its_region() {
    let clean_opts = options(Profile::Kz2022, Some(1_000), 5);
    let stuffed_opts = SynthOptions {
        stuffing: Some(Stuffing { region: "shymkent".to_string(), fraction: 0.5 }),
        ..clean_opts.clone()
    };
    let (clean_dir, _) = generate_into(&clean_opts);
    let (stuffed_dir, _) = generate_into(&stuffed_opts);
    let clean_feed = read_feed(&clean_dir.path().join("feed"));
    let stuffed_feed = read_feed(&stuffed_dir.path().join("feed"));
    check_reports(&stuffed_feed);
    let clean = latest(&clean_feed.reports);
    let stuffed = latest(&stuffed_feed.reports);
    assert!(stuffed_feed.manifest["note"].as_str().unwrap().contains("shymkent"));

    let mut changed = 0;
    for (id, before) in &clean {
        let after = &stuffed[id];
        assert_eq!(before.registered, after.registered);
        if before.region != "shymkent" {
            assert_eq!(before, after, "{id} changed outside the stuffed region");
            continue;
        }
        let extra = after.ballots - before.ballots;
        assert_eq!(after.votes["tokayev"], before.votes["tokayev"] + extra);
        assert_eq!(after.invalid, before.invalid);
        if extra > 0 {
            changed += 1;
            let expected = ((before.registered - before.ballots) as f64 * 0.5).round() as u64;
            assert_eq!(extra, expected, "{id}");
        }
    }
    let region_size = clean.values().filter(|r| r.region == "shymkent").count();
    assert!(region_size >= 30);
    let share = changed as f64 / region_size as f64;
    assert!((0.2..=0.35).contains(&share), "{changed} of {region_size} stuffed");
}

#[test]
fn live_feed_ends_identical_to_the_generated_feed() {
    let opts = options(Profile::Kz2022, Some(300), 11);
    let (generated, summary) = generate_into(&opts);
    let dir = tempfile::tempdir().unwrap();
    let live_out = dir.path().join("live");
    let stop = AtomicBool::new(false);
    let live_summary = generate_live(&live_out, &opts, 1e6, &stop).unwrap();

    let live_feed = read_feed(&live_out);
    assert!(live_feed.temp_files.is_empty(), "{:?}", live_feed.temp_files);
    let generated_feed = read_feed(&generated.path().join("feed"));
    assert_eq!(sums(latest(&live_feed.reports).values()), sums(latest(&generated_feed.reports).values()));
    assert_eq!(snapshot(&live_out), snapshot(&generated.path().join("feed")));
    assert_eq!(live_summary, summary);
}

#[test]
fn live_feed_stops_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live");
    let stop = AtomicBool::new(true);
    let summary = generate_live(&out, &options(Profile::Majilis2012, Some(100), 3), 1e6, &stop).unwrap();
    assert_eq!(summary.reports, 0);
    assert_eq!(summary.files, 1);
    assert_eq!(files_under(&out), vec![out.join("election.json")]);
}

#[test]
fn live_feed_paces_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live");
    let stop = AtomicBool::new(false);
    let started = std::time::Instant::now();
    let opts = options(Profile::Kz2022, Some(25), 4);
    let summary = generate_live(&out, &opts, 100.0, &stop).unwrap();
    // 25 precincts (plus a revision) at 100 per second take about a quarter of a second.
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    assert_eq!(summary.precincts, 25);
}

#[test]
fn bad_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("feed");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("something"), "x").unwrap();
    let opts = options(Profile::Kz2022, Some(100), 1);
    assert!(generate(&out, &opts).is_err());

    let fresh = dir.path().join("fresh");
    let too_few = options(Profile::Kz2022, Some(5), 1);
    assert!(generate(&fresh, &too_few).is_err());
    let unknown_region =
        SynthOptions { stuffing: Some(Stuffing { region: "atlantis".to_string(), fraction: 0.1 }), ..opts.clone() };
    assert!(generate(&fresh, &unknown_region).is_err());
    let stop = AtomicBool::new(false);
    assert!(generate_live(&fresh, &opts, 0.0, &stop).is_err());
    assert!(generate_live(&fresh, &opts, f64::NAN, &stop).is_err());
}
