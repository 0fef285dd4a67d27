//! What a report is judged against: the manifest's candidates and regions (when it lists them)
//! and the reading limits.

use rustc_hash::FxHashMap;

use super::manifest::{CsvMapping, Manifest};
use super::report::{Name, check_id};

/// At most this many candidates are learned from the reports when the manifest lists none.
pub const MAX_LEARNED_CANDIDATES: usize = 1_000;
/// At most this many regions are learned from the reports when the manifest lists none.
pub const MAX_LEARNED_REGIONS: usize = 10_000;

/// The default cap on a file (or, for streamed formats, one line or row), in bytes.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Schema {
    /// Candidate id -> place in the manifest; `None` when candidates are learned from reports.
    candidates: Option<FxHashMap<Box<str>, u32>>,
    /// Candidate ids in manifest order (reports usually list votes in this order).
    candidate_ids: Vec<Box<str>>,
    /// Candidate name -> id, for matching commission CSV headers.
    candidate_names: FxHashMap<Box<str>, Box<str>>,
    /// Region id or name -> place in the manifest; `None` when regions are learned.
    regions: Option<FxHashMap<Box<str>, u32>>,
    /// The manifest's mapping for commission CSV headers.
    pub csv: Option<CsvMapping>,
    pub max_file_size: u64,
}

impl Default for Schema {
    /// No manifest: candidates and regions are learned; the default size cap.
    fn default() -> Self {
        Schema::from_manifest(None, DEFAULT_MAX_FILE_SIZE)
    }
}

impl Schema {
    pub fn from_manifest(manifest: Option<&Manifest>, max_file_size: u64) -> Schema {
        let candidates = manifest
            .filter(|m| !m.candidates.is_empty())
            .map(|m| m.candidates.iter().enumerate().map(|(i, c)| (c.id.as_str().into(), i as u32)).collect());
        let candidate_ids =
            manifest.map(|m| m.candidates.iter().map(|c| c.id.as_str().into()).collect()).unwrap_or_default();
        let candidate_names = manifest
            .map(|m| {
                m.candidates.iter().filter_map(|c| Some((c.name.as_deref()?.into(), c.id.as_str().into()))).collect()
            })
            .unwrap_or_default();
        let regions = manifest.filter(|m| !m.regions.is_empty()).map(|m| {
            let mut map = FxHashMap::default();
            // Names first so that an id always wins over another region's name.
            for (i, r) in m.regions.iter().enumerate() {
                if let Some(name) = &r.name {
                    map.insert(name.as_str().into(), i as u32);
                }
            }
            for (i, r) in m.regions.iter().enumerate() {
                map.insert(r.id.as_str().into(), i as u32);
            }
            map
        });
        let csv = manifest.and_then(|m| m.csv.clone());
        Schema { candidates, candidate_ids, candidate_names, regions, csv, max_file_size }
    }

    /// Whether the manifest lists candidates (so unknown ones are refused).
    pub fn knows_candidates(&self) -> bool {
        self.candidates.is_some()
    }

    /// The candidate id a CSV header names, by id or by name, when the manifest lists candidates.
    pub fn candidate_for_header<'a>(&'a self, header: &'a str) -> Option<&'a str> {
        let known = self.candidates.as_ref()?;
        if known.contains_key(header) {
            return Some(header);
        }
        self.candidate_names.get(header).map(|id| &**id)
    }

    /// The same schema with another size cap.
    pub fn with_max_file_size(mut self, max_file_size: u64) -> Schema {
        self.max_file_size = max_file_size;
        self
    }

    pub fn check_candidate(&self, id: &str) -> Result<(), String> {
        self.candidate(id).map(|_| ())
    }

    /// Like [`Schema::candidate`], trying the manifest's `hint`-th candidate first (one string
    /// comparison instead of a lookup when votes come in manifest order).
    pub fn candidate_hinted(&self, id: &str, hint: usize) -> Result<Name, String> {
        match self.candidate_ids.get(hint) {
            Some(c) if **c == *id => Ok(Name::Listed(hint as u32)),
            _ => self.candidate(id),
        }
    }

    /// The candidate a vote names, or why it is refused.
    pub fn candidate(&self, id: &str) -> Result<Name, String> {
        match &self.candidates {
            Some(known) => match known.get(id) {
                Some(&i) => Ok(Name::Listed(i)),
                None => {
                    check_id("candidate id", id)?;
                    Err(format!("unknown candidate {} (not in election.json)", crate::text::quote(id, 60)))
                }
            },
            None => {
                check_id("candidate id", id)?;
                Ok(Name::Named(id.into()))
            }
        }
    }

    /// The region a report's `region` names (by id or by name), or why it names none.
    pub fn resolve_region(&self, region: Option<&str>) -> Result<Option<Name>, String> {
        match (&self.regions, region) {
            (None, None) => Ok(None),
            (None, Some(r)) => {
                check_id("region", r)?;
                Ok(Some(Name::Named(r.into())))
            }
            (Some(_), None) => Err("missing field \"region\" (election.json lists regions)".into()),
            (Some(map), Some(r)) => match map.get(r) {
                Some(&i) => Ok(Some(Name::Listed(i))),
                None => {
                    check_id("region", r)?;
                    Err(format!("unknown region {} (not in election.json)", crate::text::quote(r, 60)))
                }
            },
        }
    }
}
