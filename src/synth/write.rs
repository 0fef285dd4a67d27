//! Writing a feed to disk: the manifest, the file layout, and the three report formats.
//!
//! Layout: `election.json` at the root and one folder per region. Each region publishes in
//! the format its profile assigns: a `<region>.ndjson` log, a `<region>.csv` table,
//! `batch-NNN.json` array files of [`BATCH_SIZE`] reports, or one `<precinct>.json` file per
//! report (`<precinct>.rev2.json` for a correction). Within a file, reports are in arrival
//! order. The same rendering serves whole-feed and live writing, so both produce identical
//! bytes.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use time::format_description::well_known::Rfc3339;

use super::feed::{Feed, Report};
use super::profile::{CandidateSpec, Contest, FileFormat};

/// Name of the manifest at the feed's root.
pub const MANIFEST: &str = "election.json";
/// Reports per `batch-NNN.json` file.
pub const BATCH_SIZE: usize = 200;
/// The fixed leading CSV columns; one column per candidate id follows.
const CSV_COLUMNS: [&str; 7] = ["precinct", "region", "reported_at", "revision", "registered", "ballots", "invalid"];

/// Where one report is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Relative to the feed's root.
    pub path: PathBuf,
    pub format: FileFormat,
}

/// The target of every report, indexed like [`Feed::reports`].
pub fn plan(feed: &Feed) -> Vec<Target> {
    let mut arrivals = vec![0usize; feed.spec.regions.len()];
    feed.reports
        .iter()
        .map(|report| {
            let precinct = &feed.precincts[report.precinct];
            let region = &feed.spec.regions[precinct.region];
            let ordinal = arrivals[precinct.region];
            arrivals[precinct.region] += 1;
            let file = match region.format {
                FileFormat::Ndjson => format!("{}.ndjson", region.id),
                FileFormat::Csv => format!("{}.csv", region.id),
                FileFormat::JsonBatch => format!("batch-{:03}.json", ordinal / BATCH_SIZE + 1),
                FileFormat::JsonSingle if report.revision == 1 => format!("{}.json", precinct.id),
                FileFormat::JsonSingle => format!("{}.rev{}.json", precinct.id, report.revision),
            };
            Target { path: Path::new(region.id).join(file), format: region.format }
        })
        .collect()
}

/// A report as serialized: field order follows the feed contract.
#[derive(Serialize)]
struct ReportRecord<'a> {
    precinct: &'a str,
    region: &'a str,
    reported_at: String,
    revision: u32,
    registered: u64,
    ballots: u64,
    invalid: u64,
    votes: Votes<'a>,
}

/// Votes keyed by candidate id, in profile order.
struct Votes<'a> {
    candidates: &'a [CandidateSpec],
    counts: &'a [u64],
}

impl Serialize for Votes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.counts.len()))?;
        for (candidate, count) in self.candidates.iter().zip(self.counts) {
            map.serialize_entry(candidate.id, count)?;
        }
        map.end()
    }
}

fn record<'a>(feed: &'a Feed, report: &'a Report) -> Result<ReportRecord<'a>> {
    let precinct = &feed.precincts[report.precinct];
    Ok(ReportRecord {
        precinct: &precinct.id,
        region: feed.spec.regions[precinct.region].id,
        reported_at: report
            .reported_at
            .format(&Rfc3339)
            .with_context(|| format!("formatting the time of {}", precinct.id))?,
        revision: report.revision,
        registered: precinct.registered,
        ballots: report.count.ballots,
        invalid: report.count.invalid,
        votes: Votes { candidates: feed.spec.candidates, counts: &report.count.votes },
    })
}

/// One report as a line of NDJSON, newline included.
pub fn ndjson_line(feed: &Feed, report: &Report) -> Result<String> {
    let mut line = serde_json::to_string(&record(feed, report)?)?;
    line.push('\n');
    Ok(line)
}

/// The full contents of a report file holding `reports` (in order).
pub fn render_file(feed: &Feed, format: FileFormat, reports: &[&Report]) -> Result<Vec<u8>> {
    match format {
        FileFormat::Ndjson => {
            let mut out = String::new();
            for report in reports {
                out.push_str(&ndjson_line(feed, report)?);
            }
            Ok(out.into_bytes())
        }
        FileFormat::JsonBatch => {
            let items = reports
                .iter()
                .map(|report| Ok(serde_json::to_string(&record(feed, report)?)?))
                .collect::<Result<Vec<String>>>()?;
            Ok(format!("[\n{}\n]\n", items.join(",\n")).into_bytes())
        }
        FileFormat::JsonSingle => {
            ensure!(reports.len() == 1, "a single-report file holds exactly one report");
            let mut out = serde_json::to_string_pretty(&record(feed, reports[0])?)?;
            out.push('\n');
            Ok(out.into_bytes())
        }
        FileFormat::Csv => render_csv(feed, reports),
    }
}

