//! The engine: the one owner of election state. Sources hand it batches of reports (or the
//! news that a file is gone); it keeps every report by its source, decides per precinct
//! which one counts, keeps exact running totals, and answers with immutable snapshots.
//!
//! Applying a report costs O(candidates) (plus the few other reports of its precinct); nothing
//! is ever recounted from scratch.
//!
//! Long because the engine's one `impl` is its whole contract (apply a batch, withdraw a file,
//! read, snapshot) and its state's small helpers; its parts (precinct, totals, seats, identical,
//! anomaly) have their own files.

pub mod anomaly;
pub mod count;
pub mod flagged;
pub mod identical;
mod indexes;
mod places;
pub mod precinct;
mod prefetch;
pub mod seats;
pub mod totals;

use std::collections::BTreeMap;

use crate::feed::report::Name;
use crate::feed::{Batch, Change, Loc, Manifest, Report, Timestamp};

use indexes::Indexes;
use places::{Gone, Places};
use precinct::{CheckContext, Entry, NO_REGION, Precinct};
use totals::Totals;

pub use count::Count;

/// A candidate (or party) as views name it.
#[derive(Debug, Clone)]
pub struct CandidateMeta {
    pub id: String,
    pub name: String,
    pub party: Option<String>,
    pub color: Option<String>,
}

/// A region as views name it, with what the manifest expects of it.
#[derive(Debug, Clone)]
pub struct RegionMeta {
    /// (Shared with every count's row of the region and the flags raised in it.)
    pub id: std::sync::Arc<str>,
    pub name: std::sync::Arc<str>,
    pub precincts_expected: Option<u64>,
    pub registered_expected: Option<u64>,
    /// Whether the statistical tests look at the region (the manifest's `"statistics": false`
    /// leaves it out: abroad and other special stations).
    pub statistics: bool,
}

/// Everything one file contributed, so that it can be withdrawn or re-read.
#[derive(Debug, Default)]
struct FileState {
    /// The precinct of each report the file holds, by its place.
    reports: Places<u32>,
    rejections: Places<String>,
}

impl FileState {
    /// The furthest place it holds anything at (a growing log's next lines come after it).
    fn last(&self) -> Option<Loc> {
        self.reports.last().max(self.rejections.last())
    }
}

/// Interned items: numbered in order of first sight, found by id. Their ids are kept one
/// after another in one string, and the table holds only indices: at a million precincts, a
/// precinct's id costs its bytes and 8, not a 16-byte pointer and an allocation of its own.
#[derive(Debug)]
struct Names<T> {
    items: Vec<T>,
    /// The items' ids, in the items' order.
    ids: String,
    /// Where each item's id ends in `ids` (it starts where the one before ends).
    ends: Vec<u64>,
    table: hashbrown::HashTable<u32>,
}

impl<T> Default for Names<T> {
    fn default() -> Self {
        Names { items: Vec::new(), ids: String::new(), ends: Vec::new(), table: hashbrown::HashTable::new() }
    }
}

fn hash_id(id: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(id)
}

/// Item `i`'s id, from the ids and their ends.
fn id_in<'a>(ids: &'a str, ends: &[u64], i: u32) -> &'a str {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &ids[start..ends[i] as usize]
}

impl<T> Names<T> {
    /// Item `i`'s id.
    fn id(&self, i: u32) -> &str {
        id_in(&self.ids, &self.ends, i)
    }

    /// The items with their ids, in the items' order.
    fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.items.iter().enumerate().map(|(i, item)| (self.id(i as u32), item))
    }

    fn find(&self, id: &str) -> Option<u32> {
        self.table.find(hash_id(id), |&i| self.id(i) == id).copied()
    }

    fn reserve(&mut self, additional: usize) {
        let Names { items, ids, ends, table } = self;
        items.reserve(additional);
        ends.reserve(additional);
        table.reserve(additional, |&i| hash_id(id_in(ids, ends, i)));
    }

    /// The index of the item named `id`, made when it is new: one probe of the table either
    /// way.
    fn get_or_insert(&mut self, id: &str, make: impl FnOnce() -> T) -> u32 {
        let Names { items, ids, ends, table } = self;
        let hash = |&i: &u32| hash_id(id_in(ids, ends, i));
        match table.entry(hash_id(id), |&i| id_in(ids, ends, i) == id, hash) {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(v) => {
                let i = items.len() as u32;
                items.push(make());
                v.insert(i);
                ids.push_str(id);
                ends.push(ids.len() as u64);
                i
            }
        }
    }
}

