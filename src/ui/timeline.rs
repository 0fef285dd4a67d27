//! The timeline: reports per minute of feed time, and the leader's share as precincts came in.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Sparkline};

use crate::hub::view::View;
use crate::text::thousands;

use super::app::{App, Panel};
use super::theme::Theme;

pub fn draw(f: &mut Frame, area: Rect, view: &View, app: &App, theme: &Theme) {
    let focused = app.focus == Panel::Timeline;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(" Timeline ", theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let t = &view.timeline;
    if t.per_minute.is_empty() || inner.height < 3 {
        f.render_widget(Paragraph::new(Span::styled("no reports yet", theme.dim())), inner);
        return;
    }
    let [top, bottom] = Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(inner);
    // Reports per minute, the most recent minutes that fit.
    let peak = t.per_minute.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let label = format!("reports/min (peak {})", thousands(peak));
    let [lab, spark] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(top);
    f.render_widget(Paragraph::new(Line::from(Span::styled(label, theme.dim()))), lab);
    let (first, last) = (t.per_minute[0].0, t.per_minute[t.per_minute.len() - 1].0);
    let minutes = ((last - first) / 60 + 1) as usize;
    let mut series = vec![0u64; minutes];
    for (m, n) in &t.per_minute {
        series[((m - first) / 60) as usize] = *n;
    }
    let width = spark.width as usize;
    let shown = if series.len() > width {
        // Fold minutes into buckets so the whole night fits.
        let per = series.len().div_ceil(width);
        series.chunks(per).map(|c| c.iter().sum::<u64>() / c.len() as u64).collect()
    } else {
        series
    };
    f.render_widget(Sparkline::default().data(&shown).style(theme.gauge()), spark);
    // The leader's share.
    let points: Vec<(f64, f64)> = t.leader_share.iter().map(|(n, s)| (*n as f64, s * 100.0)).collect();
    if points.is_empty() {
        return;
    }
    let (lo, hi) = points.iter().fold((100.0f64, 0.0f64), |(lo, hi), (_, y)| (lo.min(*y), hi.max(*y)));
    let (lo, hi) = ((lo - 1.0).floor().max(0.0), (hi + 1.0).ceil().min(100.0));
    let xmax = points.last().map_or(1.0, |p| p.0.max(1.0));
    let leader = t.leader.as_deref().and_then(|id| view.summary.candidates.iter().find(|c| c.id == id));
    let name = leader.map_or("leader".to_string(), |c| crate::text::clean(&c.name));
    let style = leader.map_or(theme.text(), |c| {
        let i = view.summary.candidates.iter().position(|x| x.id == c.id).unwrap_or(0);
        theme.candidate(i, c.color.as_deref())
    });
    let data = [Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(style).data(&points)];
    let chart = Chart::new(data.to_vec())
        .x_axis(
            Axis::default()
                .title(Span::styled("precincts in", theme.dim()))
                .bounds([0.0, xmax])
                .labels(vec![Span::raw("0"), Span::raw(thousands(xmax as u64))])
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled(format!("{name} %"), theme.dim()))
                .bounds([lo, hi])
                .labels(vec![Span::raw(format!("{lo:.0}")), Span::raw(format!("{hi:.0}"))])
                .style(theme.dim()),
        );
    f.render_widget(chart, bottom);
}
