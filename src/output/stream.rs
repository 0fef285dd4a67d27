//! The headless event stream of a running hub: a viewer like any other, that writes each
//! snapshot's news as NDJSON events (see `events.rs`) instead of drawing it.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::hub::Hub;
use crate::hub::snapshot::Mode;

use super::events::Announcer;

/// Writes the events of `hub` until it ends — a stop signal, or, with `end_of_replay`, the
/// end of a replay — the last of them the final state's, whatever the rate limits held back.
pub fn write(hub: &Hub, out: &mut impl Write, end_of_replay: bool) -> std::io::Result<()> {
    let mut announcer = Announcer::default();
    let mut seen = u64::MAX;
    let mut stopping = false;
    loop {
        let closed = hub.closed();
        let snapshot = hub.latest();
        let now = Instant::now();
        announcer.error(out, snapshot.notice.clone())?;
        if snapshot.version != seen || closed {
            announcer.announce(out, &snapshot.summary, now, closed)?;
            seen = snapshot.version;
        } else {
            announcer.catch_up(out, now)?;
        }
        out.flush()?;
        if closed {
            return Ok(());
        }
        let finished = matches!(&snapshot.mode, Mode::Replay(r) if r.finished());
        if end_of_replay && finished && !stopping {
            // The replay is over: the hub's last word (the analysis in full), then the end.
            hub.send(crate::hub::Inbox::Stop);
            stopping = true;
        }
        let until = announcer.deadline().unwrap_or(now + Duration::from_secs(60));
        hub.wait_newer(seen, until);
    }
}
