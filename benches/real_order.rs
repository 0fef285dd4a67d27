//! Calibration of the projection on a real election replayed in the order real results arrive:
//! Russia's presidential election of 18 March 2018 (97,699 station protocols, from
//! `../shared/data/ru-2018-presidential.csv.zip` or the file named by `VOTEWATCH_RU2018_ZIP`).
//!
//! Each station reports `reported_at` = 20:00 local time in its region (UTC offsets as in
//! issue 10: Kamchatka first, Kaliningrad last; abroad and Baikonur on Moscow time) plus a delay
//! over the next six hours (uniform from 15 minutes to 6 hours). Two orders within each region:
//! random, and small stations first (the region's delays sorted and handed out by station size).
//! Prefixes of 10, 20, 30 and 50% of the stations in that order are tallied with the full
//! manifest (every region's stations and registered voters, from the complete file) and
//! projected; each cell is several seeds. Printed: projections shown, coverage of the 90%
//! intervals (every candidate and turnout), their mean width for the leader and turnout, and
//! the mean error of the projection, of the naive count (the shares counted so far) and of
//! the regions' own reported ratios alone (the stratified estimate without drift or borrowing).
//!
//! Run: `cargo bench --bench real_order` (`-- N` for N seeds; default 5). Without the data it
//! says so and exits successfully.

use std::path::Path;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use votewatch::analysis::projection::project;
use votewatch::engine::Engine;
use votewatch::feed::report::parse_json_report;
use votewatch::feed::{Batch, Loc, Manifest, Schema, Timestamp};

#[path = "../tests/common/ru2018.rs"]
mod ru2018;

const CANDIDATES: [&str; 8] =
    ["baburin", "grudinin", "zhirinovsky", "putin", "sobchak", "suraykin", "titov", "yavlinsky"];
const LEADER: usize = 3;

/// Hours ahead of UTC by region (issue 10); all others are on Moscow time (+3).
const OFFSETS: [(i32, &[&str]); 10] = [
    (12, &["Камчатский край", "Чукотский автономный округ"]),
    (11, &["Магаданская область", "Сахалинская область"]),
    (10, &["Приморский край", "Хабаровский край", "Еврейская автономная область"]),
    (9, &["Республика Саха (Якутия)", "Амурская область", "Забайкальский край"]),
    (8, &["Иркутская область", "Республика Бурятия"]),
    (
        7,
        &[
            "Красноярский край",
            "Кемеровская область",
            "Новосибирская область",
            "Томская область",
            "Алтайский край",
            "Республика Алтай",
            "Республика Тыва",
            "Республика Хакасия",
        ],
    ),
    (6, &["Омская область"]),
    (
        5,
        &[
            "Свердловская область",
            "Челябинская область",
            "Тюменская область",
            "Курганская область",
            "Республика Башкортостан",
            "Пермский край",
            "Оренбургская область",
            "Ханты-Мансийский автономный округ - Югра",
            "Ямало-Ненецкий автономный округ",
        ],
    ),
    (
        4,
        &[
            "Самарская область",
            "Удмуртская Республика",
            "Астраханская область",
            "Саратовская область",
            "Ульяновская область",
        ],
    ),
    (2, &["Калининградская область"]),
];

struct Station {
    id: String,
    region: usize,
    registered: u64,
    ballots: u64,
    invalid: u64,
    votes: [u64; 8],
}

fn read(csv_path: &Path) -> (Vec<String>, Vec<Station>) {
    let mut names: Vec<String> = Vec::new();
    let mut stations = Vec::new();
    let mut reader = csv::Reader::from_path(csv_path).expect("the 2018 table");
    let num = |r: &csv::StringRecord, i: usize| r[i].trim().parse::<u64>().expect("a count");
    for row in reader.records() {
        let r = row.expect("a row");
        let region = match names.iter().position(|n| *n == r[0]) {
            Some(i) => i,
            None => {
                names.push(r[0].to_string());
                names.len() - 1
            }
        };
        let mut votes = [0u64; 8];
        for (i, v) in votes.iter_mut().enumerate() {
            *v = num(&r, 15 + i);
        }
        stations.push(Station {
            id: format!("{}/{}/{}", &r[0], &r[1], &r[2]),
            region,
            registered: num(&r, 3),
            ballots: num(&r, 9) + num(&r, 10),
            invalid: num(&r, 11),
            votes,
        });
    }
    (names, stations)
}

