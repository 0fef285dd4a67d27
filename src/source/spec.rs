//! Opening a feed: its root, its manifest, and the rules its reports are judged by.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::feed::manifest::MANIFEST_FILE;
use crate::feed::scan::{FeedFile, Refused, Scan, kind_of, relative, scan};
use crate::feed::{Format, Manifest, Schema};

/// A feed ready to read.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    /// The directory paths are relative to.
    pub root: PathBuf,
    /// Set when the feed is a single report file rather than a directory.
    pub single: Option<FeedFile>,
    /// Where the manifest is read from: `--manifest`, else `FEED/election.json` (for a single
    /// file, the nearest `election.json` above it). It may not exist (yet).
    pub manifest_path: Option<PathBuf>,
    pub manifest: Option<Manifest>,
    /// The bytes the manifest in use was read from (a rewrite with the same bytes is no change).
    manifest_bytes: Option<Vec<u8>>,
    /// Named with `--manifest`: it must exist.
    manifest_explicit: bool,
    pub schema: Schema,
}

/// What a look at the manifest file found.
#[derive(Debug, PartialEq)]
pub enum ManifestChange {
    /// The same bytes as before (or still no manifest).
    Same,
    /// A new manifest is in use (or none, when it was removed).
    Changed,
}

impl FeedSpec {
    /// Opens `path`: a feed directory (with an optional `election.json` at its root), or a
    /// single report file (whose manifest is the nearest `election.json` above it, if any).
    /// `manifest` overrides where the manifest is read from.
    pub fn open(path: &Path, manifest: Option<&Path>, max_file_size: u64) -> Result<FeedSpec> {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("{}: cannot open the feed", crate::text::clean_path(path)))?;
        let (root, single) = if meta.is_dir() {
            (std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()), None)
        } else {
            let Some(format) = Format::of(Path::new(path.file_name().unwrap_or_default())) else {
                bail!("{}: not a report file (expected .json, .ndjson, .jsonl or .csv)", crate::text::clean_path(path));
            };
            if !meta.is_file() {
                bail!("{}: not a regular file but {}", crate::text::clean_path(path), kind_of(&meta.file_type()));
            }
            let root = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            let root = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root };
            let root = std::fs::canonicalize(&root).unwrap_or(root);
            let path = root.join(path.file_name().unwrap_or_default());
            let path = path.as_path();
            let rel = relative(&root, path).unwrap_or_else(|| path.display().to_string());
            (root, Some(FeedFile { rel, path: path.to_path_buf(), format }))
        };
        let manifest_path = match manifest {
            Some(m) => Some(std::fs::canonicalize(m).unwrap_or_else(|_| m.to_path_buf())),
            None if single.is_none() => Some(root.join(MANIFEST_FILE)),
            None => nearest_manifest(&root),
        };
        let mut spec = FeedSpec {
            root,
            single,
            manifest_path,
            manifest: None,
            manifest_bytes: None,
            manifest_explicit: manifest.is_some(),
            schema: Schema::from_manifest(None, max_file_size),
        };
        let bytes = spec.read_manifest_bytes()?;
        spec.use_manifest(bytes)?;
        Ok(spec)
    }

    /// The manifest file's bytes now: `None` when there is none (for `--manifest`, a missing
    /// file is an error).
    fn read_manifest_bytes(&self) -> Result<Option<Vec<u8>>> {
        let Some(path) = &self.manifest_path else { return Ok(None) };
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !self.manifest_explicit => Ok(None),
            Err(e) => {
                Err(anyhow::anyhow!("{}: cannot read: {}", crate::text::clean_path(path), crate::feed::io_reason(&e)))
            }
        }
    }

    /// Takes `bytes` (or none) as the manifest in use; the error names the file and the reason.
    fn use_manifest(&mut self, bytes: Option<Vec<u8>>) -> Result<()> {
        let manifest = match (&bytes, &self.manifest_path) {
            (Some(b), Some(path)) => Some(Manifest::from_slice(b).with_context(|| crate::text::clean_path(path))?),
            _ => None,
        };
        self.schema = Schema::from_manifest(manifest.as_ref(), self.schema.max_file_size);
        self.manifest = manifest;
        self.manifest_bytes = bytes;
        Ok(())
    }

    /// The paths of the feed: report files and refused paths. For a directory, the error is
    /// the root's own (it is gone, or cannot be listed).
    pub fn scan(&self) -> std::io::Result<Scan> {
        match &self.single {
            None => scan(&self.root),
            Some(f) => match std::fs::metadata(&f.path) {
                Ok(m) if m.is_file() => Ok(Scan { files: vec![f.clone()], ..Scan::default() }),
                Ok(m) => Ok(Scan {
                    refused: vec![Refused {
                        rel: f.rel.clone(),
                        reason: format!("not a regular file but {}", kind_of(&m.file_type())),
                    }],
                    ..Scan::default()
                }),
                Err(e) => Err(e),
            },
        }
    }

    /// Looks at the manifest file again: a real change (other bytes, a new file, a removed
    /// one) is taken; the same bytes are no change. An unreadable or invalid manifest is an
    /// error naming the file and the reason, and the one in use stays.
    pub fn reload_manifest(&mut self) -> Result<ManifestChange> {
        let bytes = self.read_manifest_bytes()?;
        if bytes == self.manifest_bytes {
            return Ok(ManifestChange::Same);
        }
        self.use_manifest(bytes)?;
        Ok(ManifestChange::Changed)
    }

    /// Whether `path` is the manifest file.
    pub fn is_manifest(&self, path: &Path) -> bool {
        self.manifest_path.as_deref() == Some(path)
    }

    /// Whether the manifest lives inside the feed directory (so the directory's events
    /// announce its changes).
    pub fn manifest_inside(&self) -> bool {
        self.single.is_none() && self.manifest_path.as_ref().is_some_and(|p| p.parent() == Some(self.root.as_path()))
    }
}

fn nearest_manifest(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors().map(|d| d.join(MANIFEST_FILE)).find(|p| p.is_file())
}
