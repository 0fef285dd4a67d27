//! The command line: the commands, their options and help (examples included). The parsed
//! line meets the config file in [`crate::config::command_line`].
//!
//! Long because clap declares every command and option in one place, each with the help text and
//! examples a person reads in `--help`.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

/// Where the whole documentation lives (an installed binary has no `docs/` folder).
pub const PROJECT_PAGE: &str = "https://github.com/votewatch/votewatch";

const EXAMPLES: &str = "\
Examples:
  votewatch demo                               the bundled 2022 election night, replayed
  votewatch watch /srv/results                 follow a results folder live in the dashboard
  votewatch watch /srv/results --headless      the same as NDJSON events, one a line
  votewatch serve /srv/results                 the dashboard over SSH to many viewers
  votewatch tally /srv/results                 the count, the projection and every anomaly
  votewatch tally /srv/results --format csv > votes.csv
  votewatch tally /srv/results --fail-on critical,rejected || echo 'look at the feed'

Exit status: 0 ok; 1 a runtime or data problem (one line on stderr); 2 a usage error;
3 a --fail-on condition was met (after the output was printed).
Config file: $XDG_CONFIG_HOME/votewatch/config.toml (else ~/.config/votewatch/config.toml)
sets the theme, colours, fps and statistical thresholds; the command line wins.
Shell completions: votewatch completions bash|zsh|fish|elvish|powershell; manual: votewatch man.
The feed format, the anomalies and the projection are described in the README at
https://github.com/votewatch/votewatch";

const TALLY_EXAMPLES: &str = "\
Examples:
  votewatch tally results/                     a table: totals, projection and call, regions, anomalies
  votewatch tally results/ --format json       the whole summary as one JSON object
  votewatch tally results/ --format csv        votes by area (national, each region) and candidate
  votewatch tally results/ --fail-on critical  exit status 3 if any critical anomaly is flagged
  votewatch tally results/ --baseline prior/   project by swing from a prior election";

const WATCH_EXAMPLES: &str = "\
Examples:
  votewatch watch results/                     the live dashboard (? shows every key)
  votewatch watch results/ --headless          NDJSON events on stdout until SIGINT/SIGTERM
  votewatch watch /mnt/nfs/results --poll      on a network filesystem
  votewatch watch results/ --record night.ndjson   also record the night, to replay it later";

const REPLAY_EXAMPLES: &str = "\
Examples:
  votewatch replay results/                    a saved feed, a night in about two minutes
  votewatch replay results/ --speed 60         a minute of the night a second
  votewatch replay night.ndjson                a `watch --record` log, as it happened
  votewatch replay results/ --headless --fail-on critical   events, then status 3 if flagged";

const SERVE_EXAMPLES: &str = "\
Examples:
  votewatch serve /srv/results                 the live count, to the keys in ~/.ssh/authorized_keys
  votewatch serve --demo --open                the bundled night to anyone on this machine
  ssh -t -p 2222 localhost                     join it (q leaves; ? shows the keys)
  votewatch serve --replay night.ndjson --listen 0.0.0.0:2222 --authorized-keys viewers.pub
                                               a recorded night for a newsroom's keys
Stop the server with Ctrl-C or SIGTERM: every viewer's terminal is given back first.";

const DEMO_EXAMPLES: &str = "\
Examples:
  votewatch demo                               Kazakhstan 2022, projected by region ratios
  votewatch demo --baseline                    the same night, projected by swing from 2019
  votewatch demo --sample kz-2012-majilis      a party-list election with seats";

#[derive(Debug, Parser)]
#[command(
    name = "votewatch",
    version,
    about = "Watch an election count live in a terminal",
    long_about = "Watch an election count live in a terminal: the running totals, turnout, regions, \
        integrity and statistical anomalies, and a projection of the final result with the call. \
        Precinct reports arrive as files (JSON, NDJSON or CSV) in a feed directory.",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What `tally` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A table to read: totals, projection and call, regions, held, anomalies, rejected.
    #[default]
    Table,
    /// The whole summary as one JSON object.
    Json,
    /// Votes by area (national, then each region) and candidate, one row each.
    Csv,
}

