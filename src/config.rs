//! The config file: `$XDG_CONFIG_HOME/votewatch/config.toml` (else
//! `~/.config/votewatch/config.toml`), a desk's own defaults for the dashboard (theme, colours,
//! fps) and the statistical thresholds. The command line wins over it; for the thresholds it
//! wins over the manifest's `"forensics"` (the desk's policy over the publisher's). A file that
//! is not there is no error; one that is there and wrong is, in one line naming the file, the
//! line and the key.
//!
//! ```toml
//! [dashboard]
//! theme = "light"      # dark | light
//! colors = 256         # none | 16 | 256 | truecolor
//! fps = 20             # 1 to 60
//!
//! [thresholds]
//! fdr = 0.05
//! min_precincts = 50
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use clap::ValueEnum;
use serde::Deserialize;

use crate::cli::{Cli, Command};
use crate::feed::thresholds::Thresholds;
use crate::ui::theme::{ColorDepth, ThemeName};

/// The settings a config file gives (each `None` where it gives none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub theme: Option<ThemeName>,
    pub colors: Option<ColorDepth>,
    pub fps: Option<u32>,
    pub thresholds: Thresholds,
}

/// Where the config file is looked for (none when there is no home directory to find it in).
pub fn path() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let dirs = etcetera::choose_base_strategy().ok()?;
    Some(dirs.config_dir().join("votewatch").join("config.toml"))
}

/// The settings of the config file, if there is one.
pub fn load() -> Result<Settings> {
    let Some(path) = path() else { return Ok(Settings::default()) };
    read(&path)
}

/// The settings of the config file at `path` (none when it does not exist).
pub fn read(path: &Path) -> Result<Settings> {
    let shown = crate::text::clean_path(path);
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
        // A folder on the way is closed to us (another user's home): not our config.
        Err(e) => {
            crate::text::warn(&format!(
                "{shown}: cannot look for a config file ({}); going on without one",
                crate::feed::io_reason(&e)
            ));
            return Ok(Settings::default());
        }
        Ok(_) => {}
    }
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow!("{shown}: cannot read the config file: {}", crate::feed::io_reason(&e)))?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{shown}: the config file is not UTF-8 text"))?;
    parse(&text, &shown)
}

/// The 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The settings in `text`, the config file `shown`.
pub fn parse(text: &str, shown: &str) -> Result<Settings> {
    let doc = toml::de::DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|s| format!(":{}", line_of(text, s.start))).unwrap_or_default();
        let reason = e.message().lines().next().unwrap_or("").trim().to_string();
        anyhow!("{shown}{line}: not valid TOML: {reason}")
    })?;
    let values: toml::Table = toml::from_str(text).map_err(|e| anyhow!("{shown}: not valid TOML: {}", e.message()))?;
    let mut settings = Settings::default();
    for (section, spanned) in doc.get_ref() {
        let name = section.get_ref().as_ref();
        // Where a key of this table is written (else the table's header).
        let at = |key: &str| {
            let keys = spanned.get_ref().as_table().map(|t| t.keys().find(|k| k.get_ref().as_ref() == key));
            let span = keys.flatten().map_or(section.span(), |k| k.span());
            format!("{shown}:{}", line_of(text, span.start))
        };
        let Some(table) = values.get(name).and_then(toml::Value::as_table) else {
            bail!(
                "{}: {}: a key outside a table (expected a [dashboard] or [thresholds] table)",
                at(name),
                crate::text::quote(name, 40)
            );
        };
        for (key, value) in table {
            let fail = |reason: String| anyhow!("{}: {name}.{key}: {reason}", at(key));
            match name {
                "dashboard" => dashboard(&mut settings, key, value).map_err(fail)?,
                "thresholds" => threshold(&mut settings.thresholds, key, value).map_err(fail)?,
                _ => bail!(
                    "{}: unknown table [{}] (expected [dashboard] or [thresholds])",
                    at(name),
                    crate::text::clean(name)
                ),
            }
        }
    }
    Ok(settings)
}

/// What a value is, for a message.
fn shown_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => crate::text::quote(s, 40),
        toml::Value::Table(_) => "a table".into(),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => format!("{x:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => crate::text::cut(&d.to_string(), 40),
    }
}

