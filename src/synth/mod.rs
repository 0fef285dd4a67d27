//! Synthetic election feeds for demos and tests (`votewatch synth`).
//!
//! A generated feed imitates a real election: its precinct figures are invented, but they add
//! up exactly to the official national totals (for the real precinct count), with plausible
//! regional differences, honest sampling noise, staggered overnight reporting, a few corrected
//! reports, and reports spread over every supported file format. The manifest says plainly
//! that the data is synthetic. Output is deterministic for a given seed.
//!
//! - `profile`: the elections that can be imitated (their figures: `kz2022`, `kz2019`,
//!   `majilis2012`);
//! - `totals`: the exact national totals;
//! - `allocate`: exact integer splitting;
//! - `hypergeometric`: the sampler behind the precinct-level split;
//! - `feed`: precincts, counts and reports in memory (`stations`: their ids);
//! - `timing`: when reports arrive;
//! - `write`: file layout and formats;
//! - `live`: real-time publishing;
//! - `gradient`: an honest election with a rural gradient (and optional stuffing), for
//!   validating the statistical flags.

mod allocate;
mod feed;
pub mod gradient;
mod hypergeometric;
mod kz2019;
mod kz2022;
mod live;
mod majilis2012;
pub mod prior;
mod profile;
mod stations;
mod timing;
mod totals;
mod write;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

use feed::{Feed, Report};

pub use profile::Profile;

/// Ballot stuffing planted in one region, for testing forensics: in about 30% of the
/// region's precincts, `round(fraction * (registered - ballots))` extra ballots are added,
/// all for the leading candidate. National totals then no longer match the official ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Stuffing {
    /// Region id as in the manifest, e.g. `shymkent`.
    pub region: String,
    /// Share (0 to 1) of the non-voters of a stuffed precinct turned into ballots.
    pub fraction: f64,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthOptions {
    /// Number of precincts; `None` for the profile's real number (which reproduces the
    /// official totals exactly). Must be at least the number of regions.
    pub precincts: Option<usize>,
    /// Seed of the random generator; the same options always give the same feed.
    pub seed: u64,
    pub profile: Profile,
    pub stuffing: Option<Stuffing>,
}

/// What a generator wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthSummary {
    /// Precincts with at least one report written.
    pub precincts: usize,
    /// Reports written, revisions included.
    pub reports: usize,
    /// Files written, the manifest included.
    pub files: usize,
    /// Registered voters of the precincts written.
    pub registered: u64,
    /// Ballots of the precincts written (latest revision of each).
    pub ballots: u64,
}

/// Writes the whole feed into `out` (created if missing; must be empty or absent, else error).
pub fn generate(out: &Path, opts: &SynthOptions) -> Result<SynthSummary> {
    let feed = feed::build(opts)?;
    let files = write::write_feed(out, &feed)?;
    let mut progress = Progress::new(&feed);
    feed.reports.iter().for_each(|report| progress.record(report));
    progress.files = files;
    Ok(progress.summary())
}

/// Live mode: writes `election.json` first, then the reports in order of `reported_at` at
/// `rate` reports per second (real time), the way a real feed arrives: single-report `.json`
/// files and rewritten CSV tables and batch files appear through a hidden temporary file
/// (`.name.tmp`) and a rename; NDJSON logs grow one complete line at a time. Stops early,
/// without error, when `stop` becomes true; the summary then covers what was written.
/// `out` must be empty or absent. When it runs to the end, the directory is byte-identical to
/// what [`generate`] writes for the same options.
pub fn generate_live(out: &Path, opts: &SynthOptions, rate: f64, stop: &AtomicBool) -> Result<SynthSummary> {
    let feed = feed::build(opts)?;
    Ok(live::publish(out, &feed, rate, stop)?.summary())
}

/// Running tally of what has been written: the latest revision of each precinct.
struct Progress<'a> {
    feed: &'a Feed,
    latest: Vec<Option<&'a Report>>,
    reports: usize,
    files: usize,
}

impl<'a> Progress<'a> {
    fn new(feed: &'a Feed) -> Self {
        Progress { feed, latest: vec![None; feed.precincts.len()], reports: 0, files: 0 }
    }

    fn record(&mut self, report: &'a Report) {
        self.reports += 1;
        let latest = &mut self.latest[report.precinct];
        if latest.is_none_or(|seen| seen.revision < report.revision) {
            *latest = Some(report);
        }
    }

    fn summary(&self) -> SynthSummary {
        let reported = || self.latest.iter().enumerate().filter_map(|(p, report)| report.map(|r| (p, r)));
        SynthSummary {
            precincts: reported().count(),
            reports: self.reports,
            files: self.files,
            registered: reported().map(|(p, _)| self.feed.precincts[p].registered).sum(),
            ballots: reported().map(|(_, r)| r.count.ballots).sum(),
        }
    }
}
