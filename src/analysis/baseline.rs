//! A prior election's per-precinct results (`--baseline FEED`): reading them, and matching
//! them to the precincts of the count.
//!
//! The matching rule, in order:
//! 1. the same precinct id;
//! 2. otherwise the same region (by id) and the same station number — the last run of digits
//!    in the id, leading zeros aside — when that pair is unique in the baseline and among the
//!    counted precincts: a territorial commission renamed (`…/ТИК №5/УИК №554` against
//!    `…/ТИК №7/УИК №554`) or a number re-padded (`AST-0042` against `AST-42`) still matches.
//!
//! A baseline precinct no counted precinct matched is one still to come; it belongs to the
//! region of the count that the matched precincts of its baseline region and id stem (the id
//! without its number, e.g. `ABA-`) went to — so a station of a region since split goes to its
//! new region — or else to its baseline region, when the count has one of that id.

use std::collections::HashMap;

use anyhow::{Result, bail};

use crate::engine::Engine;

/// A prior election, by precinct.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub source: String,
    pub(super) candidates: Vec<String>,
    pub(super) rows: Vec<BaseRow>,
    by_id: HashMap<Box<str>, usize>,
    /// (region id, station number) → the one row with them (`None` when several have).
    by_number: HashMap<(String, u64), Option<usize>>,
}

#[derive(Debug, Clone)]
pub(super) struct BaseRow {
    pub id: Box<str>,
    pub region: Option<String>,
    pub registered: u64,
    pub ballots: u64,
    /// Votes by baseline candidate.
    pub votes: Vec<u64>,
}

/// The station number of a precinct id: its last run of ASCII digits, as a number.
fn number(id: &str) -> Option<u64> {
    let end = id.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = id[..end].trim_end_matches(|c: char| c.is_ascii_digit()).len();
    match id[start..end].trim_start_matches('0') {
        "" => Some(0),
        digits => digits.parse().ok(),
    }
}

/// The id without its station number (`ABA-0045` → `ABA-`).
fn stem(id: &str) -> &str {
    match id.rfind(|c: char| c.is_ascii_digit()) {
        Some(end) => id[..=end].trim_end_matches(|c: char| c.is_ascii_digit()),
        None => id,
    }
}

impl Baseline {
    /// This baseline, if it can be projected from (the hub reads it: `hub::load_baseline`).
    pub fn checked(self) -> Result<Baseline> {
        if self.rows.is_empty() {
            bail!("{}: the baseline has no counted precinct with registered voters", self.source);
        }
        Ok(self)
    }

