//! The hub's thread and the handles on it. One thread owns the engine: it waits on one inbox
//! (file-system changes, the viewers' focus and controls, the end), runs the driver, applies
//! what it hands on, and publishes a new snapshot — at most `per_second` a second — for any
//! number of viewers. Each viewer keeps its own focus; the details it asks for (a region's
//! precincts, a precinct's reports, a fingerprint) are worked out here, once per state of the
//! count for all the viewers that ask the same.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::source::watcher::FsChange;

use super::core::Core;
use super::details::{self, Fingerprint, FingerprintRequest, Focus, PrecinctDetail, RegionDetail};
use super::driver::{Control, Driver};
use super::snapshot::Snapshot;
use super::view::View;

/// What the hub thread waits for.
pub enum Inbox {
    Fs(FsChange),
    Control(Control),
    Focus(u64, Focus),
    Stop,
}

/// What a viewer asks of the hub.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// The replay clock (every viewer's night).
    Clock(Control),
    Focus(Focus),
}

/// One viewer's details, as last worked out.
#[derive(Debug, Default)]
struct Details {
    region: Option<Arc<RegionDetail>>,
    precinct: Option<Arc<PrecinctDetail>>,
    fingerprint: Option<Arc<Fingerprint>>,
}

/// A viewer's place in the hub.
#[derive(Debug, Default)]
struct Slot {
    details: Mutex<Details>,
    /// Bumped when its details change.
    version: AtomicU64,
}

/// What the thread publishes and the viewers read.
struct Shared {
    snapshot: Mutex<Arc<Snapshot>>,
    version: AtomicU64,
    /// The thread has ended (after its last snapshot).
    closed: AtomicBool,
    /// Woken at every publication.
    published: (Mutex<u64>, Condvar),
    viewers: Mutex<HashMap<u64, Arc<Slot>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running hub.
pub struct Hub {
    shared: Arc<Shared>,
    inbox: Sender<Inbox>,
    next_viewer: AtomicU64,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Hub {
    /// Starts the hub's thread: `driver` feeds `core`, whose state is published at most
    /// `per_second` times a second. `inbox` must be the channel the driver's watcher sends to.
    pub fn spawn(mut driver: Driver, mut core: Core, per_second: u32, inbox: (Sender<Inbox>, Receiver<Inbox>)) -> Hub {
        driver.start(&mut |c, t| core.apply(c, t));
        let now = Instant::now();
        let first = Arc::new(core.snapshot(&driver, now, driver.finished()));
        let shared = Arc::new(Shared {
            version: AtomicU64::new(first.version),
            snapshot: Mutex::new(first),
            closed: AtomicBool::new(false),
            published: (Mutex::new(0), Condvar::new()),
            viewers: Mutex::new(HashMap::new()),
        });
        let (tx, rx) = inbox;
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("votewatch-hub".into())
                .spawn(move || run(driver, core, &shared, &rx, per_second))
                .expect("spawn the hub thread")
        };
        Hub { shared, inbox: tx, next_viewer: AtomicU64::new(1), thread: Some(thread) }
    }

    /// A new viewer, with no focus of its own yet.
    pub fn viewer(&self) -> Viewer {
        let id = self.next_viewer.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot::default());
        lock(&self.shared.viewers).insert(id, Arc::clone(&slot));
        Viewer { id, shared: Arc::clone(&self.shared), slot, inbox: self.inbox.clone() }
    }

    /// The latest snapshot.
    pub fn latest(&self) -> Arc<Snapshot> {
        Arc::clone(&lock(&self.shared.snapshot))
    }

    /// Sends the hub a message (a stop, a file-system change).
    pub fn send(&self, m: Inbox) {
        let _ = self.inbox.send(m);
    }

    /// Waits until a snapshot newer than `seen` is published, the hub ends, or `until`;
    /// returns the latest version.
    pub fn wait_newer(&self, seen: u64, until: Instant) -> u64 {
        wait_newer(&self.shared, seen, until)
    }

