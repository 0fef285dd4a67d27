//! The anomalies panel: the most serious first (then the newest; `s` switches to newest
//! first), a symbol and a colour per severity, counts per kind. Enter opens the precinct's
//! reports, or a region's or the nation's flag in full.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState};

use crate::engine::anomaly::Anomaly;
use crate::hub::view::View;
use crate::text::{clean, fit};

use super::app::{AnomalyOrder, App, Panel};
use super::theme::{Theme, severity_symbol};

/// Anomalies in the viewer's order, after the filter.
pub fn ordered<'a>(view: &'a View, app: &App) -> Vec<&'a Anomaly> {
    let filter = app.filter(Panel::Anomalies).to_lowercase();
    let mut items: Vec<(u64, &Anomaly)> = view
        .summary
        .anomalies
        .iter()
        .zip(view.anomaly_seq.iter().copied().chain(std::iter::repeat(0)))
        .map(|(a, s)| (s, a))
        .filter(|(_, a)| {
            filter.is_empty()
                || a.kind.contains(&filter)
                || a.message.to_lowercase().contains(&filter)
                || a.precinct.as_deref().is_some_and(|p| p.to_lowercase().contains(&filter))
                || a.region.as_deref().is_some_and(|r| r.to_lowercase().contains(&filter))
        })
        .collect();
    let newest = |a: &(u64, &Anomaly), b: &(u64, &Anomaly)| b.0.cmp(&a.0);
    let severity = |a: &(u64, &Anomaly), b: &(u64, &Anomaly)| b.1.severity.cmp(&a.1.severity);
    let kind = |a: &(u64, &Anomaly), b: &(u64, &Anomaly)| a.1.kind.cmp(b.1.kind);
    match app.anomaly_order {
        AnomalyOrder::Severity => items.sort_by(|a, b| severity(a, b).then(newest(a, b)).then(kind(a, b))),
        AnomalyOrder::Newest => items.sort_by(|a, b| newest(a, b).then(severity(a, b)).then(kind(a, b))),
    }
    items.into_iter().map(|(_, a)| a).collect()
}

pub fn draw(f: &mut Frame, area: Rect, view: &View, app: &mut App, theme: &Theme) {
    let items = ordered(view, app);
    app.lengths[1] = items.len();
    let focused = app.focus == Panel::Anomalies;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &view.summary.anomalies {
        *counts.entry(a.kind).or_default() += 1;
    }
    let title = format!(" Anomalies ({}) · sort: {} ", view.summary.anomalies.len(), app.anomaly_order.label());
    let block = super::panel_block(title, focused, app.filter(Panel::Anomalies), app.editing_filter, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let mut kinds: Vec<Span> = Vec::new();
    // Statistics judge a region only once it has enough precincts: say how many are ready.
    if let Some(f) = &view.summary.forensics {
        let ready = f.status.iter().filter(|s| s.precincts >= s.needed).count();
        if ready < f.status.len() {
            kinds.push(Span::styled(format!("stats: {ready}/{} regions ready  ", f.status.len()), theme.info()));
        }
    }
    kinds.extend(
        counts.iter().flat_map(|(k, n)| {
            [Span::styled(format!("{k} "), theme.dim()), Span::styled(format!("{n}  "), theme.text())]
        }),
    );
    let summary_line = Rect { height: 1, ..inner };
    f.render_widget(ratatui::widgets::Paragraph::new(super::fit_spans(kinds, inner.width as usize)), summary_line);
    let list_area = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    let shown = app.cursors[1].window(items.len(), list_area.height as usize);
    let selected = app.cursor(Panel::Anomalies).selected - shown.start;
    let w = list_area.width as usize;
    let rows: Vec<ListItem> = items[shown]
        .iter()
        .map(|a| {
            let style = theme.severity(a.severity);
            let who = a.precinct.as_deref().or(a.region.as_deref()).unwrap_or("national");
            let head = format!("{} {} {} ", severity_symbol(a.severity), a.kind, clean(who));
            let rest = w.saturating_sub(crate::text::width(&head) + 2);
            ListItem::new(Line::from(vec![
                Span::styled(head, style),
                Span::styled(fit(&a.message, rest), theme.text()),
            ]))
        })
        .collect();
    let empty = rows.is_empty();
    let list = List::new(rows).highlight_style(theme.selected()).highlight_symbol("› ");
    let mut state = ListState::default().with_selected(if empty { None } else { Some(selected) });
    f.render_stateful_widget(list, list_area, &mut state);
}
