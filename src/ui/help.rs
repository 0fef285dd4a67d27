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
    ("Enter", "drill into a region · open a precinct's reports, a flag or a refusal in full"),
    ("s / S", "change the sort of the list in focus / reverse it (anomalies: most serious or newest first)"),
    ("/", "filter the list in focus (Enter keeps it, Esc clears it)"),
    ("Space", "replay: pause / resume"),
    ("+ / -", "replay: twice as fast / half as fast"),
    (".", "replay: one report, then pause"),
    ("[ / ]", "replay: seek back / forward a twentieth of the night"),
    (
        "f",
        "fingerprint: turnout × leader's share of the region drilled into or picked, else the nation (f or Esc closes)",
    ),
    ("n  [ ]", "in the fingerprint: the nation · previous / next region"),
    ("w", "save this screen as text and the count as JSON, here"),
    ("mouse", "scroll a list · click a panel to focus it"),
    ("Ctrl-\\", "abort at once (like SIGQUIT); the terminal is still restored"),
];

pub fn draw(f: &mut Frame, area: Rect, theme: &Theme) {
    let w = 80.min(area.width);
    // The keys in a column of their own; what they do wrapped beside them.
    let key_w = KEYS.iter().map(|(k, _)| crate::text::width(k)).max().unwrap_or(0) + 3;
    let text_w = (w as usize).saturating_sub(2 + key_w).max(10);
    let mut lines: Vec<Line> = Vec::new();
    for (k, what) in KEYS {
        for (i, part) in crate::text::wrap(what, text_w).into_iter().enumerate() {
            let key = if i == 0 { format!("{k:>0$}  ", key_w - 2) } else { " ".repeat(key_w) };
            lines.push(Line::from(vec![Span::styled(key, theme.title()), Span::styled(part, theme.text())]));
        }
    }
    // The closing words, where the screen has room for them after the keys.
    let mut closing = vec![Line::from("")];
    for l in crate::text::wrap("Flags are reasons to look, not proof: each says what was measured.", w as usize - 2) {
        closing.push(Line::from(Span::styled(l, theme.dim())));
    }
    if lines.len() + closing.len() + 2 <= area.height as usize {
        lines.extend(closing);
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    f.render_widget(Clear, popup);
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.title()).title(Span::styled(" Keys ", theme.title()));
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
