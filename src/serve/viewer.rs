//! One SSH viewer's dashboard: the same loop as a local terminal's (`ui::run_loop`), on a
//! thread of its own, drawing into the viewer's outbox at the viewer's size and colours, with
//! the viewer's keys as its input. A panic in it ends this viewer only; whatever ends it, the
//! viewer's terminal is given back (alternate screen left, cursor shown, mouse reporting off)
//! and told why.

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, MouseEventKind};
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, queue, style};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use crate::hub::Viewer;
use crate::hub::view::View;
use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::{Ending, Events, Host, Views, run_loop};

use super::outbox::{Outbox, Screen};

/// What reaches a viewer's loop from outside.
#[derive(Debug)]
pub enum Input {
    /// A key, a mouse report, a new window size.
    Event(Event),
    /// Something was published, or a frame has gone: look again.
    Wake,
}

/// How one viewer's dashboard runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub cols: u16,
    pub rows: u16,
    pub theme: Theme,
    /// The viewer's keys drive the replay clock (`--shared-control`).
    pub drives_clock: bool,
    pub fps: u32,
    /// Ended after this long without a key.
    pub idle: Duration,
}

/// Why a viewer's dashboard ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// `q`, Esc at the top, Ctrl-C, Ctrl-\.
    Quit,
    /// No key for the idle timeout.
    Idle,
    /// The server is stopping.
    Stopping,
    /// The viewer's connection went (nothing more can be said to it).
    Gone,
    /// The dashboard failed: a panic (its message) or an error.
    Failed(String),
}

impl End {
    /// What the viewer is told as its terminal is given back, and the exit status its `ssh`
    /// returns.
    pub fn goodbye(&self, idle: Duration) -> (Option<String>, u32) {
        match self {
            End::Quit | End::Gone => (None, 0),
            End::Idle => (Some(format!("votewatch: disconnected after {} without a key", duration_words(idle))), 0),
            End::Stopping => (Some("votewatch: the server is stopping; goodbye".into()), 0),
            End::Failed(_) => (
                Some("votewatch: this dashboard failed (the server logged why); connect again to start afresh".into()),
                1,
            ),
        }
    }

    /// The reason as logged.
    pub fn reason(&self) -> String {
        match self {
            End::Quit => "quit".into(),
            End::Idle => "idle timeout".into(),
            End::Stopping => "server stopping".into(),
            End::Gone => "connection closed".into(),
            End::Failed(why) => format!("failed: {why}"),
        }
    }
}

fn duration_words(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s >= 60 && s % 60 == 0 => format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" }),
        s => format!("{s} second{}", if s == 1 { "" } else { "s" }),
    }
}

/// A viewer's input as the dashboard's events: keys and sizes from the connection, wakes from
/// the hub and the outbox; an error when the connection is gone or the viewer idled out.
struct RemoteEvents {
    rx: Receiver<Input>,
    outbox: Arc<Outbox>,
    idle: Duration,
    last_key: Instant,
}

/// The error that says the viewer idled out.
fn idle_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "idle")
}

impl Events for RemoteEvents {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>> {
        if self.outbox.hung_up() {
            return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the viewer has gone"));
        }
        let left = self.idle.saturating_sub(self.last_key.elapsed());
        if left.is_zero() {
            return Err(idle_error());
        }
        match self.rx.recv_timeout(timeout.min(left)) {
            Ok(Input::Event(ev)) => {
                let deliberate = match &ev {
                    Event::Key(_) => true,
                    Event::Mouse(m) => !matches!(m.kind, MouseEventKind::Moved),
                    _ => false,
                };
                if deliberate {
                    self.last_key = Instant::now();
                }
                Ok(Some(ev))
            }
            Ok(Input::Wake) | Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the viewer has gone"))
            }
        }
    }
}

/// The hub's viewer, noting which snapshot each frame shows (for the trace).
struct Noted<'a> {
    viewer: &'a Viewer,
    shows: Arc<AtomicU64>,
}

