//! The profile of Kazakhstan's early presidential election of 20 November 2022: the official
//! national figures (turnout 69.44%, Tokayev 6,456,392 votes = 81.31%), 17 oblasts, 3 cities and
//! the stations abroad. Regional figures are weights (see [`super::profile`]).

use time::macros::{date, time};

use super::profile::{
    AbroadCountry, CandidateSpec, Contest, Csv, JsonBatch, Ndjson, ProfileSpec, RegionSpec, ValidVotes, abroad,
    candidate, country, region,
};

static KZ_2022_CANDIDATES: [CandidateSpec; 7] = [
    candidate("tokayev", "Kassym-Jomart Tokayev", "Independent (backed by Amanat)", "#1f77b4", 8131, false),
    candidate("dairabayev", "Zhiguli Dairabayev", "Auyl", "#2ca02c", 342, false),
    candidate("abden", "Karakat Abden", "National Alliance of Professional Social Workers", "#e377c2", 260, false),
    candidate("kazhyken", "Meiram Kazhyken", "Amanat trade-union coalition", "#ff7f0e", 253, false),
    candidate("auesbayev", "Nurlan Auesbayev", "National Social Democratic Party", "#d62728", 222, true),
    candidate("tursynbekova", "Saltanat Tursynbekova", "Kazakhstan Women's Initiative", "#9467bd", 212, false),
    candidate("against_all", "Against all", "", "#7f7f7f", 580, true),
];

/// 17 oblasts, 3 cities of republican significance and the stations abroad (10,262 + 68).
#[rustfmt::skip]
static KZ_2022_REGIONS: [RegionSpec; 21] = [
    region("abai", "Abai Region", "ABA", 6, 480, 420_000, 0.77, 0.82, 1.0, 1.0, Ndjson),
    region("akmola", "Akmola Region", "AKM", 6, 600, 520_000, 0.79, 0.80, 1.0, 0.95, Ndjson),
    region("aktobe", "Aktobe Region", "AKT", 5, 472, 560_000, 0.73, 0.82, 1.0, 1.0, Ndjson),
    region("almaty_region", "Almaty Region", "ALR", 6, 760, 930_000, 0.72, 0.84, 0.8, 1.0, Ndjson),
    region("atyrau", "Atyrau Region", "ATY", 5, 300, 400_000, 0.70, 0.84, 0.9, 1.0, Ndjson),
    region("east_kazakhstan", "East Kazakhstan Region", "EKZ", 6, 600, 520_000, 0.74, 0.79, 1.2, 1.05, Ndjson),
    region("jambyl", "Jambyl Region", "JAM", 6, 500, 680_000, 0.76, 0.86, 0.7, 1.0, Ndjson),
    region("jetisu", "Jetisu Region", "JET", 6, 440, 460_000, 0.78, 0.85, 0.8, 0.95, Ndjson),
    region("karaganda", "Karaganda Region", "KAR", 6, 700, 800_000, 0.71, 0.78, 1.3, 1.15, Csv),
    region("kostanay", "Kostanay Region", "KOS", 6, 560, 580_000, 0.79, 0.80, 1.0, 1.0, JsonBatch),
    region("kyzylorda", "Kyzylorda Region", "KZO", 5, 360, 480_000, 0.82, 0.88, 0.6, 0.95, Ndjson),
    region("mangystau", "Mangystau Region", "MAN", 5, 280, 450_000, 0.67, 0.83, 1.1, 1.05, Ndjson),
    region("north_kazakhstan", "North Kazakhstan Region", "NKZ", 6, 480, 400_000, 0.84, 0.79, 1.0, 0.9, Ndjson),
    region("pavlodar", "Pavlodar Region", "PAV", 6, 460, 500_000, 0.75, 0.78, 1.2, 1.05, Csv),
    region("turkistan", "Turkistan Region", "TUR", 6, 1000, 1_250_000, 0.81, 0.89, 0.5, 1.0, Ndjson),
    region("ulytau", "Ulytau Region", "ULY", 6, 150, 150_000, 0.80, 0.82, 1.0, 0.9, Ndjson),
    region("west_kazakhstan", "West Kazakhstan Region", "WKZ", 5, 420, 420_000, 0.75, 0.81, 1.0, 1.0, Ndjson),
    region("astana", "Astana", "AST", 6, 520, 850_000, 0.66, 0.74, 1.8, 1.3, Ndjson),
    region("almaty", "Almaty", "ALA", 6, 760, 1_300_000, 0.46, 0.71, 2.2, 1.35, Ndjson),
    region("shymkent", "Shymkent", "SHY", 6, 420, 690_000, 0.74, 0.88, 0.6, 1.2, Ndjson),
    abroad(68, 25_000, 0.60, 0.76, 1.6),
];

/// 68 stations in 53 countries.
pub(crate) static KZ_2022_ABROAD: [AbroadCountry; 53] = [
    country("RU", 180, 6),
    country("US", -300, 3),
    country("CN", 480, 3),
    country("DE", 60, 2),
    country("TR", 180, 2),
    country("UZ", 300, 2),
    country("KG", 360, 2),
    country("AE", 240, 2),
    country("GB", 0, 2),
    country("FR", 60, 1),
    country("IT", 60, 1),
    country("ES", 60, 1),
    country("NL", 60, 1),
    country("BE", 60, 1),
    country("AT", 60, 1),
    country("CH", 60, 1),
    country("PL", 60, 1),
    country("CZ", 60, 1),
    country("HU", 60, 1),
    country("RO", 120, 1),
    country("BG", 120, 1),
    country("GR", 120, 1),
    country("SE", 60, 1),
    country("FI", 120, 1),
    country("NO", 60, 1),
    country("DK", 60, 1),
    country("LT", 120, 1),
    country("LV", 120, 1),
    country("EE", 120, 1),
    country("BY", 180, 1),
    country("UA", 120, 1),
    country("MD", 120, 1),
    country("GE", 240, 1),
    country("AM", 240, 1),
    country("AZ", 240, 1),
    country("TJ", 300, 1),
    country("TM", 300, 1),
    country("MN", 480, 1),
    country("KR", 540, 1),
    country("JP", 540, 1),
    country("IN", 330, 1),
    country("PK", 300, 1),
    country("IR", 210, 1),
    country("IL", 120, 1),
    country("EG", 120, 1),
    country("SA", 180, 1),
    country("QA", 180, 1),
    country("KW", 180, 1),
    country("MY", 480, 1),
    country("SG", 480, 1),
    country("TH", 420, 1),
    country("CA", -300, 1),
    country("AU", 660, 1),
];

pub(crate) static KZ_2022: ProfileSpec = ProfileSpec {
    key: "kz-2022",
    id: "kz-2022-presidential",
    name: "Kazakhstan early presidential election 2022",
    contest: Contest::SingleWinner { majority: 0.5 },
    date: date!(2022 - 11 - 20),
    polls_close: time!(20:00),
    registered: 11_950_485,
    turnout_bp: 6944,
    valid: ValidVotes::Anchor { candidate: 0, votes: 6_456_392 },
    candidates: &KZ_2022_CANDIDATES,
    regions: &KZ_2022_REGIONS,
    abroad: &KZ_2022_ABROAD,
};
