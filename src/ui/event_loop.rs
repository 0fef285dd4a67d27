//! The dashboard's loop: views from the hub, events from the terminal (or an SSH viewer, or a
//! test's script), a frame drawn only when something changed and the screen can take it, at a
//! bounded rate; and what the loop's host provides (signals, suspending, saving).

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::Event;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;

use crate::hub::view::View;

use super::app::{Action, App};
use super::theme::Theme;
use super::{draw, terminal};

/// Where the dashboard gets its views and sends its requests: a viewer of the hub.
pub trait Views {
    fn version(&self) -> u64;
    fn latest(&self) -> View;
    fn send(&self, c: crate::hub::Command);
}

impl Views for crate::hub::Viewer {
    fn version(&self) -> u64 {
        crate::hub::Viewer::version(self)
    }
    fn latest(&self) -> View {
        crate::hub::Viewer::latest(self)
    }
    fn send(&self, c: crate::hub::Command) {
        crate::hub::Viewer::send(self, c)
    }
}

/// Where terminal events come from (crossterm, or a script in tests).
pub trait Events {
    /// The next event, waiting at most `timeout`.
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>>;
}

/// Terminal events from crossterm, read on a thread of their own: when the terminal hangs up
/// (an SSH connection drops) crossterm can keep reading an endless end-of-file without ever
/// returning, and the dashboard must still see the stop flag, restore and exit.
pub struct CrosstermEvents {
    rx: std::sync::mpsc::Receiver<std::io::Result<Event>>,
}

impl CrosstermEvents {
    pub fn start() -> CrosstermEvents {
        let (tx, rx) = std::sync::mpsc::sync_channel(64);
        std::thread::Builder::new()
            .name("votewatch-input".into())
            .spawn(move || {
                loop {
                    let ev = match crossterm::event::poll(Duration::from_millis(100)) {
                        Ok(true) => crossterm::event::read(),
                        Ok(false) => continue,
                        Err(e) => Err(e),
                    };
                    let failed = ev.is_err();
                    if tx.send(ev).is_err() || failed {
                        return;
                    }
                }
            })
            .expect("spawn the input thread");
        CrosstermEvents { rx }
    }
}

impl Events for CrosstermEvents {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>> {
        match self.rx.recv_timeout(timeout) {
            Ok(ev) => ev.map(Some),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Ok(None),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the terminal's input is gone"))
            }
        }
    }
}

/// A backend's error as an I/O error (it is one already, for a terminal's backend).
fn io_error<E: std::error::Error + Send + Sync + 'static>(e: E) -> std::io::Error {
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
    match boxed.downcast::<std::io::Error>() {
        Ok(io) => *io,
        Err(other) => std::io::Error::other(other),
    }
}

/// Why the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `q` (or Ctrl-C).
    Quit,
    /// Ctrl-\: abort at once, as SIGQUIT would (without a core dump or a panic's text).
    Abort,
    /// A signal that ends the process.
    Signal(i32),
}

/// What the loop's host provides: where signals reach it, how to stop the process for a while,
/// and whether the screen can take a frame now.
pub struct Host<'a> {
    /// The last signal received (0: none).
    pub signal: &'a AtomicI32,
    /// Gives the terminal back, stops, takes it again when continued (the loop then redraws
    /// the whole screen).
    pub suspend: &'a mut dyn FnMut() -> std::io::Result<()>,
    /// Whether the screen has taken the last frame (a remote viewer's connection may lag: the
    /// loop then waits and draws the newest state, so intermediate frames are never made).
    pub ready: &'a dyn Fn() -> bool,
    /// Keeps what the viewer sees (`w`): the screen as text and the view; says where, or
    /// why not. `None` where the host offers no saving (an SSH viewer: the files would land
    /// on the server).
    pub save: Option<&'a mut Save<'a>>,
}

/// How a host keeps a screen: the screen's text and the view it shows; `Ok` says where.
pub type Save<'a> = dyn FnMut(&str, &View) -> Result<String, String> + 'a;

