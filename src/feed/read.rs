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
            Ok(Progress { offset, ..Progress::default() })
        }
        Format::Json => {
            let mut file = open_regular(path)?;
            let size = file.metadata()?.len();
            if size > schema.max_file_size {
                sink(Batch::rejected(Loc::Whole, too_big("file", size, schema.max_file_size)));
            } else {
                let mut bytes = Vec::with_capacity(size as usize);
                std::io::Read::read_to_end(
                    &mut std::io::Read::take(&mut file, schema.max_file_size.saturating_add(1)),
                    &mut bytes,
                )?;
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    // An empty file is being created; nothing to count yet.
                    if take_tail {
                        sink(Batch::rejected(Loc::Whole, "empty file"));
                    }
                } else {
                    sink(json::parse(&bytes, schema));
                }
            }
            Ok(Progress { offset: size, ..Progress::default() })
        }
    }
}

/// Opens a report file for reading, refusing anything but a regular file (a FIFO would block
/// the reader, a device never end) without ever waiting on it.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "not a regular file but {}",
            super::scan::kind_of(&meta.file_type())
        )));
    }
    Ok(file)
}

/// Reads a whole file as finished, collecting everything.
pub fn read_whole(path: &Path, format: Format, schema: &Schema) -> std::io::Result<Batch> {
    let mut all = Batch::default();
    read_file(path, format, Progress::default(), schema, true, &mut |b| all.extend(b))?;
    Ok(all)
}
