//! Following a directory: the live feed, the folder watcher (or polling), and the few timers
//! between them — files settling, the feed directory's identity, links and a manifest kept
//! outside the feed. One driver for the headless stream and the dashboard alike.
//!
//! The caller owns the loop: it waits on its own inbox (into which the watcher sends
//! [`FsChange`]s) until [`Follow::deadline`], hands over what came ([`Follow::changed`]) and
//! calls [`Follow::tick`], applying every [`Change`](crate::feed::Change) it is handed. When
//! nothing happens there is no deadline closer than a second, and nothing is read.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::FeedSpec;
use super::live::{LiveFeed, Out};
use super::watcher::{DirWatcher, FsChange};

/// How often the feed directory's identity, links into it and a manifest kept outside it are
/// looked at (a `stat` each), and how often a vanished directory is looked for.
const HOUSEKEEPING: Duration = Duration::from_secs(1);

/// How a directory is followed.
#[derive(Debug, Clone)]
pub struct FollowOpts {
    /// Poll every so often instead of using file-system events (`--poll`).
    pub poll: Option<Duration>,
    /// How long a file must be quiet before it is read as finished (`--settle`).
    pub settle: Duration,
}

/// Identity of a path on disk (device, inode, size, modification time).
fn identity(path: &Path) -> Option<(u64, u64, u64, i128)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime =
        m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((m.dev(), m.ino(), m.len(), mtime as i128))
    }
    #[cfg(not(unix))]
    Some((0, 0, m.len(), mtime as i128))
}

/// A followed directory.
pub struct Follow {
    pub live: LiveFeed,
    watcher: Option<DirWatcher>,
    poll: Option<Duration>,
    next_poll: Option<Instant>,
    next_housekeeping: Instant,
    /// The feed directory's device and inode when it was last walked.
    root_id: Option<(u64, u64)>,
    /// The identity of a manifest kept outside the feed directory, when last read.
    manifest_id: Option<(u64, u64, u64, i128)>,
    /// Why polling replaced events, when it did.
    notice: Option<String>,
}

impl Follow {
    /// Starts following `spec`: the watcher (unless polling), then a first walk that watches
    /// each folder before listing it. `sink` receives the watcher's changes (on its thread).
    pub fn start(
        spec: FeedSpec,
        opts: &FollowOpts,
        sink: impl Fn(FsChange) + Send + 'static,
        out: Out,
    ) -> Result<Follow> {
        let mut watcher = match opts.poll {
            Some(_) => None,
            None => Some(DirWatcher::start(sink)?),
        };
        let root = spec.root.clone();
        let manifest_id = spec.manifest_path.as_deref().and_then(identity);
        let live = {
            let mut hook = |dir: &Path| {
                if let Some(w) = &mut watcher {
                    w.watch(dir)
                }
            };
            LiveFeed::start(spec, opts.settle, &mut hook, out)
        };
        let now = Instant::now();
        let mut follow = Follow {
            live,
            watcher,
            poll: opts.poll,
            next_poll: opts.poll.map(|p| now + p),
            next_housekeeping: now + HOUSEKEEPING,
            root_id: identity(&root).map(|(d, i, _, _)| (d, i)),
            manifest_id,
            notice: None,
        };
        follow.check_watch_limit(now);
        Ok(follow)
    }

    /// What is wrong with the feed as a whole now, if anything (the directory gone, the
    /// manifest unusable, the recording stopped, events replaced by polling).
    pub fn error(&self) -> Option<String> {
        match (self.live.error(), &self.notice) {
            (Some(e), Some(n)) => Some(format!("{e}; {n}")),
            (e, n) => e.or_else(|| n.clone()),
        }
    }

    /// The next moment something is due (a file settles, a poll, housekeeping).
    pub fn deadline(&self) -> Instant {
        let mut at = self.next_housekeeping;
        for t in [self.live.next_settle(), self.next_poll].into_iter().flatten() {
            at = at.min(t);
        }
        at
    }

