//! `votewatch completions SHELL` and `votewatch man [COMMAND]`: what an installed tool needs
//! beside itself, printed to stdout.

use std::io::Write;

use anyhow::Result;

/// Writes to stdout; a reader that went away (`| head`) is no error.
fn print(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(), "votewatch", &mut buf);
    print(&buf)
}

/// The manual page (roff) of votewatch, or of one of its commands (`votewatch-tally(1)`).
pub fn man(command: Option<&str>) -> Result<()> {
    let mut buf = Vec::new();
    render_man(command, &mut buf)?;
    print(&buf)
}

pub fn render_man(command: Option<&str>, out: &mut Vec<u8>) -> Result<()> {
    let top = crate::cli::command();
    let cmd = match command {
        None => top,
        Some(name) => {
            let names: Vec<String> =
                top.get_subcommands().map(|c| c.get_name().to_string()).filter(|n| n != "help").collect();
            let Some(sub) = top.find_subcommand(name) else {
                return Err(super::Usage(format!(
                    "there is no command {} (the commands: {})",
                    crate::text::quote(name, 40),
                    names.join(", ")
                ))
                .into());
            };
            // The page's name and synopsis read `votewatch-tally` / `votewatch tally` (clap
            // takes names as &'static str; the process prints one page and ends).
            let page: &'static str = format!("votewatch-{name}").leak();
            let bin: &'static str = format!("votewatch {name}").leak();
            sub.clone().name(page).bin_name(bin)
        }
    };
    clap_mangen::Man::new(cmd).render(out)?;
    Ok(())
}
