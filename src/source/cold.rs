//! Reading a whole feed at once: small files in parallel, large logs in blocks whose lines
//! are parsed in parallel, everything applied to one engine.

use rayon::prelude::*;

use crate::engine::Engine;
use crate::feed::read::read_file;
use crate::feed::scan::{FeedFile, Refused, Scan};
use crate::feed::{Batch, Loc, Schema, Timestamp};

use super::FeedSpec;

/// Files at least this large are streamed on their own instead of read in the parallel pool.
const LARGE_FILE: u64 = 4 << 20;

/// Reads one file whole (as finished), collecting its batch; an unreadable file is a rejection.
pub fn read_finished(file: &FeedFile, schema: &Schema) -> Batch {
    let mut all = Batch::default();
    if let Err(e) = read_file(&file.path, file.format, Default::default(), schema, true, &mut |b| all.extend(b)) {
        return Batch::rejected(Loc::Whole, crate::feed::unreadable(&e));
    }
    all
}

/// About how many lines a file has, from the line length of its first 256 KiB (so that the
/// engine's tables are sized once, not doubled their way up).
fn estimate_lines(path: &std::path::Path) -> usize {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else { return 0 };
    let size = file.metadata().map_or(0, |m| m.len());
    let mut sample = Vec::with_capacity(256 << 10);
    if file.by_ref().take(256 << 10).read_to_end(&mut sample).is_err() || sample.is_empty() {
        return 0;
    }
    let lines = memchr::memchr_iter(b'\n', &sample).count().max(1) as u64;
    (size * lines / sample.len() as u64) as usize
}

/// Reads every file of the feed into `engine` (which must use the same manifest).
pub fn load_into(engine: &mut Engine, spec: &FeedSpec, files: &[FeedFile], seen: Timestamp) {
    let (large, small): (Vec<&FeedFile>, Vec<&FeedFile>) = files
        .iter()
        .partition(|f| f.format.is_streamed() && std::fs::metadata(&f.path).is_ok_and(|m| m.len() >= LARGE_FILE));
    let batches: Vec<Batch> = small.par_iter().map(|f| read_finished(f, &spec.schema)).collect();
    for (f, batch) in small.iter().zip(batches) {
        engine.ingest(&f.rel, batch, seen);
    }
    for f in large {
        engine.reserve_precincts(estimate_lines(&f.path));
        // Parse the next block while the engine takes the last one.
        let result = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
            let reader = scope.spawn(move || {
                read_file(&f.path, f.format, Default::default(), &spec.schema, true, &mut |b| {
                    let _ = tx.send(b);
                })
            });
            for batch in rx {
                engine.ingest(&f.rel, batch, seen);
            }
            reader.join().unwrap_or_else(|_| Err(std::io::Error::other("the reader failed")))
        });
        if let Err(e) = result {
            engine.withdraw_file(&f.rel);
            engine.ingest(&f.rel, Batch::rejected(Loc::Whole, crate::feed::unreadable(&e)), seen);
        }
    }
}

/// A fresh engine holding the whole feed as it is now. Paths that cannot be read are
/// rejections (a feed root that cannot be listed is one, named `./`).
pub fn load(spec: &FeedSpec) -> Engine {
    let scan = spec.scan().unwrap_or_else(|e| Scan {
        refused: vec![Refused {
            rel: "./".into(),
            reason: format!("cannot read the feed: {}", crate::feed::io_reason(&e)),
        }],
        ..Scan::default()
    });
    load_scanned(spec, &scan)
}

/// A fresh engine holding what `scan` (of `spec`) found.
pub fn load_scanned(spec: &FeedSpec, scan: &Scan) -> Engine {
    let mut engine = Engine::new(spec.manifest.clone());
    engine.defer_indexes();
    let now = super::now();
    load_into(&mut engine, spec, &scan.files, now);
    for r in &scan.refused {
        engine.ingest(&r.rel, Batch::rejected(Loc::Whole, r.reason.clone()), now);
    }
    engine.build_indexes();
    engine
}
