//! The election-night dashboard. One file per screen region; [`draw`] lays them out for the
//! terminal's size, and [`run_loop`] (generic over the ratatui backend, so tests drive it with
//! `TestBackend`) redraws only when something changed, at a bounded frame rate.

pub mod anomalies;
pub mod app;
pub mod candidates;
pub mod detail;
pub mod drill;
pub mod fingerprint;
pub mod header;
pub mod help;
pub mod keys;
pub mod regions;
pub mod rejected;
pub mod terminal;
pub mod theme;
pub mod timeline;
pub mod turnout;

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::Event;
use ratatui::backend::Backend;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::{Frame, Terminal};

use crate::hub::view::View;

use app::{Action, App, Panel};
use theme::Theme;

/// Below this the dashboard says the terminal is too small.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Full layout (every panel at once) from this size on.
const FULL_WIDTH: u16 = 120;
const FULL_HEIGHT: u16 = 36;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, view: &View, app: &mut App, theme: &Theme) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = vec![
            Line::from(Span::styled("Terminal too small", theme.critical())),
            Line::from(Span::styled(
                format!("need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}", area.width, area.height),
                theme.text(),
            )),
            Line::from(Span::styled("q quits", theme.dim())),
        ];
        f.render_widget(Paragraph::new(msg), area);
        app.areas.panels.clear();
        return;
    }
    let header_h =
        2 + u16::from(matches!(view.mode, crate::hub::view::Mode::Replay(_))) + u16::from(view.notice.is_some());
    let full = area.width >= FULL_WIDTH && area.height >= FULL_HEIGHT;
    // In the tabbed layout the fingerprint takes the candidates' rows too: it needs the room.
    let cand_h = if !full && app.focus == Panel::Fingerprint {
        0
    } else {
        (view.summary.candidates.len() as u16 + 2).clamp(3, if area.height >= FULL_HEIGHT { 14 } else { 9 })
    };
    let [head, top, body, foot] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Length(cand_h),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(area);
    let wall = app.wall_clock.clone().unwrap_or_else(header::wall_clock);
    header::draw(f, head, view, &wall, theme);
    app.areas.panels.clear();
    app.areas.full = full;
    if full {
        let [cands, turn] = Layout::horizontal([Constraint::Min(60), Constraint::Length(40)]).areas(top);
        candidates::draw(f, cands, view, theme);
        turnout::draw(f, turn, view, theme);
        let [left, right] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
        let [main, time] = Layout::vertical([Constraint::Min(8), Constraint::Length(12)]).areas(left);
        let [anom, rej] = Layout::vertical([Constraint::Percentage(65), Constraint::Percentage(35)]).areas(right);
        // The fingerprint, when open, takes the whole left column.
        app.areas.fingerprint_grid = Some(fingerprint::grid(left, theme));
        if app.fingerprint_open {
            draw_panel(f, Panel::Fingerprint, left, view, app, theme);
        } else {
            draw_panel(f, Panel::Regions, main, view, app, theme);
            draw_panel(f, Panel::Timeline, time, view, app, theme);
        }
        draw_panel(f, Panel::Anomalies, anom, view, app, theme);
        draw_panel(f, Panel::Rejected, rej, view, app, theme);
    } else {
        if cand_h > 0 {
            candidates::draw(f, top, view, theme);
        }
        // One panel at a time, chosen with Tab; the tabs say which.
        let [tabs, panel] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(body);
        // Where the fingerprint goes when it is in front: below the tabs, over the candidates.
        let slot_y = head.bottom() + 1;
        let slot = Rect { x: area.x, y: slot_y, width: area.width, height: foot.y.saturating_sub(slot_y) };
        app.areas.fingerprint_grid = Some(fingerprint::grid(slot, theme));
        let mut spans = Vec::new();
        for p in Panel::ALL {
            let count = match p {
                Panel::Anomalies => format!(" {}", view.summary.anomalies.len()),
                Panel::Rejected => format!(" {}", view.summary.rejected.len()),
                _ => String::new(),
            };
            let label = format!(" {}{count} ", p.title());
            spans.push(Span::styled(label, if p == app.focus { theme.selected() } else { theme.dim() }));
            spans.push(Span::raw(" "));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), tabs);
        draw_panel(f, app.focus, panel, view, app, theme);
    }
    footer(f, foot, view, app, theme);
    if let Some(p) = app.detail.clone() {
        detail::draw(f, area, view, &p, theme);
    }
    if app.help {
        help::draw(f, area, theme);
    }
}