fn offset(name: &str) -> i32 {
    OFFSETS.iter().find(|(_, names)| names.contains(&name)).map_or(3, |(h, _)| *h)
}

fn manifest(names: &[String], stations: &[Station]) -> Manifest {
    let regions: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mine = stations.iter().filter(|s| s.region == i);
            let (count, registered) = mine.fold((0u64, 0u64), |(c, r), s| (c + 1, r + s.registered));
            serde_json::json!({"id": format!("r{i:02}"), "name": n, "utc_offset": format!("{:+03}:00", offset(n)),
                               "precincts": count, "registered": registered})
        })
        .collect();
    let m = serde_json::json!({"id": "ru-2018", "name": "Russia 2018", "contest": "single-winner", "majority": 0.5,
        "date": "2018-03-18", "polls_close": "20:00",
        "candidates": CANDIDATES.iter().map(|c| serde_json::json!({"id": c})).collect::<Vec<_>>(), "regions": regions});
    Manifest::from_slice(m.to_string().as_bytes()).expect("a manifest")
}

/// When each station reports (unix seconds): 20:00 local plus its delay.
fn schedule(names: &[String], stations: &[Station], seed: u64, small_first: bool) -> Vec<i64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let close = |region: usize| 1_521_403_200 - 3600 * i64::from(offset(&names[region])); // 2018-03-18 20:00 UTC
    let mut delay: Vec<i64> = stations.iter().map(|_| rng.random_range(15 * 60..=6 * 3600)).collect();
    if small_first {
        for r in 0..names.len() {
            let mut idx: Vec<usize> = (0..stations.len()).filter(|&i| stations[i].region == r).collect();
            let mut sorted: Vec<i64> = idx.iter().map(|&i| delay[i]).collect();
            sorted.sort_unstable();
            idx.shuffle(&mut rng);
            idx.sort_by_key(|&i| stations[i].registered);
            for (i, d) in idx.into_iter().zip(sorted) {
                delay[i] = d;
            }
        }
    }
    stations.iter().zip(delay).map(|(s, d)| close(s.region) + d).collect()
}

