//! What one viewer asks to see closer — a region's precincts, a precinct's reports side by
//! side, a fingerprint — answered by the hub for each viewer, once per state of the count
//! however many viewers ask the same.

use crate::engine::{Count, Engine};

/// One precinct as the region drill-down lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecinctRow {
    pub id: String,
    pub registered: u64,
    pub ballots: u64,
    pub invalid: u64,
    pub valid: u64,
    /// The leading candidate's id and votes.
    pub leader: Option<(String, u64)>,
    pub held: bool,
    pub flags: usize,
    pub revision: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegionDetail {
    pub id: String,
    pub name: String,
    pub precincts: Vec<PrecinctRow>,
    /// Counted precincts by turnout, in 5-point bins (0–5%, …, 95–100%, over 100%).
    pub turnout_bins: [u64; 21],
}

/// One report of a precinct, as the detail view sets them side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportColumn {
    pub source: String,
    pub revision: u32,
    pub reported_at: Option<String>,
    pub registered: u64,
    pub ballots: u64,
    pub invalid: u64,
    /// Votes in candidate order of the summary's candidate list.
    pub votes: Vec<u64>,
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrecinctDetail {
    pub id: String,
    pub region: Option<String>,
    pub reports: Vec<ReportColumn>,
}

/// What the viewer wants details of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Focus {
    pub region: Option<String>,
    pub precinct: Option<String>,
    /// The fingerprint, binned at the resolution it will be drawn at.
    pub fingerprint: Option<FingerprintRequest>,
}

/// A fingerprint of the nation (`region: None`) or a region, on a `cols` × `rows` grid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FingerprintRequest {
    pub region: Option<String>,
    pub cols: u16,
    pub rows: u16,
}

/// The election fingerprint (Klimek et al., PNAS 2012): counted precincts as a 2D histogram of
/// turnout (x, ballots over registered) against the national leader's share of valid votes
/// (y), both in [0, 1] cut into `cols` × `rows` equal cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Fingerprint {
    /// The region's id, or `None` for the nation.
    pub region: Option<String>,
    /// What to call the scope: "Nation" or the region's name (as the feed wrote it).
    pub scope: String,
    /// The national leader (id, name) whose share is the y axis.
    pub leader: Option<(String, String)>,
    pub cols: u16,
    pub rows: u16,
    /// Precincts per cell, row-major, row 0 the lowest share and column 0 the lowest turnout:
    /// `cells[row * cols + col]`.
    pub cells: Vec<u32>,
    /// Counted precincts in the histogram.
    pub plotted: u64,
    /// Counted precincts in the scope left out: no registered voters or no valid votes.
    pub left_out: u64,
    /// Of those plotted, turnout above 100% (drawn in the last column).
    pub above_full: u64,
    /// The fullest cell's count.
    pub max: u32,
}

/// The most cells a fingerprint is binned into (a side), whatever is asked.
pub const FINGERPRINT_MAX_SIDE: u16 = 1024;

impl Fingerprint {
    pub fn count(&self, col: u16, row: u16) -> u32 {
        if col >= self.cols || row >= self.rows {
            return 0;
        }
        self.cells[usize::from(row) * usize::from(self.cols) + usize::from(col)]
    }

    /// The fullest cell (col, row), the lowest such in row-major order; none when empty.
    pub fn peak(&self) -> Option<(u16, u16)> {
        if self.max == 0 {
            return None;
        }
        let i = self.cells.iter().position(|&n| n == self.max)?;
        let cols = usize::from(self.cols);
        Some(((i % cols) as u16, (i / cols) as u16))
    }
}

