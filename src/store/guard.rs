//! What a changing command makes sure of before it decides anything: the
//! lock is held before the first read, an interrupted command is repaired,
//! the rules it decides by are the committed ones, the clock does not run
//! backwards, and at commit time everything it read is still HEAD's.

use super::repo::Read;
use super::{Repo, journal, lock, paths};
use crate::error::{Error, Result};
use crate::model::Timestamp;
use std::collections::BTreeMap;
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
    /// is made by: the files rel reads must be HEAD's (committed,
    /// reviewed), not a work-tree edit. HEAD's tree is compared with the
    /// work tree under those paths only (git's filters applied), without
    /// reading the index or walking the records: a staged edit that the
    /// work tree no longer holds is not what rel reads, and rel's commit is
    /// made from HEAD's tree, never from the index.
    fn refuse_uncommitted_rules(&self) -> Result<()> {
        if self.rules_are_heads() {
            return Ok(());
        }
        let prefix = self.prefix();
        let git_path = |rel: &str| {
            prefix
                .join(rel)
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/")
        };
        let mut opts = git2::DiffOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(true)
            .recurse_ignored_dirs(true)
            .include_typechange(true)
            .disable_pathspec_match(false)
            .pathspec(git_path(paths::POLICY))
            .pathspec(format!("{}/*", git_path(paths::CALENDARS)))
            .pathspec(git_path(paths::CALENDARS));
        let head = self.git().head().ok().and_then(|h| h.peel_to_tree().ok());
        let diff = self
            .git()
            .diff_tree_to_workdir(head.as_ref(), Some(&mut opts))?;
        let mut edited: Vec<String> = vec![];
        for delta in diff.deltas() {
            let Some(path) = delta.new_file().path().or(delta.old_file().path()) else {
                continue;
            };
            let rel = path.strip_prefix(&prefix).unwrap_or(path);
            let under_calendars = rel.starts_with(paths::CALENDARS);
            // rel reads calendars/*.yaml only; other files there are notes.
            let read_by_rel = rel == Path::new(paths::POLICY)
                || (under_calendars
                    && rel.parent() == Some(Path::new(paths::CALENDARS))
                    && rel.extension().is_some_and(|e| e == "yaml"))
                || (under_calendars && delta.status() == git2::Delta::Typechange);
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

    /// The quick answer for [`Repo::refuse_uncommitted_rules`]: every file
    /// rel reads as a rule hashes to HEAD's blob as it is, and the
    /// calendars folder lists what HEAD's does. A libgit2 diff of the work
    /// tree reads the whole index and walks every folder whatever its
    /// pathspec; this reads a few small files. `false` (a difference, or
    /// git's filters such as `core.autocrlf` at work) leaves the answer to
    /// that diff.
    fn rules_are_heads(&self) -> bool {
        let Some(tree) = self.git().head().ok().and_then(|h| h.peel_to_tree().ok()) else {
            return false;
        };
        let trees = super::trees::TreeCache::new(self.git(), 4);
        let prefix = self.prefix();
        let at_head = |rel: &Path| trees.entry(tree.id(), &prefix.join(rel));
        let hashed = |rel: &Path| {
            std::fs::read(self.root.join(rel))
                .ok()
                .and_then(|b| git2::Oid::hash_object(git2::ObjectType::Blob, &b).ok())
        };
        let policy = Path::new(paths::POLICY);
        if at_head(policy).and_then(|e| e.blob()) != hashed(policy) {
            return false;
        }
        let calendars = Path::new(paths::CALENDARS);
        let head: BTreeMap<String, super::trees::Entry> = at_head(calendars)
            .and_then(|e| trees.tree(e.id))
            .map(|t| {
                t.iter()
                    .filter_map(|e| {
                        let entry = super::trees::Entry {
                            id: e.id(),
                            kind: e.kind(),
                            mode: e.filemode(),
                        };
                        Some((e.name().ok()?.to_string(), entry))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let Ok(listing) = std::fs::read_dir(self.root.join(calendars)) else {
            return head.is_empty();
        };
        let yaml = |name: &str| name.ends_with(".yaml");
        let mut seen = 0;
        for e in listing {
            let Ok(e) = e else { return false };
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                return false;
            };
            let Ok(kind) = e.file_type() else {
                return false;
            };
            let at = head.get(&name);
            if at.is_some() {
                seen += 1;
            }
            let same_kind = match at {
                Some(h) if kind.is_dir() => h.kind == Some(git2::ObjectType::Tree),
                Some(h) if kind.is_file() => h.blob().is_some(),
                Some(_) => false,
                // Untracked: a note, unless rel reads it.
                None => !yaml(&name) || kind.is_dir(),
            };
            if !same_kind {
                return false;
            }
            if let Some(h) = at
                && yaml(&name)
                && kind.is_file()
                && Some(h.id) != hashed(&calendars.join(&name))
            {
                return false;
            }
        }
        // Every file of HEAD's folder is still there.
        seen == head.len()
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