/// What `--fail-on` turns into exit status 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum FailOn {
    /// An anomaly of severity critical.
    Critical,
    /// An anomaly of severity warning or critical.
    Warning,
    /// A report refused (listed under rejected).
    Rejected,
    /// A precinct held out of the totals.
    Held,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a feed once and print the result.
    #[command(after_help = TALLY_EXAMPLES)]
    Tally {
        /// A feed directory, or a single report file.
        feed: PathBuf,
        /// What to print.
        #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
        format: Format,
        /// The same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Exit with status 3 (after printing) when the count has any of these: critical,
        /// warning (or critical), rejected, held; comma-separated or repeated.
        #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT")]
        fail_on: Vec<FailOn>,
        #[command(flatten)]
        feed_opts: FeedOpts,
    },
    /// Watch a feed directory and follow the count as reports arrive.
    #[command(after_help = WATCH_EXAMPLES)]
    Watch {
        /// The feed directory (or a single growing report file).
        feed: PathBuf,
        /// Write NDJSON events to stdout instead of opening the dashboard.
        #[arg(long)]
        headless: bool,
        #[command(flatten)]
        follow: FollowArgs,
        #[command(flatten)]
        feed_opts: FeedOpts,
        #[command(flatten, next_help_heading = "Dashboard")]
        ui: UiOpts,
    },
    /// Replay a saved feed (a directory or a single file) in the order its reports were made.
    #[command(after_help = REPLAY_EXAMPLES)]
    Replay {
        /// A feed directory or a single report file (replayed in the order of `reported_at`),
        /// or a recording made by `watch --record` (replayed as it happened).
        feed: PathBuf,
        /// Feed seconds per real second (e.g. 60), or `max`; by default a night takes about two minutes.
        #[arg(long, default_value = "auto")]
        speed: crate::hub::ReplaySpeed,
        /// Write NDJSON events to stdout instead of opening the dashboard.
        #[arg(long)]
        headless: bool,
        /// With --headless: exit with status 3 when the replayed count ends with any of these:
        /// critical, warning (or critical), rejected, held; comma-separated or repeated.
        #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT", requires = "headless")]
        fail_on: Vec<FailOn>,
        #[command(flatten)]
        feed_opts: FeedOpts,
        #[command(flatten, next_help_heading = "Dashboard")]
        ui: UiOpts,
    },
    /// Replay a bundled sample election night in the dashboard.
    ///
    /// Kazakhstan's 2022 presidential election by default (with --baseline, projected by swing
    /// from the bundled 2019 sample). The samples are built into the binary: this works from
    /// any directory.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo {
        /// Feed seconds per real second, or `max`.
        #[arg(long, default_value = "auto")]
        speed: crate::hub::ReplaySpeed,
        /// Project by swing from the bundled 2019 sample (the same stations, three years
        /// earlier) instead of by region ratios.
        #[arg(long)]
        baseline: bool,
        /// Write NDJSON events to stdout (as fast as they go) instead of opening the dashboard.
        #[arg(long)]
        headless: bool,
        /// Which bundled sample to replay.
        #[arg(long, default_value = crate::samples::NAMES[0], value_name = "NAME",
              value_parser = clap::builder::PossibleValuesParser::new(crate::samples::NAMES))]
        sample: String,
        #[command(flatten)]
        thresholds: crate::feed::thresholds::Thresholds,
        #[command(flatten, next_help_heading = "Dashboard")]
        ui: UiOpts,
    },
    /// Serve the live dashboard over SSH to many viewers at once.
    ///
    /// Each viewer navigates on their own, at their own terminal's size, with no shell account
    /// on this machine: public-key login (or anyone, with --open), no shell, no commands, no
    /// forwarding.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve {
        /// The feed directory to watch (as `watch`), or with --replay a saved feed or recording.
        #[arg(required_unless_present = "demo")]
        feed: Option<PathBuf>,
        /// Replay FEED instead of watching it.
        #[arg(long)]
        replay: bool,
        /// Replay the bundled sample: the demo to show an audience.
        #[arg(long, conflicts_with_all = ["feed", "replay"])]
        demo: bool,
        /// With --replay or --demo: feed seconds per real second, or `max`.
        #[arg(long, default_value = "auto")]
        speed: crate::hub::ReplaySpeed,
        /// Where to listen (loopback unless you name another address).
        #[arg(long, default_value = "127.0.0.1:2222", value_name = "ADDR:PORT")]
        listen: std::net::SocketAddr,
        /// The public keys that may connect, in OpenSSH's authorized_keys format (read again at
        /// every login) [default: ~/.ssh/authorized_keys].
        #[arg(long, value_name = "FILE", conflicts_with = "open")]
        authorized_keys: Option<PathBuf>,
        /// Let anyone connect without a key (a demo on a closed network; warned about at start).
        #[arg(long)]
        open: bool,
        /// The server's private host key, made on first run [default:
        /// $XDG_DATA_HOME/votewatch/ssh_host_ed25519_key].
        #[arg(long, value_name = "PATH")]
        host_key: Option<PathBuf>,
        /// Viewers at once; the next one is told the server is full.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        max_viewers: u64,
        /// Connections at once from one address.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        max_per_address: u64,
        /// A viewer without a key for this long is disconnected (e.g. 30m, 90s, 2h).
        #[arg(long, default_value = "30m", value_parser = parse_duration)]
        idle_timeout: std::time::Duration,
        /// Let viewers drive the replay clock (by default it is the operator's: Space, +, -, .
        /// and the square brackets show a note instead of changing everyone's night).
        #[arg(long)]
        shared_control: bool,
        /// Log connections as NDJSON on stderr.
        #[arg(long)]
        log_json: bool,
        #[command(flatten)]
        follow: FollowArgs,
        #[command(flatten)]
        feed_opts: FeedOpts,
        #[command(flatten, next_help_heading = "Dashboard")]
        ui: UiOpts,
    },
    /// Print a shell completion script to stdout.
    ///
    /// For example: `votewatch completions bash >
    /// ~/.local/share/bash-completion/completions/votewatch`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout.
    ///
    /// The page of votewatch, or of one command (votewatch-tally(1)…). For example:
    /// `votewatch man > ~/.local/share/man/man1/votewatch.1`.
    Man {
        /// The command whose page to print (votewatch-COMMAND(1)); none for votewatch(1).
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
    /// Generate a realistic synthetic feed (deterministic for a seed).
    Synth {
        /// The directory to write (created; must be empty or absent).
        out: PathBuf,
        /// Number of polling stations (default: the profile's real count).
        #[arg(long)]
        precincts: Option<usize>,
        /// The random seed: the same seed writes the same feed, byte for byte.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Election profile: kz-2022 or kz-2019 (presidential), majilis-2012 (party list), or
        /// gradient (an honest election whose rural precincts vote more and more for the leader,
        /// 20 regions of 500 precincts by default, for validating the statistical flags).
        #[arg(long, default_value = "kz-2022")]
        profile: String,
        /// Write the reports as they would arrive live, at RATE reports a second.
        #[arg(long, value_name = "RATE")]
        live: Option<f64>,
        /// Plant ballot stuffing: REGION:FRACTION (e.g. turkistan:0.5: in 30% of the region's
        /// precincts, that fraction of the non-voters turned into ballots for the leader). With
        /// --profile gradient, FRACTION is the share of the region's precincts pushed to 85–95%
        /// turnout (g03:0.1; g03:1 for the whole region).
        #[arg(long, value_name = "REGION:FRACTION")]
        stuff: Option<String>,
        /// With --profile gradient: how much rurality raises turnout and the leader's share
        /// [default: 0.10].
        #[arg(long, value_name = "SLOPE")]
        slope: Option<f64>,
        /// Also write a synthetic prior election of the same precincts into DIR, to use with
        /// `--baseline DIR`.
        #[arg(long, value_name = "DIR")]
        prior: Option<PathBuf>,
    },
}

