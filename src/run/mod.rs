//! The commands: each wires sources, the engine and a view together.

pub mod dashboard;
pub mod demo;
pub mod meta;
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

/// A `--fail-on` condition met (exit status 3), said after the output was written.
#[derive(Debug)]
pub struct Flagged(pub String);

impl std::fmt::Display for Flagged {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Flagged {}

/// The exit status for an error: 2 for a usage error, 3 for a `--fail-on` condition met, 1 for
/// the rest (a runtime or data problem).
pub fn exit_status(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<Usage>().is_some() {
        2
    } else if e.downcast_ref::<Flagged>().is_some() {
        3
    } else {
        1
    }
}

/// What `--fail-on` finds in `summary`: an error with exit status 3 naming each condition met
/// and how often, or nothing.
pub fn fail_on(summary: &crate::hub::Summary, what: &[crate::cli::FailOn]) -> anyhow::Result<()> {
    use crate::cli::FailOn;
    use crate::engine::anomaly::Severity;
    let mut what = what.to_vec();
    what.sort_unstable();
    what.dedup();
    let plural = |n: usize, one: &str, many: &str| {
        format!("{} {}", crate::text::thousands(n as u64), if n == 1 { one } else { many })
    };
    let at_least = |s: Severity| summary.anomalies.iter().filter(|a| a.severity >= s).count();
    let found: Vec<String> = what
        .iter()
        .filter_map(|w| {
            let (n, one, many) = match w {
                FailOn::Critical => (at_least(Severity::Critical), "critical anomaly", "critical anomalies"),
                FailOn::Warning => (
                    at_least(Severity::Warning),
                    "anomaly of severity warning or critical",
                    "anomalies of severity warning or critical",
                ),
                FailOn::Rejected => (summary.rejected.len(), "rejection", "rejections"),
                FailOn::Held => (summary.held.len(), "held precinct", "held precincts"),
            };
            (n > 0).then(|| plural(n, one, many))
        })
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(Flagged(format!("--fail-on: {}", found.join(", "))).into())
}

/// Says on stderr what the projection says of its baseline when few precincts matched.
pub fn warn_baseline(summary: &crate::hub::Summary) {
    if let Some(w) = summary.baseline_warning() {
        crate::text::warn(&format!("--baseline: {w}"));
    }
}

/// Asks the kernel for no transparent huge pages in this process (what the allocator's own
/// `MIMALLOC_ALLOW_THP=0` does), before anything is read. The allocator gives each thread
/// pages of its own: with huge pages every 2 MB a thread touches is resident whole — about
/// 5 MB a `serve` viewer against about 1 MB (`cargo bench --bench serve`) — and a `tally` of
/// a million reports spent 0.8–1.6 s of system time on them, against 0.35–0.7 s, with ~20 MB
/// more at its peak.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and only sets a flag of the
    // process; on failure (an old kernel) nothing changes.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn the_process_asks_for_no_huge_pages() {
        super::no_huge_pages();
        // SAFETY: reads the flag just set.
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }, 1);
    }
}
