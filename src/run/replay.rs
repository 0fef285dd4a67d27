//! `votewatch replay FEED --headless`: the replay as an NDJSON event stream.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::output::events::{Announcer, write_event};
use crate::session::{Session, Source};

/// Writes events as the replay goes (at most ten `totals` a second), and the final totals at
/// the end; a replay of a whole feed ends exactly where `tally` of it stands.
pub fn headless(source: Source, mut forensics: crate::forensics::Cache) -> Result<()> {
    let stop = crate::run::watch::stop_flag()?;
    let mut session = Session::new(source);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let gap = Duration::from_millis(100);
    let mut last = Instant::now() - gap;
    let mut announcer = Announcer::default();
    let mut written = u64::MAX;
    let result: std::io::Result<()> = (|| {
        loop {
            let finished = session.replay_finished();
            if stop.load(Ordering::Relaxed) {
                break;
            }
            session.poll(Duration::from_millis(20));
            let version = session.version();
            if version != written && (Instant::now() >= last + gap || session.replay_finished()) {
                let summary = forensics.summary(session.source.engine(), session.replay_finished());
                announcer.announce(&mut out, &summary)?;
                write_event(&mut out, "totals", &summary)?;
                out.flush()?;
                written = version;
                last = Instant::now();
            }
            if finished && version == written {
                break;
            }
        }
        out.flush()
    })();
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
