//! What a branch changed, for `rel check --base`: the record files its
//! commits changed between the fork point and HEAD, found by a tree diff
//! that opens only the folders that differ, so that its cost follows the
//! branch, not the number of records or the length of history. Edits not
//! committed are not the branch's yet (`rel check` judges the work tree
//! whole); the files are read from the work tree, as `rel check` reads
//! them.

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
    /// Each record file (under `releases/` or `changes/`) that the branch's
    /// commits added or changed and that is in the work tree, with its blob
    /// at the fork (`None`: the branch added it).
    pub records: BTreeMap<PathBuf, Option<git2::Oid>>,
    /// Record files the branch deleted or renamed (or that HEAD has and
    /// the work tree does not).
    pub removed: Vec<PathBuf>,
    /// `policy.yaml`, `calendars/` or `schemas/` differ.
    pub rules: bool,
}

/// What the commits from `fork` to `head` changed.
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
    for (git_path, (old, new)) in changed {
        // Names starting with `.` (`.gitkeep`) are not records.
        if git_path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let Ok(rel) = git_path.strip_prefix(&prefix).map(Path::to_path_buf) else {
            continue;
        };
        // A file HEAD has that the work tree lacks is removed as well.
        if new.is_some() && std::fs::symlink_metadata(repo.root.join(&rel)).is_ok() {
            out.records.insert(rel, old.and_then(|e: Entry| e.blob()));
        } else {
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
    fn a_branch_lists_the_records_its_commits_changed() {
        let f = Fixture::new();
        f.put(Path::new("releases/2025/03/a.yaml"), "a: 1\n");
        f.put(Path::new("changes/2025/c.yaml"), "c: 1\n");
        f.put(Path::new("changes/2025/e.yaml"), "e: 1\n");
        let fork = f.commit_all("fork");
        f.put(Path::new("releases/2025/03/b.yaml"), "b: 1\n");
        f.put(Path::new("changes/2025/c.yaml"), "c: 2\n");
        f.put(Path::new("releases/.gitkeep"), "");
        let head = f.commit_all("branch");
        // Not committed: not the branch's yet.
        f.put(Path::new("changes/2025/e.yaml"), "e: 2\n");
        let repo = f.repo();
        let diff = branch_diff(&repo, fork, head).unwrap();
        let names: Vec<String> = diff
            .records
            .keys()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(names, ["changes/2025/c.yaml", "releases/2025/03/b.yaml"]);
        assert!(diff.records[Path::new("changes/2025/c.yaml")].is_some());
        assert!(diff.records[Path::new("releases/2025/03/b.yaml")].is_none());
        assert!(!diff.rules && diff.removed.is_empty());
        assert!(branch_diff(&repo, head, head).unwrap().records.is_empty());

        // Deleted in the work tree only, or by a commit: removed.
        std::fs::remove_file(f.dir.path().join("releases/2025/03/b.yaml")).unwrap();
        let diff = branch_diff(&repo, fork, head).unwrap();
        assert_eq!(diff.removed, [PathBuf::from("releases/2025/03/b.yaml")]);
        std::fs::remove_file(f.dir.path().join("releases/2025/03/a.yaml")).unwrap();
        f.put(Path::new("calendars/extra.yaml"), "blackouts: []\n");
        let head = f.commit_all("more");
        let diff = branch_diff(&repo, fork, head).unwrap();
        assert!(
            diff.removed
                .contains(&PathBuf::from("releases/2025/03/a.yaml"))
        );
        assert!(diff.rules);
    }
}
