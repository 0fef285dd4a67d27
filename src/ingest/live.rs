//! Following a feed directory as files arrive, change, grow and disappear, keeping the engine
//! equal to what a fresh read of the directory would give.
//!
//! Each changed file is read at once ("eagerly"): new full lines of a growing NDJSON log are
//! appended; a CSV or JSON file is re-read and replaces what it gave before — except a JSON
//! file that does not parse yet, which may be half written and keeps its old contribution.
//! Once a file has been quiet for the settle time it is read as finished: the last line of a
//! log without its newline is taken (or refused), and a JSON file that still does not parse is
//! refused. Nothing here knows about notify: the caller reports which paths changed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::engine::Engine;
use crate::feed::ndjson::Progress;
use crate::feed::read::read_file;
use crate::feed::scan::{FeedFile, relative};
use crate::feed::{Batch, Format, Loc, Schema};

use super::FeedSpec;

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
    /// The file is gone.
    Gone,
    /// Nothing changed since the last read.
    Same,
    /// New lines of a log: withdraw from `from` (a tail taken before), then add.
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
    let ok = std::fs::File::open(path)
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
    let mut batch = Batch::default();
    match file.format {
        Format::Ndjson => {
            // Go on from where the last read stopped, unless the file was replaced, cut, or
            // rewritten in place.
            let resume = old.filter(|o| {
                o.stamp.dev == stamp.dev
                    && o.stamp.ino == stamp.ino
                    && stamp.size >= o.progress.offset
                    && tail_check(&file.path, o.progress.offset) == o.check
            });
            let from = resume.map_or(Progress::default(), |o| o.progress);
            match read_file(&file.path, file.format, from, schema, finished, &mut |b| batch.extend(b)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::Gone,
                Err(e) => Outcome::Replace {
                    batch: Batch::rejected(Loc::Whole, format!("cannot read: {e}")),
                    track: Track::default(),
                },
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
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::Gone,
                Err(e) => Outcome::Replace {
                    batch: Batch::rejected(Loc::Whole, format!("cannot read: {e}")),
                    track: Track::default(),
                },
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

/// The live state of a watched feed.
pub struct LiveFeed {
    pub spec: FeedSpec,
    pub engine: Engine,
    tracks: HashMap<String, Track>,
    /// Files changed and not yet settled, by when they last changed.
    unsettled: BTreeMap<String, Instant>,
    settle: Duration,
    /// Set when the manifest changed and could not be read.
    pub manifest_error: Option<String>,
    /// Where every change is written down, with `watch --record`.
    recorder: Option<super::record::Recorder>,
}

impl LiveFeed {
    /// Starts following `spec`: every file present is read now.
    pub fn start(spec: FeedSpec, settle: Duration) -> LiveFeed {
        Self::start_recorded(spec, settle, None)
    }

    /// Starts following `spec`, writing every change into `recorder` (from the first read on).
    pub fn start_recorded(spec: FeedSpec, settle: Duration, recorder: Option<super::record::Recorder>) -> LiveFeed {
        let engine = Engine::new(spec.manifest.clone());
        let mut live = LiveFeed {
            spec,
            engine,
            tracks: HashMap::new(),
            unsettled: BTreeMap::new(),
            settle,
            manifest_error: None,
            recorder,
        };
        live.rescan(Instant::now());
        live
    }

    /// Withdraws (and records the withdrawal of) what `rel` gave from `from` on.
    fn withdraw(&mut self, rel: &str, from: Loc) {
        if let Some(r) = &mut self.recorder
            && let Err(e) = r.withdraw(rel, from)
        {
            self.manifest_error = Some(format!("recording stopped: {e:#}"));
            self.recorder = None;
        }
        self.engine.withdraw(rel, from);
    }

    /// Ingests (and records) a batch read from `rel`.
    fn ingest(&mut self, rel: &str, batch: Batch, seen: crate::feed::Timestamp) {
        if let Some(r) = &mut self.recorder {
            let result = r.ingest(rel, &batch, &self.engine).and_then(|_| r.flush());
            if let Err(e) = result {
                self.manifest_error = Some(format!("recording stopped: {e:#}"));
                self.recorder = None;
            }
        }
        self.engine.ingest(rel, batch, seen);
    }

    pub fn settle_time(&self) -> Duration {
        self.settle
    }

    /// The feed-relative name of an absolute or root-relative path, if it is a report file.
    fn feed_file(&self, path: &Path) -> Option<FeedFile> {
        let rel = relative(&self.spec.root, path)
            .or_else(|| path.is_relative().then(|| path.to_string_lossy().into_owned()))?;
        if let Some(single) = &self.spec.single {
            return (single.rel == rel).then(|| single.clone());
        }
        let format = Format::of(Path::new(&rel))?;
        Some(FeedFile { path: self.spec.root.join(&rel), rel, format })
    }

    fn is_manifest(&self, path: &Path) -> bool {
        let m = self
            .spec
            .manifest_path
            .clone()
            .unwrap_or_else(|| self.spec.root.join(crate::feed::manifest::MANIFEST_FILE));
        path == m || std::fs::canonicalize(path).ok().zip(std::fs::canonicalize(&m).ok()).is_some_and(|(a, b)| a == b)
    }

    /// Files that changed (or may have): read each now. Folders are scanned; paths that are
    /// gone withdraw whatever was read from or below them.
    pub fn changed(&mut self, paths: &[PathBuf], now: Instant) {
        let mut files: Vec<FeedFile> = Vec::new();
        for path in paths {
            if self.is_manifest(path) {
                self.manifest_changed(now);
                return;
            }
            if path.is_dir() {
                let rel = relative(&self.spec.root, path).unwrap_or_default();
                files.extend(crate::feed::scan::scan(path).into_iter().filter_map(|f| {
                    let rel = if rel.is_empty() { f.rel } else { format!("{rel}/{}", f.rel) };
                    self.feed_file(Path::new(&rel))
                }));
            } else if path.exists() {
                files.extend(self.feed_file(path));
            } else if let Some(rel) = relative(&self.spec.root, path) {
                // Gone: the file itself, or everything below a folder that was removed.
                let prefix = format!("{rel}/");
                let gone: Vec<String> =
                    self.tracks.keys().filter(|k| **k == rel || k.starts_with(&prefix)).cloned().collect();
                for k in gone {
                    self.forget(&k);
                }
            }
        }
        files.sort();
        files.dedup();
        self.read(files, false, now);
    }

    fn forget(&mut self, rel: &str) {
        self.withdraw(rel, Loc::Whole);
        self.tracks.remove(rel);
        self.unsettled.remove(rel);
    }

    fn read(&mut self, files: Vec<FeedFile>, finished: bool, now: Instant) {
        let schema = &self.spec.schema;
        let tracks = &self.tracks;
        let outcomes: Vec<(FeedFile, Outcome)> = if files.len() > 64 {
            files
                .into_par_iter()
                .map(|f| {
                    let o = read_once(&f, tracks.get(&f.rel), schema, finished);
                    (f, o)
                })
                .collect()
        } else {
            files
                .into_iter()
                .map(|f| {
                    let o = read_once(&f, tracks.get(&f.rel), schema, finished);
                    (f, o)
                })
                .collect()
        };
        let seen = super::now();
        for (f, outcome) in outcomes {
            match outcome {
                Outcome::Gone => self.forget(&f.rel),
                Outcome::Same => {
                    if finished {
                        self.unsettled.remove(&f.rel);
                    }
                }
                Outcome::Append { from, batch, track } => {
                    self.withdraw(&f.rel, from);
                    self.ingest(&f.rel, batch, seen);
                    self.track(f.rel, track, finished, now);
                }
                Outcome::Replace { batch, track } => {
                    self.withdraw(&f.rel, Loc::Whole);
                    self.ingest(&f.rel, batch, seen);
                    self.track(f.rel, track, finished, now);
                }
                Outcome::Wait { stamp } => {
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
        self.tracks.insert(rel, track);
    }

    /// When the next file will have been quiet long enough to settle.
    pub fn next_settle(&self) -> Option<Instant> {
        self.unsettled.values().min().map(|t| *t + self.settle)
    }

    /// Reads as finished every file quiet for the settle time.
    pub fn settle_due(&mut self, now: Instant) {
        let due: Vec<FeedFile> = self
            .unsettled
            .iter()
            .filter(|(_, t)| now.duration_since(**t) >= self.settle)
            .filter_map(|(rel, _)| self.feed_file(Path::new(rel)))
            .collect();
        if !due.is_empty() {
            self.read(due, true, now);
        }
    }

    /// Whether everything has settled (a quiet moment: the state equals a fresh tally).
    pub fn is_quiet(&self) -> bool {
        self.unsettled.is_empty()
    }

    /// Compares the directory with what was read: new and changed files are read, vanished
    /// ones withdrawn. Used at start, when the OS event queue overflowed, and by polling.
    pub fn rescan(&mut self, now: Instant) {
        let files = self.spec.files();
        let present: std::collections::HashSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        let gone: Vec<String> = self.tracks.keys().filter(|k| !present.contains(k.as_str())).cloned().collect();
        for k in gone {
            self.forget(&k);
        }
        self.read(files, false, now);
    }

    fn manifest_changed(&mut self, now: Instant) {
        match self.spec.reload_manifest() {
            Ok(()) => {
                self.manifest_error = None;
                self.engine = Engine::new(self.spec.manifest.clone());
                self.tracks.clear();
                self.unsettled.clear();
                self.rescan(now);
            }
            Err(e) => self.manifest_error = Some(format!("{e:#}; still using the manifest read before")),
        }
    }
}
