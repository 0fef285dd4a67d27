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
        Host::local(&last_signal, &mut crate::ui::terminal::suspend),
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
