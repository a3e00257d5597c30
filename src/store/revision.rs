//! The records as they were at one commit: what `rel check --base` judges a
//! past transition against (the release's changes, the releases around its
//! window, the policy and calendars of the base).

use super::production_index::Wanted;
use super::repo::{parse_calendar_file, parse_policy};
use super::trees::{Entry, TreeCache};
use super::{Repo, Shipped, paths, yaml};
use crate::calendar::Calendar;
use crate::error::{Error, Result};
use crate::model::{ChangeRef, Release, ReleaseId};
use crate::policy::Policy;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where records are read from: the work tree ([`Repo`]) or a commit
/// ([`Revision`]). The functions that gather a transition's context are
/// written once against this.
pub trait Records {
    /// The years that have a `releases/YYYY` folder, ascending.
    fn release_years(&self) -> Result<Vec<i32>>;
    /// The releases of one month's folder.
    fn releases_in_month(&self, year: i32, month: u32) -> Result<Vec<Release>>;
    /// The releases of one month's folder that `keep` accepts.
    fn releases_in_month_where(
        &self,
        year: i32,
        month: u32,
        keep: &dyn Fn(&Release) -> bool,
    ) -> Result<Vec<Release>> {
        let mut all = self.releases_in_month(year, month)?;
        all.retain(|r| keep(r));
        Ok(all)
    }

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

    /// The latest shipped release of a service in the month folders
    /// `wanted` names, walking them back one by one: in the first month
    /// that has one, the latest window (of equal ones, the first in id
    /// order); when that one no longer reads back, the months before.
    fn last_shipped(&self, wanted: &Wanted) -> Result<Option<Release>> {
        let (mut year, mut month) = wanted.from;
        while year >= wanted.oldest {
            let shipped = self.shipped_in_month(year, month)?;
            let best = shipped
                .iter()
                .filter(|s| s.service == wanted.service && s.id.to_string() != wanted.except)
                .fold(None::<&Shipped>, |best, s| match best {
                    Some(b) if s.start <= b.start => Some(b),
                    _ => Some(s),
                });
            if let Some(best) = best.and_then(|s| self.read_shipped(s)) {
                return Ok(Some(best));
            }
            (year, month) = if month == 1 {
                (year - 1, 12)
            } else {
                (year, month - 1)
            };
        }
        Ok(None)
    }
}

impl Records for Repo {
    fn release_years(&self) -> Result<Vec<i32>> {
        Repo::release_years(self)
    }

    fn releases_in_month(&self, year: i32, month: u32) -> Result<Vec<Release>> {
        Repo::releases_in_month(self, year, month)
    }

    fn find_release(&self, id: &ReleaseId) -> Result<Option<Release>> {
        if self.exists(&paths::release(id))? {
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

    /// From the index of HEAD's month summaries: one read, whatever the
    /// history's length.
    fn last_shipped(&self, wanted: &Wanted) -> Result<Option<Release>> {
        self.last_shipped_indexed(wanted)
    }
}

/// The records root as of one commit. Records that cannot be read there
/// are left out: history is context here, and the file that is judged is
/// read (and its errors reported) separately.
pub struct Revision<'r> {
    repo: &'r Repo,
    tree: git2::Oid,
    prefix: PathBuf,
    cache: Rc<RevisionCache<'r>>,
}

/// What revisions of one repository share: the folders read (a month of
/// releases, a year of changes) and the releases parsed, by git object
/// id, so that the many revisions of a branch read each version once.
pub struct RevisionCache<'r> {
    trees: TreeCache<'r>,
    releases: RefCell<HashMap<git2::Oid, Option<Release>>>,
    /// Release records a history read has already parsed, by blob id
    /// (`Err`: the blob is not a readable record): looked up before
    /// parsing a blob again, and never added to here.
    parsed: Option<Shared>,
}

/// The release and change records a history read has parsed.
pub struct Shared {
    pub releases: Rc<RefCell<Parsed<Release>>>,
    pub changes: Rc<RefCell<Parsed<ChangeRef>>>,
}

/// Records parsed from blobs, by blob id, or why each could not be.
pub type Parsed<T> = HashMap<git2::Oid, std::result::Result<Rc<T>, String>>;

impl RevisionCache<'_> {
    pub fn new(repo: &Repo) -> Rc<RevisionCache<'_>> {
        Self::sharing(repo, None)
    }

    /// A cache that also reads the records in `parsed`. A blob id
    /// names its content, so a record parsed from a blob is the record in
    /// every revision holding that blob (the path is only used to word a
    /// parse error, which is not kept here).
    pub fn sharing<'r>(repo: &'r Repo, parsed: Option<Shared>) -> Rc<RevisionCache<'r>> {
        Rc::new(RevisionCache {
            trees: TreeCache::new(repo.git(), 1024),
            releases: RefCell::new(HashMap::new()),
            parsed,
        })
    }
}

