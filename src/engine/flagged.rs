//! The integrity anomalies of the counted reports, in words: each flag with its message (the
//! checks themselves are in `precinct.rs` and `identical.rs`).

use crate::text::{percent1, thousands};

use super::Engine;
use super::anomaly::{Anomaly, Flag, Kind};
use super::anomaly::{merge_anomalies, sort_anomalies};
use super::precinct::{Entry, Precinct};

fn region_id(engine: &Engine, p: &Precinct) -> Option<super::anomaly::Shared> {
    p.region().map(|r| engine.regions.items[r as usize].id.clone())
}

fn candidate_id(engine: &Engine, c: usize) -> &str {
    &engine.candidates.items[c].id
}

fn source_of(engine: &Engine, e: &Entry) -> String {
    e.loc.source(engine.files.id(e.file))
}

pub(super) fn conflict_message(engine: &Engine, p: &Precinct) -> String {
    let rev = p.max_revision().unwrap_or(0);
    let distinct = p.distinct_at(rev).len();
    let mut sources: Vec<String> =
        p.entries.iter().filter(|e| e.revision == rev).map(|e| source_of(engine, e)).collect();
    sources.sort();
    format!(
        "{distinct} different reports for revision {rev} ({}); held out of the totals until a higher revision arrives",
        sources.join(", ")
    )
}

/// Precinct `p`'s integrity flags in words (the engine keeps them while the precinct stands).
pub(super) fn said(engine: &Engine, pi: u32) -> Vec<Anomaly> {
    let p = &engine.precincts.items[pi as usize];
    let mut out = Vec::new();
    for kind in Kind::ALL {
        if p.has(kind)
            && let Some(message) = message(engine, p, kind)
        {
            out.push(
                Flag {
                    kind: kind.name(),
                    severity: kind.severity(),
                    precinct: Some(engine.precincts.id(pi).into()),
                    region: region_id(engine, p),
                    message: message.into(),
                }
                .into(),
            );
        }
    }
    out
}

/// All anomalies, most severe first, then by kind and precinct: the precincts' own flags, in
/// order since they last changed (sorted once then, not at every count), with the identical
/// results (said afresh: how many precincts share a total moves with every report) merged in.
pub fn anomalies(engine: &Engine) -> Vec<Anomaly> {
    let own = engine.flags_in_order.get_or_init(|| {
        let mut all: Vec<Anomaly> = engine.flagged.values().flatten().cloned().collect();
        sort_anomalies(&mut all);
        all
    });
    debug_assert!(
        own.len() == engine.flagged.values().map(Vec::len).sum::<usize>(),
        "the flags in order are let go of whenever a precinct's flags change"
    );
    merge_anomalies(own.clone(), &identical(engine))
}

/// The identical-results flags, in the count's order.
fn identical(engine: &Engine) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for (g, same_total) in engine.identical_groups() {
        let (group, chance) = (&g.precincts, g.chance);
        let expected = super::identical::expected_by_chance(chance, same_total);
        for &pi in group {
            let p = &engine.precincts.items[pi as usize];
            let mut twins: Vec<&str> = group.iter().filter(|&&q| q != pi).map(|&q| engine.precincts.id(q)).collect();
            twins.sort();
            out.push(Flag {
                kind: Kind::IdenticalResults.name(),
                severity: Kind::IdenticalResults.severity(),
                precinct: Some(engine.precincts.id(pi).into()),
                region: region_id(engine, p),
                message: format!(
                    "exactly the same votes as {} ({} valid votes; a chance match is about 1 in {} per precinct of that total, and {} counted precincts have it: {:.1e} chance matches expected in the feed)",
                    twins.join(", "),
                    thousands(g.total),
                    thousands((1.0 / chance).min(1e18) as u64),
                    thousands(same_total as u64),
                    expected
                )
                .into(),
            }.into());
        }
    }
    sort_anomalies(&mut out);
    out
}

fn message(engine: &Engine, p: &Precinct, kind: Kind) -> Option<String> {
    Some(match kind {
        Kind::TurnoutOver100 => {
            let c = p.counted()?;
            format!(
                "ballots {} exceed registered voters {} (turnout {})",
                thousands(c.ballots.into()),
                thousands(c.registered.into()),
                percent1(c.ballots.into(), c.registered.into())
            )
        }
        Kind::SumMismatch => {
            let c = p.counted()?;
            let accounted = c.valid() + u64::from(c.invalid);
            let ballots = u64::from(c.ballots);
            let diff = if accounted > ballots {
                format!("{} more than the ballots", thousands(accounted - ballots))
            } else {
                let n = ballots - accounted;
                format!("{} ballot{} unaccounted for", thousands(n), if n == 1 { "" } else { "s" })
            };
            format!(
                "votes {} + invalid {} = {}, but ballots = {} ({diff})",
                thousands(c.valid()),
                thousands(c.invalid.into()),
                thousands(accounted),
                thousands(ballots)
            )
        }
        Kind::RevisionConflict => conflict_message(engine, p),
        Kind::VotesDecreased => {
            let (lo, hi, what, before, after) = p.votes_decreased()?;
            let what = match what {
                None => "fewer ballots".to_string(),
                Some(c) => format!("fewer votes for {}", candidate_id(engine, c)),
            };
            format!(
                "revision {} has {what} than revision {}: {} < {}",
                hi.revision,
                lo.revision,
                thousands(after.into()),
                thousands(before.into())
            )
        }
        Kind::RegisteredChanged => {
            let (a, b) = p.registered_changed()?;
            format!(
                "registered voters changed from {} (revision {}) to {} (revision {})",
                thousands(a.registered.into()),
                a.revision,
                thousands(b.registered.into()),
                b.revision
            )
        }
        Kind::EarlyReport => {
            let c = p.counted()?;
            let close = engine.polls_close.get(c.region as usize).copied().flatten()?;
            let offset = c.reported_at().offset_seconds;
            let close_local = crate::feed::Timestamp { unix: close, offset_seconds: offset }.to_rfc3339();
            format!("reported at {}, before polls closed at {close_local}", c.reported_at().to_rfc3339())
        }
        Kind::Unanimous => {
            let c = p.counted()?;
            let valid = c.valid();
            let (top, v) = c.votes.iter().enumerate().max_by_key(|(_, v)| **v)?;
            format!(
                "turnout {}{} and {} {} of valid votes ({} registered)",
                percent1(c.voted().into(), c.registered.into()),
                if c.issued().is_some() { " of ballots issued" } else { "" },
                candidate_id(engine, top),
                percent1((*v).into(), valid),
                thousands(c.registered.into())
            )
        }
        Kind::IdenticalResults => return None,
    })
}
