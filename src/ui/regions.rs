//! The regions table: reporting X/Y, a turnout gauge, the leader and margin, anomalies and,
//! until the statistics can judge the region, the precincts they still need ("n/N");
//! sortable and filterable; Enter drills into a region.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, TableState};

use crate::engine::count::RegionRow;
use crate::hub::view::View;
use crate::text::{clean, fit, percent1, thousands};

use super::app::{App, Panel, SortKey};
use super::header::bar;
use super::theme::Theme;

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 { 0.0 } else { num as f64 / den as f64 }
}

/// Rows in display order, after the filter.
pub fn ordered<'a>(view: &'a View, app: &App) -> Vec<&'a RegionRow> {
    let filter = app.filter(Panel::Regions).to_lowercase();
    let mut rows: Vec<&RegionRow> = view
        .summary
        .regions
        .iter()
        .filter(|r| {
            filter.is_empty() || r.name.to_lowercase().contains(&filter) || r.id.to_lowercase().contains(&filter)
        })
        .collect();
    match app.region_sort {
        SortKey::Natural => {}
        SortKey::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        SortKey::Reporting => rows.sort_by(|a, b| {
            ratio(a.precincts_reporting, a.precincts_expected.unwrap_or(0))
                .total_cmp(&ratio(b.precincts_reporting, b.precincts_expected.unwrap_or(0)))
                .then(a.precincts_reporting.cmp(&b.precincts_reporting))
        }),
        SortKey::Turnout => {
            rows.sort_by(|a, b| ratio(a.ballots, a.registered).total_cmp(&ratio(b.ballots, b.registered)))
        }
        SortKey::Margin => {
            rows.sort_by(|a, b| ratio(a.margin.unwrap_or(0), a.valid).total_cmp(&ratio(b.margin.unwrap_or(0), b.valid)))
        }
        SortKey::Anomalies => rows.sort_by_key(|r| r.anomalies),
    }
    if app.region_descending {
        rows.reverse();
    }
    rows
}

pub fn draw(f: &mut Frame, area: Rect, view: &View, app: &mut App, theme: &Theme) {
    let rows = ordered(view, app);
    app.lengths[0] = rows.len();
    // Borders and the header take three rows.
    let shown = app.cursors[0].window(rows.len(), area.height.saturating_sub(3) as usize);
    let selected = app.cursor(Panel::Regions).selected - shown.start;
    let focused = app.focus == Panel::Regions;
    let title = format!(
        " Regions ({}) · sort: {}{} ",
        rows.len(),
        app.region_sort.label(),
        if app.region_descending { " ↓" } else { "" }
    );
    let block = super::panel_block(title, focused, app.filter(Panel::Regions), app.editing_filter, theme);
    let name_w =
        rows[shown.clone()].iter().map(|r| crate::text::width(&clean(&r.name))).max().unwrap_or(6).clamp(6, 24);
    let gauge_w = ((area.width as usize).saturating_sub(name_w + 64) / 2).clamp(4, 20);
    let status: std::collections::HashMap<&str, &crate::analysis::RegionStatus> =
        view.summary.forensics.as_ref().map(|f| f.status.iter().map(|s| (&*s.region, s)).collect()).unwrap_or_default();
    // "n/N": counted precincts of those the statistical tests need, until they have them
    // ("too few" where the region has fewer precincts than that at all).
    let waiting = |r: &RegionRow| -> String {
        match status.get(&*r.id) {
            Some(s) if r.precincts_expected.is_some_and(|e| e < s.needed as u64) => " too few".into(),
            Some(s) if s.precincts < s.needed => format!(" {}/{}", s.precincts, s.needed),
            _ => String::new(),
        }
    };
    let widths = [
        Constraint::Length(name_w as u16),
        Constraint::Length(11),
        Constraint::Length(gauge_w as u16 + 7),
        Constraint::Min(8),
        Constraint::Length(7),
        Constraint::Length(11),
    ];
    let cols = super::column_widths(area, &widths);
    let body: Vec<Row> = rows[shown.clone()]
        .iter()
        .map(|r| {
            let reporting = match r.precincts_expected {
                Some(e) => format!("{}/{}", thousands(r.precincts_reporting), thousands(e)),
                None => thousands(r.precincts_reporting),
            };
            let leader = r.leader.as_deref().map_or("", |id| view.summary.candidate_name(id));
            let margin = match (r.margin, r.leader.is_some()) {
                (Some(m), true) => format!("+{}", percent1(m, r.valid)),
                _ => String::new(),
            };
            let flags = if r.anomalies > 0 { format!("▲ {}", r.anomalies) } else { String::new() };

            Row::new(vec![
                Cell::from(fit(&r.name, cols[0])),
                Cell::from(reporting),
                Cell::from(Line::from(vec![
                    Span::styled(bar(r.ballots, r.registered, gauge_w), theme.gauge()),
                    Span::styled(format!(" {}", percent1(r.ballots, r.registered)), theme.text()),
                ])),
                Cell::from(fit(leader, cols[3])),
                Cell::from(margin),
                Cell::from(Line::from(vec![
                    Span::styled(flags.clone(), theme.warning()),
                    Span::styled(fit(&waiting(r), cols[5].saturating_sub(crate::text::width(&flags))), theme.dim()),
                ])),
            ])
        })
        .collect();
    let header = Row::new(vec!["Region", "Reporting", "Turnout", "Leader", "Margin", "Flags"]).style(theme.dim());
    let table = super::selectable_table(body, &widths, header, block, theme);
    let mut state = TableState::default().with_selected(if rows.is_empty() { None } else { Some(selected) });
    f.render_stateful_widget(table, area, &mut state);
}
