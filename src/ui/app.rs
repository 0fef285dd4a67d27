//! The dashboard's own state: which panel has focus, selections, sorting, filters, overlays —
//! one viewer's, whichever terminal it is drawn in. Keys and the mouse change it (`keys.rs`);
//! nothing here draws.

use ratatui::layout::Rect;

use crate::hub::Command;
use crate::hub::view::{FingerprintRequest, Focus};

/// The panels that take focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Panel {
    Regions,
    Anomalies,
    Rejected,
    Timeline,
    /// The fingerprint: turnout × the leader's share, for the nation or a region.
    Fingerprint,
}

impl Panel {
    pub const ALL: [Panel; 5] =
        [Panel::Regions, Panel::Anomalies, Panel::Rejected, Panel::Timeline, Panel::Fingerprint];

    pub fn title(self) -> &'static str {
        match self {
            Panel::Regions => "Regions",
            Panel::Anomalies => "Anomalies",
            Panel::Rejected => "Rejected",
            Panel::Timeline => "Timeline",
            Panel::Fingerprint => "Fingerprint",
        }
    }

    pub(super) fn index(self) -> usize {
        Panel::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// How the regions table (or a region's precincts) is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// The order of the manifest (or by id).
    Natural,
    Name,
    Reporting,
    Turnout,
    Margin,
    Anomalies,
}

impl SortKey {
    pub const CYCLE: [SortKey; 6] =
        [SortKey::Natural, SortKey::Name, SortKey::Reporting, SortKey::Turnout, SortKey::Margin, SortKey::Anomalies];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Natural => "natural",
            SortKey::Name => "name",
            SortKey::Reporting => "reporting",
            SortKey::Turnout => "turnout",
            SortKey::Margin => "margin",
            SortKey::Anomalies => "flags",
        }
    }

    pub(super) fn next(self) -> SortKey {
        let i = SortKey::CYCLE.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::CYCLE[(i + 1) % SortKey::CYCLE.len()]
    }
}

/// A scrollable list's selection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    /// The first row shown (kept from frame to frame, so the list scrolls only as needed).
    pub offset: usize,
}

impl Cursor {
    pub(super) fn move_by(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let s = self.selected as isize + delta;
        self.selected = s.clamp(0, len as isize - 1) as usize;
    }

    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    /// The rows of a list of `len` that a view `height` rows tall shows, scrolled (as little
    /// as it takes) to keep the selection in view. Only these rows are built for a frame, so a
    /// list of 100,000 costs what 30 cost.
    pub fn window(&mut self, len: usize, height: usize) -> std::ops::Range<usize> {
        self.clamp(len);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
        self.offset..(self.offset + height).min(len)
    }
}

/// How the anomalies list is ordered: the most serious first (then the newest), or the newest
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnomalyOrder {
    #[default]
    Severity,
    Newest,
}

impl AnomalyOrder {
    pub fn label(self) -> &'static str {
        match self {
            AnomalyOrder::Severity => "severity",
            AnomalyOrder::Newest => "newest",
        }
    }
}

/// An entry opened with Enter that is not a precinct (a region's or the nation's flag, a
/// refused file): its whole text, to read in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub title: String,
    /// Paragraphs, wrapped when drawn; an empty one is a blank line.
    pub paragraphs: Vec<String>,
}

/// The drill-down into one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    pub region: String,
    pub cursor: Cursor,
    pub sort: SortKey,
    pub descending: bool,
    pub filter: String,
}

/// What the loop should do after an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    Redraw,
    Quit,
    /// Ctrl-\: end at once.
    Abort,
    /// Ctrl-Z: stop for a while, the terminal given back.
    Suspend,
    Send(Command),
    /// `w`: write the screen and the count to files (where the host offers it).
    Save,
}

/// With this variable set, F12 panics on purpose: how the tests prove that a panic gives the
/// terminal back.
pub const PANIC_KEY_VAR: &str = "VOTEWATCH_TEST_PANIC_KEY";

/// Screen areas of the last frame, for the mouse (and what the layout left room for).
#[derive(Debug, Clone, Default)]
pub struct Areas {
    pub panels: Vec<(Panel, Rect)>,
    /// The full layout (every panel at once) was drawn, not the tabbed one.
    pub full: bool,
    /// The grid (cols, rows) the fingerprint is drawn at in this layout, shown or not.
    pub fingerprint_grid: Option<(u16, u16)>,
}

