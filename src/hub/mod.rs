//! A session runs one source (a watched directory, or a replay) on its own thread, owns the
//! engine, and publishes [`View`]s for the dashboard at a bounded rate. The dashboard never
//! waits on the engine: it takes the latest view whenever it draws.

pub mod replay;
pub mod summary;

pub use summary::{Summary, summarize};
pub mod view;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::engine::Engine;
use crate::source::follow::{Follow, FollowOpts};
use crate::source::watcher::FsChange;

use replay::Replay;
use view::{AnomalyClock, Focus, Mode, ReplayState, View};

/// What the viewer asks of the session.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    TogglePause,
    Faster,
    Slower,
    Step,
    SeekBack,
    SeekForward,
    Focus(Focus),
}

/// What the session thread waits for: file-system changes, the viewer's commands, the end.
pub enum Inbox {
    Fs(FsChange),
    Command(Command),
    Stop,
}

/// A watched directory.
pub struct Watched {
    pub follow: Follow,
}

pub enum Source {
    Live(Box<Watched>),
    Replay(Box<Replay>),
}

impl Source {
    pub fn engine(&self) -> &Engine {
        match self {
            Source::Live(w) => &w.follow.live.engine,
            Source::Replay(r) => &r.engine,
        }
    }
}

/// A source with the inbox its session waits on (a watched directory's watcher already sends
/// into it).
pub struct Opened {
    pub source: Source,
    tx: Sender<Inbox>,
    rx: Receiver<Inbox>,
}

impl Opened {
    fn new(source: Source) -> Opened {
        let (tx, rx) = std::sync::mpsc::channel();
        Opened { source, tx, rx }
    }
}

/// The session's state between steps.
pub struct Session {
    pub source: Source,
    tx: Sender<Inbox>,
    inbox: Receiver<Inbox>,
    anomalies: AnomalyClock,
    focus: Focus,
    /// Bumped by anything the views show that the engine's version does not cover.
    extra_version: u64,
    /// Timeline cache: recomputed at most once a second (it sorts every counted report).
    timeline: (Instant, u64, view::Timeline),
    forensics: crate::analysis::Cache,
    call: Option<view::Call>,
}

impl Session {
    pub fn new(opened: Opened) -> Session {
        Session {
            source: opened.source,
            tx: opened.tx,
            inbox: opened.rx,
            anomalies: AnomalyClock::default(),
            focus: Focus::default(),
            extra_version: 0,
            timeline: (Instant::now() - Duration::from_secs(10), u64::MAX, view::Timeline::default()),
            forensics: crate::analysis::Cache::default(),
            call: None,
        }
    }

    /// Judges the statistics and projects with these settings (threshold overrides over the
    /// manifest's, a baseline).
    pub fn with_forensics(mut self, forensics: crate::analysis::Cache) -> Session {
        self.forensics = forensics;
        self
    }

    /// A number that changes whenever a new view would differ.
    pub fn version(&self) -> u64 {
        self.source.engine().version().wrapping_mul(1_000_003).wrapping_add(self.extra_version)
    }

    /// Notes that the statistics are owed a fresh run, so that the next view carries it.
    fn refresh_statistics(&mut self) {
        if self.forensics.owed(self.source.engine()) {
            self.extra_version += 1;
        }
    }

    pub fn command(&mut self, c: Command) {
        let now = Instant::now();
        self.extra_version += 1;
        match (&mut self.source, c) {
            (_, Command::Focus(f)) => self.focus = f,
            (Source::Replay(r), Command::TogglePause) => r.toggle_pause(now),
            (Source::Replay(r), Command::Faster) => r.change_speed(2.0, now),
            (Source::Replay(r), Command::Slower) => r.change_speed(0.5, now),
            (Source::Replay(r), Command::Step) => r.step(now),
            (Source::Replay(r), Command::SeekBack) => {
                let s = r.seek_step();
                r.seek(-s, now)
            }
            (Source::Replay(r), Command::SeekForward) => {
                let s = r.seek_step();
                r.seek(s, now)
            }
            (Source::Live(_), _) => {}
        }
    }

    /// Ends the session (its next step returns false) on SIGINT, SIGTERM or SIGHUP.
    pub fn stop_on_signals(&self) -> anyhow::Result<()> {
        crate::run::watch::stop_messages(self.tx.clone(), Inbox::Stop)
    }

