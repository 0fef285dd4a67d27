//! The election manifest (`election.json` at the root of a feed): contest, candidates, regions,
//! poll closing times and an optional mapping for commission CSV headers.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The file name of the manifest at a feed's root.
pub const MANIFEST_FILE: &str = "election.json";

/// The kind of contest: decides majority lines, thresholds and seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Contest {
    #[default]
    SingleWinner,
    PartyList,
}

impl Contest {
    pub fn as_str(self) -> &'static str {
        match self {
            Contest::SingleWinner => "single-winner",
            Contest::PartyList => "party-list",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CandidateInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegionInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polls_close: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precincts: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<u64>,
    /// `false` for stations whose numbers honestly differ from the rest (abroad, where lists
    /// are made on the day; closed institutions): counted, but left out of every statistical
    /// test (docs/ANOMALIES.md). Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<bool>,
}

/// One field of a CSV mapping: a single column, or several (joined for ids, summed for counts).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Columns {
    One(String),
    Many(Vec<String>),
}

impl Columns {
    pub fn names(&self) -> &[String] {
        match self {
            Columns::One(s) => std::slice::from_ref(s),
            Columns::Many(v) => v,
        }
    }
}

/// How to read a commission CSV whose headers are its own.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precinct: Option<Columns>,
    /// Joins the columns of a composed precinct id (default "/").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precinct_separator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Columns>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_at: Option<Columns>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<Columns>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<Columns>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ballots: Option<Columns>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<Columns>,
    /// Ballots issued to voters (summed over several columns, e.g. early, in the station and
    /// outside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<Columns>,
    /// Candidate id -> column(s) holding its votes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidates: Option<HashMap<String, Columns>>,
    /// Field delimiter, one ASCII character (default ",").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub contest: Contest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub majority: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polls_close: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub candidates: Vec<CandidateInfo>,
    #[serde(default)]
    pub regions: Vec<RegionInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<CsvMapping>,
    /// Overrides of the statistical thresholds (docs/ANOMALIES.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forensics: Option<super::thresholds::Thresholds>,
}

impl Manifest {
    /// Reads and checks a manifest; the error names the file and the reason.
    pub fn load(path: &Path) -> Result<Manifest> {
        let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        Self::from_slice(&bytes).with_context(|| format!("{}", path.display()))
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Manifest> {
        let m: Manifest = serde_json::from_slice(bytes)
            .map_err(|e| anyhow::anyhow!("not a valid manifest: {}", crate::feed::wellformed::json_error_text(&e)))?;
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for c in &self.candidates {
            crate::feed::report::check_id("candidate id", &c.id).map_err(anyhow::Error::msg)?;
            if !seen.insert(c.id.as_str()) {
                bail!("candidate id {} is listed twice", crate::text::quote(&c.id, 60));
            }
        }
        // A name is how people (and commission CSV headers) tell candidates apart: it must
        // name one candidate only.
        let ids: std::collections::HashSet<&str> = self.candidates.iter().map(|c| c.id.as_str()).collect();
        let mut names = std::collections::HashMap::new();
        for c in &self.candidates {
            let Some(name) = c.name.as_deref() else { continue };
            if let Some(other) = names.insert(name, c.id.as_str()) {
                bail!(
                    "candidates {} and {} have the same name {}",
                    crate::text::quote(other, 60),
                    crate::text::quote(&c.id, 60),
                    crate::text::quote(name, 60)
                );
            }
            if name != c.id && ids.contains(name) {
                bail!(
                    "candidate {} is named {}, which is another candidate's id",
                    crate::text::quote(&c.id, 60),
                    crate::text::quote(name, 60)
                );
            }
        }
        seen.clear();
        for r in &self.regions {
            crate::feed::report::check_id("region id", &r.id).map_err(anyhow::Error::msg)?;
            if !seen.insert(r.id.as_str()) {
                bail!("region id {} is listed twice", crate::text::quote(&r.id, 60));
            }
            if let Some(o) = &r.utc_offset {
                parse_offset(o).with_context(|| format!("region {}", crate::text::quote(&r.id, 60)))?;
            }
            if let Some(t) = &r.polls_close {
                parse_clock(t).with_context(|| format!("region {}", crate::text::quote(&r.id, 60)))?;
            }
        }
        // A report may name its region by name: a name must name one region only.
        let mut names = std::collections::HashMap::new();
        for r in &self.regions {
            let Some(name) = r.name.as_deref() else { continue };
            if let Some(other) = names.insert(name, r.id.as_str()) {
                bail!(
                    "regions {} and {} have the same name {}",
                    crate::text::quote(other, 60),
                    crate::text::quote(&r.id, 60),
                    crate::text::quote(name, 60)
                );
            }
        }
        if let Some(d) = &self.date {
            parse_date(d)?;
        }
        if let Some(t) = &self.polls_close {
            parse_clock(t)?;
        }
        for (name, v) in [("majority", self.majority), ("threshold", self.threshold)] {
            if let Some(v) = v
                && !(0.0..=1.0).contains(&v)
            {
                bail!("{name} must be a fraction between 0 and 1, got {v}");
            }
        }
        if let Some(t) = &self.forensics {
            t.check().map_err(anyhow::Error::msg)?;
        }
        if self.contest == Contest::PartyList && self.seats.is_none() {
            bail!("a party-list contest needs \"seats\"");
        }
        if let Some(csv) = &self.csv
            && let Some(d) = &csv.delimiter
            && (d.len() != 1 || !d.is_ascii())
        {
            bail!("csv.delimiter must be one ASCII character, got {}", crate::text::quote(d, 20));
        }
        Ok(())
    }

    /// The moment polls close in a region, if the manifest says enough to know it.
    pub fn polls_close_in(&self, region: &RegionInfo) -> Option<OffsetDateTime> {
        let date = parse_date(self.date.as_deref()?).ok()?;
        let clock = region.polls_close.as_deref().or(self.polls_close.as_deref())?;
        let clock = parse_clock(clock).ok()?;
        let offset = parse_offset(region.utc_offset.as_deref()?).ok()?;
        Some(PrimitiveDateTime::new(date, clock).assume_offset(offset))
    }
}

fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| anyhow::anyhow!("date {} is not of the form YYYY-MM-DD", crate::text::quote(s, 40)))
}

