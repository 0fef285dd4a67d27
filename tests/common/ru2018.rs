//! Russia's 2018 station protocols, for the tests and benchmarks that use real data: found at
//! `../shared/data/ru-2018-presidential.csv.zip` (or the file named by `VOTEWATCH_RU2018_ZIP`)
//! and unzipped into a temporary directory. When the file is missing, or nothing can unzip it,
//! the caller is told why on stderr (past any output capture) and gets nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The unzipped data (the directory holds `2018.csv`) and the zip it came from; `None`, having
/// said why `who` does not run, when there is none.
pub fn extracted(who: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let zip = std::env::var_os("VOTEWATCH_RU2018_ZIP")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/ru-2018-presidential.csv.zip"));
    let skip = |why: &str| {
        let _ = writeln!(std::io::stderr(), "{who}: NOT RUN: {why}");
    };
    if !zip.is_file() {
        skip(&format!("{} not found", zip.display()));
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    match unzip(&zip, dir.path()) {
        Ok(()) => Some((dir, zip)),
        Err(e) => {
            skip(&e);
            None
        }
    }
}

/// Unzips `zip` into `dir` with the first tool that works: `unzip`, then Python's zipfile.
fn unzip(zip: &Path, dir: &Path) -> Result<(), String> {
    let tools: [(&str, Vec<&std::ffi::OsStr>); 2] = [
        ("unzip", vec!["-q".as_ref(), zip.as_os_str(), "-d".as_ref(), dir.as_os_str()]),
        ("python3", vec!["-m".as_ref(), "zipfile".as_ref(), "-e".as_ref(), zip.as_os_str(), dir.as_os_str()]),
    ];
    let mut tried = Vec::new();
    for (tool, args) in tools {
        match Command::new(tool).args(&args).status() {
            Ok(s) if s.success() => return Ok(()),
            Ok(s) => tried.push(format!("{tool} failed ({s})")),
            Err(e) => tried.push(format!("{tool}: {e}")),
        }
    }
    Err(format!("cannot unzip {}: {}", zip.display(), tried.join("; ")))
}
