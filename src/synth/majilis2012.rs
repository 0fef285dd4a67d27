//! The profile of Kazakhstan's Majilis (lower house) election of 15 January 2012: party lists,
//! 98 seats, a 7% threshold, in the 14 oblasts and 2 cities of the time. Regional figures are
//! weights (see [`super::profile`]).

use time::macros::{date, time};

use super::profile::{
    CandidateSpec, Contest, Csv, JsonBatch, JsonSingle, Ndjson, ProfileSpec, RegionSpec, ValidVotes, candidate, region,
};

static MAJILIS_2012_PARTIES: [CandidateSpec; 7] = [
    candidate("nur_otan", "Nur Otan", "Nur Otan", "#1f77b4", 8099, false),
    candidate("ak_zhol", "Ak Zhol", "Ak Zhol", "#17becf", 747, false),
    candidate(
        "knpk",
        "Communist People's Party of Kazakhstan",
        "Communist People's Party of Kazakhstan",
        "#d62728",
        719,
        true,
    ),
    candidate("azat", "OSDP Azat", "OSDP Azat", "#2ca02c", 159, true),
    candidate("auyl", "Auyl", "Auyl", "#bcbd22", 119, false),
    candidate("patriots", "Party of Patriots of Kazakhstan", "Party of Patriots of Kazakhstan", "#8c564b", 83, false),
    candidate("adilet", "Adilet", "Adilet", "#9467bd", 74, false),
];

/// 14 oblasts and the two cities of republican significance as of 2012 (9,700 stations).
#[rustfmt::skip]
static MAJILIS_2012_REGIONS: [RegionSpec; 16] = [
    region("akmola", "Akmola Region", "AKM", 6, 620, 500_000, 0.78, 0.80, 1.1, 0.95, Ndjson),
    region("aktobe", "Aktobe Region", "AKT", 5, 470, 470_000, 0.75, 0.81, 1.0, 1.0, Ndjson),
    region("almaty_region", "Almaty Region", "ALR", 6, 1180, 1_150_000, 0.79, 0.84, 0.8, 1.0, Ndjson),
    region("atyrau", "Atyrau Region", "ATY", 5, 290, 330_000, 0.77, 0.83, 0.9, 1.0, Ndjson),
    region("east_kazakhstan", "East Kazakhstan Region", "EKZ", 6, 1080, 950_000, 0.76, 0.79, 1.2, 1.0, Ndjson),
    region("jambyl", "Jambyl Region", "JAM", 6, 500, 620_000, 0.79, 0.85, 0.7, 1.0, Ndjson),
    region("karaganda", "Karaganda Region", "KAR", 6, 830, 920_000, 0.72, 0.78, 1.4, 1.15, Csv),
    region("kostanay", "Kostanay Region", "KOS", 6, 600, 570_000, 0.77, 0.80, 1.1, 1.0, JsonBatch),
    region("kyzylorda", "Kyzylorda Region", "KZO", 6, 350, 410_000, 0.82, 0.86, 0.6, 0.95, Ndjson),
    region("mangystau", "Mangystau Region", "MAN", 5, 250, 300_000, 0.70, 0.80, 1.2, 1.05, JsonSingle),
    region("north_kazakhstan", "North Kazakhstan Region", "NKZ", 6, 520, 400_000, 0.80, 0.78, 1.2, 0.9, Ndjson),
    region("pavlodar", "Pavlodar Region", "PAV", 6, 480, 510_000, 0.75, 0.78, 1.3, 1.05, Csv),
    region("south_kazakhstan", "South Kazakhstan Region", "SKZ", 6, 1300, 1_450_000, 0.80, 0.86, 0.6, 1.05, Ndjson),
    region("west_kazakhstan", "West Kazakhstan Region", "WKZ", 5, 440, 400_000, 0.76, 0.80, 1.0, 1.0, Ndjson),
    region("astana", "Astana", "AST", 6, 300, 480_000, 0.66, 0.76, 1.6, 1.3, Ndjson),
    region("almaty", "Almaty", "ALA", 6, 490, 900_000, 0.55, 0.72, 2.0, 1.35, Ndjson),
];

pub(crate) static MAJILIS_2012: ProfileSpec = ProfileSpec {
    key: "majilis-2012",
    id: "kz-2012-majilis",
    name: "Kazakhstan Majilis election 2012",
    contest: Contest::PartyList { seats: 98, threshold: 0.07 },
    date: date!(2012 - 01 - 15),
    polls_close: time!(20:00),
    registered: 9_303_693,
    turnout_bp: 7545,
    valid: ValidVotes::InvalidShare(0.012),
    candidates: &MAJILIS_2012_PARTIES,
    regions: &MAJILIS_2012_REGIONS,
    abroad: &[],
};