impl Repo {
    /// The records as of `commit`.
    pub fn revision(&self, commit: git2::Oid) -> Result<Revision<'_>> {
        self.revision_in(commit, &RevisionCache::new(self))
    }

    /// The records as of `commit`, read through a cache shared with other
    /// revisions.
    pub fn revision_in<'r>(
        &'r self,
        commit: git2::Oid,
        cache: &Rc<RevisionCache<'r>>,
    ) -> Result<Revision<'r>> {
        let tree = self.git().find_commit(commit)?.tree_id();
        Ok(Revision {
            repo: self,
            tree,
            prefix: self.prefix(),
            cache: cache.clone(),
        })
    }
}

impl Revision<'_> {
    /// The release files of a month folder, by id (sorted) with their blob
    /// ids: the folder read once, each file then read by its blob id.
    fn month_blobs(&self, year: i32, month: u32) -> Vec<(ReleaseId, git2::Oid)> {
        let Some(tree) = self
            .entry(&paths::release_month(year, month))
            .and_then(|e| self.cache.trees.tree(e.id))
        else {
            return vec![];
        };
        let mut ids: Vec<(ReleaseId, git2::Oid)> = tree
            .iter()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .filter_map(|e| {
                let id = ReleaseId::parse(e.name().ok()?.strip_suffix(".yaml")?).ok()?;
                (id.year == year && id.month == month).then_some((id, e.id()))
            })
            .collect();
        ids.sort();
        ids
    }

    fn entry(&self, rel: &Path) -> Option<Entry> {
        self.cache.trees.entry(self.tree, &self.prefix.join(rel))
    }

    /// The blob id of `rel` (relative to the records root); `None`: absent.
    pub fn blob(&self, rel: &Path) -> Option<git2::Oid> {
        // A symbolic link (mode 120000) is not a file and is never followed.
        self.entry(rel)?.blob()
    }

    /// The tree or blob id at `rel`, to tell whether two revisions differ
    /// there.
    pub fn object(&self, rel: &Path) -> Option<git2::Oid> {
        self.entry(rel).map(|e| e.id)
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
        let Some(tree) = self.entry(rel).and_then(|e| self.cache.trees.tree(e.id)) else {
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
        self.parse_blob(id, self.blob(&paths::release(id))?)
    }

    /// The release `id` from the file `blob`, when that is its record.
    fn parse_blob(&self, id: &ReleaseId, blob: git2::Oid) -> Option<Release> {
        self.with_blob(id, blob, |r| Some(r.clone()))
    }

    /// `f` of the release `id` from the file `blob`, when that is its
    /// record: read from what was parsed already where it can be, and not
    /// copied out of it for `f` to look at.
    fn with_blob<T>(
        &self,
        id: &ReleaseId,
        blob: git2::Oid,
        f: impl FnOnce(&Release) -> Option<T>,
    ) -> Option<T> {
        let is_it = |r: &Release| r.id == id.to_string();
        if let Some(cached) = self.cache.releases.borrow().get(&blob) {
            return cached.as_ref().filter(|r| is_it(r)).and_then(f);
        }
        if let Some(parsed) = &self.cache.parsed
            && let Some(found) = parsed.releases.borrow().get(&blob)
        {
            return found.as_deref().ok().filter(|r| is_it(r)).and_then(f);
        }
        let rel = paths::release(id);
        let text = self.repo.git().find_blob(blob).ok()?;
        let text = String::from_utf8_lossy(text.content());
        let r: Option<Release> = yaml::from_str(&rel, &text).ok();
        let out = r.as_ref().filter(|r| is_it(r)).and_then(f);
        self.cache.releases.borrow_mut().insert(blob, r);
        out
    }
}

impl Revision<'_> {
    /// Every release record readable in this revision, in id order.
    pub fn all_releases(&self) -> Vec<Release> {
        let mut out = vec![];
        for year in self.release_years().unwrap_or_default() {
            for month in 1..=12 {
                out.extend(self.releases_in_month(year, month).unwrap_or_default());
            }
        }
        out
    }
}

