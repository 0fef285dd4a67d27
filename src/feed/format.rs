//! Which files of a feed directory are reports, in which format, and which are passed over.

use std::path::Path;

use super::manifest::MANIFEST_FILE;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// One report object, or an array of them.
    Json,
    /// One report a line; the file may keep growing.
    Ndjson,
    /// A header row and one report a row.
    Csv,
}

impl Format {
    /// The format of a feed file by its name, or `None` for files that are not reports.
    pub fn of(rel: &Path) -> Option<Format> {
        if is_ignored(rel) {
            return None;
        }
        let ext = rel.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// Line-oriented formats grow by appending and are read up to their last full line.
    pub fn is_streamed(self) -> bool {
        matches!(self, Format::Ndjson | Format::Csv)
    }
}

/// Dotfiles (and anything under a dot-folder), temporary and backup names, and the manifest.
pub fn is_ignored(rel: &Path) -> bool {
    if rel == Path::new(MANIFEST_FILE) {
        return true;
    }
    let hidden =
        rel.components().any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.') && s != "." && s != ".."));
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    hidden || is_temporary(name)
}

/// Temporary and backup names that writers use while a file is not finished.
pub fn is_temporary(name: &str) -> bool {
    name.ends_with('~') || [".tmp", ".part", ".swp", ".crdownload"].iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names() {
        let f = |s: &str| Format::of(Path::new(s));
        assert_eq!(f("a.json"), Some(Format::Json));
        assert_eq!(f("x/y/A.JSON"), Some(Format::Json));
        assert_eq!(f("log.ndjson"), Some(Format::Ndjson));
        assert_eq!(f("log.jsonl"), Some(Format::Ndjson));
        assert_eq!(f("r.csv"), Some(Format::Csv));
        for ignored in [
            "election.json",
            ".hidden.json",
            ".git/x.json",
            "a/.tmpdir/b.json",
            "a.json.tmp",
            "a.json.part",
            "a.json~",
            "README.md",
            "noext",
        ] {
            assert_eq!(f(ignored), None, "{ignored}");
        }
        assert_eq!(f("sub/election.json"), Some(Format::Json), "only the root manifest is special");
    }
}
