//! Reading a whole feed at once: small files in parallel, large logs in blocks whose lines
//! are parsed in parallel, everything applied to one engine.

use rayon::prelude::*;

use crate::engine::Engine;
use crate::feed::read::read_file;
use crate::feed::scan::FeedFile;
use crate::feed::{Batch, Loc, Schema, Timestamp};

use super::FeedSpec;

/// Files at least this large are streamed on their own instead of read in the parallel pool.
const LARGE_FILE: u64 = 4 << 20;

/// Reads one file whole (as finished), collecting its batch; an unreadable file is a rejection.
pub fn read_finished(file: &FeedFile, schema: &Schema) -> Batch {
    let mut all = Batch::default();
    if let Err(e) = read_file(
        &file.path,
        file.format,
        Default::default(),
        schema,
        true,
        &mut |b| all.extend(b),
    ) {
        return Batch::rejected(Loc::Whole, format!("cannot read: {e}"));
    }
    all
}

/// Reads every file of the feed into `engine` (which must use the same manifest).
pub fn load_into(engine: &mut Engine, spec: &FeedSpec, files: &[FeedFile], seen: Timestamp) {
    let (large, small): (Vec<&FeedFile>, Vec<&FeedFile>) = files.iter().partition(|f| {
        f.format.is_streamed() && std::fs::metadata(&f.path).is_ok_and(|m| m.len() >= LARGE_FILE)
    });
    let batches: Vec<Batch> = small
        .par_iter()
        .map(|f| read_finished(f, &spec.schema))
        .collect();
    for (f, batch) in small.iter().zip(batches) {
        engine.ingest(&f.rel, batch, seen);
    }
    for f in large {
        let result = read_file(
            &f.path,
            f.format,
            Default::default(),
            &spec.schema,
            true,
            &mut |b| engine.ingest(&f.rel, b, seen),
        );
        if let Err(e) = result {
            engine.withdraw_file(&f.rel);
            engine.ingest(
                &f.rel,
                Batch::rejected(Loc::Whole, format!("cannot read: {e}")),
                seen,
            );
        }
    }
}

/// A fresh engine holding the whole feed as it is now.
pub fn load(spec: &FeedSpec) -> Engine {
    let mut engine = Engine::new(spec.manifest.clone());
    load_into(&mut engine, spec, &spec.files(), super::now());
    engine
}
