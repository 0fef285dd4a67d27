//! A synthetic prior election for the same precincts (a `--baseline` to project from): each
//! region swung by its own amount, each precinct by a little noise of its own and a little
//! more the larger it is (cities move more than villages — which a uniform swing does not
//! know), turnout and electorate shifted likewise. Written as one NDJSON file, with the
//! current election's manifest (no `registered` per region: a baseline needs none).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::engine::Engine;

/// The national leader's share was this much lower in the prior election, on average.
const LEADER_SWING: f64 = 0.05;
/// Spread of the regions' own swings, of precinct noise, and of the size effect (per
/// standard deviation of log registered voters).
const REGION_SD: f64 = 0.03;
const PRECINCT_SD: f64 = 0.02;
const SIZE_EFFECT: f64 = 0.01;

/// Writes the prior election of `engine`'s counted precincts into the directory `out`.
pub fn write_prior(engine: &Engine, seed: u64, out: &Path) -> Result<usize> {
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9419_0000);
    let unit = Normal::new(0.0, 1.0).expect("a unit normal");
    let national = engine.national();
    let cands = engine.candidates().len();
    let leader = (0..cands).max_by_key(|&c| national.votes_of(c)).unwrap_or(0);
    let region_swing: Vec<(f64, f64, f64)> = (0..engine.regions().len())
        .map(|_| {
            (
                LEADER_SWING + REGION_SD * unit.sample(&mut rng),
                0.03 + 0.02 * unit.sample(&mut rng),
                rng.random_range(0.0..0.04),
            )
        })
        .collect();
    let counted: Vec<_> = engine.precincts_with_ids().filter_map(|(id, p)| Some((id, p, p.counted()?))).collect();
    let logs: Vec<f64> = counted.iter().map(|(_, _, e)| f64::from(e.registered.max(1)).ln()).collect();
    let mean = logs.iter().sum::<f64>() / logs.len().max(1) as f64;
    let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / logs.len().max(1) as f64).sqrt().max(1e-9);
    let mut lines = String::new();
    for ((id, p, e), log) in counted.iter().zip(&logs) {
        let (swing, turnout_shift, growth) = p.region().map_or((LEADER_SWING, 0.03, 0.0), |r| region_swing[r as usize]);
        let size = (log - mean) / sd;
        let valid_now = e.valid().max(1) as f64;
        let share = f64::from(e.vote(leader)) / valid_now;
        let prior_share = (share - swing - PRECINCT_SD * unit.sample(&mut rng) - SIZE_EFFECT * size).clamp(0.01, 0.99);
        let registered = ((f64::from(e.registered) * (1.0 - growth)).round() as u64).max(1);
        let turnout = f64::from(e.ballots) / f64::from(e.registered.max(1));
        let prior_turnout = (turnout - turnout_shift - 0.02 * unit.sample(&mut rng)).clamp(0.05, 1.0);
        let ballots = (registered as f64 * prior_turnout).round() as u64;
        let valid_rate = valid_now / f64::from(e.ballots.max(1));
        let valid = ((ballots as f64 * valid_rate).round() as u64).min(ballots);
        // The others keep their proportions of what the leader leaves.
        let others: f64 = valid_now - f64::from(e.vote(leader));
        let mut votes: Vec<u64> = (0..cands)
            .map(|c| {
                let s = if c == leader {
                    prior_share
                } else if others > 0.0 {
                    (1.0 - prior_share) * f64::from(e.vote(c)) / others
                } else {
                    (1.0 - prior_share) / (cands.max(2) - 1) as f64
                };
                (valid as f64 * s).floor() as u64
            })
            .collect();
        // Whole votes that add up: the remainder to the leader.
        let sum: u64 = votes.iter().sum();
        votes[leader] += valid.saturating_sub(sum);
        let region = p.region().map(|r| engine.regions()[r as usize].id.clone());
        let report = serde_json::json!({
            "precinct": id,
            "region": region,
            "registered": registered,
            "ballots": ballots,
            "invalid": ballots - valid,
            "votes": engine.candidates().iter().zip(&votes).map(|(c, v)| (c.id.clone(), serde_json::Value::from(*v))).collect::<serde_json::Map<_, _>>(),
        });
        lines.push_str(&report.to_string());
        lines.push('\n');
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(out.join("prior.ndjson"))?);
    f.write_all(lines.as_bytes())?;
    f.flush()?;
    if let Some(m) = engine.manifest() {
        let mut m = serde_json::to_value(m)?;
        if let Some(regions) = m.get_mut("regions").and_then(|r| r.as_array_mut()) {
            for r in regions {
                if let Some(o) = r.as_object_mut() {
                    o.remove("registered");
                }
            }
        }
        let name = m["name"].as_str().map_or_else(|| "the election".to_string(), str::to_string);
        m["name"] = serde_json::json!(format!("Synthetic prior of {name}"));
        m["id"] = serde_json::json!(format!("{}-prior", m["id"].as_str().unwrap_or("election")));
        m["note"] = serde_json::json!("synthetic prior election (votewatch synth --prior), for --baseline");
        std::fs::write(out.join("election.json"), serde_json::to_string_pretty(&m)?)?;
    }
    Ok(counted.len())
}
