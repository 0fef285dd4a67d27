//! Calibration of the projection: over many synthetic elections replayed part-way in a biased
//! order (the synthetic feeds' own order, where large urban precincts report later; and with
//! the largest precincts last), how often the 90% intervals cover the final result, and how
//! wide they are, by share of precincts reported.
//!
//! Run: `cargo bench --bench calibration` (`-- N` for N elections; default 200). With
//! `-- N baseline`, each election also gets a synthetic prior election (`synth --prior`: regional
//! swings, precinct noise, and a swing that grows with precinct size) and is projected by swing
//! from it (`--baseline`).

use votewatch::analysis::projection::project_with;

use votewatch::hub::playback::Playback as Replay;
use votewatch::source::FeedSpec;
use votewatch::source::record::Op;
use votewatch::source::replay::Script;
use votewatch::synth::{Profile, SynthOptions, generate};

fn main() {
    let n: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(200);
    let with_baseline = std::env::args().any(|a| a == "baseline");
    let fractions = [0.1, 0.2, 0.3, 0.5];
    // (covered, intervals, width sum, shown, tried) per fraction.
    let mut stats = vec![(0usize, 0usize, 0f64, 0usize, 0usize); fractions.len()];
    for seed in 0..n {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("feed");
        generate(
            &out,
            &SynthOptions { precincts: Some(5000), seed: 10_000 + seed, profile: Profile::Kz2022, stuffing: None },
        )
        .unwrap();
        let spec = FeedSpec::open(&out, None, 64 << 20).unwrap();
        let all = votewatch::hub::load(&spec);
        let truth = all.count();
        let baseline = with_baseline.then(|| {
            let prior = d.path().join("prior");
            votewatch::synth::prior::write_prior(&all, seed, &prior).unwrap();
            votewatch::hub::load_baseline(&prior, 64 << 20).unwrap()
        });
        for large_last in [false, true] {
            let mut script = Script::load(&spec);
            if large_last {
                script.arrivals.sort_by_key(|a| match &a.op {
                    Op::Report(_, r) => r.registered,
                    _ => 0,
                });
            }
            let total = script.arrivals.len();
            let mut replay = Replay::new(spec.clone(), script, None);
            for (i, f) in fractions.iter().enumerate() {
                replay.advance_to((total as f64 * f) as usize);
                let st = &mut stats[i];
                st.4 += 1;
                let Some(p) = project_with(&replay.engine, baseline.as_ref()) else { continue };
                if p.waiting.is_some() {
                    continue;
                }
                st.3 += 1;
                for c in &p.candidates {
                    let t = truth.candidates.iter().find(|x| x.id == c.id).unwrap().share.unwrap();
                    st.0 += usize::from(c.low <= t && t <= c.high);
                    st.1 += 1;
                    st.2 += c.high - c.low;
                }
                let t = p.turnout.unwrap();
                let tt = truth.turnout.unwrap();
                st.0 += usize::from(t.low <= tt && tt <= t.high);
                st.1 += 1;
                st.2 += t.high - t.low;
            }
        }
    }
    let method = if with_baseline { "swing from a synthetic prior election" } else { "by region ratios" };
    println!("\n{n} synthetic elections of 5,000 precincts × 2 reporting orders; {method}\n");
    println!("| reported | projections shown | 90% interval coverage | mean width (pp) |\n|---|---|---|---|");
    for (f, (cov, ints, width, shown, tried)) in fractions.iter().zip(stats) {
        println!(
            "| {:.0}% | {shown}/{tried} | {:.1}% ({cov}/{ints}) | {:.2} |",
            f * 100.0,
            100.0 * cov as f64 / ints.max(1) as f64,
            100.0 * width / ints.max(1) as f64
        );
    }
}
