//! One precinct: every report received for it (from any file), which one counts, and which
//! integrity checks it fails. Everything here is a pure function of the set of reports, so the
//! result never depends on the order in which they arrived.

use crate::feed::{Loc, Timestamp};

use super::anomaly::Kind;
use super::prefetch::prefetch;
use super::totals::Counted;

/// No region (reports that name none, without a manifest listing regions).
pub const NO_REGION: u32 = u32::MAX;
/// No ballots-issued count in the report (a count is at most 10⁹, so this is never one).
pub const NO_ISSUED: u32 = u32::MAX;

/// One report for the precinct, compacted: candidates and regions by index.
#[derive(Debug, Clone)]
pub struct Entry {
    pub file: u32,
    pub loc: Loc,
    pub revision: u32,
    pub region: u32,
    pub registered: u32,
    pub ballots: u32,
    pub invalid: u32,
    /// Ballots issued to voters, or [`NO_ISSUED`] (a sentinel rather than an `Option`, which
    /// would make every report 8 bytes larger).
    pub issued: u32,
    /// When it was reported ([`Entry::reported_at`]), in unix seconds.
    pub(super) reported_unix: i64,
    /// The UTC offset that time was written with, in seconds, doubled, plus one if the report
    /// stated its time ([`Entry::stamp`]): one field where two would make every report 8 bytes
    /// larger.
    pub(super) reported_offset: i32,
    /// Votes by candidate index, trailing zeros trimmed.
    pub votes: Box<[u32]>,
}

const _: () = assert!(size_of::<Entry>() == 64, "a report is 64 bytes: a million of them are 64 MB");

impl Entry {
    /// The two time fields of a report reported at `at`, as stated (`explicit`) or as seen.
    pub(super) fn stamp(at: Timestamp, explicit: bool) -> (i64, i32) {
        (at.unix, at.offset_seconds * 2 + i32::from(explicit))
    }

    /// `reported_at` as written, or when the report was first seen.
    pub fn reported_at(&self) -> Timestamp {
        Timestamp { unix: self.reported_unix, offset_seconds: self.reported_offset >> 1 }
    }

    /// Whether the report stated its time (else it is when the report was first seen).
    pub fn explicit_time(&self) -> bool {
        self.reported_offset & 1 == 1
    }

    /// Same numbers and region: a re-send, whatever its source or timestamp.
    pub fn same_content(&self, other: &Entry) -> bool {
        self.region == other.region
            && self.registered == other.registered
            && self.ballots == other.ballots
            && self.invalid == other.invalid
            && self.issued == other.issued
            && self.votes == other.votes
    }

    /// Ballots issued, when the report gives them.
    pub fn issued(&self) -> Option<u32> {
        (self.issued != NO_ISSUED).then_some(self.issued)
    }

    /// Voters who took a ballot, as researchers count turnout: ballots issued where the
    /// report gives them, else ballots cast.
    pub fn voted(&self) -> u32 {
        self.issued().unwrap_or(self.ballots)
    }

    pub fn valid(&self) -> u64 {
        self.votes.iter().map(|&v| u64::from(v)).sum()
    }

    pub fn vote(&self, candidate: usize) -> u32 {
        self.votes.get(candidate).copied().unwrap_or(0)
    }

    pub fn counted(&self) -> Counted<'_> {
        Counted { registered: self.registered, ballots: self.ballots, invalid: self.invalid, votes: &self.votes }
    }
}

/// What the checks need to know beyond the precinct: when polls close, per region index.
pub struct CheckContext<'a> {
    pub polls_close: &'a [Option<i64>],
}

/// A precinct's reports: most precincts get one, kept inside the precinct (a million
/// precincts, a million allocations and 24 MB fewer).
pub type Entries = smallvec::SmallVec<[Entry; 1]>;

/// No counted report (in `Precinct::counted`).
const NONE_COUNTED: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct Precinct {
    pub entries: Entries,
    /// Index in `entries` of the report that counts, or [`NONE_COUNTED`].
    counted: u32,
    /// Integrity checks failed (bits of [`Kind`]), identical results aside.
    pub flags: u16,
}

const _: () = assert!(size_of::<Precinct>() == 80, "a precinct is 80 bytes with its one report inside");

impl Default for Precinct {
    /// A precinct with no report yet (its id is the engine's: [`crate::engine::Engine::precinct_id`]).
    fn default() -> Precinct {
        Precinct { entries: Entries::new(), counted: NONE_COUNTED, flags: 0 }
    }
}

