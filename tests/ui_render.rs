//! Whole-screen render tests: the dashboard drawn with ratatui's TestBackend on a small fixed
//! feed (Cyrillic, Kazakh, Arabic, CJK and emoji names, an escape sequence in a name, every
//! kind of trouble), at 80×24 and 160×48, compared with snapshot files.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use votewatch::cli::FeedOpts;
use votewatch::hub::ReplaySpeed;
use votewatch::hub::view::{FingerprintRequest, Focus, View};
use votewatch::ui::app::{App, Cursor, Drill, Panel, SortKey};
use votewatch::ui::theme::{ColorDepth, Theme, ThemeName};

fn final_view(focus: Focus) -> View {
    view_at_end(Path::new("tests/fixtures/small-feed"), &FeedOpts::default(), &focus)
}

/// The view at the end of a replay of `feed` at full speed, with `focus`.
fn view_at_end(feed: &Path, opts: &FeedOpts, focus: &Focus) -> View {
    let opened = votewatch::hub::replay(feed, &opts.options(), ReplaySpeed::Max, opts.forensics().unwrap()).unwrap();
    opened.view_at_end(focus)
}

fn render(view: &View, app: &mut App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::new(ThemeName::Dark, ColorDepth::None);
    app.wall_clock = Some("12:00:00".into());
    terminal.draw(|f| votewatch::ui::draw(f, view, app, &theme)).unwrap();
    terminal.backend().to_string()
}

