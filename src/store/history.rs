//! Reading the audit trail back from git history.

use super::Repo;
use super::trees::{Changed, Changes, TreeCache};
use crate::error::Result;
use chrono::{DateTime, FixedOffset};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use crate::model::history::{Signature, SignatureCheck};

/// One commit of the audit trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogEntry {
    pub commit: String,
    pub author: String,
    pub email: String,
    /// The author date.
    pub time: DateTime<FixedOffset>,
    pub subject: String,
    /// The trailers as an object: rel writes each key at most once. Should
    /// a commit written by hand repeat a key, its values are joined with
    /// ", " in order.
    #[serde(serialize_with = "trailer_object")]
    pub trailers: Vec<(String, String)>,
    pub signature: Signature,
    /// The signer git reports for a good signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Changed the release's record without rel trailers.
    pub hand_edit: bool,
}

fn trailer_object<S: serde::Serializer>(
    trailers: &[(String, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serde_json::Map::new();
    for (k, v) in trailers {
        match map.get_mut(k) {
            Some(serde_json::Value::String(old)) => {
                old.push_str(", ");
                old.push_str(v);
            }
            _ => {
                map.insert(k.clone(), serde_json::Value::String(v.clone()));
            }
        }
    }
    serde::Serialize::serialize(&map, s)
}

impl LogEntry {
    pub fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether `commit` changed the file at `path` (inside the work tree): for
/// a merge, whether its version differs from every parent's. As `git log
/// -- FILE` does, trees are compared from the root down and the descent
/// stops at the first folder both sides share, so a commit elsewhere costs
/// a tree or two, not a lookup of the whole path in each.
fn touches(trees: &mut PathTrees, commit: &git2::Commit) -> Result<bool> {
    let tree = commit.tree_id();
    let mut parents = commit.parent_ids().peekable();
    if parents.peek().is_none() {
        return Ok(trees.blob_at(0, tree)?.is_some());
    }
    for p in parents {
        let parent = trees.tree_of(p)?;
        if trees.same_at(0, parent, tree)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// While it lives, libgit2 keeps no tree in its object cache (the
/// default, trees up to 4 KiB, comes back when it is dropped).
struct TreesUncached;

/// libgit2's default size limit of cached trees.
const TREE_CACHE_LIMIT: usize = 4096;

impl TreesUncached {
    fn new() -> TreesUncached {
        // SAFETY: a process-wide libgit2 setting; rel reads history on
        // one thread, with no other libgit2 call running alongside. The
        // setting changes what is cached, never what is read.
        let _ = unsafe { git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 0) };
        TreesUncached
    }
}

impl Drop for TreesUncached {
    fn drop(&mut self) {
        // SAFETY: as in `new`.
        let _ =
            unsafe { git2::opts::set_cache_object_limit(git2::ObjectType::Tree, TREE_CACHE_LIMIT) };
    }
}

/// One path's entries along history: for each tree met at each depth of
/// the path, the entry of the path's name there, found by reading the raw
/// tree once. Walking history, the trees of a commit are those its child
/// compared with, and most folders are shared by many commits; each is
/// read and scanned once, and nothing else of it is kept.
struct PathTrees<'r> {
    git: &'r git2::Repository,
    odb: git2::Odb<'r>,
    path: Vec<String>,
    /// (depth, tree) -> the entry named `path[depth]` in it, if any, as its
    /// id and whether it is a folder.
    seen: std::collections::HashMap<(usize, git2::Oid), Option<(git2::Oid, bool)>>,
}

impl<'r> PathTrees<'r> {
    fn new(git: &'r git2::Repository, path: Vec<String>) -> Result<PathTrees<'r>> {
        Ok(PathTrees {
            git,
            odb: git.odb()?,
            path,
            seen: std::collections::HashMap::new(),
        })
    }

    /// The tree of the commit `commit`, from the first line of its raw
    /// object (which the walk has just read): parsing the whole commit
    /// again only to find its tree is most of what a parent costs.
    fn tree_of(&self, commit: git2::Oid) -> Result<git2::Oid> {
        let object = self.odb.read(commit)?;
        let tree = object
            .data()
            .strip_prefix(b"tree ")
            .and_then(|rest| rest.get(..40))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| git2::Oid::from_str(hex).ok());
        match tree {
            Some(tree) => Ok(tree),
            // Not the usual layout: let libgit2 read it.
            None => Ok(self.git.find_commit(commit)?.tree_id()),
        }
    }

    /// The entry of `path[depth]` in `tree` when it is of the kind the
    /// path needs there: a folder above the file, a blob (a symbolic link
    /// included, as git reports it) for the file itself.
    fn pick(&mut self, depth: usize, tree: git2::Oid) -> Result<Option<git2::Oid>> {
        let found = match self.seen.get(&(depth, tree)) {
            Some(found) => *found,
            None => {
                let object = self.odb.read(tree)?;
                let found = tree_entry(object.data(), self.path[depth].as_bytes());
                self.seen.insert((depth, tree), found);
                found
            }
        };
        let want_tree = depth + 1 < self.path.len();
        Ok(found
            .filter(|(_, is_tree)| *is_tree == want_tree)
            .map(|(id, _)| id))
    }

    /// The blob at the path below `depth`, starting from `tree`.
    fn blob_at(&mut self, depth: usize, tree: git2::Oid) -> Result<Option<git2::Oid>> {
        let mut at = tree;
        for k in depth..self.path.len() {
            match self.pick(k, at)? {
                Some(id) => at = id,
                None => return Ok(None),
            }
        }
        Ok(Some(at))
    }

    /// Whether the blob at the path below `depth` is the same (or equally
    /// absent) from the trees `a` and `b`.
    fn same_at(&mut self, depth: usize, a: git2::Oid, b: git2::Oid) -> Result<bool> {
        if a == b {
            return Ok(true);
        }
        if depth == self.path.len() {
            return Ok(false);
        }
        let last = depth + 1 == self.path.len();
        match (self.pick(depth, a)?, self.pick(depth, b)?) {
            (None, None) => Ok(true),
            (Some(x), Some(y)) if last || x == y => Ok(x == y),
            (Some(x), Some(y)) => self.same_at(depth + 1, x, y),
            // A folder on one side only: the same when it lacks the file too.
            (Some(one), None) | (None, Some(one)) if !last => {
                Ok(self.blob_at(depth + 1, one)?.is_none())
            }
            _ => Ok(false),
        }
    }
}

/// The entry `name` of a raw git tree (`<mode> <name>\0<20-byte id>`
/// repeated): its id and whether it is a folder (mode 40000). A commit
/// entry (a submodule, mode 160000) is neither a folder nor a file here.
fn tree_entry(data: &[u8], name: &[u8]) -> Option<(git2::Oid, bool)> {
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest.iter().position(|b| *b == b' ')?;
        let nul = space + 1 + rest[space + 1..].iter().position(|b| *b == 0)?;
        let id = rest.get(nul + 1..nul + 21)?;
        let (mode, entry) = (&rest[..space], &rest[space + 1..nul]);
        if entry == name {
            // The mode in octal; its type bits tell a folder (040000) and a
            // commit (160000) from a file.
            let mode = std::str::from_utf8(mode)
                .ok()
                .and_then(|m| u32::from_str_radix(m, 8).ok())?;
            return match mode & 0o170000 {
                0o160000 => None,
                kind => Some((git2::Oid::from_bytes(id).ok()?, kind == 0o040000)),
            };
        }
        rest = &rest[nul + 21..];
    }
    None
}

/// A commit's signature as [`signature`] judges it; an unsigned commit
/// (no `gpgsig` header in the object already read) costs nothing more.
fn signature_of(repo: &Repo, commit: &git2::Commit) -> SignatureCheck {
    if commit.header_field_bytes("gpgsig").is_err() {
        return SignatureCheck {
            status: Signature::None,
            signers: vec![],
        };
    }
    signature(repo, commit.id())
}

/// A walk of history from HEAD in `sorting` order; `None` when the
/// repository has no commit yet.
pub fn from_head(git: &git2::Repository, sorting: git2::Sort) -> Result<Option<git2::Revwalk<'_>>> {
    let mut walk = git.revwalk()?;
    walk.set_sorting(sorting)?;
    match walk.push_head() {
        Ok(()) => Ok(Some(walk)),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The audit trail, newest first: commits carrying `Rel-*` trailers; for
/// one release (`release` with its record's path relative to the records
/// root), its rel commits and every other commit that changed its record
/// (hand edits).
pub fn log(repo: &Repo, release: Option<(&str, &Path)>) -> Result<Vec<LogEntry>> {
    let git = repo.git();
    // No commits yet: no history yet.
    let Some(walk) = from_head(git, git2::Sort::TIME)? else {
        return Ok(vec![]);
    };
    // Each tree is read once (see [`PathTrees`]): libgit2 keeping a copy
    // of every one in its object cache only costs memory and, at the end,
    // the time to free it.
    let _trees_uncached = TreesUncached::new();
    let mut file = match release {
        Some((_, path)) => Some(PathTrees::new(
            git,
            repo.prefix()
                .join(path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect(),
        )?),
        None => None,
    };
    let mut out = vec![];
    for oid in walk {
        let oid = oid?;
        let commit = git.find_commit(oid)?;
        let message = String::from_utf8_lossy(commit.message_bytes());
        let trailers = trailers(&message);
        let is_rel = trailers.iter().any(|(k, _)| k == "Rel-Action");
        let hand_edit = match (release, &mut file) {
            (Some((id, _)), Some(file)) => {
                let names = trailers.iter().any(|(k, v)| k == "Rel-Release" && v == id);
                if is_rel && names {
                    false
                } else if touches(file, &commit)? {
                    !is_rel
                } else {
                    continue;
                }
            }
            _ if is_rel => false,
            _ => continue,
        };
        out.push(log_entry(repo, &commit, &message, trailers, hand_edit));
    }
    Ok(out)
}

/// One commit as [`log`] lists it.
fn log_entry(
    repo: &Repo,
    commit: &git2::Commit,
    message: &str,
    trailers: Vec<(String, String)>,
    hand_edit: bool,
) -> LogEntry {
    let (author, email, time) = author_of(commit);
    let check = signature_of(repo, commit);
    LogEntry {
        commit: commit.id().to_string(),
        author,
        email,
        time,
        subject: subject_of(message),
        trailers,
        signature: check.status,
        signer: check.signers.into_iter().next(),
        hand_edit,
    }
}

/// What a release's audit trail is made of, newest first: every commit rel
/// made (with no files), and every commit made without rel (no
/// `Rel-Action` trailer) that changed a file under `releases/`, with those
/// files (relative to the records root). A merge counts only for what
/// differs from every parent, as `git log -- releases/` shows it. A commit
/// elsewhere costs its root tree and one folder: the diff opens only
/// folders that differ.
pub fn release_commits(repo: &Repo) -> Result<Vec<(LogEntry, Vec<PathBuf>)>> {
    let git = repo.git();
    // No commits yet: no history yet.
    let Some(walk) = from_head(git, git2::Sort::TIME)? else {
        return Ok(vec![]);
    };
    let releases = repo.prefix().join(super::paths::RELEASES);
    let trees = TreeCache::new(git, 64);
    let mut out = vec![];
    for oid in walk {
        let commit = git.find_commit(oid?)?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let trailers = trailers(&message);
        if trailers.iter().any(|(k, _)| k == "Rel-Action") {
            out.push((log_entry(repo, &commit, &message, trailers, false), vec![]));
            continue;
        }
        let at = |tree: git2::Oid| trees.entry(tree, &releases);
        let now = at(commit.tree_id());
        let mut changed: Option<BTreeSet<PathBuf>> = None;
        let parents: Vec<Option<super::trees::Entry>> =
            commit.parents().map(|p| at(p.tree_id())).collect();
        for before in if parents.is_empty() {
            vec![None]
        } else {
            parents
        } {
            let mut diff = Changes::new();
            trees.diff(before, now, &releases, &mut diff);
            let paths: BTreeSet<PathBuf> = diff.into_keys().collect();
            changed = Some(match changed {
                None => paths,
                Some(c) => c.intersection(&paths).cloned().collect(),
            });
        }
        let files: Vec<PathBuf> = changed
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.strip_prefix(repo.prefix()).ok().map(Path::to_path_buf))
            .collect();
        if !files.is_empty() {
            out.push((log_entry(repo, &commit, &message, trailers, true), files));
        }
    }
    Ok(out)
}

/// One commit of history, with the record files it changed (see
/// [`records`]).
#[derive(Debug, Clone)]
pub struct Commit {
    pub oid: git2::Oid,
    pub author: String,
    pub email: String,
    /// The author date: what the person did and when. Rebase and
    /// cherry-pick keep it (they reset the committer date).
    pub time: DateTime<FixedOffset>,
    pub subject: String,
    pub trailers: Vec<(String, String)>,
    /// The committer date.
    pub committed: DateTime<FixedOffset>,
    /// The first parent's id, author date and committer date, if any.
    pub parent: Option<(git2::Oid, DateTime<FixedOffset>, DateTime<FixedOffset>)>,
    /// The record files the commit changed.
    pub files: Vec<FileChange>,
}

impl Commit {
    pub fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Made by rel (it carries a `Rel-Action` trailer).
    pub fn is_rel(&self) -> bool {
        self.trailer("Rel-Action").is_some()
    }

    /// The first ten hex digits of the commit id.
    pub fn short(&self) -> String {
        self.oid.to_string().chars().take(10).collect()
    }
}

/// A record file a commit changed, relative to the records root, with its
/// blob after the commit and in each parent (`None`: absent).
///
/// A merge commit lists a file when it differs from at least one parent;
/// `base` is then the file in the merge base, so that what each side added
/// since can be told from what the merge itself did.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: PathBuf,
    pub new: Option<git2::Oid>,
    /// One entry per parent (`[None]` for a root commit).
    pub parents: Vec<Option<git2::Oid>>,
    pub base: Option<git2::Oid>,
    /// The commit leaves a symbolic link at the path (mode 120000).
    pub symlink: bool,
}

impl FileChange {
    /// The file before an ordinary commit (in the first parent).
    pub fn old(&self) -> Option<git2::Oid> {
        self.parents.first().copied().flatten()
    }

    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }
}

/// A git tree entry's mode for a symbolic link.
const SYMLINK_MODE: i32 = 0o120000;

/// The blob at `path` in `tree`; a symbolic link is never followed nor read
/// as a file (nor is a path through one: a tree lookup does not follow it).
fn blob_at(tree: &git2::Tree, path: &Path) -> Option<git2::Oid> {
    tree.get_path(path)
        .ok()
        .filter(|e| e.kind() == Some(git2::ObjectType::Blob) && e.filemode() != SYMLINK_MODE)
        .map(|e| e.id())
}

/// What `commit` changed under `specs` (paths inside the work tree),
/// reported relative to the records root (`prefix`): a diff with each
/// parent that reads only the folders that differ, and the versions of
/// each file taken from those diffs rather than looked up again.
pub(super) fn changed_files(
    git: &git2::Repository,
    trees: &TreeCache,
    commit: &git2::Commit,
    prefix: &Path,
    specs: &[PathBuf],
) -> Result<Vec<FileChange>> {
    let tree = commit.tree_id();
    let parents: Vec<git2::Oid> = commit.parent_ids().collect();
    let parent_trees = parents
        .iter()
        .map(|p| git.find_commit(*p).map(|c| c.tree_id()))
        .collect::<Result<Vec<_>, _>>()?;
    // Per parent: the files that differ from it, with its version, by path.
    let diff = |old: Option<git2::Oid>| {
        let mut out: Vec<Changed> = vec![];
        for spec in specs {
            let a = old.and_then(|t| trees.entry(t, spec));
            let b = trees.entry(tree, spec);
            trees.diff(a, b, spec, &mut out);
        }
        // Git's order is by name, a folder's as if it ended in `/`; sorted
        // by path like the rest of rel (most often it already is).
        if !out.is_sorted_by(|a, b| a.0 <= b.0) {
            out.sort_by(|a, b| a.0.cmp(&b.0));
        }
        out
    };
    let diffs: Vec<Vec<Changed>> = if parent_trees.is_empty() {
        vec![diff(None)]
    } else {
        parent_trees.iter().map(|t| diff(Some(*t))).collect()
    };
    let in_diff = |d: &[Changed], path: &Path| {
        d.binary_search_by(|(p, _)| p.as_path().cmp(path))
            .ok()
            .map(|i| d[i].1)
    };
    // Every path that differs from a parent, with the commit's version and
    // whether the commit leaves a symbolic link there.
    let paths: Vec<(PathBuf, Option<git2::Oid>, bool)> = match diffs.as_slice() {
        [one] => one
            .iter()
            .map(|(path, (_, new))| {
                let link = new.is_some_and(|e| e.is_symlink());
                (path.clone(), new.and_then(|e| e.blob()), link)
            })
            .collect(),
        _ => {
            let mut union: BTreeMap<&Path, (Option<git2::Oid>, bool)> = BTreeMap::new();
            for d in &diffs {
                for (path, (_, new)) in d {
                    let link = new.is_some_and(|e| e.is_symlink());
                    let was = union.insert(path, (new.and_then(|e| e.blob()), link));
                    if was.is_some_and(|(_, l)| l) {
                        union.insert(path, (new.and_then(|e| e.blob()), true));
                    }
                }
            }
            union
                .into_iter()
                .map(|(p, (new, link))| (p.to_path_buf(), new, link))
                .collect()
        }
    };
    let base_tree = if parents.len() > 1 {
        match git.merge_base_many(&parents) {
            Ok(base) => Some(git.find_commit(base)?.tree_id()),
            Err(_) => None,
        }
    } else {
        None
    };
    Ok(paths
        .into_iter()
        .enumerate()
        .filter_map(|(k, (path, new, symlink))| {
            let rel = path.strip_prefix(prefix).ok()?.to_path_buf();
            // A file that does not differ from a parent is there as it is
            // after the commit.
            let in_parents: Vec<Option<git2::Oid>> = if parent_trees.is_empty() {
                vec![None]
            } else if let [one] = diffs.as_slice() {
                // The paths are this diff's, in its order.
                vec![one[k].1.0.and_then(|e| e.blob())]
            } else {
                diffs
                    .iter()
                    .map(|d| match in_diff(d, &path) {
                        Some((old, _)) => old.and_then(|e| e.blob()),
                        None => new,
                    })
                    .collect()
            };
            Some(FileChange {
                new,
                symlink,
                base: base_tree.and_then(|t| trees.entry(t, &path)?.blob()),
                parents: in_parents,
                path: rel,
            })
        })
        .collect())
}

/// The records root's path inside the work tree, joined to `dirs`.
fn specs(repo: &Repo, dirs: &[&str]) -> Vec<PathBuf> {
    let prefix = repo.prefix();
    dirs.iter().map(|d| prefix.join(d)).collect()
}

/// A commit's author: name, email and the author date.
fn author_of(commit: &git2::Commit) -> (String, String, DateTime<FixedOffset>) {
    let author = commit.author();
    (
        String::from_utf8_lossy(author.name_bytes()).into_owned(),
        String::from_utf8_lossy(author.email_bytes()).into_owned(),
        to_datetime(author.when()),
    )
}

/// A commit message's first line, trimmed.
fn subject_of(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

pub(super) fn commit_of(commit: &git2::Commit, files: Vec<FileChange>) -> Commit {
    let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
    let (author, email, time) = author_of(commit);
    Commit {
        oid: commit.id(),
        author,
        email,
        time,
        subject: subject_of(&message),
        trailers: trailers(&message),
        committed: to_datetime(commit.committer().when()),
        parent: commit.parent(0).ok().map(|p| {
            (
                p.id(),
                to_datetime(p.author().when()),
                to_datetime(p.committer().when()),
            )
        }),
        files,
    }
}

/// Commits reachable from HEAD and not from `hide`, oldest first (parents
/// before children).
fn oldest_first(repo: &Repo, hide: Option<git2::Oid>) -> Result<Vec<git2::Oid>> {
    // No commits yet: no history yet.
    let Some(mut walk) = from_head(repo.git(), git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?
    else {
        return Ok(vec![]);
    };
    if let Some(h) = hide {
        walk.hide(h)?;
    }
    Ok(walk.collect::<Result<Vec<_>, _>>()?)
}

/// The text of a blob.
pub fn blob_text(repo: &Repo, oid: git2::Oid) -> Result<String> {
    let blob = repo.git().find_blob(oid)?;
    Ok(String::from_utf8_lossy(blob.content()).into_owned())
}

/// The first parent of `commit`, if it has one.
pub fn first_parent(repo: &Repo, commit: git2::Oid) -> Option<git2::Oid> {
    parent(repo, commit, 0)
}

/// The `k`-th parent of `commit`, if it has one.
pub fn parent(repo: &Repo, commit: git2::Oid, k: usize) -> Option<git2::Oid> {
    repo.git().find_commit(commit).ok()?.parent_id(k).ok()
}

/// The commit HEAD points at; `None` before the first commit.
pub fn head(repo: &Repo) -> Option<git2::Oid> {
    repo.git().head().ok().and_then(|h| h.target())
}

/// The best common ancestor of two commits, if they have one.
pub fn merge_base(repo: &Repo, a: git2::Oid, b: git2::Oid) -> Option<git2::Oid> {
    repo.git().merge_base(a, b).ok()
}

/// A revision as git reads it (`main`, `origin/main`, `HEAD~3`, a sha),
/// peeled to its commit; the error is git's message.
pub fn resolve(repo: &Repo, revision: &str) -> std::result::Result<git2::Oid, String> {
    repo.git()
        .revparse_single(revision)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|e| e.message().to_string())
}

/// The blob of `rel` (relative to the records root) in `commit`.
pub fn blob_in(repo: &Repo, commit: git2::Oid, rel: &Path) -> Option<git2::Oid> {
    let tree = repo.git().find_commit(commit).ok()?.tree().ok()?;
    blob_at(&tree, &repo.prefix().join(rel))
}

pub fn to_datetime(t: git2::Time) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(t.offset_minutes() * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    DateTime::from_timestamp(t.seconds(), 0)
        .unwrap_or_default()
        .with_timezone(&offset)
}

/// `Key: value` lines of the message's last paragraph, when that paragraph
/// is made of nothing else (a body line such as `Note: ...` is not one).
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let paragraphs: Vec<&str> = message
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if paragraphs.len() < 2 {
        return vec![];
    }
    let mut out = vec![];
    for line in paragraphs[paragraphs.len() - 1].lines() {
        let Some((key, value)) = line.split_once(':') else {
            return vec![];
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return vec![];
        }
        out.push((key.to_string(), value.trim().to_string()));
    }
    out
}

/// Whether the commit is signed, and if so whether git (with the user's
/// gpg or ssh setup) accepts the signature and whose it is. Only signed
/// commits cost a `git` call.
///
/// A signature git cannot check is `Unknown` (unverified), not `Bad`: a gpg
/// key missing from the keyring, an ssh key no principal of the
/// allowed-signers file matches, no allowed-signers file at all, an
/// expired key. `Bad` is a signature that does not match the commit, or a
/// revoked key.
pub fn signature(repo: &Repo, oid: git2::Oid) -> SignatureCheck {
    let unsigned = SignatureCheck {
        status: Signature::None,
        signers: vec![],
    };
    let Ok((signature, _)) = repo.git().extract_signature(&oid, None) else {
        return unsigned;
    };
    let out = std::process::Command::new("git")
        .current_dir(&repo.workdir)
        .args(["log", "-1", "--format=%G?%x00%GS", &oid.to_string()])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let unknown = SignatureCheck {
        status: Signature::Unknown,
        signers: vec![],
    };
    let Ok(out) = out else { return unknown };
    if !out.status.success() {
        return unknown;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (code, signer) = text.trim_end().split_once('\0').unwrap_or((&text, ""));
    let signer = signer.trim().to_string();
    let ssh = signature.starts_with(b"-----BEGIN SSH SIGNATURE");
    let status = match code.trim() {
        "G" => Signature::Good,
        // gpg: a good signature by a key whose trust is not set (git
        // verify-commit accepts it). ssh: no principal matched.
        "U" if !ssh && !signer.is_empty() => Signature::Good,
        "B" | "R" => Signature::Bad,
        _ => Signature::Unknown,
    };
    if status != Signature::Good {
        return SignatureCheck {
            status,
            signers: vec![],
        };
    }
    let mut signers = if ssh {
        ssh_principals(repo, &signature).unwrap_or_default()
    } else {
        vec![]
    };
    if signers.is_empty() && !signer.is_empty() {
        signers.push(signer);
    }
    SignatureCheck { status, signers }
}

/// Every principal the allowed-signers file lists for the key of an ssh
/// signature (git reports only the first).
fn ssh_principals(repo: &Repo, signature: &[u8]) -> Option<Vec<String>> {
    let config = std::process::Command::new("git")
        .current_dir(&repo.workdir)
        .args(["config", "--path", "gpg.ssh.allowedSignersFile"])
        .output()
        .ok()?;
    let file = String::from_utf8_lossy(&config.stdout).trim().to_string();
    if !config.status.success() || file.is_empty() {
        return None;
    }
    let mut sig = tempfile::NamedTempFile::new().ok()?;
    std::io::Write::write_all(&mut sig, signature).ok()?;
    let out = std::process::Command::new("ssh-keygen")
        .current_dir(&repo.workdir)
        .args(["-Y", "find-principals", "-f", &file, "-s"])
        .arg(sig.path())
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
    )
}

// ---------------------------------------------------------------------------
// Record history as plain data, for `crate::review`

use super::Records;
use crate::model::history::{self as plain, Record, State, Surroundings, Versions};
use crate::model::{ChangeRef, Release, ReleaseId};
use crate::policy::Policy;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::rc::Rc;

/// The releases near a release and the last closed release of its
/// service, as of a revision.
pub type Lookup<'a> = dyn Fn(&super::Revision, &Release) -> (Vec<Release>, Option<Release>) + 'a;

/// What to read besides the files: signatures (a `git` call per signed
/// commit) and, for each stage move, the release's surroundings.
pub struct HistoryOptions<'a> {
    pub signatures: bool,
    /// The policy change references are read under, for surroundings.
    pub policy: Option<&'a Policy>,
    /// The releases near a release, and the last closed one of its service,
    /// as of a revision (the commands' lookups).
    pub surroundings: Option<&'a Lookup<'a>>,
}

