//! The election fingerprint (Klimek et al., PNAS 2012): counted precincts as a heatmap of
//! turnout (x) against the national leader's share of valid votes (y), for the nation or one
//! region. Honest counts cluster (one blob, or a band where share honestly follows turnout, as
//! between town and country); ballot stuffing smears a comet toward the top
//! right (100% turnout, 100% for the leader).
//!
//! With colour each text row holds two grid rows: "▀" in the upper cell's colour over the lower
//! cell's (a log scale of the count on a sequential ramp; empty cells are background). Without
//! colour, one grid row per text row in a ramp of characters, " ░▒▓█".

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::hub::view::{Fingerprint, View};
use crate::text::{fit, thousands, width};

use super::app::{App, Panel};
use super::theme::Theme;

/// Columns left of the plot: a share label ("100%") and the axis.
const GUTTER: u16 = 5;
/// Columns right of the plot, so that the "100%" turnout label fits.
const RIGHT: u16 = 2;
/// The character ramp without colour, from one precinct to the fullest cell.
const DENSITY: [&str; 4] = ["░", "▒", "▓", "█"];
/// The note on how to read it.
const READING: &str = "honest counts cluster; stuffing drags a tail toward the top right (100%, 100%)";
const READING_SHORT: &str = "honest counts cluster; stuffing drags a tail to the top right";

/// Where each part of the panel goes, inside its border.
struct Parts {
    plot: Rect,
    axis: Rect,
    labels: Rect,
    legend: Rect,
}

fn parts(inner: Rect) -> Option<Parts> {
    if inner.width < GUTTER + RIGHT + 4 || inner.height < 3 {
        return None;
    }
    let avail = inner.height - 2;
    let legend_h = avail.saturating_sub(4).min(3);
    let plot_h = avail - legend_h;
    let plot = Rect { x: inner.x + GUTTER, y: inner.y, width: inner.width - GUTTER - RIGHT, height: plot_h };
    let row = |y: u16, height: u16| Rect { x: inner.x, y, width: inner.width, height };
    Some(Parts {
        plot,
        axis: row(inner.y + plot_h, 1),
        labels: row(inner.y + plot_h + 1, 1),
        legend: row(inner.y + plot_h + 2, legend_h),
    })
}

/// Grid rows per text row: two with half blocks in colour, one with characters.
fn per_row(theme: &Theme) -> u16 {
    if theme.colored() { 2 } else { 1 }
}

/// The grid (cols, rows) the panel draws when it fills `slot`: the resolution to bin at.
pub fn grid(slot: Rect, theme: &Theme) -> (u16, u16) {
    let inner = Block::default().borders(Borders::ALL).inner(slot);
    parts(inner).map_or((1, 1), |p| (p.plot.width.max(1), p.plot.height.max(1) * per_row(theme)))
}

/// The cell `x` falls in when [0, 1] is cut into `cells` equal steps (the last one takes 1 itself).
fn tick(x: f64, cells: u16) -> u16 {
    ((x * f64::from(cells)).floor() as u16).min(cells.saturating_sub(1))
}

/// The count for a cell of a `cols` × `rows` grid. The fingerprint is binned at the grid's own
/// resolution; just after a resize (before the new one arrives) the nearest cell stands in.
fn sample(fp: &Fingerprint, col: u16, row: u16, cols: u16, rows: u16) -> u32 {
    if (fp.cols, fp.rows) == (cols, rows) {
        return fp.count(col, row);
    }
    let scale = |i: u16, from: u16, to: u16| (u32::from(i) * u32::from(to) / u32::from(from.max(1))) as u16;
    fp.count(scale(col, cols, fp.cols), scale(row, rows, fp.rows))
}

/// Where a count stands on the log scale: 0 for one precinct, 1 for the fullest cell.
fn level(n: u32, max: u32) -> f64 {
    if max <= 1 { 1.0 } else { (f64::from(n)).ln() / (f64::from(max)).ln() }
}