fn parse_clock(s: &str) -> Result<Time> {
    Time::parse(s, time::macros::format_description!("[hour]:[minute]"))
        .map_err(|_| anyhow::anyhow!("polls_close {} is not of the form HH:MM", crate::text::quote(s, 40)))
}

/// Parses "+06:00", "-03:30" or "Z".
pub fn parse_offset(s: &str) -> Result<UtcOffset> {
    if s == "Z" || s == "z" {
        return Ok(UtcOffset::UTC);
    }
    UtcOffset::parse(s, time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]"))
        .map_err(|_| anyhow::anyhow!("utc_offset {} is not of the form +HH:MM", crate::text::quote(s, 40)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_close_uses_region_offset_and_override() {
        let m = Manifest::from_slice(
            br#"{"id":"x","date":"2022-11-20","polls_close":"20:00",
            "regions":[{"id":"a","utc_offset":"+05:00"},{"id":"b","utc_offset":"+06:00","polls_close":"21:30"},{"id":"c"}]}"#,
        )
        .unwrap();
        let a = m.polls_close_in(&m.regions[0]).unwrap();
        assert_eq!(a.unix_timestamp(), 1668956400); // 2022-11-20T15:00:00Z
        let b = m.polls_close_in(&m.regions[1]).unwrap();
        assert_eq!(b.unix_timestamp(), 1668958200); // 2022-11-20T15:30:00Z
        assert!(m.polls_close_in(&m.regions[2]).is_none());
    }

    #[test]
    fn rejects_bad_manifests_with_reasons() {
        let cases: &[(&str, &str)] = &[
            (r#"{"id":"x","candidates":[{"id":"a"},{"id":"a"}]}"#, "listed twice"),
            (
                r#"{"id":"x","candidates":[{"id":"a","name":"Same"},{"id":"b","name":"Same"}]}"#,
                "have the same name \"Same\"",
            ),
            (r#"{"id":"x","candidates":[{"id":"a"},{"id":"b","name":"a"}]}"#, "which is another candidate's id"),
            (r#"{"id":"x","regions":[{"id":"r","name":"N"},{"id":"s","name":"N"}]}"#, "have the same name \"N\""),
            (r#"{"id":"x","candidates":[{"id":"a\u202eb"}]}"#, "invisible or text-direction character"),
            (r#"{"id":"x","regions":[{"id":"r","utc_offset":"6"}]}"#, "utc_offset"),
            (r#"{"id":"x","date":"20.11.2022"}"#, "YYYY-MM-DD"),
            (r#"{"id":"x","contest":"party-list"}"#, "seats"),
            (r#"{"id":"x","majority":50}"#, "fraction"),
            (r#"{"id":"x","contest":"ranked"}"#, "not a valid manifest"),
            (r#"{"name":"no id"}"#, "missing field `id`"),
        ];
        for (text, want) in cases {
            let err = format!("{:#}", Manifest::from_slice(text.as_bytes()).unwrap_err());
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
