//! `votewatch demo`: a bundled sample, unpacked from the binary itself, replayed in the
//! dashboard (or as an event stream), so it works wherever the binary was installed.

use anyhow::Result;

use crate::cli::{FeedOpts, UiOpts};
use crate::hub::ReplaySpeed;
use crate::run::dashboard::{self, BASELINE_SAMPLE, SAMPLE};

pub struct DemoOpts {
    pub sample: String,
    pub baseline: bool,
    pub headless: bool,
    pub speed: ReplaySpeed,
    pub thresholds: crate::feed::thresholds::Thresholds,
}

pub fn run(demo: DemoOpts, ui: &UiOpts) -> Result<()> {
    if demo.baseline && demo.sample != SAMPLE {
        return Err(super::Usage(format!(
            "--baseline projects {SAMPLE} by swing from {BASELINE_SAMPLE}; there is no bundled baseline for {}",
            demo.sample
        ))
        .into());
    }
    if !demo.headless {
        dashboard::require_terminal("demo")?;
    }
    let feed = dashboard::sample_feed(&demo.sample)?;
    let prior = if demo.baseline { Some(dashboard::sample_feed(BASELINE_SAMPLE)?) } else { None };
    let opts = FeedOpts {
        thresholds: demo.thresholds,
        baseline: prior.as_ref().map(|p| p.to_path_buf()),
        ..Default::default()
    };
    let speed = if demo.headless && demo.speed == ReplaySpeed::Default { ReplaySpeed::Max } else { demo.speed };
    let mut baseline = opts.load_baseline()?;
    if let Some(b) = &mut baseline {
        // Not the temporary folder it was read from.
        b.source = format!("{BASELINE_SAMPLE} (bundled)");
    }
    let opened = crate::hub::replay(&feed, &opts.options(), speed, opts.forensics_with(baseline))?;
    // The replay and the baseline were read whole: the unpacked copies go before the night
    // starts, so that nothing is left behind however the dashboard ends.
    drop(feed);
    drop(prior);
    if demo.headless { super::replay::headless(opened, &[]) } else { dashboard::run(opened, ui) }
}
