//! The header: election name, mode and clocks, reporting progress, ballots, data as of; and
//! for a replay, its progress bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::hub::view::{Mode, ReplayState, View};
use crate::text::{clean, fit, percent, thousands};

use super::theme::Theme;

/// A bar of `width` cells filled to `num/den`, in eighths.
pub fn bar(num: u64, den: u64, width: usize) -> String {
    if den == 0 || width == 0 {
        return " ".repeat(width);
    }
    let eighths = ((u128::from(num.min(den)) * width as u128 * 8) / u128::from(den)) as usize;
    let full = eighths / 8;
    let part = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8];
    let mut s = "█".repeat(full);
    s.push_str(part);
    let used = full + usize::from(!part.is_empty());
    s.push_str(&"·".repeat(width.saturating_sub(used)));
    s
}

/// `HH:MM:SS` of a timestamp in its own offset, with the offset.
pub fn clock(t: &crate::feed::Timestamp) -> String {
    let d = t.to_datetime();
    let (h, m) = (t.offset_seconds / 3600, (t.offset_seconds.abs() % 3600) / 60);
    format!("{:02}:{:02}:{:02} {:+03}:{:02}", d.hour(), d.minute(), d.second(), h, m)
}

/// The wall clock, local time.
pub fn wall_clock() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}

pub fn draw(f: &mut Frame, area: Rect, view: &View, wall: &str, theme: &Theme) {
    let s = &view.summary;
    let name = s.election.name.clone().or_else(|| s.election.id.clone()).unwrap_or_else(|| "Election".into());
    // What matters most on the right (mode and clocks); the name gets what is left.
    let mut right = vec![Span::raw("  ")];
    match &view.mode {
        Mode::Live { .. } => right.push(Span::styled("● LIVE", theme.good())),
        Mode::Replay(r) => {
            let state = if r.finished() {
                "■ REPLAY ENDED".to_string()
            } else if r.paused {
                "⏸ PAUSED".to_string()
            } else {
                match r.speed {
                    Some(x) => format!("▶ REPLAY ×{}", speed_label(x)),
                    None => "▶ REPLAY ×max".to_string(),
                }
            };
            right.push(Span::styled(state, theme.warning()));
            if let Some(c) = &r.clock {
                right.push(Span::styled(format!("  feed {}", clock(c)), theme.text()));
            }
        }
    }
    let used: usize = right.iter().map(|s| crate::text::width(&s.content)).sum();
    let wall = format!("  wall {wall}");
    if (area.width as usize) >= used + crate::text::width(&wall) + 40 {
        right.push(Span::styled(wall, theme.dim()));
    }
    let synthetic = if s.election.synthetic { " [synthetic data]" } else { "" };
    let used: usize = right.iter().map(|s| crate::text::width(&s.content)).sum();
    let room = (area.width as usize).saturating_sub(used);
    let mut first = Vec::new();
    if room > crate::text::width(synthetic) + 12 {
        first.push(Span::styled(fit(&name, room - crate::text::width(synthetic)), theme.title()));
        first.push(Span::styled(synthetic, theme.warning()));
    } else {
        first.push(Span::styled(fit(&name, room), theme.title()));
    }
    first.extend(right);

    // Nothing counted yet: say what is watched, and that it waits.
    let second = match &view.mode {
        Mode::Live { root } if s.precincts_reporting == 0 => waiting(root, s, area.width as usize, theme),
        _ => progress(view, area.width as usize, theme),
    };
    let mut lines = vec![Line::from(first), second];
    if let Mode::Replay(r) = &view.mode
        && area.height >= 3
    {
        let w = (area.width as usize).saturating_sub(34).max(10);
        let pos = r.position as u64;
        lines.push(Line::from(vec![
            Span::styled("Replay    ", theme.dim()),
            Span::styled(bar(pos, r.total as u64, w), theme.gauge()),
            Span::styled(format!(" {}/{} reports", thousands(pos), thousands(r.total as u64)), theme.text()),
        ]));
    }
    if let Some(n) = &view.notice {
        lines.push(Line::from(Span::styled(fit(&format!("⚠ {}", clean(n)), area.width as usize), theme.critical())));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The second line before anything is counted in a watch: the path watched, and that it waits.
fn waiting(root: &str, s: &crate::hub::Summary, width: usize, theme: &Theme) -> Line<'static> {
    let what = if s.rejected.is_empty() {
        "waiting for reports".to_string()
    } else {
        format!("waiting for reports ({} refused: see Rejected)", s.rejected.len())
    };
    super::fit_spans(
        vec![
            Span::styled("Watching ", theme.dim()),
            Span::styled(clean(root), theme.text()),
            Span::styled(format!(" · {what}"), theme.warning()),
        ],
        width,
    )
}

/// The second line: precincts reporting, ballots, held, and the "data as of" where it fits.
fn progress(view: &View, width: usize, theme: &Theme) -> Line<'static> {
    let s = &view.summary;
    let reporting = s.precincts_reporting;
    let gauge_w = (width / 5).clamp(8, 30);
    let mut second = vec![Span::styled("Precincts ", theme.dim())];
    match s.precincts_expected {
        Some(e) => {
            second.push(Span::styled(bar(reporting, e, gauge_w), theme.gauge()));
            second.push(Span::styled(
                format!(" {} of {} ({})", thousands(reporting), thousands(e), percent(reporting, e)),
                theme.text(),
            ));
        }
        None => second.push(Span::styled(thousands(reporting), theme.text())),
    }
    second.push(Span::styled("   Ballots ", theme.dim()));
    second.push(Span::styled(thousands(s.ballots), theme.text()));
    if !s.held.is_empty() {
        second.push(Span::styled(format!("   {} held", s.held.len()), theme.warning()));
    }
    if let Some(mut t) = s.as_of.as_deref().and_then(crate::feed::Timestamp::parse) {
        // In the replay clock's offset, so that the two read alike.
        if let Mode::Replay(ReplayState { clock: Some(c), .. }) = &view.mode {
            t.offset_seconds = c.offset_seconds;
        }
        // Only whole: the longer form where it fits, a shorter one, or none.
        let used: usize = second.iter().map(|s| crate::text::width(&s.content)).sum();
        let room = width.saturating_sub(used);
        let at = clock(&t);
        for label in ["   data as of ", "   as of "] {
            if crate::text::width(label) + crate::text::width(&at) <= room {
                second.push(Span::styled(label, theme.dim()));
                second.push(Span::styled(at, theme.text()));
                break;
            }
        }
    }
    Line::from(second)
}

pub fn speed_label(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_in_eighths() {
        assert_eq!(bar(0, 10, 4), "····");
        assert_eq!(bar(10, 10, 4), "████");
        assert_eq!(bar(5, 10, 4), "██··");
        assert_eq!(bar(1, 16, 4), "▎···", "4 cells × 8 / 16 = 2 eighths");
    }
}
