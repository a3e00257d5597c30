//! Reading git trees for history: a bounded cache of tree objects, path
//! lookups that resolve each folder once, and a tree diff that skips every
//! folder both sides share (as `git diff-tree` does).
//!
//! libgit2 keeps no tree larger than a few kilobytes in its own cache, so
//! resolving `changes/2025/CHG-2025-0001.yaml` from a commit's root tree
//! inflates and parses the whole `changes/2025` folder again at each
//! lookup; reading a history path by path that way costs commits x files.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The files a diff found, by path, with their entry on each side.
pub type Changes = BTreeMap<PathBuf, (Option<Entry>, Option<Entry>)>;

/// A file a diff found, with its entry on each side.
pub type Changed = (PathBuf, (Option<Entry>, Option<Entry>));

/// A tree entry as the diff and the lookups see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: git2::Oid,
    pub kind: Option<git2::ObjectType>,
    pub mode: i32,
}

impl Entry {
    /// The blob id, when the entry is a file: a symbolic link (mode
    /// 120000) is a blob to git but never read as a file nor followed.
    pub fn blob(&self) -> Option<git2::Oid> {
        (self.kind == Some(git2::ObjectType::Blob) && !self.is_symlink()).then_some(self.id)
    }

    /// A symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.mode == 0o120000
    }

    fn is_tree(&self) -> bool {
        self.kind == Some(git2::ObjectType::Tree)
    }
}

/// Tree objects by id, at most about `2 x capacity` of them: when the
/// newer half fills up, the older half is dropped. Walking history, the
/// trees of one commit are those of the next one's parent, so a small
/// cache holds what is read again.
pub struct TreeCache<'r> {
    git: &'r git2::Repository,
    capacity: usize,
    new: RefCell<HashMap<git2::Oid, git2::Tree<'r>>>,
    old: RefCell<HashMap<git2::Oid, git2::Tree<'r>>>,
}

impl<'r> TreeCache<'r> {
    pub fn new(git: &'r git2::Repository, capacity: usize) -> TreeCache<'r> {
        TreeCache {
            git,
            capacity: capacity.max(1),
            new: RefCell::new(HashMap::new()),
            old: RefCell::new(HashMap::new()),
        }
    }

    pub fn tree(&self, id: git2::Oid) -> Option<git2::Tree<'r>> {
        if let Some(t) = self.new.borrow().get(&id) {
            return Some(t.clone());
        }
        let tree = match self.old.borrow_mut().remove(&id) {
            Some(t) => t,
            None => self.git.find_tree(id).ok()?,
        };
        let mut new = self.new.borrow_mut();
        if new.len() >= self.capacity {
            *self.old.borrow_mut() = std::mem::take(&mut *new);
        }
        new.insert(id, tree.clone());
        Some(tree)
    }

    /// The entry at `path` (relative to the tree `root`); `None`: absent.
    pub fn entry(&self, root: git2::Oid, path: &Path) -> Option<Entry> {
        let mut at = Entry {
            id: root,
            kind: Some(git2::ObjectType::Tree),
            mode: 0o040000,
        };
        for part in path.components() {
            let name = part.as_os_str().to_str()?;
            if !at.is_tree() {
                return None;
            }
            let tree = self.tree(at.id)?;
            let e = tree.get_name(name)?;
            at = Entry {
                id: e.id(),
                kind: e.kind(),
                mode: e.filemode(),
            };
        }
        Some(at)
    }

