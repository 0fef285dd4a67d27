//! Walking a feed directory: every report file below it, with its format and its path
//! relative to the feed (the name rejections and views use) — and every path that could hold
//! reports but cannot be read, said rather than skipped.
//!
//! The rules, the same for `tally` and `watch` (docs/FEED-FORMAT.md §2):
//! - names starting with `.`, temporary and backup names, and the root manifest are passed
//!   over (that is how writers hide files they are still writing);
//! - a folder that cannot be listed, a name that is not UTF-8, a report-named path that is not
//!   a regular file (a FIFO, a device) and a symbolic link to a folder are **refused**, each a
//!   one-line reason under its own name (folders end with `/`);
//! - a symbolic link to a file is read as that file; links to folders are never followed (so a
//!   feed can hold no loop, and no file is read twice under two names).

use std::ffi::OsStr;

use crate::text::display_name;
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

/// A path that could hold reports and cannot be read: its feed-relative name (a folder's ends
/// with `/`) and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Refused {
    pub rel: String,
    pub reason: String,
}

/// What a walk found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Report files, sorted by name.
    pub files: Vec<FeedFile>,
    /// Paths refused, sorted by name.
    pub refused: Vec<Refused>,
    /// Every folder walked (the start included), for watching.
    pub dirs: Vec<PathBuf>,
    /// Report files reached through a symbolic link (their target changes without an event
    /// under the link's name).
    pub links: Vec<String>,
}

/// The feed-relative name of a path below `root`, with `/` separators (`None` when it is not
/// below `root` or a part of it is not UTF-8).
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = rel.components().map(|c| c.as_os_str().to_str()).collect::<Option<_>>()?;
    Some(parts.join("/"))
}

/// Whether a name could be a report (by its extension), whatever else it is.
fn report_named(name: &OsStr) -> bool {
    Path::new(name)
        .extension()
        .and_then(OsStr::to_str)
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "json" | "ndjson" | "jsonl" | "csv"))
}

/// What a path that is not a regular file or a folder is, in words.
pub fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        return "a folder";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    "not a regular file"
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") }
}

/// Every report file below `root`. The error is the root's own (it is missing, or not a
/// folder that can be listed).
pub fn scan(root: &Path) -> std::io::Result<Scan> {
    scan_with(root, &mut |_| {})
}

/// [`scan`], calling `before_listing` with each folder just before it is listed (a watcher
/// set up there misses nothing the listing does not see).
pub fn scan_with(root: &Path, before_listing: &mut dyn FnMut(&Path)) -> std::io::Result<Scan> {
    let mut out = Scan::default();
    before_listing(root);
    let entries = std::fs::read_dir(root)?;
    out.dirs.push(root.to_path_buf());
    walk_entries("", entries, &mut out, before_listing);
    out.files.sort();
    out.refused.sort();
    out.links.sort();
    Ok(out)
}

/// The report files below `dir`, a folder somewhere under `root`, by the same rules as
/// [`scan`] (names relative to `root`). A folder that cannot be listed is refused; a path
/// that is gone, or is hidden or not below `root`, gives nothing.
pub fn scan_under(root: &Path, dir: &Path) -> Scan {
    scan_under_with(root, dir, &mut |_| {})
}

/// [`scan_under`] with a call before each folder is listed (see [`scan_with`]).
pub fn scan_under_with(root: &Path, dir: &Path, before_listing: &mut dyn FnMut(&Path)) -> Scan {
    let mut out = Scan::default();
    if dir == root {
        return match scan_with(root, before_listing) {
            Ok(s) => s,
            Err(_) => out,
        };
    }
    let Ok(rel_path) = dir.strip_prefix(root) else { return out };
    let mut prefix = String::new();
    for c in rel_path.components() {
        let name = c.as_os_str();
        if is_passed_over(name) {
            return out;
        }
        match name.to_str() {
            Some(s) => prefix = join(&prefix, s),
            None => {
                // Refused at the first part that is not UTF-8 (by the walk of its parent).
                let rel = join(&prefix, &display_name(name));
                out.refused.push(Refused { rel: format!("{rel}/"), reason: NOT_UTF8.into() });
                return out;
            }
        }
    }
    match std::fs::symlink_metadata(dir) {
        Err(_) => {}
        Ok(m) if m.file_type().is_symlink() => {
            out.refused.push(Refused { rel: prefix.clone(), reason: LINK_TO_FOLDER.into() });
        }
        Ok(m) if m.is_dir() => {
            before_listing(dir);
            match std::fs::read_dir(dir) {
                Ok(entries) => {
                    out.dirs.push(dir.to_path_buf());
                    walk_entries(&prefix, entries, &mut out, before_listing);
                }
                Err(e) => out.refused.push(Refused { rel: format!("{prefix}/"), reason: cannot_list(&e) }),
            }
        }
        Ok(_) => {}
    }
    out.files.sort();
    out.refused.sort();
    out.links.sort();
    out
}

