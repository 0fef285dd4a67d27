//! Taking over the terminal and always giving it back: raw mode, alternate screen, mouse
//! capture and a hidden cursor are undone on quit, on error, on panic, on every signal that
//! ends the process (SIGINT, SIGTERM, SIGHUP — an SSH connection that drops —, SIGQUIT,
//! SIGUSR1, SIGUSR2: restored first, then the signal's own ending, so the exit status is the
//! conventional one) and on every signal that stops it (SIGTSTP, SIGTTIN, SIGTTOU: restored,
//! stopped, and taken over again with a full redraw when it continues).

use std::io::{Stdout, Write, stdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{Context, Result};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use signal_hook::consts::signal::*;

/// Signals that end the dashboard (after the terminal is given back).
pub const ENDING: [i32; 6] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2];
/// Signals that stop it (the terminal is given back while it is stopped).
pub const STOPPING: [i32; 3] = [SIGTSTP, SIGTTIN, SIGTTOU];

/// Puts the terminal back as it was. Safe to call more than once.
pub fn restore() {
    let mut out = stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Raw mode, the alternate screen, mouse capture, the cursor hidden.
fn take_over() -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture, cursor::Hide)
}

/// The terminal, taken over; dropping it restores the terminal.
pub struct Tui {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Tui {
    /// Takes over the terminal, after installing a panic hook that restores it first.
    pub fn enter() -> Result<Tui> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        if let Err(e) = take_over() {
            restore();
            return Err(e).context("cannot set up the terminal");
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout())).inspect_err(|_| restore())?;
        Ok(Tui { terminal })
    }
}

/// Gives the terminal back and stops the process, as Ctrl-Z would; when it continues (`fg`),
/// takes the terminal over again (the caller then draws the next frame whole).
pub fn suspend() -> std::io::Result<()> {
    restore();
    // The default action of SIGTSTP: stop, here and now (our handler replaced it).
    signal_hook::low_level::emulate_default_handler(SIGTSTP)?;
    take_over()
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}

/// The last signal received that the dashboard must act on (0: none), filled by a thread of
/// its own (so the handler itself does nothing but note it).
pub fn watch_signals() -> Result<Arc<AtomicI32>> {
    let last = Arc::new(AtomicI32::new(0));
    let mut signals = signal_hook::iterator::Signals::new(ENDING.iter().chain(STOPPING.iter()))
        .context("cannot install the signal handlers")?;
    let note = Arc::clone(&last);
    std::thread::Builder::new()
        .name("votewatch-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                // An ending signal is never overwritten by a later stop.
                let _ = note
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| (!ENDING.contains(&old)).then_some(sig));
            }
        })
        .context("cannot start the signal thread")?;
    Ok(last)
}

/// Ends the process the way `sig` would have, now that the terminal is given back (so the
/// exit status is the conventional 128 + the signal's number).
pub fn end_by(sig: i32) -> ! {
    let _ = signal_hook::low_level::emulate_default_handler(sig);
    std::process::exit(128 + sig)
}
