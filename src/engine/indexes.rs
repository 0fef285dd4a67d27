//! What summaries read across all counted reports, kept up to date as precincts change so that
//! a summary costs what is shown, not a pass over every precinct: groups of identical results
//! (and how many precincts share each valid total), and the latest stated report time (the
//! "data as of"). A bulk load defers them and builds them once at its end.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::feed::Timestamp;

use super::identical::{self, IdenticalIndex};
use super::precinct::{Entry, Precinct};

#[derive(Debug, Default)]
pub struct Indexes {
    pub identical: IdenticalIndex,
    /// Counted precincts by their valid votes.
    valid_totals: FxHashMap<u64, u32>,
    /// Counted reports that state their time, by that time; and the latest of them.
    times: FxHashMap<Timestamp, u32>,
    latest: Option<Timestamp>,
}

/// A precinct's counted votes, as the identical-results index reads them (it indexes counted
/// precincts only).
fn votes_of<'a>(precincts: &'a [Precinct]) -> impl Fn(u32) -> &'a [u32] {
    |p| &precincts[p as usize].counted().expect("indexed precincts are counted").votes
}

impl Indexes {
    pub fn reserve(&mut self, additional: usize, precincts: &[Precinct]) {
        self.identical.reserve(additional, votes_of(precincts));
    }

    /// Adds precinct `p`, whose counted report is `e` (as `precincts` holds it now).
    pub fn add(&mut self, p: u32, e: &Entry, precincts: &[Precinct]) {
        self.identical.insert(&e.votes, p, votes_of(precincts));
        self.add_rest(e);
    }

    /// The indexes of every counted report at once: the identical-results keys computed in
    /// parallel (a chunk of precincts at a time, so that they are never all held; the next
    /// chunk's while this one's are put in), the tables filled in precinct order (so they are
    /// what adding one by one makes), the other indexes meanwhile.
    pub fn build(precincts: &[Precinct]) -> Indexes {
        const CHUNK: usize = 1 << 16;
        let keys = |c: usize| -> Vec<(u32, u32)> {
            precincts
                .get(c * CHUNK..)
                .map(|rest| &rest[..rest.len().min(CHUNK)])
                .unwrap_or_default()
                .par_iter()
                .enumerate()
                .filter_map(|(i, prec)| identical::key(&prec.counted()?.votes).map(|h| (h, (c * CHUNK + i) as u32)))
                .collect()
        };
        let identical = || {
            let mut ix = IdenticalIndex::default();
            ix.reserve(precincts.iter().filter(|p| p.counted().is_some()).count(), votes_of(precincts));
            let mut these = keys(0);
            for c in 0..precincts.len().div_ceil(CHUNK) {
                let ((), next) = rayon::join(
                    || {
                        for &(h, p) in &these {
                            ix.insert_keyed(h, p, votes_of(precincts));
                        }
                    },
                    || keys(c + 1),
                );
                these = next;
            }
            ix
        };
        let rest = || {
            let mut ix = Indexes::default();
            for e in precincts.iter().filter_map(Precinct::counted) {
                ix.add_rest(e);
            }
            ix
        };
        let (identical, rest) = rayon::join(identical, rest);
        Indexes { identical, ..rest }
    }

    /// Everything but the identical-results index.
    fn add_rest(&mut self, e: &Entry) {
        *self.valid_totals.entry(e.valid()).or_default() += 1;
        if e.explicit_time() {
            *self.times.entry(e.reported_at()).or_default() += 1;
            self.latest = self.latest.max(Some(e.reported_at()));
        }
    }

    /// Takes out precinct `p`, whose counted report is `e` (as `precincts` still holds it).
    pub fn sub(&mut self, p: u32, e: &Entry, precincts: &[Precinct]) {
        self.identical.remove(&e.votes, p, votes_of(precincts));
        let valid = e.valid();
        if let Some(n) = self.valid_totals.get_mut(&valid) {
            *n -= 1;
            if *n == 0 {
                self.valid_totals.remove(&valid);
            }
        }
        if e.explicit_time()
            && let Some(n) = self.times.get_mut(&e.reported_at())
        {
            *n -= 1;
            if *n == 0 {
                self.times.remove(&e.reported_at());
                if self.latest == Some(e.reported_at()) {
                    // The latest left: the next latest among the distinct times.
                    self.latest = self.times.keys().max().copied();
                }
            }
        }
    }

    /// Counted precincts whose valid votes total `valid`.
    pub fn same_total(&self, valid: u64) -> usize {
        self.valid_totals.get(&valid).map_or(0, |&n| n as usize)
    }

    /// The latest stated time among the counted reports.
    pub fn latest(&self) -> Option<Timestamp> {
        self.latest
    }
}
