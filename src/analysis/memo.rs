//! What the statistics keep between analyses: each region's points (one per counted precinct,
//! in precinct order, exactly what a fresh look at the engine would gather), brought up to date
//! from the engine's change log — a new report moves one point — with what each precinct costs
//! to work out cached beside it: its whole-percent chance, its territorial unit, its last
//! digits. A region whose points did not move keeps its tests.
//!
//! Long because its tests, which check that what is kept gives exactly what a fresh analysis
//! gives after every kind of change, sit beside what they check.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::engine::Engine;
use crate::engine::anomaly::Anomaly;
use crate::engine::precinct::Entry;

use super::data::{Point, moved};
use super::ranked::{Item, Ranked};
use super::{Config, Kind, RegionResult, Test, digits, integer, outliers, skew};

/// No region (in `Memo::region_of`), no territorial unit (in `Slot::unit`).
const NONE: u32 = u32::MAX;
/// The last digits of a precinct's counts, packed as ten 3-bit counts (only counts of 100 or
/// more are read: a precinct has a few); this when a digit occurs more than 7 times (they are
/// counted from the engine then). Four bytes, not eight: a million slots are 48 MB, not 56.
const UNPACKED: u32 = u32::MAX;

/// One counted precinct of a region.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub point: Point,
    /// Its [`integer::chance`], once worked out (NaN before).
    chance: f64,
    digits: u32,
    /// Its territorial unit among the region's (numbered as first seen), or `NONE`.
    pub unit: u32,
}

const _: () = assert!(size_of::<Slot>() == 48, "a slot is 48 bytes: a million of them are 48 MB");

/// A region's points and what was last made of them.
#[derive(Debug, Default)]
pub struct RegionPoints {
    /// By precinct index.
    pub slots: Vec<Slot>,
    /// Territorial units by name (the part of a precinct id before its last `/`).
    units: FxHashMap<Box<str>, u32>,
    /// The slots' last digits added up (those packed), and how many are not packed.
    digits: [u64; 10],
    unpacked: usize,
    /// The whole-percent sums over its precincts, with the chances known read in; and how many
    /// qualifying precincts' chances are not read yet.
    integer: integer::Sums,
    unread: u64,
    /// What it keeps up to date with `slots` once it is tested again.
    pub kept: Option<Box<Kept>>,
    /// Once it is tested again, its outlier flags (turnout, share) as last said, by precinct,
    /// with their test and q-value (bits): a flag whose test and q-value are the same keeps
    /// its message (most of them, after a correction that moves no median).
    pub said: [FxHashMap<u32, (Test, u64, Anomaly)>; 2],
    /// Its points moved since its tests were made.
    pub dirty: bool,
    pub result: Option<RegionResult>,
}

fn pack_digits(e: &Entry) -> u32 {
    let h = digits::histogram(e.votes.iter().map(|&v| u64::from(v)));
    if h.iter().any(|&n| n > 7) {
        return UNPACKED;
    }
    h.iter().enumerate().fold(0, |acc, (d, &n)| acc | (n as u32) << (3 * d))
}

impl RegionPoints {
    fn slot(&mut self, engine: &Engine, p: u32, e: &Entry, leader: Option<usize>) -> Slot {
        let unit = match engine.precinct_id(p).rsplit_once('/') {
            Some((unit, _)) => match self.units.get(unit) {
                Some(&u) => u,
                None => {
                    let u = self.units.len() as u32;
                    self.units.insert(unit.into(), u);
                    u
                }
            },
            None => NONE,
        };
        Slot { point: Point::of(p, e, leader), chance: f64::NAN, digits: pack_digits(e), unit }
    }

    fn count_digits(&mut self, digits: u32, sign: bool) {
        if digits == UNPACKED {
            self.unpacked = moved(self.unpacked, 1, sign);
            return;
        }
        for (d, sum) in self.digits.iter_mut().enumerate() {
            *sum = moved(*sum, u64::from((digits >> (3 * d)) & 7), sign);
        }
    }

