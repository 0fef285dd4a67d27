//! A region's precincts (sortable, filterable, each with its numbers) and a histogram of
//! their turnout.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Cell, Row, TableState};

use crate::hub::view::{PrecinctRow, View};
use crate::text::{clean, fit, percent1, thousands};

use super::app::{App, Drill, Panel, SortKey};
use super::theme::Theme;

fn turnout(p: &PrecinctRow) -> f64 {
    if p.registered == 0 { 0.0 } else { p.ballots as f64 / p.registered as f64 }
}

pub fn ordered<'a>(rows: &'a [PrecinctRow], d: &Drill) -> Vec<&'a PrecinctRow> {
    let filter = d.filter.to_lowercase();
    let mut out: Vec<&PrecinctRow> =
        rows.iter().filter(|p| filter.is_empty() || p.id.to_lowercase().contains(&filter)).collect();
    match d.sort {
        SortKey::Natural | SortKey::Name => {}
        SortKey::Reporting => out.sort_by_key(|p| p.ballots),
        SortKey::Turnout => out.sort_by(|a, b| turnout(a).total_cmp(&turnout(b))),
        SortKey::Margin => out.sort_by_key(|p| p.leader.as_ref().map_or(0, |l| l.1 * 10_000 / p.valid.max(1))),
        SortKey::Anomalies => out.sort_by_key(|p| (p.flags, p.held)),
    }
    if d.descending {
        out.reverse();
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, view: &View, app: &mut App, theme: &Theme) {
    let Some(d) = app.drill.clone() else { return };
    let focused = app.focus == Panel::Regions;
    let detail = view.region.as_ref().filter(|r| r.id == d.region);
    let name = detail.map_or(d.region.clone(), |r| r.name.clone());
    let rows: Vec<&PrecinctRow> = detail.map(|r| ordered(&r.precincts, &d)).unwrap_or_default();
    app.drill_length = rows.len();
    let shown =
        app.drill.as_mut().map_or(0..0, |dd| dd.cursor.window(rows.len(), area.height.saturating_sub(3) as usize));
    let selected = app.drill.as_ref().map_or(0, |d| d.cursor.selected) - shown.start;
    let sort = match d.sort {
        SortKey::Natural | SortKey::Name => "id",
        SortKey::Reporting => "ballots",
        other => other.label(),
    };
    let title =
        format!(" {} · {} precincts · sort: {sort}{} ", clean(&name), rows.len(), if d.descending { " ↓" } else { "" });
    let show_hist = area.width >= 90;
    let [table_area, hist_area] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(if show_hist { 34 } else { 0 })]).areas(area);
    let block = super::panel_block(title, focused, &d.filter, app.editing_filter, theme);
    let id_w = rows[shown.clone()].iter().map(|p| crate::text::width(&clean(&p.id))).max().unwrap_or(8).clamp(8, 18);
    let widths = [
        Constraint::Length(id_w as u16),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Min(12),
        Constraint::Length(4),
        Constraint::Length(7),
    ];
    let cols = super::column_widths(table_area, &widths);
    let body: Vec<Row> = rows[shown.clone()]
        .iter()
        .map(|p| {
            let leader = p.leader.as_ref().map_or(String::new(), |(id, v)| {
                format!("{} {}", percent1(*v, p.valid), view.summary.candidate_name(id))
            });
            let flags = match (p.held, p.flags) {
                (true, _) => "⏸ held".to_string(),
                (false, 0) => String::new(),
                (false, n) => format!("▲ {n}"),
            };
            Row::new(vec![
                Cell::from(fit(&p.id, cols[0])),
                Cell::from(thousands(p.registered)),
                Cell::from(thousands(p.ballots)),
                Cell::from(percent1(p.ballots, p.registered)),
                Cell::from(fit(&leader, cols[4])),
                Cell::from(format!("r{}", p.revision)),
                Cell::from(Span::styled(flags, theme.warning())),
            ])
        })
        .collect();
    let header =
        Row::new(vec!["Precinct", "Registered", "Ballots", "Turnout", "Leader", "Rev", "Flags"]).style(theme.dim());
    let table = super::selectable_table(body, &widths, header, block, theme);
    let mut state = TableState::default().with_selected(if rows.is_empty() { None } else { Some(selected) });
    f.render_stateful_widget(table, table_area, &mut state);
    if show_hist && let Some(r) = detail {
        let bars: Vec<Bar> = r
            .turnout_bins
            .iter()
            .enumerate()
            .filter(|(i, _)| *i >= 4)
            .map(|(i, n)| {
                Bar::default()
                    .value(*n)
                    .label(ratatui::text::Line::from(if i % 4 == 0 { format!("{}", i * 5) } else { String::new() }))
                    .text_value(String::new())
            })
            .collect();
        let chart = BarChart::default()
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.dim())
                    .title(Span::styled(" Turnout % ", theme.title())),
            )
            .data(BarGroup::default().bars(&bars))
            .bar_width(1)
            .bar_gap(0)
            .bar_style(theme.gauge());
        f.render_widget(chart, hist_area);
    }
}
