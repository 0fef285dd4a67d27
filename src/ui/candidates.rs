//! Candidate bars: one bar per candidate with votes and share, sorted by votes, the leader
//! marked; the majority line (single-winner) or the threshold and seats (party-list); beside
//! the count, the projected final share with its 90% interval (and seats with their range),
//! and along the bottom the call and when it was made.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::analysis::projection::Projection;
use crate::hub::view::{Call, View};
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
        (true, Some(t)) => {
            format!(" Parties · threshold {}% · {} seats ", hundredths(t), s.election.seats.unwrap_or(0))
        }
        (false, Some(m)) => format!(" Candidates · majority {}% ", hundredths(m)),
        _ => " Candidates ".to_string(),
    };
    let projection = s.projection.as_ref().filter(|p| p.waiting.is_none() && !p.candidates.is_empty());
    let mut block =
        Block::default().borders(Borders::ALL).border_style(theme.dim()).title(Span::styled(title, theme.title()));
    if let Some(p) = s.projection.as_ref() {
        let leader =
            view.call.as_ref().and_then(|c| c.leader.as_deref()).map(|id| crate::text::clean(s.candidate_name(id)));
        block = block.title_bottom(bottom_line(p, view.call.as_ref(), leader, area.width as usize, theme));
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let longest = s.candidates.iter().map(|c| crate::text::width(&crate::text::clean(&c.name))).max().unwrap_or(8);
    let name_w = longest.clamp(8, (w / 3).max(8));
    let votes_w = 11;
    let share_w = 7;
    let seats_w = if party_list { 6 } else { 0 };
    let mark_w = 2;
    // The projection column: "81.2% 80.8–81.6" (and "83 82–84" seats) where there is room.
    let fixed = name_w + votes_w + share_w + seats_w + mark_w + 4;
    let wide = w >= fixed + 10 + if party_list { 26 } else { 17 };
    let proj_w = match (projection, wide, party_list) {
        (None, _, _) => 0,
        (Some(_), true, true) => 26,
        (Some(_), true, false) => 17,
        (Some(_), false, _) => 8,
    };
    let bar_w = w.saturating_sub(name_w + votes_w + share_w + seats_w + mark_w + proj_w + 4).max(4);
    let mut rows = inner.height as usize;
    let mut lines = Vec::new();
    // A party list's columns are more than a name and a share: they say what they are.
    if party_list && rows > 2 {
        let mut head = vec![
            Span::raw(" ".repeat(mark_w)),
            Span::raw(pad("Party", name_w)),
            Span::raw(" ".repeat(bar_w + 2)),
            Span::raw(rpad("Votes", votes_w)),
            Span::raw(rpad("Share", share_w)),
            Span::raw(rpad("Seats", seats_w)),
        ];
        if projection.is_some() {
            let label = if wide { format!("{:<16}{}", "  Projected", "seats") } else { "  Proj.".into() };
            head.push(Span::raw(rpad(&label, proj_w)));
        }
        lines.push(Line::from(head).style(theme.dim()));
        rows -= 1;
    }
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
        if let Some(p) = projection {
            spans.push(Span::styled(rpad(&projected(p, &c.id, wide), proj_w), theme.text()));
        }
        lines.push(Line::from(spans));
    }
    if s.candidates.len() > rows && rows > 0 {
        lines.truncate(lines.len() - 1);
        lines.push(Line::from(Span::styled(format!("  … {} more", s.candidates.len() - (rows - 1)), theme.dim())));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// A fraction as a percentage to at most two decimals, without trailing zeros (0.07 → "7").
fn hundredths(x: f64) -> String {
    let s = format!("{:.2}", x * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn pct(x: f64) -> String {
    format!("{:.1}", x * 100.0)
}

/// A candidate's projected share ("81.2% 80.8–81.6", or "→81.2%" where room is short), and
/// for a party list its projected seats with their range.
fn projected(p: &Projection, id: &str, wide: bool) -> String {
    let Some(c) = p.candidates.iter().find(|c| c.id == id) else { return String::new() };
    if !wide {
        return format!("→{}%", pct(c.share));
    }
    let mut out = format!("{}% {}–{}", pct(c.share), pct(c.low), pct(c.high));
    if let Some(s) = p.seats.as_ref().and_then(|s| s.iter().find(|s| s.id == id)) {
        let range = if s.low == s.high { String::new() } else { format!(" {}–{}", s.low, s.high) };
        out = format!("{out:<16}{}{range}", s.seats);
    }
    out
}

/// The bottom border: what the projection column is, the call and when it was made, or what
/// the projection waits for.
fn bottom_line<'a>(
    p: &Projection,
    call: Option<&Call>,
    leader: Option<String>,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    if let Some(waiting) = &p.waiting {
        let text = format!(" projection {} ", crate::text::clean(waiting));
        return Line::from(Span::styled(crate::text::fit(&text, width.saturating_sub(4)), theme.dim()));
    }
    let room = width.saturating_sub(4);
    let Some(c) = call else {
        let how = if p.method == "swing" { " by swing from the baseline" } else { "" };
        let what = if p.seats.is_some() {
            format!(" projected share{how} · seats, 90% ranges ")
        } else {
            format!(" projected share{how}, 90% ")
        };
        return Line::from(Span::styled(crate::text::fit(&what, room), theme.dim()));
    };
    let style = match c.call.as_str() {
        "projected outright win" => theme.good(),
        "runoff likely" => theme.warning(),
        _ => theme.dim(),
    };
    let when = c.at.as_deref().and_then(|t| t.get(11..16)).map(|hm| format!("{hm}, ")).unwrap_or_default();
    let since = format!("(since {when}{}% in) ", pct(c.reported));
    // (By swing from a baseline, the call says so.)
    let call_text = format!(" {}{} ", c.call, if p.method == "swing" { " by swing" } else { "" });
    let who = match leader {
        Some(l) if c.call == "projected outright win" => format!("for {l} "),
        _ => String::new(),
    };
    let width_of = |parts: &[&str]| parts.iter().map(|p| crate::text::width(p)).sum::<usize>();
    let mut spans = vec![Span::styled(call_text.clone(), style)];
    if width_of(&[&call_text, &who, &since]) <= room {
        spans.push(Span::styled(who, style));
    }
    if width_of(&[&call_text, &since]) <= room {
        spans.push(Span::styled(since, theme.dim()));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::analysis::projection::{ProjectedSeats, ProjectedShare};

    fn projection(seats: bool) -> Projection {
        Projection {
            waiting: None,
            reported_fraction: 0.2,
            borrowed_fraction: 0.0,
            candidates: vec![ProjectedShare { id: "a".into(), share: 0.8123, low: 0.8081, high: 0.8166 }],
            turnout: None,
            call: Some("projected outright win".into()),
            seats: seats
                .then(|| vec![ProjectedSeats { id: "a".into(), seats: 83, low: 82, high: 84, pass_chance: 1.0 }]),
            method: "ratio",
            baseline: None,
        }
    }

    #[test]
    fn projected_column_shows_share_interval_and_seats() {
        assert_eq!(projected(&projection(false), "a", true), "81.2% 80.8–81.7");
        assert_eq!(projected(&projection(false), "a", false), "→81.2%");
        assert_eq!(projected(&projection(true), "a", true), "81.2% 80.8–81.7 83 82–84");
        assert_eq!(projected(&projection(false), "nobody", true), "");
    }

    #[test]
    fn call_line_says_what_and_since_when_as_room_allows() {
        let theme = Theme::new(crate::ui::theme::ThemeName::Dark, crate::ui::theme::ColorDepth::None);
        let call = Call {
            call: "projected outright win".into(),
            leader: Some("a".into()),
            at: Some("2022-11-20T20:52:00+06:00".into()),
            reported: 0.043,
        };
        let text = |w| bottom_line(&projection(false), Some(&call), Some("Alice".into()), w, &theme).to_string();
        assert_eq!(text(80), " projected outright win for Alice (since 20:52, 4.3% in) ");
        assert_eq!(text(52), " projected outright win (since 20:52, 4.3% in) ");
        assert_eq!(text(30), " projected outright win ");
        let mut waiting = projection(false);
        waiting.waiting = Some("waiting for Almaty (3 of 10 precincts)".into());
        assert_eq!(
            bottom_line(&waiting, None, None, 80, &theme).to_string(),
            " projection waiting for Almaty (3 of 10 precincts) "
        );
    }

    #[test]
    fn thresholds_print_as_people_write_them() {
        assert_eq!(hundredths(0.07), "7");
        assert_eq!(hundredths(0.5), "50");
        assert_eq!(hundredths(0.025), "2.5");
        assert_eq!(hundredths(0.0725), "7.25");
    }

    #[test]
    fn majority_line_shows_where_the_bar_does_not_reach() {
        let (filled, rest) = bar_with_line(1, 4, 8, Some(0.5));
        assert_eq!(filled, "██");
        assert_eq!(rest, "  ┊   ");
        let (filled, rest) = bar_with_line(3, 4, 8, Some(0.5));
        assert_eq!((filled.as_str(), rest.as_str()), ("██████", "  "));
    }
}
