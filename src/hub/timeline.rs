//! The timeline a snapshot carries — reports per minute of feed time and the leader's running
//! share — kept as precincts change. The counted reports are held in time order in blocks with
//! their running sums: a change costs a search and a shift within one block, and a reading
//! walks the blocks once (O(blocks + minutes + points)), where a fresh timeline sorts every
//! counted report.

use std::collections::BTreeMap;

use crate::engine::{Count, Engine};
use crate::feed::Timestamp;

use super::snapshot::{Timeline, leader};

/// Reports a block is made with; it splits in two beyond twice as many. (Small in tests, so
/// that they cross blocks' edges often.)
const BLOCK: usize = if cfg!(test) { 8 } else { 512 };

/// Points of the leader's running share a timeline gives (about).
const POINTS: usize = 200;

/// A counted report in time order: when, its precinct (equal times in precinct order, as a
/// stable sort of the precincts leaves them), the leader's votes and all valid votes.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Item {
    at: Timestamp,
    precinct: u32,
    leader: u32,
    valid: u64,
}

impl Item {
    fn key(&self) -> (Timestamp, u32) {
        (self.at, self.precinct)
    }
}

/// Items in order, with the leader's and the valid votes summed up to and including each.
#[derive(Debug, Default)]
struct Block {
    items: Vec<Item>,
    sums: Vec<(u64, u64)>,
}

impl Block {
    fn new(items: Vec<Item>) -> Block {
        let mut b = Block { items, sums: Vec::new() };
        b.resum(0);
        b
    }

    /// The running sums again from item `from` on.
    fn resum(&mut self, from: usize) {
        self.sums.truncate(from);
        let (mut lv, mut valid) = if from == 0 { (0, 0) } else { self.sums[from - 1] };
        for it in &self.items[from..] {
            lv += u64::from(it.leader);
            valid += it.valid;
            self.sums.push((lv, valid));
        }
    }

    fn first_key(&self) -> (Timestamp, u32) {
        self.items[0].key()
    }
}

/// The timeline, kept up to date with an engine's changes.
#[derive(Debug, Default)]
pub struct KeptTimeline {
    /// The engine (its instance) and the leader (its index) the items were made for.
    key: Option<(u64, Option<usize>)>,
    /// The engine's change sequence when last read.
    seq: u64,
    /// By precinct: the time it is held under, if counted.
    held: Vec<Option<Timestamp>>,
    blocks: Vec<Block>,
    len: usize,
    per_minute: BTreeMap<i64, u64>,
    /// The timeline as last read (given again while nothing it shows changed).
    last: Timeline,
    /// Times it was made afresh (tests check that changes are taken in place).
    #[cfg(test)]
    rebuilds: usize,
}

fn minute(at: Timestamp) -> i64 {
    at.unix.div_euclid(60) * 60
}

/// Precinct `p`'s counted report as an item, with the leader's votes of candidate `leader`.
fn item(engine: &Engine, p: u32, leader: Option<usize>) -> Option<Item> {
    let e = engine.precincts()[p as usize].counted()?;
    Some(Item {
        at: e.reported_at(),
        precinct: p,
        leader: leader.and_then(|l| e.votes.get(l).copied()).unwrap_or(0),
        valid: e.votes.iter().map(|&v| u64::from(v)).sum(),
    })
}

impl KeptTimeline {
    /// The timeline of `engine` now (`summary` its count, for the leader's id): the last one
    /// read while no precinct changed.
    pub fn read(&mut self, engine: &Engine, summary: &Count) -> &Timeline {
        let (row, leader_index) = leader(engine, summary);
        let key = Some((engine.instance(), leader_index));
        let changed = if self.key == key { engine.changed_since(self.seq) } else { None };
        match changed {
            Some([]) => return &self.last,
            // (Many changes at once — a whole file read — cost less made afresh.)
            Some(changed) if changed.len() <= self.len / 8 + 64 => {
                self.held.resize(engine.precincts().len(), None);
                for &p in changed {
                    self.refresh(engine, p, leader_index);
                }
            }
            _ => self.rebuild(engine, leader_index),
        }
        self.key = key;
        self.seq = engine.change_seq();
        self.last = Timeline {
            per_minute: self.per_minute.iter().map(|(&m, &n)| (m, n)).collect(),
            leader: row.map(|l| l.id.clone()),
            leader_share: if leader_index.is_some() { self.shares() } else { Vec::new() },
        };
        &self.last
    }

