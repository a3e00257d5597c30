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
    findings_at(repo.git(), &repo.prefix(), &repo.workdir)
}

/// [`findings`] through a handle of its own on the repository (`prefix`:
/// the records root inside the work tree `workdir`), for a thread of its
/// own: reading git's index, as large as the repository, can then go on
/// while the records are read.
pub fn findings_at(
    git: &git2::Repository,
    prefix: &Path,
    workdir: &Path,
) -> Result<Vec<(String, String)>> {
    let name = |git_path: &str| {
        Path::new(git_path)
            .strip_prefix(prefix)
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
    // has to be looked up in it, and then scanned for it rather than
    // loaded, where its format allows.
    let index = std::cell::OnceCell::new();
    let staged = |p: &str| -> Result<Option<Oid>> {
        let index = match index.get() {
            Some(index) => index,
            None => {
                let read = super::index_file::Staged::read(git)?;
                index.get_or_init(|| read)
            }
        };
        Ok(index.get(p, 0))
    };
    let on_disk = |p: &str| {
        let full = workdir.join(p);
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
    // What the commit changed under the records root, reading only the
    // folders that differ (a year of changes is one folder of thousands).
    let trees = super::trees::TreeCache::new(git, 16);
    let at = |commit: &git2::Commit| trees.entry(commit.tree_id(), prefix);
    let mut diff: Vec<super::trees::Changed> = vec![];
    trees.diff(at(&parent), at(&head), prefix, &mut diff);
    let short = &head.id().to_string()[..10];
    let id = |e: Option<super::trees::Entry>| e.map(|e| e.id);
    // Each record the commit changed: its path, and its version before
    // and after.
    let changed: Vec<(&str, Option<Oid>, Option<Oid>)> = diff
        .iter()
        .filter_map(|(p, (old, new))| Some((p.to_str()?, id(*old), id(*new))))
        .filter(|(_, before, after)| before != after)
        .collect();
    if changed.is_empty() {
        return Ok(out);
    }
    let paths: Vec<&str> = changed.iter().map(|(p, _, _)| *p).collect();
    let staged = super::index_file::Staged::read(git)?.get_all(&paths, 0);
    for ((p, before, _), staged) in changed.iter().zip(staged) {
        if staged == *before {
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
