//! What a report is judged against: the manifest's candidates and regions (when it lists them)
//! and the reading limits.

use std::collections::HashMap;

use super::manifest::{CsvMapping, Manifest};

/// The default cap on a file (or, for streamed formats, one line or row), in bytes.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Schema {
    /// Candidate ids the manifest lists; `None` when candidates are learned from reports.
    candidates: Option<HashMap<String, ()>>,
    /// Region id or name -> region id; `None` when regions are learned from reports.
    regions: Option<HashMap<String, String>>,
    /// Candidate name -> id, for matching commission CSV headers.
    candidate_names: HashMap<String, String>,
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
            .map(|m| m.candidates.iter().map(|c| (c.id.clone(), ())).collect());
        let regions = manifest.filter(|m| !m.regions.is_empty()).map(|m| {
            let mut map = HashMap::new();
            // Names first so that an id always wins over another region's name.
            for r in &m.regions {
                if let Some(name) = &r.name {
                    map.insert(name.clone(), r.id.clone());
                }
            }
            for r in &m.regions {
                map.insert(r.id.clone(), r.id.clone());
            }
            map
        });
        let candidate_names = manifest
            .map(|m| {
                m.candidates
                    .iter()
                    .filter_map(|c| Some((c.name.clone()?, c.id.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let csv = manifest.and_then(|m| m.csv.clone());
        Schema {
            candidates,
            regions,
            candidate_names,
            csv,
            max_file_size,
        }
    }

    /// Whether the manifest lists candidates (so unknown ones are refused).
    pub fn knows_candidates(&self) -> bool {
        self.candidates.is_some()
    }

    /// The candidate a CSV header names, by id or by name, when the manifest lists candidates.
    pub fn candidate_for_header(&self, header: &str) -> Option<&str> {
        let known = self.candidates.as_ref()?;
        if let Some((id, _)) = known.get_key_value(header) {
            return Some(id);
        }
        self.candidate_names.get(header).map(String::as_str)
    }

    /// The same schema with another size cap.
    pub fn with_max_file_size(mut self, max_file_size: u64) -> Schema {
        self.max_file_size = max_file_size;
        self
    }

    pub fn check_candidate(&self, id: &str) -> Result<(), String> {
        match &self.candidates {
            Some(known) if !known.contains_key(id) => {
                Err(format!("unknown candidate {id:?} (not in election.json)"))
            }
            _ => Ok(()),
        }
    }

    /// The region id a report's `region` names (by id or by name), or why it names none.
    pub fn resolve_region(&self, region: Option<&str>) -> Result<Option<Box<str>>, String> {
        match (&self.regions, region) {
            (None, None) => Ok(None),
            (None, Some(r)) => {
                super::report::check_id("region", r)?;
                Ok(Some(r.into()))
            }
            (Some(_), None) => Err("missing field \"region\" (election.json lists regions)".into()),
            (Some(map), Some(r)) => match map.get(r) {
                Some(id) => Ok(Some(id.as_str().into())),
                None => {
                    super::report::check_id("region", r)?;
                    Err(format!("unknown region {r:?} (not in election.json)"))
                }
            },
        }
    }
}