/// The running sums and cross-precinct indexes that follow the counted reports.
#[derive(Debug, Default)]
struct Tallies {
    national: Totals,
    regions: Vec<Totals>,
    /// `None` while a bulk load defers them (see [`Engine::defer_indexes`]).
    indexes: Option<Indexes>,
}

impl Tallies {
    /// Adds precinct `p`'s counted report `e` (as `precincts` holds it).
    fn add(&mut self, p: u32, e: &Entry, precincts: &[Precinct]) {
        self.national.add(e.counted());
        if e.region != NO_REGION {
            let r = e.region as usize;
            if self.regions.len() <= r {
                self.regions.resize_with(r + 1, Totals::default);
            }
            self.regions[r].add(e.counted());
        }
        if let Some(ix) = &mut self.indexes {
            ix.add(p, e, precincts);
        }
    }

    /// Takes out precinct `p`'s counted report `e` (as `precincts` still holds it).
    fn sub(&mut self, p: u32, e: &Entry, precincts: &[Precinct]) {
        self.national.sub(e.counted());
        if e.region != NO_REGION {
            self.regions[e.region as usize].sub(e.counted());
        }
        if let Some(ix) = &mut self.indexes {
            ix.sub(p, e, precincts);
        }
    }
}

/// The precincts changed lately, in order, so that work which follows the count (the
/// statistics) redoes only what changed. Bounded: past as many entries as there are precincts
/// (and while a bulk load defers it) it is cleared, and a follower starts over from the state.
#[derive(Debug, Default)]
struct ChangeLog {
    /// Changes made so far (the sequence number of the next one).
    seq: u64,
    /// The sequence number of `precincts[0]`.
    from: u64,
    precincts: Vec<u32>,
    off: bool,
}

impl ChangeLog {
    fn note(&mut self, p: u32, precincts: usize) {
        self.seq += 1;
        if self.off {
            return;
        }
        if self.precincts.len() >= precincts.max(1 << 16) {
            self.clear();
            return;
        }
        self.precincts.push(p);
    }

    fn clear(&mut self) {
        self.precincts = Vec::new();
        self.from = self.seq;
    }
}

pub use crate::feed::schema::{MAX_LEARNED_CANDIDATES, MAX_LEARNED_REGIONS};

/// Names learned from the reports (not listed in the manifest): how many stored reports use
/// each, so that one no report uses any more is neither shown nor counted against the cap.
#[derive(Debug, Default)]
struct Learned {
    /// By index (listed names have 0 and are never counted here).
    refs: Vec<u32>,
    /// How many learned names are in use.
    live: usize,
}

impl Learned {
    fn add(&mut self, i: usize) {
        if self.refs.len() <= i {
            self.refs.resize(i + 1, 0);
        }
        if self.refs[i] == 0 {
            self.live += 1;
        }
        self.refs[i] += 1;
    }

    fn remove(&mut self, i: usize) {
        if let Some(r) = self.refs.get_mut(i)
            && *r > 0
        {
            *r -= 1;
            if *r == 0 {
                self.live -= 1;
            }
        }
    }

    fn in_use(&self, i: usize) -> bool {
        self.refs.get(i).is_some_and(|&r| r > 0)
    }
}