    /// Refuses a baseline none of whose candidates (by id) stands in this election: it is of
    /// another election, and a swing from it would project nothing. `candidates` are the
    /// count's (none known yet: nothing to check).
    pub fn check_candidates<'a>(&self, candidates: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let count: Vec<&str> = candidates.into_iter().collect();
        if count.is_empty() || self.candidates.iter().any(|c| count.contains(&c.as_str())) {
            return Ok(());
        }
        let some = |ids: &mut dyn Iterator<Item = &str>| {
            let ids: Vec<&str> = ids.collect();
            let shown: Vec<String> = ids.iter().take(4).map(|c| crate::text::quote(c, 40)).collect();
            let more = if ids.len() > 4 { format!(" and {} more", ids.len() - 4) } else { String::new() };
            format!("{}{more}", shown.join(", "))
        };
        bail!(
            "{}: not a baseline for this election: none of its candidates ({}) stands in it ({})",
            self.source,
            some(&mut self.candidates.iter().map(String::as_str)),
            some(&mut count.into_iter())
        )
    }

    /// The counted precincts of an engine as a baseline.
    pub fn from_engine(engine: &Engine, source: String) -> Baseline {
        let mut b = Baseline {
            source,
            candidates: engine.candidates().iter().map(|c| c.id.clone()).collect(),
            ..Baseline::default()
        };
        for (id, p) in engine.precincts_with_ids() {
            let Some(e) = p.counted().filter(|e| e.registered > 0 && e.valid() > 0) else { continue };
            let region = p.region().map(|r| engine.regions()[r as usize].id.to_string());
            let votes = (0..engine.candidates().len()).map(|c| u64::from(e.vote(c))).collect();
            let i = b.rows.len();
            if let (Some(r), Some(n)) = (&region, number(id)) {
                b.by_number.entry((r.clone(), n)).and_modify(|x| *x = None).or_insert(Some(i));
            }
            b.by_id.insert(id.into(), i);
            b.rows.push(BaseRow {
                id: id.into(),
                region,
                registered: e.registered.into(),
                ballots: e.ballots.into(),
                votes,
            });
        }
        b
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Matches the counted precincts of `engine` (see the module's rule).
    pub(super) fn matching(&self, engine: &Engine) -> Matching {
        let regions = engine.regions();
        let mut m = Matching { of_precinct: vec![None; engine.precincts().len()], ..Matching::default() };
        let mut used = vec![false; self.rows.len()];
        let mut by_number: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, p) in engine.precincts().iter().enumerate() {
            let (Some(_), Some(r)) = (p.counted(), p.region()) else { continue };
            m.reported += 1;
            let id = engine.precinct_id(i as u32);
            if let Some(&b) = self.by_id.get(id) {
                m.of_precinct[i] = Some(b);
                used[b] = true;
                m.by_id += 1;
            } else if let Some(n) = number(id)
                && let Some(Some(b)) = self.by_number.get(&(regions[r as usize].id.to_string(), n))
            {
                by_number.entry(*b).or_default().push(i);
            }
        }
        // By number: only where one counted precinct claims the row and no id took it.
        let mut claims: Vec<(usize, Vec<usize>)> = by_number.into_iter().collect();
        claims.sort_unstable();
        for (b, ps) in claims {
            if let [p] = ps[..]
                && !used[b]
            {
                m.of_precinct[p] = Some(b);
                used[b] = true;
                m.by_number += 1;
            }
        }
        // Where the matched precincts of each (baseline region, id stem) went in the count.
        let mut went: HashMap<(Option<&str>, &str), HashMap<u32, usize>> = HashMap::new();
        for (i, p) in engine.precincts().iter().enumerate() {
            if let (Some(b), Some(r)) = (m.of_precinct[i], p.region()) {
                let row = &self.rows[b];
                *went.entry((row.region.as_deref(), stem(&row.id))).or_default().entry(r).or_default() += 1;
            }
        }
        for (b, row) in self.rows.iter().enumerate() {
            if used[b] {
                continue;
            }
            let learned = went
                .get(&(row.region.as_deref(), stem(&row.id)))
                .and_then(|to| to.iter().max_by_key(|(r, n)| (**n, std::cmp::Reverse(**r))).map(|(r, _)| *r));
            let region = engine
                .precinct(&row.id)
                .and_then(|p| p.region())
                .or(learned)
                .or_else(|| row.region.as_deref().and_then(|r| engine.region_index(r)));
            if let Some(r) = region {
                m.targets.push((b, r));
            }
        }
        m
    }
}

/// How the counted precincts matched the baseline.
#[derive(Debug, Default)]
pub(super) struct Matching {
    /// The baseline row of each precinct of the engine (by index), if it matched.
    pub of_precinct: Vec<Option<usize>>,
    /// Counted precincts (with a region), and how many matched by id and by region and number.
    pub reported: usize,
    pub by_id: usize,
    pub by_number: usize,
    /// Baseline rows still to come, with the region of the count each belongs to.
    pub targets: Vec<(usize, u32)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn station_numbers_and_stems() {
        assert_eq!(number("AST-0042"), Some(42));
        assert_eq!(number("AST-42"), Some(42));
        assert_eq!(number("Москва/ТИК №5/УИК №554"), Some(554));
        assert_eq!(number("ABR-US-01"), Some(1));
        assert_eq!(number("X-000"), Some(0));
        assert_eq!(number("abroad"), None);
        assert_eq!(stem("ABA-0045"), "ABA-");
        assert_eq!(stem("Москва/ТИК №5/УИК №554"), "Москва/ТИК №5/УИК №");
        assert_eq!(stem("abroad"), "abroad");
    }
}
