//! The hub: one engine, fed by one source, analysed, and published as immutable snapshots to
//! any number of viewers — each with its own focus (ARCHITECTURE.md). `tally` uses its
//! pieces without a thread ([`load`], [`summarize`]); `watch`, `replay` and `demo` (dashboard or
//! headless) run it on its own thread ([`Hub`]).

pub mod core;
pub mod details;
pub mod driver;
pub mod playback;
pub mod snapshot;
pub mod summary;
pub mod thread;
pub mod timeline;
pub mod view;

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

use anyhow::Result;

use crate::analysis::Cache;
use crate::analysis::swing::Baseline;
use crate::engine::Engine;
use crate::feed::scan::Scan;
use crate::source::follow::{Follow, FollowOpts};
use crate::source::record::Recorder;
use crate::source::replay::{Replay, Script};
use crate::source::{FeedSpec, cold};

pub use self::core::Core;
pub use driver::{Control, Driver};
pub use summary::{Summary, summarize};
pub use thread::{Command, Hub, Inbox, Viewer};
pub use view::View;

/// A fresh engine holding the whole feed as it is now. Paths that cannot be read are
/// rejections (a feed root that cannot be listed is one, named `./`).
pub fn load(spec: &FeedSpec) -> Engine {
    load_scanned(spec, &cold::scan_or_refuse(spec))
}

/// A fresh engine holding what `scan` (of `spec`) found.
pub fn load_scanned(spec: &FeedSpec, scan: &Scan) -> Engine {
    let mut engine = Engine::new(spec.manifest.clone());
    engine.defer_indexes();
    let engine = std::cell::RefCell::new(engine);
    cold::read(spec, scan, &mut |c, t| engine.borrow_mut().apply(c, t), &mut |n| {
        engine.borrow_mut().reserve_precincts(n)
    });
    let mut engine = engine.into_inner();
    engine.build_indexes();
    engine
}

/// A prior election read whole (a feed directory or a single report file, in any format,
/// with its own manifest if it has one), for the projection by swing.
pub fn load_baseline(path: &Path, max_file_size: u64) -> Result<Baseline> {
    let spec = FeedSpec::open(path, None, max_file_size)?;
    Baseline::from_engine(&load(&spec), crate::text::clean_path(path)).checked()
}

/// Where a feed is read from, and how.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    pub manifest: Option<std::path::PathBuf>,
    pub max_file_size: u64,
}

/// A feed opened for the hub: its driver, the core it feeds, and the inbox the hub's thread
/// will wait on (a watched directory's watcher already sends into it).
pub struct Opened {
    pub driver: Driver,
    pub core: Core,
    inbox: (Sender<Inbox>, Receiver<Inbox>),
}

impl Opened {
    /// Starts the hub on its own thread, publishing at most `per_second` snapshots a second.
    pub fn spawn(self, per_second: u32) -> Hub {
        Hub::spawn(self.driver, self.core, per_second, self.inbox)
    }

    /// The inbox's sender (for stop signals).
    pub fn sender(&self) -> Sender<Inbox> {
        self.inbox.0.clone()
    }

    /// Runs the feed to its end on this thread (a replay to its last report; a watched feed as
    /// it stands) and returns the view a viewer with `focus` would draw then — one picture,
    /// for tests and one-off uses, without the hub's thread.
    pub fn view_at_end(self, focus: &details::Focus) -> View {
        let Opened { mut driver, mut core, .. } = self;
        driver.start(&mut |c, t| core.apply(c, t));
        if let Driver::Replay(r) = &mut driver {
            r.finish(&mut |c, t| core.apply(c, t));
        }
        let snapshot = std::sync::Arc::new(core.snapshot(&driver, std::time::Instant::now(), true));
        let e = &core.engine;
        let s = &snapshot.summary;
        View {
            region: focus.region.as_deref().and_then(|r| details::region_detail(e, r)).map(std::sync::Arc::new),
            precinct: focus
                .precinct
                .as_deref()
                .and_then(|p| details::precinct_detail(e, s, p))
                .map(std::sync::Arc::new),
            fingerprint: focus
                .fingerprint
                .as_ref()
                .map(|f| std::sync::Arc::new(details::fingerprint(e, s, f.region.as_deref(), f.cols, f.rows))),
            snapshot,
        }
    }
}