impl Views for Noted<'_> {
    fn version(&self) -> u64 {
        self.viewer.version()
    }
    fn latest(&self) -> View {
        let view = self.viewer.latest();
        self.shows.store(view.version, Ordering::Release);
        view
    }
    fn send(&self, c: crate::hub::Command) {
        self.viewer.send(c)
    }
}

/// The bytes that take a viewer's terminal over.
fn take_over(out: &mut impl Write) -> std::io::Result<()> {
    queue!(out, EnterAlternateScreen, EnableMouseCapture, cursor::Hide, Clear(ClearType::All))?;
    out.flush()
}

/// The bytes that give it back, then the goodbye on a line of its own.
fn give_back(goodbye: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = queue!(out, style::ResetColor, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    if let Some(line) = goodbye {
        out.extend_from_slice(crate::text::escape_controls(line).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Runs one viewer's dashboard until it ends; the terminal is given back and the goodbye
/// queued (the caller then ends the channel with the goodbye's status). `stop` is where the
/// server's stop reaches the loop (set to SIGTERM).
pub fn run(viewer: Viewer, settings: Settings, input: Receiver<Input>, outbox: Arc<Outbox>, stop: &AtomicI32) -> End {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| -> std::io::Result<Ending> {
        let mut screen = Screen::new(Arc::clone(&outbox));
        take_over(&mut screen)?;
        let views = Noted { viewer: &viewer, shows: Arc::clone(&screen.shows) };
        let area = Rect::new(0, 0, settings.cols, settings.rows);
        let mut terminal =
            Terminal::with_options(CrosstermBackend::new(screen), TerminalOptions { viewport: Viewport::Fixed(area) })?;
        let mut app = App { drives_clock: settings.drives_clock, ..App::default() };
        let mut events =
            RemoteEvents { rx: input, outbox: Arc::clone(&outbox), idle: settings.idle, last_key: Instant::now() };
        let ready = || outbox.ready();
        let host = Host { signal: stop, suspend: &mut || Ok(()), ready: &ready, save: None };
        run_loop(&mut terminal, &mut app, &views, &mut events, &settings.theme, settings.fps, host)
    }));
    let end = match result {
        Ok(Ok(Ending::Quit | Ending::Abort)) => End::Quit,
        Ok(Ok(Ending::Signal(_))) => End::Stopping,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::TimedOut => End::Idle,
        Ok(Err(e)) if outbox.gone() || e.kind() == std::io::ErrorKind::BrokenPipe => End::Gone,
        Ok(Err(e)) => End::Failed(e.to_string()),
        Err(panic) => End::Failed(panic_message(panic.as_ref())),
    };
    if end != End::Gone {
        let (goodbye, _) = end.goodbye(settings.idle);
        let _ = outbox.push(&give_back(goodbye.as_deref()), 0);
    }
    end
}

/// A panic's message, as far as it has one.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        format!("panic: {s}")
    } else if let Some(s) = panic.downcast_ref::<String>() {
        format!("panic: {s}")
    } else {
        "panic".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giving_back_leaves_the_alternate_screen_shows_the_cursor_and_ends_mouse_reporting() {
        let bytes = String::from_utf8(give_back(Some("votewatch: bye\u{1b}[31m"))).unwrap();
        assert!(bytes.contains("\u{1b}[?1049l"), "alternate screen left: {bytes:?}");
        assert!(bytes.contains("\u{1b}[?25h"), "cursor shown: {bytes:?}");
        assert!(bytes.contains("\u{1b}[?1000l"), "mouse reporting off: {bytes:?}");
        assert!(bytes.ends_with("votewatch: bye\\u{1b}[31m\r\n"), "the goodbye, escaped: {bytes:?}");
    }

    #[test]
    fn goodbyes() {
        let idle = Duration::from_secs(1800);
        assert_eq!(End::Idle.goodbye(idle).0.unwrap(), "votewatch: disconnected after 30 minutes without a key");
        assert_eq!(End::Quit.goodbye(idle), (None, 0));
        assert_eq!(End::Failed("x".into()).goodbye(idle).1, 1);
        assert_eq!(duration_words(Duration::from_secs(5)), "5 seconds");
    }
}
