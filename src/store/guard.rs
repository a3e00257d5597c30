//! What a changing command makes sure of before it decides anything: the
//! lock is held before the first read, an interrupted command is repaired,
//! the rules it decides by are the committed ones, the clock does not run
//! backwards, and at commit time everything it read is still HEAD's.

use super::repo::Read;
use super::{Repo, journal, lock, paths};
use crate::error::{Error, Result};
use crate::model::Timestamp;
use std::path::{Path, PathBuf};

impl Repo {
    /// Prepares a command that changes records, before it reads anything:
    /// takes rel's lock (waiting a few seconds for another command), repairs
    /// what an interrupted command left, refuses uncommitted `policy.yaml` or
    /// `calendars/` edits and a clock earlier than HEAD's commit, and from
    /// then on notes every record read, for the commit to check.
    pub fn lock_for_change(&self, now: Timestamp) -> Result<()> {
        let held = lock::Lock::acquire(self.git().path(), lock::WAIT)?;
        super::pause::point("locked");
        if let Some(note) = journal::recover(self)? {
            eprintln!("note: {note}");
        }
        let head = self.git().head().ok().and_then(|h| h.target());
        self.opened_head.set(head);
        self.refuse_links(Path::new(paths::POLICY))?;
        self.refuse_links(Path::new(paths::CALENDARS))?;
        self.refuse_uncommitted_rules()?;
        if let Some(head) = head {
            let commit = self.git().find_commit(head)?;
            let time = commit.committer().when();
            if now.timestamp() < time.seconds() {
                let offset = chrono::FixedOffset::east_opt(time.offset_minutes() * 60)
                    .unwrap_or(chrono::FixedOffset::east_opt(0).expect("zero offset"));
                let then = chrono::DateTime::from_timestamp(time.seconds(), 0)
                    .map(|t| t.with_timezone(&offset).to_rfc3339())
                    .unwrap_or_else(|| time.seconds().to_string());
                let source = if self.clock_forced.get() {
                    "REL_NOW"
                } else {
                    "the system clock"
                };
                return Err(Error::data(format!(
                    "the clock ({source}) says {}, earlier than HEAD's commit {} at {then}; time may not run backwards along history (check the clock{})",
                    now.to_rfc3339(),
                    &head.to_string()[..10],
                    if self.clock_forced.get() {
                        ", or set REL_NOW to a later time"
                    } else {
                        ""
                    }
                )));
            }
        }
        *self.lock.borrow_mut() = Some(held);
        *self.reads.borrow_mut() = Some(vec![]);
        Ok(())
    }

    /// `policy.yaml` and `calendars/*.yaml` are the rules every decision
    /// is made by: they must be HEAD's (committed, reviewed), not a
    /// work-tree or staged edit.
    fn refuse_uncommitted_rules(&self) -> Result<()> {
        let prefix = self.prefix();
        let git_path = |rel: &str| {
            prefix
                .join(rel)
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/")
        };
        let mut opts = git2::StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(true)
            .recurse_ignored_dirs(true)
            .disable_pathspec_match(false)
            .pathspec(git_path(paths::POLICY))
            .pathspec(format!("{}/*", git_path(paths::CALENDARS)))
            .pathspec(git_path(paths::CALENDARS));
        let statuses = self.git().statuses(Some(&mut opts))?;
        let mut edited: Vec<String> = vec![];
        for entry in statuses.iter() {
            if entry.status().is_empty() || entry.status() == git2::Status::CURRENT {
                continue;
            }
            let Ok(path) = entry.path() else { continue };
            let rel = Path::new(path)
                .strip_prefix(&prefix)
                .unwrap_or(Path::new(path));
            let under_calendars = rel.starts_with(paths::CALENDARS);
            // rel reads calendars/*.yaml only; other files there are notes.
            let read_by_rel = rel == Path::new(paths::POLICY)
                || (under_calendars
                    && rel.parent() == Some(Path::new(paths::CALENDARS))
                    && rel.extension().is_some_and(|e| e == "yaml"))
                || (under_calendars && entry.status().contains(git2::Status::WT_TYPECHANGE));
            if read_by_rel {
                edited.push(rel.display().to_string());
            }
        }
        edited.sort();
        edited.dedup();
        if edited.is_empty() {
            return Ok(());
        }
        Err(Error::data(format!(
            "{} differ{} from HEAD: rel decides by the committed policy and calendars only; commit the edit (for review) or discard it (git status -- {}) first",
            edited.join(", "),
            if edited.len() == 1 { "s" } else { "" },
            edited.join(" ")
        )))
    }

    /// The files and folder listings this command read that are not what
    /// `tree` (HEAD's) holds, named relative to the root.
    pub(crate) fn stale_reads(&self, tree: Option<&git2::Tree<'_>>) -> Result<Vec<PathBuf>> {
        let reads = self.reads.borrow();
        let Some(reads) = reads.as_ref() else {
            return Ok(vec![]);
        };
        let prefix = self.prefix();
        // Each folder is read once, however many of its files were read.
        let trees = super::trees::TreeCache::new(self.git(), 64);
        let entry = |rel: &Path| tree.and_then(|t| trees.entry(t.id(), &prefix.join(rel)));
        let mut stale = vec![];
        for read in reads {
            match read {
                Read::File { rel, blob } => {
                    let head = entry(rel).and_then(|e| e.blob());
                    if head != *blob {
                        stale.push(rel.clone());
                    }
                }
                Read::Dir { rel, filter, names } => {
                    let mut head: Vec<String> = vec![];
                    if let Some(e) = entry(rel)
                        && let Ok(t) = self.git().find_tree(e.id)
                    {
                        for e in t.iter() {
                            let Ok(name) = e.name() else { continue };
                            let is_file = e.kind() == Some(git2::ObjectType::Blob)
                                && e.filemode() != i32::from(git2::FileMode::Link);
                            let is_dir = e.kind() == Some(git2::ObjectType::Tree);
                            if e.filemode() == i32::from(git2::FileMode::Link)
                                || filter.keep(name, is_file, is_dir)
                            {
                                head.push(name.to_string());
                            }
                        }
                    }
                    head.sort();
                    for name in names.iter().filter(|n| !head.contains(n)) {
                        stale.push(rel.join(name));
                    }
                    for name in head.iter().filter(|n| !names.contains(n)) {
                        stale.push(rel.join(name));
                    }
                }
            }
        }
        stale.sort();
        stale.dedup();
        Ok(stale)
    }
}
