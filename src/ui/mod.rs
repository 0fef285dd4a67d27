//! The election-night dashboard. One file per screen region; [`draw`] lays them out for the
//! terminal's size, and [`run_loop`] (`event_loop.rs`, generic over the ratatui backend, so
//! tests drive it with `TestBackend`) redraws only when something changed, at a bounded frame
//! rate.

pub mod anomalies;
pub mod app;
pub mod candidates;
pub mod detail;
pub mod drill;
pub mod entry;
pub mod event_loop;
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

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::hub::view::View;

use app::{App, Panel};
use theme::Theme;

pub use event_loop::{CrosstermEvents, Ending, Events, Host, Save, Views, run_loop, screen_text};

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
    if let Some(e) = &app.entry {
        entry::draw(f, area, e, theme);
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
    if app.drill.is_some() || app.detail.is_some() || app.entry.is_some() || app.fingerprint_shown() {
        keys.insert(0, ("Esc", "back"));
    }
    // Whole hints only, as many as fit.
    let mut spans: Vec<Span> = Vec::new();
    let mut used = 0;
    for (k, what) in keys {
        let (key, what) = (format!(" {k} "), format!(" {what} "));
        let w = crate::text::width(&key) + crate::text::width(&what);
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.extend([Span::styled(key, theme.selected()), Span::styled(what, theme.dim())]);
    }
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

/// The widths [`selectable_table`] gives its columns inside a bordered `area` (the same layout
/// the table makes: the highlight symbol's cells, then the columns one cell apart), so that
/// each cell's text can be cut to its column with an ellipsis rather than by the table.
pub fn column_widths(area: Rect, widths: &[Constraint]) -> Vec<usize> {
    let inner = area.width.saturating_sub(2);
    let columns = Rect::new(0, 0, inner.saturating_sub(HIGHLIGHT_WIDTH), 1);
    Layout::horizontal(widths.to_vec())
        .flex(ratatui::layout::Flex::Start)
        .spacing(1)
        .split(columns)
        .iter()
        .map(|r| r.width as usize)
        .collect()
}

/// Spans cut to `width` cells, the cut marked with an ellipsis (the spans' text is already
/// clean).
pub fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let total: usize = spans.iter().map(|s| crate::text::width(&s.content)).sum();
    if total <= width {
        return Line::from(spans);
    }
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = crate::text::width(&s.content);
        if used + w < width {
            used += w;
            out.push(s);
        } else {
            // What follows is cut too: the ellipsis goes in even where this span would fit.
            let room = width - used;
            out.push(Span::styled(crate::text::fit(&format!("{}…", s.content), room), s.style));
            break;
        }
    }
    Line::from(out)
}

const HIGHLIGHT: &str = "› ";
const HIGHLIGHT_WIDTH: u16 = 2;

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
        .highlight_symbol(HIGHLIGHT)
        .flex(ratatui::layout::Flex::Start)
        .column_spacing(1)
}
