//! The readable result table `tally` prints.

use std::fmt::Write;

use crate::hub::Summary;
use crate::text::{clean, fit, pad, percent, thousands, width};

/// Candidate share as an exact two-decimal percentage.
fn share(votes: u64, valid: u64) -> String {
    percent(votes, valid)
}

pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let title = s.election.name.clone().or_else(|| s.election.id.clone()).unwrap_or_else(|| "Election".into());
    let _ = writeln!(out, "{}  [{}]", clean(&title), s.election.contest);
    if s.election.synthetic {
        let _ = writeln!(out, "(synthetic precinct figures)");
    }
    let expected =
        s.precincts_expected.map(|e| format!(" of {} ({})", thousands(e), percent(s.precincts_reporting, e)));
    let _ = writeln!(out, "Precincts reporting  {}{}", thousands(s.precincts_reporting), expected.unwrap_or_default());
    let _ = writeln!(
        out,
        "Registered {}   Ballots {}   Invalid {}   Valid {}   Turnout {}",
        thousands(s.registered),
        thousands(s.ballots),
        thousands(s.invalid),
        thousands(s.valid),
        percent(s.ballots, s.registered)
    );
    if let Some(t) = &s.as_of {
        let _ = writeln!(out, "Data as of {t}");
    }
    let name_w = s.candidates.iter().map(|c| width(&clean(&c.name))).max().unwrap_or(9).clamp(9, 40);
    let with_seats = s.candidates.iter().any(|c| c.seats.is_some());
    let _ = writeln!(out);
    let _ = write!(out, "{}  {:>12}  {:>7}", pad("Candidate", name_w), "Votes", "Share");
    let _ = writeln!(out, "{}", if with_seats { "  Seats" } else { "" });
    for c in &s.candidates {
        let _ = write!(out, "{}  {:>12}  {:>7}", pad(&c.name, name_w), thousands(c.votes), share(c.votes, s.valid));
        let _ = writeln!(out, "{}", c.seats.map(|n| format!("  {n:>5}")).unwrap_or_default());
    }
    if !s.regions.is_empty() {
        let rw = s.regions.iter().map(|r| width(&clean(&r.name))).max().unwrap_or(6).clamp(6, 32);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}  {:>15}  {:>8}  {}  {:>9}",
            pad("Region", rw),
            "Reporting",
            "Turnout",
            pad("Leader", 24),
            "Anomalies"
        );
        for r in &s.regions {
            let reporting = match r.precincts_expected {
                Some(e) => format!("{}/{}", thousands(r.precincts_reporting), thousands(e)),
                None => thousands(r.precincts_reporting),
            };
            let leader = r
                .leader
                .as_ref()
                .map(|l| {
                    let name = s.candidates.iter().find(|c| &c.id == l).map_or(l.as_str(), |c| c.name.as_str());
                    format!("{} +{}", fit(name, 14), thousands(r.margin.unwrap_or(0)))
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}  {:>15}  {:>8}  {}  {:>9}",
                pad(&r.name, rw),
                reporting,
                percent(r.ballots, r.registered),
                pad(&leader, 24),
                r.anomalies
            );
        }
    }
    section(
        &mut out,
        "Held out of the totals",
        s.held.iter().map(|h| format!("{}: {}", clean(&h.precinct), clean(&h.reason))),
    );
    section(
        &mut out,
        "Anomalies",
        s.anomalies.iter().map(|a| {
            format!(
                "[{}] {} {}: {}",
                a.severity.as_str(),
                a.kind,
                clean(a.precinct.as_deref().unwrap_or("-")),
                clean(&a.message)
            )
        }),
    );
    section(&mut out, "Rejected", s.rejected.iter().map(|r| format!("{}: {}", clean(&r.source), clean(&r.error))));
    out
}

/// A titled list, cut at 20 lines with a count of the rest.
fn section(out: &mut String, title: &str, lines: impl ExactSizeIterator<Item = String>) {
    let n = lines.len();
    if n == 0 {
        return;
    }
    let _ = writeln!(out, "\n{title} ({})", thousands(n as u64));
    for l in lines.take(20) {
        let _ = writeln!(out, "  {l}");
    }
    if n > 20 {
        let _ = writeln!(out, "  … and {} more (see --json)", thousands(n as u64 - 20));
    }
}
