//! Candidate bars: one bar per candidate with votes and share, sorted by votes, the leader
//! marked; the majority line (single-winner) or the threshold and seats (party-list).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::session::view::View;
use crate::text::{pad, percent, rpad, thousands};

use super::theme::Theme;

/// Cells `[0, width)` of a bar for `num/den`, with a marker at fraction `line` (the majority or
/// threshold) where the bar does not cover it.
fn bar_with_line(num: u64, den: u64, width: usize, line: Option<f64>) -> (String, String) {
    let filled = super::header::bar(num, den, width);
    let mut cells: Vec<char> = filled.chars().map(|c| if c == '·' { ' ' } else { c }).collect();
    if let Some(l) = line {
        let at = ((l * width as f64).round() as usize).min(width.saturating_sub(1));
        if cells.get(at) == Some(&' ') {
            cells[at] = '┊';
        }
    }
    let s: String = cells.iter().collect();
    let split = s.trim_end_matches([' ', '┊']).len();
    (s[..split].to_string(), s[split..].to_string())
}

pub fn draw(f: &mut Frame, area: Rect, view: &View, theme: &Theme) {
    let s = &view.summary;
    let party_list = s.election.contest == "party-list";
    let line = if party_list { s.election.threshold } else { s.election.majority };
    let title = match (party_list, line) {
        (true, Some(t)) => format!(" Parties · threshold {}% · {} seats ", t * 100.0, s.election.seats.unwrap_or(0)),
        (false, Some(m)) => format!(" Candidates · majority {}% ", m * 100.0),
        _ => " Candidates ".to_string(),
    };
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.dim()).title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let longest = s.candidates.iter().map(|c| crate::text::width(&crate::text::clean(&c.name))).max().unwrap_or(8);
    let name_w = longest.clamp(8, (w / 3).max(8));
    let votes_w = 11;
    let share_w = 7;
    let seats_w = if party_list { 6 } else { 0 };
    let mark_w = 2;
    let bar_w = w.saturating_sub(name_w + votes_w + share_w + seats_w + mark_w + 4).max(4);
    let rows = inner.height as usize;
    let mut lines = Vec::new();
    for (i, c) in s.candidates.iter().enumerate().take(rows) {
        let style = theme.candidate(i, c.color.as_deref());
        let leader = i == 0 && c.votes > 0;
        let passes =
            line.is_some_and(|l| u128::from(c.votes) * 1_000_000 >= (l * 1e6).round() as u128 * u128::from(s.valid));
        let mark = if leader {
            "★ "
        } else if party_list && passes {
            "✓ "
        } else {
            "  "
        };
        let (filled, rest) = bar_with_line(c.votes, s.valid, bar_w, line);
        let mut spans = vec![
            Span::styled(mark, if leader { theme.title() } else { theme.good() }),
            Span::styled(pad(&c.name, name_w), if leader { theme.title() } else { theme.text() }),
            Span::raw(" "),
            Span::styled(filled, style),
            Span::styled(rest, theme.dim()),
            Span::raw(" "),
            Span::styled(rpad(&thousands(c.votes), votes_w), theme.text()),
            Span::styled(rpad(&percent(c.votes, s.valid), share_w), theme.text()),
        ];
        if party_list {
            spans.push(Span::styled(rpad(&c.seats.map_or(String::new(), |n| format!("{n}")), seats_w), theme.title()));
        }
        lines.push(Line::from(spans));
    }
    if s.candidates.len() > rows && rows > 0 {
        lines.truncate(rows - 1);
        lines.push(Line::from(Span::styled(format!("  … {} more", s.candidates.len() - (rows - 1)), theme.dim())));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_line_shows_where_the_bar_does_not_reach() {
        let (filled, rest) = bar_with_line(1, 4, 8, Some(0.5));
        assert_eq!(filled, "██");
        assert_eq!(rest, "  ┊   ");
        let (filled, rest) = bar_with_line(3, 4, 8, Some(0.5));
        assert_eq!((filled.as_str(), rest.as_str()), ("██████", "  "));
    }
}
