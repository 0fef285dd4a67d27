//! `tally --format csv`: the votes as one tidy table a spreadsheet loads as it is — a row per
//! area (the nation, then each region) and candidate, each row carrying its area's totals.
//! The columns ([`COLUMNS`]) are a stable contract (docs/FEED-FORMAT.md §10): new ones are
//! only ever added at the end.
//!
//! Numbers are plain (no thousands separators); fractions are 0–1 with six decimals; an unknown
//! value is an empty cell. Text is cleaned as for the terminal (no control, bidirectional or
//! invisible characters), and a cell that a spreadsheet would take for a formula (starting
//! with `=`, `+`, `-` or `@`) is written with a leading `'`.

use std::io::Write;

use crate::hub::Summary;

pub const COLUMNS: [&str; 21] = [
    "level",
    "region_id",
    "region_name",
    "precincts_reporting",
    "precincts_expected",
    "registered",
    "ballots",
    "invalid",
    "valid",
    "turnout",
    "candidate_id",
    "candidate_name",
    "party",
    "votes",
    "share",
    "rank",
    "seats",
    "projected_share",
    "projected_low",
    "projected_high",
    "projected_seats",
];

/// A fraction with six decimals.
fn fraction(x: f64) -> String {
    format!("{x:.6}")
}

fn ratio(num: u64, den: u64) -> String {
    if den == 0 { String::new() } else { fraction(num as f64 / den as f64) }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Feed text as a cell: cleaned, and never read as a formula.
pub fn text(s: &str) -> String {
    let s = crate::text::clean(s);
    if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s }
}

/// One area's totals (the columns before the candidate's).
struct Area {
    level: &'static str,
    id: String,
    name: String,
    reporting: u64,
    expected: Option<u64>,
    registered: u64,
    ballots: u64,
    invalid: u64,
    valid: u64,
}

impl Area {
    fn cells(&self) -> Vec<String> {
        vec![
            self.level.to_string(),
            text(&self.id),
            text(&self.name),
            self.reporting.to_string(),
            opt(self.expected),
            self.registered.to_string(),
            self.ballots.to_string(),
            self.invalid.to_string(),
            self.valid.to_string(),
            ratio(self.ballots, self.registered),
        ]
    }
}

/// Ranks of `votes` (1 = most; equal votes share a rank).
fn ranks(votes: &[u64]) -> Vec<usize> {
    votes.iter().map(|v| 1 + votes.iter().filter(|w| *w > v).count()).collect()
}

/// The csv crate's error as the I/O error it wraps (so a closed pipe stays a closed pipe).
fn io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

pub fn write<W: Write>(w: W, s: &Summary) -> std::io::Result<()> {
    write_rows(w, s).map_err(io)
}

fn write_rows<W: Write>(w: W, s: &Summary) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(COLUMNS)?;
    let national = Area {
        level: "national",
        id: String::new(),
        name: String::new(),
        reporting: s.precincts_reporting,
        expected: s.precincts_expected,
        registered: s.registered,
        ballots: s.ballots,
        invalid: s.invalid,
        valid: s.valid,
    };
    let projected = s.projection.as_ref().filter(|p| p.waiting.is_none());
    let votes: Vec<u64> = s.candidates.iter().map(|c| c.votes).collect();
    for (c, rank) in s.candidates.iter().zip(ranks(&votes)) {
        let share = projected.and_then(|p| p.candidates.iter().find(|x| x.id == c.id));
        let seats = projected.and_then(|p| p.seats.as_ref()).and_then(|ss| ss.iter().find(|x| x.id == c.id));
        let mut row = national.cells();
        row.extend([
            text(&c.id),
            text(&c.name),
            c.party.as_deref().map(text).unwrap_or_default(),
            c.votes.to_string(),
            ratio(c.votes, s.valid),
            rank.to_string(),
            opt(c.seats),
            opt(share.map(|x| fraction(x.share))),
            opt(share.map(|x| fraction(x.low))),
            opt(share.map(|x| fraction(x.high))),
            opt(seats.map(|x| x.seats)),
        ]);
        out.write_record(&row)?;
    }
    for r in &s.regions {
        let area = Area {
            level: "region",
            id: r.id.to_string(),
            name: r.name.to_string(),
            reporting: r.precincts_reporting,
            expected: r.precincts_expected,
            registered: r.registered,
            ballots: r.ballots,
            invalid: r.invalid,
            valid: r.valid,
        };
        let votes: Vec<u64> = s.candidates.iter().map(|c| r.votes.get(c.id.as_str()).copied().unwrap_or(0)).collect();
        for ((c, v), rank) in s.candidates.iter().zip(&votes).zip(ranks(&votes)) {
            let mut row = area.cells();
            row.extend([
                text(&c.id),
                text(&c.name),
                c.party.as_deref().map(text).unwrap_or_default(),
                v.to_string(),
                ratio(*v, r.valid),
                rank.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            out.write_record(&row)?;
        }
    }
    Ok(out.flush()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_never_read_as_formulas_nor_drive_a_terminal() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("+1"), "'+1");
        assert_eq!(text("-"), "'-");
        assert_eq!(text("@x"), "'@x");
        assert_eq!(text("\u{1b}[31mRed"), "[31mRed");
        assert_eq!(text("Kassym-Jomart"), "Kassym-Jomart");
        assert_eq!(ranks(&[5, 9, 5, 0]), vec![2, 1, 2, 4]);
        assert_eq!(ratio(1, 3), "0.333333");
        assert_eq!(ratio(1, 0), "");
    }
}