fn draw_panel(f: &mut Frame, p: Panel, area: Rect, view: &View, app: &mut App, theme: &Theme) {
    app.areas.panels.push((p, area));
    match p {
        Panel::Regions if app.drill.is_some() => drill::draw(f, area, view, app, theme),
        Panel::Regions => regions::draw(f, area, view, app, theme),
        Panel::Anomalies => anomalies::draw(f, area, view, app, theme),
        Panel::Rejected => rejected::draw(f, area, view, app, theme),
        Panel::Timeline => timeline::draw(f, area, view, app, theme),
        Panel::Fingerprint => fingerprint::draw(f, area, view, app, theme),
    }
}

fn footer(f: &mut Frame, area: Rect, view: &View, app: &App, theme: &Theme) {
    if let Some(note) = &app.note {
        f.render_widget(
            Paragraph::new(Span::styled(crate::text::fit(note, area.width as usize), theme.warning())),
            area,
        );
        return;
    }
    let in_fingerprint = app.focus == Panel::Fingerprint && app.fingerprint_shown();
    let mut keys: Vec<(&str, &str)> = vec![("?", "help"), ("q", "quit"), ("Tab", "focus")];
    if in_fingerprint {
        keys.extend([("f", "close"), ("n", "nation"), ("[ ]", "region")]);
    } else {
        keys.extend([("Enter", "open"), ("/", "filter"), ("f", "fingerprint")]);
    }
    if matches!(view.mode, crate::hub::view::Mode::Replay(_)) {
        keys.extend([("Space", "pause"), ("+/-", "speed"), (".", "step")]);
        if !in_fingerprint {
            keys.push(("[ ]", "seek"));
        }
    }
    if app.drill.is_some() || app.detail.is_some() || app.fingerprint_shown() {
        keys.insert(0, ("Esc", "back"));
    }
    let spans: Vec<Span> = keys
        .iter()
        .flat_map(|(k, what)| {
            [Span::styled(format!(" {k} "), theme.selected()), Span::styled(format!(" {what} "), theme.dim())]
        })
        .collect();
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A panel's frame: its title, with the filter in force (and a caret while it is typed), the
/// border bright when the panel has focus.
pub fn panel_block(
    title: String,
    focused: bool,
    filter: &str,
    editing: bool,
    theme: &Theme,
) -> ratatui::widgets::Block<'static> {
    let mut title = title;
    if !filter.is_empty() || (focused && editing) {
        title.push_str(&format!(
            "· filter: {}{} ",
            crate::text::clean(filter),
            if focused && editing { "▏" } else { "" }
        ));
    }
    ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(title, theme.title()))
}

/// A table whose selected row is highlighted, as the panels use them.
pub fn selectable_table<'a>(
    rows: Vec<ratatui::widgets::Row<'a>>,
    widths: &[Constraint],
    header: ratatui::widgets::Row<'a>,
    block: ratatui::widgets::Block<'a>,
    theme: &Theme,
) -> ratatui::widgets::Table<'a> {
    ratatui::widgets::Table::new(rows, widths.to_vec())
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected())
        .highlight_symbol("› ")
}

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
}

impl<'a> Host<'a> {
    /// A local terminal: always ready.
    pub fn local(signal: &'a AtomicI32, suspend: &'a mut dyn FnMut() -> std::io::Result<()>) -> Host<'a> {
        Host { signal, suspend, ready: &|| true }
    }
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
    host: Host,
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
