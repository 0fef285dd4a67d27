use std::process::ExitCode;
use std::time::Duration;

use votewatch::cli::Command;
use votewatch::run;

// Reports are parsed on worker threads and freed on the engine's: mimalloc handles that
// cross-thread traffic far better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let result = votewatch::cli::parse().and_then(|cli| dispatch(cli.command));
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
        Command::Watch { feed, headless, poll, poll_interval, settle, record, feed_opts, ui } => {
            let opts = run::watch::WatchOpts {
                poll: poll.then(|| Duration::from_millis(poll_interval)),
                settle: Duration::from_millis(settle),
                record,
            };
            if headless {
                run::watch::headless(&feed, &feed_opts, &opts)
            } else {
                run::dashboard::require_terminal("watch FEED")?;
                let source = votewatch::session::watch_source(
                    &feed,
                    &feed_opts,
                    opts.poll,
                    opts.settle,
                    opts.record.as_deref(),
                )?;
                let forensics = feed_opts.forensics_for(source.source.engine())?;
                run::dashboard::run(source, forensics, &ui)
            }
        }
        Command::Replay { feed, speed, headless, fail_on, feed_opts, ui } => {
            if headless {
                let speed = if speed == votewatch::session::ReplaySpeed::Default {
                    votewatch::session::ReplaySpeed::Max
                } else {
                    speed
                };
                let source = votewatch::session::replay_source(&feed, &feed_opts, speed)?;
                let forensics = feed_opts.forensics_for(source.source.engine())?;
                run::replay::headless(source, forensics, &fail_on)
            } else {
                run::dashboard::require_terminal("replay FEED")?;
                let source = votewatch::session::replay_source(&feed, &feed_opts, speed)?;
                let forensics = feed_opts.forensics_for(source.source.engine())?;
                run::dashboard::run(source, forensics, &ui)
            }
        }
        Command::Demo { speed, baseline, sample, headless, thresholds, ui } => {
            run::demo::run(run::demo::DemoOpts { sample, baseline, headless, speed, thresholds }, &ui)
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