/// How a watched directory is followed.
#[derive(Debug, Args, Clone)]
pub struct FollowArgs {
    /// Poll the directory instead of relying on file-system events (network filesystems).
    #[arg(long)]
    pub poll: bool,
    /// How often to poll, in milliseconds, with --poll.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub poll_interval: u64,
    /// How long a file must be quiet before it is read as finished, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub settle: u64,
    /// Record every arrival (and withdrawal) with its time to an NDJSON log that
    /// `votewatch replay FILE` plays back exactly as it happened.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

impl FollowArgs {
    pub fn options(&self) -> crate::source::follow::FollowOpts {
        crate::source::follow::FollowOpts {
            poll: self.poll.then(|| std::time::Duration::from_millis(self.poll_interval)),
            settle: std::time::Duration::from_millis(self.settle),
        }
    }
}

/// Parses `30m`, `90s`, `2h` or a number of seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        _ => return Err(format!("{s:?} is not a duration (examples: 90s, 30m, 2h)")),
    };
    match num.parse::<u64>().ok().and_then(|n| n.checked_mul(scale)) {
        Some(secs) if secs > 0 => Ok(std::time::Duration::from_secs(secs)),
        _ => Err(format!("{s:?} is not a duration (examples: 90s, 30m, 2h)")),
    }
}

#[derive(Debug, Args, Clone)]
pub struct FeedOpts {
    /// Read the manifest from this file instead of FEED/election.json.
    #[arg(long, value_name = "PATH")]
    pub manifest: Option<PathBuf>,
    /// Refuse report files (and single lines or rows of logs) larger than this (e.g. 64M, 1G).
    #[arg(long, default_value = "64M", value_parser = parse_size, value_name = "SIZE")]
    pub max_file_size: u64,
    /// A prior election's per-precinct results (a feed directory or a report file, matched by
    /// precinct id): project the missing precincts by uniform swing from it. Refused when none
    /// of its candidates is in this election; a warning when few of the reported precincts
    /// are in it.
    #[arg(long, value_name = "FEED")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub thresholds: crate::feed::thresholds::Thresholds,
}

