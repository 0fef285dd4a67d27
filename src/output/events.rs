//! The headless event stream: one JSON object a line, each with an `event` field.

use std::collections::HashSet;
use std::io::Write;

use serde::Serialize;

use crate::engine::Summary;
use crate::engine::anomaly::Anomaly;
use crate::engine::snapshot::Rejected;

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    event: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

/// Writes one event line.
pub fn write_event<T: Serialize>(out: &mut impl Write, event: &str, body: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &Tagged { event, body })?;
    out.write_all(b"\n")
}

/// Remembers what was already announced, so each anomaly and rejection is told once (and
/// an anomaly that stops applying is told as cleared).
#[derive(Default)]
pub struct Announcer {
    anomalies: HashSet<Anomaly>,
    rejected: HashSet<Rejected>,
}

impl Announcer {
    /// Writes `anomaly`, `anomaly_cleared`, `rejected` and `rejected_cleared` events for what
    /// changed since the last call.
    pub fn announce(&mut self, out: &mut impl Write, s: &Summary) -> std::io::Result<()> {
        let now: HashSet<&Anomaly> = s.anomalies.iter().collect();
        let mut cleared: Vec<&Anomaly> = self.anomalies.iter().filter(|a| !now.contains(a)).collect();
        cleared.sort();
        for a in cleared {
            write_event(out, "anomaly_cleared", a)?;
        }
        for a in &s.anomalies {
            if !self.anomalies.contains(a) {
                write_event(out, "anomaly", a)?;
            }
        }
        self.anomalies = s.anomalies.iter().cloned().collect();
        let now: HashSet<&Rejected> = s.rejected.iter().collect();
        let mut fixed: Vec<&Rejected> = self.rejected.iter().filter(|r| !now.contains(r)).collect();
        fixed.sort();
        for r in fixed {
            write_event(out, "rejected_cleared", r)?;
        }
        for r in &s.rejected {
            if !self.rejected.contains(r) {
                write_event(out, "rejected", r)?;
            }
        }
        self.rejected = s.rejected.iter().cloned().collect();
        Ok(())
    }
}
