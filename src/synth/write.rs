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

use crate::feed::Timestamp;
use crate::feed::manifest::{self, CandidateInfo, Manifest, RegionInfo};
use crate::feed::write::{self, ReportOut};

use super::feed::{Feed, Report};
use super::profile::{Contest, FileFormat};

/// Name of the manifest at the feed's root.
pub const MANIFEST: &str = "election.json";
/// Reports per `batch-NNN.json` file.
pub const BATCH_SIZE: usize = 200;

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
/// A generated report as the format writes it (feed::write, the one writer of reports).
fn record<'a>(feed: &'a Feed, report: &'a Report) -> ReportOut<'a> {
    let precinct = &feed.precincts[report.precinct];
    ReportOut {
        precinct: &precinct.id,
        region: Some(feed.spec.regions[precinct.region].id),
        reported_at: Some(Timestamp::from(report.reported_at)),
        revision: report.revision,
        registered: precinct.registered,
        ballots: report.count.ballots,
        invalid: report.count.invalid,
        issued: None,
        votes: feed.spec.candidates.iter().map(|c| c.id).zip(report.count.votes.iter().copied()).collect(),
    }
}

/// One report as a line of NDJSON, newline included.
pub fn ndjson_line(feed: &Feed, report: &Report) -> String {
    record(feed, report).ndjson_line()
}

/// The full contents of a report file holding `reports` (in order).
pub fn render_file(feed: &Feed, format: FileFormat, reports: &[&Report]) -> Result<Vec<u8>> {
    let records = || reports.iter().map(|report| record(feed, report));
    Ok(match format {
        FileFormat::Ndjson => records().map(|r| r.ndjson_line()).collect::<String>().into_bytes(),
        FileFormat::JsonBatch => write::json_array(&records().collect::<Vec<_>>()).into_bytes(),
        FileFormat::JsonSingle => {
            ensure!(reports.len() == 1, "a single-report file holds exactly one report");
            record(feed, reports[0]).json_file().into_bytes()
        }
        FileFormat::Csv => {
            let candidates: Vec<&str> = feed.spec.candidates.iter().map(|c| c.id).collect();
            let mut table = csv::Writer::from_writer(Vec::new());
            table.write_record(write::csv_header(&candidates))?;
            for r in records() {
                table.write_record(r.csv_row(&candidates))?;
            }
            table.into_inner().context("finishing a CSV table")?
        }
    })
}

/// The contents of `election.json`, written by the feed's own manifest type.
pub fn render_manifest(feed: &Feed) -> Result<Vec<u8>> {
    let spec = feed.spec;
    let (contest, majority, seats, threshold) = match spec.contest {
        Contest::SingleWinner { majority } => (manifest::Contest::SingleWinner, Some(majority), None, None),
        Contest::PartyList { seats, threshold } => (manifest::Contest::PartyList, None, Some(seats), Some(threshold)),
    };
    let manifest = Manifest {
        id: spec.id.to_string(),
        name: Some(spec.name.to_string()),
        contest,
        majority,
        seats,
        threshold,
        date: Some(spec.date.to_string()),
        polls_close: Some(format!("{:02}:{:02}", spec.polls_close.hour(), spec.polls_close.minute())),
        synthetic: Some(true),
        note: Some(feed.note.clone()),
        candidates: spec
            .candidates
            .iter()
            .map(|c| CandidateInfo {
                id: c.id.to_string(),
                name: Some(c.name.to_string()),
                party: Some(c.party.to_string()),
                color: Some(c.color.to_string()),
            })
            .collect(),
        regions: spec
            .regions
            .iter()
            .zip(&feed.regions)
            .map(|(region, tally)| RegionInfo {
                id: region.id.to_string(),
                name: Some(region.name.to_string()),
                utc_offset: Some(format!("{:+03}:00", region.utc_offset_hours)),
                polls_close: None,
                precincts: Some(tally.precincts as u64),
                registered: Some(tally.registered),
                statistics: region.abroad.then_some(false),
            })
            .collect(),
        csv: None,
        forensics: None,
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
