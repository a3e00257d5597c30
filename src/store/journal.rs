//! The journal of a commit in progress, `<git dir>/rel-journal`: written
//! before rel touches the work tree, removed once the branch and the index
//! agree. A crash leaves it behind, and the next changing command (under
//! rel's lock) finishes or undoes what it describes before anything else;
//! `rel check` reports it until then.
//!
//! The order of a commit (see `Transaction::commit`): objects, then
//! `.git/index.lock` (taken as git takes it), the journal, the work-tree
//! files, the new index into `index.lock`, the branch (the commit point),
//! `index.lock` renamed over the index, the journal removed. So:
//! - branch not moved: the commit did not happen; the work-tree files rel
//!   wrote go back to what they were and its `index.lock` is removed;
//! - branch moved: it happened; its `index.lock`, complete and synced
//!   before the branch moved, is renamed into place.

use super::{Repo, atomic, durable};
use crate::error::{Error, Result};
use git2::Oid;
use std::path::{Path, PathBuf};

pub const FILE: &str = "rel-journal";

/// One file of the commit: its path as git names it, what the work tree
/// held before (`None`: absent) and what rel writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub git_path: String,
    pub before: Option<Oid>,
    pub after: Oid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    pub head_ref: String,
    pub parent: Option<Oid>,
    pub commit: Oid,
    /// Identifies the `index.lock` rel created (its inode), so recovery
    /// never removes a lock some git command took since.
    pub index_lock: u64,
    pub entries: Vec<Entry>,
}

fn oid_or_none(o: Option<Oid>) -> String {
    o.map_or_else(|| "none".to_string(), |o| o.to_string())
}

fn parse_oid(text: &str) -> Option<Option<Oid>> {
    if text == "none" {
        Some(None)
    } else {
        Oid::from_str(text).ok().map(Some)
    }
}

impl Journal {
    pub fn path(git_dir: &Path) -> PathBuf {
        git_dir.join(FILE)
    }

    fn render(&self) -> String {
        let mut out = format!(
            "rel-journal 1\nref {}\nparent {}\ncommit {}\nindex-lock {}\n",
            self.head_ref,
            oid_or_none(self.parent),
            self.commit,
            self.index_lock
        );
        for e in &self.entries {
            out.push_str(&format!(
                "file {} {} {}\n",
                oid_or_none(e.before),
                e.after,
                e.git_path
            ));
        }
        out
    }

    fn parse(text: &str) -> Option<Journal> {
        let mut lines = text.lines();
        if lines.next()? != "rel-journal 1" {
            return None;
        }
        let mut field = |key: &str| -> Option<String> {
            lines
                .next()?
                .strip_prefix(key)?
                .strip_prefix(' ')
                .map(str::to_string)
        };
        let head_ref = field("ref")?;
        let parent = parse_oid(&field("parent")?)?;
        let commit = Oid::from_str(&field("commit")?).ok()?;
        let index_lock = field("index-lock")?.parse().ok()?;
        let mut entries = vec![];
        for line in text.lines().skip(5) {
            let rest = line.strip_prefix("file ")?;
            let mut parts = rest.splitn(3, ' ');
            let before = parse_oid(parts.next()?)?;
            let after = Oid::from_str(parts.next()?).ok()?;
            let git_path = parts.next()?.to_string();
            entries.push(Entry {
                git_path,
                before,
                after,
            });
        }
        Some(Journal {
            head_ref,
            parent,
            commit,
            index_lock,
            entries,
        })
    }

    /// Writes the journal durably.
    pub fn write(&self, git_dir: &Path) -> Result<()> {
        atomic::write(&Journal::path(git_dir), self.render().as_bytes())
    }

    /// Removes the journal durably.
    pub fn remove(git_dir: &Path) -> Result<()> {
        let path = Journal::path(git_dir);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::file(&path, e.to_string())),
        }
        durable::sync_dir(git_dir);
        Ok(())
    }

    /// The journal left by an interrupted command, if any. One that cannot
    /// be read is an error naming it.
    pub fn read(git_dir: &Path) -> Result<Option<Journal>> {
        let path = Journal::path(git_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => Journal::parse(&text).map(Some).ok_or_else(|| {
                Error::file(
                    &path,
                    "not a journal rel can read; if no rel command is running, restore the records with `git restore --source=HEAD --staged --worktree -- releases changes` and remove this file",
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::file(&path, e.to_string())),
        }
    }
}

/// The inode of `path`, to tell rel's own `index.lock` from another's.
pub fn inode(path: &Path) -> Option<u64> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(meta.ino())
    }
    #[cfg(not(unix))]
    {
        Some(meta.len())
    }
}

/// The blob id of the work-tree file at `full`; `None`: absent or not a
/// regular file.
fn work_blob(full: &Path) -> Option<Oid> {
    let meta = std::fs::symlink_metadata(full).ok()?;
    if !meta.is_file() {
        return None;
    }
    Oid::hash_file(git2::ObjectType::Blob, full).ok()
}

/// Puts the work-tree files of `journal` back as they were, where they
/// still hold what rel wrote (anything else is someone's later work).
pub fn undo_work_tree(repo: &Repo, journal: &Journal) -> Result<Vec<String>> {
    let mut restored = vec![];
    for e in &journal.entries {
        if e.before == Some(e.after) {
            continue;
        }
        let full = repo.workdir.join(&e.git_path);
        if work_blob(&full) != Some(e.after) {
            continue;
        }
        match e.before {
            Some(before) => {
                let blob = repo.git().find_blob(before)?;
                atomic::write(&full, blob.content())?;
            }
            None => {
                std::fs::remove_file(&full).map_err(|err| Error::file(&full, err.to_string()))?;
                if let Some(dir) = full.parent() {
                    durable::sync_dir(dir);
                }
            }
        }
        restored.push(e.git_path.clone());
    }
    Ok(restored)
}

