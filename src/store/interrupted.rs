//! What an interrupted rel command can leave behind, for `rel check` to
//! report: a journal (this version of rel, killed mid-commit), or an index
//! still holding the versions from before rel's last commit (a command
//! killed after moving the branch by a version of rel without a journal),
//! which a plain `git commit` would silently turn into a revert.

use super::Repo;
use super::journal::Journal;
use crate::error::Result;
use git2::Oid;
use std::path::Path;

/// `(file relative to the records root, message)` for each record whose
/// work-tree or index version an interrupted command left different from
/// HEAD's.
pub fn findings(repo: &Repo) -> Result<Vec<(String, String)>> {
    let git = repo.git();
    let prefix = repo.prefix();
    let name = |git_path: &str| {
        Path::new(git_path)
            .strip_prefix(&prefix)
            .unwrap_or(Path::new(git_path))
            .display()
            .to_string()
    };
    let head_tree = git.head().ok().and_then(|h| h.peel_to_tree().ok());
    let head_blob = |p: &str| {
        head_tree
            .as_ref()
            .and_then(|t| t.get_path(Path::new(p)).ok())
            .map(|e| e.id())
    };
    // The index (as large as the repository) is read only when a path
    // has to be looked up in it.
    let index = std::cell::OnceCell::new();
    let staged = |p: &str| -> Result<Option<Oid>> {
        let index = match index.get() {
            Some(index) => index,
            None => {
                let mut read = git.index()?;
                read.read(false)?;
                index.get_or_init(|| read)
            }
        };
        Ok(index.get_path(Path::new(p), 0).map(|e| e.id))
    };
    let on_disk = |p: &str| {
        let full = repo.workdir.join(p);
        std::fs::symlink_metadata(&full)
            .ok()
            .filter(|m| m.is_file())
            .and_then(|_| Oid::hash_file(git2::ObjectType::Blob, &full).ok())
    };
    let mut out = vec![];

    if let Some(journal) = Journal::read(git.path())? {
        let path = Journal::path(git.path());
        for e in &journal.entries {
            let head = head_blob(&e.git_path);
            let what = match (on_disk(&e.git_path) != head, staged(&e.git_path)? != head) {
                (true, true) => "work-tree and index versions differ",
                (true, false) => "work-tree version differs",
                (false, true) => "index version differs",
                (false, false) => continue,
            };
            out.push((
                name(&e.git_path),
                format!(
                    "an interrupted rel command (journal {}) left this record's {what} from HEAD; the next rel command that changes records repairs it first, or restore HEAD's version with `git restore --source=HEAD --staged --worktree -- {}` and remove the journal",
                    path.display(),
                    e.git_path
                ),
            ));
        }
        if out.is_empty() {
            out.push((
                path.display().to_string(),
                "an interrupted rel command left its journal (its files already match HEAD); the next rel command that changes records clears it".into(),
            ));
        }
        return Ok(out);
    }

    // No journal: an index a version of rel without one left behind.
    let Ok(head) = git.head().and_then(|h| h.peel_to_commit()) else {
        return Ok(out);
    };
    let by_rel = head
        .message()
        .is_ok_and(|m| m.lines().any(|l| l.starts_with("Rel-Action: ")));
    let Ok(parent) = head.parent(0) else {
        return Ok(out);
    };
    if !by_rel {
        return Ok(out);
    }
    let diff = git.diff_tree_to_tree(Some(&parent.tree()?), Some(&head.tree()?), None)?;
    let short = &head.id().to_string()[..10];
    for delta in diff.deltas() {
        let Some(p) = delta.new_file().path().and_then(|p| p.to_str()) else {
            continue;
        };
        if !Path::new(p).starts_with(&prefix) {
            continue;
        }
        let before = delta.old_file().id();
        let before = (!before.is_zero()).then_some(before);
        if staged(p)? == before && head_blob(p) != before {
            out.push((
                name(p),
                format!(
                    "the index still holds this record's version from before rel's commit {short} (a rel command was interrupted after committing); a plain `git commit` now would undo that commit: restore it with `git restore --source=HEAD --staged --worktree -- {p}`"
                ),
            ));
        }
    }
    Ok(out)
}
