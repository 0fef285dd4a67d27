//! The long run of the readers' fuzzer (tests/common/fuzz.rs): `cargo bench --bench fuzz --
//! 10000000` feeds that many mutated inputs, spread over the readers and the machine's cores,
//! and prints inputs, reads, refusals, the slowest input and every failure (a panic, an input
//! over a second, a refusal that is not one short line naming its place).

#[path = "../tests/common/fuzz.rs"]
mod fuzz;

use std::time::Instant;

fn main() {
    let total: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    std::panic::set_hook(Box::new(|_| {}));
    let targets = fuzz::targets();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let per = total / (targets.len() as u64 * threads);
    let start = Instant::now();
    // One thread per core, each going through every reader in turn (so that timings are not
    // inflated by more threads than cores).
    let runs: Vec<(String, fuzz::Run)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let targets = &targets;
                s.spawn(move || {
                    targets
                        .iter()
                        .map(|(name, reader, seeds)| {
                            (name.to_string(), fuzz::run(name, *reader, seeds, per, 1 + t * 7919))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let mut inputs = 0;
    let mut failures = Vec::new();
    println!("| reader | inputs | reads | refusals | slowest |\n|---|---|---|---|---|");
    let mut by_name: std::collections::BTreeMap<String, (u64, u64, u64, std::time::Duration)> = Default::default();
    for (name, run) in runs {
        inputs += run.inputs;
        let e = by_name.entry(name).or_default();
        e.0 += run.inputs;
        e.1 += run.reports;
        e.2 += run.refusals;
        e.3 = e.3.max(run.slowest);
        failures.extend(run.failures);
    }
    for (name, (n, r, f, slow)) in by_name {
        println!("| {name} | {n} | {r} | {f} | {slow:.1?} |");
    }
    println!(
        "\n{inputs} inputs in {:.0} s on {threads} threads: {} failures",
        start.elapsed().as_secs_f64(),
        failures.len()
    );
    for f in &failures {
        println!("  {f}");
    }
}
