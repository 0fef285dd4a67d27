//! A short run of the readers' fuzzer (tests/common/fuzz.rs) on every push: no panic, no
//! input over a second, every refusal one short line naming its place. The long run:
//! `cargo bench --bench fuzz -- 10000000`.

mod common;

use common::fuzz;

#[test]
fn every_reader_survives_mutated_input() {
    // Silence the panic hook's output: a panic is caught and reported as a failure.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut inputs = 0;
    for (name, reader, seeds) in fuzz::targets() {
        let run = fuzz::run(name, reader, &seeds, 4_000, 20_261_129);
        inputs += run.inputs;
        assert!(run.reports > 0 && run.refusals > 0, "{name}: the run reached both reads and refusals: {run:?}");
        failures.extend(run.failures);
    }
    std::panic::set_hook(hook);
    assert!(failures.is_empty(), "{} of {inputs} inputs failed:\n{}", failures.len(), failures.join("\n"));
}