/// Opens a directory (or a growing file) to watch: read now, then followed.
pub fn watch(
    feed: &Path,
    opts: &FeedOptions,
    follow: &FollowOpts,
    record: Option<&Path>,
    analysis: Cache,
) -> Result<Opened> {
    let spec = FeedSpec::open(feed, opts.manifest.as_deref(), opts.max_file_size)?;
    let recorder = record.map(|p| Recorder::create(p, spec.manifest.as_ref())).transpose()?;
    let mut core = Core::new(analysis, recorder);
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = tx.clone();
    let follow = Follow::start(
        spec,
        follow,
        move |c| {
            let _ = sink.send(Inbox::Fs(c));
        },
        &mut |c, t| core.apply(c, t),
    )?;
    // A baseline of another election is refused (the candidates are known from the manifest,
    // or from the reports already there).
    core.analysis.check_baseline(core.engine.candidates().iter().map(|c| c.id.as_str()))?;
    Ok(Opened { driver: Driver::Live(Box::new(follow)), core, inbox: (tx, rx) })
}

/// Opens a saved feed (a directory, a report file, or a `watch --record` log) to replay.
pub fn replay(feed: &Path, opts: &FeedOptions, speed: ReplaySpeed, analysis: Cache) -> Result<Opened> {
    let mut spec = FeedSpec::open(feed, opts.manifest.as_deref(), opts.max_file_size)?;
    let script = if spec.single.is_some() && crate::source::record::is_record(feed) {
        // A `watch --record` log carries its own manifest.
        let rec = crate::source::record::read(feed, opts.max_file_size)?;
        spec.schema = crate::feed::Schema::from_manifest(rec.manifest.as_ref(), opts.max_file_size);
        spec.manifest = rec.manifest.clone();
        Script::from_recording(rec)
    } else {
        Script::load(&spec)
    };
    let speed = match speed {
        ReplaySpeed::Default => Some(script.default_speed()),
        ReplaySpeed::Max => None,
        ReplaySpeed::Times(x) => Some(x),
    };
    if let Some(m) = &spec.manifest {
        analysis.check_baseline(m.candidates.iter().map(|c| c.id.as_str()))?;
    }
    let replay = Replay::new(spec, script, speed);
    Ok(Opened {
        driver: Driver::Replay(Box::new(replay)),
        core: Core::new(analysis, None),
        inbox: std::sync::mpsc::channel(),
    })
}

/// The signals that end a run cleanly.
pub const STOP_SIGNALS: [i32; 3] =
    [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP];

/// Stops the hub (its last snapshot made) on SIGINT, SIGTERM or SIGHUP: a thread of its own
/// turns the signal into a message, so the hub's thread, waiting on its inbox, wakes at once.
pub fn stop_on_signals(inbox: Sender<Inbox>) -> Result<()> {
    use anyhow::Context;
    let mut signals = signal_hook::iterator::Signals::new(STOP_SIGNALS).context("cannot install a signal handler")?;
    std::thread::Builder::new()
        .name("votewatch-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = inbox.send(Inbox::Stop);
            }
        })
        .context("cannot start the signal thread")?;
    Ok(())
}

/// How long after a change the first snapshot of it is published, at most.
pub const fn gap(per_second: u32) -> Duration {
    Duration::from_millis(1000 / if per_second == 0 { 1 } else { per_second } as u64)
}

/// `--speed`: a multiple of real time, `max`, or the default (a night in about two minutes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReplaySpeed {
    Default,
    Max,
    Times(f64),
}

impl std::str::FromStr for ReplaySpeed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "max" => Ok(ReplaySpeed::Max),
            "auto" | "default" => Ok(ReplaySpeed::Default),
            n => match n.strip_suffix('x').unwrap_or(n).parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 => Ok(ReplaySpeed::Times(x)),
                _ => Err(format!("{s:?} is not a speed (a positive number like 60, or max)")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds() {
        assert_eq!("max".parse(), Ok(ReplaySpeed::Max));
        assert_eq!("MAX".parse(), Ok(ReplaySpeed::Max));
        assert_eq!("auto".parse(), Ok(ReplaySpeed::Default));
        assert_eq!("60".parse(), Ok(ReplaySpeed::Times(60.0)));
        assert_eq!("2.5x".parse(), Ok(ReplaySpeed::Times(2.5)));
        assert!("0".parse::<ReplaySpeed>().is_err());
        assert!("fast".parse::<ReplaySpeed>().is_err());
    }
}
