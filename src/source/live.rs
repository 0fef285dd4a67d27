//! Following a feed directory as files arrive, change, grow and disappear, keeping the engine
//! equal to what a fresh read of the directory would give.
//!
//! Each changed file is read at once ("eagerly"): new full lines of a growing NDJSON log are
//! appended; a CSV or JSON file is re-read and replaces what it gave before — except a JSON
//! file that does not parse yet, which may be half written and keeps its old contribution.
//! Once a file has been quiet for the settle time it is read as finished: the last line of a
//! log without its newline is taken (or refused), and a JSON file that still does not parse is
//! refused. Paths are judged by the same walk as a `tally` ([`crate::feed::scan`]), so an
//! unreadable folder, a name that is not UTF-8 or a FIFO is refused here exactly as there.
//!
//! Nothing here knows about notify or the engine: the caller says which paths changed (or that
//! everything must be compared again), is told, through `before_listing`, each folder about to
//! be listed so that it can watch it first, and is handed every change (`out`) to apply.
//!
//! Long because following a directory is one state machine (file stamps, tracks of what was read,
//! settling, withdrawal) whose parts only make sense read together.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::feed::ndjson::Progress;
use crate::feed::read::read_file;
use crate::feed::scan::{FeedFile, Scan, display_rel};
use crate::feed::{Batch, Change, Format, Loc, Schema};

use super::FeedSpec;
use super::spec::ManifestChange;

/// How long a file must be quiet before it is read as finished.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(500);

/// Bytes at the end of what was read of a log, kept to notice a rewrite in place.
const CHECK_BYTES: u64 = 64;

/// What is known of a file from its last read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        if !m.is_file() {
            return None;
        }
        let mtime_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Some(Stamp { dev, ino, size: m.len(), mtime_ns })
    }
}

#[derive(Debug, Clone, Default)]
struct Track {
    stamp: Stamp,
    /// For logs: where the full lines read so far end.
    progress: Progress,
    /// For logs: the last bytes of what was read, to notice a rewrite.
    check: Vec<u8>,
    /// Read as finished since the last change.
    settled: bool,
}

/// One read of a file, done without the engine (so many can run in parallel).
enum Outcome {
    /// The file is gone (or is no longer a regular file: the walk judges it next).
    Gone,
    /// Nothing changed since the last read.
    Same,
    /// New lines of a log: what was read from `from` on (a tail taken before) is replaced.
    Append { from: Loc, batch: Batch, track: Track },
    /// The file's whole contribution is replaced.
    Replace { batch: Batch, track: Track },
    /// Does not parse yet; keep what it gave before until it settles.
    Wait { stamp: Stamp },
}

fn tail_check(path: &Path, offset: u64) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom};
    let start = offset.saturating_sub(CHECK_BYTES);
    let mut buf = vec![0u8; (offset - start) as usize];
    let ok = crate::feed::read::open_regular(path)
        .and_then(|mut f| {
            f.seek(SeekFrom::Start(start))?;
            f.read_exact(&mut buf)
        })
        .is_ok();
    if ok { buf } else { Vec::new() }
}

fn read_once(file: &FeedFile, old: Option<&Track>, schema: &Schema, finished: bool) -> Outcome {
    let Some(stamp) = Stamp::of(&file.path) else {
        return Outcome::Gone;
    };
    if let Some(old) = old
        && old.stamp == stamp
        && (old.settled || !finished)
    {
        return Outcome::Same;
    }
    let unreadable = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Outcome::Gone
        } else {
            Outcome::Replace {
                batch: Batch::rejected(Loc::Whole, crate::feed::unreadable(&e)),
                track: Track::default(),
            }
        }
    };
    let mut batch = Batch::default();
    match file.format {
        Format::Ndjson => {
            // Go on from where the last read stopped, unless the file was replaced, cut, or
            // rewritten in place.
            let resume = old.filter(|o| {
                o.stamp.dev == stamp.dev
                    && o.stamp.ino == stamp.ino
                    && stamp.size >= o.progress.offset + o.progress.skipped
                    && tail_check(&file.path, o.progress.offset) == o.check
            });
            let from = resume.map_or(Progress::default(), |o| o.progress);
            match read_file(&file.path, file.format, from, schema, finished, &mut |b| batch.extend(b)) {
                Err(e) => unreadable(e),
                Ok(progress) => {
                    let track =
                        Track { stamp, progress, check: tail_check(&file.path, progress.offset), settled: finished };
                    match resume {
                        Some(o) => Outcome::Append { from: Loc::Line(o.progress.lines + 1), batch, track },
                        None => Outcome::Replace { batch, track },
                    }
                }
            }
        }
        Format::Csv | Format::Json => {
            match read_file(&file.path, file.format, Progress::default(), schema, finished, &mut |b| batch.extend(b)) {
                Err(e) => unreadable(e),
                Ok(_) => {
                    let unparsed = file.format == Format::Json
                        && (batch.is_empty() || batch.rejections.iter().any(|(l, _)| *l == Loc::Whole));
                    if unparsed && !finished {
                        Outcome::Wait { stamp }
                    } else {
                        Outcome::Replace { batch, track: Track { stamp, settled: finished, ..Default::default() } }
                    }
                }
            }
        }
    }
}

