//! `votewatch synth OUT …`: write a synthetic feed, at once or live.

use std::path::Path;

use anyhow::{Context, Result, anyhow};

use crate::synth::{Profile, Stuffing, SynthOptions, SynthSummary, generate, generate_live};
use crate::text::thousands;

/// Parses `REGION:FRACTION`.
pub fn parse_stuffing(s: &str) -> Result<Stuffing> {
    let (region, fraction) =
        s.rsplit_once(':').ok_or_else(|| anyhow!("--stuff takes REGION:FRACTION, e.g. turkistan:0.5"))?;
    let fraction: f64 =
        fraction.parse().map_err(|_| anyhow!("--stuff: {fraction:?} is not a fraction between 0 and 1"))?;
    Ok(Stuffing { region: region.to_string(), fraction })
}

pub fn run(
    out: &Path,
    precincts: Option<usize>,
    seed: u64,
    profile: &str,
    live: Option<f64>,
    stuff: Option<&str>,
    prior: Option<&Path>,
) -> Result<()> {
    let profile: Profile = profile.parse().map_err(|e| crate::run::Usage(format!("--profile: {e}")))?;
    let opts = SynthOptions { precincts, seed, profile, stuffing: stuff.map(parse_stuffing).transpose()? };
    if let Some(dir) = prior {
        // From the complete election (generated aside when this one is to arrive live).
        let aside = tempfile::tempdir()?;
        let whole = aside.path().join("feed");
        generate(&whole, &opts)?;
        let engine = crate::ingest::cold::load(&crate::ingest::FeedSpec::open(&whole, None, u64::MAX)?);
        let n = crate::synth::prior::write_prior(&engine, seed, dir).with_context(|| format!("{}", dir.display()))?;
        crate::text::warn(&format!(
            "wrote a prior election of {} precincts to {}",
            thousands(n as u64),
            crate::text::clean_path(dir)
        ));
    }
    let summary: SynthSummary = match live {
        None => generate(out, &opts),
        Some(rate) => {
            let stop = crate::run::watch::stop_flag()?;
            crate::text::warn(&format!(
                "writing reports into {} at {rate} a second (Ctrl-C stops)",
                crate::text::clean_path(out)
            ));
            generate_live(out, &opts, rate, &stop)
        }
    }
    .with_context(|| format!("{}", out.display()))?;
    crate::text::warn(&format!(
        "wrote {} reports for {} precincts in {} files to {} (registered {}, ballots {})",
        thousands(summary.reports as u64),
        thousands(summary.precincts as u64),
        thousands(summary.files as u64),
        crate::text::clean_path(out),
        thousands(summary.registered),
        thousands(summary.ballots)
    ));
    Ok(())
}
