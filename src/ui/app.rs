//! The dashboard's own state: which panel has focus, selections, sorting, filters, overlays.
//! Keys and mouse events change it and may ask the session for something; nothing here draws.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};
use ratatui::layout::{Position, Rect};

use crate::hub::Command;
use crate::hub::view::{FingerprintRequest, Focus, View};

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

    fn index(self) -> usize {
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

    fn next(self) -> SortKey {
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
    fn move_by(&mut self, delta: isize, len: usize) {
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
    fn active_filter_mut(&mut self) -> &mut String {
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

    /// `f`: the fingerprint of the region drilled into, or of the one picked in the regions
    /// table, else of the nation.
    fn open_fingerprint(&mut self, view: &View) {
        self.fingerprint_region = match (&self.drill, self.focus) {
            (Some(d), _) => Some(d.region.clone()),
            (None, Panel::Regions) if self.region_picked => self.selected_region(view),
            _ => None,
        };
        if self.focus != Panel::Fingerprint {
            self.fingerprint_back = self.focus;
        }
        self.fingerprint_open = true;
        self.focus = Panel::Fingerprint;
    }

    fn close_fingerprint(&mut self) {
        self.fingerprint_open = false;
        if self.focus == Panel::Fingerprint {
            self.focus = self.fingerprint_back;
        }
    }

    /// `[` / `]` in the fingerprint: the previous / next region, the nation before the first.
    fn step_fingerprint(&mut self, view: &View, forward: bool) {
        let ids: Vec<&str> = view.summary.regions.iter().map(|r| r.id.as_str()).collect();
        let n = ids.len() as isize;
        let at = self.fingerprint_region.as_deref().and_then(|id| ids.iter().position(|r| *r == id));
        let at = at.map_or(-1, |i| i as isize);
        let next = (at + 1 + if forward { 1 } else { -1 }).rem_euclid(n + 1) - 1;
        self.fingerprint_region = usize::try_from(next).ok().map(|i| ids[i].to_string());
    }

    fn move_selection(&mut self, delta: isize) {
        if self.focus == Panel::Regions && self.drill.is_none() {
            self.region_picked = true;
        }
        if self.focus == Panel::Regions
            && let Some(d) = &mut self.drill
        {
            d.cursor.move_by(delta, self.drill_length);
            return;
        }
        let i = self.focus.index();
        let len = self.lengths[i];
        self.cursors[i].move_by(delta, len);
    }

    /// Tab: the next panel on screen (the full layout cycles through those it shows; the tabbed
    /// one through all, and the fingerprint is open while it is the tab in front).
    fn cycle_focus(&mut self, forward: bool) {
        let drawn: Vec<Panel> = Panel::ALL
            .into_iter()
            .filter(|p| !self.areas.full || self.areas.panels.iter().any(|(q, _)| q == p))
            .collect();
        let cycle = if drawn.is_empty() { Panel::ALL.to_vec() } else { drawn };
        let i = cycle.iter().position(|p| *p == self.focus).map_or(0, |i| i as isize + if forward { 1 } else { -1 });
        self.focus = cycle[i.rem_euclid(cycle.len() as isize) as usize];
        if !self.areas.full {
            self.fingerprint_open = self.focus == Panel::Fingerprint;
        }
    }

    /// Handles one terminal event. When it changes what the session should compute (a region
    /// drilled into, a precinct opened, the fingerprint shown), the new focus is sent.
    pub fn handle(&mut self, event: &Event, view: &View) -> Action {
        let action = self.handle_event(event, view);
        match action {
            Action::None | Action::Redraw => self.refocus().map_or(action, |f| Action::Send(Command::Focus(f))),
            other => other,
        }
    }

    fn handle_event(&mut self, event: &Event, view: &View) -> Action {
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.key(*k, view),
            Event::Mouse(m) => {
                let at = Position { x: m.column, y: m.row };
                let under = self.areas.panels.iter().find(|(_, r)| r.contains(at)).map(|(p, _)| *p);
                match m.kind {
                    MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                        if let Some(p) = under {
                            self.focus = p;
                        }
                        self.move_selection(if m.kind == MouseEventKind::ScrollDown { 3 } else { -3 });
                        Action::Redraw
                    }
                    MouseEventKind::Down(MouseButton::Left) => match under {
                        Some(p) => {
                            self.focus = p;
                            Action::Redraw
                        }
                        None => Action::None,
                    },
                    _ => Action::None,
                }
            }
            Event::Resize(..) => Action::Redraw,
            _ => Action::None,
        }
    }

    fn key(&mut self, k: KeyEvent, view: &View) -> Action {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(k.code, KeyCode::Char('c') | KeyCode::Char('d')) {
            return Action::Quit;
        }
        // Ctrl-\ is the terminal's "quit at once" (SIGQUIT, which raw mode turns into a key).
        if ctrl && matches!(k.code, KeyCode::Char('\\') | KeyCode::Char('4')) {
            return Action::Abort;
        }
        // Ctrl-Z stops the dashboard, giving the terminal back, as it would any program.
        if ctrl && k.code == KeyCode::Char('z') {
            return Action::Suspend;
        }
        if std::env::var_os(PANIC_KEY_VAR).is_some() && k.code == KeyCode::F(12) {
            panic!("F12 pressed with {PANIC_KEY_VAR} set: panicking on purpose");
        }
        if self.editing_filter {
            match k.code {
                KeyCode::Esc => {
                    self.active_filter_mut().clear();
                    self.editing_filter = false;
                }
                KeyCode::Enter => self.editing_filter = false,
                KeyCode::Backspace => {
                    self.active_filter_mut().pop();
                }
                KeyCode::Char(c) if !c.is_control() => self.active_filter_mut().push(c),
                _ => return Action::None,
            }
            self.reset_selection();
            return Action::Redraw;
        }
        if self.help {
            self.help = false;
            return if matches!(k.code, KeyCode::Char('q')) { Action::Quit } else { Action::Redraw };
        }
        let replay = matches!(view.mode, crate::hub::view::Mode::Replay(_));
        match k.code {
            KeyCode::Char('q') => Action::Quit,
            KeyCode::Esc => {
                if self.detail.take().is_some() {
                    Action::Redraw
                } else if self.fingerprint_shown() {
                    self.close_fingerprint();
                    Action::Redraw
                } else if self.drill.take().is_some() {
                    Action::Redraw
                } else if !self.active_filter_mut().is_empty() {
                    self.active_filter_mut().clear();
                    Action::Redraw
                } else {
                    Action::Quit
                }
            }
            KeyCode::Char('?') => {
                self.help = true;
                Action::Redraw
            }
            KeyCode::Tab => {
                self.cycle_focus(true);
                Action::Redraw
            }
            KeyCode::BackTab => {
                self.cycle_focus(false);
                Action::Redraw
            }
            KeyCode::Char('l') | KeyCode::Right if self.detail.is_none() => {
                self.cycle_focus(true);
                Action::Redraw
            }
            KeyCode::Char('h') | KeyCode::Left if self.detail.is_none() => {
                self.cycle_focus(false);
                Action::Redraw
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.move_selection(1);
                Action::Redraw
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.move_selection(-1);
                Action::Redraw
            }
            KeyCode::PageDown => {
                self.move_selection(10);
                Action::Redraw
            }
            KeyCode::PageUp => {
                self.move_selection(-10);
                Action::Redraw
            }
            KeyCode::Home | KeyCode::Char('g') => {
                self.move_selection(isize::MIN / 2);
                Action::Redraw
            }
            KeyCode::End | KeyCode::Char('G') => {
                self.move_selection(isize::MAX / 2);
                Action::Redraw
            }
            KeyCode::Char('f') | KeyCode::Char('F') => {
                if self.fingerprint_shown() {
                    self.close_fingerprint();
                } else {
                    self.open_fingerprint(view);
                }
                Action::Redraw
            }
            KeyCode::Char('n') if self.focus == Panel::Fingerprint => {
                self.fingerprint_region = None;
                Action::Redraw
            }
            KeyCode::Char('[') | KeyCode::Char(']') if self.focus == Panel::Fingerprint => {
                self.step_fingerprint(view, k.code == KeyCode::Char(']'));
                Action::Redraw
            }
            KeyCode::Char('/') if self.focus == Panel::Fingerprint => Action::None,
            KeyCode::Char('/') => {
                self.editing_filter = true;
                Action::Redraw
            }
            KeyCode::Char('s') | KeyCode::Char('S') => {
                let reverse = k.code == KeyCode::Char('S');
                match (&mut self.drill, self.focus) {
                    (Some(d), Panel::Regions) => {
                        if reverse {
                            d.descending = !d.descending;
                        } else {
                            d.sort = d.sort.next();
                        }
                    }
                    (None, Panel::Regions) => {
                        if reverse {
                            self.region_descending = !self.region_descending;
                        } else {
                            self.region_sort = self.region_sort.next();
                        }
                    }
                    _ => return Action::None,
                }
                Action::Redraw
            }
            KeyCode::Enter => self.open(view),
            KeyCode::Char(' ') if replay => Action::Send(Command::TogglePause),
            KeyCode::Char('+') | KeyCode::Char('=') if replay => Action::Send(Command::Faster),
            KeyCode::Char('-') | KeyCode::Char('_') if replay => Action::Send(Command::Slower),
            KeyCode::Char('.') if replay => Action::Send(Command::Step),
            KeyCode::Char('[') if replay => Action::Send(Command::SeekBack),
            KeyCode::Char(']') if replay => Action::Send(Command::SeekForward),
            _ => Action::None,
        }
    }

    fn reset_selection(&mut self) {
        match &mut self.drill {
            Some(d) if self.focus == Panel::Regions => d.cursor = Cursor::default(),
            _ => self.cursors[self.focus.index()] = Cursor::default(),
        }
    }

    /// The region id of the regions table's selected row, from the cursor and `view` as they
    /// are now: frames come at most `fps` times a second, but keys can move a cursor several
    /// rows between two of them (`j j Enter`).
    fn selected_region(&self, view: &View) -> Option<String> {
        super::regions::ordered(view, self).get(self.cursor(Panel::Regions).selected).map(|r| r.id.clone())
    }

    /// The precinct id of the selected row of the anomalies list, or of the drill-down.
    fn selected_precinct(&self, view: &View, panel: Panel) -> Option<String> {
        match (panel, &self.drill) {
            (Panel::Anomalies, _) => super::anomalies::ordered(view, self)
                .get(self.cursor(Panel::Anomalies).selected)
                .and_then(|a| a.precinct.clone()),
            (Panel::Regions, Some(d)) => {
                let detail = view.region.as_ref().filter(|r| r.id == d.region)?;
                super::drill::ordered(&detail.precincts, d).get(d.cursor.selected).map(|p| p.id.clone())
            }
            _ => None,
        }
    }

    /// Enter: drill into a region, or open a precinct's reports.
    fn open(&mut self, view: &View) -> Action {
        let target = match (self.focus, &self.drill) {
            (Panel::Regions, None) => self.selected_region(view).map(Ok),
            (p, _) => self.selected_precinct(view, p).map(Err),
        };
        match target {
            Some(Ok(region)) => {
                self.region_picked = true;
                self.drill = Some(Drill {
                    region,
                    cursor: Cursor::default(),
                    sort: SortKey::Natural,
                    descending: false,
                    filter: String::new(),
                })
            }
            Some(Err(precinct)) => self.detail = Some(precinct),
            None => return Action::None,
        }
        Action::Redraw
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
    use crate::engine::Engine;
    use crate::feed::Manifest;
    use crate::hub::view::Mode;

    fn view() -> View {
        let m = Manifest::from_slice(
            br#"{"id":"t","name":"Test","date":"2022-11-20","polls_close":"20:00",
            "candidates":[{"id":"a","name":"Alice"}],
            "regions":[{"id":"n","name":"North","utc_offset":"+06:00"},{"id":"s","name":"South","utc_offset":"+06:00"}]}"#,
        )
        .unwrap();
        View::of(std::sync::Arc::new(crate::hub::snapshot::Snapshot {
            version: 0,
            summary: Engine::new(Some(m)).count().into(),
            mode: Mode::Live,
            anomaly_seq: Vec::new(),
            timeline: Default::default(),
            notice: None,
            call: None,
        }))
    }

    fn press(app: &mut App, view: &View, c: KeyCode) -> Action {
        app.handle(&Event::Key(KeyEvent::new(c, KeyModifiers::NONE)), view)
    }

    /// An app as the full layout leaves it: every panel drawn, room for a 60 × 40 fingerprint.
    fn full() -> App {
        let mut app = App::default();
        app.areas.full = true;
        app.areas.fingerprint_grid = Some((60, 40));
        app.areas.panels = [Panel::Regions, Panel::Timeline, Panel::Anomalies, Panel::Rejected]
            .into_iter()
            .map(|p| (p, Rect::default()))
            .collect();
        // As the last frame drew them: two regions.
        app.lengths[0] = 2;
        app
    }

    fn asked(region: Option<&str>) -> Action {
        Action::Send(Command::Focus(Focus {
            fingerprint: Some(FingerprintRequest { region: region.map(str::to_string), cols: 60, rows: 40 }),
            ..Focus::default()
        }))
    }

    #[test]
    fn f_opens_the_nation_and_closes_again() {
        let (v, mut app) = (view(), full());
        assert_eq!(press(&mut app, &v, KeyCode::Char('f')), asked(None), "the nation, though a row is selected");
        assert_eq!((app.focus, app.fingerprint_shown()), (Panel::Fingerprint, true));
        assert_eq!(press(&mut app, &v, KeyCode::Char('f')), Action::Send(Command::Focus(Focus::default())));
        assert_eq!((app.focus, app.fingerprint_shown()), (Panel::Regions, false));
        press(&mut app, &v, KeyCode::Char('f'));
        assert_eq!(press(&mut app, &v, KeyCode::Esc), Action::Send(Command::Focus(Focus::default())), "Esc closes it");
        assert_eq!(press(&mut app, &v, KeyCode::Char('x')), Action::None, "nothing more to ask");
    }

    #[test]
    fn f_shows_the_region_picked_or_drilled_into() {
        let (v, mut app) = (view(), full());
        press(&mut app, &v, KeyCode::Down);
        assert!(app.region_picked);
        assert_eq!(press(&mut app, &v, KeyCode::Char('f')), asked(Some("s")), "the row moved to, before any frame");
        press(&mut app, &v, KeyCode::Char('f'));
        // Keys faster than frames: Enter opens the row the cursor is on, not the one last drawn.
        press(&mut app, &v, KeyCode::Up);
        press(&mut app, &v, KeyCode::Down);
        press(&mut app, &v, KeyCode::Enter);
        assert_eq!(app.drill.as_ref().map(|d| d.region.as_str()), Some("s"));
        let Action::Send(Command::Focus(f)) = press(&mut app, &v, KeyCode::Char('f')) else { panic!() };
        assert_eq!(f.fingerprint.and_then(|r| r.region).as_deref(), Some("s"));
        assert_eq!(f.region.as_deref(), Some("s"), "the drill-down stays");
        press(&mut app, &v, KeyCode::Esc);
        assert!(app.drill.is_some() && !app.fingerprint_shown(), "Esc closes the fingerprint first");
        press(&mut app, &v, KeyCode::Esc);
        assert!(app.drill.is_none());
    }

    #[test]
    fn n_and_brackets_change_the_scope() {
        let (v, mut app) = (view(), full());
        press(&mut app, &v, KeyCode::Char('f'));
        assert_eq!(press(&mut app, &v, KeyCode::Char(']')), asked(Some("n")));
        assert_eq!(press(&mut app, &v, KeyCode::Char(']')), asked(Some("s")));
        assert_eq!(press(&mut app, &v, KeyCode::Char(']')), asked(None), "after the last, the nation");
        assert_eq!(press(&mut app, &v, KeyCode::Char('[')), asked(Some("s")), "before the nation, the last");
        assert_eq!(press(&mut app, &v, KeyCode::Char('n')), asked(None));
        // Outside the fingerprint, n and the brackets are what they were.
        app.focus = Panel::Anomalies;
        assert_eq!(press(&mut app, &v, KeyCode::Char('n')), Action::None);
        assert_eq!(app.fingerprint_region, None);
    }

    #[test]
    fn tab_goes_through_the_panels_on_screen() {
        let (v, mut app) = (view(), full());
        press(&mut app, &v, KeyCode::Char('f'));
        app.areas.panels =
            [Panel::Fingerprint, Panel::Anomalies, Panel::Rejected].into_iter().map(|p| (p, Rect::default())).collect();
        let order: Vec<Panel> = (0..3)
            .map(|_| {
                press(&mut app, &v, KeyCode::Tab);
                app.focus
            })
            .collect();
        assert_eq!(order, [Panel::Anomalies, Panel::Rejected, Panel::Fingerprint]);
        // In the tabbed layout the fingerprint is a tab: in front, it is asked for.
        let mut app = App { focus: Panel::Timeline, ..App::default() };
        app.areas.fingerprint_grid = Some((60, 40));
        assert_eq!(press(&mut app, &v, KeyCode::Tab), asked(None));
        assert_eq!(press(&mut app, &v, KeyCode::Tab), Action::Send(Command::Focus(Focus::default())));
        assert_eq!(app.focus, Panel::Regions);
    }
}
