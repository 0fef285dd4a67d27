//! The readable result table `tally` prints: the totals, the candidates with the projection
//! and the call, the regions, and every held precinct, anomaly (most severe first) and
//! rejection. Feed text goes through [`crate::text`]; a name too long for its column is cut
//! with "…", never silently.

use std::fmt::Write;

use crate::analysis::projection::Projection;
use crate::hub::Summary;
use crate::text::{clean, pad, percent, percent1, rpad, thousands, width};

/// The widest a name column grows; longer names end in "…".
const NAME_MAX: usize = 40;

/// A 0–1 fraction as a percentage with one decimal ("81.3%").
fn pct(x: f64) -> String {
    percent1((x.clamp(0.0, 1.0) * 1e6).round() as u64, 1_000_000)
}

/// A 0–1 interval as "81.2–81.4%".
fn range(low: f64, high: f64) -> String {
    format!("{}–{}", pct(low).trim_end_matches('%'), pct(high))
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
        let _ = writeln!(out, "Data as of {}", clean(t));
    }
    candidates(&mut out, s);
    if let Some(p) = &s.projection {
        projection(&mut out, s, p);
    }
    regions(&mut out, s);
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
                clean(a.precinct.as_deref().or(a.region.as_deref()).unwrap_or("national")),
                clean(&a.message)
            )
        }),
    );
    section(&mut out, "Rejected", s.rejected.iter().map(|r| format!("{}: {}", clean(&r.source), clean(&r.error))));
    out
}

/// The candidates: counted votes and share, seats on the count, and the projection's share
/// with its 90% interval (and projected seats with their range).
fn candidates(out: &mut String, s: &Summary) {
    let name_w = s.candidates.iter().map(|c| width(&clean(&c.name))).max().unwrap_or(0).clamp(9, NAME_MAX);
    let p = s.projection.as_ref().filter(|p| p.waiting.is_none() && !p.candidates.is_empty());
    let with_seats = s.candidates.iter().any(|c| c.seats.is_some());
    let projected_seats = p.and_then(|p| p.seats.as_ref());
    let _ = writeln!(out);
    let _ = write!(out, "{}  {:>12}  {:>7}", pad("Candidate", name_w), "Votes", "Share");
    if with_seats {
        let _ = write!(out, "  {:>5}", "Seats");
    }
    if p.is_some() {
        let _ = write!(out, "  {:>9}  {:>11}", "Projected", "90% range");
    }
    if projected_seats.is_some() {
        let _ = write!(out, "  {:>11}  {:>10}", "Proj. seats", "Threshold");
    }
    let _ = writeln!(out);
    for c in &s.candidates {
        let _ = write!(out, "{}  {:>12}  {:>7}", pad(&c.name, name_w), thousands(c.votes), percent(c.votes, s.valid));
        if with_seats {
            let _ = write!(out, "  {:>5}", c.seats.map(|n| n.to_string()).unwrap_or_default());
        }
        if let Some(p) = p {
            let share = p.candidates.iter().find(|x| x.id == c.id);
            let (point, interval) = share.map_or_else(Default::default, |x| (pct(x.share), range(x.low, x.high)));
            let _ = write!(out, "  {point:>9}  {interval:>11}");
        }
        if let Some(seats) = projected_seats {
            let (n, chance) = seats.iter().find(|x| x.id == c.id).map_or_else(Default::default, |x| {
                let n =
                    if x.low == x.high { x.seats.to_string() } else { format!("{} ({}–{})", x.seats, x.low, x.high) };
                (n, format!("{} pass", pct(x.pass_chance)))
            });
            let _ = write!(out, "  {n:>11}  {chance:>10}");
        }
        let _ = writeln!(out);
    }
}

/// The projection's call (or what it waits for), how it was made, and the projected turnout.
fn projection(out: &mut String, s: &Summary, p: &Projection) {
    let _ = writeln!(out);
    if let Some(waiting) = &p.waiting {
        let _ = writeln!(out, "Projection: {}", clean(waiting));
    } else {
        let leader = p.candidates.first().and_then(|l| s.candidates.iter().find(|c| c.id == l.id));
        match (&p.call, leader, &p.seats) {
            (Some(call), Some(l), _) if call == "projected outright win" => {
                let _ = writeln!(out, "Call: {call} for {}", clean(&l.name));
            }
            (Some(call), _, _) => {
                let _ = writeln!(out, "Call: {call}");
            }
            (None, _, Some(_)) => {
                let seats = s.election.seats.map(|n| format!("{n} seats")).unwrap_or_else(|| "seats".into());
                let threshold = s.election.threshold.map(|t| format!(", threshold {}", pct(t))).unwrap_or_default();
                let _ = writeln!(out, "Seats: projected as above ({seats}{threshold}; 90% ranges)");
            }
            (None, _, None) => {
                let _ = writeln!(out, "Call: none (the manifest gives no majority to call against)");
            }
        }
        let how = match &p.baseline {
            Some(b) if p.method == "swing" => format!(
                "by swing from {} ({} of {} reported precincts in it, {}; {} of the missing voters placed by it)",
                clean(&b.source),
                thousands(b.matched_reported as u64),
                thousands(b.reported as u64),
                percent1(b.matched_reported as u64, b.reported as u64),
                pct(b.swing_share_of_missing)
            ),
            _ => "by region ratios".into(),
        };
        let turnout = p.turnout.as_ref().map(|t| format!("; turnout {} ({})", pct(t.value), range(t.low, t.high)));
        let _ = writeln!(
            out,
            "Projected {how}, {} of the electorate in{}",
            pct(p.reported_fraction),
            turnout.unwrap_or_default()
        );
    }
    if let Some(w) = p.baseline.as_ref().and_then(|b| b.warning.as_ref()) {
        let _ = writeln!(out, "Baseline warning: {}", clean(w));
    }
}

fn regions(out: &mut String, s: &Summary) {
    if s.regions.is_empty() {
        return;
    }
    let name_of = |id: &str| s.candidate_name(id).to_string();
    let rw = s.regions.iter().map(|r| width(&clean(&r.name))).max().unwrap_or(0).clamp(6, NAME_MAX);
    let lw = s.regions.iter().filter_map(|r| r.leader.as_deref()).map(|l| width(&clean(&name_of(l)))).max();
    let lw = lw.unwrap_or(0).clamp(6, NAME_MAX);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}  {:>15}  {:>8}  {}  {:>10}  {:>9}",
        pad("Region", rw),
        "Reporting",
        "Turnout",
        pad("Leader", lw),
        "Margin",
        "Anomalies"
    );
    for r in &s.regions {
        let reporting = match r.precincts_expected {
            Some(e) => format!("{}/{}", thousands(r.precincts_reporting), thousands(e)),
            None => thousands(r.precincts_reporting),
        };
        let leader = r.leader.as_deref().map(name_of).unwrap_or_default();
        let margin = r.margin.filter(|_| r.leader.is_some()).map(|m| format!("+{}", thousands(m))).unwrap_or_default();
        let _ = writeln!(
            out,
            "{}  {:>15}  {:>8}  {}  {}  {:>9}",
            pad(&r.name, rw),
            reporting,
            percent(r.ballots, r.registered),
            pad(&leader, lw),
            rpad(&margin, 10),
            r.anomalies
        );
    }
}

/// A titled list, whole.
fn section(out: &mut String, title: &str, lines: impl ExactSizeIterator<Item = String>) {
    let n = lines.len();
    if n == 0 {
        return;
    }
    let _ = writeln!(out, "\n{title} ({})", thousands(n as u64));
    for l in lines {
        let _ = writeln!(out, "  {l}");
    }
}
