//! What one file contributed, by place (line, array index, or the whole file): its reports'
//! precincts and its rejections, so that a place can be withdrawn when the file changes there
//! or a replay puts a report back.
//!
//! A file read from the start arrives in the order of its places: a list (of line numbers alone,
//! for NDJSON and CSV), where what goes is one range found by binary search. A replay puts reports back in the order of their times, which
//! is not their places': the first one out of order turns the list into a B-tree, where a place
//! is found in O(log n) too (scanning the list for every report made a replay of 100,000 rows
//! quadratic: 15 s for Russia 2018).

use std::collections::BTreeMap;

use crate::feed::Loc;

/// Which of a file's contributions are withdrawn.
#[derive(Debug, Clone, Copy)]
pub enum Gone {
    /// From this place on (`Loc::Whole`, the first of all places: everything).
    From(Loc),
    At(Loc),
}

impl Gone {
    pub fn contains(self, loc: Loc) -> bool {
        match self {
            Gone::From(from) => loc >= from,
            Gone::At(at) => loc == at,
        }
    }

    /// The range of `items` (in the order of their places) that is withdrawn.
    fn range<T>(self, items: &[T], loc: impl Fn(&T) -> Loc) -> std::ops::Range<usize> {
        match self {
            Gone::From(from) => items.partition_point(|x| loc(x) < from)..items.len(),
            Gone::At(at) => items.partition_point(|x| loc(x) < at)..items.partition_point(|x| loc(x) <= at),
        }
    }
}

/// Values by place, in the order of their places (values at the same place in the order they
/// came).
#[derive(Debug, Clone)]
pub enum Places<T> {
    /// Lines (of NDJSON or CSV) in the order of their numbers: the common case, 4 bytes a place
    /// (a million reports' places are 8 MB, not 12).
    Lines(Vec<(u32, T)>),
    /// In the order of their places.
    Listed(Vec<(Loc, T)>),
    /// By place and then by arrival (the number of the arrival, counting from `next`).
    Scattered { map: BTreeMap<(Loc, u64), T>, next: u64 },
}

impl<T> Default for Places<T> {
    fn default() -> Self {
        Places::Lines(Vec::new())
    }
}

impl<T> Places<T> {
    pub fn reserve(&mut self, additional: usize) {
        match self {
            Places::Lines(list) => list.reserve(additional),
            Places::Listed(list) => list.reserve(additional),
            Places::Scattered { .. } => {}
        }
    }

    pub fn push(&mut self, loc: Loc, value: T) {
        match self {
            Places::Lines(list) => match loc {
                Loc::Line(n) if list.last().is_none_or(|(last, _)| *last <= n) => list.push((n, value)),
                _ => {
                    let list = std::mem::take(list).into_iter().map(|(n, v)| (Loc::Line(n), v)).collect();
                    *self = Places::Listed(list);
                    self.push(loc, value);
                }
            },
            Places::Listed(list) if list.last().is_none_or(|(last, _)| *last <= loc) => list.push((loc, value)),
            Places::Listed(list) => {
                let list = std::mem::take(list);
                let next = list.len() as u64;
                let map = list.into_iter().enumerate().map(|(i, (l, v))| ((l, i as u64), v)).collect();
                *self = Places::Scattered { map, next };
                self.push(loc, value);
            }
            Places::Scattered { map, next } => {
                map.insert((loc, *next), value);
                *next += 1;
            }
        }
    }

    /// Takes out what `gone` withdraws, in the order of places.
    pub fn take(&mut self, gone: Gone) -> Vec<T> {
        let out = match self {
            Places::Lines(list) => {
                let range = gone.range(list, |(n, _)| Loc::Line(*n));
                list.drain(range).map(|(_, v)| v).collect()
            }
            Places::Listed(list) => {
                let range = gone.range(list, |(l, _)| *l);
                list.drain(range).map(|(_, v)| v).collect()
            }
            Places::Scattered { map, .. } => match gone {
                Gone::From(from) => map.split_off(&(from, 0)).into_values().collect(),
                Gone::At(at) => {
                    let keys: Vec<(Loc, u64)> = map.range((at, 0)..=(at, u64::MAX)).map(|(k, _)| *k).collect();
                    keys.iter().filter_map(|k| map.remove(k)).collect()
                }
            },
        };
        if self.is_empty() {
            *self = Places::default();
        }
        out
    }

    pub fn len(&self) -> usize {
        match self {
            Places::Lines(list) => list.len(),
            Places::Listed(list) => list.len(),
            Places::Scattered { map, .. } => map.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The furthest place anything is at.
    pub fn last(&self) -> Option<Loc> {
        match self {
            Places::Lines(list) => list.last().map(|(n, _)| Loc::Line(*n)),
            Places::Listed(list) => list.last().map(|(l, _)| *l),
            Places::Scattered { map, .. } => map.last_key_value().map(|((l, _), _)| *l),
        }
    }

    /// Everything, in the order of places.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (Loc, &T)> + '_> {
        match self {
            Places::Lines(list) => Box::new(list.iter().map(|(n, v)| (Loc::Line(*n), v))),
            Places::Listed(list) => Box::new(list.iter().map(|(l, v)| (*l, v))),
            Places::Scattered { map, .. } => Box::new(map.iter().map(|((l, _), v)| (*l, v))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes and withdrawals in any order, against a plain list that is sorted and filtered
    /// each time: the same values, in the same order, whichever form the places are in.
    #[test]
    fn places_withdraw_what_a_plain_list_would() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for round in 0..200 {
            let (mut places, mut plain): (Places<u32>, Vec<(Loc, u32)>) = (Places::default(), Vec::new());
            // Lines in order, array elements in order, or anything in any order.
            let kind = round % 3;
            let mut line = 0u32;
            for value in 0..300u32 {
                let loc = match kind {
                    0 => {
                        line += rng.random_range(0..3);
                        Loc::Line(line)
                    }
                    1 => {
                        line += rng.random_range(0..3);
                        Loc::Index(line)
                    }
                    _ if rng.random_bool(0.05) => Loc::Whole,
                    _ if rng.random_bool(0.1) => Loc::Index(rng.random_range(0..60)),
                    _ => Loc::Line(rng.random_range(1..60)),
                };
                places.push(loc, value);
                plain.push((loc, value));
                plain.sort_by_key(|(l, _)| *l);
                if rng.random_bool(0.3) {
                    let n = rng.random_range(0..65);
                    let at = if kind == 1 || rng.random_bool(0.1) { Loc::Index(n) } else { Loc::Line(n) };
                    let gone = if rng.random_bool(0.8) { Gone::At(at) } else { Gone::From(at) };
                    let expected: Vec<u32> = plain.iter().filter(|(l, _)| gone.contains(*l)).map(|(_, v)| *v).collect();
                    plain.retain(|(l, _)| !gone.contains(*l));
                    assert_eq!(places.take(gone), expected, "round {round}, {gone:?}");
                }
                let listed: Vec<(Loc, u32)> = places.iter().map(|(l, v)| (l, *v)).collect();
                assert_eq!(listed, plain);
                assert_eq!((places.len(), places.last()), (plain.len(), plain.last().map(|(l, _)| *l)));
            }
            match kind {
                0 => assert!(matches!(places, Places::Lines(_)), "lines read in order: a list of line numbers"),
                1 => assert!(matches!(places, Places::Listed(_) | Places::Lines(_)), "read in order: a list"),
                _ => {}
            }
        }
    }
}
