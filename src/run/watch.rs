//! `votewatch watch FEED --headless`: follow a feed and write NDJSON events to stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher};

use crate::cli::FeedOpts;
use crate::ingest::FeedSpec;
use crate::ingest::live::LiveFeed;
use crate::output::events::{Announcer, write_event};

/// At most this many `totals` events a second.
const TOTALS_PER_SECOND: u32 = 10;

pub struct WatchOpts {
    pub poll: Option<Duration>,
    pub settle: Duration,
    /// Where to record arrivals (`--record`).
    pub record: Option<PathBuf>,
}

/// Signals that end the watch cleanly (SIGINT, SIGTERM, SIGHUP).
pub fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).context("cannot install a signal handler")?;
    }
    Ok(stop)
}

pub type FsEvents = Receiver<notify::Result<notify::Event>>;

/// Starts watching the feed root, with file-system events or by polling.
pub fn start_watcher(root: &Path, poll: Option<Duration>) -> Result<(Box<dyn Watcher + Send>, FsEvents)> {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher: Box<dyn Watcher + Send> = match poll {
        Some(every) => Box::new(notify::PollWatcher::new(tx, notify::Config::default().with_poll_interval(every))?),
        None => Box::new(notify::recommended_watcher(tx)?),
    };
    watcher.watch(root, RecursiveMode::Recursive).with_context(|| format!("{}: cannot watch", root.display()))?;
    Ok((watcher, rx))
}

/// Waits up to `wait` for file-system events, then takes whatever else is queued. Returns the
/// changed paths and whether a full rescan is needed (the event queue overflowed).
pub fn gather(rx: &FsEvents, wait: Duration) -> (Vec<PathBuf>, bool, bool) {
    let mut paths = Vec::new();
    let mut rescan = false;
    let mut take = |ev: notify::Result<notify::Event>| match ev {
        Ok(ev) => {
            rescan |= ev.need_rescan();
            paths.extend(ev.paths);
        }
        Err(_) => rescan = true,
    };
    match rx.recv_timeout(wait) {
        Ok(ev) => take(ev),
        Err(RecvTimeoutError::Timeout) => return (paths, rescan, false),
        Err(RecvTimeoutError::Disconnected) => return (paths, rescan, true),
    }
    while let Ok(ev) = rx.try_recv() {
        take(ev);
    }
    paths.sort();
    paths.dedup();
    (paths, rescan, false)
}

pub fn headless(feed: &Path, feed_opts: &FeedOpts, opts: &WatchOpts) -> Result<()> {
    let stop = stop_flag()?;
    let spec = FeedSpec::open(feed, feed_opts.manifest.as_deref(), feed_opts.max_file_size)?;
    let (_watcher, rx) = start_watcher(&spec.root, opts.poll)?;
    let recorder = opts
        .record
        .as_deref()
        .map(|p| crate::ingest::record::Recorder::create(p, spec.manifest.as_ref()))
        .transpose()?;
    let mut live = LiveFeed::start_recorded(spec, opts.settle, recorder);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = follow(&mut live, &rx, &stop, feed_opts.forensics()?, &mut out);
    match result.and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The headless loop: read what changed, settle what is quiet, announce, and write coalesced
/// totals, until `stop` is set.
pub fn follow(
    live: &mut LiveFeed,
    rx: &FsEvents,
    stop: &AtomicBool,
    mut forensics: crate::forensics::Cache,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let min_gap = Duration::from_secs(1) / TOTALS_PER_SECOND;
    let mut announcer = Announcer::default();
    let mut seen_version = u64::MAX;
    // The summary last written, and whether a newer one waits for its turn.
    let mut written: Option<crate::engine::Summary> = None;
    let mut pending: Option<crate::engine::Summary> = None;
    let mut last_totals = Instant::now() - min_gap;
    let mut manifest_error: Option<String> = None;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let mut wake = now + Duration::from_millis(100);
        if let Some(t) = live.next_settle() {
            wake = wake.min(t);
        }
        if pending.is_some() {
            wake = wake.min(last_totals + min_gap);
        }
        let (paths, rescan, closed) = gather(rx, wake.saturating_duration_since(now));
        let now = Instant::now();
        if rescan {
            live.rescan(now);
        }
        if !paths.is_empty() {
            live.changed(&paths, now);
        }
        live.settle_due(now);
        if live.manifest_error != manifest_error {
            if let Some(e) = &live.manifest_error {
                write_event(out, "error", &serde_json::json!({ "message": e }))?;
            }
            manifest_error = live.manifest_error.clone();
        }
        if live.engine.version() != seen_version || forensics.owed(&live.engine) {
            seen_version = live.engine.version();
            let summary = forensics.summary(&live.engine, false);
            announcer.announce(out, &summary)?;
            // A re-read that changed nothing is not news.
            pending = (written.as_ref() != Some(&summary)).then_some(summary);
        }
        if pending.is_some() && now >= last_totals + min_gap {
            let summary = pending.take().expect("checked");
            write_event(out, "totals", &summary)?;
            written = Some(summary);
            last_totals = now;
        }
        out.flush()?;
        if closed {
            break;
        }
    }
    // The last word: the analysis of the final state, whatever the rate limit left behind.
    let summary = forensics.summary(&live.engine, true);
    if pending.is_some() || written.as_ref() != Some(&summary) {
        announcer.announce(out, &summary)?;
        write_event(out, "totals", &summary)?;
    }
    out.flush()
}
