//! What a key or the mouse does to the dashboard's state: one viewer's input, decoded into
//! actions (a redraw, a request to the hub, quitting).
//! Long because its tests (a third of it) sit beside the keys they press.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};
use ratatui::layout::Position;

use crate::hub::view::View;
use crate::hub::{Command, Control};

use super::app::{Action, AnomalyOrder, App, Cursor, Drill, Entry, PANIC_KEY_VAR, Panel, SortKey};

impl App {
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
        let ids: Vec<&str> = view.summary.regions.iter().map(|r| &*r.id).collect();
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
        // A note lasts until the next key.
        self.note = None;
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
                if self.entry.take().is_some() || self.detail.take().is_some() {
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
            KeyCode::Char('w') => Action::Save,
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
                    (_, Panel::Anomalies) => {
                        self.anomaly_order = match self.anomaly_order {
                            AnomalyOrder::Severity => AnomalyOrder::Newest,
                            AnomalyOrder::Newest => AnomalyOrder::Severity,
                        };
                        self.cursors[Panel::Anomalies.index()] = Cursor::default();
                    }
                    _ => return Action::None,
                }
                Action::Redraw
            }
            KeyCode::Enter if self.entry.is_some() => {
                self.entry = None;
                Action::Redraw
            }
            KeyCode::Enter => self.open(view),
            code if replay && clock_command(code).is_some() => match clock_command(code) {
                Some(c) if self.drives_clock => Action::Send(c),
                _ => {
                    self.note = Some(
                        "The replay clock is the server's: everyone watching sees the same night (Space, +, -, ., [ and ] are the operator's)"
                            .into(),
                    );
                    Action::Redraw
                }
            },
            code => {
                self.note = Some(format!("{} does nothing here · ? lists the keys", key_name(code, k.modifiers)));
                Action::Redraw
            }
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
        super::regions::ordered(view, self).get(self.cursor(Panel::Regions).selected).map(|r| r.id.to_string())
    }

    /// The precinct id of the selected row of the anomalies list, or of the drill-down.
    fn selected_precinct(&self, view: &View, panel: Panel) -> Option<String> {
        match (panel, &self.drill) {
            (Panel::Anomalies, _) => super::anomalies::ordered(view, self)
                .get(self.cursor(Panel::Anomalies).selected)
                .and_then(|a| a.precinct.as_deref().map(str::to_string)),
            (Panel::Regions, Some(d)) => {
                let detail = view.region.as_ref().filter(|r| r.id == d.region)?;
                super::drill::ordered(&detail.precincts, d).get(d.cursor.selected).map(|p| p.id.clone())
            }
            _ => None,
        }
    }

    /// Enter: drill into a region, open a precinct's reports, or open a flag or a refusal in
    /// full.
    fn open(&mut self, view: &View) -> Action {
        if let Some(entry) = self.selected_entry(view) {
            self.entry = Some(entry);
            return Action::Redraw;
        }
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

    /// The selected flag that is not a precinct's (a region's or the nation's), or the
    /// selected refusal, as an entry to read in full.
    fn selected_entry(&self, view: &View) -> Option<Entry> {
        match self.focus {
            Panel::Anomalies => {
                let a = *super::anomalies::ordered(view, self).get(self.cursor(Panel::Anomalies).selected)?;
                if a.precinct.is_some() {
                    return None;
                }
                let region = a.region.as_deref().map(|id| view.summary.region_name(id));
                Some(Entry {
                    title: format!("{} {} {}", super::theme::severity_symbol(a.severity), a.severity.as_str(), a.kind),
                    paragraphs: vec![
                        format!("Where: {}", region.unwrap_or("the whole election")),
                        String::new(),
                        a.message.to_string(),
                        String::new(),
                        "A flag is a reason to look, not proof: the message says what was measured, against what, and what honest causes give the same pattern.".into(),
                    ],
                })
            }
            Panel::Rejected => {
                let r = *super::rejected::ordered(view, self).get(self.cursor(Panel::Rejected).selected)?;
                Some(Entry {
                    title: "✗ refused".into(),
                    paragraphs: vec![
                        format!("Source: {}", r.source),
                        String::new(),
                        format!("Reason: {}", r.error),
                        String::new(),
                        "Nothing from it is counted; fix the file and it is read again.".into(),
                    ],
                })
            }
            _ => None,
        }
    }
}

/// The replay clock's keys: Space pauses, + and - change the speed, . steps, [ and ] seek.
fn clock_command(code: KeyCode) -> Option<Command> {
    Some(match code {
        KeyCode::Char(' ') => Command::Clock(Control::TogglePause),
        KeyCode::Char('+') | KeyCode::Char('=') => Command::Clock(Control::Faster),
        KeyCode::Char('-') | KeyCode::Char('_') => Command::Clock(Control::Slower),
        KeyCode::Char('.') => Command::Clock(Control::Step),
        KeyCode::Char('[') => Command::Clock(Control::SeekBack),
        KeyCode::Char(']') => Command::Clock(Control::SeekForward),
        _ => return None,
    })
}

/// A key as a person would name it ("x", "Ctrl-x", "F5", "Insert").
fn key_name(code: KeyCode, modifiers: KeyModifiers) -> String {
    let name = match code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) if c.is_control() => format!("{:?}", c),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    let name = crate::text::clean(&name);
    if modifiers.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{name}")
    } else if modifiers.contains(KeyModifiers::ALT) {
        format!("Alt-{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::feed::Manifest;
    use crate::hub::view::{FingerprintRequest, Focus, Mode};
    use ratatui::layout::Rect;

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
            mode: Mode::Live { root: "feed".into() },
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
    fn the_replay_clock_is_driven_only_by_a_viewer_allowed_to() {
        let mut snapshot = (*view().snapshot).clone();
        snapshot.mode = Mode::Replay(crate::hub::snapshot::ReplayState {
            clock: None,
            first: None,
            last: None,
            speed: Some(60.0),
            paused: false,
            position: 0,
            total: 10,
        });
        let v = View::of(std::sync::Arc::new(snapshot));
        let mut app = full();
        assert_eq!(press(&mut app, &v, KeyCode::Char(' ')), Action::Send(Command::Clock(Control::TogglePause)));
        assert_eq!(press(&mut app, &v, KeyCode::Char(']')), Action::Send(Command::Clock(Control::SeekForward)));
        app.drives_clock = false;
        for key in [' ', '+', '-', '.', '[', ']'] {
            assert_eq!(press(&mut app, &v, KeyCode::Char(key)), Action::Redraw, "{key:?}");
            assert!(app.note.as_deref().is_some_and(|n| n.starts_with("The replay clock is the server's")), "{key:?}");
        }
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
        assert_eq!(press(&mut app, &v, KeyCode::Char('x')), Action::Redraw, "nothing more to ask");
        assert_eq!(
            app.note.as_deref(),
            Some("x does nothing here · ? lists the keys"),
            "an unknown key is said to be one"
        );
        press(&mut app, &v, KeyCode::Down);
        assert_eq!(app.note, None, "the note lasts until the next key");
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
        assert_eq!(press(&mut app, &v, KeyCode::Char('n')), Action::Redraw);
        assert_eq!(app.fingerprint_region, None);
        assert!(app.note.as_deref().is_some_and(|n| n.starts_with("n does nothing here")));
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