impl Precinct {
    pub fn counted(&self) -> Option<&Entry> {
        self.entries.get(self.counted as usize)
    }

    /// Asks the processor to bring this record into its cache, for a walk over precincts in an
    /// order it cannot foresee (a region's precincts lie apart in the table): asked some steps
    /// ahead, reading it then does not wait on memory. Its two cache lines (it is 80 bytes).
    pub fn prefetch(&self) {
        let at = std::ptr::from_ref(self).cast::<u8>();
        prefetch(at);
        prefetch(at.wrapping_add(size_of::<Precinct>() - 1));
    }

    /// Asks for the votes of its counted report, which lie elsewhere on the heap. This reads
    /// the record: [`Precinct::prefetch`] it some steps before.
    pub fn prefetch_votes(&self) {
        if let Some(e) = self.counted() {
            prefetch(e.votes.as_ptr().cast());
        }
    }

    /// Held out: the highest revision has conflicting reports.
    pub fn is_held(&self) -> bool {
        self.flags & Kind::RevisionConflict.bit() != 0
    }

    /// The region the precinct belongs to: its counted report's, or (held) that of the first
    /// report in content order, so it never depends on which arrived first.
    pub fn region(&self) -> Option<u32> {
        let e = self.counted().or_else(|| self.history().first().copied())?;
        (e.region != NO_REGION).then_some(e.region)
    }

    pub fn has(&self, kind: Kind) -> bool {
        self.flags & kind.bit() != 0
    }

    pub fn max_revision(&self) -> Option<u32> {
        self.entries.iter().map(|e| e.revision).max()
    }

    /// The distinct reports at the precinct's highest revision, each once (by content).
    pub fn distinct_at(&self, revision: u32) -> Vec<&Entry> {
        let mut out: Vec<&Entry> = Vec::new();
        for e in self.entries.iter().filter(|e| e.revision == revision) {
            if !out.iter().any(|o| o.same_content(e)) {
                out.push(e);
            }
        }
        out
    }

    /// Decides which report counts and which checks fail.
    pub fn evaluate(&mut self, ctx: &CheckContext) {
        self.counted = NONE_COUNTED;
        self.flags = 0;
        if let [only] = self.entries.as_slice() {
            // The common case: one report, nothing to compare it with.
            self.counted = 0;
            self.flags = entry_flags(only, ctx);
            return;
        }
        let Some(max_rev) = self.max_revision() else {
            return;
        };
        if self.distinct_at(max_rev).len() > 1 {
            self.flags |= Kind::RevisionConflict.bit();
        } else {
            // Identical re-sends: the earliest one stands for them all.
            let best = (0..self.entries.len())
                .filter(|&i| self.entries[i].revision == max_rev)
                .min_by_key(|&i| (self.entries[i].reported_at(), !self.entries[i].explicit_time()));
            self.counted = best.map_or(NONE_COUNTED, |i| i as u32);
        }
        if let Some(c) = self.counted() {
            self.flags |= entry_flags(c, ctx);
        }
        if self.votes_decreased().is_some() {
            self.flags |= Kind::VotesDecreased.bit();
        }
        if self.registered_changed().is_some() {
            self.flags |= Kind::RegisteredChanged.bit();
        }
    }

    /// The reports by revision, in an order that depends on their content only (never on
    /// which arrived first), so every message about them is the same whatever the order.
    pub fn history(&self) -> Vec<&Entry> {
        let mut sorted: Vec<&Entry> = self.entries.iter().collect();
        sorted.sort_by(|a, b| {
            (a.revision, a.registered, a.ballots, a.invalid, &a.votes, a.region).cmp(&(
                b.revision,
                b.registered,
                b.ballots,
                b.invalid,
                &b.votes,
                b.region,
            ))
        });
        sorted
    }

    /// The first pair (lower, higher revision) where a candidate's votes or the ballots went
    /// down: `(lower, higher, what, before, after)`.
    pub fn votes_decreased(&self) -> Option<(&Entry, &Entry, Option<usize>, u32, u32)> {
        let sorted = self.history();
        for (i, lo) in sorted.iter().enumerate() {
            for hi in sorted[i + 1..].iter().filter(|h| h.revision > lo.revision) {
                if hi.ballots < lo.ballots {
                    return Some((lo, hi, None, lo.ballots, hi.ballots));
                }
                let n = lo.votes.len().max(hi.votes.len());
                if let Some(c) = (0..n).find(|&c| hi.vote(c) < lo.vote(c)) {
                    return Some((lo, hi, Some(c), lo.vote(c), hi.vote(c)));
                }
            }
        }
        None
    }

