//! votewatch: watch an election count live in a terminal.
pub mod synth;
