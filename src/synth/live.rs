//! Live mode: publishing a feed report by report in real time, the way a real feed arrives.
//!
//! NDJSON logs grow by one complete line per report; CSV tables and batch files are rewritten
//! whole through a temporary file and a rename; single-report files appear through a
//! temporary file and a rename. A reader polling the directory therefore never sees a
//! half-written file or line (temporary files are hidden dot-files ending in `.tmp`).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

use super::Progress;
use super::feed::{Feed, Report};
use super::profile::FileFormat;
use super::write::{
    MANIFEST, Target, create_parent, ndjson_line, plan, prepare_output_dir, render_file, render_manifest,
    write_atomically,
};

/// Longest sleep between checks of the stop flag.
const STOP_POLL: Duration = Duration::from_millis(50);

/// Publishes `feed` into `out` at `rate` reports per second until done or until `stop` is
/// set; returns what was published.
pub fn publish<'a>(out: &Path, feed: &'a Feed, rate: f64, stop: &AtomicBool) -> Result<Progress<'a>> {
    ensure!(rate.is_finite() && rate > 0.0, "rate must be a positive number of reports per second, got {rate}");
    prepare_output_dir(out)?;
    write_atomically(&out.join(MANIFEST), &render_manifest(feed)?)?;

    let mut publisher = Publisher::new(out, feed);
    let mut progress = Progress::new(feed);
    let start = Instant::now();
    for (i, (report, target)) in feed.reports.iter().zip(plan(feed)).enumerate() {
        let offset = Duration::try_from_secs_f64(i as f64 / rate)
            .with_context(|| format!("rate {rate} is too slow to schedule report {i}"))?;
        if !wait_until(start + offset, stop) {
            break;
        }
        publisher.publish(&target, report)?;
        progress.record(report);
    }
    progress.files = publisher.files.len() + 1;
    Ok(progress)
}

/// Sleeps until `due`; returns false as soon as `stop` is set.
fn wait_until(due: Instant, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= due {
            return true;
        }
        std::thread::sleep((due - now).min(STOP_POLL));
    }
}

/// Writes reports one at a time into their files.
struct Publisher<'a> {
    out: &'a Path,
    feed: &'a Feed,
    /// Open NDJSON logs.
    logs: HashMap<PathBuf, File>,
    /// Reports so far of each rewritten file (CSV tables and batch files).
    rewritten: HashMap<PathBuf, Vec<&'a Report>>,
    /// Every report file written so far.
    files: HashSet<PathBuf>,
}

impl<'a> Publisher<'a> {
    fn new(out: &'a Path, feed: &'a Feed) -> Self {
        Publisher { out, feed, logs: HashMap::new(), rewritten: HashMap::new(), files: HashSet::new() }
    }

    fn publish(&mut self, target: &Target, report: &'a Report) -> Result<()> {
        let path = self.out.join(&target.path);
        if self.files.insert(path.clone()) {
            create_parent(&path)?;
        }
        match target.format {
            FileFormat::Ndjson => {
                let line = ndjson_line(self.feed, report);
                let log = match self.logs.entry(path) {
                    Entry::Occupied(open) => open.into_mut(),
                    Entry::Vacant(slot) => {
                        let file = OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(slot.key())
                            .with_context(|| format!("opening {}", slot.key().display()))?;
                        slot.insert(file)
                    }
                };
                log.write_all(line.as_bytes())
                    .and_then(|()| log.flush())
                    .with_context(|| format!("appending to {}", target.path.display()))
            }
            FileFormat::Csv | FileFormat::JsonBatch => {
                let reports = self.rewritten.entry(path.clone()).or_default();
                reports.push(report);
                write_atomically(&path, &render_file(self.feed, target.format, reports)?)
            }
            FileFormat::JsonSingle => write_atomically(&path, &render_file(self.feed, target.format, &[report])?),
        }
    }
}
