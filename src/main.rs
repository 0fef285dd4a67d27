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
        Command::Watch { feed, headless, poll, poll_interval, settle, record, feed_opts, ui } => {
            let opts = run::watch::WatchOpts {
                poll: poll.then(|| Duration::from_millis(poll_interval)),
                settle: Duration::from_millis(settle),
                record,
            };
            if headless {
                run::watch::headless(&feed, &feed_opts, &opts)
            } else {
                run::dashboard::require_terminal("watch FEED").and_then(|_| {
                    let source = votewatch::hub::watch_source(
                        &feed,
                        &feed_opts,
                        opts.poll,
                        opts.settle,
                        opts.record.as_deref(),
                    )?;
                    run::dashboard::run(source, feed_opts.forensics()?, &ui)
                })
            }
        }
        Command::Replay { feed, speed, headless, feed_opts, ui } => {
            let speed = if headless && speed == votewatch::hub::ReplaySpeed::Default {
                votewatch::hub::ReplaySpeed::Max
            } else {
                speed
            };
            if headless {
                votewatch::hub::replay_source(&feed, &feed_opts, speed)
                    .and_then(|source| run::replay::headless(source, feed_opts.forensics()?))
            } else {
                run::dashboard::require_terminal("replay FEED").and_then(|_| {
                    let source = votewatch::hub::replay_source(&feed, &feed_opts, speed)?;
                    run::dashboard::run(source, feed_opts.forensics()?, &ui)
                })
            }
        }
        Command::Demo { speed, baseline, thresholds, ui } => {
            run::dashboard::require_terminal("replay sample-feeds/kz-2022-presidential")
                .and_then(|_| run::dashboard::sample_feed(run::dashboard::SAMPLE))
                .and_then(|feed| {
                    let baseline = if baseline {
                        Some(run::dashboard::sample_feed(run::dashboard::BASELINE_SAMPLE)?)
                    } else {
                        None
                    };
                    let opts = votewatch::cli::FeedOpts { thresholds, baseline, ..Default::default() };
                    run::dashboard::run(votewatch::hub::replay_source(&feed, &opts, speed)?, opts.forensics()?, &ui)
                })
        }
        Command::Synth { out, precincts, seed, profile, live, stuff, prior, slope } if profile == "gradient" => {
            run::synth::gradient(&out, precincts, seed, slope, stuff.as_deref(), live.is_some() || prior.is_some())
        }
        Command::Synth { slope: Some(_), .. } => Err(anyhow::anyhow!("--slope is for --profile gradient")),
        Command::Synth { out, precincts, seed, profile, live, stuff, prior, slope: None } => {
            run::synth::run(&out, precincts, seed, &profile, live, stuff.as_deref(), prior.as_deref())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Messages quote feed content: nothing in them may drive the terminal.
            votewatch::text::warn(&format!("{e:#}"));
            ExitCode::from(run::exit_status(&e))
        }
    }
}