/// Where a source hands its changes, each with the moment that stands in for a report's
/// `reported_at` when it has none (when it was read, or when a replay says it arrived).
pub type Out<'a> = &'a mut dyn FnMut(Change, crate::feed::Timestamp);

/// The live state of a watched feed: what was read of each file, so that the next read hands
/// on only what changed.
pub struct LiveFeed {
    pub spec: FeedSpec,
    /// Report files read, by feed-relative name.
    tracks: HashMap<String, Track>,
    /// Paths refused by the walk (unreadable folders, strange names, FIFOs…), with the reason.
    refused: HashMap<String, String>,
    /// The names of both, in order (a folder's contents are a range of it).
    keys: BTreeSet<String>,
    /// Report files reached through a symbolic link.
    links: BTreeSet<String>,
    /// Files changed and not yet settled, by when they last changed.
    unsettled: BTreeMap<String, Instant>,
    settle: Duration,
    /// Set while the manifest on disk cannot be used (the one read before stays in use).
    manifest_error: Option<String>,
    /// Set while the feed directory itself is gone.
    root_error: Option<String>,
}

/// A folder about to be listed (so that a watcher can be set on it first).
pub type BeforeListing<'a> = &'a mut dyn FnMut(&Path);

impl LiveFeed {
    /// Starts following `spec`: a new count under its manifest, and every file present read
    /// now.
    pub fn start(spec: FeedSpec, settle: Duration, before_listing: BeforeListing, out: Out) -> LiveFeed {
        out(Change::Reset(spec.manifest.clone().map(Box::new)), super::now());
        let mut live = LiveFeed {
            spec,
            tracks: HashMap::new(),
            refused: HashMap::new(),
            keys: BTreeSet::new(),
            links: BTreeSet::new(),
            unsettled: BTreeMap::new(),
            settle,
            manifest_error: None,
            root_error: None,
        };
        live.rescan(Instant::now(), before_listing, out);
        live
    }

    /// What is wrong with the feed as a whole now (the directory gone, the manifest unusable),
    /// if anything.
    pub fn error(&self) -> Option<String> {
        let all: Vec<&str> =
            [&self.root_error, &self.manifest_error].into_iter().filter_map(|e| e.as_deref()).collect();
        (!all.is_empty()).then(|| all.join("; "))
    }

    /// Whether the feed directory is gone (and is being waited for).
    pub fn root_is_lost(&self) -> bool {
        self.root_error.is_some()
    }

    pub fn settle_time(&self) -> Duration {
        self.settle
    }

    fn forget(&mut self, rel: &str, out: Out) {
        let tracked = self.tracks.remove(rel).is_some();
        let refused = self.refused.remove(rel).is_some();
        self.keys.remove(rel);
        if tracked || refused {
            out(Change::forget(rel), super::now());
        }
        self.unsettled.remove(rel);
        self.links.remove(rel);
    }

    /// Takes the walk's verdict on a refused path.
    fn refuse(&mut self, rel: &str, reason: &str, out: Out) {
        if self.refused.get(rel).is_some_and(|r| r == reason) {
            return;
        }
        if self.tracks.remove(rel).is_some() {
            self.unsettled.remove(rel);
        }
        self.refused.insert(rel.to_string(), reason.to_string());
        self.keys.insert(rel.to_string());
        out(
            Change::Replace { source: rel.to_string(), from: Loc::Whole, batch: Batch::rejected(Loc::Whole, reason) },
            super::now(),
        );
    }