impl<'a> Host<'a> {
    /// A local terminal: always ready.
    pub fn local(signal: &'a AtomicI32, suspend: &'a mut dyn FnMut() -> std::io::Result<()>) -> Host<'a> {
        Host { signal, suspend, ready: &|| true, save: None }
    }

    /// With `w` saving the screen.
    pub fn with_save(self, save: &'a mut Save<'a>) -> Host<'a> {
        Host { save: Some(save), ..self }
    }
}

/// A drawn screen as text, a line per row (a wide character's second cell left out, spaces
/// at the ends of lines trimmed).
pub fn screen_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = crate::text::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Runs the dashboard until quit or a signal: draws when the view, the input or the size
/// changed (and once a second for the clocks); new data at most `fps` frames a second, input
/// at once.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    views: &dyn Views,
    events: &mut dyn Events,
    theme: &Theme,
    fps: u32,
    mut host: Host,
) -> std::io::Result<Ending>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let frame_gap = Duration::from_secs(1) / fps.max(1);
    // Input is answered at once (within a 60 Hz frame); new data waits for the frame rate.
    let input_gap = Duration::from_millis(16).min(frame_gap);
    let mut seen_version = views.version();
    let mut dirty = true;
    let mut input = false;
    let mut last_draw = Instant::now() - Duration::from_secs(10);
    let mut view = views.latest();
    loop {
        match host.signal.swap(0, Ordering::AcqRel) {
            0 => {}
            sig if terminal::STOPPING.contains(&sig) => {
                (host.suspend)()?;
                terminal.clear().map_err(io_error)?;
                dirty = true;
            }
            sig => return Ok(Ending::Signal(sig)),
        }
        let now = Instant::now();
        let version = views.version();
        if version != seen_version {
            view = views.latest();
            seen_version = version;
            dirty = true;
        }
        // The wall clock in the header moves once a second.
        dirty |= now.duration_since(last_draw) >= Duration::from_secs(1);
        let gap = if input { input_gap } else { frame_gap };
        // A screen still taking the last frame is waited for (its host wakes the loop).
        let ready = (host.ready)();
        if (dirty || input) && now.duration_since(last_draw) >= gap && ready {
            terminal.draw(|f| draw(f, &view, app, theme)).map_err(io_error)?;
            // A frame at another size may want the fingerprint at another resolution.
            if let Some(focus) = app.refocus() {
                views.send(crate::hub::Command::Focus(focus));
            }
            // Frames are paced from the start of one to the start of the next: counted from
            // its end, each frame's drawing time would be added to the gap, and a loop drawing
            // every snapshot the hub publishes (at the same rate) would fall behind it by that
            // much each time, showing each one later and later until it skipped one.
            last_draw = now;
            dirty = false;
            input = false;
        }
        let wait = if (dirty || input) && ready { gap.saturating_sub(last_draw.elapsed()) } else { frame_gap };
        if let Some(ev) = events.next(wait.max(Duration::from_millis(1)))? {
            match app.handle(&ev, &view) {
                Action::Quit => return Ok(Ending::Quit),
                Action::Abort => return Ok(Ending::Abort),
                Action::Suspend => {
                    (host.suspend)()?;
                    terminal.clear().map_err(io_error)?;
                    dirty = true;
                }
                Action::Redraw => input = true,
                Action::Send(c) => {
                    views.send(c);
                    input = true;
                }
                Action::Save => {
                    app.note = Some(match host.save.as_mut() {
                        Some(save) => {
                            let frame = terminal.draw(|f| draw(f, &view, app, theme)).map_err(io_error)?;
                            let text = screen_text(frame.buffer);
                            match save(&text, &view) {
                                Ok(where_) => format!("Saved {where_}"),
                                Err(why) => format!("Not saved: {why}"),
                            }
                        }
                        None => "w saves files where votewatch runs: not offered to a served viewer".into(),
                    });
                    input = true;
                }
                Action::None => {}
            }
            // The size comes with the event (a local terminal's, or an SSH viewer's window).
            if let Event::Resize(w, h) = ev {
                terminal.resize(Rect::new(0, 0, w, h)).map_err(io_error)?;
                input = true;
            }
        }
    }
}
