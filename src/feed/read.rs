//! Reading one feed file in its format, from where the last read stopped.

use std::path::Path;

use super::ndjson::Progress;
use super::{Batch, Format, Loc, Schema, csv, json, ndjson, too_big};

/// How a file was read, so the next read of a growing file can go on from there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadState {
    pub progress: Progress,
}

/// Reads a file. For NDJSON, from `from` on (a fresh read passes the default); other formats
/// are read whole. `take_tail` takes a last line without its newline as finished.
pub fn read_file(
    path: &Path,
    format: Format,
    from: Progress,
    schema: &Schema,
    take_tail: bool,
    sink: &mut dyn FnMut(Batch),
) -> std::io::Result<Progress> {
    match format {
        Format::Ndjson => ndjson::read(path, from, schema, take_tail, sink),
        Format::Csv => {
            let offset = csv::read(path, schema, take_tail, sink)?;
            Ok(Progress { offset, lines: 0 })
        }
        Format::Json => {
            let size = std::fs::metadata(path)?.len();
            if size > schema.max_file_size {
                sink(Batch::rejected(Loc::Whole, too_big("file", size, schema.max_file_size)));
            } else {
                let bytes = std::fs::read(path)?;
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    // An empty file is being created; nothing to count yet.
                    if take_tail {
                        sink(Batch::rejected(Loc::Whole, "empty file"));
                    }
                } else {
                    sink(json::parse(&bytes, schema));
                }
            }
            Ok(Progress { offset: size, lines: 0 })
        }
    }
}

/// Reads a whole file as finished, collecting everything.
pub fn read_whole(path: &Path, format: Format, schema: &Schema) -> std::io::Result<Batch> {
    let mut all = Batch::default();
    read_file(path, format, Progress::default(), schema, true, &mut |b| all.extend(b))?;
    Ok(all)
}
