//! Sources and parsing: what a feed directory holds, how each file format is read, and how
//! reports are judged before they reach the engine.

pub mod change;
pub mod count;
pub mod csv;
mod csv_blocks;
pub mod format;
pub mod json;
pub mod manifest;
pub mod ndjson;
mod plain;
pub mod raw;
pub mod read;
pub mod report;
pub mod scan;
pub mod schema;
pub mod thresholds;
pub mod wellformed;
pub mod write;

pub use change::Change;
pub use format::Format;
pub use manifest::Manifest;
pub use report::{Report, Timestamp};
pub use schema::Schema;

use std::fmt;

/// Where in a file a report (or a rejection) sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Loc {
    /// The whole file (a single-report JSON, or an error about the file).
    Whole,
    /// A line of NDJSON or a row of CSV, counted from 1.
    Line(u32),
    /// An element of a JSON array, counted from 0.
    Index(u32),
}

impl Loc {
    /// `path`, `path:LINE` or `path#INDEX`.
    pub fn source(self, path: &str) -> String {
        match self {
            Loc::Whole => path.to_string(),
            Loc::Line(n) => format!("{path}:{n}"),
            Loc::Index(i) => format!("{path}#{i}"),
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.source(""))
    }
}

/// What one read of (part of) a file yields: good reports and rejections, each with its place.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub reports: Vec<(Loc, Report)>,
    pub rejections: Vec<(Loc, String)>,
}

impl Batch {
    pub fn rejected(loc: Loc, reason: impl Into<String>) -> Batch {
        Batch { reports: Vec::new(), rejections: vec![(loc, reason.into())] }
    }

    pub fn push(&mut self, loc: Loc, result: Result<Report, String>) {
        match result {
            Ok(r) => self.reports.push((loc, r)),
            Err(e) => self.rejections.push((loc, e)),
        }
    }

    pub fn extend(&mut self, other: Batch) {
        self.reports.extend(other.reports);
        self.rejections.extend(other.rejections);
    }

    pub fn len(&self) -> usize {
        self.reports.len() + self.rejections.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A file is over the size cap: the one-line reason.
pub fn too_big(what: &str, size: u64, cap: u64) -> String {
    format!("{what} is {}, above the size cap of {} (--max-file-size)", human_bytes(size), human_bytes(cap))
}

/// The reason a file that cannot be read is refused.
pub fn unreadable(e: &std::io::Error) -> String {
    format!("cannot read: {}", io_reason(e))
}

/// An I/O error as a reason: its message without the "(os error N)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

pub fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if n >= 1 << 30 {
        format!("{:.1} GiB", n as f64 / (MIB * 1024.0))
    } else if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / MIB)
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}