    fn watch_hook(watcher: &mut Option<DirWatcher>) -> impl FnMut(&Path) + '_ {
        move |dir: &Path| {
            if let Some(w) = watcher {
                w.watch(dir)
            }
        }
    }

    /// Takes what the watcher sent.
    pub fn changed(&mut self, changes: Vec<FsChange>, now: Instant, out: Out) {
        let mut rescan = false;
        let mut paths: Vec<PathBuf> = Vec::new();
        for c in changes {
            match c {
                FsChange::Rescan => rescan = true,
                FsChange::Paths(p) => paths.extend(p),
            }
        }
        if rescan {
            self.rescan(now, out);
            return;
        }
        paths.sort();
        paths.dedup();
        if paths.is_empty() {
            return;
        }
        // Folders that are gone (or moved away) are no longer watched under that name.
        if let Some(w) = &mut self.watcher {
            for p in &paths {
                if !p.is_dir() {
                    w.forget_under(p);
                }
            }
        }
        if paths.contains(&self.live.spec.root) && self.root_replaced() {
            self.rescan(now, out);
            return;
        }
        {
            let mut hook = Self::watch_hook(&mut self.watcher);
            self.live.changed(&paths, now, &mut hook, out);
        }
        self.after_walk(now);
    }

    /// Whether the feed directory is now another one than was walked (moved away, and
    /// another made in its place), or gone.
    fn root_replaced(&self) -> bool {
        identity(&self.live.spec.root).map(|(d, i, _, _)| (d, i)) != self.root_id
    }

    fn rescan(&mut self, now: Instant, out: Out) {
        if self.root_replaced()
            && let Some(w) = &mut self.watcher
        {
            w.forget_under(&self.live.spec.root.clone());
        }
        {
            let mut hook = Self::watch_hook(&mut self.watcher);
            self.live.rescan(now, &mut hook, out);
        }
        self.after_walk(now);
    }

    fn after_walk(&mut self, now: Instant) {
        self.root_id = identity(&self.live.spec.root).map(|(d, i, _, _)| (d, i));
        if self.live.root_is_lost()
            && let Some(w) = &mut self.watcher
        {
            w.forget_under(&self.live.spec.root.clone());
        }
        self.check_watch_limit(now);
    }

    /// When the system will not watch more folders, polls instead (and says so).
    fn check_watch_limit(&mut self, now: Instant) {
        let Some(limit) = self.watcher.as_ref().and_then(|w| w.limit_reached().map(str::to_string)) else { return };
        let every = Duration::from_secs(1);
        self.watcher = None;
        self.poll = Some(every);
        self.next_poll = Some(now + every);
        self.notice = Some(format!("{limit}: polling every second instead of watching"));
    }

    /// Does what is due: files that settled are read as finished, a poll, housekeeping.
    pub fn tick(&mut self, now: Instant, out: Out) {
        self.live.settle_due(now, out);
        if let (Some(every), Some(at)) = (self.poll, self.next_poll)
            && now >= at
        {
            self.next_poll = Some(now + every);
            self.live.manifest_changed(now, out);
            self.rescan(now, out);
        }
        if now >= self.next_housekeeping {
            self.next_housekeeping = now + HOUSEKEEPING;
            self.housekeeping(now, out);
        }
    }

    fn housekeeping(&mut self, now: Instant, out: Out) {
        if self.live.root_is_lost() {
            if self.live.spec.root.exists() {
                self.rescan(now, out);
            }
            return;
        }
        if self.poll.is_none() && self.root_replaced() {
            self.rescan(now, out);
            return;
        }
        if !self.live.spec.manifest_inside() || self.poll.is_some() {
            let id = self.live.spec.manifest_path.as_deref().and_then(identity);
            if id != self.manifest_id {
                self.manifest_id = id;
                self.live.manifest_changed(now, out);
            }
        }
        if self.live.has_links() {
            self.live.recheck_links(now, out);
        }
    }

    /// How many folders are watched (0 when polling).
    /// The directory (or file) followed.
    pub fn root(&self) -> &std::path::Path {
        &self.live.spec.root
    }

    pub fn watched(&self) -> usize {
        self.watcher.as_ref().map_or(0, DirWatcher::watched)
    }
}