    /// Takes what a walk of `under` (a feed-relative name; empty for the whole feed) found:
    /// what is no longer there is forgotten, refusals are noted, files are read.
    fn take_scan(&mut self, under: Option<&str>, scan: Scan, now: Instant, out: Out) {
        let present: std::collections::HashSet<&str> =
            scan.files.iter().map(|f| f.rel.as_str()).chain(scan.refused.iter().map(|r| r.rel.as_str())).collect();
        // What was known there: everything, or the name and what lies below it (a range of
        // the ordered names, so a change costs what it touches, not the size of the feed).
        let known: Vec<&String> = match under {
            None => self.keys.iter().collect(),
            Some(u) => {
                let u = u.trim_end_matches('/');
                let folder = format!("{u}/");
                let mut v: Vec<&String> = self.keys.get(u).into_iter().collect();
                v.extend(self.keys.range(folder.clone()..).take_while(|k| k.starts_with(&folder)));
                v
            }
        };
        let gone: Vec<String> = known.into_iter().filter(|k| !present.contains(k.as_str())).cloned().collect();
        for k in gone {
            self.forget(&k, out);
        }
        for r in &scan.refused {
            self.refuse(&r.rel, &r.reason, out);
        }
        for f in &scan.files {
            self.refused.remove(&f.rel);
        }
        self.links.extend(scan.links);
        self.read(scan.files, false, now, out);
    }

    /// Paths that changed (or may have), as file-system events name them: each is judged by
    /// the walk's rules and read now. Folders are walked; paths that are gone withdraw
    /// whatever was read from or below them.
    pub fn changed(&mut self, paths: &[PathBuf], now: Instant, before_listing: BeforeListing, out: Out) {
        if paths.iter().any(|p| self.spec.is_manifest(p)) {
            self.manifest_changed(now, out);
        }
        let root = self.spec.root.clone();
        if self.spec.single.is_some() {
            let single = self.spec.single.clone().expect("checked");
            if paths.contains(&single.path) {
                self.rescan(now, before_listing, out);
            }
            return;
        }
        for path in paths {
            if self.spec.is_manifest(path) {
                continue;
            }
            if *path == root {
                if self.root_error.is_some() || !root.is_dir() {
                    self.rescan(now, before_listing, out);
                }
                continue;
            }
            if self.root_error.is_some() {
                continue;
            }
            let Some(rel) = display_rel(&root, path) else { continue };
            let scan = crate::feed::scan::scan_path(&root, path, before_listing);
            self.take_scan(Some(&rel), scan, now, out);
        }
    }

    fn read(&mut self, files: Vec<FeedFile>, finished: bool, now: Instant, out: Out) {
        let schema = &self.spec.schema;
        let tracks = &self.tracks;
        let one = |f: FeedFile| {
            let o = read_once(&f, tracks.get(&f.rel), schema, finished);
            (f, o)
        };
        let outcomes: Vec<(FeedFile, Outcome)> = if files.len() > 64 {
            files.into_par_iter().map(one).collect()
        } else {
            files.into_iter().map(one).collect()
        };
        for (f, outcome) in outcomes {
            match outcome {
                Outcome::Gone => self.forget(&f.rel, out),
                Outcome::Same => {
                    if finished {
                        self.unsettled.remove(&f.rel);
                    }
                }
                Outcome::Append { from, batch, track } => {
                    out(Change::Replace { source: f.rel.clone(), from, batch }, super::now());
                    self.track(f.rel, track, finished, now);
                }
                Outcome::Replace { batch, track } => {
                    out(Change::Replace { source: f.rel.clone(), from: Loc::Whole, batch }, super::now());
                    self.track(f.rel, track, finished, now);
                }
                Outcome::Wait { stamp } => {
                    self.keys.insert(f.rel.clone());
                    let t = self.tracks.entry(f.rel.clone()).or_default();
                    t.stamp = stamp;
                    t.settled = false;
                    self.unsettled.insert(f.rel, now);
                }
            }
        }
    }

    fn track(&mut self, rel: String, track: Track, finished: bool, now: Instant) {
        if finished {
            self.unsettled.remove(&rel);
        } else {
            self.unsettled.insert(rel.clone(), now);
        }
        self.keys.insert(rel.clone());
        self.tracks.insert(rel, track);
    }

    fn feed_file(&self, rel: &str) -> Option<FeedFile> {
        if let Some(single) = &self.spec.single {
            return (single.rel == rel).then(|| single.clone());
        }
        let format = Format::of(Path::new(rel))?;
        Some(FeedFile { path: self.spec.root.join(rel), rel: rel.to_string(), format })
    }