impl Revision<'_> {
    /// The releases of a month that may still hold a slot on the calendar:
    /// a record whose text plainly says `stage: closed` or `stage:
    /// cancelled` is not parsed (see [`plainly_finished`]).
    pub fn unfinished_releases_in_month(&self, year: i32, month: u32) -> Vec<Release> {
        let git = self.repo.git();
        self.month_blobs(year, month)
            .iter()
            .filter(|(_, blob)| {
                !git.find_blob(*blob)
                    .is_ok_and(|b| plainly_finished(b.content()))
            })
            .filter_map(|(id, blob)| self.parse_blob(id, *blob))
            .collect()
    }
}

/// Whether a release record's text says it is closed or cancelled in the
/// one way rel writes it: no escape anywhere, and of the lines at the left
/// margin (top-level keys) exactly one names `stage`, and it is `stage:
/// closed` or `stage: cancelled`. Any other spelling is parsed.
fn plainly_finished(text: &[u8]) -> bool {
    if text.contains(&b'\\') {
        return false;
    }
    let mut stage = text
        .split(|&b| b == b'\n')
        .filter(|l| l.first().is_some_and(|b| !b.is_ascii_whitespace()))
        .filter(|l| l.windows(5).any(|w| w == b"stage"));
    let line = stage.next().map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    stage.next().is_none() && matches!(line, Some(b"stage: closed" | b"stage: cancelled"))
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
        Ok(self
            .month_blobs(year, month)
            .iter()
            .filter_map(|(id, blob)| self.parse_blob(id, *blob))
            .collect())
    }

    fn releases_in_month_where(
        &self,
        year: i32,
        month: u32,
        keep: &dyn Fn(&Release) -> bool,
    ) -> Result<Vec<Release>> {
        Ok(self
            .month_blobs(year, month)
            .iter()
            .filter_map(|(id, blob)| self.with_blob(id, *blob, |r| keep(r).then(|| r.clone())))
            .collect())
    }

    fn find_release(&self, id: &ReleaseId) -> Result<Option<Release>> {
        Ok(self.parse_release(id))
    }

    fn find_change(&self, policy: &Policy, id: &str) -> Result<Option<ChangeRef>> {
        let year = policy.change_shard_of(id)?;
        let rel = paths::change(id, year);
        let shared = self.cache.parsed.as_ref().and_then(|p| {
            let blob = self.blob(&rel)?;
            let parsed = p.changes.borrow().get(&blob)?.as_ref().ok().cloned();
            Some(parsed)
        });
        if let Some(parsed) = shared {
            return Ok(parsed.filter(|c| c.id == id).map(Rc::unwrap_or_clone));
        }
        let Some(text) = self.text(&rel) else {
            return Ok(None);
        };
        Ok(yaml::from_str::<ChangeRef>(&rel, &text)
            .ok()
            .filter(|c| c.id == id))
    }

    fn shipped_in_month(&self, year: i32, month: u32) -> Result<Vec<Shipped>> {
        // The month's folder found through the cache the revisions share.
        let Some(entry) = self
            .entry(&paths::release_month(year, month))
            .filter(|e| e.kind == Some(git2::ObjectType::Tree))
        else {
            return Ok(vec![]);
        };
        Ok(self
            .repo
            .shipped
            .month(self.repo.git(), entry.id, year, month))
    }

    fn read_shipped(&self, shipped: &Shipped) -> Option<Release> {
        // As `production::read`, through the blobs already parsed.
        self.parse_blob(&shipped.id, shipped.blob)
    }
}

#[cfg(test)]
mod tests {
    use super::plainly_finished;

    #[test]
    fn only_a_plain_closed_or_cancelled_stage_line_is_finished() {
        assert!(plainly_finished(b"id: REL-1\nstage: closed\nnotes: x\n"));
        assert!(plainly_finished(b"id: REL-1\nstage: cancelled\r\n"));
        assert!(!plainly_finished(b"id: REL-1\nstage: deploy\n"));
        assert!(!plainly_finished(b"stage: closed\n\"stage\": plan\n"));
        assert!(!plainly_finished(b"stage: \"closed\"\n"));
        assert!(!plainly_finished(b"stage: closed\nnotes: \"\\x41\"\n"));
        assert!(!plainly_finished(
            b"notes: |\n  stage: closed\nstage: test\n"
        ));
        assert!(!plainly_finished(b"id: REL-1\n"));
    }
}

#[cfg(test)]
mod shared_tests {
    use super::{Parsed, Records, RevisionCache, Shared};
    use crate::model::{ChangeRef, Release, ReleaseId};
    use crate::store::testing::{Fixture, change_yaml};
    use crate::store::yaml;
    use std::cell::RefCell;
    use std::path::Path;
    use std::rc::Rc;

