//! `votewatch watch FEED --headless`: the hub following a directory, its news written as
//! NDJSON events to stdout until a stop signal.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};

use crate::cli::{FeedOpts, FollowArgs};

/// Signals that end a run cleanly (SIGINT, SIGTERM, SIGHUP), as a flag.
pub fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in crate::hub::STOP_SIGNALS {
        signal_hook::flag::register(sig, Arc::clone(&stop)).context("cannot install a signal handler")?;
    }
    Ok(stop)
}

pub fn headless(feed: &Path, feed_opts: &FeedOpts, follow: &FollowArgs) -> Result<()> {
    let opened = crate::hub::watch(
        feed,
        &feed_opts.options(),
        &follow.options(),
        follow.record.as_deref(),
        feed_opts.forensics()?,
    )?;
    crate::hub::stop_on_signals(opened.sender())?;
    let hub = opened.spawn(crate::output::events::TOTALS_PER_SECOND);
    write_stream(&hub, false)
}

/// Writes the hub's event stream to stdout (a reader gone away ends it quietly).
pub fn write_stream(hub: &crate::hub::Hub, end_of_replay: bool) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = crate::output::stream::write(hub, &mut out, end_of_replay).and_then(|_| out.flush());
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
