//! `votewatch replay FEED --headless`: the replay as an NDJSON event stream.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::output::events::Announcer;
use crate::session::{Opened, Session};

/// Writes events as the replay goes (at most ten `totals` a second), and the final totals at
/// the end; a replay of a whole feed ends exactly where `tally` of it stands.
/// `fail_on` turns the final count's critical flags, rejections… into exit status 3.
pub fn headless(opened: Opened, mut forensics: crate::forensics::Cache, fail_on: &[crate::cli::FailOn]) -> Result<()> {
    let mut session = Session::new(opened);
    session.stop_on_signals()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let gap = Duration::from_secs(1) / crate::output::events::TOTALS_PER_SECOND;
    let mut last = Instant::now() - gap;
    let mut announcer = Announcer::default();
    if let Some(n) = session.notice() {
        crate::text::warn(&n);
    }
    let mut written = u64::MAX;
    let result: std::io::Result<()> = (|| {
        loop {
            let finished = session.replay_finished();
            let version = session.version();
            let now = Instant::now();
            if version != written && (now >= last + gap || finished) {
                let summary = forensics.summary(session.source.engine(), finished);
                announcer.announce(&mut out, &summary, now, finished)?;
                out.flush()?;
                written = version;
                last = now;
            } else {
                announcer.catch_up(&mut out, now)?;
            }
            if finished && version == written {
                break;
            }
            let mut until = if version != written { last + gap } else { now + Duration::from_secs(1) };
            if let Some(t) = announcer.deadline() {
                until = until.min(t);
            }
            if !session.step(until) {
                break;
            }
        }
        out.flush()
    })();
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    let summary = forensics.summary(session.source.engine(), true);
    super::warn_baseline(&summary);
    super::fail_on(&summary, fail_on)
}
