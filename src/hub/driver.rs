//! What feeds the hub: a watched directory, or a replay. Both hand on changes; the driver
//! says when it next needs a turn, runs that turn, takes the replay controls, and describes
//! how it runs (for the header).

use std::time::Instant;

use crate::feed::Timestamp;
use crate::source::follow::Follow;
use crate::source::live::Out;
use crate::source::replay::Replay;
use crate::source::watcher::FsChange;

use super::snapshot::{Mode, ReplayState};

/// The replay controls a viewer may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    TogglePause,
    Faster,
    Slower,
    Step,
    SeekBack,
    SeekForward,
}

pub enum Driver {
    Live(Box<Follow>),
    Replay(Box<Replay>),
}

impl Driver {
    /// Hands on how the count starts (a replay's refusals; a watched feed's first reading was
    /// handed on when it was opened).
    pub fn start(&mut self, out: Out) {
        if let Driver::Replay(r) = self {
            r.start(out);
        }
    }

    /// When the driver next needs a turn (a file settles, a report is due), if it does.
    pub fn deadline(&self, now: Instant) -> Option<Instant> {
        match self {
            Driver::Live(f) => Some(f.deadline()),
            Driver::Replay(r) if r.paused() || r.finished() => None,
            Driver::Replay(r) => Some(r.next_due().unwrap_or(now)),
        }
    }

    /// A turn: file-system changes taken, settled files read, the replay's due reports.
    pub fn turn(&mut self, changes: Vec<FsChange>, now: Instant, out: Out) {
        match self {
            Driver::Live(f) => {
                if !changes.is_empty() {
                    f.changed(changes, now, out);
                }
                f.tick(now, out);
            }
            Driver::Replay(r) => {
                r.advance(now, out);
            }
        }
    }

    /// Applies a replay control (a watched feed has none).
    pub fn control(&mut self, c: Control, now: Instant, out: Out) {
        let Driver::Replay(r) = self else { return };
        match c {
            Control::TogglePause => r.toggle_pause(now),
            Control::Faster => r.change_speed(2.0, now),
            Control::Slower => r.change_speed(0.5, now),
            Control::Step => r.step(now, out),
            Control::SeekBack => {
                let s = r.seek_step();
                r.seek(-s, now, out)
            }
            Control::SeekForward => {
                let s = r.seek_step();
                r.seek(s, now, out)
            }
        }
    }

    /// Whether a replay has handed on everything.
    pub fn finished(&self) -> bool {
        matches!(self, Driver::Replay(r) if r.finished())
    }

    /// How the feed runs now; feed times shown with `offset` (seconds east of UTC).
    pub fn mode(&self, now: Instant, offset: i32) -> Mode {
        match self {
            Driver::Live(f) => Mode::Live { root: crate::text::clean_path(f.root()) },
            Driver::Replay(r) => {
                let (first, last) = r.bounds();
                let clock = r.clock(now);
                let clock = if clock.is_finite() { clock } else { r.current_time() };
                let ts = |unix: f64| Timestamp { unix: unix.floor() as i64, offset_seconds: offset };
                Mode::Replay(ReplayState {
                    clock: first.map(|f| ts(clock.clamp(f - 1.0, last.unwrap_or(f)))),
                    first: first.map(ts),
                    last: last.map(ts),
                    speed: r.speed(),
                    paused: r.paused(),
                    position: r.position(),
                    total: r.total(),
                })
            }
        }
    }

    /// What the feed says of itself (the directory gone, a manifest unusable, a recording cut
    /// short), if anything.
    pub fn notice(&self) -> Option<String> {
        match self {
            Driver::Live(f) => f.error(),
            Driver::Replay(r) => r.script().notice.clone(),
        }
    }
}