/// Records parsed from blobs, each blob once: a file's version after one
/// commit is the version before the next. Shared with the revisions the
/// surroundings are read from, which find most of their releases here.
struct Blobs<T> {
    parsed: Rc<RefCell<super::revision::Parsed<T>>>,
}

impl<T: DeserializeOwned + serde::Serialize + Clone> Blobs<T> {
    fn new() -> Blobs<T> {
        Blobs {
            parsed: Rc::new(RefCell::new(Default::default())),
        }
    }

    fn get(&mut self, repo: &Repo, path: &Path, oid: Option<git2::Oid>) -> State<T> {
        let Some(oid) = oid else {
            return State::Absent;
        };
        let mut all = self.parsed.borrow_mut();
        let parsed = all.entry(oid).or_insert_with(|| {
            let text = blob_text(repo, oid).map_err(|e| e.to_string())?;
            parse(path, &text).map(Rc::new)
        });
        match parsed {
            Ok(r) => State::Present(r.clone()),
            Err(m) => State::Unreadable(m.clone()),
        }
    }

    /// As `get`, for a version read as the one before a commit: along
    /// history that is its last use (it was read as the version after the
    /// commit that wrote it), so it is handed over rather than copied. One
    /// read again (another branch from the same version) is parsed again.
    fn take(&mut self, repo: &Repo, path: &Path, oid: Option<git2::Oid>) -> State<T> {
        let taken = oid.and_then(|oid| self.parsed.borrow_mut().remove_entry(&oid));
        match taken {
            Some((_, Ok(r))) => State::Present(r),
            Some((oid, Err(m))) => {
                self.parsed.borrow_mut().insert(oid, Err(m.clone()));
                State::Unreadable(m)
            }
            None => self.get(repo, path, oid),
        }
    }

