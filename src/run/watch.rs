//! `votewatch watch FEED --headless`: follow a feed and write NDJSON events to stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cli::FeedOpts;
use crate::ingest::FeedSpec;
use crate::ingest::follow::{Follow, FollowOpts};
use crate::ingest::watcher::FsChange;
use crate::output::events::Announcer;

pub struct WatchOpts {
    pub poll: Option<Duration>,
    pub settle: Duration,
    /// Where to record arrivals (`--record`).
    pub record: Option<PathBuf>,
}

/// The signals that end a run cleanly.
pub const STOP_SIGNALS: [i32; 3] =
    [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP];

/// Signals that end the watch cleanly (SIGINT, SIGTERM, SIGHUP), as a flag.
pub fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in STOP_SIGNALS {
        signal_hook::flag::register(sig, Arc::clone(&stop)).context("cannot install a signal handler")?;
    }
    Ok(stop)
}

/// Signals that end the watch cleanly, as a message into a loop's inbox (so a loop that
/// waits on its inbox wakes at once).
pub fn stop_messages<T: Send + 'static>(tx: Sender<T>, stop: T) -> Result<()> {
    let mut signals = signal_hook::iterator::Signals::new(STOP_SIGNALS).context("cannot install a signal handler")?;
    std::thread::Builder::new()
        .name("votewatch-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(stop);
            }
        })
        .context("cannot start the signal thread")?;
    Ok(())
}

/// What the headless loop waits for.
pub enum Inbox {
    Fs(FsChange),
    Stop,
}

/// Waits until `deadline` for the inbox, then takes whatever else is queued. Returns the
/// file-system changes and whether to stop.
pub fn gather(rx: &Receiver<Inbox>, deadline: Instant) -> (Vec<FsChange>, bool) {
    let mut changes = Vec::new();
    let mut stop = false;
    let mut take = |m: Inbox| match m {
        Inbox::Fs(c) => changes.push(c),
        Inbox::Stop => stop = true,
    };
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(m) => take(m),
        Err(RecvTimeoutError::Timeout) => return (changes, false),
        Err(RecvTimeoutError::Disconnected) => return (changes, true),
    }
    while let Ok(m) = rx.try_recv() {
        take(m);
    }
    (changes, stop)
}

pub fn headless(feed: &Path, feed_opts: &FeedOpts, opts: &WatchOpts) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    stop_messages(tx.clone(), Inbox::Stop)?;
    let spec = FeedSpec::open(feed, feed_opts.manifest.as_deref(), feed_opts.max_file_size)?;
    let baseline = feed_opts.load_baseline()?;
    if let (Some(b), Some(m)) = (&baseline, &spec.manifest) {
        b.check_candidates(m.candidates.iter().map(|c| c.id.as_str()))?;
    }
    let forensics = feed_opts.forensics_with(baseline);
    let recorder = opts
        .record
        .as_deref()
        .map(|p| crate::ingest::record::Recorder::create(p, spec.manifest.as_ref()))
        .transpose()?;
    let follow_opts = FollowOpts { poll: opts.poll, settle: opts.settle };
    let mut follow = Follow::start(spec, &follow_opts, recorder, move |c| {
        let _ = tx.send(Inbox::Fs(c));
    })?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = follow_loop(&mut follow, &rx, forensics, &mut out);
    match result.and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The headless loop: wait for changes (or for something due), read what changed, settle
/// what is quiet, and announce — until a stop signal. When nothing happens it sleeps.
pub fn follow_loop(
    follow: &mut Follow,
    rx: &Receiver<Inbox>,
    mut forensics: crate::forensics::Cache,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut announcer = Announcer::default();
    let mut seen_version = u64::MAX;
    // The state is summed up at most as often as `totals` may go out.
    let gap = Duration::from_secs(1) / crate::output::events::TOTALS_PER_SECOND;
    let mut last_summary: Option<Instant> = None;
    loop {
        let now = Instant::now();
        announcer.error(out, follow.error())?;
        let dirty = follow.live.engine.version() != seen_version || forensics.owed(&follow.live.engine);
        let turn = last_summary.is_none_or(|t| now >= t + gap);
        if dirty && turn {
            seen_version = follow.live.engine.version();
            let summary = forensics.summary(&follow.live.engine, false);
            announcer.announce(out, &summary, now, false)?;
            last_summary = Some(now);
        } else {
            announcer.catch_up(out, now)?;
        }
        out.flush()?;
        let mut deadline = follow.deadline();
        let waiting = (dirty && !turn).then(|| last_summary.map_or(now, |t| t + gap));
        for t in [announcer.deadline(), forensics.due_at(&follow.live.engine), waiting].into_iter().flatten() {
            deadline = deadline.min(t);
        }
        let (changes, stop) = gather(rx, deadline);
        let now = Instant::now();
        if !changes.is_empty() {
            follow.changed(changes, now);
        }
        follow.tick(now);
        if stop {
            break;
        }
    }
    // The last word: the analysis of the final state, whatever the rate limits held back.
    announcer.error(out, follow.error())?;
    let summary = forensics.summary(&follow.live.engine, true);
    announcer.announce(out, &summary, Instant::now(), true)?;
    out.flush()
}
