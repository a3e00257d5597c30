//! What a branch changed, for `rel check --base`: the record files that
//! differ between the fork point and the work tree, found by a tree diff
//! that opens only the folders that differ (fork -> HEAD) and git's status
//! (HEAD -> work tree), so that its cost follows the branch, not the
//! number of records or the length of history.

use super::trees::{Entry, TreeCache};
use super::{Repo, paths};
use crate::error::Result;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Folders and files whose change alters how every record is judged.
const RULES: [&str; 3] = [paths::POLICY, paths::CALENDARS, "schemas"];

/// The record files a branch changed, relative to the records root.
#[derive(Debug, Default)]
pub struct BranchDiff {
    /// Each record file (under `releases/` or `changes/`) that differs
    /// between the fork point and the work tree and is there in the work
    /// tree, with its blob at the fork (`None`: the branch added it).
    pub records: BTreeMap<PathBuf, Option<git2::Oid>>,
    /// The record files the branch's commits changed (fork -> HEAD), there
    /// at HEAD: its bookings.
    pub committed: Vec<PathBuf>,
    /// Record files the fork has and the work tree does not (deleted or
    /// renamed on the branch).
    pub removed: Vec<PathBuf>,
    /// `policy.yaml`, `calendars/` or `schemas/` differ.
    pub rules: bool,
}

/// What changed between the commit `fork` and the work tree, through HEAD
/// (`head`, the branch's last commit).
pub fn branch_diff(repo: &Repo, fork: git2::Oid, head: git2::Oid) -> Result<BranchDiff> {
    let git = repo.git();
    let prefix = repo.prefix();
    let trees = TreeCache::new(git, 64);
    let fork_tree = git.find_commit(fork)?.tree_id();
    let head_tree = git.find_commit(head)?.tree_id();
    let mut out = BranchDiff::default();
    for what in RULES {
        let path = prefix.join(what);
        if trees.entry(fork_tree, &path) != trees.entry(head_tree, &path) {
            out.rules = true;
        }
    }
    let mut changed = BTreeMap::new();
    for top in [paths::RELEASES, paths::CHANGES] {
        let path = prefix.join(top);
        let (a, b) = (trees.entry(fork_tree, &path), trees.entry(head_tree, &path));
        trees.diff(a, b, &path, &mut changed);
    }
    for (path, (_, new)) in &changed {
        if new.is_some()
            && let Ok(rel) = path.strip_prefix(&prefix)
        {
            out.committed.push(rel.to_path_buf());
        }
    }
    let mut touched: Vec<PathBuf> = changed.into_keys().collect();
    // Edits not committed yet (staged, unstaged, new files) count as the
    // branch's: `rel check` judges the work tree.
    let mut options = git2::StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .exclude_submodules(true);
    for top in RULES.iter().chain(&[paths::RELEASES, paths::CHANGES]) {
        options.pathspec(prefix.join(top));
    }
    for entry in git.statuses(Some(&mut options))?.iter() {
        if entry.status().is_empty() || entry.status().is_ignored() {
            continue;
        }
        let Ok(path) = entry.path() else {
            // A name that is not UTF-8 cannot be a record; judge everything.
            out.rules = true;
            continue;
        };
        let path = PathBuf::from(path);
        if RULES.iter().any(|r| path.starts_with(prefix.join(r))) {
            out.rules = true;
        } else {
            touched.push(path);
        }
    }
    touched.sort();
    touched.dedup();
    for git_path in touched {
        let Ok(rel) = git_path.strip_prefix(&prefix).map(Path::to_path_buf) else {
            continue;
        };
        let at_fork = trees.entry(fork_tree, &git_path);
        if std::fs::symlink_metadata(repo.root.join(&rel)).is_ok() {
            out.records
                .insert(rel, at_fork.and_then(|e: Entry| e.blob()));
        } else if at_fork.is_some() {
            out.removed.push(rel);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::Fixture;

    #[test]
    fn a_branch_lists_what_it_committed_and_what_it_left_in_the_work_tree() {
        let f = Fixture::new();
        f.put(Path::new("releases/2025/03/a.yaml"), "a: 1\n");
        f.put(Path::new("changes/2025/c.yaml"), "c: 1\n");
        let fork = f.commit_all("fork");
        f.put(Path::new("releases/2025/03/b.yaml"), "b: 1\n");
        let head = f.commit_all("branch");
        f.put(Path::new("changes/2025/c.yaml"), "c: 2\n");
        f.put(Path::new("changes/2025/d.yaml"), "d: 1\n");
        let repo = f.repo();
        let diff = branch_diff(&repo, fork, head).unwrap();
        let names: Vec<String> = diff
            .records
            .keys()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "changes/2025/c.yaml",
                "changes/2025/d.yaml",
                "releases/2025/03/b.yaml"
            ]
        );
        assert!(diff.records[Path::new("changes/2025/c.yaml")].is_some());
        assert!(diff.records[Path::new("releases/2025/03/b.yaml")].is_none());
        assert_eq!(diff.committed, [PathBuf::from("releases/2025/03/b.yaml")]);
        assert!(!diff.rules && diff.removed.is_empty());
        // Nothing changed between the same two commits but the work tree.
        assert_eq!(branch_diff(&repo, head, head).unwrap().records.len(), 2);

        std::fs::remove_file(f.dir.path().join("releases/2025/03/a.yaml")).unwrap();
        f.put(Path::new("calendars/extra.yaml"), "blackouts: []\n");
        let diff = branch_diff(&repo, fork, head).unwrap();
        assert_eq!(diff.removed, [PathBuf::from("releases/2025/03/a.yaml")]);
        assert!(diff.rules);
    }
}