const NOT_UTF8: &str = "the name is not valid UTF-8, so its reports cannot be named; rename it";
const LINK_TO_FOLDER: &str =
    "a symbolic link to a folder, not followed (copy the folder in, or link its files one by one)";

fn cannot_list(e: &std::io::Error) -> String {
    format!("cannot read this folder: {}", crate::feed::io_reason(e))
}

/// Names a walk never looks at: dotfiles (and dot-folders), temporary and backup names.
fn is_passed_over(name: &OsStr) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if name.as_bytes().first() == Some(&b'.') {
            return true;
        }
    }
    name.to_str().is_some_and(super::format::is_temporary)
}

fn walk_entries(prefix: &str, entries: std::fs::ReadDir, out: &mut Scan, before_listing: &mut dyn FnMut(&Path)) {
    let mut subdirs: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = if prefix.is_empty() { String::new() } else { format!("{prefix}/") };
                out.refused.push(Refused { rel, reason: cannot_list(&e) });
                break;
            }
        };
        let Ok(file_type) = entry.file_type() else { continue };
        if let Some(dir) = classify(prefix, &entry.file_name(), file_type, entry.path(), out) {
            subdirs.push(dir);
        }
    }
    for (rel, path) in subdirs {
        before_listing(&path);
        match std::fs::read_dir(&path) {
            Ok(entries) => {
                out.dirs.push(path.clone());
                walk_entries(&rel, entries, out, before_listing);
            }
            Err(e) => out.refused.push(Refused { rel: format!("{rel}/"), reason: cannot_list(&e) }),
        }
    }
}

/// Judges one entry of a folder: a report file or a refusal goes into `out`; a folder to walk
/// is returned (with its feed-relative name).
fn classify(
    prefix: &str,
    name: &OsStr,
    file_type: std::fs::FileType,
    path: PathBuf,
    out: &mut Scan,
) -> Option<(String, PathBuf)> {
    if is_passed_over(name) {
        return None;
    }
    let Some(utf8) = name.to_str() else {
        if file_type.is_dir() || report_named(name) || file_type.is_symlink() {
            let rel = join(prefix, &display_name(name));
            let rel = if file_type.is_dir() { format!("{rel}/") } else { rel };
            out.refused.push(Refused { rel, reason: NOT_UTF8.into() });
        }
        return None;
    };
    let rel = join(prefix, utf8);
    if file_type.is_dir() {
        return Some((rel, path));
    }
    let format = Format::of(Path::new(&rel));
    if file_type.is_file() {
        if let Some(format) = format {
            out.files.push(FeedFile { rel, path, format });
        }
    } else if file_type.is_symlink() {
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => out.refused.push(Refused { rel, reason: LINK_TO_FOLDER.into() }),
            Ok(m) if m.is_file() => {
                if let Some(format) = format {
                    out.links.push(rel.clone());
                    out.files.push(FeedFile { rel, path, format });
                }
            }
            Ok(m) if format.is_some() => out.refused.push(Refused {
                rel,
                reason: format!("not a regular file but {} (through a symbolic link)", kind_of(&m.file_type())),
            }),
            Ok(_) => {}
            Err(e) if format.is_some() => {
                out.refused.push(Refused { rel, reason: format!("cannot read: {}", crate::feed::io_reason(&e)) })
            }
            Err(_) => {}
        }
    } else if format.is_some() {
        out.refused.push(Refused { rel, reason: format!("not a regular file but {}", kind_of(&file_type)) });
    }
    None
}

