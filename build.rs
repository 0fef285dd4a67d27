//! Packs the bundled sample feeds into one gzip-compressed tar in OUT_DIR, which the binary
//! embeds (`src/samples.rs`), so that `votewatch demo` works wherever the binary is installed.
//! The archive is deterministic: entries in name order, no timestamps or owners.

use std::path::{Path, PathBuf};

/// The samples embedded, by folder name under `sample-feeds/`.
const SAMPLES: [&str; 3] = ["kz-2022-presidential", "kz-2019-presidential", "kz-2012-majilis"];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("samples.tar.gz");
    let base = root.join("sample-feeds");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display())),
        flate2::Compression::best(),
    );
    let mut tar = tar::Builder::new(gz);
    for name in SAMPLES {
        let dir = base.join(name);
        println!("cargo::rerun-if-changed={}", dir.display());
        let mut list = Vec::new();
        files(&dir, &mut list);
        for path in list {
            let rel = path.strip_prefix(&base).expect("under sample-feeds");
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut header, rel, bytes.as_slice()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    tar.into_inner().and_then(|gz| gz.finish()).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    println!("cargo::rerun-if-changed=build.rs");
}