fn dashboard(settings: &mut Settings, key: &str, value: &toml::Value) -> Result<(), String> {
    match key {
        "theme" => {
            let name = value.as_str().and_then(|s| ThemeName::from_str(s, true).ok());
            settings.theme =
                Some(name.ok_or_else(|| format!("must be \"dark\" or \"light\", not {}", shown_value(value)))?);
        }
        "colors" => {
            let text = match value {
                toml::Value::Integer(n) => Some(n.to_string()),
                toml::Value::String(s) => Some(s.clone()),
                _ => None,
            };
            let depth = text.and_then(|s| ColorDepth::from_str(&s, true).ok());
            settings.colors =
                Some(depth.ok_or_else(|| {
                    format!("must be \"none\", 16, 256 or \"truecolor\", not {}", shown_value(value))
                })?);
        }
        "fps" => {
            let fps = value.as_integer().filter(|n| (1..=60).contains(n));
            settings.fps =
                Some(fps.ok_or_else(|| format!("must be a whole number from 1 to 60, not {}", shown_value(value)))?
                    as u32);
        }
        _ => return Err("unknown key (the [dashboard] keys are theme, colors and fps)".into()),
    }
    Ok(())
}

fn threshold(thresholds: &mut Thresholds, key: &str, value: &toml::Value) -> Result<(), String> {
    let mut one = toml::Table::new();
    one.insert(key.to_string(), value.clone());
    let parsed = Thresholds::deserialize(toml::Value::Table(one)).map_err(|e| {
        let message = e.to_string();
        if message.contains("unknown field") {
            "unknown key (the thresholds are fdr, critical_q, min_precincts, min_integer, min_digits, min_size, min_excess and stalled_minutes)".to_string()
        } else {
            format!("not a valid value: {}", shown_value(value))
        }
    })?;
    parsed.check().map_err(|m| {
        let rest = m.strip_prefix(&format!("forensics.{key} ")).unwrap_or(&m);
        let rest = rest.split(", got ").next().unwrap_or(rest);
        format!("{rest}, not {}", shown_value(value))
    })?;
    *thresholds = over(&parsed, thresholds);
    Ok(())
}

/// Parses the command line over the config file: what the line does not
/// give, the file may. A usage error exits at once with status 2, as clap does; a config file
/// that cannot be read or is wrong is an error (status 1).
pub fn command_line() -> Result<Cli> {
    let matches = crate::cli::command().get_matches();
    let mut cli = <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let Some((_, sub)) = matches.subcommand() else { return Ok(cli) };
    let given = |id: &str| sub.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
    let uses_config = matches!(
        cli.command,
        Command::Tally { .. }
            | Command::Watch { .. }
            | Command::Replay { .. }
            | Command::Demo { .. }
            | Command::Serve { .. }
    );
    if uses_config {
        apply(&mut cli.command, &load()?, given);
    }
    Ok(cli)
}

/// Puts the config file's `settings` under what the command line gave (`given` says which of
/// the dashboard's options it did).
pub fn apply(command: &mut Command, settings: &Settings, given: impl Fn(&str) -> bool) {
    let (thresholds, ui) = match command {
        Command::Tally { feed_opts, .. } => (&mut feed_opts.thresholds, None),
        Command::Watch { feed_opts, ui, .. }
        | Command::Replay { feed_opts, ui, .. }
        | Command::Serve { feed_opts, ui, .. } => (&mut feed_opts.thresholds, Some(ui)),
        Command::Demo { thresholds, ui, .. } => (thresholds, Some(ui)),
        _ => return,
    };
    *thresholds = over(thresholds, &settings.thresholds);
    let Some(ui) = ui else { return };
    if let (Some(fps), false) = (settings.fps, given("fps")) {
        ui.fps = fps;
    }
    if let (Some(theme), false) = (settings.theme, given("theme")) {
        ui.theme = theme;
    }
    if let (Some(colors), false) = (settings.colors, given("colors")) {
        ui.colors = Some(colors);
    }
}

