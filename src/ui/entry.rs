//! An entry opened in full: a region's or the nation's flag, or a refused file, with its whole
//! text wrapped to the overlay (the lists cut it to one line). Esc or Enter closes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::Entry;
use super::theme::Theme;

pub fn draw(f: &mut Frame, area: Rect, entry: &Entry, theme: &Theme) {
    let w = 80.min(area.width.saturating_sub(2)).max(10);
    let text_w = w.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for p in &entry.paragraphs {
        lines.extend(crate::text::wrap(p, text_w).into_iter().map(|l| Line::from(Span::styled(l, theme.text()))));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Esc closes", theme.dim())));
    let h = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    f.render_widget(Clear, popup);
    let title = crate::text::fit(&entry.title, text_w.saturating_sub(2));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.title())
        .title(Span::styled(format!(" {title} "), theme.title()));
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