    /// Puts (or replaces) precinct `p`'s point.
    fn put(&mut self, mut slot: Slot) {
        self.count_digits(slot.digits, true);
        self.integer.count(&slot.point, true);
        if integer::qualifies(&slot.point) {
            // A region tested before is tested again soon: its new precinct's chance is read
            // now (the first time, they are worked out together, in parallel).
            if self.result.is_some() {
                slot.chance = integer::chance(&slot.point);
            }
            if slot.chance.is_nan() {
                self.unread += 1;
            } else {
                self.integer.read(slot.chance, true);
            }
        }
        self.changed();
        let p = slot.point.precinct;
        // New precincts come last (indices grow as precincts are first seen).
        let at = match self.slots.last() {
            Some(s) if s.point.precinct >= p => self.slots.binary_search_by_key(&p, |s| s.point.precinct),
            _ => Err(self.slots.len()),
        };
        match at {
            Ok(i) => {
                let old = std::mem::replace(&mut self.slots[i], slot);
                self.uncount(&old);
                // A correction moves its precinct within the kept orders, not out and back.
                if let Some(kept) = self.kept.as_mut() {
                    kept.replace(Some(&old), Some(&slot));
                }
            }
            Err(i) => {
                if let Some(kept) = self.kept.as_mut() {
                    kept.replace(None, Some(&slot));
                }
                self.slots.insert(i, slot);
            }
        }
    }

    /// Marks it to be tested again, its last result letting go of the skew sums it shares
    /// with what is kept (which change in place).
    fn changed(&mut self) {
        self.dirty = true;
        if let Some(res) = self.result.as_mut() {
            res.skew = None;
        }
    }

    /// Takes a slot gone from `slots` out of what is kept beside them.
    fn forget(&mut self, old: &Slot) {
        self.uncount(old);
        if let Some(kept) = self.kept.as_mut() {
            kept.replace(Some(old), None);
        }
    }

    /// Takes a slot gone from `slots` out of the region's sums.
    fn uncount(&mut self, old: &Slot) {
        self.count_digits(old.digits, false);
        self.integer.count(&old.point, false);
        if integer::qualifies(&old.point) {
            if old.chance.is_nan() {
                self.unread -= 1;
            } else {
                self.integer.read(old.chance, false);
            }
        }
    }

    fn take(&mut self, p: u32) {
        if let Ok(i) = self.slots.binary_search_by_key(&p, |s| s.point.precinct) {
            self.changed();
            let old = self.slots.remove(i);
            self.forget(&old);
        }
    }

    /// What it keeps up to date, built the first time it is asked for (a region tested
    /// again), for precincts of at least `min_size`.
    pub fn kept(&mut self, min_size: u64) -> &mut Kept {
        let slots = &self.slots;
        let kept = self.kept.get_or_insert_with(|| Box::new(Kept::new(slots, min_size)));
        debug_assert_eq!(kept.min_size, min_size, "a change of thresholds gathers the points afresh");
        kept
    }

    /// The last digits of the region's counts.
    pub fn digits(&self, engine: &Engine) -> [u64; 10] {
        let mut h = self.digits;
        if self.unpacked > 0 {
            for s in self.slots.iter().filter(|s| s.digits == UNPACKED) {
                if let Some(e) = engine.precincts()[s.point.precinct as usize].counted() {
                    digits::add(&mut h, e.votes.iter().map(|&v| u64::from(v)));
                }
            }
        }
        h
    }

    /// The integer-percent counts: from the sums kept where every qualifying precinct's chance
    /// is read (a region of up to [`integer::EXACT_UP_TO`]), working out (in parallel) only the
    /// chances not yet known.
    pub fn integer(&mut self) -> integer::Tally {
        let step = integer::step(self.integer.included);
        if step == 1 && self.unread == 0 {
            return self.integer.tally(1);
        }
        let mut todo: Vec<&mut Slot> = self
            .slots
            .iter_mut()
            .filter(|s| integer::qualifies(&s.point))
            .step_by(step)
            .filter(|s| s.chance.is_nan())
            .collect();
        todo.par_iter_mut().with_min_len(256).for_each(|s| s.chance = integer::chance(&s.point));
        for s in &todo {
            self.integer.read(s.chance, true);
        }
        self.unread -= todo.len() as u64;
        if step == 1 {
            debug_assert_eq!(self.unread, 0, "every chance is read");
            return self.integer.tally(1);
        }
        let slots = &self.slots;
        integer::tally_with(slots.iter().map(|s| &s.point), |i, _| slots[i].chance)
    }

