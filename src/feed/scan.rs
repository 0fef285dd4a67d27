//! Walking a feed directory: every report file below it, with its format and its path
//! relative to the feed (the name rejections and views use).

use std::path::{Path, PathBuf};

use super::Format;

/// A report file found in a feed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedFile {
    /// Relative to the feed root, with `/` separators.
    pub rel: String,
    pub path: PathBuf,
    pub format: Format,
}

/// The feed-relative name of a path below `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = rel.components().map(|c| c.as_os_str().to_str()).collect::<Option<_>>()?;
    Some(parts.join("/"))
}

/// Every report file below `root`, sorted by name. Unreadable folders are passed over.
pub fn scan(root: &Path) -> Vec<FeedFile> {
    let mut out: Vec<FeedFile> = walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_str().is_some_and(|n| n.starts_with('.')))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = relative(root, e.path())?;
            let format = Format::of(Path::new(&rel))?;
            Some(FeedFile { rel, path: e.into_path(), format })
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_reports_recursively_and_passes_over_the_rest() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for f in [
            "election.json",
            "a.json",
            "x/b.ndjson",
            "x/y/c.csv",
            "x/.hidden/d.json",
            ".e.json",
            "f.json.tmp",
            "notes.txt",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let got: Vec<(String, Format)> = scan(root).into_iter().map(|f| (f.rel, f.format)).collect();
        assert_eq!(
            got,
            vec![
                ("a.json".into(), Format::Json),
                ("x/b.ndjson".into(), Format::Ndjson),
                ("x/y/c.csv".into(), Format::Csv)
            ]
        );
    }
}
