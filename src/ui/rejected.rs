//! The rejected panel: each refused source with its reason, so the person running the feed
//! can fix it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState};

use crate::engine::count::Rejected;
use crate::hub::view::View;
use crate::text::{clean, fit};

use super::app::{App, Panel};
use super::theme::Theme;

pub fn ordered<'a>(view: &'a View, app: &App) -> Vec<&'a Rejected> {
    let filter = app.filter(Panel::Rejected).to_lowercase();
    view.summary
        .rejected
        .iter()
        .filter(|r| {
            filter.is_empty() || r.source.to_lowercase().contains(&filter) || r.error.to_lowercase().contains(&filter)
        })
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, view: &View, app: &mut App, theme: &Theme) {
    let items = ordered(view, app);
    app.lengths[2] = items.len();
    let shown = app.cursors[2].window(items.len(), area.height.saturating_sub(2) as usize);
    let focused = app.focus == Panel::Rejected;
    let title = format!(" Rejected ({}) ", view.summary.rejected.len());
    let block = super::panel_block(title, focused, app.filter(Panel::Rejected), app.editing_filter, theme);
    let w = area.width.saturating_sub(4) as usize;
    let rows: Vec<ListItem> = if items.is_empty() {
        vec![ListItem::new(Span::styled("nothing refused", theme.dim()))]
    } else {
        items[shown.clone()]
            .iter()
            .map(|r| {
                let src = format!("✗ {} ", clean(&r.source));
                let rest = w.saturating_sub(crate::text::width(&src));
                ListItem::new(Line::from(vec![
                    Span::styled(src, theme.critical()),
                    Span::styled(fit(&r.error, rest), theme.text()),
                ]))
            })
            .collect()
    };
    let list = List::new(rows).block(block).highlight_style(theme.selected()).highlight_symbol("› ");
    let selected = if items.is_empty() { None } else { Some(app.cursor(Panel::Rejected).selected - shown.start) };
    f.render_stateful_widget(list, area, &mut ListState::default().with_selected(selected));
}