    /// What the source says of itself (a recording cut short, a feed directory gone…).
    pub fn notice(&self) -> Option<String> {
        match &self.source {
            Source::Live(w) => w.follow.error(),
            Source::Replay(r) => r.script().notice.clone(),
        }
    }

    /// When the source next needs a step (a file settles, a report is due), if it does.
    fn source_deadline(&self, now: Instant) -> Option<Instant> {
        match &self.source {
            Source::Live(w) => Some(w.follow.deadline()),
            Source::Replay(r) if r.paused() || r.finished() => None,
            Source::Replay(r) => Some(r.next_due().unwrap_or(now)),
        }
    }

    /// Waits until something happens or `until` (at the latest), and does what is due: the
    /// viewer's commands, file-system changes, the replay's next reports. Returns false when
    /// the session is to end.
    pub fn step(&mut self, until: Instant) -> bool {
        let now = Instant::now();
        let mut deadline = until;
        for t in [self.source_deadline(now), self.forensics.due_at(self.source.engine())].into_iter().flatten() {
            deadline = deadline.min(t);
        }
        let mut changes = Vec::new();
        let mut alive = true;
        let first = match self.inbox.recv_timeout(deadline.saturating_duration_since(now)) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return false,
        };
        let rest: Vec<Inbox> = std::iter::from_fn(|| self.inbox.try_recv().ok()).collect();
        for m in first.into_iter().chain(rest) {
            match m {
                Inbox::Fs(c) => changes.push(c),
                Inbox::Command(c) => self.command(c),
                Inbox::Stop => alive = false,
            }
        }
        let now = Instant::now();
        match &mut self.source {
            Source::Live(w) => {
                if !changes.is_empty() {
                    w.follow.changed(changes, now);
                }
                w.follow.tick(now);
            }
            Source::Replay(r) => {
                r.advance(now);
            }
        }
        self.refresh_statistics();
        alive
    }

    /// When the replay next needs a step (for loops that also wait on other things).
    pub fn replay_finished(&self) -> bool {
        matches!(&self.source, Source::Replay(r) if r.finished())
    }

    pub fn view(&mut self) -> View {
        let version = self.version();
        let finished = self.replay_finished();
        let engine = self.source.engine();
        let summary = summarize(engine, &mut self.forensics, finished);
        let anomaly_seq = self.anomalies.stamp(&summary);
        self.call = track_call(self.call.take(), &summary);
        let now = Instant::now();
        if self.timeline.1 != engine.version() && now.duration_since(self.timeline.0) >= Duration::from_secs(1) {
            self.timeline = (now, engine.version(), view::timeline(engine, &summary));
        }
        let region = self.focus.region.as_deref().and_then(|r| view::region_detail(engine, r));
        let precinct = self.focus.precinct.as_deref().and_then(|p| view::precinct_detail(engine, &summary, p));
        let fingerprint = self
            .focus
            .fingerprint
            .as_ref()
            .map(|f| view::fingerprint(engine, &summary, f.region.as_deref(), f.cols, f.rows));
        let (mode, notice) = match &self.source {
            Source::Live(w) => (Mode::Live, w.follow.error()),
            Source::Replay(r) => {
                let (first, last) = r.bounds();
                let clock = r.clock(now);
                let clock = if clock.is_finite() { clock } else { r.current_time() };
                let ts = |unix: f64| crate::feed::Timestamp {
                    unix: unix.floor() as i64,
                    offset_seconds: self.feed_offset(),
                };
                (
                    Mode::Replay(ReplayState {
                        clock: first.map(|f| ts(clock.clamp(f - 1.0, last.unwrap_or(f)))),
                        first: first.map(ts),
                        last: last.map(ts),
                        speed: r.speed(),
                        paused: r.paused(),
                        position: r.position(),
                        total: r.total(),
                    }),
                    r.script().notice.clone(),
                )
            }
        };
        View {
            version,
            summary,
            mode,
            anomaly_seq,
            timeline: self.timeline.2.clone(),
            region,
            precinct,
            fingerprint,
            notice,
            call: self.call.clone(),
        }
    }

    /// The UTC offset feed times are shown in: the first region's, else UTC.
    fn feed_offset(&self) -> i32 {
        self.source
            .engine()
            .manifest()
            .and_then(|m| m.regions.first())
            .and_then(|r| r.utc_offset.as_deref())
            .and_then(|o| crate::feed::manifest::parse_offset(o).ok())
            .map_or(0, |o| o.whole_seconds())
    }
}

/// The latest view, shared between the session thread and the dashboard.
pub struct Published {
    version: AtomicU64,
    view: Mutex<Arc<View>>,
}

