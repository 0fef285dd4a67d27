//! The help overlay: every key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;

pub const KEYS: &[(&str, &str)] = &[
    ("?", "this help (any key closes it)"),
    ("q / Esc", "quit (Esc first closes a detail, drill-down or filter)"),
    ("Tab / Shift-Tab", "move focus between panels"),
    ("h l  ← →", "previous / next panel"),
    ("j k  ↓ ↑", "move the selection (PgUp/PgDn, g/G or Home/End)"),
    ("Enter", "drill into a region · open a precinct's reports"),
    ("s / S", "change the sort of the table in focus / reverse it"),
    ("/", "filter the list in focus (Enter keeps it, Esc clears it)"),
    ("Space", "replay: pause / resume"),
    ("+ / -", "replay: twice as fast / half as fast"),
    (".", "replay: one report, then pause"),
    ("[ / ]", "replay: seek back / forward a twentieth of the night"),
    ("f", "fingerprint: turnout × leader's share (f or Esc closes)"),
    ("", "of the region drilled into or picked, else the nation"),
    ("n  [ ]", "in the fingerprint: the nation · previous / next region"),
    ("mouse", "scroll a list · click a panel to focus it"),
    ("Ctrl-\\", "abort at once (like SIGQUIT); the terminal is still restored"),
];

pub fn draw(f: &mut Frame, area: Rect, theme: &Theme) {
    let w = 76.min(area.width);
    let h = (KEYS.len() as u16 + 6).min(area.height);
    let popup = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    f.render_widget(Clear, popup);
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![Span::styled(format!("{k:>16}  "), theme.title()), Span::styled(*what, theme.text())])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Flags are reasons to look, not proof: each says what was measured.",
        theme.dim(),
    )));
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.title()).title(Span::styled(" Keys ", theme.title()));
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
