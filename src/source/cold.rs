//! Reading a whole feed at once: small files in parallel, large logs in blocks whose lines
//! are parsed in parallel, everything handed on as changes (for one engine to apply).

use rayon::prelude::*;

use crate::feed::read::read_file;
use crate::feed::scan::{FeedFile, Refused, Scan};
use crate::feed::{Batch, Change, Loc, Schema};

use super::FeedSpec;
use super::live::Out;

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

/// Hands on every file of `scan` (of `spec`) as read whole: small files read in parallel,
/// large logs in blocks parsed while the last block is taken. `expect` hears, before a large
/// file, about how many reports it holds (so tables can be sized once).
pub fn read(spec: &FeedSpec, scan: &Scan, out: Out, expect: &mut dyn FnMut(usize)) {
    let now = super::now();
    let (large, small): (Vec<&FeedFile>, Vec<&FeedFile>) = scan
        .files
        .iter()
        .partition(|f| f.format.is_streamed() && std::fs::metadata(&f.path).is_ok_and(|m| m.len() >= LARGE_FILE));
    let batches: Vec<Batch> = small.par_iter().map(|f| read_finished(f, &spec.schema)).collect();
    for (f, batch) in small.iter().zip(batches) {
        out(Change::Replace { source: f.rel.clone(), from: Loc::Whole, batch }, now);
    }
    for f in large {
        // A quarter more than estimated: room never touched costs address space, not memory,
        // while a table that runs out doubles (and copies) at its largest.
        expect(estimate_lines(&f.path) * 5 / 4 + 1024);
        // Parse the next block while the last one is taken.
        let result = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
            let reader = scope.spawn(move || {
                read_file(&f.path, f.format, Default::default(), &spec.schema, true, &mut |b| {
                    let _ = tx.send(b);
                })
            });
            let mut first = true;
            for batch in rx {
                // The first block replaces the file; the next ones follow it.
                let from = if first { Loc::Whole } else { first_place(&batch) };
                first = false;
                out(Change::Replace { source: f.rel.clone(), from, batch }, now);
            }
            reader.join().unwrap_or_else(|_| Err(std::io::Error::other("the reader failed")))
        });
        if let Err(e) = result {
            let batch = Batch::rejected(Loc::Whole, crate::feed::unreadable(&e));
            out(Change::Replace { source: f.rel.clone(), from: Loc::Whole, batch }, now);
        }
    }
    for r in &scan.refused {
        out(
            Change::Replace {
                source: r.rel.clone(),
                from: Loc::Whole,
                batch: Batch::rejected(Loc::Whole, r.reason.clone()),
            },
            now,
        );
    }
}

/// Where a block of a file begins (its first report's or refusal's place).
fn first_place(batch: &Batch) -> Loc {
    let reports = batch.reports.iter().map(|(l, _)| *l);
    let refused = batch.rejections.iter().map(|(l, _)| *l);
    reports.chain(refused).min().unwrap_or(Loc::Whole)
}

/// The feed's paths, with a feed root that cannot be listed as a refusal of its own (`./`).
pub fn scan_or_refuse(spec: &FeedSpec) -> Scan {
    spec.scan().unwrap_or_else(|e| Scan {
        refused: vec![Refused {
            rel: "./".into(),
            reason: format!("cannot read the feed: {}", crate::feed::io_reason(&e)),
        }],
        ..Scan::default()
    })
}