impl Published {
    pub fn latest(&self) -> Arc<View> {
        Arc::clone(&self.view.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    fn publish(&self, view: View) {
        let version = view.version;
        *self.view.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(view);
        self.version.store(version, Ordering::Release);
    }
}

/// A running session, seen from the dashboard.
pub struct Handle {
    pub shared: Arc<Published>,
    inbox: Sender<Inbox>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    pub fn send(&self, c: Command) {
        let _ = self.inbox.send(Inbox::Command(c));
    }

    pub fn latest(&self) -> Arc<View> {
        self.shared.latest()
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.inbox.send(Inbox::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a session on its own thread, publishing at most `per_second` views a second.
pub fn spawn(session: Session, per_second: u32) -> Handle {
    let mut session = session;
    let first = session.view();
    let shared = Arc::new(Published { version: AtomicU64::new(first.version), view: Mutex::new(Arc::new(first)) });
    let inbox = session.tx.clone();
    let thread = {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("votewatch-session".into())
            .spawn(move || run(session, &shared, per_second))
            .expect("spawn the session thread")
    };
    Handle { shared, inbox, thread: Some(thread) }
}

/// The session thread: waits for what happens (or what is due), and publishes a new view when
/// the state changed — at most `per_second` a second. Idle, it sleeps.
fn run(mut session: Session, shared: &Published, per_second: u32) {
    let gap = Duration::from_secs(1) / per_second.max(1);
    let mut last = Instant::now() - gap;
    loop {
        let now = Instant::now();
        let owed = session.version() != shared.version();
        if owed && now >= last + gap {
            shared.publish(session.view());
            last = now;
        }
        // Without anything due, wake at least once a minute (nothing is read then).
        let until = if owed { (last + gap).max(now) } else { now + Duration::from_secs(60) };
        if !session.step(until) {
            return;
        }
    }
}

/// The call of the projection in `summary`, keeping when it was made while its wording (and
/// the leader it concerns) stays the same. A projection withdrawn (waiting again, or a
/// replay rewound) withdraws the call.
fn track_call(last: Option<view::Call>, summary: &crate::hub::Summary) -> Option<view::Call> {
    let p = summary.projection.as_ref()?;
    let call = p.call.clone()?;
    let leader = p.candidates.first().map(|c| c.id.clone());
    match last {
        Some(l) if l.call == call && l.leader == leader => Some(l),
        _ => Some(view::Call { call, leader, at: summary.as_of.clone(), reported: p.reported_fraction }),
    }
}

/// Opens a watched directory as a session source.
pub fn watch_source(
    feed: &std::path::Path,
    opts: &crate::cli::FeedOpts,
    poll: Option<Duration>,
    settle: Duration,
    record: Option<&std::path::Path>,
) -> anyhow::Result<Opened> {
    let spec = crate::source::FeedSpec::open(feed, opts.manifest.as_deref(), opts.max_file_size)?;
    let recorder = record.map(|p| crate::source::record::Recorder::create(p, spec.manifest.as_ref())).transpose()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = tx.clone();
    let follow = Follow::start(spec, &FollowOpts { poll, settle }, recorder, move |c| {
        let _ = sink.send(Inbox::Fs(c));
    })?;
    Ok(Opened { source: Source::Live(Box::new(Watched { follow })), tx, rx })
}

/// Opens a saved feed as a replay source.
pub fn replay_source(
    feed: &std::path::Path,
    opts: &crate::cli::FeedOpts,
    speed: ReplaySpeed,
) -> anyhow::Result<Opened> {
    let mut spec = crate::source::FeedSpec::open(feed, opts.manifest.as_deref(), opts.max_file_size)?;
    let script = if spec.single.is_some() && crate::source::record::is_record(feed) {
        // A `watch --record` log carries its own manifest.
        let rec = crate::source::record::read(feed, opts.max_file_size)?;
        spec.schema = crate::feed::Schema::from_manifest(rec.manifest.as_ref(), opts.max_file_size);
        spec.manifest = rec.manifest.clone();
        replay::Script::from_recording(rec)
    } else {
        replay::Script::load(&spec)
    };
    let speed = match speed {
        ReplaySpeed::Default => Some(script.default_speed()),
        ReplaySpeed::Max => None,
        ReplaySpeed::Times(x) => Some(x),
    };
    Ok(Opened::new(Source::Replay(Box::new(Replay::new(spec, script, speed)))))
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
