use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use votewatch::cli::{Cli, Command};
use votewatch::run;

// Reports are parsed on worker threads and freed on the engine's: mimalloc handles that
// cross-thread traffic far better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tally { feed, json, feed_opts } => run::tally::run(&feed, json, &feed_opts),
        Command::Watch { feed, headless, poll, poll_interval, settle, feed_opts } => {
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
        Command::Synth { out, precincts, seed, profile, live, stuff } => {
            run::synth::run(&out, precincts, seed, &profile, live, stuff.as_deref())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("votewatch: {e:#}");
            ExitCode::from(2)
        }
    }
}
