//! The dashboard's own state: which panel has focus, selections, sorting, filters, overlays.
//! Keys and mouse events change it and may ask the session for something; nothing here draws.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};
use ratatui::layout::{Position, Rect};

use crate::session::Command;
use crate::session::view::{Focus, View};

/// The panels that take focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Panel {
    Regions,
    Anomalies,
    Rejected,
    Timeline,
}

impl Panel {
    pub const ALL: [Panel; 4] = [Panel::Regions, Panel::Anomalies, Panel::Rejected, Panel::Timeline];

    pub fn title(self) -> &'static str {
        match self {
            Panel::Regions => "Regions",
            Panel::Anomalies => "Anomalies",
            Panel::Rejected => "Rejected",
            Panel::Timeline => "Timeline",
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
    Send(Command),
}

/// Screen areas of the last frame, for the mouse.
#[derive(Debug, Clone, Default)]
pub struct Areas {
    pub panels: Vec<(Panel, Rect)>,
}

#[derive(Debug, Clone)]
pub struct App {
    pub focus: Panel,
    pub cursors: [Cursor; 4],
    pub filters: [String; 4],
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
    pub lengths: [usize; 4],
    pub drill_length: usize,
    /// What the selected row of each list stands for (region id, precinct id), as last drawn.
    pub selected_region: Option<String>,
    pub selected_anomaly_precinct: Option<String>,
    pub selected_drill_precinct: Option<String>,
    /// Shown instead of the real wall clock (for reproducible screens).
    pub wall_clock: Option<String>,
}

impl Default for App {
    fn default() -> Self {
        App {
            focus: Panel::Regions,
            cursors: [Cursor::default(); 4],
            filters: Default::default(),
            editing_filter: false,
            region_sort: SortKey::Natural,
            region_descending: false,
            drill: None,
            detail: None,
            help: false,
            areas: Areas::default(),
            lengths: [0; 4],
            drill_length: 0,
            selected_region: None,
            selected_anomaly_precinct: None,
            selected_drill_precinct: None,
            wall_clock: None,
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

    fn focus_request(&self) -> Focus {
        Focus { region: self.drill.as_ref().map(|d| d.region.clone()), precinct: self.detail.clone() }
    }

    fn move_selection(&mut self, delta: isize) {
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

    fn cycle_focus(&mut self, forward: bool) {
        let i = self.focus.index() as isize + if forward { 1 } else { -1 };
        self.focus = Panel::ALL[i.rem_euclid(Panel::ALL.len() as isize) as usize];
    }

    /// Handles one terminal event.
    pub fn handle(&mut self, event: &Event, view: &View) -> Action {
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
        // Ctrl-\ is the terminal's "quit and dump core": abort on purpose (the terminal is
        // still restored, by the panic hook).
        if ctrl && matches!(k.code, KeyCode::Char('\\') | KeyCode::Char('4')) {
            panic!("Ctrl-\\ pressed: aborting on request");
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
        let replay = matches!(view.mode, crate::session::view::Mode::Replay(_));
        match k.code {
            KeyCode::Char('q') => Action::Quit,
            KeyCode::Esc => {
                if self.detail.take().is_some() || self.drill.take().is_some() {
                    Action::Send(Command::Focus(self.focus_request()))
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
            KeyCode::Enter => self.open(),
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

    /// Enter: drill into a region, or open a precinct's reports.
    fn open(&mut self) -> Action {
        let target = match (self.focus, &self.drill) {
            (Panel::Regions, Some(_)) => self.selected_drill_precinct.clone().map(Err),
            (Panel::Regions, None) => self.selected_region.clone().map(Ok),
            (Panel::Anomalies, _) => self.selected_anomaly_precinct.clone().map(Err),
            _ => None,
        };
        match target {
            Some(Ok(region)) => {
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
        Action::Send(Command::Focus(self.focus_request()))
    }
}