    fn release(id: &str) -> String {
        format!(
            "id: {id}\ntitle: Payments 4.2\nservice: payments\nversion: 4.2.0\ntype: minor\n\
             stage: test\nchanges:\n- CHG-2025-0892\nwindow:\n  start: 2025-03-15T22:00:00+00:00\n  \
             duration: 2h30m\nschedule:\n  planning: 2025-02-14\n  build: 2025-02-24\n  \
             test: 2025-03-03\n  staging: 2025-03-10\n  deployment: 2025-03-15\nimpact: medium\n\
             rollback:\n  window: 1h\n  procedure: Redeploy 4.1.3.\n\
             planned_by: Ana <ana@example.com>\nbooked_at: 2025-02-14T09:30:00+00:00\n"
        )
    }

    #[test]
    fn a_record_parsed_by_the_history_read_is_found_by_blob_and_checked_against_its_path() {
        let f = Fixture::new();
        let text = release("REL-2025-03-001");
        let path = |n: u32| format!("releases/2025/03/REL-2025-03-{n:03}.yaml");
        f.put(Path::new(&path(1)), &text);
        // The same blob under another release's name is not that release.
        f.put(Path::new(&path(2)), &text);
        // A record the history read could not parse.
        f.put(Path::new(&path(3)), &release("REL-2025-03-003"));
        let commit = f.commit_all("three releases");
        let repo = f.repo();
        let blob = |n: u32| {
            f.git
                .revparse_single(&format!("HEAD:{}", path(n)))
                .unwrap()
                .id()
        };
        let id = |n: u32| ReleaseId::parse(&format!("REL-2025-03-{n:03}")).unwrap();
        let fresh: Release = yaml::from_str(Path::new(&path(1)), &text).unwrap();
        // Told apart from a parse of the blob by its title.
        let mut known = fresh.clone();
        known.title = "parsed by the history read".into();
        let releases: Parsed<Release> = [
            (blob(1), Ok(Rc::new(known.clone()))),
            (blob(3), Err("line 1 column 1: not a record".into())),
        ]
        .into_iter()
        .collect();
        let cache = RevisionCache::sharing(
            &repo,
            Some(Shared {
                releases: Rc::new(RefCell::new(releases)),
                changes: Rc::new(RefCell::new(Parsed::new())),
            }),
        );
        let rev = repo.revision_in(commit, &cache).unwrap();
        assert_eq!(rev.find_release(&id(1)).unwrap(), Some(known));
        assert_eq!(rev.find_release(&id(2)).unwrap(), None);
        assert_eq!(rev.find_release(&id(3)).unwrap(), None);
        // Without them, each blob is parsed.
        let rev = repo.revision(commit).unwrap();
        assert_eq!(rev.find_release(&id(1)).unwrap(), Some(fresh));
        assert_eq!(rev.find_release(&id(2)).unwrap(), None);
        assert_eq!(
            rev.find_release(&id(3)).unwrap().map(|r| r.id),
            Some("REL-2025-03-003".to_string())
        );
    }

    #[test]
    fn a_change_parsed_by_the_history_read_is_found_by_blob_and_checked_against_its_path() {
        let f = Fixture::new();
        let repo = f.repo();
        let policy = repo.load_policy().unwrap();
        let text = change_yaml("CHG-2025-0001");
        f.put(Path::new("changes/2025/CHG-2025-0001.yaml"), &text);
        f.put(Path::new("changes/2025/CHG-2025-0002.yaml"), &text);
        let commit = f.commit_all("two changes");
        let blob = f
            .git
            .revparse_single("HEAD:changes/2025/CHG-2025-0001.yaml")
            .unwrap()
            .id();
        let fresh: ChangeRef = yaml::from_str(Path::new("c.yaml"), &text).unwrap();
        let mut known = fresh.clone();
        known.title = "parsed by the history read".into();
        let cache = RevisionCache::sharing(
            &repo,
            Some(Shared {
                releases: Rc::new(RefCell::new(Parsed::new())),
                changes: Rc::new(RefCell::new([(blob, Ok(Rc::new(known.clone())))].into())),
            }),
        );
        let rev = repo.revision_in(commit, &cache).unwrap();
        let find = |rev: &super::Revision, id| rev.find_change(&policy, id).unwrap();
        assert_eq!(find(&rev, "CHG-2025-0001"), Some(known));
        assert_eq!(find(&rev, "CHG-2025-0002"), None);
        assert_eq!(find(&rev, "CHG-2025-0003"), None);
        let rev = repo.revision(commit).unwrap();
        assert_eq!(find(&rev, "CHG-2025-0001"), Some(fresh));
        assert_eq!(find(&rev, "CHG-2025-0002"), None);
    }
}
