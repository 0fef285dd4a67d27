//! Election profiles: the static description of each real election the generator imitates.
//!
//! A profile holds the official national figures (registered voters, turnout, vote shares) that
//! a generated feed must reproduce, plus the plausible regional structure (precinct counts,
//! electorate sizes, turnout and political tilts) used to spread those totals over precincts.
//! Regional figures are weights, not official data: the generator scales them so the national
//! sums come out exact.

use std::fmt;
use std::str::FromStr;

use anyhow::bail;
use time::macros::{date, time};
use time::{Date, Time};

/// Which real election a synthetic feed imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Kazakhstan early presidential election, 20 November 2022 (single-winner).
    Kz2022,
    /// Kazakhstan Majilis (lower house) election, 15 January 2012 (party-list, 98 seats).
    Majilis2012,
    /// Kazakhstan early presidential election, 9 June 2019 (single-winner), in the regions of
    /// the time; its station ids are the 2022 profile's where a station exists in both.
    Kz2019,
}

impl Profile {
    /// Every profile, in a stable order.
    pub const ALL: [Profile; 3] = [Profile::Kz2022, Profile::Majilis2012, Profile::Kz2019];

    /// The profile's command-line name, e.g. `kz-2022`.
    pub fn as_str(self) -> &'static str {
        self.spec().key
    }

    /// The static description of the election.
    pub(crate) fn spec(self) -> &'static ProfileSpec {
        match self {
            Profile::Kz2022 => &KZ_2022,
            Profile::Majilis2012 => &MAJILIS_2012,
            Profile::Kz2019 => &super::kz2019::KZ_2019,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        match Profile::ALL.into_iter().find(|p| p.as_str() == s) {
            Some(profile) => Ok(profile),
            None => {
                let known: Vec<&str> = Profile::ALL.iter().map(|p| p.as_str()).collect();
                bail!("unknown profile {s:?} (known: {})", known.join(", "))
            }
        }
    }
}

/// How the winner(s) of a contest are determined; written into the manifest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Contest {
    /// One winner; `majority` is the share of valid votes needed to win outright.
    SingleWinner { majority: f64 },
    /// Proportional party lists: `seats` list seats, parties need `threshold` of valid votes.
    PartyList { seats: u32, threshold: f64 },
}

/// How the official number of valid votes is pinned down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ValidVotes {
    /// One candidate's official vote count is known exactly; the valid total is chosen so that
    /// this count yields the candidate's official share.
    Anchor { candidate: usize, votes: u64 },
    /// Invalid ballots are this share of all ballots cast.
    InvalidShare(f64),
    /// Every official figure is known: ballots cast and each candidate's votes (the invalid
    /// ballots are the difference).
    Exact { ballots: u64, votes: &'static [u64] },
}

/// The file format a region's reports are published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FileFormat {
    /// One growing `<region>.ndjson` log, one report per line.
    Ndjson,
    /// One `<region>.csv` table, one report per row.
    Csv,
    /// `batch-NNN.json` files, each a JSON array of reports.
    JsonBatch,
    /// One `.json` file per report.
    JsonSingle,
}

/// A candidate (or party list, or "against all").
#[derive(Debug)]
pub(crate) struct CandidateSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub party: &'static str,
    pub color: &'static str,
    /// Official national share of valid votes in hundredths of a percent (8131 = 81.31%).
    pub share_bp: u64,
    /// Whether the candidate's support grows with a region's `protest` factor.
    pub protest: bool,
}

/// A region and the plausible figures used to shape its synthetic results.
#[derive(Debug)]
pub(crate) struct RegionSpec {
    pub id: &'static str,
    pub name: &'static str,
    /// Prefix of the region's precinct ids, e.g. `AST` for `AST-0042`.
    pub code: &'static str,
    /// Hours ahead of UTC.
    pub utc_offset_hours: i8,
    /// Number of polling stations in the real election.
    pub precincts: usize,
    /// Approximate registered voters (a weight; scaled to the exact national total).
    pub registered: u64,
    /// Typical turnout before national calibration.
    pub turnout: f64,
    /// Typical share of valid votes for the leading candidate before national calibration.
    pub leader_share: f64,
    /// Multiplier on the support of protest candidates (1.0 = national average).
    pub protest: f64,
    /// Multiplier on counting time (big-city precincts report later).
    pub urban: f64,
    pub format: FileFormat,
    /// Stations abroad: ids come from [`ProfileSpec::abroad`] instead of `code`.
    pub abroad: bool,
    /// Blocks of station ids when the region holds stations numbered under several codes
    /// (code, stations): a region later split keeps its parts' numbering. Empty: all `code`.
    pub parts: &'static [(&'static str, usize)],
}

/// A foreign country hosting polling stations.
#[derive(Debug)]
pub(crate) struct AbroadCountry {
    /// ISO 3166-1 alpha-2 code, used in station ids (`ABR-US-01`).
    pub iso: &'static str,
    /// The country's UTC offset in minutes on election day (its stations close at 20:00 local).
    pub utc_offset_minutes: i32,
    /// Number of stations in the real election.
    pub stations: usize,
}

