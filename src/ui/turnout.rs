//! Turnout: among the precincts that report, and ballots so far against the registered total
//! the manifest expects.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::hub::view::View;
use crate::text::{percent, thousands};

use super::header::bar;
use super::theme::Theme;

pub fn draw(f: &mut Frame, area: Rect, view: &View, theme: &Theme) {
    let s = &view.summary;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(Span::styled(" Turnout ", theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = (inner.width as usize).saturating_sub(2).max(4);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Reporting precincts  ", theme.dim()),
            Span::styled(percent(s.ballots, s.registered), theme.title()),
        ]),
        Line::from(Span::styled(bar(s.ballots, s.registered, w), theme.gauge())),
        Line::from(Span::styled(format!("{} of {}", thousands(s.ballots), thousands(s.registered)), theme.text())),
    ];
    if let Some(expected) = s.registered_expected {
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled("Of the whole electorate  ", theme.dim()),
            Span::styled(percent(s.ballots, expected), theme.title()),
        ]));
        lines.push(Line::from(Span::styled(bar(s.ballots, expected, w), theme.gauge())));
        lines.push(Line::from(Span::styled(
            format!("{} of {} (manifest)", thousands(s.ballots), thousands(expected)),
            theme.text(),
        )));
    }
    lines.push(Line::from(vec![
        Span::styled("Invalid ", theme.dim()),
        Span::styled(format!("{} ({})", thousands(s.invalid), percent(s.invalid, s.ballots)), theme.text()),
    ]));
    f.render_widget(Paragraph::new(lines), inner);
}
