//! For the serve benchmark: with `VOTEWATCH_SERVE_TRACE=FILE`, when each snapshot was
//! published and when each viewer's frame showing it had gone, as NDJSON (microseconds since
//! the server started), so the delay from a new snapshot to the last viewer's frame can be
//! measured from outside.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

/// The variable naming the trace file.
pub const TRACE_VAR: &str = "VOTEWATCH_SERVE_TRACE";

pub struct Trace {
    start: Instant,
    out: Mutex<std::io::BufWriter<std::fs::File>>,
}

impl Trace {
    /// The trace the environment asks for, if any.
    pub fn from_env() -> anyhow::Result<Option<Trace>> {
        let Some(path) = std::env::var_os(TRACE_VAR) else { return Ok(None) };
        let file = std::fs::File::create(&path)
            .map_err(|e| anyhow::anyhow!("{}: cannot create the trace: {e}", crate::text::clean_path(path.as_ref())))?;
        Ok(Some(Trace { start: Instant::now(), out: Mutex::new(std::io::BufWriter::new(file)) }))
    }

    fn line(&self, text: std::fmt::Arguments) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_fmt(text);
        let _ = out.write_all(b"\n");
    }

    fn micros(&self, at: Instant) -> u128 {
        at.saturating_duration_since(self.start).as_micros()
    }

    /// Snapshot `version` was published at `at`.
    pub fn published(&self, version: u64, at: Instant) {
        self.line(format_args!(r#"{{"published":{version},"us":{}}}"#, self.micros(at)));
    }

    /// Viewer `viewer`'s frame showing snapshot `version` had gone at `at`.
    pub fn sent(&self, viewer: usize, version: u64, at: Instant) {
        self.line(format_args!(r#"{{"viewer":{viewer},"shows":{version},"us":{}}}"#, self.micros(at)));
    }

    pub fn flush(&self) {
        let _ = self.out.lock().unwrap_or_else(|e| e.into_inner()).flush();
    }
}