/// What the walk would find at `path`, one path under `root` that changed: a folder is walked
/// (see [`scan_under_with`]); anything else is judged as the walk of its folder would judge
/// it. Nothing for a path that is gone, or hidden.
pub fn scan_path(root: &Path, path: &Path, before_listing: &mut dyn FnMut(&Path)) -> Scan {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return Scan::default() };
    if meta.is_dir() {
        return scan_under_with(root, path, before_listing);
    }
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else { return Scan::default() };
    let mut out = Scan::default();
    if parent != root {
        // The folder's own name decides first (hidden, or not UTF-8: nothing below counts).
        let Ok(rel_parent) = parent.strip_prefix(root) else { return out };
        let mut prefix = String::new();
        for c in rel_parent.components() {
            if is_passed_over(c.as_os_str()) {
                return out;
            }
            match c.as_os_str().to_str() {
                Some(s) => prefix = join(&prefix, s),
                None => return out,
            }
        }
        classify(&prefix, name, meta.file_type(), path.to_path_buf(), &mut out);
    } else {
        classify("", name, meta.file_type(), path.to_path_buf(), &mut out);
    }
    out
}

/// The name a path under `root` has in the feed (`\xNN` for bytes that are not UTF-8), as
/// the walk names it.
pub fn display_rel(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    Some(rel.components().map(|c| display_name(c.as_os_str())).collect::<Vec<_>>().join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_of(s: &Scan) -> Vec<(String, Format)> {
        s.files.iter().map(|f| (f.rel.clone(), f.format)).collect()
    }

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
        let s = scan(root).unwrap();
        assert_eq!(
            files_of(&s),
            vec![
                ("a.json".into(), Format::Json),
                ("x/b.ndjson".into(), Format::Ndjson),
                ("x/y/c.csv".into(), Format::Csv)
            ]
        );
        assert!(s.refused.is_empty(), "{:?}", s.refused);
        assert_eq!(s.dirs.len(), 3, "root, x, x/y: {:?}", s.dirs);
        assert_eq!(scan_under(root, &root.join("x")).files.len(), 2);
        assert!(scan_under(root, &root.join("x/.hidden")).files.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn links_special_files_and_strange_names_are_said() {
        use std::os::unix::ffi::OsStrExt;
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.json"), "").unwrap();
        std::os::unix::fs::symlink(".", root.join("loop")).unwrap();
        std::os::unix::fs::symlink("sub/a.json", root.join("alias.json")).unwrap();
        std::os::unix::fs::symlink("missing.json", root.join("dangling.json")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero.json")).unwrap();
        let fifo = std::ffi::CString::new(root.join("pipe.csv").as_os_str().as_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        std::fs::write(root.join(OsStr::from_bytes(b"latin1-\xe9.json")), "").unwrap();
        std::fs::create_dir(root.join(OsStr::from_bytes(b"dir\xff"))).unwrap();
        std::fs::write(root.join(OsStr::from_bytes(b"dir\xff/ok.json")), "").unwrap();
        std::fs::write(root.join(OsStr::from_bytes(b"note\xff.txt")), "").unwrap();
        let s = scan(root).unwrap();
        assert_eq!(files_of(&s), vec![("alias.json".into(), Format::Json), ("sub/a.json".into(), Format::Json)]);
        assert_eq!(s.links, vec!["alias.json".to_string()]);
        let refused: Vec<(&str, &str)> = s.refused.iter().map(|r| (r.rel.as_str(), r.reason.as_str())).collect();
        let names: Vec<&str> = refused.iter().map(|r| r.0).collect();
        assert_eq!(names, vec!["dangling.json", "dir\\xff/", "latin1-\\xe9.json", "loop", "pipe.csv", "zero.json"]);
        assert!(refused[0].1.starts_with("cannot read: "), "{refused:?}");
        assert!(refused[1].1.contains("not valid UTF-8"));
        assert!(refused[3].1.contains("symbolic link to a folder"));
        assert!(refused[4].1.contains("FIFO"));
        assert!(refused[5].1.contains("a device"));
        // A walk of a part of the feed says the same of that part.
        assert_eq!(scan_under(root, &root.join("loop")).refused, vec![s.refused[3].clone()]);
    }
}
