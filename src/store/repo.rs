//! Finding and reading the records repository.

use crate::calendar::Calendar;
use crate::error::Result;
use crate::model::{ChangeRef, Release, ReleaseId};
use crate::policy::Policy;
use std::path::{Path, PathBuf};

/// An open records repository.
pub struct Repo {
    /// The records root (absolute): the folder holding `policy.yaml`.
    pub root: PathBuf,
    /// The git work tree's top (absolute).
    pub workdir: PathBuf,
    git: git2::Repository,
}

impl Repo {
    /// `--root` (or `REL_ROOT`, which clap passes as the same flag), else the
    /// nearest ancestor of `cwd` holding `policy.yaml`, not above the git
    /// work tree's top.
    pub fn discover(root: Option<&Path>, cwd: &Path) -> Result<Repo> {
        let _ = (root, cwd);
        todo!()
    }

    pub fn git(&self) -> &git2::Repository {
        &self.git
    }

    /// `Name <email>` from git config `user.name`/`user.email`.
    pub fn actor(&self) -> Result<String> {
        todo!()
    }

    /// The policy, validated; errors name `policy.yaml` and the field.
    pub fn load_policy(&self) -> Result<Policy> {
        todo!()
    }

    /// Every `calendars/*.yaml`, in file-name order, merged and validated
    /// against the policy (unknown services are errors naming file and line).
    pub fn load_calendar(&self, policy: &Policy) -> Result<Calendar> {
        let _ = policy;
        todo!()
    }

    /// One release; a missing file is a data error naming the path.
    pub fn load_release(&self, id: &ReleaseId) -> Result<Release> {
        let _ = id;
        todo!()
    }

    /// Ids of the releases in one month's folder, from the directory listing
    /// alone (no file is parsed).
    pub fn release_ids_in_month(&self, year: i32, month: u32) -> Result<Vec<ReleaseId>> {
        let _ = (year, month);
        todo!()
    }

    /// The releases of one month's folder, parsed.
    pub fn releases_in_month(&self, year: i32, month: u32) -> Result<Vec<Release>> {
        let _ = (year, month);
        todo!()
    }

    /// Every release, in id order, with its path relative to the root.
    pub fn all_releases(&self) -> Result<Vec<(PathBuf, Release)>> {
        todo!()
    }

    /// One change reference, if its file exists. `id` is validated against
    /// the policy's pattern first.
    pub fn load_change(&self, policy: &Policy, id: &str) -> Result<Option<ChangeRef>> {
        let _ = (policy, id);
        todo!()
    }

    /// Every change reference, in id order, with its path relative to the root.
    pub fn all_changes(&self) -> Result<Vec<(PathBuf, ChangeRef)>> {
        todo!()
    }
}