/// `top`'s thresholds, and `under`'s where `top` gives none.
pub fn over(top: &Thresholds, under: &Thresholds) -> Thresholds {
    Thresholds {
        fdr: top.fdr.or(under.fdr),
        critical_q: top.critical_q.or(under.critical_q),
        min_precincts: top.min_precincts.or(under.min_precincts),
        min_integer: top.min_integer.or(under.min_integer),
        min_digits: top.min_digits.or(under.min_digits),
        min_size: top.min_size.or(under.min_size),
        min_excess: top.min_excess.or(under.min_excess),
        stalled_minutes: top.stalled_minutes.or(under.stalled_minutes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_reads() {
        let s = parse(
            "# a desk\n[dashboard]\ntheme = \"light\"\ncolors = 256\nfps = 20\n\n[thresholds]\nfdr = 0.05\nmin_precincts = 50\nstalled_minutes = 45\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(s.theme, Some(ThemeName::Light));
        assert_eq!(s.colors, Some(ColorDepth::Indexed));
        assert_eq!(s.fps, Some(20));
        assert_eq!(s.thresholds.fdr, Some(0.05));
        assert_eq!(s.thresholds.min_precincts, Some(50));
        assert_eq!(s.thresholds.stalled_minutes, Some(45));
        assert_eq!(s.thresholds.min_size, None);
        assert_eq!(parse("[dashboard]\ncolors = \"truecolor\"\n", "c").unwrap().colors, Some(ColorDepth::True));
        assert_eq!(parse("", "c").unwrap(), Settings::default());
    }

    #[test]
    fn a_wrong_setting_is_one_line_naming_the_file_line_and_key() {
        let cases = [
            ("[dashboard]\nfps = 0\n", "c.toml:2: dashboard.fps: must be a whole number from 1 to 60, not 0"),
            (
                "[dashboard]\n\ntheme = \"blue\"\n",
                "c.toml:3: dashboard.theme: must be \"dark\" or \"light\", not \"blue\"",
            ),
            ("[dashboard]\ncolours = 16\n", "c.toml:2: dashboard.colours: unknown key (the [dashboard] keys are"),
            ("[thresholds]\nfdr = 2.0\n", "c.toml:2: thresholds.fdr: must be between 0 and 1 (exclusive), not 2.0"),
            (
                "[thresholds]\nmin_precincts = \"many\"\n",
                "c.toml:2: thresholds.min_precincts: not a valid value: \"many\"",
            ),
            ("[thresholds]\nfrd = 0.1\n", "c.toml:2: thresholds.frd: unknown key (the thresholds are fdr,"),
            ("[display]\nfps = 5\n", "c.toml:1: unknown table [display] (expected [dashboard] or [thresholds])"),
            ("fps = 5\n", "c.toml:1: \"fps\": a key outside a table"),
            ("[dashboard]\nfps = \n", "c.toml:2: not valid TOML:"),
        ];
        for (text, want) in cases {
            let e = parse(text, "c.toml").unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}: {e}");
            assert!(!e.contains('\n'), "one line: {e:?}");
        }
    }

    #[test]
    fn a_missing_file_is_no_error_and_an_unreadable_one_is() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(read(&d.path().join("none.toml")).unwrap(), Settings::default());
        std::fs::write(d.path().join("bad.toml"), b"\xff\xfe").unwrap();
        let e = read(&d.path().join("bad.toml")).unwrap_err().to_string();
        assert!(e.ends_with("bad.toml: the config file is not UTF-8 text"), "{e}");
    }

    #[test]
    fn the_command_line_wins_over_the_config_file() {
        let settings = parse(
            "[dashboard]\nfps = 30\ntheme = \"light\"\ncolors = 16\n[thresholds]\nfdr = 0.05\nmin_size = 200\n",
            "c",
        )
        .unwrap();
        let matches =
            crate::cli::command().get_matches_from(["votewatch", "watch", "x", "--fps", "5", "--min-size", "50"]);
        let mut cli = <crate::cli::Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap();
        let sub = matches.subcommand().unwrap().1;
        apply(&mut cli.command, &settings, |id| sub.value_source(id) == Some(clap::parser::ValueSource::CommandLine));
        let Command::Watch { ui, feed_opts, .. } = cli.command else { panic!() };
        assert_eq!(ui.fps, 5, "given on the line");
        assert_eq!(ui.theme, crate::ui::theme::ThemeName::Light, "from the file");
        assert_eq!(ui.colors, Some(crate::ui::theme::ColorDepth::Basic));
        assert_eq!(feed_opts.thresholds.fdr, Some(0.05));
        assert_eq!(feed_opts.thresholds.min_size, Some(50));
    }
}
