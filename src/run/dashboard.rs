//! Running the dashboard over the hub: `watch FEED`, `replay FEED`, `demo`.

use std::io::IsTerminal;

use anyhow::Result;

use crate::cli::UiOpts;
use crate::hub::Opened;
use crate::ui::app::App;
use crate::ui::terminal::{Tui, end_by, watch_signals};
use crate::ui::{CrosstermEvents, Ending, Host, run_loop};

/// The bundled sample `demo` replays, and the prior election `demo --baseline` projects from.
pub const SAMPLE: &str = "kz-2022-presidential";
pub const BASELINE_SAMPLE: &str = "kz-2019-presidential";

/// A bundled sample feed, by name, unpacked from the binary into a temporary folder that is
/// removed when the value is dropped (a replay and a baseline read it whole when they open).
pub fn sample_feed(name: &str) -> Result<crate::samples::Unpacked> {
    crate::samples::unpack(name)
}

/// Refuses to draw into a pipe.
pub fn require_terminal(command: &str) -> Result<()> {
    if !std::io::stdout().is_terminal() {
        return Err(crate::run::Usage(format!(
            "stdout is not a terminal, so there is no dashboard to draw; use `votewatch {command} --headless` for the NDJSON event stream"
        ))
        .into());
    }
    Ok(())
}

/// Runs the dashboard over a feed opened for the hub: the hub on its own thread, one viewer
/// drawn in this terminal.
pub fn run(opened: Opened, opts: &UiOpts) -> Result<()> {
    let last_signal = watch_signals()?;
    let hub = opened.spawn(opts.fps);
    let viewer = hub.viewer();
    let theme = opts.theme();
    let mut tui = Tui::enter()?;
    let mut app = App::default();
    let result = run_loop(
        &mut tui.terminal,
        &mut app,
        &viewer,
        &mut CrosstermEvents::start(),
        &theme,
        opts.fps,
        Host::local(&last_signal, &mut crate::ui::terminal::suspend).with_save(&mut |text, view| {
            let dir = std::env::current_dir().map_err(|e| format!("no current folder: {e}"))?;
            save_screen(&dir, text, view)
        }),
    );
    drop(tui);
    drop(viewer);
    drop(hub);
    match result? {
        Ending::Quit => Ok(()),
        // Quit at once, as SIGQUIT would, but without a core file: the conventional status.
        Ending::Abort => std::process::exit(128 + signal_hook::consts::SIGQUIT),
        Ending::Signal(sig) => end_by(sig),
    }
}

/// Writes what a viewer sees into `dir`: the screen as text (`votewatch-DATE-TIME.txt`) and
/// the count behind it as `tally --json` prints it (`.json`); says where, in words for the
/// screen's note.
pub fn save_screen(dir: &std::path::Path, text: &str, view: &crate::hub::view::View) -> Result<String, String> {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let stamp = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let (txt, json) = (1..1000)
        .map(|n| if n == 1 { format!("votewatch-{stamp}") } else { format!("votewatch-{stamp}-{n}") })
        .map(|base| (dir.join(format!("{base}.txt")), dir.join(format!("{base}.json"))))
        .find(|(t, j)| !t.exists() && !j.exists())
        .ok_or("too many screens saved this second")?;
    let shown = |p: &std::path::Path| crate::text::clean_path(p);
    std::fs::write(&txt, text).map_err(|e| format!("{}: {e}", shown(&txt)))?;
    let mut out = Vec::new();
    crate::text::json::write_pretty(&mut out, &view.summary).map_err(|e| e.to_string())?;
    out.push(b'\n');
    std::fs::write(&json, out).map_err(|e| format!("{}: {e}", shown(&json)))?;
    Ok(format!("the screen to {} and the count to {}", shown(&txt), shown(&json)))
}