    /// When the next file will have been quiet long enough to settle.
    pub fn next_settle(&self) -> Option<Instant> {
        self.unsettled.values().min().map(|t| *t + self.settle)
    }

    /// Reads as finished every file quiet for the settle time.
    pub fn settle_due(&mut self, now: Instant, out: Out) {
        let due: Vec<FeedFile> = self
            .unsettled
            .iter()
            .filter(|(_, t)| now.duration_since(**t) >= self.settle)
            .filter_map(|(rel, _)| self.feed_file(rel))
            .collect();
        if !due.is_empty() {
            self.read(due, true, now, out);
        }
    }

    /// Whether everything has settled (a quiet moment: the state equals a fresh tally).
    pub fn is_quiet(&self) -> bool {
        self.unsettled.is_empty()
    }

    /// Whether files are read through symbolic links (their targets change without an event
    /// under the link's name, so they are looked at from time to time).
    pub fn has_links(&self) -> bool {
        !self.links.is_empty()
    }

    /// Reads again the files reached through symbolic links whose target changed.
    pub fn recheck_links(&mut self, now: Instant, out: Out) {
        let files: Vec<FeedFile> = self.links.iter().filter_map(|rel| self.feed_file(rel)).collect();
        self.read(files, false, now, out);
    }

    /// Compares the directory with what was read: new and changed files are read, vanished
    /// ones withdrawn. Used at start, when the OS event queue overflowed, when polling, and
    /// when the feed directory comes back.
    pub fn rescan(&mut self, now: Instant, before_listing: BeforeListing, out: Out) {
        let scan = if self.spec.single.is_some() {
            // The file's folder is watched (not walked): its events name the file.
            before_listing(&self.spec.root);
            self.spec.scan()
        } else {
            crate::feed::scan::scan_with(&self.spec.root, before_listing)
        };
        match scan {
            Ok(scan) => {
                if self.root_error.take().is_some() {
                    // Back: the manifest may have come back changed with it.
                    self.manifest_changed(now, out);
                }
                self.take_scan(None, scan, now, out);
            }
            Err(e) => self.root_lost(&e, out),
        }
    }

    /// The feed directory (or the single file) is gone: nothing of it counts until it is back.
    fn root_lost(&mut self, e: &std::io::Error, out: Out) {
        let all: Vec<String> = self.tracks.keys().chain(self.refused.keys()).cloned().collect();
        for k in all {
            self.forget(&k, out);
        }
        let what = if self.spec.single.is_some() { "the feed file" } else { "the feed directory" };
        self.root_error = Some(format!(
            "{}: {what} cannot be read ({}); waiting for it to come back",
            crate::text::clean_path(self.spec.single.as_ref().map_or(&self.spec.root, |s| &s.path)),
            crate::feed::io_reason(e)
        ));
    }

    /// Looks at the manifest again. A rewrite with the same bytes changes nothing; a real
    /// change restarts the count with the new rules (every file read again as it stood:
    /// settled files as finished, the others as still being written); a manifest that cannot
    /// be read or is invalid is said, and the one in use stays.
    pub fn manifest_changed(&mut self, now: Instant, out: Out) {
        match self.spec.reload_manifest() {
            Ok(ManifestChange::Same) => self.manifest_error = None,
            Ok(ManifestChange::Changed) => {
                self.manifest_error = None;
                out(Change::Reset(self.spec.manifest.clone().map(Box::new)), super::now());
                let refused: Vec<(String, String)> = self.refused.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                for (rel, reason) in refused {
                    out(
                        Change::Replace { source: rel, from: Loc::Whole, batch: Batch::rejected(Loc::Whole, reason) },
                        super::now(),
                    );
                }
                let tracks = std::mem::take(&mut self.tracks);
                for rel in tracks.keys() {
                    self.keys.remove(rel);
                }
                let (settled, pending): (Vec<FeedFile>, Vec<FeedFile>) = {
                    let mut settled = Vec::new();
                    let mut pending = Vec::new();
                    for (rel, t) in &tracks {
                        if let Some(f) = self.feed_file(rel) {
                            if t.settled { settled.push(f) } else { pending.push(f) }
                        }
                    }
                    (settled, pending)
                };
                self.read(settled, true, now, out);
                self.read(pending, false, now, out);
            }
            Err(e) => self.manifest_error = Some(format!("{e:#}; still using the manifest read before")),
        }
    }
}