    /// The latest report time among the region's counted precincts.
    pub fn latest(&self, engine: &Engine) -> Option<i64> {
        self.slots
            .iter()
            .filter_map(|s| engine.precincts()[s.point.precinct as usize].counted().map(|e| e.reported_at().unix))
            .max()
    }
}

/// The skew test's view of a slot: a precinct with at least `min_size` registered voters, and
/// some valid votes and voters, with its territorial unit.
pub fn skew_precinct(s: &Slot, min_size: u64) -> Option<skew::Precinct> {
    let p = &s.point;
    (p.registered() >= min_size && p.valid() > 0 && p.voted() > 0).then(|| {
        let unit = (s.unit != NONE).then_some(s.unit);
        skew::Precinct::new(p.registered(), p.voted(), p.leader(), p.others(), unit)
    })
}

/// What a region tested again keeps up to date point by point, so that testing it again costs
/// what changed: its outlier measures in order, its skew sums, and its turnouts in order (for
/// their voter-weighted median). Built from the points the first time (a region tested once,
/// as by `tally`, never needs it).
#[derive(Debug)]
pub struct Kept {
    min_size: u64,
    pub ranks: outliers::Ranks,
    /// Shared with the region's result until the region changes (then the result lets go of it
    /// first: the sums change in place, without a copy).
    skew: Arc<skew::RegionSums>,
    turnouts: Ranked,
}

impl Kept {
    fn new(slots: &[Slot], min_size: u64) -> Kept {
        let mut skew = skew::RegionSums::default();
        let mut turnouts = Vec::new();
        for s in slots {
            if let Some(p) = skew_precinct(s, min_size) {
                skew.put(&p, true);
                turnouts.push(Self::turnout(s.point.precinct, &p));
            }
        }
        let ranks = outliers::Ranks::new(slots.iter().map(|s| &s.point), min_size);
        Kept { min_size, ranks, skew: skew.into(), turnouts: Ranked::new(turnouts) }
    }

    fn turnout(precinct: u32, p: &skew::Precinct) -> Item {
        let (x, voted) = p.turnout();
        Item { x, n: voted.into(), precinct }
    }

    /// Puts slot `new` in the place of `old`: a precinct arriving (no `old`), corrected, or
    /// leaving (no `new`).
    fn replace(&mut self, old: Option<&Slot>, new: Option<&Slot>) {
        self.ranks.replace(old.map(|s| &s.point), new.map(|s| &s.point));
        let min_size = self.min_size;
        let read = |s: Option<&Slot>| s.and_then(|s| Some((s.point.precinct, skew_precinct(s, min_size)?)));
        let (old, new) = (read(old), read(new));
        if old.is_none() && new.is_none() {
            return;
        }
        let sums = Arc::make_mut(&mut self.skew);
        if let Some((_, p)) = &old {
            sums.put(p, false);
        }
        if let Some((_, p)) = &new {
            sums.put(p, true);
        }
        let turnout = |x: Option<(u32, skew::Precinct)>| x.map(|(precinct, p)| Self::turnout(precinct, &p));
        self.turnouts.replace(turnout(old), turnout(new));
    }

    /// The skew test's sums, if the region has at least `min` precincts it reads.
    pub fn skew(&mut self, min: usize) -> Option<Arc<skew::RegionSums>> {
        if self.skew.precincts < min {
            return None;
        }
        Arc::make_mut(&mut self.skew).finish(self.turnouts.weighted_median().unwrap_or(0.0));
        Some(self.skew.clone())
    }
}