/// The election state.
#[derive(Debug, Default)]
pub struct Engine {
    manifest: Option<Manifest>,
    candidates: Names<CandidateMeta>,
    regions: Names<RegionMeta>,
    /// When polls close, by region index (unix seconds).
    polls_close: Vec<Option<i64>>,
    precincts: Names<Precinct>,
    files: Names<FileState>,
    tallies: Tallies,
    /// Precincts with at least one integrity flag, and those flags in words (said when the
    /// precinct changes, so that a summary copies them instead of saying them again).
    flagged: BTreeMap<u32, Vec<anomaly::Anomaly>>,
    /// Those flags in the count's order, sorted when a count first asks after they changed.
    flags_in_order: std::sync::OnceLock<Vec<anomaly::Anomaly>>,
    /// The files holding rejections (a count lists them without looking through every file).
    rejecting: std::collections::BTreeSet<u32>,
    /// Reports the next file read is expected to hold ([`Engine::reserve_precincts`]): its
    /// list of reports is sized once.
    expected_reports: usize,
    /// Candidates and regions learned from the reports, and how many the manifest lists.
    learned_candidates: Learned,
    learned_regions: Learned,
    listed_candidates: usize,
    listed_regions: usize,
    version: u64,
    /// Tells engines apart (a replay that seeks back builds a new one).
    instance: u64,
    changes: ChangeLog,
}

