//! The sample feeds bundled in the binary: `build.rs` packs `sample-feeds/` into a
//! gzip-compressed tar that is embedded here, and `demo` unpacks the one it needs into a
//! temporary folder, so an installed binary needs no checkout.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The bundled samples (`sample-feeds/<name>` in the source tree).
pub const NAMES: [&str; 3] = ["kz-2022-presidential", "kz-2019-presidential", "kz-2012-majilis"];

/// The samples as packed at build time (tar, gzip).
pub static ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/samples.tar.gz"));

/// A sample unpacked into a temporary folder, removed when this is dropped.
#[derive(Debug)]
pub struct Unpacked {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Unpacked {
    /// The sample's feed directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::ops::Deref for Unpacked {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

/// Unpacks the bundled sample `name` (one of [`NAMES`]) into a new temporary folder.
pub fn unpack(name: &str) -> Result<Unpacked> {
    if !NAMES.contains(&name) {
        bail!("there is no bundled sample {} (there are {})", crate::text::quote(name, 60), NAMES.join(", "));
    }
    let dir = tempfile::Builder::new()
        .prefix("votewatch-sample-")
        .tempdir()
        .context("cannot make a temporary folder for the bundled sample")?;
    let broken = |e: std::io::Error| anyhow::anyhow!("the bundled sample archive cannot be read: {e}");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(ARCHIVE));
    let mut files = 0usize;
    for entry in archive.entries().map_err(broken)? {
        let mut entry = entry.map_err(broken)?;
        if entry.path().map_err(broken)?.starts_with(name) {
            let unpacked = entry.unpack_in(dir.path()).with_context(|| {
                format!("cannot unpack the bundled sample {name} into {}", crate::text::clean_path(dir.path()))
            })?;
            files += usize::from(unpacked);
        }
    }
    let path = dir.path().join(name);
    if files == 0 || !path.join("election.json").is_file() {
        bail!("the bundled sample archive holds no {name} (the binary was built without sample-feeds/{name})");
    }
    Ok(Unpacked { _dir: dir, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_unpacks_whole_and_goes_with_its_guard() {
        for name in NAMES {
            let s = unpack(name).unwrap();
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-feeds").join(name);
            let mut want = Vec::new();
            let mut got = Vec::new();
            list(&source, &source, &mut want);
            list(s.path(), s.path(), &mut got);
            assert_eq!(got.len(), want.len(), "{name}: every file");
            for ((g, gb), (w, wb)) in got.iter().zip(&want) {
                assert_eq!(g, w);
                assert!(gb == wb, "{name}/{g}: the same bytes");
            }
            let dir = s.path().to_path_buf();
            drop(s);
            assert!(!dir.exists(), "the temporary folder is removed");
        }
        let e = unpack("../etc").unwrap_err().to_string();
        assert!(e.contains("no bundled sample \"../etc\""), "{e}");
    }

    fn list(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                list(root, &p, out);
            } else {
                out.push((p.strip_prefix(root).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
}