/// Everything the generator knows about one election.
#[derive(Debug)]
pub(crate) struct ProfileSpec {
    /// Command-line name, e.g. `kz-2022`.
    pub key: &'static str,
    /// Manifest id, e.g. `kz-2022-presidential`.
    pub id: &'static str,
    pub name: &'static str,
    pub contest: Contest,
    pub date: Date,
    pub polls_close: Time,
    /// Official registered voters.
    pub registered: u64,
    /// Official turnout (ballots / registered) in hundredths of a percent.
    pub turnout_bp: u64,
    pub valid: ValidVotes,
    /// Candidates, the leader first.
    pub candidates: &'static [CandidateSpec],
    pub regions: &'static [RegionSpec],
    /// Countries with stations abroad (empty when the profile has no abroad region).
    pub abroad: &'static [AbroadCountry],
}

impl ProfileSpec {
    /// The real number of polling stations (the default precinct count).
    pub fn total_precincts(&self) -> usize {
        self.regions.iter().map(|r| r.precincts).sum()
    }

    /// Index of the candidate with the largest official share.
    pub fn leader(&self) -> usize {
        self.candidates
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (c.share_bp, std::cmp::Reverse(*i)))
            .map_or(0, |(i, _)| i)
    }
}

/// A domestic region. Table columns: id, name, precinct-id code, UTC offset (hours), real
/// number of stations, registered voters (weight), turnout, leader's share, protest factor,
/// counting pace, file format.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn region(
    id: &'static str,
    name: &'static str,
    code: &'static str,
    utc_offset_hours: i8,
    precincts: usize,
    registered: u64,
    turnout: f64,
    leader_share: f64,
    protest: f64,
    urban: f64,
    format: FileFormat,
) -> RegionSpec {
    RegionSpec {
        id,
        name,
        code,
        utc_offset_hours,
        precincts,
        registered,
        turnout,
        leader_share,
        protest,
        urban,
        format,
        abroad: false,
        parts: &[],
    }
}

/// The stations abroad (ids from [`ProfileSpec::abroad`]), reporting on Astana time. Columns as
/// for [`region`].
pub(crate) const fn abroad(
    precincts: usize,
    registered: u64,
    turnout: f64,
    leader_share: f64,
    protest: f64,
) -> RegionSpec {
    RegionSpec {
        abroad: true,
        format: JsonSingle,
        ..region("abroad", "Abroad", "ABR", 6, precincts, registered, turnout, leader_share, protest, 1.0, JsonSingle)
    }
}

pub(crate) const fn candidate(
    id: &'static str,
    name: &'static str,
    party: &'static str,
    color: &'static str,
    share_bp: u64,
    protest: bool,
) -> CandidateSpec {
    CandidateSpec { id, name, party, color, share_bp, protest }
}

pub(crate) use FileFormat::{Csv, JsonBatch, JsonSingle, Ndjson};

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

pub(crate) const fn country(iso: &'static str, utc_offset_minutes: i32, stations: usize) -> AbroadCountry {
    AbroadCountry { iso, utc_offset_minutes, stations }
}

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

static KZ_2022: ProfileSpec = ProfileSpec {
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

static MAJILIS_2012: ProfileSpec = ProfileSpec {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_by_name_and_reject_unknown() {
        for profile in Profile::ALL {
            assert_eq!(profile.to_string().parse::<Profile>().unwrap(), profile);
        }
        assert_eq!("kz-2022".parse::<Profile>().unwrap(), Profile::Kz2022);
        assert_eq!("majilis-2012".parse::<Profile>().unwrap(), Profile::Majilis2012);
        assert_eq!("kz-2019".parse::<Profile>().unwrap(), Profile::Kz2019);
        assert!("kz-2023".parse::<Profile>().is_err());
    }

    #[test]
    fn profile_tables_are_consistent() {
        for profile in Profile::ALL {
            let spec = profile.spec();
            let shares: u64 = spec.candidates.iter().map(|c| c.share_bp).sum();
            assert_eq!(shares, 10_000, "{profile}: shares must sum to 100%");
            assert_eq!(spec.leader(), 0, "{profile}: leader listed first");
            let ids: std::collections::HashSet<&str> = spec.regions.iter().map(|r| r.id).collect();
            let codes: std::collections::HashSet<&str> = spec.regions.iter().map(|r| r.code).collect();
            assert_eq!(ids.len(), spec.regions.len(), "{profile}: region ids unique");
            assert_eq!(codes.len(), spec.regions.len(), "{profile}: region codes unique");
            let abroad_regions = spec.regions.iter().filter(|r| r.abroad).count();
            assert_eq!(abroad_regions, usize::from(!spec.abroad.is_empty()));
            for r in spec.regions.iter().filter(|r| !r.parts.is_empty()) {
                assert_eq!(r.parts.iter().map(|p| p.1).sum::<usize>(), r.precincts, "{profile}: {} parts", r.id);
                assert_eq!(r.parts[0].0, r.code, "{profile}: {} numbers its own code first", r.id);
            }
            for r in spec.regions.iter().filter(|r| r.abroad) {
                let stations: usize = spec.abroad.iter().map(|c| c.stations).sum();
                assert_eq!(stations, r.precincts);
            }
        }
        assert_eq!(KZ_2022.total_precincts(), 10_330);
        assert_eq!(KZ_2022_ABROAD.len(), 53);
        assert_eq!(MAJILIS_2012.total_precincts(), 9_700);
        assert_eq!(Profile::Kz2019.spec().total_precincts(), 9_968);
    }
}
