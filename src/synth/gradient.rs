//! An honest election with a rural gradient, for validating the statistical flags
//! (`votewatch synth OUT --profile gradient`): in every region, a precinct's latent rurality
//! u ~ Uniform(0, 1) raises both its turnout, 0.50 + slope·u + N(0, 0.035), and the leader's
//! share, 0.60 + slope·u + N(0, 0.035); the counts are then drawn binomially (ballots from the
//! registered, 1% invalid, the leader's votes from the valid, the rest split over four other
//! candidates). No fraud: the leader honestly does better where more people vote, which an
//! independence null calls stuffing. Optionally, ballots are stuffed for the leader in one
//! region: a share of its precincts (1 = all of them) pushed to a turnout between 85% and 95%.
//! Precinct ids are `region/unit/station` (25 stations a territorial unit). Deterministic for
//! a seed.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, LogNormal, Normal};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient {
    pub regions: usize,
    pub precincts_per_region: usize,
    /// How much rurality raises turnout and the leader's share (0.10 in issue 9).
    pub slope: f64,
    pub seed: u64,
    /// Stuffing in one region (its index) of this share of its precincts.
    pub stuffing: Option<(usize, f64)>,
}

impl Default for Gradient {
    fn default() -> Self {
        Gradient { regions: 20, precincts_per_region: 500, slope: 0.10, seed: 1, stuffing: None }
    }
}

/// Stations a territorial unit.
const PER_UNIT: usize = 25;
/// Precinct-level noise of turnout and share around the gradient.
const NOISE: f64 = 0.035;
const OTHERS: [(&str, f64); 4] = [("b", 0.4), ("c", 0.3), ("d", 0.2), ("e", 0.1)];

/// The region id of index `r`.
pub fn region_id(r: usize) -> String {
    format!("g{r:02}")
}