    /// Every file (non-folder entry) that differs between `old` and `new`
    /// under `path`, with its entry on each side. Folders with the same id
    /// on both sides are not read.
    /// Files come out in git's order of tree entries (a [`Changes`] map
    /// sorts them by path; a list keeps that order).
    pub fn diff<O>(&self, old: Option<Entry>, new: Option<Entry>, path: &Path, out: &mut O)
    where
        O: Extend<Changed>,
    {
        if old == new {
            return;
        }
        let old_tree = old.filter(Entry::is_tree);
        let new_tree = new.filter(Entry::is_tree);
        // A file on one side (or both): a change to that file.
        let old_file = old.filter(|e| !e.is_tree());
        let new_file = new.filter(|e| !e.is_tree());
        if old_file.is_some() || new_file.is_some() {
            out.extend([(path.to_path_buf(), (old_file, new_file))]);
        }
        if old_tree.is_none() && new_tree.is_none() {
            return;
        }
        let load = |e: Option<Entry>| e.and_then(|e| self.tree(e.id));
        let (a, b) = (load(old_tree), load(new_tree));
        // Entries come in git's order: a merge of the two lists.
        let mut xs = a.iter().flat_map(|t| t.iter()).peekable();
        let mut ys = b.iter().flat_map(|t| t.iter()).peekable();
        loop {
            let ord = match (xs.peek(), ys.peek()) {
                (None, None) => break,
                (Some(x), Some(y)) => order(x).cmp(order(y)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
            };
            let (x, y) = match ord {
                std::cmp::Ordering::Less => (xs.next(), None),
                std::cmp::Ordering::Greater => (None, ys.next()),
                std::cmp::Ordering::Equal => (xs.next(), ys.next()),
            };
            let (x, y) = (x.as_ref().map(entry), y.as_ref().map(entry));
            if x == y {
                continue;
            }
            let Some(name) = x.or(y).map(|(n, _)| n) else {
                continue;
            };
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            self.diff(x.map(|(_, e)| e), y.map(|(_, e)| e), &path.join(name), out);
        }
    }
}

fn entry<'a>(e: &'a git2::TreeEntry) -> (&'a [u8], Entry) {
    (
        e.name_bytes(),
        Entry {
            id: e.id(),
            kind: e.kind(),
            mode: e.filemode(),
        },
    )
}

/// Git's order of tree entries: by name, a folder as if its name ended
/// with `/`. A file and a folder of the same name are two entries.
fn order<'a>(e: &'a git2::TreeEntry) -> impl Iterator<Item = &'a u8> + 'a {
    let tree = e.kind() == Some(git2::ObjectType::Tree);
    let slash: &'static [u8] = if tree { b"/" } else { b"" };
    e.name_bytes().iter().chain(slash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::Fixture;

    #[test]
    fn the_diff_lists_the_files_git_lists() {
        let f = Fixture::new();
        let put = |p: &str, s: &str| f.put(Path::new(p), s);
        put("releases/2025/03/a.yaml", "a\n");
        put("releases/2025/03/b.yaml", "b\n");
        put("changes/2025/c.yaml", "c\n");
        put("x", "x\n");
        // `a.b` sorts before the folder `a` (`a/`) in git's order.
        put("releases/a/1.yaml", "1\n");
        put("releases/a.b", "ab\n");
        put("releases/b.x", "unchanged\n");
        put("releases/b/1.yaml", "unchanged\n");
        f.commit_all("one");
        let one = f.git.head().unwrap().peel_to_tree().unwrap().id();
        put("releases/2025/03/b.yaml", "b2\n");
        put("releases/2025/04/d.yaml", "d\n");
        std::fs::remove_dir_all(f.dir.path().join("changes/2025")).unwrap();
        put("changes/2025", "now a file\n");
        put("x", "x2\n");
        put("releases/a/1.yaml", "2\n");
        put("releases/a.b", "ab2\n");
        put("releases/a-", "new\n");
        put("releases/b/2.yaml", "new\n");
        f.commit_all("two");
        let two = f.git.head().unwrap().peel_to_tree().unwrap().id();

        let trees = TreeCache::new(&f.git, 4);
        let root = |id| {
            Some(Entry {
                id,
                kind: Some(git2::ObjectType::Tree),
                mode: 0o040000,
            })
        };
        let mut mine = BTreeMap::new();
        trees.diff(root(one), root(two), Path::new(""), &mut mine);
        let mine: Vec<String> = mine.keys().map(|p| p.display().to_string()).collect();
        let (a, b) = (f.git.find_tree(one).unwrap(), f.git.find_tree(two).unwrap());
        let diff = f.git.diff_tree_to_tree(Some(&a), Some(&b), None).unwrap();
        let mut git: Vec<String> = diff
            .deltas()
            .filter_map(|d| d.new_file().path().or(d.old_file().path()))
            .map(|p| p.display().to_string())
            .collect();
        git.sort();
        git.dedup();
        let mut sorted = mine.clone();
        sorted.sort();
        assert_eq!(sorted, git);
        assert_eq!(mine.len(), 9, "{mine:?}");

        let b2 = trees
            .entry(two, Path::new("releases/2025/03/b.yaml"))
            .unwrap();
        assert_eq!(
            b2.blob(),
            b.get_path(Path::new("releases/2025/03/b.yaml"))
                .ok()
                .map(|e| e.id())
        );
        assert_eq!(trees.entry(two, Path::new("changes/2025/c.yaml")), None);
        assert_eq!(trees.entry(two, Path::new("x/y")), None);
    }
}
