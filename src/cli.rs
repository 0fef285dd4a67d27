//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "votewatch", version, about = "Watch an election count live in a terminal", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a feed once and print the result.
    Tally {
        /// A feed directory, or a single report file.
        feed: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        feed_opts: FeedOpts,
    },
    /// Watch a feed directory and follow the count as reports arrive.
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
        #[command(flatten)]
        ui: UiOpts,
    },
    /// Replay a saved feed (a directory or a single file) in the order its reports were made.
    Replay {
        feed: PathBuf,
        /// Feed seconds per real second (e.g. 60), or `max`; by default a night takes about two minutes.
        #[arg(long, default_value = "auto")]
        speed: crate::hub::ReplaySpeed,
        /// Write NDJSON events to stdout instead of opening the dashboard.
        #[arg(long)]
        headless: bool,
        #[command(flatten)]
        feed_opts: FeedOpts,
        #[command(flatten)]
        ui: UiOpts,
    },
    /// Replay the bundled Kazakhstan 2022 sample in the dashboard (with --baseline, projected
    /// by swing from the bundled 2019 sample).
    Demo {
        /// Feed seconds per real second, or `max`.
        #[arg(long, default_value = "auto")]
        speed: crate::hub::ReplaySpeed,
        /// Project by swing from the bundled 2019 sample (the same stations, three years
        /// earlier) instead of by region ratios.
        #[arg(long)]
        baseline: bool,
        #[command(flatten)]
        thresholds: crate::feed::thresholds::Thresholds,
        #[command(flatten)]
        ui: UiOpts,
    },
    /// Serve the live dashboard over SSH to many viewers at once, each navigating on their
    /// own, with no shell account for any of them (docs/SERVE.md).
    ///
    /// Examples: `votewatch serve FEED` (watch a directory), `votewatch serve --replay FEED`,
    /// `votewatch serve --demo --open` (then `ssh -t -p 2222 localhost`).
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
        /// Let viewers drive the replay clock (by default it is the operator's: Space, +, -,
        /// ., [ and ] show a note instead of changing everyone's night).
        #[arg(long)]
        shared_control: bool,
        /// Log connections as NDJSON on stderr.
        #[arg(long)]
        log_json: bool,
        #[command(flatten)]
        follow: FollowArgs,
        #[command(flatten)]
        feed_opts: FeedOpts,
        #[command(flatten)]
        ui: UiOpts,
    },
    /// Generate a realistic synthetic feed (deterministic for a seed).
    Synth {
        /// The directory to write (created; must be empty or absent).
        out: PathBuf,
        /// Number of polling stations (default: the profile's real count).
        #[arg(long)]
        precincts: Option<usize>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Election profile: kz-2022 or kz-2019 (presidential), majilis-2012 (party list), or
        /// gradient (an honest election whose rural precincts vote more and more for the leader,
        /// 20 regions of 500 precincts by default, for validating the statistical flags:
        /// docs/ANOMALIES.md).
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
    /// precinct id): project the missing precincts by uniform swing from it (docs/PROJECTION.md).
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
    /// The statistics these options ask for: thresholds, and the baseline read.
    pub fn forensics(&self) -> anyhow::Result<crate::analysis::Cache> {
        let baseline = match &self.baseline {
            Some(p) => Some(crate::hub::load_baseline(p, self.max_file_size)?),
            None => None,
        };
        Ok(crate::analysis::Cache::new(self.thresholds.clone()).with_baseline(baseline))
    }
}

impl FeedOpts {
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
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