/// Finishes or undoes the commit an interrupted command journaled, under
/// rel's lock. Returns a note saying what was done; a state it cannot
/// repair safely is an error naming the files and the commands that do.
pub fn recover(repo: &Repo) -> Result<Option<String>> {
    let git_dir = repo.git().path().to_path_buf();
    // Lock files of rel's own that a crash left before linking them into
    // place (nothing else uses these names; rel's lock is held).
    if let Ok(entries) = std::fs::read_dir(&git_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if (name.starts_with("rel-index-") && name.ends_with(".lock"))
                || (name.starts_with("rel-index-") && name.ends_with(".tmp"))
                || (name.starts_with(".rel-") && name.ends_with(".tmp"))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let Some(journal) = Journal::read(&git_dir)? else {
        return Ok(None);
    };
    // Temporary files of atomic writes the crash cut short.
    for e in &journal.entries {
        let Some(dir) = repo
            .workdir
            .join(&e.git_path)
            .parent()
            .map(Path::to_path_buf)
        else {
            continue;
        };
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for f in entries.flatten() {
                let name = f.file_name().to_string_lossy().to_string();
                if name.starts_with(".rel-") && name.ends_with(".tmp") {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
    }
    let index_lock = git_dir.join("index.lock");
    let ours = inode(&index_lock) == Some(journal.index_lock);
    // The branch's lock file, if the crash came while libgit2 moved the
    // branch: it is this commit's when it names the commit, or is still
    // empty and younger than the journal (no git command runs a ref update
    // holding rel's unreferenced commit).
    let ref_lock = git_dir.join(format!("{}.lock", journal.head_ref));
    if let Ok(text) = std::fs::read_to_string(&ref_lock) {
        let journal_time = std::fs::metadata(Journal::path(&git_dir)).and_then(|m| m.modified());
        let lock_time = std::fs::metadata(&ref_lock).and_then(|m| m.modified());
        let young = matches!((journal_time, lock_time), (Ok(j), Ok(l)) if l >= j);
        if text.trim() == journal.commit.to_string() || (text.is_empty() && young) {
            std::fs::remove_file(&ref_lock).map_err(|e| Error::file(&ref_lock, e.to_string()))?;
        }
    }
    let head = match repo.git().refname_to_id(&journal.head_ref) {
        Ok(oid) => Some(oid),
        Err(e) if e.code() == git2::ErrorCode::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let short = |o: Oid| o.to_string()[..10].to_string();
    let paths: Vec<&str> = journal
        .entries
        .iter()
        .map(|e| e.git_path.as_str())
        .collect();
    let note = if head == Some(journal.commit) {
        // The commit happened; only the index may lag behind it.
        if ours {
            durable::sync_file(&index_lock).map_err(|e| Error::file(&index_lock, e.to_string()))?;
            std::fs::rename(&index_lock, git_dir.join("index"))
                .map_err(|e| Error::file(&index_lock, e.to_string()))?;
            durable::sync_dir(&git_dir);
        }
        format!(
            "finished an interrupted rel command: commit {} was made, and the index now matches it ({})",
            short(journal.commit),
            paths.join(", ")
        )
    } else if head == journal.parent {
        // The commit did not happen: put back what rel wrote.
        if ours {
            std::fs::remove_file(&index_lock)
                .map_err(|e| Error::file(&index_lock, e.to_string()))?;
        }
        let restored = undo_work_tree(repo, &journal)?;
        format!(
            "undid an interrupted rel command (it had not committed): {}",
            if restored.is_empty() {
                "nothing needed restoring".to_string()
            } else {
                format!("restored {}", restored.join(", "))
            }
        )
    } else {
        // Someone moved the branch since: rel cannot tell what is whose.
        if ours {
            std::fs::remove_file(&index_lock)
                .map_err(|e| Error::file(&index_lock, e.to_string()))?;
        }
        let clean = paths.iter().all(|p| {
            repo.git()
                .status_file(Path::new(p))
                .is_ok_and(|s| s.is_empty())
        });
        if !clean {
            return Err(Error::data(format!(
                "an interrupted rel command (journal {}) left {} and the branch has moved since; look at them with `git status`, restore HEAD's versions with `git restore --source=HEAD --staged --worktree -- {}`, then remove {}",
                Journal::path(&git_dir).display(),
                paths.join(", "),
                paths.join(" "),
                Journal::path(&git_dir).display()
            )));
        }
        "cleared the journal of an interrupted rel command: its files already match HEAD"
            .to_string()
    };
    Journal::remove(&git_dir)?;
    Ok(Some(note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let j = Journal {
            head_ref: "refs/heads/main".into(),
            parent: None,
            commit: Oid::from_str("0123456789012345678901234567890123456789").unwrap(),
            index_lock: 42,
            entries: vec![Entry {
                git_path: "ops/releases/2025/03/REL 1.yaml".into(),
                before: None,
                after: Oid::from_str("1111111111111111111111111111111111111111").unwrap(),
            }],
        };
        assert_eq!(Journal::parse(&j.render()), Some(j));
        assert_eq!(Journal::parse("garbage"), None);
    }
}
