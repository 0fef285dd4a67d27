//! The profile of Kazakhstan's early presidential election of 9 June 2019: the official
//! national figures, and the regions as they were then — before Abai, Jetisu and Ulytau were
//! carved out of East Kazakhstan, Almaty Region and Karaganda in 2022. Those regions hold
//! their later parts' stations under the later codes (`ABA-0001` is in East Kazakhstan here),
//! so a station keeps its id from 2019 to 2022 where it exists in both samples: 9,903 of the
//! 2022 sample's 10,330 stations (new stations in the growing cities and the south have no
//! 2019 counterpart, and a few 2019 stations in the north closed). Regional figures are
//! weights, as in every profile; the national totals are exact.

use time::macros::{date, time};

use super::kz2022::KZ_2022_ABROAD;
use super::profile::{
    CandidateSpec, Contest, Csv, JsonBatch, Ndjson, ProfileSpec, RegionSpec, ValidVotes, abroad, candidate, region,
};

static CANDIDATES: [CandidateSpec; 7] = [
    candidate("tokayev", "Kassym-Jomart Tokayev", "Nur Otan", "#1f77b4", 7096, false),
    candidate("kosanov", "Amirzhan Kosanov", "Ult Tagdyry", "#d62728", 1623, true),
    candidate("yespayeva", "Daniya Yespayeva", "Ak Zhol", "#17becf", 505, false),
    candidate("rakhimbekov", "Toleutai Rakhimbekov", "Auyl", "#2ca02c", 304, false),
    candidate("taspikhov", "Amangeldy Taspikhov", "Federation of Trade Unions", "#ff7f0e", 198, false),
    candidate("akhmetbekov", "Zhambyl Akhmetbekov", "Communist People's Party of Kazakhstan", "#8c564b", 182, true),
    candidate("tugel", "Sadybek Tugel", "Uly Dala Kyrandary", "#9467bd", 92, false),
];

/// Official votes, in the order of [`CANDIDATES`].
static VOTES: [u64; 7] = [6_539_715, 1_495_401, 465_714, 280_451, 182_898, 167_649, 84_582];

/// A region of 2019 holding the stations of regions carved out of it later (`parts`: code and
/// stations, its own code first).
#[allow(clippy::too_many_arguments)]
const fn split_later(
    id: &'static str,
    name: &'static str,
    utc_offset_hours: i8,
    parts: &'static [(&'static str, usize)],
    precincts: usize,
    registered: u64,
    turnout: f64,
    leader_share: f64,
    protest: f64,
    urban: f64,
) -> RegionSpec {
    let mut r = region(
        id,
        name,
        parts[0].0,
        utc_offset_hours,
        precincts,
        registered,
        turnout,
        leader_share,
        protest,
        urban,
        Ndjson,
    );
    r.parts = parts;
    r
}

/// 14 oblasts, 3 cities of republican significance and the stations abroad (9,900 + 68).
#[rustfmt::skip]
static REGIONS: [RegionSpec; 18] = [
    region("akmola", "Akmola Region", "AKM", 6, 610, 520_000, 0.83, 0.74, 1.0, 0.95, Ndjson),
    region("aktobe", "Aktobe Region", "AKT", 5, 450, 540_000, 0.78, 0.70, 1.1, 1.0, Ndjson),
    split_later("almaty_region", "Almaty Region", 6, &[("ALR", 730), ("JET", 430)], 1160, 1_380_000, 0.82, 0.77, 0.8, 1.0),
    region("atyrau", "Atyrau Region", "ATY", 5, 285, 380_000, 0.74, 0.69, 1.2, 1.0, Ndjson),
    split_later("east_kazakhstan", "East Kazakhstan Region", 6, &[("EKZ", 610), ("ABA", 485)], 1095, 950_000, 0.80, 0.74, 1.1, 1.05),
    region("jambyl", "Jambyl Region", "JAM", 6, 495, 670_000, 0.81, 0.80, 0.7, 1.0, Ndjson),
    split_later("karaganda", "Karaganda Region", 6, &[("KAR", 700), ("ULY", 150)], 850, 950_000, 0.77, 0.71, 1.2, 1.15),
    region("kostanay", "Kostanay Region", "KOS", 6, 575, 590_000, 0.84, 0.73, 1.0, 1.0, JsonBatch),
    region("kyzylorda", "Kyzylorda Region", "KZO", 5, 355, 470_000, 0.86, 0.80, 0.7, 0.95, Ndjson),
    region("mangystau", "Mangystau Region", "MAN", 5, 250, 420_000, 0.70, 0.62, 1.5, 1.05, Ndjson),
    region("north_kazakhstan", "North Kazakhstan Region", "NKZ", 6, 500, 410_000, 0.86, 0.75, 1.0, 0.9, Ndjson),
    region("pavlodar", "Pavlodar Region", "PAV", 6, 465, 500_000, 0.80, 0.73, 1.1, 1.05, Csv),
    region("turkistan", "Turkistan Region", "TUR", 6, 950, 1_200_000, 0.86, 0.82, 0.6, 1.0, Ndjson),
    region("west_kazakhstan", "West Kazakhstan Region", "WKZ", 5, 420, 420_000, 0.77, 0.68, 1.3, 1.0, Ndjson),
    region("astana", "Nur-Sultan", "AST", 6, 400, 690_000, 0.70, 0.60, 1.9, 1.3, Ndjson),
    region("almaty", "Almaty", "ALA", 6, 680, 1_250_000, 0.52, 0.56, 2.3, 1.35, Ndjson),
    region("shymkent", "Shymkent", "SHY", 6, 360, 630_000, 0.80, 0.78, 0.7, 1.2, Ndjson),
    abroad(68, 25_000, 0.55, 0.70, 1.6),
];

pub(crate) static KZ_2019: ProfileSpec = ProfileSpec {
    key: "kz-2019",
    id: "kz-2019-presidential",
    name: "Kazakhstan early presidential election 2019",
    contest: Contest::SingleWinner { majority: 0.5 },
    date: date!(2019 - 06 - 09),
    polls_close: time!(20:00),
    registered: 11_960_364,
    turnout_bp: 7754,
    valid: ValidVotes::Exact { ballots: 9_274_110, votes: &VOTES },
    candidates: &CANDIDATES,
    regions: &REGIONS,
    abroad: &KZ_2022_ABROAD,
};
