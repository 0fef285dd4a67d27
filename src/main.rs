use std::process::ExitCode;

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
        Command::Watch { feed, headless, follow, feed_opts, ui } => {
            if headless {
                run::watch::headless(&feed, &feed_opts, &follow)
            } else {
                run::dashboard::require_terminal("watch FEED").and_then(|_| {
                    let opened = votewatch::hub::watch(
                        &feed,
                        &feed_opts.options(),
                        &follow.options(),
                        follow.record.as_deref(),
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
        Command::Serve {
            feed,
            replay,
            demo,
            speed,
            listen,
            authorized_keys,
            open,
            host_key,
            max_viewers,
            max_per_address,
            idle_timeout,
            shared_control,
            log_json,
            follow,
            feed_opts,
            ui,
        } => {
            let served = if demo {
                run::serve::Served::Demo
            } else if replay {
                run::serve::Served::Replay(feed.unwrap_or_default())
            } else {
                run::serve::Served::Watch(feed.unwrap_or_default())
            };
            let server = run::serve::ServerArgs {
                listen,
                authorized_keys,
                open,
                host_key,
                max_viewers: max_viewers as usize,
                max_per_address: max_per_address as usize,
                idle_timeout,
                shared_control,
                log_json,
            };
            run::serve::run(served, speed, &follow, &feed_opts, &ui, server)
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