    /// The file as of `commit`, or when it could not be read there, its
    /// last readable version before (along first parents): an unreadable
    /// state in between is skipped, the next readable one is compared with
    /// the last readable one.
    fn readable(&mut self, repo: &Repo, path: &Path, commit: git2::Oid) -> Option<Rc<T>> {
        let mut at = Some(commit);
        // History is finite, but a long run of broken versions is not
        // worth following further than this.
        for _ in 0..10_000 {
            let commit = at?;
            match self.get(repo, path, blob_in(repo, commit, path)) {
                State::Absent => return None,
                State::Present(r) => return Some(r),
                State::Unreadable(_) => at = first_parent(repo, commit),
            }
        }
        None
    }

    fn versions(&mut self, repo: &Repo, commit: git2::Oid, fc: &FileChange) -> Versions<T> {
        let parents: Vec<State<T>> = fc
            .parents
            .iter()
            .map(|oid| self.take(repo, &fc.path, *oid))
            .collect();
        let readable_parents = parents
            .iter()
            .enumerate()
            .map(|(k, state)| match state {
                State::Absent => None,
                State::Present(r) => Some(r.clone()),
                State::Unreadable(_) => {
                    let parent = parent(repo, commit, k)?;
                    self.readable(repo, &fc.path, parent)
                }
            })
            .collect();
        Versions {
            after: self.get(repo, &fc.path, fc.new),
            parents,
            readable_parents,
            base: self.get(repo, &fc.path, fc.base),
            surroundings: None,
        }
    }
}