fn report_json(s: &Station, at: i64) -> String {
    let t = Timestamp { unix: at, offset_seconds: 0 };
    let votes: Vec<String> = CANDIDATES.iter().zip(s.votes).map(|(c, v)| format!(r#""{c}":{v}"#)).collect();
    format!(
        r#"{{"precinct":{},"region":"r{:02}","reported_at":"{}","registered":{},"ballots":{},"invalid":{},"votes":{{{}}}}}"#,
        serde_json::Value::from(s.id.as_str()),
        s.region,
        t.to_rfc3339(),
        s.registered,
        s.ballots,
        s.invalid,
        votes.join(",")
    )
}

/// The leader's share and turnout projected by each region's own reported ratios alone (the
/// nation's for a region with nothing in): no drift, no borrowing cost.
fn plain_ratio(engine: &Engine, registered: u64) -> (f64, f64) {
    let n = engine.national();
    let mut votes = [0.0f64; 8];
    let mut ballots = 0.0;
    for (r, meta) in engine.regions().iter().enumerate() {
        let t = engine.region_totals(r).filter(|t| t.registered > 0).unwrap_or(n);
        let scale = meta.registered_expected.unwrap() as f64 / t.registered as f64;
        for (c, v) in votes.iter_mut().enumerate() {
            *v += t.votes_of(c) as f64 * scale;
        }
        ballots += t.ballots as f64 * scale;
    }
    (votes[LEADER] / votes.iter().sum::<f64>(), ballots / registered as f64)
}

#[derive(Default)]
struct Cell {
    runs: usize,
    shown: usize,
    covered: usize,
    intervals: usize,
    width_leader: f64,
    width_turnout: f64,
    err_leader: f64,
    err_turnout: f64,
    naive_leader: f64,
    naive_turnout: f64,
    plain_leader: f64,
    plain_turnout: f64,
    borrowed: f64,
}

fn main() {
    let Some((dir, _)) = ru2018::extracted("real_order") else { return };
    let seeds: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5);
    let (names, stations) = read(&dir.path().join("2018.csv"));
    let manifest = manifest(&names, &stations);
    let schema = Schema::from_manifest(Some(&manifest), 1 << 20);
    let registered: u64 = stations.iter().map(|s| s.registered).sum();
    let valid: u64 = stations.iter().map(|s| s.votes.iter().sum::<u64>()).sum();
    let mut truth: Vec<f64> =
        (0..8).map(|c| stations.iter().map(|s| s.votes[c]).sum::<u64>() as f64 / valid as f64).collect();
    truth.push(stations.iter().map(|s| s.ballots).sum::<u64>() as f64 / registered as f64);
    let fractions = [0.1, 0.2, 0.3, 0.5];
    let mut cells: Vec<Cell> = (0..fractions.len() * 2).map(|_| Cell::default()).collect();
    for seed in 0..seeds {
        for (o, small_first) in [false, true].into_iter().enumerate() {
            let at = schedule(&names, &stations, seed, small_first);
            let mut order: Vec<usize> = (0..stations.len()).collect();
            order.sort_by_key(|&i| (at[i], i));
            let mut engine = Engine::new(Some(manifest.clone()));
            let mut done = 0;
            for (f, fraction) in fractions.iter().enumerate() {
                let upto = (stations.len() as f64 * fraction) as usize;
                let mut batch = Batch::default();
                for (line, &i) in order[done..upto].iter().enumerate() {
                    batch.push(
                        Loc::Line((done + line + 1) as u32),
                        parse_json_report(report_json(&stations[i], at[i]).as_bytes(), &schema),
                    );
                }
                done = upto;
                engine.ingest("ru.ndjson", batch, Timestamp { unix: at[order[upto - 1]], offset_seconds: 0 });
                let cell = &mut cells[f * 2 + o];
                cell.runs += 1;
                let Some(p) = project(&engine).filter(|p| p.waiting.is_none()) else { continue };
                cell.shown += 1;
                cell.borrowed += p.borrowed_fraction;
                let n = engine.national();
                let counted_valid: u64 = (0..8).map(|c| n.votes_of(c)).sum();
                for c in &p.candidates {
                    let k = CANDIDATES.iter().position(|x| *x == c.id).unwrap();
                    cell.covered += usize::from(c.low <= truth[k] && truth[k] <= c.high);
                    cell.intervals += 1;
                    if k == LEADER {
                        cell.width_leader += c.high - c.low;
                        cell.err_leader += (c.share - truth[k]).abs();
                        cell.naive_leader += (n.votes_of(k) as f64 / counted_valid as f64 - truth[k]).abs();
                    }
                }
                let t = p.turnout.unwrap();
                cell.covered += usize::from(t.low <= truth[8] && truth[8] <= t.high);
                cell.intervals += 1;
                cell.width_turnout += t.high - t.low;
                cell.err_turnout += (t.value - truth[8]).abs();
                cell.naive_turnout += (n.ballots as f64 / n.registered as f64 - truth[8]).abs();
                let (leader, turnout) = plain_ratio(&engine, registered);
                cell.plain_leader += (leader - truth[LEADER]).abs();
                cell.plain_turnout += (turnout - truth[8]).abs();
            }
        }
    }
    println!(
        "\nRussia 2018, {} stations, east to west (polls close 20:00 local, reports over the next 6 h); {seeds} seeds per cell\n",
        stations.len()
    );
    println!(
        "| stations in | within regions | shown | 90% coverage (all candidates + turnout) | mean width: leader / turnout (pp) | mean error: leader / turnout (pp) | naive count's error (pp) | regions' own ratios' error (pp) | borrowed |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (f, fraction) in fractions.iter().enumerate() {
        for (o, name) in ["random", "small first"].iter().enumerate() {
            let c = &cells[f * 2 + o];
            let k = c.shown.max(1) as f64;
            println!(
                "| {:.0}% | {name} | {}/{} | {:.1}% ({}/{}) | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} / {:.2} | {:.0}% |",
                fraction * 100.0,
                c.shown,
                c.runs,
                100.0 * c.covered as f64 / c.intervals.max(1) as f64,
                c.covered,
                c.intervals,
                100.0 * c.width_leader / k,
                100.0 * c.width_turnout / k,
                100.0 * c.err_leader / k,
                100.0 * c.err_turnout / k,
                100.0 * c.naive_leader / k,
                100.0 * c.naive_turnout / k,
                100.0 * c.plain_leader / k,
                100.0 * c.plain_turnout / k,
                100.0 * c.borrowed / k,
            );
        }
    }
}