#[derive(Debug, Clone)]
pub struct App {
    pub focus: Panel,
    pub cursors: [Cursor; 5],
    pub filters: [String; 5],
    /// Typing a filter for the focused list.
    pub editing_filter: bool,
    pub region_sort: SortKey,
    pub region_descending: bool,
    pub drill: Option<Drill>,
    /// The precinct whose reports are open.
    pub detail: Option<String>,
    /// A flag or a refusal open in full.
    pub entry: Option<Entry>,
    pub anomaly_order: AnomalyOrder,
    pub help: bool,
    pub areas: Areas,
    /// Lengths of the lists as last drawn (for moving the selection).
    pub lengths: [usize; 5],
    pub drill_length: usize,
    /// Shown instead of the real wall clock (for reproducible screens).
    pub wall_clock: Option<String>,
    /// The fingerprint is open: in the full layout it takes the place of the regions and the
    /// timeline (in the tabbed layout it shows while it has focus).
    pub fingerprint_open: bool,
    /// The fingerprint's scope: a region id, or `None` for the nation.
    pub fingerprint_region: Option<String>,
    /// Where focus goes back to when the fingerprint closes.
    pub fingerprint_back: Panel,
    /// The viewer moved the regions table's selection, so `f` means that region.
    pub region_picked: bool,
    /// What the session was last asked for.
    pub sent_focus: Focus,
    /// This viewer's keys drive the replay clock (a local dashboard's do; an SSH viewer's only
    /// with `serve --shared-control`).
    pub drives_clock: bool,
    /// A one-line note in place of the key hints, until the next key (a key that does nothing,
    /// a clock this viewer may not drive).
    pub note: Option<String>,
}

impl Default for App {
    fn default() -> Self {
        App {
            focus: Panel::Regions,
            cursors: [Cursor::default(); 5],
            filters: Default::default(),
            editing_filter: false,
            region_sort: SortKey::Natural,
            region_descending: false,
            drill: None,
            detail: None,
            entry: None,
            anomaly_order: AnomalyOrder::Severity,
            help: false,
            areas: Areas::default(),
            lengths: [0; 5],
            drill_length: 0,
            wall_clock: None,
            fingerprint_open: false,
            fingerprint_region: None,
            fingerprint_back: Panel::Regions,
            region_picked: false,
            sent_focus: Focus::default(),
            drives_clock: true,
            note: None,
        }
    }
}

impl App {
    pub fn cursor(&self, p: Panel) -> Cursor {
        self.cursors[p.index()]
    }

    pub fn filter(&self, p: Panel) -> &str {
        &self.filters[p.index()]
    }

    /// The filter being typed or in force for the list in focus.
    pub(super) fn active_filter_mut(&mut self) -> &mut String {
        match &mut self.drill {
            Some(d) if self.focus == Panel::Regions => &mut d.filter,
            _ => &mut self.filters[self.focus.index()],
        }
    }

    /// What the dashboard wants of the session now: the region drilled into, the precinct
    /// opened, the fingerprint shown (at the resolution the last frame left room for).
    pub fn focus_request(&self) -> Focus {
        let fingerprint = if self.fingerprint_shown() {
            self.areas.fingerprint_grid.map(|(cols, rows)| FingerprintRequest {
                region: self.fingerprint_region.clone(),
                cols,
                rows,
            })
        } else {
            None
        };
        Focus { region: self.drill.as_ref().map(|d| d.region.clone()), precinct: self.detail.clone(), fingerprint }
    }

    /// The focus to send when it differs from what the session was last asked for (after a key,
    /// or a frame drawn at another size).
    pub fn refocus(&mut self) -> Option<Focus> {
        let wanted = self.focus_request();
        if wanted == self.sent_focus {
            return None;
        }
        self.sent_focus = wanted.clone();
        Some(wanted)
    }

    /// Whether the fingerprint is on screen: open in the full layout, in focus in the tabbed one.
    pub fn fingerprint_shown(&self) -> bool {
        if self.areas.full { self.fingerprint_open } else { self.focus == Panel::Fingerprint }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_shows_the_selection_and_scrolls_as_little_as_it_takes() {
        let mut c = Cursor::default();
        assert_eq!(c.window(100_000, 10), 0..10);
        c.selected = 15;
        assert_eq!(c.window(100_000, 10), 6..16, "scrolled just enough");
        c.selected = 9;
        assert_eq!(c.window(100_000, 10), 6..16, "still in view: no scroll");
        c.selected = 99_999;
        assert_eq!(c.window(100_000, 10), 99_990..100_000);
        assert_eq!(c.window(5, 10), 0..5, "a short list after a long one");
        assert_eq!(c.selected, 4);
        assert_eq!(Cursor::default().window(0, 10), 0..0);
    }
}