/// A flag as last said: its test and q-value (bits), the analysis that last said it, the flag.
#[derive(Debug)]
struct Said {
    test: Test,
    q: u64,
    round: u64,
    flag: Anomaly,
}

/// The flags' messages of the last analysis, by test (kind, region, precinct): a flag whose
/// test and q-value are the same keeps its message (most of them, after a new report in one
/// region). Kept in place from one analysis to the next; what was not said again is dropped.
#[derive(Debug, Default)]
pub struct Messages {
    said: FxHashMap<(Kind, u32, u32), Said>,
    /// The analysis being said.
    round: u64,
}

impl Messages {
    fn key(t: &Test) -> (Kind, u32, u32) {
        (t.kind, t.region.unwrap_or(NONE), t.precinct.unwrap_or(NONE))
    }

    /// Starts saying the next analysis's flags.
    pub fn begin(&mut self) {
        self.round += 1;
    }

    /// The flag of test `t` with q-value `q`: its message kept if they are the same as when it
    /// was last said, else `make`'s.
    pub fn say(&mut self, t: &Test, q: f64, make: impl FnOnce() -> Anomaly) -> &Anomaly {
        use std::collections::hash_map::Entry;
        let (round, q) = (self.round, q.to_bits());
        let said = match self.said.entry(Self::key(t)) {
            Entry::Occupied(o) => {
                let said = o.into_mut();
                if said.test != *t || said.q != q {
                    *said = Said { test: *t, q, round, flag: make() };
                }
                said
            }
            Entry::Vacant(v) => v.insert(Said { test: *t, q, round, flag: make() }),
        };
        said.round = round;
        &said.flag
    }

    /// Forgets the flags not said since [`begin`](Self::begin).
    pub fn end(&mut self) {
        let round = self.round;
        self.said.retain(|_, said| said.round == round);
    }
}

/// The regions' points and tests as of the last analysis, and what they depended on: a region
/// is tested again only when its points moved (or the thresholds, or the national leader
/// changed, which starts everything over); with the flags' messages and the skew test's
/// regional measures that outlive a region's change.
#[derive(Debug, Default)]
pub struct Memo {
    key: Option<(u64, Config, Option<usize>)>,
    /// The engine's change sequence the points are up to.
    seq: u64,
    /// By precinct: the region whose points hold it, or [`NONE`].
    region_of: Vec<u32>,
    pub regions: Vec<RegionPoints>,
    pub messages: Messages,
    /// The skew test's regional measures.
    pub excesses: super::skew::Excesses,
    /// The regions in order of id (the order flags are laid out in).
    pub by_id: Vec<usize>,
    /// The regions' outlier families' Simes p-values (turnout, share), in order.
    pub simes: [super::order::KeptOrder; 2],
}

impl Memo {
    /// Brings the points up to `engine` (whose national leader is `leader`), marking the
    /// regions whose points moved.
    pub fn update(&mut self, engine: &Engine, cfg: &Config, leader: Option<usize>) {
        let key = Some((engine.instance(), cfg.clone(), leader));
        let changed = if self.key == key { engine.changed_since(self.seq) } else { None };
        if self.key != key {
            self.messages = Messages::default();
            self.excesses = Default::default();
            self.by_id.clear();
            self.simes = Default::default();
        }
        let regions = engine.regions().len();
        match changed {
            Some(changed) => {
                // A region new to the count is judged (if only to say it has too few precincts).
                self.regions.resize_with(regions.max(self.regions.len()), || RegionPoints {
                    dirty: true,
                    ..Default::default()
                });
                self.region_of.resize(engine.precincts().len(), NONE);
                let mut changed = changed.to_vec();
                changed.sort_unstable();
                changed.dedup();
                for p in changed {
                    self.refresh(engine, p, leader);
                }
            }
            None => self.rebuild(engine, leader),
        }
        self.key = key;
        self.seq = engine.change_seq();
    }

    fn point_of(engine: &Engine, p: u32) -> Option<(usize, &Entry)> {
        let prec = &engine.precincts()[p as usize];
        let (e, r) = (prec.counted()?, prec.region()?);
        Some((r as usize, e))
    }