fn render_csv(feed: &Feed, reports: &[&Report]) -> Result<Vec<u8>> {
    let mut table = csv::Writer::from_writer(Vec::new());
    let header = CSV_COLUMNS.iter().copied().chain(feed.spec.candidates.iter().map(|c| c.id));
    table.write_record(header)?;
    for report in reports {
        let r = record(feed, report)?;
        let mut row = vec![
            r.precinct.to_string(),
            r.region.to_string(),
            r.reported_at,
            r.revision.to_string(),
            r.registered.to_string(),
            r.ballots.to_string(),
            r.invalid.to_string(),
        ];
        row.extend(r.votes.counts.iter().map(u64::to_string));
        table.write_record(&row)?;
    }
    table.into_inner().context("finishing a CSV table")
}

#[derive(Serialize)]
struct Manifest<'a> {
    id: &'a str,
    name: &'a str,
    contest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    majority: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seats: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<f64>,
    date: String,
    polls_close: String,
    synthetic: bool,
    note: &'a str,
    candidates: Vec<ManifestCandidate<'a>>,
    regions: Vec<ManifestRegion<'a>>,
}

#[derive(Serialize)]
struct ManifestCandidate<'a> {
    id: &'a str,
    name: &'a str,
    party: &'a str,
    color: &'a str,
}

#[derive(Serialize)]
struct ManifestRegion<'a> {
    id: &'a str,
    name: &'a str,
    utc_offset: String,
    precincts: usize,
    registered: u64,
    /// `Some(false)` abroad: counted, but left out of the statistical tests.
    #[serde(skip_serializing_if = "Option::is_none")]
    statistics: Option<bool>,
}

/// The contents of `election.json`.
pub fn render_manifest(feed: &Feed) -> Result<Vec<u8>> {
    let spec = feed.spec;
    let (contest, majority, seats, threshold) = match spec.contest {
        Contest::SingleWinner { majority } => ("single-winner", Some(majority), None, None),
        Contest::PartyList { seats, threshold } => ("party-list", None, Some(seats), Some(threshold)),
    };
    let manifest = Manifest {
        id: spec.id,
        name: spec.name,
        contest,
        majority,
        seats,
        threshold,
        date: spec.date.to_string(),
        polls_close: format!("{:02}:{:02}", spec.polls_close.hour(), spec.polls_close.minute()),
        synthetic: true,
        note: &feed.note,
        candidates: spec
            .candidates
            .iter()
            .map(|c| ManifestCandidate { id: c.id, name: c.name, party: c.party, color: c.color })
            .collect(),
        regions: spec
            .regions
            .iter()
            .zip(&feed.regions)
            .map(|(region, tally)| ManifestRegion {
                id: region.id,
                name: region.name,
                utc_offset: format!("{:+03}:00", region.utc_offset_hours),
                precincts: tally.precincts,
                registered: tally.registered,
                statistics: region.abroad.then_some(false),
            })
            .collect(),
    };
    let mut out = serde_json::to_vec_pretty(&manifest)?;
    out.push(b'\n');
    Ok(out)
}

/// Creates `out` if it is missing; refuses an existing non-empty directory or a file.
pub fn prepare_output_dir(out: &Path) -> Result<()> {
    if out.exists() {
        ensure!(out.is_dir(), "{} exists and is not a directory", out.display());
        let mut entries = fs::read_dir(out).with_context(|| format!("reading directory {}", out.display()))?;
        ensure!(entries.next().is_none(), "output directory {} is not empty", out.display());
        Ok(())
    } else {
        fs::create_dir_all(out).with_context(|| format!("creating directory {}", out.display()))
    }
}

/// Creates the directory that will hold `path`.
pub fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) => fs::create_dir_all(dir).with_context(|| format!("creating directory {}", dir.display())),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` atomically: to `.<name>.tmp` beside it, then renamed into place,
/// so a reader never sees a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().with_context(|| format!("{} has no file name", path.display()))?;
    let temp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
    fs::write(&temp, bytes).with_context(|| format!("writing {}", temp.display()))?;
    fs::rename(&temp, path).with_context(|| format!("renaming {} to {}", temp.display(), path.display()))
}

/// Writes the whole feed into `out` (which must be empty); returns the number of files.
pub fn write_feed(out: &Path, feed: &Feed) -> Result<usize> {
    prepare_output_dir(out)?;
    let manifest = out.join(MANIFEST);
    fs::write(&manifest, render_manifest(feed)?).with_context(|| format!("writing {}", manifest.display()))?;

    // Group reports by file, keeping files in order of their first report.
    let mut files: Vec<(Target, Vec<&Report>)> = Vec::new();
    let mut index: HashMap<PathBuf, usize> = HashMap::new();
    for (target, report) in plan(feed).into_iter().zip(&feed.reports) {
        let slot = *index.entry(target.path.clone()).or_insert_with(|| {
            files.push((target, Vec::new()));
            files.len() - 1
        });
        files[slot].1.push(report);
    }
    for (target, reports) in &files {
        let path = out.join(&target.path);
        create_parent(&path)?;
        let bytes = render_file(feed, target.format, reports)?;
        fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(files.len() + 1)
}