    fn rebuild(&mut self, engine: &Engine, leader: Option<usize>) {
        #[cfg(test)]
        {
            self.rebuilds += 1;
        }
        let n = engine.precincts().len() as u32;
        let mut items: Vec<Item> = (0..n).filter_map(|p| item(engine, p, leader)).collect();
        items.sort_unstable_by_key(Item::key);
        self.held = vec![None; n as usize];
        self.per_minute.clear();
        for it in &items {
            self.held[it.precinct as usize] = Some(it.at);
            *self.per_minute.entry(minute(it.at)).or_default() += 1;
        }
        self.len = items.len();
        self.blocks = items.chunks(BLOCK).map(|c| Block::new(c.to_vec())).collect();
    }

    /// Takes precinct `p` as it is now.
    fn refresh(&mut self, engine: &Engine, p: u32, leader: Option<usize>) {
        let now = item(engine, p, leader);
        if let Some(at) = self.held[p as usize] {
            let found = self.find((at, p));
            debug_assert!(found.is_some(), "a precinct held is in the blocks");
            if let Some((b, i)) = found {
                if Some(self.blocks[b].items[i]) == now {
                    // (Nothing that shows changed.)
                    return;
                }
                self.take(b, i);
            }
            self.count_minute(at, false);
        }
        self.held[p as usize] = now.map(|it| it.at);
        if let Some(it) = now {
            self.put(it);
            self.count_minute(it.at, true);
        }
    }

    fn count_minute(&mut self, at: Timestamp, add: bool) {
        let m = minute(at);
        if add {
            *self.per_minute.entry(m).or_default() += 1;
        } else if let Some(n) = self.per_minute.get_mut(&m) {
            *n -= 1;
            if *n == 0 {
                self.per_minute.remove(&m);
            }
        }
    }

    /// The block an item of `key` belongs in: the last whose first item is not after it.
    fn block_of(&self, key: (Timestamp, u32)) -> usize {
        self.blocks.partition_point(|b| b.first_key() <= key).saturating_sub(1)
    }

    fn put(&mut self, it: Item) {
        self.len += 1;
        if self.blocks.is_empty() {
            self.blocks.push(Block::new(vec![it]));
            return;
        }
        let b = self.block_of(it.key());
        let block = &mut self.blocks[b];
        let at = block.items.partition_point(|x| x.key() < it.key());
        block.items.insert(at, it);
        if block.items.len() > 2 * BLOCK {
            let tail = block.items.split_off(BLOCK);
            block.resum(at.min(BLOCK));
            self.blocks.insert(b + 1, Block::new(tail));
        } else {
            block.resum(at);
        }
    }

    /// Where the item of `key` is: its block and its place there.
    fn find(&self, key: (Timestamp, u32)) -> Option<(usize, usize)> {
        let b = self.block_of(key);
        let at = self.blocks.get(b)?.items.binary_search_by_key(&key, Item::key).ok()?;
        Some((b, at))
    }

    /// Takes out item `at` of block `b`.
    fn take(&mut self, b: usize, at: usize) {
        let block = &mut self.blocks[b];
        block.items.remove(at);
        self.len -= 1;
        if block.items.is_empty() {
            self.blocks.remove(b);
        } else {
            block.resum(at);
        }
    }