/// A record parsed from its text, or why it cannot be.
pub(super) fn parse<T: DeserializeOwned + serde::Serialize>(
    path: &Path,
    text: &str,
) -> std::result::Result<T, String> {
    super::yaml::from_str(path, text).map_err(|e| match e {
        crate::error::Error::File { message, .. } => message,
        other => other.to_string(),
    })
}

/// A record file at a release record's own path (`releases/YYYY/MM/<id>.yaml`).
fn is_release_file(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| ReleaseId::parse(s).ok())
        .is_some_and(|id| super::paths::release(&id) == path)
}

fn is_change_file(path: &Path) -> bool {
    path.starts_with(super::paths::CHANGES) && path.extension().is_some_and(|e| e == "yaml")
}

/// Which record a file under the records root is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Release,
    Change,
}

pub(super) fn kind_of(path: &Path) -> Option<Kind> {
    if is_release_file(path) {
        Some(Kind::Release)
    } else if is_change_file(path) {
        Some(Kind::Change)
    } else {
        None
    }
}

/// The commits reachable from HEAD and not from `hide`, oldest first, with
/// every version of the record files each changed, as plain data.
pub fn records(
    repo: &Repo,
    hide: Option<git2::Oid>,
    options: &HistoryOptions,
) -> Result<Vec<plain::Commit>> {
    use super::paths;
    let mut releases: Blobs<Release> = Blobs::new();
    let mut changes: Blobs<ChangeRef> = Blobs::new();
    // The surroundings of many commits are read from a few folders.
    let cache = super::revision::RevisionCache::sharing(
        repo,
        Some(super::revision::Shared {
            releases: releases.parsed.clone(),
            changes: changes.parsed.clone(),
        }),
    );
    let mut out = vec![];
    // Calendars and the policy are walked only to find symbolic links there.
    let dirs = [
        paths::RELEASES,
        paths::CHANGES,
        paths::CALENDARS,
        paths::POLICY,
    ];
    // Diffing each commit's trees and parsing every version of the records
    // it changed is most of the work: on every core, in stretches of
    // history. Objects are read without hashing each again (see `open_git`
    // in `repo.rs`, which turns libgit2's check off for every repository).
    let oids = oldest_first(repo, hide)?;
    let specs = specs(repo, &dirs);
    super::walk_parallel::read(repo, &oids, &repo.prefix(), &specs, |commits, parsed| {
        (releases.parsed.borrow_mut())
            .extend((parsed.releases.into_iter()).map(|(oid, r)| (oid, r.map(Rc::new))));
        (changes.parsed.borrow_mut())
            .extend((parsed.changes.into_iter()).map(|(oid, r)| (oid, r.map(Rc::new))));
        for c in commits {
            let mut files = vec![];
            for fc in &c.files {
                let record = if is_release_file(&fc.path) {
                    let mut v = releases.versions(repo, c.oid, fc);
                    if let (Some(policy), Some(lookup), [Some(before)], State::Present(after)) = (
                        options.policy,
                        options.surroundings,
                        v.readable_parents.as_slice(),
                        &v.after,
                    ) && before.stage != after.stage
                        && let Ok(rev) = repo.revision_in(c.oid, &cache)
                    {
                        let (nearby, last_closed) = lookup(&rev, after);
                        v.surroundings = Some(Surroundings {
                            changes: after
                                .changes
                                .iter()
                                .map(|id| (id.clone(), rev.find_change(policy, id).ok().flatten()))
                                .collect(),
                            nearby,
                            last_closed,
                        });
                    }
                    Record::Release(Box::new(v))
                } else if is_change_file(&fc.path) {
                    Record::Change(Box::new(changes.versions(repo, c.oid, fc)))
                } else {
                    Record::Other {
                        parents: fc.parents.len(),
                    }
                };
                files.push(plain::FileChange {
                    in_releases: fc.path.starts_with(paths::RELEASES),
                    change_id: is_change_file(&fc.path)
                        .then(|| fc.path.file_stem().and_then(|s| s.to_str()))
                        .flatten()
                        .map(str::to_string),
                    taken_whole: fc.is_merge() && fc.parents.contains(&fc.new),
                    symlink: fc.symlink,
                    path: fc.path.clone(),
                    record,
                });
            }
            out.push(plain::Commit {
                id: c.oid.to_string(),
                signature: options.signatures.then(|| signature(repo, c.oid)),
                release_file: c
                    .trailer("Rel-Release")
                    .and_then(|id| ReleaseId::parse(id).ok())
                    .map(|id| paths::release(&id)),
                author: c.author,
                email: c.email,
                time: c.time,
                committed: c.committed,
                parent: c.parent.map(|(id, time, committed)| plain::Parent {
                    id: id.to_string(),
                    time,
                    committed,
                }),
                subject: c.subject,
                trailers: c.trailers,
                files,
            });
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CommitMessage;
    use crate::store::testing::Fixture;
    use std::path::Path;

    #[test]
    fn a_file_is_touched_by_the_commits_a_diff_of_its_path_names() {
        let f = Fixture::new();
        let commit = |message: &str| {
            // The work tree as it is, deletions included.
            let mut index = f.git.index().unwrap();
            index.clear().unwrap();
            index
                .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
                .unwrap();
            index.write().unwrap();
            f.commit_index(message)
        };
        let top = f.dir.path();
        let file = "releases/2025/03/REL-2025-03-001.yaml";
        let put = |p: &str, s: &str| f.put(Path::new(p), s);
        let mut commits = vec![];
        put(file, "a\n");
        commits.push(commit("created"));
        put("releases/2025/03/REL-2025-03-002.yaml", "x\n");
        commits.push(commit("same folder, another file"));
        put("releases/2024/01/REL-2024-01-001.yaml", "y\n");
        commits.push(commit("another year"));
        put(file, "b\n");
        commits.push(commit("changed"));
        std::fs::remove_dir_all(top.join("releases/2025/03")).unwrap();
        put("releases/2025/03", "a file where the folder was\n");
        commits.push(commit("folder replaced by a file"));
        put("policy.yaml", "timezone: UTC\n");
        commits.push(commit("elsewhere"));
        std::fs::remove_file(top.join("releases/2025/03")).unwrap();
        put(file, "b\n");
        commits.push(commit("back as it was"));
        std::fs::remove_file(top.join(file)).unwrap();
        std::os::unix::fs::symlink("../../../policy.yaml", top.join(file)).unwrap();
        commits.push(commit("a symbolic link"));
        std::fs::remove_file(top.join(file)).unwrap();
        put(file, "b\n");
        commits.push(commit("a file again"));
        std::fs::remove_dir_all(top.join("releases")).unwrap();
        commits.push(commit("every release removed"));
        put(file, "b\n");
        commits.push(commit("the same file again"));

        let path: Vec<String> = file.split('/').map(String::from).collect();
        let mut trees = PathTrees::new(&f.git, path).unwrap();
        let mut opts = git2::DiffOptions::new();
        opts.pathspec(file).disable_pathspec_match(true);
        let mut mine = vec![];
        let mut git = vec![];
        for c in &commits {
            let commit = f.git.find_commit(*c).unwrap();
            let message = commit.message().unwrap_or_default().trim().to_string();
            if touches(&mut trees, &commit).unwrap() {
                mine.push(message.clone());
            }
            let parent = commit.parent(0).unwrap().tree().unwrap();
            let diff = f
                .git
                .diff_tree_to_tree(
                    Some(&parent),
                    Some(&commit.tree().unwrap()),
                    Some(&mut opts),
                )
                .unwrap();
            if diff.deltas().len() > 0 {
                git.push(message);
            }
        }
        assert_eq!(mine, git);
        assert_eq!(mine.len(), 8, "{mine:?}");
    }

    fn promote(repo: &Repo, id: &str, to: &str) -> String {
        let mut tx = repo.begin().unwrap();
        let path = format!("releases/2025/03/{id}.yaml");
        tx.write(Path::new(&path), format!("id: {id}\nstage: {to}\n"))
            .unwrap();
        tx.commit(&CommitMessage {
            subject: format!("{id}: promote -> {to}"),
            body: "Gates:\n  ok: window".into(),
            trailers: vec![
                ("Rel-Action".into(), "promote".into()),
                ("Rel-Release".into(), id.into()),
                ("Rel-To".into(), to.into()),
            ],
        })
        .unwrap()
    }

    #[test]
    fn reads_trailers_back_newest_first_and_filters_by_release() {
        let f = Fixture::new();
        let repo = f.repo();
        assert!(log(&repo, None).unwrap().is_empty());
        let first = promote(&repo, "REL-2025-03-001", "build");
        promote(&repo, "REL-2025-03-002", "build");
        f.put(Path::new("README.md"), "x\n");
        f.commit_all("docs\n\nNote: not a rel commit");
        // Another commit moved HEAD: reopen, as a new rel process would.
        let repo = f.repo();
        let last = promote(&repo, "REL-2025-03-001", "test");

        let all = log(&repo, None).unwrap();
        assert_eq!(all.len(), 3);
        let path = Path::new("releases/2025/03/REL-2025-03-001.yaml");
        let mine = log(&repo, Some(("REL-2025-03-001", path))).unwrap();
        let commits: Vec<&str> = mine.iter().map(|e| e.commit.as_str()).collect();
        assert_eq!(commits, [last.as_str(), first.as_str()]);
        let e = &mine[0];
        assert_eq!(e.subject, "REL-2025-03-001: promote -> test");
        assert_eq!(e.author, "Ana Admin");
        assert_eq!(e.email, "ana@example.com");
        assert_eq!(e.trailer("Rel-To"), Some("test"));
        assert_eq!(e.trailer("Rel-Action"), Some("promote"));
        assert_eq!(e.signature, Signature::None);
    }

    #[test]
    fn a_release_log_follows_its_file_through_hand_edits_not_other_folders() {
        let f = Fixture::new();
        let id = "REL-2025-03-001";
        let path = Path::new("releases/2025/03/REL-2025-03-001.yaml");
        let first = promote(&f.repo(), id, "build");
        // Commits in another month's folder and in another year's.
        f.put(
            Path::new("releases/2025/04/REL-2025-04-001.yaml"),
            "id: REL-2025-04-001\n",
        );
        f.commit_all("another month");
        f.put(
            Path::new("releases/2026/01/REL-2026-01-001.yaml"),
            "id: REL-2026-01-001\n",
        );
        f.commit_all("another year");
        // A hand edit of the release, then its removal with its folder.
        f.put(path, "id: REL-2025-03-001\nstage: test\n");
        let edit = f.commit_all("hand edit");
        std::fs::remove_dir_all(f.dir.path().join("releases/2025/03")).unwrap();
        let removed = f.commit_all("remove it");
        let mine = log(&f.repo(), Some((id, path))).unwrap();
        // (Newest first by date; these commits' dates are not ordered.)
        let mut got: Vec<(String, bool)> = mine
            .iter()
            .map(|e| (e.commit.clone(), e.hand_edit))
            .collect();
        got.sort();
        let mut want = vec![
            (removed.to_string(), true),
            (edit.to_string(), true),
            (first, false),
        ];
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn a_signer_names_an_email_by_gpg_user_id_or_ssh_principal() {
        let check = |signers: &[&str]| SignatureCheck {
            status: Signature::Good,
            signers: signers.iter().map(|s| s.to_string()).collect(),
        };
        assert!(check(&["Frances Owner <FO@example.com>"]).names("fo@example.com"));
        assert!(check(&["rm@example.com", "fo@example.com"]).names("fo@example.com"));
        assert!(!check(&["rm@example.com"]).names("fo@example.com"));
        assert!(!check(&["Frances <fo@example.com.evil>"]).names("fo@example.com"));
        assert!(!check(&["*@example.com"]).names("fo@example.com"));
        assert!(!check(&[]).names("fo@example.com"));
    }

    #[test]
    fn trailer_paragraph() {
        assert!(trailers("subject only: no").is_empty());
        assert!(trailers("s\n\nbody line\nKey: v").is_empty());
        assert_eq!(
            trailers("s\n\nbody\n\nRel-Action: close\nRel-Gates: 7 passed\n"),
            [
                ("Rel-Action".to_string(), "close".to_string()),
                ("Rel-Gates".to_string(), "7 passed".to_string())
            ]
        );
    }

    #[test]
    fn a_signature_git_rejects_is_bad() {
        let f = Fixture::new();
        let repo = f.repo();
        promote(&repo, "REL-2025-03-001", "build");
        let head = f.git.head().unwrap().peel_to_commit().unwrap();
        // A commit carrying a signature header that verifies against nothing.
        let content = f
            .git
            .commit_create_buffer(
                &head.author(),
                &head.committer(),
                head.message().unwrap(),
                &head.tree().unwrap(),
                &[],
            )
            .unwrap();
        let sig = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----";
        let forged = f
            .git
            .commit_signed(content.as_str().unwrap(), sig, None)
            .unwrap();
        f.git
            .reference("refs/heads/forged", forged, true, "test")
            .unwrap();
        f.git.set_head("refs/heads/forged").unwrap();
        let entries = log(&repo, None).unwrap();
        assert_eq!(entries.len(), 1);
        assert_ne!(entries[0].signature, Signature::None);
        assert_ne!(entries[0].signature, Signature::Good);
    }

    /// `commit.gpgsign` makes rel sign through the `git` program; here with
    /// an ssh key, so the test needs no gpg keyring.
    #[test]
    fn signed_commits_go_through_git_and_verify_good() {
        let ok = |c: &mut std::process::Command| c.output().is_ok_and(|o| o.status.success());
        let f = Fixture::new();
        let key = f.dir.path().join(".git/test-key");
        if !ok(std::process::Command::new("ssh-keygen")
            .args([
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "ana@example.com",
                "-f",
            ])
            .arg(&key))
        {
            eprintln!("ssh-keygen not available; skipped");
            return;
        }
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        let allowed = f.dir.path().join(".git/allowed-signers");
        std::fs::write(&allowed, format!("ana@example.com {public}")).unwrap();
        {
            let mut config = f.git.config().unwrap();
            config.set_bool("commit.gpgsign", true).unwrap();
            config.set_str("gpg.format", "ssh").unwrap();
            config
                .set_str("user.signingkey", key.to_str().unwrap())
                .unwrap();
            config
                .set_str("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap())
                .unwrap();
        }
        let repo = f.repo();
        let id = promote(&repo, "REL-2025-03-001", "build");
        assert_eq!(f.head().to_string(), id);
        let entries = log(&repo, None).unwrap();
        assert_eq!(entries[0].commit, id);
        assert_eq!(entries[0].trailer("Rel-Release"), Some("REL-2025-03-001"));
        assert_eq!(entries[0].signature, Signature::Good);
        assert!(
            f.git
                .status_file(Path::new("releases/2025/03/REL-2025-03-001.yaml"))
                .unwrap()
                .is_empty()
        );
    }
}