    fn refresh(&mut self, engine: &Engine, p: u32, leader: Option<usize>) {
        let old = self.region_of[p as usize];
        let new = Self::point_of(engine, p);
        if old != NONE && new.is_none_or(|(r, _)| r != old as usize) {
            self.regions[old as usize].take(p);
            self.region_of[p as usize] = NONE;
        }
        if let Some((r, e)) = new {
            let region = &mut self.regions[r];
            let slot = region.slot(engine, p, e, leader);
            region.put(slot);
            self.region_of[p as usize] = r as u32;
        }
    }

    /// How many precincts ahead of the one read its votes are asked for (and twice as many
    /// ahead, its record): enough for the memory's latency, a few of its requests at once.
    const AHEAD: usize = 12;

    /// Gathers every region's points afresh (sized exactly: a million points are tens of MB),
    /// the regions in parallel.
    fn rebuild(&mut self, engine: &Engine, leader: Option<usize>) {
        let regions = engine.regions().len();
        let mut counts = vec![0usize; regions];
        self.region_of = vec![NONE; engine.precincts().len()];
        for p in 0..engine.precincts().len() as u32 {
            if let Some((r, _)) = Self::point_of(engine, p) {
                counts[r] += 1;
                self.region_of[p as usize] = r as u32;
            }
        }
        // The counted precincts region by region, in one list (a list per region would grow).
        let mut next: Vec<usize> = counts.iter().scan(0, |at, &n| Some(std::mem::replace(at, *at + n))).collect();
        let mut order = vec![0u32; counts.iter().sum()];
        for (p, &r) in self.region_of.iter().enumerate().filter(|(_, r)| **r != NONE) {
            order[next[r as usize]] = p as u32;
            next[r as usize] += 1;
        }
        let mut members = Vec::with_capacity(regions);
        let mut rest = order.as_slice();
        for &n in &counts {
            let (these, after) = rest.split_at(n);
            members.push(these);
            rest = after;
        }
        self.regions = members
            .into_par_iter()
            .map(|members| {
                let mut region =
                    RegionPoints { slots: Vec::with_capacity(members.len()), dirty: true, ..Default::default() };
                // A region's precincts lie apart in the engine's table, and their votes apart on
                // the heap: each is asked for some steps ahead, its record and then its votes, so
                // that the walk does not wait on memory at every precinct (it did for about a fifth
                // of the analysis of a million precincts listed region after region in turn).
                let precincts = engine.precincts();
                for (i, &p) in members.iter().enumerate() {
                    if let Some(&far) = members.get(i + 2 * Self::AHEAD) {
                        precincts[far as usize].prefetch();
                    }
                    if let Some(&near) = members.get(i + Self::AHEAD) {
                        precincts[near as usize].prefetch_votes();
                    }
                    let e = precincts[p as usize].counted().expect("a member is counted");
                    let slot = region.slot(engine, p, e, leader);
                    region.put(slot);
                }
                region
            })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, analyze_with};
    use crate::feed::report::parse_json_report;
    use crate::feed::{Batch, Loc, Manifest, Schema, Timestamp};

    fn report(id: usize, region: &str, revision: u32, registered: u32, a: u32, b: u32) -> String {
        format!(
            r#"{{"precinct":"{region}/T{}/{id}","region":"{region}","revision":{revision},"registered":{registered},"ballots":{},"votes":{{"a":{a},"b":{b},"c":{}}}}}"#,
            id % 7,
            a + b + 104,
            104 + id % 13
        )
    }

