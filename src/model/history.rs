//! A record's history as plain data: the versions of each record file along
//! the commits, with who made each commit, when, its trailers and its
//! signature. The store reads it from git; `crate::review` judges it.

use super::{ChangeRef, Release, Timestamp};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signature {
    None,
    Good,
    Bad,
    Unknown,
}

/// A commit's signature as git judges it, with the identities of the
/// signer when it is good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    pub status: Signature,
    /// For gpg, the key's user id (`Name <email>`); for ssh, every
    /// principal the allowed-signers file lists for the key.
    pub signers: Vec<String>,
}

impl SignatureCheck {
    /// Whether one of the signer identities is `email` (a gpg user id
    /// names it between angle brackets; an ssh principal is the address).
    pub fn names(&self, email: &str) -> bool {
        self.signers.iter().any(|s| {
            let id = match (s.rfind('<'), s.rfind('>')) {
                (Some(a), Some(b)) if a < b => &s[a + 1..b],
                _ => s.as_str(),
            };
            id.trim().eq_ignore_ascii_case(email.trim())
        })
    }
}

/// One commit that changed record files, oldest first in a history.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The full hex commit id.
    pub id: String,
    pub author: String,
    pub email: String,
    /// The author date: what the person did and when. Rebase and
    /// cherry-pick keep it (they reset the committer date).
    pub time: Timestamp,
    /// The committer date: when the commit was last written (a rebase,
    /// cherry-pick or amend sets it anew; rel sets both dates to its clock).
    pub committed: Timestamp,
    /// The first parent (`None` for a root commit): time may not run
    /// backwards along history.
    pub parent: Option<Parent>,
    pub subject: String,
    pub trailers: Vec<(String, String)>,
    /// Only read when the policy requires signed commits.
    pub signature: Option<SignatureCheck>,
    /// The record file of the release its `Rel-Release` trailer names,
    /// when that is a release id.
    pub release_file: Option<PathBuf>,
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

    /// The releases a commit names: `Rel-Release`, and for a periodic review
    /// session (`rel pir session`) every release in `Rel-Releases`.
    pub fn named_releases(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.trailer("Rel-Release").into_iter().collect();
        if self.trailer("Rel-Action") == Some("pir") {
            out.extend(
                self.trailer("Rel-Releases")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty()),
            );
        }
        out
    }

    /// Made by rel (it carries a `Rel-Action` trailer).
    pub fn is_rel(&self) -> bool {
        self.trailer("Rel-Action").is_some()
    }

    /// The first ten hex digits of the commit id.
    pub fn short(&self) -> String {
        self.id.chars().take(10).collect()
    }
}

/// A commit's first parent, as far as time is concerned.
#[derive(Debug, Clone)]
pub struct Parent {
    pub id: String,
    /// Its author date.
    pub time: Timestamp,
    /// Its committer date.
    pub committed: Timestamp,
}

/// A record file a commit changed, relative to the records root.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: PathBuf,
    /// Under `releases/` (any file there, record or not).
    pub in_releases: bool,
    /// For a change record file (`changes/**.yaml`), its file stem.
    pub change_id: Option<String>,
    /// A merge took the file whole from one of its parents.
    pub taken_whole: bool,
    /// The commit leaves a symbolic link at the path (git mode 120000);
    /// its target is never read.
    pub symlink: bool,
    /// The file's versions, when it is a record file at its own path.
    pub record: Record,
}

impl FileChange {
    pub fn is_merge(&self) -> bool {
        match &self.record {
            Record::Release(v) => v.parents.len() > 1,
            Record::Change(v) => v.parents.len() > 1,
            Record::Other { parents } => *parents > 1,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Record {
    /// A release record at its own path (`releases/YYYY/MM/<id>.yaml`).
    Release(Box<Versions<Release>>),
    /// A change record (`changes/**.yaml`).
    Change(Box<Versions<ChangeRef>>),
    /// Any other file, with the number of parents of its commit.
    Other { parents: usize },
}

/// A record file's content in one version. A version is shared (`Rc`)
/// between the commits that read it: written by one, the version before
/// of the next, and read around others.
#[derive(Debug, Clone)]
pub enum State<T> {
    Absent,
    Present(Rc<T>),
    /// Not valid YAML or not a valid record; the parser's message (without
    /// the file name).
    Unreadable(String),
}

impl<T> State<T> {
    pub fn present(self) -> Option<Rc<T>> {
        match self {
            State::Present(t) => Some(t),
            _ => None,
        }
    }
}

/// A record file after a commit and before it.
///
/// A merge commit lists a file when it differs from at least one parent;
/// `base` is then the file in the merge base, so that what each side added
/// since can be told from what the merge itself did.
#[derive(Debug, Clone)]
pub struct Versions<T> {
    pub after: State<T>,
    /// The file in each parent (`[Absent]` for a root commit).
    pub parents: Vec<State<T>>,
    /// The file in each parent, or when it could not be read there, its
    /// last readable version before (along first parents); `None`: absent.
    pub readable_parents: Vec<Option<Rc<T>>>,
    pub base: State<T>,
    /// For a release whose stage this (ordinary) commit moved: what its
    /// gates look at besides the release, as of this commit.
    pub surroundings: Option<Surroundings>,
}

/// A release's changes and the releases around it, as of one commit.
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    pub changes: BTreeMap<String, Option<ChangeRef>>,
    pub nearby: Vec<Release>,
    pub last_closed: Option<Release>,
}
