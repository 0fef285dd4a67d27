//! What a source hands on: a change in what one of its files says (or a new count). Sources
//! produce changes and know nothing of who applies them; the engine applies them and knows
//! nothing of where they came from; a recording is a list of them.

use super::{Batch, Loc, Manifest, Report};

#[derive(Debug, Clone)]
pub enum Change {
    /// What `source` gave from `from` on (`Loc::Whole`: all of it) is now `batch` (an empty
    /// batch: nothing — the file is gone, or its tail withdrawn).
    Replace { source: String, from: Loc, batch: Batch },
    /// The place `at` of `source` now holds this report, or this refusal (a recording's step).
    Set { source: String, at: Loc, entry: Result<Report, String> },
    /// The place `at` of `source` holds nothing any more.
    Drop { source: String, at: Loc },
    /// A new count under this manifest (or none): everything before is gone.
    Reset(Option<Box<Manifest>>),
}

impl Change {
    /// Everything `source` gave is gone.
    pub fn forget(source: &str) -> Change {
        Change::Replace { source: source.to_string(), from: Loc::Whole, batch: Batch::default() }
    }
}
