//! Running the dashboard over a session: `watch FEED`, `replay FEED`, `demo`.

use std::io::IsTerminal;

use anyhow::Result;

use crate::session::{self, Opened, Session};
use crate::ui::app::App;
use crate::ui::terminal::{Tui, end_by, watch_signals};
use crate::ui::theme::{ColorDepth, Theme, ThemeName};
use crate::ui::{CrosstermEvents, Ending, Signals, run_loop};

/// How the dashboard looks and refreshes.
#[derive(Debug, Clone, clap::Args)]
pub struct UiOpts {
    /// At most this many frames a second.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub fps: u32,
    #[arg(long, value_enum, default_value_t = ThemeName::Dark)]
    pub theme: ThemeName,
    /// Colours the terminal can show (default: from NO_COLOR, COLORTERM and TERM).
    #[arg(long, value_enum)]
    pub colors: Option<ColorDepth>,
}

impl UiOpts {
    pub fn theme(&self) -> Theme {
        Theme::new(self.theme, self.colors.unwrap_or_else(ColorDepth::detect))
    }
}

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

pub fn run(source: Opened, forensics: crate::forensics::Cache, opts: &UiOpts) -> Result<()> {
    let last_signal = watch_signals()?;
    let handle = session::spawn(Session::new(source).with_forensics(forensics), opts.fps);
    let theme = opts.theme();
    let mut tui = Tui::enter()?;
    let mut app = App::default();
    let result = run_loop(
        &mut tui.terminal,
        &mut app,
        &handle,
        &mut CrosstermEvents::start(),
        &theme,
        opts.fps,
        Signals { last: &last_signal, suspend: &mut crate::ui::terminal::suspend },
    );
    drop(tui);
    drop(handle);
    match result? {
        Ending::Quit => Ok(()),
        // Quit at once, as SIGQUIT would, but without a core file: the conventional status.
        Ending::Abort => std::process::exit(128 + signal_hook::consts::SIGQUIT),
        Ending::Signal(sig) => end_by(sig),
    }
}
