//! The records as they were at one commit: what `rel check --base` judges a
//! past transition against (the release's changes, the releases around its
//! window, the policy and calendars of the base).

use super::repo::{parse_calendar_file, parse_policy};
use super::{Repo, Shipped, paths, yaml};
use crate::calendar::Calendar;
use crate::error::{Error, Result};
use crate::model::{ChangeRef, Release, ReleaseId};
use crate::policy::Policy;
use std::path::{Path, PathBuf};

/// Where records are read from: the work tree ([`Repo`]) or a commit
/// ([`Revision`]). The functions that gather a transition's context are
/// written once against this.
pub trait Records {
    /// The years that have a `releases/YYYY` folder, ascending.
    fn release_years(&self) -> Result<Vec<i32>>;
    /// The releases of one month's folder.
    fn releases_in_month(&self, year: i32, month: u32) -> Result<Vec<Release>>;
    /// One release; `None` when it has no file.
    fn find_release(&self, id: &ReleaseId) -> Result<Option<Release>>;
    /// One change reference; `None` when it has no file.
    fn find_change(&self, policy: &Policy, id: &str) -> Result<Option<ChangeRef>>;
    /// The closed, not rolled back releases of one month folder as
    /// committed (the work tree: at the commit it was opened at), in id
    /// order, from summaries cached by the folder's git tree.
    fn shipped_in_month(&self, year: i32, month: u32) -> Result<Vec<Shipped>>;
    /// The release a [`Shipped`] summary stands for, as committed.
    fn read_shipped(&self, shipped: &Shipped) -> Option<Release>;
}

impl Records for Repo {
    fn release_years(&self) -> Result<Vec<i32>> {
        Repo::release_years(self)
    }

    fn releases_in_month(&self, year: i32, month: u32) -> Result<Vec<Release>> {
        Repo::releases_in_month(self, year, month)
    }

    fn find_release(&self, id: &ReleaseId) -> Result<Option<Release>> {
        if self.root.join(paths::release(id)).is_file() {
            self.load_release(id).map(Some)
        } else {
            Ok(None)
        }
    }

    fn find_change(&self, policy: &Policy, id: &str) -> Result<Option<ChangeRef>> {
        self.load_change(policy, id)
    }

    fn shipped_in_month(&self, year: i32, month: u32) -> Result<Vec<Shipped>> {
        let Some(head) = self.opened_head.get() else {
            return Ok(vec![]);
        };
        let tree = self.git().find_commit(head)?.tree()?;
        self.shipped_at(&tree, year, month)
    }

    fn read_shipped(&self, shipped: &Shipped) -> Option<Release> {
        super::production::read(self.git(), &shipped.id, shipped.blob)
    }
}

/// The records root as of one commit. Records that cannot be read there
/// are left out: history is context here, and the file that is judged is
/// read (and its errors reported) separately.
pub struct Revision<'r> {
    repo: &'r Repo,
    tree: git2::Tree<'r>,
    prefix: PathBuf,
}

impl Repo {
    /// The records as of `commit`.
    pub fn revision(&self, commit: git2::Oid) -> Result<Revision<'_>> {
        let tree = self.git().find_commit(commit)?.tree()?;
        Ok(Revision {
            repo: self,
            tree,
            prefix: self.prefix(),
        })
    }
}

impl Revision<'_> {
    /// The blob id of `rel` (relative to the records root); `None`: absent.
    pub fn blob(&self, rel: &Path) -> Option<git2::Oid> {
        self.tree
            .get_path(&self.prefix.join(rel))
            .ok()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .map(|e| e.id())
    }

    /// The tree or blob id at `rel`, to tell whether two revisions differ
    /// there.
    pub fn object(&self, rel: &Path) -> Option<git2::Oid> {
        self.tree
            .get_path(&self.prefix.join(rel))
            .ok()
            .map(|e| e.id())
    }

    /// The text of `rel`; `None`: absent.
    pub fn text(&self, rel: &Path) -> Option<String> {
        let blob = self.repo.git().find_blob(self.blob(rel)?).ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// The entry names of the folder `rel` accepted by `keep`, sorted.
    fn names(
        &self,
        rel: &Path,
        keep: impl Fn(&str, Option<git2::ObjectType>) -> bool,
    ) -> Vec<String> {
        let Ok(entry) = self.tree.get_path(&self.prefix.join(rel)) else {
            return vec![];
        };
        let Ok(tree) = self.repo.git().find_tree(entry.id()) else {
            return vec![];
        };
        let mut names: Vec<String> = tree
            .iter()
            .filter_map(|e| {
                let name = e.name().ok()?.to_string();
                keep(&name, e.kind()).then_some(name)
            })
            .collect();
        names.sort();
        names
    }

    /// The policy; `None` when this commit has none.
    pub fn policy(&self) -> Result<Option<Policy>> {
        self.text(Path::new(paths::POLICY))
            .map(|text| parse_policy(&text))
            .transpose()
    }

    /// Every `calendars/*.yaml`, merged, as [`Repo::load_calendar`] reads
    /// them from the work tree.
    pub fn calendar(&self, policy: &Policy) -> Result<Calendar> {
        let dir = Path::new(paths::CALENDARS);
        let mut files = vec![];
        for name in self.names(dir, |n, kind| {
            n.ends_with(".yaml") && !n.starts_with('.') && kind == Some(git2::ObjectType::Blob)
        }) {
            let rel = dir.join(&name);
            let text = self
                .text(&rel)
                .ok_or_else(|| Error::file(&rel, "cannot be read from git"))?;
            files.push(parse_calendar_file(policy, &rel, &text)?);
        }
        Ok(Calendar::merge(files))
    }

    fn parse_release(&self, id: &ReleaseId) -> Option<Release> {
        let rel = paths::release(id);
        let release: Release = yaml::from_str(&rel, &self.text(&rel)?).ok()?;
        (release.id == id.to_string()).then_some(release)
    }
}

impl Records for Revision<'_> {
    fn release_years(&self) -> Result<Vec<i32>> {
        Ok(self
            .names(Path::new(paths::RELEASES), |n, kind| {
                n.len() == 4 && kind == Some(git2::ObjectType::Tree)
            })
            .iter()
            .filter_map(|y| y.parse().ok())
            .collect())
    }

    fn releases_in_month(&self, year: i32, month: u32) -> Result<Vec<Release>> {
        let mut ids: Vec<ReleaseId> = self
            .names(&paths::release_month(year, month), |n, _| {
                n.ends_with(".yaml")
            })
            .iter()
            .filter_map(|n| ReleaseId::parse(n.strip_suffix(".yaml")?).ok())
            .filter(|id| id.year == year && id.month == month)
            .collect();
        ids.sort();
        Ok(ids.iter().filter_map(|id| self.parse_release(id)).collect())
    }

    fn find_release(&self, id: &ReleaseId) -> Result<Option<Release>> {
        Ok(self.parse_release(id))
    }

    fn find_change(&self, policy: &Policy, id: &str) -> Result<Option<ChangeRef>> {
        let year = policy.change_pattern().year_of(id)?;
        let rel = paths::change(id, year);
        let Some(text) = self.text(&rel) else {
            return Ok(None);
        };
        Ok(yaml::from_str::<ChangeRef>(&rel, &text)
            .ok()
            .filter(|c| c.id == id))
    }

    fn shipped_in_month(&self, year: i32, month: u32) -> Result<Vec<Shipped>> {
        self.repo.shipped_at(&self.tree, year, month)
    }

    fn read_shipped(&self, shipped: &Shipped) -> Option<Release> {
        super::production::read(self.repo.git(), &shipped.id, shipped.blob)
    }
}