static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Engine {
    pub fn new(manifest: Option<Manifest>) -> Engine {
        let mut e =
            Engine { instance: INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed), ..Default::default() };
        e.tallies.indexes = Some(Indexes::default());
        if let Some(m) = &manifest {
            for c in &m.candidates {
                e.candidates.get_or_insert(&c.id, || CandidateMeta {
                    id: c.id.clone(),
                    name: c.name.clone().unwrap_or_else(|| c.id.clone()),
                    party: c.party.clone(),
                    color: c.color.clone(),
                });
            }
            for r in &m.regions {
                e.regions.get_or_insert(&r.id, || RegionMeta {
                    id: r.id.as_str().into(),
                    name: r.name.as_deref().unwrap_or(&r.id).into(),
                    precincts_expected: r.precincts,
                    registered_expected: r.registered,
                    statistics: r.statistics.unwrap_or(true),
                });
                e.polls_close.push(m.polls_close_in(r).map(|t| t.unix_timestamp()));
            }
            e.listed_candidates = m.candidates.len();
            e.listed_regions = m.regions.len();
        }
        e.manifest = manifest;
        e
    }

    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// Bumped by every change; views compare it to know whether to redraw.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn candidates(&self) -> &[CandidateMeta] {
        &self.candidates.items
    }

    pub fn regions(&self) -> &[RegionMeta] {
        &self.regions.items
    }

    pub fn national(&self) -> &Totals {
        &self.tallies.national
    }

    /// Region totals by region index (a region with nothing counted may be missing at the end).
    pub fn region_totals(&self, region: usize) -> Option<&Totals> {
        self.tallies.regions.get(region)
    }

    /// This engine among all made in this process.
    pub fn instance(&self) -> u64 {
        self.instance
    }

    /// How many precinct changes there were so far: pass it to [`Engine::changed_since`] later.
    pub fn change_seq(&self) -> u64 {
        self.changes.seq
    }

    /// The precincts changed (in order, a precinct once per change) since `seq` was this
    /// engine's [`Engine::change_seq`], or `None` when that is no longer known (the log was
    /// cleared, or a bulk load defers it): look at every precinct then.
    pub fn changed_since(&self, seq: u64) -> Option<&[u32]> {
        if self.changes.off || seq < self.changes.from || seq > self.changes.seq {
            return None;
        }
        self.changes.precincts.get((seq - self.changes.from) as usize..)
    }

    pub fn precincts(&self) -> &[Precinct] {
        &self.precincts.items
    }

    /// Precinct `p`'s id.
    pub fn precinct_id(&self, p: u32) -> &str {
        self.precincts.id(p)
    }

    /// The precincts with their ids, in index order.
    pub fn precincts_with_ids(&self) -> impl Iterator<Item = (&str, &Precinct)> {
        self.precincts.iter()
    }

    pub fn precinct(&self, id: &str) -> Option<&Precinct> {
        self.precincts.find(id).map(|i| &self.precincts.items[i as usize])
    }

    /// The index of a region by id.
    pub fn region_index(&self, id: &str) -> Option<u32> {
        self.regions.find(id)
    }

    /// The feed-relative path of a file index.
    pub fn file_path(&self, file: u32) -> &str {
        self.files.id(file)
    }

    fn file_id(&mut self, path: &str) -> u32 {
        self.files.get_or_insert(path, FileState::default)
    }

    /// Makes room for about `additional` more precincts (a large file is about to be read),
    /// so the tables grow once instead of doubling their way up.
    pub fn reserve_precincts(&mut self, additional: usize) {
        self.precincts.reserve(additional);
        self.expected_reports = additional;
        if let Some(ix) = &mut self.tallies.indexes {
            ix.reserve(additional, &self.precincts.items);
        }
    }

    /// Stops keeping the cross-precinct indexes up to date, for a bulk load that reads
    /// everything before anyone looks; [`Engine::build_indexes`] builds them once after.
    /// Summaries stay correct meanwhile (they build what they need).
    pub fn defer_indexes(&mut self) {
        self.tallies.indexes = None;
        self.changes.off = true;
        self.changes.clear();
    }

    /// Builds the cross-precinct indexes from the counted reports and keeps them up to date
    /// from now on.
    pub fn build_indexes(&mut self) {
        self.tallies.indexes = Some(self.fresh_indexes());
        self.changes.off = false;
        self.changes.clear();
    }

    fn fresh_indexes(&self) -> Indexes {
        Indexes::build(&self.precincts.items)
    }

    /// The latest `reported_at` stated by a counted report: the "data as of".
    pub fn as_of(&self) -> Option<Timestamp> {
        match &self.tallies.indexes {
            Some(ix) => ix.latest(),
            None => self
                .precincts
                .items
                .iter()
                .filter_map(|p| p.counted().filter(|e| e.explicit_time()))
                .map(|e| e.reported_at())
                .max(),
        }
    }

    /// Groups of precincts with the very same vote vector that chance cannot explain, each with
    /// the counted precincts whose valid votes total the same (see [`identical`]).
    pub(crate) fn identical_groups(&self) -> Vec<(identical::Group, usize)> {
        let votes_of = |p: u32| -> &[u32] { self.precincts.items[p as usize].counted().map_or(&[], |e| &e.votes) };
        let fresh;
        let ix = match &self.tallies.indexes {
            Some(ix) => ix,
            None => {
                fresh = self.fresh_indexes();
                &fresh
            }
        };
        // How many counted precincts could have matched each: those with the same valid total.
        let mut out = Vec::new();
        ix.identical.for_each_group(votes_of, |g| {
            let m = ix.same_total(g.total);
            if identical::expected_by_chance(g.chance, m) <= identical::MAX_EXPECTED {
                out.push((g.clone(), m));
            }
        });
        out
    }

    /// Adds what a read of `path` found. `seen` stands in for reports without `reported_at`.
    pub fn ingest(&mut self, path: &str, batch: Batch, seen: Timestamp) {
        let file = self.file_id(path);
        let expected = std::mem::take(&mut self.expected_reports);
        self.files.items[file as usize].reports.reserve(expected);
        let mut refused = Vec::new();
        // In three passes over the batch, each report in the same order: what it is in the
        // engine's terms; its precinct found or numbered (a tight loop, so that the lookups in
        // a table of a million precincts, a cache miss each, overlap); its precinct changed.
        let mut taken = Vec::with_capacity(batch.reports.len());
        for (loc, report) in batch.reports {
            match self.compact(file, loc, &report, seen) {
                Ok(entry) => {
                    self.reference(&entry, true);
                    taken.push((loc, report.precinct, entry));
                }
                Err(reason) => refused.push((loc, reason)),
            }
        }
        let found: Vec<u32> =
            taken.iter().map(|(_, id, _)| self.precincts.get_or_insert(id, Precinct::default)).collect();
        for ((loc, _, entry), p) in taken.into_iter().zip(found) {
            self.change(p, |prec| prec.entries.push(entry));
            self.files.items[file as usize].reports.push(loc, p);
        }
        if !batch.rejections.is_empty() || !refused.is_empty() {
            let state = &mut self.files.items[file as usize];
            for (loc, reason) in batch.rejections.into_iter().chain(refused) {
                state.rejections.push(loc, reason);
            }
            self.rejecting.insert(file);
            self.version += 1;
        }
    }

    /// Counts (or, `add` false, uncounts) the learned names a stored report uses.
    fn reference(&mut self, e: &Entry, add: bool) {
        for (c, &v) in e.votes.iter().enumerate().skip(self.listed_candidates) {
            if v > 0 {
                if add { self.learned_candidates.add(c) } else { self.learned_candidates.remove(c) }
            }
        }
        if e.region != NO_REGION && e.region as usize >= self.listed_regions {
            if add {
                self.learned_regions.add(e.region as usize)
            } else {
                self.learned_regions.remove(e.region as usize)
            }
        }
    }

    /// Whether a candidate is shown: listed in the manifest, or given a vote by some report.
    pub fn candidate_in_use(&self, c: usize) -> bool {
        c < self.listed_candidates || self.learned_candidates.in_use(c)
    }

    /// Whether a region is shown: listed in the manifest, or named by some report.
    pub fn region_in_use(&self, r: usize) -> bool {
        r < self.listed_regions || self.learned_regions.in_use(r)
    }

    /// Applies what a source handed on. `seen` stands in for reports without `reported_at`.
    pub fn apply(&mut self, change: Change, seen: Timestamp) {
        match change {
            Change::Replace { source, from, batch } => {
                self.withdraw(&source, from);
                if !batch.is_empty() {
                    self.ingest(&source, batch, seen);
                }
            }
            Change::Set { source, at, entry } => {
                self.withdraw_at(&source, at);
                let batch = match entry {
                    Ok(r) => Batch { reports: vec![(at, r)], rejections: Vec::new() },
                    Err(e) => Batch::rejected(at, e),
                };
                self.ingest(&source, batch, seen);
            }
            Change::Drop { source, at } => self.withdraw_at(&source, at),
            Change::Reset(manifest) => {
                // A new count, but the version goes on (views compare it).
                let version = self.version;
                *self = Engine::new(manifest.map(|m| *m));
                self.version = version + 1;
            }
        }
    }

    /// Withdraws everything `path` contributed (the file is gone, or about to be re-read).
    pub fn withdraw_file(&mut self, path: &str) {
        self.withdraw(path, Loc::Whole);
    }

    /// Withdraws what `path` contributed from `from` on (a growing file's unfinished tail).
    /// `Loc::Whole` withdraws everything.
    pub fn withdraw(&mut self, path: &str, from: Loc) {
        // A log that grows: nothing from `from` on yet (places are kept in order), so nothing
        // to look through.
        if from != Loc::Whole
            && let Some(file) = self.files.find(path)
            && self.files.items[file as usize].last().is_none_or(|l| l < from)
        {
            return;
        }
        self.withdraw_where(path, Gone::From(from));
    }

    /// Withdraws what `path` contributed at exactly `at` (a report or rejection replaced).
    pub fn withdraw_at(&mut self, path: &str, at: Loc) {
        self.withdraw_where(path, Gone::At(at));
    }

    fn withdraw_where(&mut self, path: &str, gone: Gone) {
        let Some(file) = self.files.find(path) else {
            return;
        };
        let keep = |loc: Loc| !gone.contains(loc);
        let state = &mut self.files.items[file as usize];
        let mut touched = state.reports.take(gone);
        if !state.rejections.take(gone).is_empty() {
            if state.rejections.is_empty() {
                self.rejecting.remove(&file);
            }
            self.version += 1;
        }
        touched.sort_unstable();
        touched.dedup();
        for p in touched {
            let leaving: Vec<Entry> = self.precincts.items[p as usize]
                .entries
                .iter()
                .filter(|e| e.file == file && !keep(e.loc))
                .cloned()
                .collect();
            for e in &leaving {
                self.reference(e, false);
            }
            self.change(p, |prec| prec.entries.retain(|e| e.file != file || keep(e.loc)));
        }
    }

    /// Every rejection, by file and place: from the files holding any (kept as a set, so that a
    /// count does not look through every file).
    fn rejections(&self) -> Vec<(&str, Loc, &String)> {
        debug_assert!(
            self.rejecting.iter().copied().eq((0..self.files.items.len() as u32)
                .filter(|&f| !self.files.items[f as usize].rejections.is_empty())),
            "the files holding rejections are those kept as holding them"
        );
        let mut all: Vec<(&str, Loc, &String)> = self
            .rejecting
            .iter()
            .flat_map(|&f| {
                self.files.items[f as usize].rejections.iter().map(move |(loc, e)| (self.files.id(f), loc, e))
            })
            .collect();
        all.sort();
        all
    }

    /// Paths of every file that contributed reports or rejections.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.iter().filter(|(_, f)| !f.reports.is_empty() || !f.rejections.is_empty()).map(|(path, _)| path)
    }

    /// The index of a candidate a report names (learning it when there is no manifest list).
    /// `Listed` places come from a [`crate::feed::Schema`] made from this engine's manifest.
    fn candidate_index(&mut self, name: &Name) -> usize {
        match name {
            Name::Listed(i) => *i as usize,
            Name::Named(id) => self.candidates.get_or_insert(id, || CandidateMeta {
                id: id.to_string(),
                name: id.to_string(),
                party: None,
                color: None,
            }) as usize,
        }
    }

    fn region_index_of(&mut self, name: &Name) -> u32 {
        match name {
            Name::Listed(i) => *i,
            Name::Named(id) => self.regions.get_or_insert(id, || RegionMeta {
                id: (**id).into(),
                name: (**id).into(),
                precincts_expected: None,
                registered_expected: None,
                statistics: true,
            }),
        }
    }

    /// A report in the engine's terms (candidates and region by index), or why it cannot be
    /// taken: it would take the names learned from the reports past their cap.
    fn compact(&mut self, file: u32, loc: Loc, report: &Report, seen: Timestamp) -> Result<Entry, String> {
        // (On the stack for up to 16 candidates: this runs once a report.)
        let mut places: smallvec::SmallVec<[(usize, u32); 16]> = smallvec::SmallVec::with_capacity(report.votes.len());
        let mut new_names = 0;
        for (cand, n) in &report.votes {
            let id = match cand {
                Name::Listed(i) => {
                    places.push((*i as usize, *n));
                    continue;
                }
                // A learned candidate is known by its votes: a 0 names nobody.
                Name::Named(_) if *n == 0 => continue,
                Name::Named(id) => id,
            };
            let in_use = self.candidates.find(id).is_some_and(|i| self.learned_candidates.in_use(i as usize));
            if !in_use {
                if self.learned_candidates.live + new_names >= MAX_LEARNED_CANDIDATES {
                    return Err(format!(
                        "votes for {}, but {} candidates are already in the count and a feed whose manifest lists no candidates may name at most {} (list them in election.json)",
                        crate::text::quote(id, 40),
                        crate::text::thousands(MAX_LEARNED_CANDIDATES as u64),
                        crate::text::thousands(MAX_LEARNED_CANDIDATES as u64)
                    ));
                }
                new_names += 1;
            }
            places.push((self.candidate_index(cand), *n));
        }
        if let Some(Name::Named(id)) = &report.region {
            let in_use = self.regions.find(id).is_some_and(|i| self.learned_regions.in_use(i as usize));
            if !in_use && self.learned_regions.live >= MAX_LEARNED_REGIONS {
                return Err(format!(
                    "region {}, but {} regions are already in the count and a feed whose manifest lists no regions may name at most {} (list them in election.json)",
                    crate::text::quote(id, 40),
                    crate::text::thousands(MAX_LEARNED_REGIONS as u64),
                    crate::text::thousands(MAX_LEARNED_REGIONS as u64)
                ));
            }
        }
        // Trailing zeros are trimmed: only as long as the last candidate with votes.
        let len = places.iter().filter(|(_, n)| *n > 0).map(|(c, _)| c + 1).max().unwrap_or(0);
        let mut votes = vec![0u32; len].into_boxed_slice();
        for (c, n) in places {
            if n > 0 {
                votes[c] = n;
            }
        }
        let region = report.region.as_ref().map_or(NO_REGION, |r| self.region_index_of(r));
        let (reported_unix, reported_offset) =
            Entry::stamp(report.reported_at.unwrap_or(seen), report.reported_at.is_some());
        Ok(Entry {
            file,
            loc,
            revision: report.revision,
            region,
            registered: report.registered,
            ballots: report.ballots,
            invalid: report.invalid,
            issued: report.issued.unwrap_or(precinct::NO_ISSUED),
            reported_unix,
            reported_offset,
            votes,
        })
    }

    /// Changes one precinct: its counted report leaves the totals, `f` edits its reports, it is
    /// judged again, and what counts now joins the totals.
    fn change(&mut self, p: u32, f: impl FnOnce(&mut Precinct)) {
        let items = &self.precincts.items;
        let was_flagged = items[p as usize].flags != 0;
        if let Some(e) = items[p as usize].counted() {
            self.tallies.sub(p, e, items);
        }
        let prec = &mut self.precincts.items[p as usize];
        f(prec);
        prec.evaluate(&CheckContext { polls_close: &self.polls_close });
        let items = &self.precincts.items;
        let flagged = items[p as usize].flags != 0;
        if let Some(e) = items[p as usize].counted() {
            self.tallies.add(p, e, items);
        }
        if flagged {
            let said = flagged::said(self, p);
            self.flagged.insert(p, said);
        } else if was_flagged {
            self.flagged.remove(&p);
        }
        if flagged || was_flagged {
            self.flags_in_order = std::sync::OnceLock::new();
        }
        self.changes.note(p, self.precincts.items.len());
        self.version += 1;
    }

    /// The count as it stands: totals, rows, integrity flags, refusals.
    pub fn count(&self) -> Count {
        count::count(self)
    }
}