impl Default for FeedOpts {
    fn default() -> Self {
        FeedOpts {
            manifest: None,
            max_file_size: crate::feed::schema::DEFAULT_MAX_FILE_SIZE,
            baseline: None,
            thresholds: Default::default(),
        }
    }
}

impl FeedOpts {
    /// The statistics these options ask for: thresholds, and the baseline read (checked
    /// against the count's candidates by whoever opens the count: `hub::watch`,
    /// `hub::replay`, `tally`).
    pub fn forensics(&self) -> anyhow::Result<crate::analysis::Cache> {
        Ok(self.forensics_with(self.load_baseline()?))
    }

    /// The prior election of `--baseline`, read.
    pub fn load_baseline(&self) -> anyhow::Result<Option<crate::analysis::swing::Baseline>> {
        use anyhow::Context;
        self.baseline
            .as_deref()
            .map(|p| crate::hub::load_baseline(p, self.max_file_size).context("--baseline"))
            .transpose()
    }

    /// The statistics with these thresholds and `baseline`.
    pub fn forensics_with(&self, baseline: Option<crate::analysis::swing::Baseline>) -> crate::analysis::Cache {
        crate::analysis::Cache::new(self.thresholds.clone()).with_baseline(baseline)
    }

    /// Where the feed is read from, and how.
    pub fn options(&self) -> crate::hub::FeedOptions {
        crate::hub::FeedOptions { manifest: self.manifest.clone(), max_file_size: self.max_file_size }
    }
}

/// How the dashboard looks and refreshes.
#[derive(Debug, Clone, clap::Args)]
pub struct UiOpts {
    /// At most this many frames a second.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub fps: u32,
    /// Colour theme.
    #[arg(long, value_enum, default_value_t = crate::ui::theme::ThemeName::Dark)]
    pub theme: crate::ui::theme::ThemeName,
    /// Colours the terminal can show (default: from NO_COLOR, COLORTERM and TERM).
    #[arg(long, value_enum)]
    pub colors: Option<crate::ui::theme::ColorDepth>,
}

impl UiOpts {
    pub fn theme(&self) -> crate::ui::theme::Theme {
        crate::ui::theme::Theme::new(self.theme, self.colors.unwrap_or_else(crate::ui::theme::ColorDepth::detect))
    }
}

/// The command line as clap sees it.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses `1048576`, `512K`, `64M`, `1G` (binary units).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("{s:?} is not a size (examples: 1048576, 512K, 64M, 1G)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn help_has_headings_descriptions_and_no_docs_paths() {
        let mut cmd = command();
        for sub in ["tally", "watch", "replay", "demo", "serve", "synth", "completions", "man"] {
            let help = cmd.find_subcommand_mut(sub).unwrap().render_long_help().to_string();
            assert!(!help.contains("docs/"), "{sub}: {help}");
            if sub == "watch" || sub == "replay" || sub == "demo" || sub == "serve" {
                // The heading each option is listed under.
                let mut heading = "";
                let mut under = std::collections::HashMap::new();
                for line in help.lines() {
                    if !line.starts_with(' ') && line.ends_with(':') {
                        heading = line;
                    } else if let Some(opt) = line.trim_start().strip_prefix("--") {
                        under.insert(opt.split([' ', '<']).next().unwrap().to_string(), heading);
                    }
                }
                for ui in ["fps", "theme", "colors"] {
                    assert_eq!(under[ui], "Dashboard:", "{sub}: --{ui}");
                }
                assert_eq!(under["fdr"], "Statistical thresholds:", "{sub}");
                assert!(help.contains("Colour theme"), "{sub}");
            }
            assert!(help.contains("Examples:") || sub == "synth" || sub == "completions" || sub == "man", "{sub}");
        }
        let top = cmd.render_long_help().to_string();
        assert!(top.contains("Examples:") && top.contains("Exit status") && !top.contains("docs/"), "{top}");
        let replay = cmd.find_subcommand_mut("replay").unwrap().render_long_help().to_string();
        assert!(replay.contains("recording made by `watch --record`"), "replay FEED is described");
        let synth = cmd.find_subcommand_mut("synth").unwrap().render_long_help().to_string();
        assert!(synth.contains("The random seed"), "--seed is described");
    }
}
