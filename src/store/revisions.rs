//! How often and when last files were revised in history, and the
//! repository's identity: what an iCalendar export needs to number an
//! event's revisions (SEQUENCE), date them (DTSTAMP) and name its events
//! uniquely (UID) without reading the clock.

use super::Repo;
use super::history::to_datetime;
use crate::error::Result;
use crate::model::Timestamp;
use std::path::PathBuf;

/// One file's (or folder's) history from HEAD back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Revised {
    /// Commits that changed it (its creation included). Grows with every
    /// commit that touches it, so it only ever increases along a branch.
    pub count: u32,
    /// The author date of the latest such commit.
    pub last: Option<Timestamp>,
}

/// What one walk of history found.
#[derive(Debug, Clone, Default)]
pub struct Revisions {
    /// One entry per path asked for, in order.
    pub files: Vec<Revised>,
    /// The first 12 hex digits of the repository's root commit (of the
    /// smallest id, when history has several): the same in every clone,
    /// different in another repository. `None` before the first commit.
    pub identity: Option<String>,
}

/// Walks every commit reachable from HEAD once, comparing each path's
/// entry (a blob, or a tree for a folder) with the commit's first parent.
/// `paths` are relative to the records root.
pub fn revisions(repo: &Repo, paths: &[PathBuf]) -> Result<Revisions> {
    let git = repo.git();
    let mut out = Revisions {
        files: vec![Revised::default(); paths.len()],
        identity: None,
    };
    let Some(walk) = super::history::from_head(git, git2::Sort::TOPOLOGICAL)? else {
        return Ok(out);
    };
    let prefix = repo.prefix();
    let full: Vec<PathBuf> = paths.iter().map(|p| prefix.join(p)).collect();
    let entry = |tree: Option<&git2::Tree>, path: &PathBuf| {
        tree.and_then(|t| t.get_path(path).ok()).map(|e| e.id())
    };
    let mut roots: Vec<git2::Oid> = vec![];
    for oid in walk {
        let commit = git.find_commit(oid?)?;
        let tree = commit.tree()?;
        let parent_tree = match commit.parent(0) {
            Ok(p) => Some(p.tree()?),
            Err(_) => {
                roots.push(commit.id());
                None
            }
        };
        let time = to_datetime(commit.author().when());
        for (i, path) in full.iter().enumerate() {
            let now = entry(Some(&tree), path);
            if now.is_some() && now != entry(parent_tree.as_ref(), path) {
                let f = &mut out.files[i];
                f.count += 1;
                if f.last.is_none_or(|l| time > l) {
                    f.last = Some(time);
                }
            }
        }
    }
    // Several roots (histories joined by a merge): the order of the walk
    // may differ between clones, the smallest id does not.
    out.identity = roots
        .iter()
        .min()
        .map(|o| o.to_string().chars().take(12).collect());
    Ok(out)
}