    /// The leader's share of the valid votes after every `step`-th report in time order (and
    /// after the last), `step` making about [`POINTS`] of them.
    fn shares(&self) -> Vec<(u64, f64)> {
        let n = self.len;
        let step = (n / POINTS).max(1);
        let mut ranks = (1..=n / step).map(|k| k * step).chain((!n.is_multiple_of(step)).then_some(n)).peekable();
        let mut out = Vec::with_capacity(n / step + 1);
        let (mut before, mut lv, mut valid) = (0, 0, 0);
        for block in &self.blocks {
            while let Some(&r) = ranks.peek()
                && r <= before + block.items.len()
            {
                let (l, v) = block.sums[r - before - 1];
                let (l, v) = (lv + l, valid + v);
                out.push((r as u64, if v > 0 { l as f64 / v as f64 } else { 0.0 }));
                ranks.next();
            }
            before += block.items.len();
            let (l, v) = block.sums.last().copied().unwrap_or((0, 0));
            (lv, valid) = (lv + l, valid + v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::feed::report::parse_json_report;
    use crate::feed::{Batch, Loc, Manifest, Schema};

    /// The timeline as first written: every counted report sorted by time.
    fn fresh(engine: &Engine, summary: &Count) -> Timeline {
        let mut counted: Vec<(Timestamp, &[u32])> =
            engine.precincts().iter().filter_map(|p| p.counted()).map(|e| (e.reported_at(), &*e.votes)).collect();
        counted.sort_by_key(|(t, _)| *t);
        let mut per_minute: Vec<(i64, u64)> = Vec::new();
        for (t, _) in &counted {
            let minute = t.unix.div_euclid(60) * 60;
            match per_minute.last_mut() {
                Some((m, n)) if *m == minute => *n += 1,
                _ => per_minute.push((minute, 1)),
            }
        }
        let (leader, leader_index) = leader(engine, summary);
        let mut leader_share = Vec::new();
        if let Some(li) = leader_index {
            let step = (counted.len() / 200).max(1);
            let (mut lv, mut valid) = (0u64, 0u64);
            for (i, (_, votes)) in counted.iter().enumerate() {
                lv += u64::from(votes.get(li).copied().unwrap_or(0));
                valid += votes.iter().map(|&v| u64::from(v)).sum::<u64>();
                if (i + 1) % step == 0 || i + 1 == counted.len() {
                    leader_share.push(((i + 1) as u64, if valid > 0 { lv as f64 / valid as f64 } else { 0.0 }));
                }
            }
        }
        Timeline { per_minute, leader: leader.map(|l| l.id.clone()), leader_share }
    }

    /// Reports arriving, corrected (the lead changing hands now and then), withdrawn file by
    /// file and whole batches at once, with the timeline read between them: the kept one is
    /// the fresh one every time, and the changes were taken in place (not made afresh).
    #[test]
    fn the_kept_timeline_is_the_fresh_one() {
        let m = Manifest::from_slice(
            br#"{"id":"t","candidates":[{"id":"a"},{"id":"b"},{"id":"c"}],"regions":[{"id":"n"},{"id":"s"}]}"#,
        )
        .unwrap();
        let schema = Schema::from_manifest(Some(&m), 1 << 20);
        let mut engine = Engine::new(Some(m));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut kept = KeptTimeline::default();
        let mut reads = 0;
        for round in 0..400 {
            let many = if round % 50 == 0 { 3_000 } else { rng.random_range(1..6) };
            let mut b = Batch::default();
            for i in 0..many {
                let p = rng.random_range(0..4_000);
                // Times on few minutes, so that equal times and minutes are common.
                let t = 1_700_000_000 + rng.random_range(0..40) * 17;
                let a = rng.random_range(0..400);
                let line = format!(
                    r#"{{"precinct":"P{p}","region":"{}","revision":{},"reported_at":"{}","registered":2000,"ballots":1000,"votes":{{"a":{a},"b":{},"c":{}}}}}"#,
                    ["n", "s"][p % 2],
                    rng.random_range(1..4),
                    time::OffsetDateTime::from_unix_timestamp(t)
                        .unwrap()
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap(),
                    rng.random_range(0..400),
                    rng.random_range(0..50),
                );
                b.push(Loc::Line(i + 1), parse_json_report(line.as_bytes(), &schema));
            }
            let file = format!("f{}.ndjson", rng.random_range(0..30));
            engine.ingest(&file, b, Timestamp { unix: 0, offset_seconds: 0 });
            if rng.random_ratio(1, 10) {
                engine.withdraw_file(&format!("f{}.ndjson", rng.random_range(0..30)));
            }
            if rng.random_ratio(1, 3) {
                let count = engine.count();
                let expected = fresh(&engine, &count);
                assert_eq!(*kept.read(&engine, &count), expected, "round {round}");
                // Read again with nothing changed: the same, and nothing made afresh.
                let rebuilds = kept.rebuilds;
                assert_eq!(*kept.read(&engine, &count), expected, "round {round}, again");
                assert_eq!(kept.rebuilds, rebuilds);
                reads += 1;
            }
        }
        assert!(reads > 100 && kept.rebuilds < reads / 3, "{reads} reads, {} made afresh", kept.rebuilds);
        assert!(kept.blocks.len() > 4, "the blocks split as they grow: {}", kept.blocks.len());
    }
}