#[cfg(test)]
mod tests {
    use super::{Engine, Names};
    use crate::feed::report::parse_json_report;
    use crate::feed::{Batch, Schema, Timestamp};

    /// A report of precinct `id`, by line.
    fn batch(ids: &[&str]) -> Batch {
        let mut b = Batch::default();
        for (i, id) in ids.iter().enumerate() {
            let line = format!(r#"{{"precinct":"{id}","registered":9,"ballots":3,"votes":{{"x":3}}}}"#);
            b.push(crate::feed::Loc::Line(i as u32 + 1), parse_json_report(line.as_bytes(), &Schema::default()));
        }
        b
    }

    /// What followers of the count ask for: the changes since they last looked, in order, or
    /// `None` (look at everything) whenever the log cannot say — cleared, or deferred by a bulk
    /// load, even when the follower looked during it.
    #[test]
    fn changes_are_said_in_order_or_not_at_all() {
        let at = Timestamp { unix: 0, offset_seconds: 0 };
        let mut e = Engine::new(None);
        e.ingest("a.ndjson", batch(&["A", "B"]), at);
        let seen = e.change_seq();
        e.ingest("b.ndjson", batch(&["C", "A"]), at);
        assert_eq!(e.changed_since(seen), Some(&[2, 0][..]));
        assert_eq!(e.changed_since(e.change_seq()), Some(&[][..]));
        assert_eq!(e.changed_since(e.change_seq() + 1), None, "a sequence this engine never had");
        e.defer_indexes();
        let during = e.change_seq();
        e.ingest("c.ndjson", batch(&["D"]), at);
        assert_eq!(e.changed_since(during), None, "changes made while the log is off are not known");
        e.build_indexes();
        assert_eq!(e.changed_since(during), None, "nor after");
        let after = e.change_seq();
        e.ingest("d.ndjson", batch(&["B"]), at);
        assert_eq!(e.changed_since(after), Some(&[1][..]));
    }

    /// Ids of every length (letters of one to four bytes) kept one after another: each is found
    /// again, read back whole, and numbered once, across the table's growth.
    #[test]
    fn names_keep_their_ids_one_after_another() {
        let letters = ["P", "Ж", "東", "𝔘"];
        let id = |i: usize| format!("{}{i}", letters[i % 4].repeat(i % 23));
        let mut names: Names<usize> = Names::default();
        for i in 0..10_000 {
            assert_eq!(names.get_or_insert(&id(i), || i), i as u32);
        }
        let bytes = names.ids.len();
        for i in (0..10_000).rev() {
            assert_eq!(names.get_or_insert(&id(i), || unreachable!("{i} is known")), i as u32);
            assert_eq!((names.id(i as u32), names.find(&id(i)), names.items[i]), (&*id(i), Some(i as u32), i));
        }
        assert_eq!(names.ids.len(), bytes, "a known id is not kept again");
        assert_eq!(names.find("P10000"), None);
    }
}
