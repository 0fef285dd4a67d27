//! Two viewers on one hub, each driven through the real dashboard loop with ratatui's
//! TestBackend: keys in, whole screens out. One drills into a region and opens its
//! fingerprint; the other keeps the national view — each sees its own, from the same count.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::AtomicI32;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use votewatch::cli::FeedOpts;
use votewatch::hub::view::Mode;
use votewatch::hub::{Hub, ReplaySpeed, Viewer};
use votewatch::ui::app::App;
use votewatch::ui::theme::{ColorDepth, Theme, ThemeName};
use votewatch::ui::{Ending, Events, Host, Views, run_loop};

/// Keys given one by one; before the last, waits until `ready` holds (the hub has answered
/// what the keys asked for).
struct Script<'a> {
    keys: VecDeque<Event>,
    ready: Box<dyn Fn() -> bool + 'a>,
}

impl Events for Script<'_> {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>> {
        if self.keys.len() == 1 && !(self.ready)() {
            std::thread::sleep(timeout.min(Duration::from_millis(10)));
            return Ok(None);
        }
        Ok(self.keys.pop_front())
    }
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn enter() -> Event {
    Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

fn hub() -> Hub {
    let opts = FeedOpts::default();
    let feed = Path::new("tests/fixtures/small-feed");
    votewatch::hub::replay(feed, &opts.options(), ReplaySpeed::Max, opts.forensics().unwrap()).unwrap().spawn(60)
}

/// Waits until the replay has run to its end.
fn wait_end(viewer: &Viewer) {
    let start = Instant::now();
    while !matches!(&viewer.latest().mode, Mode::Replay(r) if r.finished()) {
        assert!(start.elapsed() < Duration::from_secs(30), "the replay never ended");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs the dashboard loop of `viewer` at `w`×`h` with `keys` (the last one quits), and
/// returns the screen as the loop left the app, drawn from the viewer's latest view.
fn drive(viewer: &Viewer, w: u16, h: u16, keys: Vec<Event>, ready: impl Fn() -> bool) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::new(ThemeName::Dark, ColorDepth::None);
    let mut app = App { wall_clock: Some("12:00:00".into()), ..App::default() };
    let mut events = Script { keys: keys.into(), ready: Box::new(ready) };
    let signal = AtomicI32::new(0);
    let ending =
        run_loop(&mut terminal, &mut app, viewer, &mut events, &theme, 60, Host::local(&signal, &mut || Ok(())))
            .unwrap();
    assert_eq!(ending, Ending::Quit);
    terminal.draw(|f| votewatch::ui::draw(f, &Views::latest(viewer), &mut app, &theme)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn two_viewers_navigate_one_hub_on_their_own() {
    let hub = hub();
    let a = hub.viewer();
    let b = hub.viewer();
    wait_end(&a);
    // Viewer A: into the first region, then its fingerprint.
    let screen_a = drive(&a, 120, 40, vec![enter(), key('f'), key('q')], || {
        let v = a.latest();
        v.region.is_some() && v.fingerprint.as_ref().is_some_and(|f| f.region.is_some())
    });
    // Viewer B, meanwhile at its own size: the nation, a row further down.
    let screen_b = drive(&b, 80, 24, vec![key('j'), key('q')], || true);
    let (va, vb) = (a.latest(), b.latest());
    assert!(va.region.is_some() && vb.region.is_none(), "details are each viewer's own");
    assert!(vb.fingerprint.is_none());
    assert_eq!(va.summary, vb.summary, "the same count for both");
    assert!(screen_a.contains("Fingerprint · Алматы"), "{screen_a}");
    assert!(!screen_b.contains("Fingerprint ·"), "{screen_b}");
    assert!(screen_b.contains("Regions (3)"), "{screen_b}");
    insta::assert_snapshot!("viewer_a_region_fingerprint_120x40", screen_a);
    insta::assert_snapshot!("viewer_b_national_80x24", screen_b);
}

/// A viewer with something new at every look.
struct Busy<'a> {
    viewer: &'a Viewer,
    version: std::sync::atomic::AtomicU64,
}

impl Views for Busy<'_> {
    fn version(&self) -> u64 {
        self.version.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
    fn latest(&self) -> votewatch::hub::view::View {
        self.viewer.latest()
    }
    fn send(&self, c: votewatch::hub::Command) {
        self.viewer.send(c)
    }
}

/// When each frame began to go, and whether the loop has drawn since it last waited.
type Starts = std::rc::Rc<std::cell::RefCell<(Vec<Instant>, bool)>>;

/// A terminal that takes 80 ms to take each frame (the first flush after the loop waited).
struct Slow(Starts, usize);

impl std::io::Write for Slow {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.1 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let mut s = self.0.borrow_mut();
        if std::mem::take(&mut self.1) > 0 && !s.1 {
            s.0.push(Instant::now());
            s.1 = true;
            std::thread::sleep(Duration::from_millis(80));
        }
        Ok(())
    }
}

/// Until ten frames have gone, nothing (a wake every 10 ms at most); then `q`.
struct Frames(Starts);

impl Events for Frames {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>> {
        let mut s = self.0.borrow_mut();
        s.1 = false;
        if s.0.len() >= 10 {
            return Ok(Some(key('q')));
        }
        // Woken often, as by a hub publishing all the time.
        std::thread::sleep(timeout.min(Duration::from_millis(10)));
        Ok(None)
    }
}

#[test]
fn frames_are_paced_start_to_start_so_a_slow_frame_keeps_up_with_the_hub() {
    // At 10 frames a second with something new all the time, a frame that takes 80 ms to go
    // still leaves 100 ms from the start of one to the
    // start of the next — not 180 ms, which would fall behind a hub publishing every 100 ms.
    let hub = hub();
    let viewer = hub.viewer();
    let busy = Busy { viewer: &viewer, version: 0.into() };
    let starts: Starts = Starts::default();
    let backend = ratatui::backend::CrosstermBackend::new(Slow(Starts::clone(&starts), 0));
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let mut terminal =
        Terminal::with_options(backend, ratatui::TerminalOptions { viewport: ratatui::Viewport::Fixed(area) }).unwrap();
    let theme = Theme::new(ThemeName::Dark, ColorDepth::None);
    let mut app = App { wall_clock: Some("12:00:00".into()), ..App::default() };
    let signal = AtomicI32::new(0);
    let mut events = Frames(Starts::clone(&starts));
    let ending =
        run_loop(&mut terminal, &mut app, &busy, &mut events, &theme, 10, Host::local(&signal, &mut || Ok(())))
            .unwrap();
    assert_eq!(ending, Ending::Quit);
    let starts = &starts.borrow().0;
    let gaps: Vec<Duration> = starts.windows(2).skip(1).map(|w| w[1] - w[0]).collect();
    let mean = gaps.iter().sum::<Duration>() / gaps.len() as u32;
    // Bounds with room for a shared machine's jitter either way (a frame's start is seen at
    // its flush, a little after the loop took its time): paced from a frame's end, the gaps
    // would be 180 ms and more.
    assert!(mean >= Duration::from_millis(90), "not faster than 10 fps: {gaps:?}");
    assert!(gaps.iter().all(|g| *g >= Duration::from_millis(50)), "no two frames at once: {gaps:?}");
    assert!(mean < Duration::from_millis(150), "paced from start to start: {gaps:?}");
}