fn screens(name: &str, view: &View, app: &App) {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = app.clone();
        let screen = render(view, &mut app, w, h);
        assert!(!screen.contains('\u{1b}'), "no escape character reaches the terminal");
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

#[test]
fn main_screen() {
    let view = final_view(Focus::default());
    screens("main", &view, &App::default());
}

#[test]
fn region_drill_down() {
    let view = final_view(Focus { region: Some("almaty".into()), ..Focus::default() });
    let app = App {
        drill: Some(Drill {
            region: "almaty".into(),
            cursor: Cursor::default(),
            sort: SortKey::Turnout,
            descending: true,
            filter: String::new(),
        }),
        ..App::default()
    };
    screens("drill", &view, &app);
}

#[test]
fn anomaly_detail() {
    let view = final_view(Focus { precinct: Some("ALM-004".into()), ..Focus::default() });
    let app = App { focus: Panel::Anomalies, detail: Some("ALM-004".into()), ..App::default() };
    screens("detail", &view, &app);
}

#[test]
fn help_overlay() {
    let view = final_view(Focus::default());
    screens("help", &view, &App { help: true, ..App::default() });
}

#[test]
fn too_small_says_so() {
    let view = final_view(Focus::default());
    let screen = render(&view, &mut App::default(), 50, 10);
    assert!(screen.contains("Terminal too small"), "{screen}");
    assert!(screen.contains("need 60×16, have 50×10"), "{screen}");
}

#[test]
fn every_size_renders_without_panic() {
    let view = final_view(Focus {
        region: Some("almaty".into()),
        precinct: Some("ALM-004".into()),
        fingerprint: Some(FingerprintRequest { region: Some("almaty".into()), cols: 40, rows: 20 }),
    });
    for w in [1u16, 10, 59, 60, 61, 80, 119, 120, 200] {
        for h in [1u16, 5, 15, 16, 24, 35, 36, 60] {
            for app in [
                App::default(),
                App { help: true, ..App::default() },
                App { detail: Some("ALM-004".into()), ..App::default() },
                App { focus: Panel::Timeline, ..App::default() },
                App { focus: Panel::Fingerprint, fingerprint_open: true, ..App::default() },
            ] {
                render(&view, &mut app.clone(), w, h);
            }
        }
    }
}

#[test]
fn widths_of_wide_characters_keep_columns_aligned() {
    let view = final_view(Focus::default());
    let screen = render(&view, &mut App::default(), 160, 48);
    // Every row of the candidate panel ends its border at the same column.
    let rows: Vec<&str> =
        screen.lines().filter(|l| l.contains("Иван Иванов") || l.contains("王小明") || l.contains("محمد")).collect();
    assert_eq!(rows.len(), 3, "{screen}");
    let border_col =
        |l: &str| unicode_width::UnicodeWidthStr::width(l.split('│').take(2).collect::<Vec<_>>().join("│").as_str());
    assert!(rows.iter().all(|l| border_col(l) == border_col(rows[0])), "{rows:#?}");
}

/// The colours a screen uses, for each colour depth: none at all under NO_COLOR, only the 16
/// named ones on a basic terminal, no 24-bit colour on a 256-colour one.
#[test]
fn colours_stay_within_what_the_terminal_shows() {
    use ratatui::style::Color;
    let view = final_view(Focus::default());
    for (depth, allowed) in [
        (ColorDepth::None, (|c: Color| c == Color::Reset) as fn(Color) -> bool),
        (ColorDepth::Basic, |c| !matches!(c, Color::Rgb(..) | Color::Indexed(_))),
        (ColorDepth::Indexed, |c| !matches!(c, Color::Rgb(..))),
    ] {
        for name in [ThemeName::Dark, ThemeName::Light] {
            let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
            let theme = Theme::new(name, depth);
            let mut app = App { wall_clock: Some("12:00:00".into()), ..App::default() };
            terminal.draw(|f| votewatch::ui::draw(f, &view, &mut app, &theme)).unwrap();
            let buf = terminal.backend().buffer().clone();
            for cell in buf.content() {
                assert!(allowed(cell.fg) && allowed(cell.bg), "{depth:?} {name:?}: {:?}", cell);
            }
        }
    }
    assert_eq!(ColorDepth::from_env(|k| (k == "NO_COLOR").then(|| "1".to_string())), ColorDepth::None);
}

/// The fingerprint as the dashboard shows it: one frame to learn the grid the layout leaves
/// room for, the view binned at that grid (as the session would build it), then the frame.
fn fingerprint_screen(app: &App, theme: &Theme, w: u16, h: u16) -> (Terminal<TestBackend>, View, App) {
    let mut app = App { wall_clock: Some("12:00:00".into()), ..app.clone() };
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let view = final_view(Focus::default());
    terminal.draw(|f| votewatch::ui::draw(f, &view, &mut app, theme)).unwrap();
    let focus = app.refocus().expect("the fingerprint is asked for");
    let request = focus.fingerprint.clone().expect("at the grid drawn");
    let view = final_view(focus);
    let fp = view.fingerprint.as_ref().expect("the session builds it");
    assert_eq!((fp.cols, fp.rows), (request.cols, request.rows), "binned at the resolution drawn");
    terminal.draw(|f| votewatch::ui::draw(f, &view, &mut app, theme)).unwrap();
    assert_eq!(app.refocus(), None, "nothing more to ask at the same size");
    (terminal, view, app)
}

fn fingerprint_screens(name: &str, app: &App) {
    let theme = Theme::new(ThemeName::Dark, ColorDepth::None);
    for (w, h) in [(80, 24), (160, 48)] {
        let (terminal, _, _) = fingerprint_screen(app, &theme, w, h);
        let screen = terminal.backend().to_string();
        assert!(!screen.contains('\u{1b}'), "no escape character reaches the terminal");
        assert!(screen.contains("Fingerprint ·"), "{screen}");
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

#[test]
fn fingerprint_of_the_nation() {
    let app = App { focus: Panel::Fingerprint, fingerprint_open: true, ..App::default() };
    fingerprint_screens("fingerprint_nation", &app);
}

#[test]
fn fingerprint_of_a_region() {
    let app = App {
        focus: Panel::Fingerprint,
        fingerprint_open: true,
        fingerprint_region: Some("almaty".into()),
        ..App::default()
    };
    fingerprint_screens("fingerprint_region", &app);
}

/// The heatmap's ramp stays within the colour depth too (half blocks in colour, characters
/// without), and every plotted precinct is painted.
#[test]
fn fingerprint_colours_stay_within_what_the_terminal_shows() {
    use ratatui::style::Color;
    let app = App { focus: Panel::Fingerprint, fingerprint_open: true, ..App::default() };
    for (depth, allowed) in [
        (ColorDepth::None, (|c: Color| c == Color::Reset) as fn(Color) -> bool),
        (ColorDepth::Basic, |c| !matches!(c, Color::Rgb(..) | Color::Indexed(_))),
        (ColorDepth::Indexed, |c| !matches!(c, Color::Rgb(..))),
        (ColorDepth::True, |_| true),
    ] {
        for name in [ThemeName::Dark, ThemeName::Light] {
            let theme = Theme::new(name, depth);
            let (terminal, view, drawn) = fingerprint_screen(&app, &theme, 160, 48);
            let buf = terminal.backend().buffer().clone();
            for cell in buf.content() {
                assert!(allowed(cell.fg) && allowed(cell.bg), "{depth:?} {name:?}: {:?}", cell);
            }
            let fp = view.fingerprint.unwrap();
            assert!(fp.plotted > 0 && fp.max > 0, "{fp:?}");
            // Each occupied cell shows in the plot (inside the border, right of the share axis,
            // above the turnout axis): half blocks count two per character when both are.
            let (_, panel) = drawn.areas.panels.iter().find(|(p, _)| *p == Panel::Fingerprint).unwrap();
            let axis_x = panel.x + 5;
            let axis_y = (panel.y..panel.bottom()).find(|&y| buf[(axis_x, y)].symbol() == "└").expect("the axis");
            let marks: Vec<&str> =
                if depth == ColorDepth::None { vec!["░", "▒", "▓", "█"] } else { vec!["▀", "▄"] };
            let mut painted = 0;
            for y in panel.y + 1..axis_y {
                for x in axis_x + 1..panel.right() - 1 {
                    let c = &buf[(x, y)];
                    if marks.contains(&c.symbol()) {
                        painted += if c.symbol() == "▀" && c.bg != Color::Reset { 2 } else { 1 };
                    }
                }
            }
            let occupied = fp.cells.iter().filter(|&&n| n > 0).count();
            assert_eq!(painted, occupied, "{depth:?} {name:?}");
        }
    }
}

/// The view at the end of a bundled sample's replay.
fn sample_view(name: &str) -> View {
    view_at_end(&Path::new("sample-feeds").join(name), &FeedOpts::default(), &Focus::default())
}

#[test]
fn party_list_columns_have_headers() {
    let view = sample_view("kz-2012-majilis");
    screens("majilis", &view, &App::default());
    let screen = render(&view, &mut App::default(), 160, 48);
    let head = screen.lines().find(|l| l.contains("Party")).expect("a header row");
    for col in ["Votes", "Share", "Seats", "Projected"] {
        assert!(head.contains(col), "{head}");
    }
}

fn press(app: &mut App, view: &View, code: crossterm::event::KeyCode) {
    use crossterm::event::{Event, KeyEvent, KeyModifiers};
    app.handle(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)), view);
}

#[test]
fn anomalies_most_serious_first_and_s_switches_to_newest() {
    use votewatch::engine::anomaly::Severity;
    let view = final_view(Focus::default());
    let mut app = App { focus: Panel::Anomalies, ..App::default() };
    let by_severity: Vec<Severity> =
        votewatch::ui::anomalies::ordered(&view, &app).iter().map(|a| a.severity).collect();
    assert!(by_severity.windows(2).all(|w| w[0] >= w[1]), "{by_severity:?}");
    assert_eq!(by_severity[0], Severity::Critical);
    let screen = render(&view, &mut app.clone(), 160, 48);
    let first = screen.lines().find(|l| l.contains("› ✖") || l.contains("› ▲")).unwrap();
    assert!(first.contains("› ✖ turnout_over_100"), "the critical flag on top: {first}");
    assert!(screen.contains("sort: severity"), "{screen}");

    press(&mut app, &view, crossterm::event::KeyCode::Char('s'));
    let newest = votewatch::ui::anomalies::ordered(&view, &app);
    let seq = |a: &votewatch::engine::anomaly::Anomaly| {
        let i = view.summary.anomalies.iter().position(|b| b == a).unwrap();
        view.anomaly_seq.get(i).copied().unwrap_or(0)
    };
    let seqs: Vec<u64> = newest.iter().map(|a| seq(a)).collect();
    assert!(seqs.windows(2).all(|w| w[0] >= w[1]), "newest first: {seqs:?}");
    assert!(render(&view, &mut app.clone(), 160, 48).contains("sort: newest"));
    press(&mut app, &view, crossterm::event::KeyCode::Char('s'));
    assert!(render(&view, &mut app, 160, 48).contains("sort: severity"), "s switches back");
}

#[test]
fn enter_opens_a_region_flag_and_a_refusal_in_full() {
    use crossterm::event::KeyCode;
    let view = final_view(Focus::default());
    // A region's flag (not a precinct's): its whole message, wrapped.
    let mut app = App { focus: Panel::Anomalies, ..App::default() };
    let list = votewatch::ui::anomalies::ordered(&view, &app);
    let at = list.iter().position(|a| a.precinct.is_none()).expect("a flag of a region in the fixture");
    let message = list[at].message.clone();
    app.cursors[1] = Cursor { selected: at, offset: 0 };
    press(&mut app, &view, KeyCode::Enter);
    assert!(app.entry.is_some() && app.detail.is_none());
    screens("entry_flag", &view, &app);
    let screen = render(&view, &mut app.clone(), 80, 24);
    let words: Vec<&str> = message.split_whitespace().collect();
    let shown: Vec<&str> = screen.lines().flat_map(|l| l.split(['│', ' '])).filter(|w| !w.is_empty()).collect();
    let joined = shown.join(" ");
    assert!(joined.contains(&words.join(" ")), "the whole message on screen:\n{message}\n{screen}");
    press(&mut app, &view, KeyCode::Esc);
    assert!(app.entry.is_none(), "Esc closes it");

    // A refusal: its source and whole reason.
    let mut app = App { focus: Panel::Rejected, ..App::default() };
    press(&mut app, &view, KeyCode::Enter);
    let entry = app.entry.clone().expect("the refusal opens");
    let r = &view.summary.rejected[0];
    assert!(
        entry.paragraphs.iter().any(|p| p.contains(&r.source)) && entry.paragraphs.iter().any(|p| p.contains(&r.error))
    );
    screens("entry_rejected", &view, &app);
}

#[test]
fn an_empty_watch_says_what_it_watches_and_that_it_waits() {
    let d = tempfile::tempdir().unwrap();
    let opts = FeedOpts::default();
    let follow = votewatch::source::follow::FollowOpts { poll: None, settle: std::time::Duration::from_millis(100) };
    let opened = votewatch::hub::watch(d.path(), &opts.options(), &follow, None, opts.forensics().unwrap()).unwrap();
    let view = opened.view_at_end(&Focus::default());
    for (w, h) in [(80, 24), (160, 48)] {
        let screen = render(&view, &mut App::default(), w, h);
        let line = screen.lines().nth(1).unwrap();
        assert!(line.contains("Watching ") && line.contains("waiting for reports"), "{screen}");
        let shown = votewatch::text::clean_path(d.path());
        assert!(w < 100 || line.contains(&shown), "the whole path where it fits: {line}");
    }
}

#[test]
fn a_baseline_that_matches_little_is_said_on_screen() {
    let sample = Path::new("sample-feeds/kz-2022-presidential");
    let opts = FeedOpts { baseline: Some(sample.join("almaty")), ..FeedOpts::default() };
    let view = view_at_end(sample, &opts, &Focus::default());
    let warning = view.summary.baseline_warning().unwrap().to_string();
    let screen = render(&view, &mut App::default(), 160, 48);
    let line = screen.lines().find(|l| l.contains("⚠ --baseline: only")).unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains(&warning[..60]), "{line}");
}

#[test]
fn each_panel_in_front() {
    let view = final_view(Focus::default());
    for (name, panel) in [("anomalies", Panel::Anomalies), ("rejected", Panel::Rejected), ("timeline", Panel::Timeline)]
    {
        screens(&format!("panel_{name}"), &view, &App { focus: panel, ..App::default() });
    }
}
