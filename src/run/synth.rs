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
        let engine = crate::hub::load(&crate::source::FeedSpec::open(&whole, None, u64::MAX)?);
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

/// `votewatch synth OUT --profile gradient`: the honest rural-gradient election, optionally with
/// a share of one region's precincts stuffed.
pub fn gradient(
    out: &Path,
    precincts: Option<usize>,
    seed: u64,
    slope: Option<f64>,
    stuff: Option<&str>,
    unsupported: bool,
) -> Result<()> {
    use crate::synth::gradient::{Gradient, generate, region_id};
    anyhow::ensure!(!unsupported, "--live and --prior are not available with --profile gradient");
    let mut g = Gradient { seed, slope: slope.unwrap_or(0.10), ..Gradient::default() };
    if let Some(n) = precincts {
        g.precincts_per_region = n.div_ceil(g.regions).max(1);
    }
    if let Some(s) = stuff {
        let s = parse_stuffing(s)?;
        let region = (0..g.regions)
            .find(|&r| region_id(r) == s.region)
            .ok_or_else(|| anyhow!("--stuff: no region {:?} (g00 to {})", s.region, region_id(g.regions - 1)))?;
        g.stuffing = Some((region, s.fraction));
    }
    let n = generate(out, &g).with_context(|| format!("{}", out.display()))?;
    eprintln!("votewatch: wrote an honest-gradient election of {} precincts to {}", thousands(n as u64), out.display());
    Ok(())
}
