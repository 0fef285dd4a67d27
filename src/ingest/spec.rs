//! Opening a feed: its root, its manifest, and the rules its reports are judged by.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::feed::manifest::MANIFEST_FILE;
use crate::feed::scan::{FeedFile, relative, scan};
use crate::feed::{Format, Manifest, Schema};

/// A feed ready to read.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    /// The directory paths are relative to.
    pub root: PathBuf,
    /// Set when the feed is a single report file rather than a directory.
    pub single: Option<FeedFile>,
    /// The manifest file in use, if any.
    pub manifest_path: Option<PathBuf>,
    pub manifest: Option<Manifest>,
    pub schema: Schema,
}

impl FeedSpec {
    /// Opens `path`: a feed directory (with an optional `election.json` at its root), or a
    /// single report file (whose manifest is the nearest `election.json` above it, if any).
    /// `manifest` overrides where the manifest is read from.
    pub fn open(path: &Path, manifest: Option<&Path>, max_file_size: u64) -> Result<FeedSpec> {
        let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot open the feed", path.display()))?;
        let (root, single) = if meta.is_dir() {
            (std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()), None)
        } else {
            let Some(format) = Format::of(Path::new(path.file_name().unwrap_or_default())) else {
                bail!("{}: not a report file (expected .json, .ndjson, .jsonl or .csv)", path.display());
            };
            let root = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            let root = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root };
            let root = std::fs::canonicalize(&root).unwrap_or(root);
            let path = root.join(path.file_name().unwrap_or_default());
            let path = path.as_path();
            let rel = relative(&root, path).unwrap_or_else(|| path.display().to_string());
            (root, Some(FeedFile { rel, path: path.to_path_buf(), format }))
        };
        let manifest_path = match manifest {
            Some(m) => Some(m.to_path_buf()),
            None if single.is_none() => Some(root.join(MANIFEST_FILE)).filter(|p| p.is_file()),
            None => nearest_manifest(&root),
        };
        let manifest = manifest_path.as_deref().map(Manifest::load).transpose()?;
        let schema = Schema::from_manifest(manifest.as_ref(), max_file_size);
        Ok(FeedSpec { root, single, manifest_path, manifest, schema })
    }

    /// The report files of the feed, sorted by path.
    pub fn files(&self) -> Vec<FeedFile> {
        match &self.single {
            Some(f) => vec![f.clone()],
            None => scan(&self.root),
        }
    }

    /// Reloads the manifest (it changed on disk); the error names the file and the reason.
    pub fn reload_manifest(&mut self) -> Result<()> {
        let path = self.manifest_path.clone().unwrap_or_else(|| self.root.join(MANIFEST_FILE));
        let manifest = if path.is_file() { Some(Manifest::load(&path)?) } else { None };
        self.schema = Schema::from_manifest(manifest.as_ref(), self.schema.max_file_size);
        self.manifest_path = manifest.as_ref().map(|_| path);
        self.manifest = manifest;
        Ok(())
    }
}

fn nearest_manifest(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors().map(|d| d.join(MANIFEST_FILE)).find(|p| p.is_file())
}
