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
                    let follow = votewatch::source::follow::FollowOpts { poll: opts.poll, settle: opts.settle };
                    let opened = votewatch::hub::watch(
                        &feed,
                        &feed_opts.options(),
                        &follow,
                        opts.record.as_deref(),
                        feed_opts.forensics()?,
                    )?;
                    run::dashboard::run(opened, &ui)
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
                feed_opts
                    .forensics()
                    .and_then(|a| votewatch::hub::replay(&feed, &feed_opts.options(), speed, a))
                    .and_then(run::replay::headless)
            } else {
                run::dashboard::require_terminal("replay FEED").and_then(|_| {
                    let opened = votewatch::hub::replay(&feed, &feed_opts.options(), speed, feed_opts.forensics()?)?;
                    run::dashboard::run(opened, &ui)
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
                    run::dashboard::run(votewatch::hub::replay(&feed, &opts.options(), speed, opts.forensics()?)?, &ui)
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
