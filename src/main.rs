use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use votewatch::cli::{Cli, Command};
use votewatch::run;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tally {
            feed,
            json,
            feed_opts,
        } => run::tally::run(&feed, json, &feed_opts),
        Command::Watch {
            feed,
            headless,
            poll,
            poll_interval,
            settle,
            feed_opts,
        } => {
            let opts = run::watch::WatchOpts {
                poll: poll.then(|| Duration::from_millis(poll_interval)),
                settle: Duration::from_millis(settle),
            };
            if headless {
                run::watch::headless(&feed, &feed_opts, &opts)
            } else {
                Err(anyhow::anyhow!(
                    "the dashboard is not built yet; use `votewatch watch FEED --headless` for the NDJSON event stream"
                ))
            }
        }
        Command::Synth { .. } => Err(anyhow::anyhow!("synth is not built yet")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("votewatch: {e:#}");
            ExitCode::from(2)
        }
    }
}
