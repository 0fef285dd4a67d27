//! A replay applied to an engine on the caller's own thread, step by step — for benchmarks,
//! tests and one-off pictures that want the state at given points of a night.

use crate::engine::Engine;
use crate::source::FeedSpec;
use crate::source::replay::{Replay, Script};

pub struct Playback {
    pub replay: Replay,
    pub engine: Engine,
}

impl Playback {
    /// A replay of `script` at `speed` (feed seconds a second; `None`: as fast as it goes),
    /// started: nothing applied but the refusals.
    pub fn new(spec: FeedSpec, script: Script, speed: Option<f64>) -> Playback {
        let mut replay = Replay::new(spec, script, speed);
        let mut engine = Engine::new(None);
        replay.start(&mut |c, t| engine.apply(c, t));
        Playback { replay, engine }
    }

    /// Applies the script up to `position` arrivals (forward only).
    pub fn advance_to(&mut self, position: usize) {
        let engine = &mut self.engine;
        self.replay.advance_to(position, &mut |c, t| engine.apply(c, t));
    }

    /// Applies the whole script.
    pub fn finish(&mut self) {
        let engine = &mut self.engine;
        self.replay.finish(&mut |c, t| engine.apply(c, t));
    }
}
