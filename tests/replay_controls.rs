//! The replay clock's controls through the hub, as the dashboard sends them: after the end,
//! seeking back works at once (the feed clock does not run on past the last report), and the
//! timeline fills at any speed, `max` included.

use std::path::Path;
use std::time::{Duration, Instant};

use votewatch::cli::FeedOpts;
use votewatch::hub::view::{Mode, View};
use votewatch::hub::{Command, Control, Hub, ReplaySpeed, Viewer};

fn hub(speed: ReplaySpeed) -> Hub {
    let opts = FeedOpts::default();
    let feed = Path::new("tests/fixtures/small-feed");
    votewatch::hub::replay(feed, &opts.options(), speed, opts.forensics().unwrap()).unwrap().spawn(60)
}

fn wait(viewer: &Viewer, what: &str, pred: impl Fn(&View) -> bool) -> View {
    let start = Instant::now();
    loop {
        let v = viewer.latest();
        if pred(&v) {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn position(v: &View) -> (usize, usize, bool) {
    match &v.mode {
        Mode::Replay(r) => (r.position, r.total, r.finished()),
        Mode::Live { .. } => panic!("a replay"),
    }
}

#[test]
fn seeking_back_after_the_end_works_at_once() {
    // A million feed seconds a real second: the night is over in an instant, and by the time
    // anyone presses `[` the clock would be days past its last report.
    let hub = hub(ReplaySpeed::Times(1e6));
    let viewer = hub.viewer();
    let end = wait(&viewer, "the end", |v| position(v).2);
    let total = position(&end).1;
    std::thread::sleep(Duration::from_millis(300));
    viewer.send(Command::Clock(Control::SeekBack));
    let back = wait(&viewer, "the seek back", |v| position(v).0 < total || v.version > end.version + 50);
    assert!(position(&back).0 < total, "one `[` after the end goes back: at {:?}", position(&back));
}

#[test]
fn the_timeline_fills_at_max_speed() {
    let hub = hub(ReplaySpeed::Max);
    let viewer = hub.viewer();
    let end = wait(&viewer, "the end", |v| position(v).2);
    assert!(end.summary.precincts_reporting > 0);
    assert!(!end.timeline.per_minute.is_empty(), "reports per minute after a replay at max speed");
    assert!(end.timeline.leader_share.len() > 1, "the leader's share after each step: {:?}", end.timeline.leader_share);
}
