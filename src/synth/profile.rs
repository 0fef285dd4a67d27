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
            Profile::Kz2022 => &super::kz2022::KZ_2022,
            Profile::Majilis2012 => &super::majilis2012::MAJILIS_2012,
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

pub(crate) const fn country(iso: &'static str, utc_offset_minutes: i32, stations: usize) -> AbroadCountry {
    AbroadCountry { iso, utc_offset_minutes, stations }
}

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
        assert_eq!(Profile::Kz2022.spec().total_precincts(), 10_330);
        assert_eq!(super::super::kz2022::KZ_2022_ABROAD.len(), 53);
        assert_eq!(Profile::Majilis2012.spec().total_precincts(), 9_700);
        assert_eq!(Profile::Kz2019.spec().total_precincts(), 9_968);
    }
}
