//! The commands: each wires sources, the engine and a view together.

pub mod dashboard;
pub mod replay;
pub mod serve;
pub mod synth;
pub mod tally;
pub mod watch;

/// An error in how the command was called (exit status 2); every other error is a runtime or
/// data problem (exit status 1).
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// The exit status for an error: 2 for a usage error, 1 for the rest.
pub fn exit_status(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<Usage>().is_some() { 2 } else { 1 }
}