fn density(n: u32, max: u32) -> &'static str {
    DENSITY[((level(n, max) * DENSITY.len() as f64) as usize).min(DENSITY.len() - 1)]
}

pub fn draw(f: &mut Frame, area: Rect, view: &View, app: &App, theme: &Theme) {
    let focused = app.focus == Panel::Fingerprint;
    let fp = view.fingerprint.as_ref();
    let scope = match fp {
        Some(fp) => fp.scope.clone(),
        None => app
            .fingerprint_region
            .as_deref()
            .map_or("Nation".to_string(), |id| view.summary.region_name(id).to_string()),
    };
    let leader = fp.and_then(|fp| fp.leader.as_ref()).map(|(_, name)| name.as_str());
    let room = usize::from(area.width.saturating_sub(4));
    let scope = fit(&scope, (room / 3).max(6));
    let title = match leader {
        Some(name) => {
            let head = format!(" Fingerprint · {scope} · turnout × share for ");
            format!("{head}{} ", fit(name, room.saturating_sub(width(&head) + 1).max(6)))
        }
        None => format!(" Fingerprint · {scope} · turnout × leader's share "),
    };
    let block = super::panel_block(fit(&title, room + 2), focused, "", false, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(parts) = parts(inner) else {
        f.render_widget(Paragraph::new(Span::styled("too small for the fingerprint", theme.dim())), inner);
        return;
    };
    let Some(fp) = fp else {
        f.render_widget(Paragraph::new(Span::styled("binning the counted precincts…", theme.dim())), inner);
        return;
    };
    let per = per_row(theme);
    let (cols, rows) = (parts.plot.width, parts.plot.height * per);

    // The plot, top row first.
    let heat = |n: u32| theme.heat(level(n, fp.max));
    let lines: Vec<Line> = (0..parts.plot.height)
        .map(|t| {
            let spans: Vec<Span> = (0..cols)
                .map(|c| {
                    if per == 1 {
                        let n = sample(fp, c, rows - 1 - t, cols, rows);
                        return if n == 0 { Span::raw(" ") } else { Span::raw(density(n, fp.max)) };
                    }
                    let upper = sample(fp, c, rows - 1 - 2 * t, cols, rows);
                    let lower = sample(fp, c, rows - 2 - 2 * t, cols, rows);
                    match (upper, lower) {
                        (0, 0) => Span::raw(" "),
                        (u, 0) => Span::styled("▀", Style::default().fg(heat(u))),
                        (0, l) => Span::styled("▄", Style::default().fg(heat(l))),
                        (u, l) => Span::styled("▀", Style::default().fg(heat(u)).bg(heat(l))),
                    }
                })
                .collect();
            Line::from(spans)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), parts.plot);

    // The share axis on the left: 100% and 0% first, then the quarters where there is room.
    let mut gutter: Vec<Option<&str>> = vec![None; usize::from(parts.plot.height)];
    for (share, label) in [(1.0, "100%"), (0.0, "0%"), (0.5, "50%"), (0.25, "25%"), (0.75, "75%")] {
        let text_row = usize::from((rows - 1 - tick(share, rows)) / per);
        if gutter[text_row].is_none() {
            gutter[text_row] = Some(label);
        }
    }
    let gutter_lines: Vec<Line> = gutter
        .iter()
        .map(|label| match label {
            Some(l) => Line::from(Span::styled(format!("{l:>4}┤"), theme.dim())),
            None => Line::from(Span::styled("    │", theme.dim())),
        })
        .collect();
    let gutter_area = Rect { x: inner.x, width: GUTTER, ..parts.plot };
    f.render_widget(Paragraph::new(gutter_lines), gutter_area);

    // The turnout axis along the bottom, its ticks and labels.
    let quarters = [(0.0, "0%"), (0.25, "25%"), (0.5, "50%"), (0.75, "75%"), (1.0, "100%")];
    let ticks: Vec<u16> = quarters.iter().map(|(x, _)| tick(*x, cols)).collect();
    let mut axis = String::from("    └");
    for c in 0..cols {
        axis.push_str(if ticks.contains(&c) { "┬" } else { "─" });
    }
    f.render_widget(Paragraph::new(Span::styled(axis, theme.dim())), parts.axis);
    // Labels centred under their ticks (kept inside the panel, none overlapping), and the axis
    // named between the last two.
    let w = usize::from(inner.width);
    let mut row = vec![' '; w];
    let mut placed: Vec<(usize, usize)> = Vec::new();
    for ((_, label), c) in quarters.iter().zip(&ticks) {
        let centre = usize::from(GUTTER + c);
        let start = centre.saturating_sub(label.len() / 2).min(w.saturating_sub(label.len()));
        if placed.last().is_some_and(|(_, end)| start <= *end) {
            continue;
        }
        row.splice(start..start + label.len(), label.chars());
        placed.push((start, start + label.len()));
    }
    let caption = "turnout →";
    let caption_w = caption.chars().count();
    if let [.., (_, end), (start, _)] = placed[..]
        && start >= end + caption_w + 2
    {
        let at = end + (start - end - caption_w) / 2;
        row.splice(at..at + caption_w, caption.chars());
    }
    let labels: String = row.into_iter().collect();
    f.render_widget(Paragraph::new(Span::styled(labels, theme.dim())), parts.labels);

    // The legend: the ramp and what it counts; the totals and the peak; how to read it.
    let mut legend: Vec<Line> = Vec::new();
    if fp.max == 0 {
        legend.push(Line::from(Span::styled(
            fit("nothing to plot yet: no counted precinct with voters and valid votes", w),
            theme.dim(),
        )));
    } else {
        let mut spans = vec![Span::styled("precincts per cell, log scale: 1 ", theme.dim())];
        if theme.colored() {
            for i in 0..8 {
                spans.push(Span::styled("█", Style::default().fg(theme.heat(f64::from(i) / 7.0))));
            }
        } else {
            spans.push(Span::raw(DENSITY.concat()));
        }
        spans.push(Span::styled(format!(" {}", thousands(u64::from(fp.max))), theme.dim()));
        if fp.max == 1 {
            spans = vec![Span::styled("one precinct per marked cell", theme.dim())];
        }
        legend.push(Line::from(spans));
    }
    // The totals and the peak, said in full where they fit.
    let peak = fp.peak().map(|(c, r)| {
        let centre = |i: u16, n: u16| ((f64::from(i) + 0.5) / f64::from(n) * 100.0).round();
        format!("peak ≈ {}% turnout, {}% share", centre(c, fp.cols), centre(r, fp.rows))
    });
    let counts = |long: bool| {
        let mut items = vec![format!(
            "{}: {} {}",
            fp.scope,
            thousands(fp.plotted),
            if long { "precincts plotted" } else { "plotted" }
        )];
        if fp.above_full > 0 {
            items.push(format!(
                "{} above 100%{}",
                thousands(fp.above_full),
                if long { " turnout (last column)" } else { "" }
            ));
        }
        if fp.left_out > 0 {
            items.push(format!(
                "{} left out{}",
                thousands(fp.left_out),
                if long { " (no voters or no valid votes)" } else { "" }
            ));
        }
        items.extend(peak.clone());
        items.join(" · ")
    };
    let counts = Some(counts(true)).filter(|c| width(c) <= w).unwrap_or_else(|| counts(false));
    legend.push(Line::from(Span::styled(fit(&counts, w), theme.text())));
    let reading = if w >= width(READING) + 28 {
        format!("{READING} (Klimek et al., PNAS 2012)")
    } else if w >= width(READING) {
        READING.to_string()
    } else {
        READING_SHORT.to_string()
    };
    legend.push(Line::from(Span::styled(fit(&reading, w), theme.dim())));
    // The reading note matters more than the ramp when only two lines fit.
    if parts.legend.height == 2 {
        legend.remove(0);
    } else if parts.legend.height == 1 {
        legend.drain(..legend.len() - 1);
    }
    f.render_widget(Paragraph::new(legend), parts.legend);
}
