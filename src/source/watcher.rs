//! The notify adapter: file-system events for a feed directory, reduced to the ones that can
//! change what a `tally` would read.
//!
//! Reading a file raises events too (open, access, close without writing); taking those as
//! changes made every read cause another read, a loop that kept a core busy on an idle feed.
//! So only creation, writing, renaming, removal, metadata changes (a folder made readable) and
//! close-after-write count ([`matters`], on notify's own event kinds), and reading never
//! causes more work.
//!
//! Each folder is watched on its own (not notify's recursive mode), as the feed's walk lists it
//! ([`crate::feed::scan::scan_with`]): so the folders watched are exactly the folders read —
//! no watch through a link to a folder, none in a dot-folder, an unreadable folder refused
//! rather than making the whole watch fail — and a folder is watched before it is listed, so
//! nothing written meanwhile is missed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode, EventKind, MetadataKind, ModifyKind};
use notify::{RecursiveMode, Watcher};

/// What the watcher tells the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsChange {
    /// These paths may have changed.
    Paths(Vec<PathBuf>),
    /// Events were lost (the kernel's queue overflowed, or reading it failed): compare
    /// everything.
    Rescan,
}

/// Whether an event of this kind can change what a read of the feed gives.
pub fn matters(kind: &EventKind) -> bool {
    match kind {
        // A file written and closed is finished: worth a read at once.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        // Opening, reading and closing after reading change nothing (and our own reads raise them).
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        _ => true,
    }
}

/// A notify event as the loop wants it, or nothing when it cannot change anything.
pub fn translate(event: notify::Result<notify::Event>) -> Option<FsChange> {
    match event {
        Ok(ev) if ev.need_rescan() => Some(FsChange::Rescan),
        Ok(ev) if matters(&ev.kind) && !ev.paths.is_empty() => Some(FsChange::Paths(ev.paths)),
        Ok(_) => None,
        Err(_) => Some(FsChange::Rescan),
    }
}

/// Watches the folders of a feed, one by one, sending what matters to a sink.
pub struct DirWatcher {
    inner: notify::RecommendedWatcher,
    watched: HashSet<PathBuf>,
    /// Set when the system would not let more folders be watched.
    limit: Option<String>,
}

impl DirWatcher {
    /// Starts the watcher; nothing is watched until [`DirWatcher::watch`].
    pub fn start(sink: impl Fn(FsChange) + Send + 'static) -> notify::Result<DirWatcher> {
        let handler = move |event: notify::Result<notify::Event>| {
            if let Some(change) = translate(event) {
                sink(change);
            }
        };
        let inner = notify::RecommendedWatcher::new(handler, notify::Config::default().with_follow_symlinks(false))?;
        Ok(DirWatcher { inner, watched: HashSet::new(), limit: None })
    }

    /// Watches the entries of `dir` (not below: each folder is watched as it is listed). A
    /// folder that cannot be watched is passed over here: the walk refuses it if it cannot be
    /// listed, and one that vanished is gone anyway.
    pub fn watch(&mut self, dir: &Path) {
        if self.watched.contains(dir) {
            return;
        }
        match self.inner.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                self.watched.insert(dir.to_path_buf());
            }
            Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => {
                self.limit =
                    Some("the system's limit on watched folders is reached (fs.inotify.max_user_watches)".to_string());
            }
            Err(_) => {}
        }
    }

    /// Stops watching `dir` and every folder below it (they were removed, or moved away).
    pub fn forget_under(&mut self, dir: &Path) {
        let gone: Vec<PathBuf> = self.watched.iter().filter(|p| p.starts_with(dir)).cloned().collect();
        for p in gone {
            let _ = self.inner.unwatch(&p);
            self.watched.remove(&p);
        }
    }

    /// Whether the system refused to watch more folders (then the caller polls instead).
    pub fn limit_reached(&self) -> Option<&str> {
        self.limit.as_deref()
    }

    /// How many folders are watched.
    pub fn watched(&self) -> usize {
        self.watched.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, RemoveKind, RenameMode};

    #[test]
    fn only_what_can_change_a_read_matters() {
        let yes = [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions)),
            EventKind::Remove(RemoveKind::Folder),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Any,
        ];
        let no = [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
        ];
        for k in yes {
            assert!(matters(&k), "{k:?}");
        }
        for k in no {
            assert!(!matters(&k), "{k:?}");
        }
    }

    #[test]
    fn lost_events_ask_for_a_rescan() {
        let flagged = notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert_eq!(translate(Ok(flagged)), Some(FsChange::Rescan));
        assert_eq!(translate(Err(notify::Error::generic("queue overflow"))), Some(FsChange::Rescan));
        let open = notify::Event::new(EventKind::Access(AccessKind::Open(AccessMode::Any))).add_path("a.json".into());
        assert_eq!(translate(Ok(open)), None);
        let write = notify::Event::new(EventKind::Modify(ModifyKind::Any)).add_path("a.json".into());
        assert_eq!(translate(Ok(write)), Some(FsChange::Paths(vec!["a.json".into()])));
    }

    #[test]
    fn reading_a_watched_folder_raises_nothing_that_matters() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.json"), "{}").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut w = DirWatcher::start(move |c| {
            let _ = tx.send(c);
        })
        .unwrap();
        w.watch(d.path());
        // Reading the folder and the file, many times, says nothing.
        for _ in 0..20 {
            let _ = std::fs::read_dir(d.path()).unwrap().count();
            let _ = std::fs::read(d.path().join("a.json")).unwrap();
        }
        assert!(rx.recv_timeout(std::time::Duration::from_millis(300)).is_err(), "reads raised a change");
        // Writing does.
        std::fs::write(d.path().join("b.json"), "{}").unwrap();
        let got = rx.recv_timeout(std::time::Duration::from_secs(5)).expect("a write is a change");
        assert!(matches!(got, FsChange::Paths(p) if p.iter().any(|p| p.ends_with("b.json"))));
    }
}
