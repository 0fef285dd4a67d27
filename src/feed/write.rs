//! The one writer of the report format (docs/FEED-FORMAT.md): the generator's files (`synth`)
//! and the reports kept in recordings (`watch --record`) are written here, field for field as
//! the readers of this folder take them back, so what votewatch writes it can always read.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::report::Name;
use super::{Manifest, Report, Timestamp};

/// The fixed leading CSV columns; one column per candidate id follows.
pub const CSV_COLUMNS: [&str; 7] =
    ["precinct", "region", "reported_at", "revision", "registered", "ballots", "invalid"];

/// One report as it is written: ids (not places in a manifest), counts as integers, the time in
/// RFC 3339 with the offset it was given in. Fields in the order of the format's docs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportOut<'a> {
    pub precinct: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339")]
    pub reported_at: Option<Timestamp>,
    pub revision: u32,
    pub registered: u64,
    pub ballots: u64,
    pub invalid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<u64>,
    #[serde(serialize_with = "in_order")]
    pub votes: Vec<(&'a str, u64)>,
}

fn rfc3339<S: Serializer>(t: &Option<Timestamp>, serializer: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serializer.serialize_str(&t.to_rfc3339()),
        None => serializer.serialize_none(),
    }
}

/// Votes as an object keyed by candidate id, in the order given.
fn in_order<S: Serializer>(votes: &[(&str, u64)], serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(votes.len()))?;
    for (candidate, count) in votes {
        map.serialize_entry(candidate, count)?;
    }
    map.end()
}

impl<'a> ReportOut<'a> {
    /// A report as read, written back with the ids of `manifest` (the one it was read under)
    /// for the candidates and region it names by place.
    pub fn of(report: &'a Report, manifest: Option<&'a Manifest>) -> ReportOut<'a> {
        let candidate = |i: usize| manifest.and_then(|m| m.candidates.get(i)).map(|c| c.id.as_str());
        let region = |i: usize| manifest.and_then(|m| m.regions.get(i)).map(|r| r.id.as_str());
        ReportOut {
            precinct: &report.precinct,
            region: report.region.as_ref().map(|n| id(n, region)),
            reported_at: report.reported_at,
            revision: report.revision,
            registered: report.registered.into(),
            ballots: report.ballots.into(),
            invalid: report.invalid.into(),
            issued: report.issued.map(u64::from),
            votes: report.votes.iter().map(|(c, n)| (id(c, candidate), u64::from(*n))).collect(),
        }
    }

    /// One line of NDJSON, newline included.
    pub fn ndjson_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("a report always serialises");
        line.push('\n');
        line
    }

    /// A file of one report (pretty-printed, as a person would save it).
    pub fn json_file(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a report always serialises");
        out.push('\n');
        out
    }

    /// A CSV row under [`csv_header`] with `candidates` (votes of a candidate not named: 0).
    /// Ballots issued have no fixed column (a manifest's CSV mapping can name one).
    pub fn csv_row(&self, candidates: &[&str]) -> Vec<String> {
        let mut row = vec![
            self.precinct.to_string(),
            self.region.unwrap_or_default().to_string(),
            self.reported_at.map(Timestamp::to_rfc3339).unwrap_or_default(),
            self.revision.to_string(),
            self.registered.to_string(),
            self.ballots.to_string(),
            self.invalid.to_string(),
        ];
        let votes = |c: &str| self.votes.iter().find(|(id, _)| *id == c).map_or(0, |(_, n)| *n);
        row.extend(candidates.iter().map(|c| votes(c).to_string()));
        row
    }
}

/// A file of reports as a JSON array, one report per line.
pub fn json_array(reports: &[ReportOut]) -> String {
    let items: Vec<String> =
        reports.iter().map(|r| serde_json::to_string(r).expect("a report always serialises")).collect();
    format!("[\n{}\n]\n", items.join(",\n"))
}

/// The header of a CSV file of reports with these candidates' columns.
pub fn csv_header<'c>(candidates: &[&'c str]) -> Vec<&'c str> {
    CSV_COLUMNS.iter().copied().chain(candidates.iter().copied()).collect()
}

fn id<'a>(name: &'a Name, listed: impl Fn(usize) -> Option<&'a str>) -> &'a str {
    match name {
        Name::Listed(i) => listed(*i as usize).unwrap_or_default(),
        Name::Named(s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::schema::Schema;

    fn read_back(line: &str) -> Report {
        let schema = Schema::default();
        crate::feed::report::parse_json_report(line.as_bytes(), &schema).expect("written reports read back")
    }

    #[test]
    fn what_is_written_reads_back_the_same_issued_and_all() {
        let report = Report {
            precinct: "P\u{00e9}-1".into(),
            region: Some(Name::Named("north".into())),
            reported_at: Timestamp::parse("2022-11-20T20:15:03+06:00"),
            revision: 2,
            registered: 1000,
            ballots: 640,
            invalid: 12,
            issued: Some(651),
            votes: vec![(Name::Named("b".into()), 400), (Name::Named("a".into()), 228)],
        };
        let out = ReportOut::of(&report, None);
        let line = out.ndjson_line();
        assert_eq!(
            line,
            "{\"precinct\":\"P\u{00e9}-1\",\"region\":\"north\",\"reported_at\":\"2022-11-20T20:15:03+06:00\",\
             \"revision\":2,\"registered\":1000,\"ballots\":640,\"invalid\":12,\"issued\":651,\
             \"votes\":{\"b\":400,\"a\":228}}\n"
        );
        assert_eq!(read_back(&line), report);
        assert_eq!(read_back(&out.json_file()), report);
        assert_eq!(out.csv_row(&["a", "b", "c"])[7..], ["228", "400", "0"]);
    }

    #[test]
    fn places_in_the_manifest_are_written_as_its_ids() {
        let manifest: Manifest = serde_json::from_str(
            r#"{"id":"e","candidates":[{"id":"x"},{"id":"y"}],"regions":[{"id":"r1"},{"id":"r2"}]}"#,
        )
        .unwrap();
        let report = Report {
            precinct: "1".into(),
            region: Some(Name::Listed(1)),
            reported_at: None,
            revision: 1,
            registered: 10,
            ballots: 5,
            invalid: 0,
            issued: None,
            votes: vec![(Name::Listed(1), 3), (Name::Listed(0), 2)],
        };
        let line = ReportOut::of(&report, Some(&manifest)).ndjson_line();
        assert_eq!(
            line,
            "{\"precinct\":\"1\",\"region\":\"r2\",\"revision\":1,\"registered\":10,\"ballots\":5,\"invalid\":0,\
             \"votes\":{\"y\":3,\"x\":2}}\n"
        );
    }
}