/// One precinct's report line.
fn report(rng: &mut ChaCha8Rng, g: &Gradient, r: usize, i: usize, stuffed: bool) -> Result<String> {
    let size = LogNormal::new(1000f64.ln(), 0.45).context("size model")?;
    let noise = Normal::new(0.0, NOISE).context("noise model")?;
    let registered = (size.sample(rng).round() as u64).clamp(100, 3000);
    let u: f64 = rng.random();
    let turnout = (0.50 + g.slope * u + noise.sample(rng)).clamp(0.05, 0.99);
    let share = (0.60 + g.slope * u + noise.sample(rng)).clamp(0.01, 0.99);
    let draw = |rng: &mut ChaCha8Rng, n: u64, p: f64| -> Result<u64> {
        Ok(Binomial::new(n, p.clamp(0.0, 1.0)).context("binomial")?.sample(rng))
    };
    let mut ballots = draw(rng, registered, turnout)?;
    let invalid = draw(rng, ballots, 0.01)?;
    let valid = ballots - invalid;
    let mut leader = draw(rng, valid, share)?;
    let mut rest = valid - leader;
    let mut left = 1.0;
    let mut others = Vec::with_capacity(OTHERS.len());
    for (k, (id, p)) in OTHERS.iter().enumerate() {
        let n = if k + 1 == OTHERS.len() { rest } else { draw(rng, rest, p / left)? };
        rest -= n;
        left -= p;
        others.push(format!(r#""{id}":{n}"#));
    }
    if stuffed {
        let to = rng.random_range(0.85..=0.95);
        let extra = ((registered as f64 * to).round() as u64).saturating_sub(ballots);
        ballots += extra;
        leader += extra;
    }
    Ok(format!(
        r#"{{"precinct":"{}/u{:02}/{i:04}","region":"{}","registered":{registered},"ballots":{ballots},"issued":{ballots},"invalid":{invalid},"votes":{{"a":{leader},{}}}}}"#,
        region_id(r),
        i / PER_UNIT,
        region_id(r),
        others.join(",")
    ))
}

/// Writes the election into `out` (created; must be empty or absent): `election.json` and one
/// `reports.ndjson`. Returns the number of precincts.
pub fn generate(out: &Path, g: &Gradient) -> Result<usize> {
    ensure!(g.regions >= 1 && g.precincts_per_region >= 1, "a gradient election needs regions and precincts");
    if let Some((r, share)) = g.stuffing {
        ensure!(r < g.regions, "no region {r} to stuff (there are {})", g.regions);
        ensure!((0.0..=1.0).contains(&share), "the share of stuffed precincts must be between 0 and 1, got {share}");
    }
    super::write::prepare_output_dir(out)?;
    let mut rng = ChaCha8Rng::seed_from_u64(g.seed);
    let mut lines = Vec::with_capacity(g.regions * g.precincts_per_region);
    for r in 0..g.regions {
        let mut stuffed = vec![false; g.precincts_per_region];
        if let Some((s, share)) = g.stuffing
            && s == r
        {
            // Stations picked at random across the region's units.
            let n = ((g.precincts_per_region as f64 * share).round() as usize).clamp(1, g.precincts_per_region);
            for i in rand::seq::index::sample(&mut rng, g.precincts_per_region, n) {
                stuffed[i] = true;
            }
        }
        for (i, &stuffed) in stuffed.iter().enumerate() {
            lines.push(report(&mut rng, g, r, i, stuffed)?);
        }
    }
    let regions: Vec<String> = (0..g.regions)
        .map(|r| format!(r#"{{"id":"{}","precincts":{}}}"#, region_id(r), g.precincts_per_region))
        .collect();
    let stuffing = match g.stuffing {
        Some((r, share)) => format!(
            " Ballots were deliberately stuffed for the leader in {:.0}% of region {}'s precincts (turnout pushed to 85–95%).",
            share * 100.0,
            region_id(r)
        ),
        None => String::new(),
    };
    let manifest = format!(
        r#"{{"id":"gradient","name":"Honest rural gradient (synthetic)","synthetic":true,"note":"SYNTHETIC DATA from votewatch synth --profile gradient (seed {}, slope {}): rurality raises turnout and the leader's share alike, counts drawn binomially.{stuffing}","candidates":[{{"id":"a","name":"Leader"}},{{"id":"b"}},{{"id":"c"}},{{"id":"d"}},{{"id":"e"}}],"regions":[{}]}}"#,
        g.seed,
        g.slope,
        regions.join(",")
    );
    std::fs::write(out.join("election.json"), manifest + "\n").context("writing election.json")?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(out.join("reports.ndjson")).context("reports.ndjson")?);
    for line in &lines {
        writeln!(f, "{line}")?;
    }
    f.flush()?;
    Ok(lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_consistent_and_stuffed_where_asked() {
        let d = tempfile::tempdir().unwrap();
        let g = Gradient { regions: 3, precincts_per_region: 40, stuffing: Some((1, 0.25)), ..Gradient::default() };
        assert_eq!(generate(&d.path().join("a"), &g).unwrap(), 120);
        generate(&d.path().join("b"), &g).unwrap();
        let read = |x: &str| std::fs::read_to_string(d.path().join(x).join("reports.ndjson")).unwrap();
        assert_eq!(read("a"), read("b"), "the same seed, the same election");
        let mut high = 0;
        for line in read("a").lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let n = |k: &str| v[k].as_u64().unwrap();
            let votes: u64 = v["votes"].as_object().unwrap().values().map(|x| x.as_u64().unwrap()).sum();
            assert_eq!(votes + n("invalid"), n("ballots"), "{line}");
            assert!(n("ballots") <= n("registered"));
            if v["region"] == "g01" && n("ballots") * 100 >= n("registered") * 84 {
                high += 1;
            }
        }
        // Ten of region 1's forty stations were pushed to 85–95% (honest ones stay below 84%).
        assert_eq!(high, 10);
    }
}
