use std::process::ExitCode;

use votewatch::cli::Command;
use votewatch::hub::ReplaySpeed;
use votewatch::run;

// Reports are parsed on worker threads and freed on the engine's: mimalloc handles that
// cross-thread traffic far better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    run::no_huge_pages();
    let result = votewatch::config::command_line().and_then(|cli| dispatch(cli.command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Messages quote feed content: nothing in them may drive the terminal.
            votewatch::text::warn(&format!("{e:#}"));
            ExitCode::from(run::exit_status(&e))
        }
    }
}

fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Tally { feed, format, json, fail_on, feed_opts } => {
            let format = if json { votewatch::cli::Format::Json } else { format };
            run::tally::run(&feed, format, &fail_on, &feed_opts)
        }
        Command::Watch { feed, headless, follow, feed_opts, ui } => {
            if headless {
                run::watch::headless(&feed, &feed_opts, &follow)
            } else {
                run::dashboard::require_terminal("watch FEED")?;
                let opened = votewatch::hub::watch(
                    &feed,
                    &feed_opts.options(),
                    &follow.options(),
                    follow.record.as_deref(),
                    feed_opts.forensics()?,
                )?;
                run::dashboard::run(opened, &ui)
            }
        }
        Command::Replay { feed, speed, headless, fail_on, feed_opts, ui } => {
            if headless {
                let speed = if speed == ReplaySpeed::Default { ReplaySpeed::Max } else { speed };
                let opened = votewatch::hub::replay(&feed, &feed_opts.options(), speed, feed_opts.forensics()?)?;
                run::replay::headless(opened, &fail_on)
            } else {
                run::dashboard::require_terminal("replay FEED")?;
                let opened = votewatch::hub::replay(&feed, &feed_opts.options(), speed, feed_opts.forensics()?)?;
                run::dashboard::run(opened, &ui)
            }
        }
        Command::Demo { speed, baseline, sample, headless, thresholds, ui } => {
            run::demo::run(run::demo::DemoOpts { sample, baseline, headless, speed, thresholds }, &ui)
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
        Command::Completions { shell } => run::meta::completions(shell),
        Command::Man { command } => run::meta::man(command.as_deref()),
        Command::Synth { out, precincts, seed, profile, live, stuff, prior, slope } if profile == "gradient" => {
            run::synth::gradient(&out, precincts, seed, slope, stuff.as_deref(), live.is_some() || prior.is_some())
        }
        Command::Synth { slope: Some(_), .. } => Err(anyhow::anyhow!("--slope is for --profile gradient")),
        Command::Synth { out, precincts, seed, profile, live, stuff, prior, slope: None } => {
            run::synth::run(&out, precincts, seed, &profile, live, stuff.as_deref(), prior.as_deref())
        }
    }
}
