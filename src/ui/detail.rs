//! A precinct's reports side by side (every revision and copy, the counted one marked), and
//! why it was flagged.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::hub::view::View;
use crate::text::{clean, fit, percent1, rpad, thousands};

use super::theme::{Theme, severity_symbol};

pub fn draw(f: &mut Frame, area: Rect, view: &View, precinct: &str, theme: &Theme) {
    // On a small terminal the reports take the whole screen but the key line (every row counts).
    let popup = if area.height < 36 {
        Rect { height: area.height.saturating_sub(1), ..area }
    } else {
        Rect {
            x: area.x + area.width / 20,
            y: area.y + area.height / 10,
            width: area.width - area.width / 10,
            height: area.height - area.height / 5,
        }
    };
    f.render_widget(Clear, popup);
    let title = format!(" Precinct {} ", clean(precinct));
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.title()).title(Span::styled(title, theme.title()));
    let inner = block.inner(popup);
    f.render_widget(block, popup);
    let Some(d) = view.precinct.as_ref().filter(|d| d.id == precinct) else {
        f.render_widget(Paragraph::new(Span::styled("loading…", theme.dim())), inner);
        return;
    };
    let flags: Vec<&crate::engine::anomaly::Anomaly> =
        view.summary.anomalies.iter().filter(|a| a.precinct.as_deref() == Some(precinct)).collect();
    let held = view.summary.held.iter().find(|h| h.precinct == precinct);
    // The table's rows first (fields and every candidate), the reasons below in what is left.
    let table_rows = 9 + view.summary.candidates.len() as u16;
    let [table_area, why_area] =
        Layout::vertical([Constraint::Length(table_rows + 1), Constraint::Min(2)]).areas(inner);

    // Reports as columns, fields as rows.
    let label_w = (inner.width as usize / 4).clamp(10, 24);
    let cols = d.reports.len().max(1);
    let col_w = ((inner.width as usize).saturating_sub(label_w) / cols).clamp(8, 26);
    let mut rows: Vec<Line> = Vec::new();
    let row = |label: &str, cells: Vec<String>, style| {
        let mut spans = vec![Span::styled(crate::text::pad(&fit(label, label_w - 1), label_w), theme.dim())];
        spans.extend(cells.into_iter().map(|c| Span::styled(rpad(&c, col_w), style)));
        Line::from(spans)
    };
    rows.push(row(
        "",
        d.reports.iter().map(|r| if r.counted { "▶ counted".to_string() } else { String::new() }).collect(),
        theme.good(),
    ));
    rows.push(row(
        "source",
        d.reports.iter().map(|r| crate::text::fit_end(&r.source, col_w - 1)).collect(),
        theme.text(),
    ));
    rows.push(row("revision", d.reports.iter().map(|r| r.revision.to_string()).collect(), theme.text()));
    rows.push(row(
        "reported at",
        d.reports
            .iter()
            .map(|r| r.reported_at.as_deref().map_or("—".into(), |t| t.chars().skip(11).take(8).collect()))
            .collect(),
        theme.text(),
    ));
    rows.push(row("registered", d.reports.iter().map(|r| thousands(r.registered)).collect(), theme.text()));
    rows.push(row("ballots", d.reports.iter().map(|r| thousands(r.ballots)).collect(), theme.text()));
    rows.push(row("turnout", d.reports.iter().map(|r| percent1(r.ballots, r.registered)).collect(), theme.text()));
    rows.push(row("invalid", d.reports.iter().map(|r| thousands(r.invalid)).collect(), theme.text()));
    for (i, c) in view.summary.candidates.iter().enumerate() {
        rows.push(row(
            &c.name,
            d.reports.iter().map(|r| thousands(r.votes.get(i).copied().unwrap_or(0))).collect(),
            theme.candidate(i, c.color.as_deref()),
        ));
    }
    rows.push(row(
        "votes + invalid",
        d.reports.iter().map(|r| thousands(r.votes.iter().sum::<u64>() + r.invalid)).collect(),
        theme.text(),
    ));
    f.render_widget(Paragraph::new(rows), table_area);

    let mut why = vec![Line::from(Span::styled(
        if flags.is_empty() && held.is_none() { "No flags." } else { "Why it is flagged:" },
        theme.title(),
    ))];
    if let Some(h) = held {
        why.push(Line::from(vec![
            Span::styled("⏸ held: ", theme.warning()),
            Span::styled(clean(&h.reason), theme.text()),
        ]));
    }
    for a in flags {
        why.push(Line::from(vec![
            Span::styled(format!("{} {} ", severity_symbol(a.severity), a.kind), theme.severity(a.severity)),
            Span::styled(clean(&a.message), theme.text()),
        ]));
    }
    why.push(Line::from(Span::styled("A flag is a reason to look, not proof. Esc closes.", theme.dim())));
    f.render_widget(Paragraph::new(why).wrap(Wrap { trim: true }), why_area);
}
