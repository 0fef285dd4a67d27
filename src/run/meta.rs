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
            sub.clone().name(page).bin_name(bin).version(env!("CARGO_PKG_VERSION"))
        }
    };
    // The sections clap_mangen writes, with the help's closing text as EXAMPLES (and NOTES)
    // rather than its generic EXTRA.
    let extra = cmd.get_after_help().map(|h| h.to_string());
    let man = clap_mangen::Man::new(cmd);
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    if let Some(text) = extra {
        let (examples, notes) = text.split_once("\n\n").unwrap_or((&text, ""));
        let examples = examples.strip_prefix("Examples:\n").unwrap_or(examples);
        for (title, body) in [("EXAMPLES", examples), ("NOTES", notes)] {
            if !body.trim().is_empty() {
                out.extend_from_slice(format!(".SH {title}\n.nf\n{}\n.fi\n", roff_lines(body)).as_bytes());
            }
        }
    }
    man.render_version_section(out)?;
    Ok(())
}

/// Text as roff lines kept as they are (within `.nf`): backslashes and hyphens escaped, a
/// line never starting a request.
fn roff_lines(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\e").replace('-', "\\-");
            if l.starts_with(['.', '\'']) { format!("\\&{l}") } else { l }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_command_has_a_page() {
        for c in crate::cli::command().get_subcommands() {
            let mut page = Vec::new();
            super::render_man(Some(c.get_name()), &mut page).unwrap();
            let page = String::from_utf8(page).unwrap();
            assert!(page.contains(&format!(".TH votewatch-{} 1", c.get_name())), "{page}");
        }
    }

    #[test]
    fn roff_lines_are_never_requests() {
        assert_eq!(super::roff_lines(".x\n'y\na-b \\n"), "\\&.x\n\\&'y\na\\-b \\en");
    }
}
