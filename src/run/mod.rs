//! The commands: each wires sources, the engine and a view together.

pub mod dashboard;
pub mod replay;
pub mod synth;
pub mod tally;
pub mod watch;