    /// The first pair of revisions with different registered voters.
    pub fn registered_changed(&self) -> Option<(&Entry, &Entry)> {
        let sorted = self.history();
        let first = sorted.first()?;
        sorted.iter().find(|e| e.revision != first.revision && e.registered != first.registered).map(|e| (*first, *e))
    }
}

/// The checks that look at the counted report alone.
fn entry_flags(c: &Entry, ctx: &CheckContext) -> u16 {
    let mut flags = 0;
    if c.ballots > c.registered {
        flags |= Kind::TurnoutOver100.bit();
    }
    if c.valid() + u64::from(c.invalid) != u64::from(c.ballots) {
        flags |= Kind::SumMismatch.bit();
    }
    if is_unanimous(c) {
        flags |= Kind::Unanimous.bit();
    }
    if c.explicit_time()
        && let Some(Some(close)) = ctx.polls_close.get(c.region as usize)
        && c.reported_unix < *close
    {
        flags |= Kind::EarlyReport.bit();
    }
    flags
}

/// Turnout of at least 99% and one candidate with at least 99% of valid votes, registered ≥ 100.
/// Turnout is ballots issued over registered where the report gives them (else ballots cast),
/// as in Kobak, Shpilkin & Pshenichnikov (2016); on Russia 2018 this counts the 139 stations
/// the literature reports (over valid and invalid ballots together it would be 114).
pub fn is_unanimous(c: &Entry) -> bool {
    let valid = c.valid();
    c.registered >= 100
        && u64::from(c.voted()) * 100 >= u64::from(c.registered) * 99
        && valid > 0
        && c.votes.iter().any(|&v| u64::from(v) * 100 >= valid * 99)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn entry(revision: u32, registered: u32, ballots: u32, invalid: u32, votes: &[u32]) -> Entry {
        Entry {
            file: 0,
            loc: Loc::Whole,
            revision,
            region: 0,
            registered,
            ballots,
            invalid,
            issued: NO_ISSUED,
            reported_unix: 1_000 + i64::from(revision),
            reported_offset: 1,
            votes: votes.into(),
        }
    }

    fn eval(entries: Vec<Entry>, close: Option<i64>) -> Precinct {
        let mut p = Precinct { entries: entries.into(), ..Default::default() };
        p.evaluate(&CheckContext { polls_close: &[close] });
        p
    }

    #[test]
    fn highest_revision_counts_and_clean_report_has_no_flags() {
        let p = eval(vec![entry(2, 100, 50, 0, &[30, 20]), entry(1, 100, 40, 0, &[20, 20])], None);
        assert_eq!(p.counted().unwrap().revision, 2);
        assert_eq!(p.flags, 0);
    }

    #[test]
    fn conflict_at_highest_revision_holds_and_a_higher_one_releases() {
        let p = eval(vec![entry(1, 100, 50, 0, &[30, 20]), entry(1, 100, 50, 0, &[29, 21])], None);
        assert!(p.counted().is_none() && p.is_held());
        let p = eval(
            vec![entry(1, 100, 50, 0, &[30, 20]), entry(1, 100, 50, 0, &[29, 21]), entry(2, 100, 51, 0, &[30, 21])],
            None,
        );
        assert_eq!(p.counted().unwrap().revision, 2);
        assert!(!p.is_held() && p.flags == 0);
    }

    #[test]
    fn a_reports_time_keeps_its_offset_and_whether_it_was_stated() {
        // Offsets east and west, with minutes and seconds, at the ends of what RFC 3339 allows.
        for offset_seconds in [0, 1, -1, 21_600, -12_600, 20_700, -43_200, 50_400, 93_599, -93_599] {
            for unix in [0, -1, 1_668_960_000, i64::MAX / 4, i64::MIN / 4] {
                for explicit in [true, false] {
                    let at = Timestamp { unix, offset_seconds };
                    let mut e = entry(1, 100, 50, 0, &[30, 20]);
                    (e.reported_unix, e.reported_offset) = Entry::stamp(at, explicit);
                    assert_eq!((e.reported_at(), e.explicit_time()), (at, explicit));
                }
            }
        }
    }

    #[test]
    fn identical_resend_is_not_a_conflict() {
        let mut b = entry(1, 100, 50, 0, &[30, 20]);
        b.file = 7;
        b.reported_unix += 500;
        let p = eval(vec![entry(1, 100, 50, 0, &[30, 20]), b], None);
        assert_eq!(p.flags, 0);
        assert_eq!(p.counted().unwrap().file, 0, "the earliest copy stands");
    }

    #[test]
    fn each_check_fires_and_clears() {
        assert!(eval(vec![entry(1, 100, 101, 0, &[101])], None).has(Kind::TurnoutOver100));
        assert!(!eval(vec![entry(1, 100, 100, 0, &[100])], None).has(Kind::TurnoutOver100));
        assert!(eval(vec![entry(1, 100, 50, 1, &[30, 20])], None).has(Kind::SumMismatch));
        assert!(!eval(vec![entry(1, 100, 51, 1, &[30, 20])], None).has(Kind::SumMismatch));
        // A correction clears the mismatch.
        let p = eval(vec![entry(1, 100, 50, 1, &[30, 20]), entry(2, 100, 51, 1, &[30, 20])], None);
        assert!(!p.has(Kind::SumMismatch));
        // Decreases, in either arrival order.
        let p = eval(vec![entry(2, 100, 50, 0, &[29, 21]), entry(1, 100, 50, 0, &[30, 20])], None);
        assert!(p.has(Kind::VotesDecreased));
        let (_, _, c, before, after) = p.votes_decreased().unwrap();
        assert_eq!((c, before, after), (Some(0), 30, 29));
        assert!(
            eval(vec![entry(1, 100, 50, 0, &[30, 20]), entry(2, 100, 49, 0, &[30, 20])], None)
                .has(Kind::VotesDecreased)
        );
        assert!(
            !eval(vec![entry(1, 100, 50, 0, &[30, 20]), entry(2, 100, 52, 0, &[31, 21])], None)
                .has(Kind::VotesDecreased)
        );
        assert!(
            eval(vec![entry(1, 100, 50, 0, &[30, 20]), entry(2, 101, 50, 0, &[30, 20])], None)
                .has(Kind::RegisteredChanged)
        );
        // Early: polls close at t=1001 (entry revision 1 is at 1001, revision 2 at 1002).
        assert!(eval(vec![entry(1, 100, 50, 0, &[30, 20])], Some(1002)).has(Kind::EarlyReport));
        assert!(!eval(vec![entry(1, 100, 50, 0, &[30, 20])], Some(1001)).has(Kind::EarlyReport));
        let mut implicit = entry(1, 100, 50, 0, &[30, 20]);
        (implicit.reported_unix, implicit.reported_offset) = Entry::stamp(implicit.reported_at(), false);
        assert!(!eval(vec![implicit], Some(5000)).has(Kind::EarlyReport), "only a stated time can be early");
    }

    #[test]
    fn unanimous_boundaries() {
        assert!(is_unanimous(&entry(1, 100, 99, 0, &[99])));
        assert!(is_unanimous(&entry(1, 1000, 990, 0, &[981, 9])));
        assert!(!is_unanimous(&entry(1, 1000, 989, 0, &[989])), "turnout 98.9%");
        assert!(!is_unanimous(&entry(1, 1000, 990, 0, &[979, 11])), "share 98.9%");
        assert!(!is_unanimous(&entry(1, 99, 99, 0, &[99])), "registered < 100");
    }

    #[test]
    fn unanimous_reads_ballots_issued() {
        // 990 of 1,000 took a ballot but only 980 are in the box: unanimous by ballots issued.
        let mut e = entry(1, 1000, 980, 0, &[980]);
        assert!(!is_unanimous(&e), "98% of ballots cast");
        e.issued = 990;
        assert!(is_unanimous(&e));
        // And the other way: ballots cast are 99%, but only 985 were issued.
        let mut e = entry(1, 1000, 990, 0, &[990]);
        e.issued = 985;
        assert!(!is_unanimous(&e));
    }

    #[test]
    fn a_report_is_no_larger_for_its_ballots_issued() {
        // The memory floor holds a million precincts: `issued` fits in padding.
        assert!(std::mem::size_of::<Entry>() <= 72, "{}", std::mem::size_of::<Entry>());
    }
}