    /// Waits until anything is published after `seen` (a count this method returned: a new
    /// snapshot, or new details for any viewer), the hub ends, or `until`; returns the count.
    pub fn wait_published(&self, seen: u64, until: Instant) -> u64 {
        let (m, cv) = &self.shared.published;
        let mut g = lock(m);
        loop {
            let now = Instant::now();
            if *g != seen || self.shared.closed.load(Ordering::Acquire) || now >= until {
                return *g;
            }
            g = cv.wait_timeout(g, until - now).map(|(g, _)| g).unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// Whether the hub's thread has ended (its last snapshot is published).
    pub fn closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Stops the hub: it publishes its last snapshot (the analysis run in full) and ends.
    pub fn stop(&mut self) {
        let _ = self.inbox.send(Inbox::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wait_newer(shared: &Shared, seen: u64, until: Instant) -> u64 {
    let (m, cv) = &shared.published;
    let mut g = lock(m);
    loop {
        let v = shared.version.load(Ordering::Acquire);
        if v != seen || shared.closed.load(Ordering::Acquire) {
            return v;
        }
        let now = Instant::now();
        if now >= until {
            return v;
        }
        g = cv.wait_timeout(g, until - now).map(|(g, _)| g).unwrap_or_else(|e| e.into_inner().0);
    }
}

/// One viewer: the shared snapshot, its own details, and the way to ask for them.
pub struct Viewer {
    id: u64,
    shared: Arc<Shared>,
    slot: Arc<Slot>,
    inbox: Sender<Inbox>,
}

impl Viewer {
    /// Changes whenever this viewer's view would differ.
    pub fn version(&self) -> u64 {
        self.shared
            .version
            .load(Ordering::Acquire)
            .wrapping_mul(1_000_003)
            .wrapping_add(self.slot.version.load(Ordering::Acquire))
    }

    /// What this viewer draws now.
    pub fn latest(&self) -> View {
        let snapshot = Arc::clone(&lock(&self.shared.snapshot));
        let d = lock(&self.slot.details);
        View { snapshot, region: d.region.clone(), precinct: d.precinct.clone(), fingerprint: d.fingerprint.clone() }
    }

    /// What this viewer wants details of.
    pub fn focus(&self, f: Focus) {
        let _ = self.inbox.send(Inbox::Focus(self.id, f));
    }

    /// A replay control (it changes every viewer's night).
    pub fn control(&self, c: Control) {
        let _ = self.inbox.send(Inbox::Control(c));
    }

    pub fn send(&self, c: Command) {
        match c {
            Command::Focus(f) => self.focus(f),
            Command::Clock(c) => self.control(c),
        }
    }

    /// Waits until something newer than `seen` (a [`Viewer::version`]) is published, the hub
    /// ends, or `until`.
    pub fn wait_newer(&self, seen: u64, until: Instant) {
        let shared = self.shared.version.load(Ordering::Acquire);
        if self.version() == seen {
            wait_newer(&self.shared, shared, until);
        }
    }

    /// Whether the hub has ended.
    pub fn closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        lock(&self.shared.viewers).remove(&self.id);
        let _ = self.inbox.send(Inbox::Focus(self.id, Focus::default()));
    }
}

/// What a detail is asked by (details of the same request, in the same state, are shared).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Request {
    Region(String),
    Precinct(String),
    Fingerprint(FingerprintRequest),
}

#[derive(Debug, Clone)]
enum Answer {
    Region(Option<Arc<RegionDetail>>),
    Precinct(Option<Arc<PrecinctDetail>>),
    Fingerprint(Arc<Fingerprint>),
}

/// Details worked out for the engine version they were asked of.
#[derive(Default)]
struct DetailCache {
    version: u64,
    answers: HashMap<Request, Answer>,
}

impl DetailCache {
    fn answer(&mut self, core: &Core, summary: &super::Summary, r: &Request) -> Answer {
        if self.version != core.version() {
            self.answers.clear();
            self.version = core.version();
        }
        self.answers
            .entry(r.clone())
            .or_insert_with(|| match r {
                Request::Region(id) => Answer::Region(details::region_detail(&core.engine, id).map(Arc::new)),
                Request::Precinct(id) => {
                    Answer::Precinct(details::precinct_detail(&core.engine, summary, id).map(Arc::new))
                }
                Request::Fingerprint(f) => Answer::Fingerprint(Arc::new(details::fingerprint(
                    &core.engine,
                    summary,
                    f.region.as_deref(),
                    f.cols,
                    f.rows,
                ))),
            })
            .clone()
    }
}

/// Works out every viewer's details for the snapshot just made (only those whose focus or
/// count changed), and tells them.
fn answer_viewers(
    core: &Core,
    snapshot: &Snapshot,
    focuses: &HashMap<u64, Focus>,
    cache: &mut DetailCache,
    shared: &Shared,
    only: Option<u64>,
) {
    let viewers: Vec<(u64, Arc<Slot>)> = lock(&shared.viewers).iter().map(|(k, v)| (*k, Arc::clone(v))).collect();
    for (id, slot) in viewers {
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let focus = focuses.get(&id).cloned().unwrap_or_default();
        let mut ask = |r: Request| cache.answer(core, &snapshot.summary, &r);
        let region = focus.region.map(|r| ask(Request::Region(r)));
        let precinct = focus.precinct.map(|p| ask(Request::Precinct(p)));
        let fingerprint = focus.fingerprint.map(|f| ask(Request::Fingerprint(f)));
        let d = Details {
            region: region.and_then(|a| if let Answer::Region(r) = a { r } else { None }),
            precinct: precinct.and_then(|a| if let Answer::Precinct(p) = a { p } else { None }),
            fingerprint: fingerprint.and_then(|a| if let Answer::Fingerprint(f) = a { Some(f) } else { None }),
        };
        let mut held = lock(&slot.details);
        let same = held.region == d.region && held.precinct == d.precinct && held.fingerprint == d.fingerprint;
        if !same {
            *held = d;
            slot.version.fetch_add(1, Ordering::AcqRel);
        }
    }
}

fn publish(shared: &Shared, snapshot: Arc<Snapshot>) {
    let version = snapshot.version;
    *lock(&shared.snapshot) = snapshot;
    shared.version.store(version, Ordering::Release);
    let (m, cv) = &shared.published;
    *lock(m) += 1;
    cv.notify_all();
}

/// The hub's thread: waits for what happens (or what is due), and publishes a new snapshot
/// when the state changed — at most `per_second` a second. Idle, it sleeps.
fn run(mut driver: Driver, mut core: Core, shared: &Shared, inbox: &Receiver<Inbox>, per_second: u32) {
    let gap = Duration::from_secs(1) / per_second.max(1);
    let mut last = Instant::now() - gap;
    let mut focuses: HashMap<u64, Focus> = HashMap::new();
    let mut cache = DetailCache::default();
    let mut published_version = shared.version.load(Ordering::Acquire);
    let mut latest = Arc::clone(&lock(&shared.snapshot));
    loop {
        let now = Instant::now();
        core.refresh_statistics();
        let owed = core.version() != published_version;
        if owed && now >= last + gap {
            latest = Arc::new(core.snapshot(&driver, now, driver.finished()));
            published_version = latest.version;
            answer_viewers(&core, &latest, &focuses, &mut cache, shared, None);
            publish(shared, Arc::clone(&latest));
            last = now;
        }
        // Without anything due, wake at least once a minute (nothing is read then).
        let mut until = if owed { (last + gap).max(now) } else { now + Duration::from_secs(60) };
        for t in [driver.deadline(now), core.analysis.due_at(&core.engine)].into_iter().flatten() {
            until = until.min(t);
        }
        let first = match inbox.recv_timeout(until.saturating_duration_since(now)) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut changes = Vec::new();
        let mut stop = false;
        let now = Instant::now();
        for m in first.into_iter().chain(std::iter::from_fn(|| inbox.try_recv().ok())) {
            match m {
                Inbox::Fs(c) => changes.push(c),
                Inbox::Control(c) => {
                    driver.control(c, now, &mut |c, t| core.apply(c, t));
                    core.touch();
                }
                Inbox::Focus(id, f) => {
                    if f == Focus::default() {
                        focuses.remove(&id);
                    } else {
                        focuses.insert(id, f);
                    }
                    // Answered at once: a key press should not wait for the next change.
                    answer_viewers(&core, &latest, &focuses, &mut cache, shared, Some(id));
                    let (m, cv) = &shared.published;
                    *lock(m) += 1;
                    cv.notify_all();
                }
                Inbox::Stop => stop = true,
            }
        }
        if stop {
            break;
        }
        driver.turn(changes, now, &mut |c, t| core.apply(c, t));
    }
    // The last word: the analysis of the final state, whatever the rate limit held back.
    let last = Arc::new(core.snapshot(&driver, Instant::now(), true));
    answer_viewers(&core, &last, &focuses, &mut cache, shared, None);
    publish(shared, last);
    shared.closed.store(true, Ordering::Release);
    let (m, cv) = &shared.published;
    *lock(m) += 1;
    cv.notify_all();
}
