//! `votewatch tally FEED [--json]`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::FeedOpts;
use crate::ingest::{FeedSpec, cold};
use crate::output::table;

pub fn run(feed: &Path, json: bool, opts: &FeedOpts) -> Result<()> {
    let spec = FeedSpec::open(feed, opts.manifest.as_deref(), opts.max_file_size)?;
    let engine = cold::load(&spec);
    let summary = opts.forensics()?.summary(&engine, true);
    // Freeing a million precincts one by one takes longer than the process exit does.
    std::mem::forget(engine);
    let mut out = std::io::stdout().lock();
    let written = if json {
        serde_json::to_writer_pretty(&mut out, &summary).map_err(std::io::Error::from).and_then(|_| writeln!(out))
    } else {
        out.write_all(table::render(&summary).as_bytes())
    };
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