/// Builds the drill-down of a region.
pub fn region_detail(engine: &Engine, id: &str) -> Option<RegionDetail> {
    let r = engine.region_index(id)?;
    let meta = &engine.regions()[r as usize];
    let mut rows = Vec::new();
    let mut bins = [0u64; 21];
    for (id, p) in engine.precincts_with_ids() {
        if p.region() != Some(r) {
            continue;
        }
        let counted = p.counted();
        let (registered, ballots, invalid, valid) = counted
            .map_or((0, 0, 0, 0), |c| (u64::from(c.registered), u64::from(c.ballots), u64::from(c.invalid), c.valid()));
        let leader = counted.and_then(|c| {
            let (i, v) = c.votes.iter().enumerate().max_by_key(|(i, v)| (**v, std::cmp::Reverse(*i)))?;
            Some((engine.candidates()[i].id.clone(), u64::from(*v)))
        });
        if counted.is_some() && registered > 0 {
            bins[((ballots * 20 / registered) as usize).min(20)] += 1;
        }
        rows.push(PrecinctRow {
            id: id.to_string(),
            registered,
            ballots,
            invalid,
            valid,
            leader,
            held: p.is_held(),
            flags: p.flags.count_ones() as usize,
            revision: p.max_revision().unwrap_or(0),
        });
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    Some(RegionDetail { id: meta.id.to_string(), name: meta.name.to_string(), precincts: rows, turnout_bins: bins })
}

/// Builds the reports of a precinct, side by side, in revision order.
pub fn precinct_detail(engine: &Engine, summary: &Count, id: &str) -> Option<PrecinctDetail> {
    let p = engine.precinct(id)?;
    let order: Vec<usize> =
        summary.candidates.iter().filter_map(|c| engine.candidates().iter().position(|m| m.id == c.id)).collect();
    let counted = p.counted().map(|c| c as *const _);
    let mut reports: Vec<ReportColumn> = p
        .history()
        .into_iter()
        .map(|e| ReportColumn {
            source: e.loc.source(engine.file_path(e.file)),
            revision: e.revision,
            reported_at: e.explicit_time().then(|| e.reported_at().to_rfc3339()),
            registered: e.registered.into(),
            ballots: e.ballots.into(),
            invalid: e.invalid.into(),
            votes: order.iter().map(|&c| u64::from(e.vote(c))).collect(),
            counted: counted == Some(e as *const _),
        })
        .collect();
    reports.dedup_by(|a, b| a == b);
    let region = p.region().map(|r| engine.regions()[r as usize].id.to_string());
    Some(PrecinctDetail { id: id.to_string(), region, reports })
}

/// The fingerprint of the nation (`region: None`) or a region: counted precincts binned by
/// turnout and the national leader's share, exactly at `cols` × `rows` (each at least 1, at most
/// [`FINGERPRINT_MAX_SIDE`]). The leader is the national leader ([`super::snapshot::leader`]),
/// as in the timeline. Cell edges are exact: column `min(floor(ballots × cols / registered),
/// cols − 1)`, so turnout of 100% and above lands in the last column; rows likewise by leader's
/// votes over valid votes.
/// An unknown region gives an empty fingerprint named by its id.
pub fn fingerprint(engine: &Engine, summary: &Count, region: Option<&str>, cols: u16, rows: u16) -> Fingerprint {
    let cols = cols.clamp(1, FINGERPRINT_MAX_SIDE);
    let rows = rows.clamp(1, FINGERPRINT_MAX_SIDE);
    let (leader, leader_index) = super::snapshot::leader(engine, summary);
    let (scope, wanted) = match region {
        None => ("Nation".to_string(), None),
        Some(id) => match engine.region_index(id) {
            Some(r) => (engine.regions()[r as usize].name.to_string(), Some(Some(r))),
            None => (id.to_string(), Some(None)),
        },
    };
    let mut fp = Fingerprint {
        region: region.map(str::to_string),
        scope,
        leader: leader.map(|l| (l.id.clone(), l.name.clone())),
        cols,
        rows,
        cells: vec![0; usize::from(cols) * usize::from(rows)],
        plotted: 0,
        left_out: 0,
        above_full: 0,
        max: 0,
    };
    if wanted == Some(None) {
        return fp;
    }
    let bin = |num: u64, den: u64, n: u16| {
        ((u128::from(num) * u128::from(n) / u128::from(den)) as usize).min(usize::from(n) - 1)
    };
    for p in engine.precincts() {
        let Some(e) = p.counted() else { continue };
        if wanted.is_some_and(|r| Some(e.region) != r) {
            continue;
        }
        let (registered, ballots, valid) = (u64::from(e.registered), u64::from(e.ballots), e.valid());
        let Some(li) = leader_index.filter(|_| registered > 0 && valid > 0) else {
            fp.left_out += 1;
            continue;
        };
        let col = bin(ballots, registered, cols);
        let row = bin(u64::from(e.vote(li)), valid, rows);
        let cell = &mut fp.cells[row * usize::from(cols) + col];
        *cell += 1;
        fp.max = fp.max.max(*cell);
        fp.plotted += 1;
        fp.above_full += u64::from(ballots > registered);
    }
    fp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::report::parse_json_report;
    use crate::feed::{Batch, Loc, Manifest, Schema, Timestamp};

    const SEEN: Timestamp = Timestamp { unix: 1_700_000_000, offset_seconds: 0 };

    fn manifest() -> Manifest {
        Manifest::from_slice(
            br#"{"id":"t","name":"Test","date":"2022-11-20","polls_close":"20:00",
            "candidates":[{"id":"a","name":"Alice"},{"id":"b","name":"Bob"}],
            "regions":[{"id":"n","name":"North","utc_offset":"+06:00"},{"id":"s","name":"South","utc_offset":"+06:00"}]}"#,
        )
        .unwrap()
    }

    /// An engine holding these reports: (precinct, region, registered, ballots, a, b).
    fn engine(reports: &[(&str, &str, u32, u32, u32, u32)]) -> Engine {
        let m = manifest();
        let schema = Schema::from_manifest(Some(&m), 1 << 20);
        let mut e = Engine::new(Some(m));
        for (i, (p, r, reg, bal, a, b)) in reports.iter().enumerate() {
            let json = format!(
                r#"{{"precinct":"{p}","region":"{r}","reported_at":"2022-11-20T21:00:00+06:00","revision":1,"registered":{reg},"ballots":{bal},"invalid":{},"votes":{{"a":{a},"b":{b}}}}}"#,
                bal.saturating_sub(a + b)
            );
            let mut batch = Batch::default();
            batch.push(Loc::Whole, parse_json_report(json.as_bytes(), &schema));
            assert!(batch.rejections.is_empty(), "{:?}", batch.rejections);
            e.ingest(&format!("r{i}.json"), batch, SEEN);
        }
        e
    }

    fn sample() -> Engine {
        engine(&[
            // turnout 0.62 → col floor(6.2) = 6 of 10; share 70/100 → row floor(0.7 × 4) = 2 of 4
            ("N1", "n", 1000, 620, 420, 180),
            // the same cell: turnout 0.65, share 0.74
            ("N2", "n", 1000, 650, 481, 169),
            // exactly 100% turnout and a unanimous result: the last column and the last row
            ("N3", "n", 200, 200, 200, 0),
            // turnout 1.5 (above 100%): the last column; share 0.3 → row 1
            ("S1", "s", 100, 150, 45, 105),
            // an edge exactly: turnout 0.5 → col 5; share 0.25 → row 1
            ("S2", "s", 400, 200, 50, 150),
            // left out: nobody registered, then no valid votes
            ("S3", "s", 0, 10, 10, 0),
            ("S4", "s", 100, 40, 0, 0),
        ])
    }

    #[test]
    fn precincts_land_in_the_cells_computed_by_hand() {
        let e = sample();
        let s = e.count();
        assert_eq!(s.candidates[0].id, "a", "Alice leads: {:?}", s.candidates);
        let f = fingerprint(&e, &s, None, 10, 4);
        assert_eq!((f.cols, f.rows, f.cells.len()), (10, 4, 40));
        assert_eq!(f.scope, "Nation");
        assert_eq!(f.leader, Some(("a".to_string(), "Alice".to_string())));
        assert_eq!(f.count(6, 2), 2, "N1 and N2");
        assert_eq!(f.count(9, 3), 1, "N3: 100% turnout, 100% share");
        assert_eq!(f.count(9, 1), 1, "S1: above 100%, in the last column");
        assert_eq!(f.count(5, 1), 1, "S2: on the edges, in the upper cells");
        assert_eq!(f.cells.iter().sum::<u32>(), 5);
        assert_eq!((f.plotted, f.left_out, f.above_full, f.max), (5, 2, 1, 2));
        assert_eq!(f.peak(), Some((6, 2)));
        assert_eq!(f.cells[2 * 10 + 6], 2, "row-major, row 0 the lowest share");
    }

    #[test]
    fn a_region_holds_only_its_precincts() {
        let e = sample();
        let s = e.count();
        let north = fingerprint(&e, &s, Some("n"), 10, 4);
        assert_eq!((north.scope.as_str(), north.region.as_deref()), ("North", Some("n")));
        assert_eq!((north.plotted, north.left_out, north.above_full, north.max), (3, 0, 0, 2));
        assert_eq!((north.count(6, 2), north.count(9, 3), north.count(9, 1)), (2, 1, 0));
        let south = fingerprint(&e, &s, Some("s"), 10, 4);
        assert_eq!((south.plotted, south.left_out, south.above_full), (2, 2, 1));
        assert_eq!((south.count(9, 1), south.count(5, 1), south.count(6, 2)), (1, 1, 0));
        let unknown = fingerprint(&e, &s, Some("nowhere"), 10, 4);
        assert_eq!((unknown.scope.as_str(), unknown.plotted, unknown.max, unknown.peak()), ("nowhere", 0, 0, None));
    }

    #[test]
    fn out_of_range_grids_and_empty_counts() {
        let e = sample();
        let s = e.count();
        // A grid of one cell holds everything plotted; zero is read as one.
        let one = fingerprint(&e, &s, None, 0, 0);
        assert_eq!((one.cols, one.rows, one.cells.clone()), (1, 1, vec![5]));
        let huge = fingerprint(&e, &s, None, u16::MAX, 3);
        assert_eq!((huge.cols, huge.cells.len()), (FINGERPRINT_MAX_SIDE, usize::from(FINGERPRINT_MAX_SIDE) * 3));
        assert_eq!(huge.count(u16::MAX, 0), 0, "outside the grid is empty");
        // Before anything is counted there is no leader and nothing to plot.
        let empty = engine(&[]);
        let f = fingerprint(&empty, &empty.count(), None, 4, 4);
        assert_eq!((f.plotted, f.left_out, f.max, f.leader.clone()), (0, 0, 0, None));
        assert!(f.cells.iter().all(|&n| n == 0));
    }
}