    /// A region whose precincts name their territorial unit, but for one too small to be read by
    /// the skew test and named without one: the units are numbered among those read only.
    #[test]
    fn a_precinct_without_a_unit_outside_the_skew_test_is_no_trouble() {
        let m = Manifest::from_slice(
            br#"{"id":"t","candidates":[{"id":"a"},{"id":"b"},{"id":"c"}],
                "regions":[{"id":"n"},{"id":"s"},{"id":"e"},{"id":"o"}]}"#,
        )
        .unwrap();
        let schema = Schema::from_manifest(Some(&m), 1 << 20);
        let mut engine = Engine::new(Some(m));
        let mut b = Batch::default();
        let regions = ["n", "s", "e", "o"];
        let mut lines: Vec<String> = (0..240)
            .map(|i| report(i, regions[i % 4], 1, 900 + (i as u32 * 37) % 700, 300 + (i as u32 * 53) % 250, 120))
            .collect();
        lines.push(
            r#"{"precinct":"lonely","region":"n","registered":50,"ballots":20,"votes":{"a":10,"b":5,"c":5}}"#.into(),
        );
        for (i, l) in lines.iter().enumerate() {
            b.push(Loc::Line(i as u32 + 1), parse_json_report(l.as_bytes(), &schema));
        }
        engine.ingest("all.ndjson", b, Timestamp { unix: 0, offset_seconds: 0 });
        let cfg = Config::default();
        let kept = analyze_with(&engine, &cfg, None, &mut Memo::default());
        assert!(kept.national_excess.is_some(), "the skew test is measured");
        assert_eq!(kept, analyze(&engine, &cfg, None));
    }

    /// Corrections, withdrawals, precincts moving between regions and held by conflicting
    /// reports: after each, the kept points give exactly what a fresh analysis gives.
    #[test]
    fn kept_points_follow_every_kind_of_change() {
        let m = Manifest::from_slice(
            br#"{"id":"t","candidates":[{"id":"a"},{"id":"b"},{"id":"c"}],
                "regions":[{"id":"n"},{"id":"s"},{"id":"e"},{"id":"o"},{"id":"w","statistics":false}]}"#,
        )
        .unwrap();
        let schema = Schema::from_manifest(Some(&m), 1 << 20);
        let mut engine = Engine::new(Some(m));
        let seen = Timestamp { unix: 0, offset_seconds: 0 };
        let put = |engine: &mut Engine, file: &str, lines: Vec<String>| {
            let mut b = Batch::default();
            for (i, l) in lines.iter().enumerate() {
                b.push(Loc::Line(i as u32 + 1), parse_json_report(l.as_bytes(), &schema));
            }
            engine.ingest(file, b, seen);
        };
        // Four regions with statistics: enough for the skew test, whose regional measures are
        // kept too.
        let regions = ["n", "s", "e", "o", "w"];
        let mut x = 7u64;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let lines: Vec<String> = (0..400)
            .map(|i| {
                if i % 17 == 0 {
                    // Stuffed boxes, for flags that come and go with the corrections.
                    report(i, regions[i % 5], 1, 1000, 850 - (i as u32 % 7) * 20, 20)
                } else {
                    report(i, regions[i % 5], 1, 900 + (i as u32 * 37) % 700, 300 + (i as u32 * 53) % 250, 120)
                }
            })
            .collect();
        put(&mut engine, "all.ndjson", lines);
        let cfg = Config::default();
        let mut memo = Memo::default();
        let first = analyze_with(&engine, &cfg, None, &mut memo);
        assert!(first.national_excess.is_some(), "the skew test is measured");
        for step in 0..60 {
            match step % 5 {
                // A correction of a precinct (sometimes into another region).
                0 | 1 => {
                    let i = next(400) as usize;
                    let r = regions[next(5) as usize];
                    let line = report(i, regions[i % 5], 2 + step, 1000, 200 + next(600) as u32, next(300) as u32);
                    let line = if step % 5 == 1 {
                        line.replace(&format!("\"region\":\"{}\"", regions[i % 5]), &format!("\"region\":\"{r}\""))
                    } else {
                        line
                    };
                    put(&mut engine, &format!("fix{step}.ndjson"), vec![line]);
                }
                // A conflicting report at the same revision: the precinct is held.
                2 => {
                    let i = next(400) as usize;
                    put(&mut engine, &format!("c{step}.ndjson"), vec![report(i, regions[i % 5], 1, 1, 0, 1)]);
                }
                // A file withdrawn.
                3 => engine.withdraw_file(&format!("fix{}.ndjson", step - 3)),
                // New precincts.
                _ => {
                    let lines = (0..5).map(|k| report(400 + step as usize * 5 + k, "s", 1, 800, 400, 200)).collect();
                    put(&mut engine, &format!("new{step}.ndjson"), lines);
                }
            }
            if step % 2 == 0 {
                let kept = analyze_with(&engine, &cfg, None, &mut memo);
                assert_eq!(kept, analyze(&engine, &cfg, None), "after step {step}");
                // Laid out in the count's order, as a sort would put them.
                let mut sorted = kept.anomalies.to_vec();
                crate::engine::anomaly::sort_anomalies(&mut sorted);
                assert_eq!(*kept.anomalies, sorted, "after step {step}");
            }
        }
        let last = analyze_with(&engine, &cfg, None, &mut memo);
        assert_eq!(last, analyze(&engine, &cfg, None));
        let outliers = last.anomalies.iter().filter(|a| a.kind.ends_with("_outlier")).count();
        assert!(outliers >= 5, "the kept precinct flags are exercised: {outliers}");
    }

    /// A region's last digits, kept packed per precinct (or counted from the engine where a
    /// digit repeats more than a packed count holds), are those of its counted reports.
    #[test]
    fn kept_last_digits_are_the_reports_digits() {
        let ids: Vec<String> = (0..10).map(|c| format!(r#"{{"id":"c{c}"}}"#)).collect();
        let m = Manifest::from_slice(
            format!(r#"{{"id":"t","candidates":[{}],"regions":[{{"id":"n"}},{{"id":"s"}}]}}"#, ids.join(","))
                .as_bytes(),
        )
        .unwrap();
        let schema = Schema::from_manifest(Some(&m), 1 << 20);
        let mut engine = Engine::new(Some(m));
        let line = |i: u32, region: &str, revision: u32, same: u32| {
            // The first `same` candidates' counts all end in 7; the others in i's digits.
            let votes: Vec<String> = (0..10)
                .map(|c| format!(r#""c{c}":{}"#, if c < same { 107 + 10 * c } else { 100 + (i * 7 + c * 3) % 97 }))
                .collect();
            format!(
                r#"{{"precinct":"{region}/{i}","region":"{region}","revision":{revision},"registered":5000,"ballots":2500,"votes":{{{}}}}}"#,
                votes.join(",")
            )
        };
        let direct = |engine: &Engine, r: u32| {
            let mut h = [0u64; 10];
            for p in engine.precincts().iter().filter(|p| p.region() == Some(r)) {
                if let Some(e) = p.counted() {
                    digits::add(&mut h, e.votes.iter().map(|&v| u64::from(v)));
                }
            }
            h
        };
        let mut b = Batch::default();
        for i in 0..60 {
            b.push(
                Loc::Line(i + 1),
                parse_json_report(line(i, ["n", "s"][i as usize % 2], 1, i % 11).as_bytes(), &schema),
            );
        }
        engine.ingest("a.ndjson", b, Timestamp { unix: 0, offset_seconds: 0 });
        let cfg = Config::default();
        let mut memo = Memo::default();
        for step in 0..12u32 {
            memo.update(&engine, &cfg, None);
            for r in 0..2 {
                assert_eq!(memo.regions[r as usize].digits(&engine), direct(&engine, r), "region {r}, step {step}");
            }
            assert!(memo.regions.iter().any(|r| r.unpacked > 0), "some precincts are not packed");
            // A correction that moves a precinct between packed and not.
            let i = step * 5 % 60;
            let mut b = Batch::default();
            b.push(
                Loc::Line(1),
                parse_json_report(
                    line(i, ["n", "s"][i as usize % 2], 2 + step, (i + step * 3) % 11).as_bytes(),
                    &schema,
                ),
            );
            engine.ingest(&format!("fix{step}.ndjson"), b, Timestamp { unix: 0, offset_seconds: 0 });
        }
    }
}
