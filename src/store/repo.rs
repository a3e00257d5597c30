//! Finding and reading the records repository.

use super::parallel::{self, Progress};
use super::{paths, yaml};
use crate::calendar::{self, Calendar, CalendarFile, NameAt};
use crate::error::{Error, Result};
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
    /// The commit HEAD pointed at when the repository was opened: records
    /// are read after this, so a commit is only made on top of it.
    pub(crate) opened_head: std::cell::Cell<Option<git2::Oid>>,
    /// The command's clock (`REL_NOW` or the time it started): the date of
    /// the commits it makes, unless `GIT_AUTHOR_DATE`/`GIT_COMMITTER_DATE`
    /// say otherwise, so a backfill's commits agree with its records.
    pub(crate) clock: std::cell::Cell<Option<crate::model::Timestamp>>,
    /// Set when the command runs synced with the shared remote: its commit
    /// is pushed before the local branch moves (SPEC section 5.1).
    pub(crate) lease: Option<std::rc::Rc<super::remote::Lease>>,
    /// The clock was set by `REL_NOW`: commits say so in a trailer.
    pub(crate) clock_forced: std::cell::Cell<bool>,
    /// The lock a changing command takes before it reads anything
    /// ([`Repo::lock_for_change`]); its transaction commits under it.
    pub(crate) lock: std::cell::RefCell<Option<super::lock::Lock>>,
    /// What a changing command read (files and folder listings), checked
    /// against HEAD when it commits; `None` while nothing is being noted.
    pub(crate) reads: std::cell::RefCell<Option<Vec<Read>>>,
    /// Month summaries of closed releases, by git tree (the version in
    /// production without reading the whole history).
    pub(crate) shipped: super::production::ShippedCache,
    /// The index of every month's summary for HEAD's `releases/` tree.
    pub(crate) production_index: super::production_index::ProductionIndex,
    /// Told how far reads of every record have got.
    progress: Box<dyn Progress>,
}

/// One thing a changing command read: what it decided on must still be
/// what HEAD holds when it commits.
#[derive(Debug, Clone)]
pub(crate) enum Read {
    /// A file (relative to the root) and the blob id of what was read;
    /// `None`: it was absent.
    File {
        rel: PathBuf,
        blob: Option<git2::Oid>,
    },
    /// A folder's entries that `filter` kept.
    Dir {
        rel: PathBuf,
        filter: Filter,
        names: Vec<String>,
    },
}

/// Which entries of a folder a listing keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    /// `*.yaml` files not starting with `.`.
    Yaml,
    /// Sub-folders named with this many digits (`2025`, `03`).
    Shard(usize),
}

impl Filter {
    pub(crate) fn keep(self, name: &str, is_file: bool, is_dir: bool) -> bool {
        match self {
            Filter::Yaml => name.ends_with(".yaml") && !name.starts_with('.') && is_file,
            Filter::Shard(len) => {
                name.len() == len && name.bytes().all(|b| b.is_ascii_digit()) && is_dir
            }
        }
    }
}

/// The error for a symbolic link met at `rel` (relative to the root).
pub(crate) fn link_error(rel: &Path) -> Error {
    Error::file(
        rel,
        "is a symbolic link; rel does not follow links inside the records root (put the file or folder itself there)",
    )
}

/// Opens the git repository holding `dir` the way git does: `GIT_DIR`,
/// `GIT_CEILING_DIRECTORIES` and `GIT_CONFIG_NOSYSTEM` are honoured.
fn open_git(dir: &Path) -> Result<git2::Repository, git2::Error> {
    // Before opening: libgit2 reads the setting when it opens the refs.
    super::durable::enable();
    // libgit2 hashes every object it reads again to check it; git does not,
    // and on a walk of history (rel log, audit verify) that is a tenth of the
    // time. Set here, once, for every repository rel opens.
    git2::opts::strict_hash_verification(false);
    git2::Repository::open_ext(
        dir,
        git2::RepositoryOpenFlags::FROM_ENV,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
}

fn canonical(dir: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(dir).map_err(|e| Error::file(dir, e.to_string()))
}

fn workdir_of(git: &git2::Repository) -> Result<PathBuf> {
    let dir = git.workdir().ok_or_else(|| {
        Error::data(format!(
            "{} is a bare git repository; rel needs a work tree",
            git.path().display()
        ))
    })?;
    canonical(dir)
}

/// Releases read (with their files), and an error for each file that
/// could not be.
pub type Readable = (Vec<(PathBuf, Release)>, Vec<Error>);

impl Repo {
    fn new(root: PathBuf, workdir: PathBuf, git: git2::Repository) -> Repo {
        let opened_head = git.head().ok().and_then(|h| h.target());
        Repo {
            root,
            workdir,
            git,
            opened_head: std::cell::Cell::new(opened_head),
            clock: std::cell::Cell::new(None),
            lease: None,
            clock_forced: std::cell::Cell::new(false),
            lock: std::cell::RefCell::new(None),
            reads: std::cell::RefCell::new(None),
            shipped: Default::default(),
            production_index: Default::default(),
            progress: Box::new(parallel::Silent),
        }
    }

    /// Notes `read` when a changing command is noting what it reads.
    fn note(&self, read: Read) {
        if let Some(reads) = self.reads.borrow_mut().as_mut() {
            reads.push(read);
        }
    }

    /// Refuses a symbolic link at `rel` or at any folder on the way to it
    /// (relative to the root): nothing is read or written through one.
    pub(crate) fn refuse_links(&self, rel: &Path) -> Result<()> {
        refuse_links_in(&self.root, rel)
    }

    /// Whether the file `rel` (relative to the root) exists; a link or a
    /// folder there is an error. What was found is noted for the commit.
    pub fn exists(&self, rel: &Path) -> Result<bool> {
        self.refuse_links(rel)?;
        match std::fs::symlink_metadata(self.root.join(rel)) {
            Ok(m) if m.is_file() => {
                // Reading it notes its contents.
                self.read(rel)?;
                Ok(true)
            }
            Ok(_) => Err(Error::file(rel, "is not a file")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.note(Read::File {
                    rel: rel.to_path_buf(),
                    blob: None,
                });
                Ok(false)
            }
            Err(e) => Err(Error::file(rel, e.to_string())),
        }
    }

    /// Reports the progress of whole-repository reads to `progress`.
    pub fn with_progress(mut self, progress: Box<dyn Progress>) -> Repo {
        self.progress = progress;
        self
    }

    /// What long reads report their progress to.
    pub(crate) fn progress(&self) -> &dyn Progress {
        &*self.progress
    }

    /// `f` given the text of each of `files` (relative to the root), read
    /// and handed over on every core; the results are in `files`' order.
    pub fn read_each<U: Send>(
        &self,
        files: &[PathBuf],
        f: impl Fn(&Path, Result<String>) -> U + Sync,
    ) -> Vec<U> {
        let root = &self.root;
        // A changing command notes what it read, as [`Repo::read`] does:
        // each file's blob id is hashed on the thread that read it.
        let noting = self.reads.borrow().is_some();
        let read = parallel::map(files, &*self.progress, |rel| {
            let text = read_in(root, rel);
            let blob = match &text {
                Ok(t) if noting => Some(blob_of(t)),
                _ => None,
            };
            (f(rel, text), blob)
        });
        let mut out = Vec::with_capacity(read.len());
        for (rel, (u, blob)) in files.iter().zip(read) {
            match blob {
                Some(Ok(blob)) => self.note(Read::File {
                    rel: rel.clone(),
                    blob: Some(blob),
                }),
                // The id of text in memory cannot fail to hash; if it ever
                // did, the file is noted as changed so the commit is refused
                // rather than made on a read that was not checked.
                Some(Err(_)) => self.note(Read::File {
                    rel: rel.clone(),
                    blob: Some(git2::Oid::ZERO_SHA1),
                }),
                None => {}
            }
            out.push(u);
        }
        out
    }

    /// Dates this command's commits at `now` (see [`Repo::clock`]).
    pub fn with_clock(self, now: crate::model::Timestamp) -> Repo {
        self.clock.set(Some(now));
        self
    }

    /// Publishes this command's commit to the shared remote under `lease`.
    pub fn with_lease(mut self, lease: Option<std::rc::Rc<super::remote::Lease>>) -> Repo {
        self.lease = lease;
        self
    }

    /// A records root being created at `dir` by `rel init`: inside a git
    /// work tree, with no policy yet.
    pub fn create(dir: &Path) -> Result<Repo> {
        let root = canonical(dir)?;
        let git = open_git(&root).map_err(|_| not_git(&root))?;
        let workdir = workdir_of(&git)?;
        Ok(Repo::new(root, workdir, git))
    }

    /// The years that have a `releases/YYYY` folder, ascending.
    pub fn release_years(&self) -> Result<Vec<i32>> {
        Ok(self
            .shard_dirs(Path::new(paths::RELEASES), 4)?
            .iter()
            .filter_map(|y| y.parse().ok())
            .collect())
    }

    /// `--root` (or `REL_ROOT`, which clap passes as the same flag), else the
    /// nearest ancestor of `cwd` holding `policy.yaml`, not above the git
    /// work tree's top.
    pub fn discover(root: Option<&Path>, cwd: &Path) -> Result<Repo> {
        let cwd = canonical(cwd)?;
        if let Some(root) = root {
            let root = canonical(&cwd.join(root)).map_err(|_| {
                Error::data(format!(
                    "not a records repository: {} does not exist (create one with `rel init {}`)",
                    root.display(),
                    root.display()
                ))
            })?;
            if !root.join(paths::POLICY).is_file() {
                return Err(Error::data(format!(
                    "not a records repository: no {} in {} (create one with `rel init {}`)",
                    paths::POLICY,
                    root.display(),
                    root.display()
                )));
            }
            let git = open_git(&root).map_err(|_| not_git(&root))?;
            let workdir = workdir_of(&git)?;
            if !root.starts_with(&workdir) {
                return Err(not_git(&root));
            }
            return Ok(Repo::new(root, workdir, git));
        }

        match open_git(&cwd) {
            Ok(git) => {
                let workdir = workdir_of(&git)?;
                // The search stops at the work tree's top: a policy.yaml
                // above it belongs to some other project.
                let found = cwd
                    .ancestors()
                    .take_while(|d| d.starts_with(&workdir))
                    .find(|d| d.join(paths::POLICY).is_file());
                match found {
                    Some(root) => Ok(Repo::new(root.to_path_buf(), workdir, git)),
                    None => Err(Error::data(format!(
                        "not a records repository: no {} in {} or its parents up to {} (create one with `rel init`)",
                        paths::POLICY,
                        cwd.display(),
                        workdir.display()
                    ))),
                }
            }
            Err(_) => match cwd.ancestors().find(|d| d.join(paths::POLICY).is_file()) {
                Some(root) => Err(not_git(root)),
                None => Err(Error::data(format!(
                    "not a records repository: no {} in {} or its parents, and not a git repository (create one with `rel init`)",
                    paths::POLICY,
                    cwd.display()
                ))),
            },
        }
    }

    /// The records root's path inside the git work tree (empty when they
    /// are the same folder).
    pub fn prefix(&self) -> PathBuf {
        self.root
            .strip_prefix(&self.workdir)
            .unwrap_or(Path::new(""))
            .to_path_buf()
    }

    pub fn git(&self) -> &git2::Repository {
        &self.git
    }

    /// Another handle on the same git repository, for a thread of its own
    /// (a libgit2 repository is used by one thread at a time).
    pub fn reopen_git(&self) -> Result<git2::Repository> {
        Ok(open_git(self.git.path())?)
    }

    /// `Name <email>` from git config `user.name`/`user.email`.
    pub fn actor(&self) -> Result<String> {
        let config = self.git.config()?;
        let get = |key: &str| {
            config
                .get_string(key)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    Error::data(format!(
                        "who is acting? set it with `git config {key} ...` (rel records it in every commit)"
                    ))
                })
        };
        let name = get("user.name")?;
        let email = get("user.email")?;
        check_identity("user.name", &name, "user.email", &email)?;
        Ok(format!("{name} <{email}>"))
    }

    /// Reads a file of the records root; errors name it relative to the
    /// root. A symbolic link on the way is refused, never followed.
    pub fn read(&self, rel: &Path) -> Result<String> {
        let text = read_in(&self.root, rel)?;
        if self.reads.borrow().is_some() {
            self.note(Read::File {
                rel: rel.to_path_buf(),
                blob: Some(blob_of(&text)?),
            });
        }
        Ok(text)
    }

    /// The policy, validated; errors name `policy.yaml` and the field.
    pub fn load_policy(&self) -> Result<Policy> {
        parse_policy(&self.read(Path::new(paths::POLICY))?)
    }

    /// Every `calendars/*.yaml`, in file-name order, merged and validated
    /// against the policy (unknown services are errors naming file and line).
    pub fn load_calendar(&self, policy: &Policy) -> Result<Calendar> {
        let mut files = vec![];
        let mut names: Vec<(&'static str, String, NameAt)> = vec![];
        for rel in self.calendar_paths()? {
            let text = self.read(&rel)?;
            let file = parse_calendar_file(policy, &rel, &text)?;
            for (section, entry, line) in file.named_entries(&text) {
                names.push((
                    section,
                    entry.to_string(),
                    NameAt {
                        file: rel.display().to_string(),
                        line,
                    },
                ));
            }
            files.push(file);
        }
        if let Some((section, name, first, again)) = calendar::first_reused_name(
            names
                .iter()
                .map(|(section, name, at)| (*section, name.as_str(), at.clone())),
        ) {
            let line = again
                .line
                .map(|l| format!("line {l}: "))
                .unwrap_or_default();
            return Err(Error::file(
                &again.file,
                format!(
                    "{line}{section}: the name `{name}` is already used at {first}; names identify entries (in conflicts and iCalendar UIDs), so give each its own"
                ),
            ));
        }
        Ok(Calendar::merge(files))
    }

    /// The `calendars/*.yaml` files, relative to the root, in name order.
    pub fn calendar_paths(&self) -> Result<Vec<PathBuf>> {
        let dir = Path::new(paths::CALENDARS);
        Ok(self
            .yaml_names(dir)?
            .into_iter()
            .map(|name| dir.join(name))
            .collect())
    }

    /// Every file under `releases/` and `changes/` (at any depth), relative
    /// to the root, sorted; names starting with `.` (`.gitkeep`) are left
    /// out, and so are symbolic links, which are never followed (see
    /// [`Repo::symlinks`]).
    pub fn record_files(&self) -> Result<Vec<PathBuf>> {
        let mut out = vec![];
        self.walk(&[paths::RELEASES, paths::CHANGES], &mut |rel, kind| {
            if kind == Kind::File && !hidden(&rel) {
                out.push(rel);
            }
        })?;
        Ok(out)
    }

    /// Each of [`Repo::record_files`] with its text given to `f` on every
    /// core, read while the walk of the folders goes on; the results in
    /// the files' order, and the symbolic links met on the way, sorted
    /// (listed, never followed). The walk met no link on a file's way, so
    /// the file is opened without following a link in its own name, and
    /// not checked again folder by folder.
    pub fn read_records<U: Send>(
        &self,
        f: impl Fn(&Path, Result<String>) -> U + Sync,
    ) -> Result<(parallel::InOrder<U>, Vec<PathBuf>)> {
        let tops = [paths::RELEASES, paths::CHANGES];
        let mut links = vec![];
        if self.reads.borrow().is_some() {
            // A changing command notes what it reads as it reads it.
            let mut files = vec![];
            self.walk(&tops, &mut |rel, kind| match kind {
                Kind::Link => links.push(rel),
                Kind::File if !hidden(&rel) => files.push(rel),
                Kind::File => {}
            })?;
            return Ok((vec![self.read_each(&files, f)].into_iter().flatten(), links));
        }
        let root = &self.root;
        let (walked, blocks) = parallel::stream(
            &*self.progress,
            ListedFolder::default,
            |folder, rel: &PathBuf| f(rel, folder.read(root, rel)),
            |give| {
                self.walk(&tops, &mut |rel, kind| match kind {
                    Kind::Link => links.push(rel),
                    Kind::File if !hidden(&rel) => give(rel),
                    Kind::File => {}
                })
            },
        );
        walked?;
        Ok((blocks, links))
    }

    /// The symbolic links where the rules are: `policy.yaml` itself, and
    /// anything at or under `calendars/`; sorted, never followed.
    pub fn rule_links(&self) -> Result<Vec<PathBuf>> {
        let mut out = vec![];
        if std::fs::symlink_metadata(self.root.join(paths::POLICY))
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            out.push(PathBuf::from(paths::POLICY));
        }
        self.walk(&[paths::CALENDARS], &mut |rel, kind| {
            if kind == Kind::Link {
                out.push(rel);
            }
        })?;
        out.sort();
        Ok(out)
    }

    /// Every symbolic link rel would meet: `policy.yaml` and anything at or
    /// under `releases/`, `changes/` and `calendars/`, sorted. Links are
    /// listed, never followed.
    pub fn symlinks(&self) -> Result<Vec<PathBuf>> {
        let mut out = self.rule_links()?;
        self.walk(&[paths::RELEASES, paths::CHANGES], &mut |rel, kind| {
            if kind == Kind::Link {
                out.push(rel);
            }
        })?;
        out.sort();
        Ok(out)
    }

    /// Visits everything at and under the folders `tops` (relative to the
    /// root) without following symbolic links; names starting with `.` are
    /// visited but not descended into. Paths come in sorted order (tops
    /// in name order, each folder's entries by name, depth first), so a
    /// list made by the visit needs no sorting of its own.
    fn walk(&self, tops: &[&str], visit: &mut dyn FnMut(PathBuf, Kind)) -> Result<()> {
        let mut tops = tops.to_vec();
        tops.sort_unstable();
        for top in tops {
            let rel = PathBuf::from(top);
            match std::fs::symlink_metadata(self.root.join(&rel)) {
                Ok(m) if m.file_type().is_symlink() => visit(rel, Kind::Link),
                Ok(m) if m.is_dir() => self.walk_in(&rel, visit)?,
                Ok(_) => visit(rel, Kind::File),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::file(&rel, e.to_string())),
            }
        }
        Ok(())
    }

    fn walk_in(&self, dir: &Path, visit: &mut dyn FnMut(PathBuf, Kind)) -> Result<()> {
        let entries = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::file(dir, e.to_string())),
        };
        let mut listed = vec![];
        for entry in entries {
            let entry = entry.map_err(|e| Error::file(dir, e.to_string()))?;
            let rel = dir.join(entry.file_name());
            let kind = entry
                .file_type()
                .map_err(|e| Error::file(&rel, e.to_string()))?;
            listed.push((rel, kind));
        }
        // Paths in one folder differ only in their last part: ordering
        // their bytes orders the names.
        listed.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
        for (rel, kind) in listed {
            if kind.is_symlink() {
                visit(rel, Kind::Link);
            } else if kind.is_dir() {
                if !hidden(&rel) {
                    self.walk_in(&rel, visit)?;
                }
            } else {
                visit(rel, Kind::File);
            }
        }
        Ok(())
    }

    /// The entry names of `dir` (relative to the root) that `filter`
    /// accepts, sorted; a missing folder has none. A symbolic link at or
    /// in `dir` is an error naming it.
    fn names_in(&self, dir: &Path, filter: Filter) -> Result<Vec<String>> {
        self.refuse_links(dir)?;
        let entries = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.note(Read::Dir {
                    rel: dir.to_path_buf(),
                    filter,
                    names: vec![],
                });
                return Ok(vec![]);
            }
            Err(e) => return Err(Error::file(dir, e.to_string())),
        };
        let mut names = vec![];
        for entry in entries {
            let entry = entry.map_err(|e| Error::file(dir, e.to_string()))?;
            let kind = entry
                .file_type()
                .map_err(|e| Error::file(dir.join(entry.file_name()), e.to_string()))?;
            if kind.is_symlink() {
                return Err(link_error(&dir.join(entry.file_name())));
            }
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if filter.keep(&name, kind.is_file(), kind.is_dir()) {
                names.push(name);
            }
        }
        names.sort();
        self.note(Read::Dir {
            rel: dir.to_path_buf(),
            filter,
            names: names.clone(),
        });
        Ok(names)
    }

    /// The `*.yaml` file names (without folders) directly in `dir`.
    fn yaml_names(&self, dir: &Path) -> Result<Vec<String>> {
        self.names_in(dir, Filter::Yaml)
    }

    /// The sub-folder names of `dir` made of `len` digits (`2025`, `03`).
    fn shard_dirs(&self, dir: &Path, len: usize) -> Result<Vec<String>> {
        self.names_in(dir, Filter::Shard(len))
    }

    /// One release; a missing file is a data error naming the path.
    pub fn load_release(&self, id: &ReleaseId) -> Result<Release> {
        let rel = paths::release(id);
        if !self.exists(&rel)? {
            return Err(Error::data(format!("no release {id} ({})", rel.display())));
        }
        self.parse_release(id, &rel)
    }

    fn parse_release(&self, id: &ReleaseId, rel: &Path) -> Result<Release> {
        release_from(id, rel, &self.read(rel)?)
    }

    /// Ids of the releases in one month's folder, from the directory listing
    /// alone (no file is parsed).
    pub fn release_ids_in_month(&self, year: i32, month: u32) -> Result<Vec<ReleaseId>> {
        let mut ids: Vec<ReleaseId> = self
            .yaml_names(&paths::release_month(year, month))?
            .iter()
            .filter_map(|name| ReleaseId::parse(name.strip_suffix(".yaml")?).ok())
            .filter(|id| id.year == year && id.month == month)
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// The releases of one month's folder, parsed.
    pub fn releases_in_month(&self, year: i32, month: u32) -> Result<Vec<Release>> {
        self.release_ids_in_month(year, month)?
            .iter()
            .map(|id| self.load_release(id))
            .collect()
    }

    /// Every release, in id order, with its path relative to the root.
    pub fn all_releases(&self) -> Result<Vec<(PathBuf, Release)>> {
        self.releases_holding(&[])
    }

    /// The releases whose file holds each of `words`, in id order: a filter
    /// on a value (a stage, a service) keeps only records whose text spells
    /// it, and the others are not parsed (see [`may_hold`]). The first file
    /// that cannot be read is the error.
    pub fn releases_holding(&self, words: &[&str]) -> Result<Vec<(PathBuf, Release)>> {
        let (releases, mut unreadable) = self.readable_releases_holding(words)?;
        match unreadable.is_empty() {
            true => Ok(releases),
            false => Err(unreadable.swap_remove(0)),
        }
    }

    /// Every release that can be read, and an error for each file that
    /// cannot (for listings that show the rest and then report them).
    pub fn readable_releases(&self) -> Result<Readable> {
        self.readable_releases_holding(&[])
    }

    /// As [`Repo::readable_releases`], keeping only the releases whose
    /// file holds each of `words` (as [`Repo::releases_holding`]).
    pub fn readable_releases_holding(&self, words: &[&str]) -> Result<Readable> {
        let top = Path::new(paths::RELEASES);
        let mut files = vec![];
        for year in self.shard_dirs(top, 4)? {
            for month in self.shard_dirs(&top.join(&year), 2)? {
                let dir = top.join(&year).join(&month);
                for name in self.yaml_names(&dir)? {
                    files.push(dir.join(&name));
                }
            }
        }
        let read = self.read_each(&files, |rel, text| {
            let name = rel.file_name().unwrap_or_default().to_string_lossy();
            let id = ReleaseId::parse(name.trim_end_matches(".yaml")).map_err(|_| {
                Error::file(
                    rel,
                    "the file name is not a release id (expected REL-YYYY-MM-NNN.yaml)",
                )
            })?;
            if paths::release(&id) != rel {
                return Err(Error::file(
                    rel,
                    format!(
                        "misplaced: {id} belongs in {}",
                        paths::release(&id).display()
                    ),
                ));
            }
            let text = text?;
            if !may_hold(&text, words) {
                return Ok(None);
            }
            Ok(Some((id.clone(), release_from(&id, rel, &text)?)))
        });
        let mut out = vec![];
        let mut unreadable = vec![];
        for (rel, found) in files.into_iter().zip(read) {
            match found {
                Ok(Some((id, release))) => out.push((id, rel, release)),
                Ok(None) => {}
                Err(e @ Error::File { .. }) => unreadable.push(e),
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        let releases = out.into_iter().map(|(_, rel, r)| (rel, r)).collect();
        Ok((releases, unreadable))
    }

    /// One change reference, if its file exists. `id` is validated against
    /// the policy's pattern first.
    pub fn load_change(&self, policy: &Policy, id: &str) -> Result<Option<ChangeRef>> {
        // The id becomes a path: validate it before anything else.
        let year = policy.change_shard_of(id)?;
        let rel = paths::change(id, year);
        if !self.exists(&rel)? {
            return Ok(None);
        }
        self.parse_change(id, &rel).map(Some)
    }

    fn parse_change(&self, id: &str, rel: &Path) -> Result<ChangeRef> {
        change_from(id, rel, &self.read(rel)?)
    }

    /// Every change reference, in id order, with its path relative to the root.
    pub fn all_changes(&self) -> Result<Vec<(PathBuf, ChangeRef)>> {
        self.changes_holding(&[])
    }

    /// The change references whose file holds each of `words`, in id order
    /// (as [`Repo::releases_holding`]).
    pub fn changes_holding(&self, words: &[&str]) -> Result<Vec<(PathBuf, ChangeRef)>> {
        self.changes_map(words, |rel, c| Some((rel.to_path_buf(), c)))
    }

    /// What `keep` makes of each change reference whose file holds every
    /// one of `words` (and keeps), in id order. Records are parsed on every
    /// core and each is dropped as soon as `keep` has seen it, so a list of
    /// many thousands holds only what it prints.
    pub fn changes_map<U: Send>(
        &self,
        words: &[&str],
        keep: impl Fn(&Path, ChangeRef) -> Option<U> + Sync,
    ) -> Result<Vec<U>> {
        let top = Path::new(paths::CHANGES);
        let mut files = vec![];
        for year in self.shard_dirs(top, 4)? {
            let dir = top.join(&year);
            for name in self.yaml_names(&dir)? {
                files.push(dir.join(&name));
            }
        }
        let read = self.read_each(&files, |rel, text| -> Result<Option<(String, U)>> {
            let text = text?;
            if !may_hold(&text, words) {
                return Ok(None);
            }
            let name = rel.file_name().unwrap_or_default().to_string_lossy();
            let change = change_from(name.trim_end_matches(".yaml"), rel, &text)?;
            let id = change.id.clone();
            Ok(keep(rel, change).map(|u| (id, u)))
        });
        drop(files);
        let mut out = vec![];
        for found in read {
            if let Some(kept) = found? {
                out.push(kept);
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out.into_iter().map(|(_, u)| u).collect())
    }
}

/// Refuses a symbolic link at `rel` or at any folder on the way to it
/// (relative to `root`).
fn refuse_links_in(root: &Path, rel: &Path) -> Result<()> {
    let mut at = PathBuf::new();
    for part in rel.components() {
        at.push(part);
        match std::fs::symlink_metadata(root.join(&at)) {
            Ok(m) if m.file_type().is_symlink() => return Err(link_error(&at)),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::file(&at, e.to_string())),
        }
    }
    Ok(())
}

/// Reads the file `rel` of `root`, never through a symbolic link; errors
/// name it relative to the root. Safe to call from any thread.
fn read_in(root: &Path, rel: &Path) -> Result<String> {
    refuse_links_in(root, rel)?;
    std::fs::read_to_string(root.join(rel)).map_err(|e| Error::file(rel, e.to_string()))
}

/// Reads the file `rel` of `root` that a walk listed (no link on the
/// way): a link put in its place since is refused, never followed.
fn read_listed_in(root: &Path, rel: &Path) -> Result<String> {
    #[cfg(unix)]
    {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::File::options()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(root.join(rel))
            .map_err(|e| match e.raw_os_error() {
                Some(libc::ELOOP) => link_error(rel),
                _ => Error::file(rel, e.to_string()),
            })?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| Error::file(rel, e.to_string()))?;
        Ok(text)
    }
    #[cfg(not(unix))]
    read_in(root, rel)
}

/// Whether the last part of `rel` starts with `.` (`.gitkeep`, `.git`).
fn hidden(rel: &Path) -> bool {
    rel.file_name()
        .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."))
}

/// The folder of the file a thread last read from a walk's list, kept
/// open: files come in folder order, so the next one is opened by its
/// name alone, with one lookup of the folder's path rather than one a file.
#[derive(Default)]
struct ListedFolder {
    #[cfg(unix)]
    open: Option<(PathBuf, std::fs::File)>,
    /// The file name being opened, ending in a NUL byte.
    #[cfg(unix)]
    name: Vec<u8>,
    /// The bytes of the file being read.
    #[cfg(unix)]
    text: Vec<u8>,
}

/// Room made in [`ListedFolder`]'s buffer before a file is read into it:
/// more than most records take.
#[cfg(unix)]
const READ_AHEAD: usize = 16 * 1024;

impl ListedFolder {
    /// As [`read_listed_in`], which also gives every error: a file that
    /// cannot be opened by name in its open folder is opened by its path.
    fn read(&mut self, root: &Path, rel: &Path) -> Result<String> {
        #[cfg(unix)]
        {
            use std::io::Read;
            use std::os::fd::{AsRawFd, FromRawFd};
            use std::os::unix::ffi::OsStrExt;
            use std::os::unix::fs::OpenOptionsExt;
            let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
                return read_listed_in(root, rel);
            };
            if self.open.as_ref().is_none_or(|(open, _)| open != parent) {
                self.open = std::fs::File::options()
                    .read(true)
                    .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
                    .open(root.join(parent))
                    .ok()
                    .map(|dir| (parent.to_path_buf(), dir));
            }
            self.name.clear();
            self.name.extend_from_slice(name.as_bytes());
            self.name.push(0);
            let (Some((_, dir)), Ok(name)) =
                (&self.open, std::ffi::CStr::from_bytes_with_nul(&self.name))
            else {
                return read_listed_in(root, rel);
            };
            // SAFETY: `name` is a NUL-terminated string that outlives the
            // call, and `dir` an open folder.
            let fd = unsafe {
                libc::openat(
                    dir.as_raw_fd(),
                    name.as_ptr(),
                    libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                )
            };
            if fd < 0 {
                return read_listed_in(root, rel);
            }
            // SAFETY: `fd` was just opened here, and nothing else owns it.
            let file = unsafe { std::fs::File::from_raw_fd(fd) };
            // Read to the end into the thread's buffer: a record is small,
            // so one read takes it and the next says it ended, without
            // first asking the file's size.
            self.text.clear();
            self.text.reserve(READ_AHEAD);
            file.take(u64::MAX)
                .read_to_end(&mut self.text)
                .map_err(|e| Error::file(rel, e.to_string()))?;
            let text = std::str::from_utf8(&self.text)
                .map_err(|_| Error::file(rel, "stream did not contain valid UTF-8".to_string()))?;
            Ok(text.to_string())
        }
        #[cfg(not(unix))]
        read_listed_in(root, rel)
    }
}

/// The git blob id of `text`, as noted for a changing command's reads.
fn blob_of(text: &str) -> Result<git2::Oid> {
    Ok(git2::Oid::hash_object(
        git2::ObjectType::Blob,
        text.as_bytes(),
    )?)
}

/// Whether a record's `text` may hold every one of `words` as a value.
/// YAML spells a value otherwise only with an escape (`\`): a text with
/// neither cannot, so a filter on the value need not parse it.
pub fn may_hold(text: &str, words: &[&str]) -> bool {
    text.contains('\\') || words.iter().all(|w| text.contains(w))
}

fn release_from(id: &ReleaseId, rel: &Path, text: &str) -> Result<Release> {
    let release: Release = yaml::from_str(rel, text)?;
    let expected = id.to_string();
    if release.id != expected {
        return Err(Error::file(
            rel,
            format!(
                "id `{}` does not match the file name (expected `{expected}`)",
                release.id
            ),
        ));
    }
    Ok(release)
}

fn change_from(id: &str, rel: &Path, text: &str) -> Result<ChangeRef> {
    let change: ChangeRef = yaml::from_str(rel, text)?;
    if change.id != id {
        return Err(Error::file(
            rel,
            format!(
                "id `{}` does not match the file name (expected `{id}`)",
                change.id
            ),
        ));
    }
    Ok(change)
}

/// One calendar file (`rel`, relative to the root, holding `text`), parsed
/// and validated on its own, so an error names the file and the line of
/// the offending value.
pub fn parse_calendar_file(policy: &Policy, rel: &Path, text: &str) -> Result<CalendarFile> {
    let file: CalendarFile = yaml::from_str(rel, text)?;
    let problems = Calendar::merge([file.clone()]).validate(policy);
    if let Some(first) = problems.first() {
        let line = first
            .split('`')
            .nth(1)
            .and_then(|value| text.lines().position(|l| l.contains(value)));
        let at = line
            .map(|l| format!("line {}: ", l + 1))
            .unwrap_or_default();
        return Err(Error::file(rel, format!("{at}{}", problems.join("; "))));
    }
    Ok(file)
}

/// The policy in `text`, validated; errors name `policy.yaml` and the field.
pub fn parse_policy(text: &str) -> Result<Policy> {
    let rel = Path::new(paths::POLICY);
    let policy: Policy = yaml::from_str(rel, text)?;
    let problems = policy.validate();
    if !problems.is_empty() {
        return Err(Error::file(rel, problems.join("; ")));
    }
    Ok(policy)
}

/// Refuses an identity that would not read back as one `Name <email>`:
/// an email with anything but one plain address (`a@b> <c@d` would be
/// read as `c@d`), a name holding `<`, `>` or a line break.
pub fn check_identity(name_key: &str, name: &str, email_key: &str, email: &str) -> Result<()> {
    if name.contains(['<', '>', '\n', '\r']) {
        return Err(Error::data(format!(
            "{name_key} `{name}` is not a name: it may not hold `<`, `>` or a line break (set it with `git config {name_key} ...`)"
        )));
    }
    if !is_plain_email(email) {
        return Err(Error::data(format!(
            "{email_key} `{email}` is not one email address such as ana@example.com (no spaces, `<`, `>` or commas; exactly one @); set it with `git config {email_key} ...`"
        )));
    }
    Ok(())
}

/// One address: `local@domain`, no whitespace, brackets, quotes or list
/// separators, exactly one `@` with something on either side.
pub fn is_plain_email(email: &str) -> bool {
    let bad = |c: char| c.is_whitespace() || c.is_control() || "<>,;\"'()[]\\".contains(c);
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(bad)
        }
        None => false,
    }
}

/// What [`Repo::walk`] met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Link,
}

fn not_git(dir: &Path) -> Error {
    Error::data(format!(
        "{} holds {} but is not in a git repository (run `git init` there, or `rel init`)",
        dir.display(),
        paths::POLICY
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{Fixture, change_yaml};

    #[test]
    fn discovers_the_root_from_a_subfolder() {
        let f = Fixture::new();
        f.put(Path::new("releases/2025/03/.keep"), "");
        let repo = f.repo_from("releases/2025/03");
        assert_eq!(repo.root, f.top());
        assert_eq!(repo.workdir, f.top());
        assert_eq!(repo.actor().unwrap(), "Ana Admin <ana@example.com>");
        repo.load_policy().unwrap();
    }

    #[test]
    fn discovers_a_root_inside_the_work_tree() {
        let f = Fixture::with_root("ops/records");
        f.put(Path::new("ops/records/changes/2025/.keep"), "");
        let repo = f.repo_from("ops/records/changes/2025");
        assert_eq!(repo.root, f.top().join("ops/records"));
        assert_eq!(repo.workdir, f.top());
        // From the top, there is no policy.yaml at or above it.
        let err = Repo::discover(None, f.dir.path()).err().unwrap();
        assert!(matches!(err, Error::Data(_)));
        // --root names it directly, relative to the current directory.
        let repo = Repo::discover(Some(Path::new("ops/records")), f.dir.path()).unwrap();
        assert_eq!(repo.root, f.top().join("ops/records"));
    }

    #[test]
    fn does_not_search_above_the_git_top() {
        let outer = tempfile::tempdir().unwrap();
        std::fs::write(outer.path().join("policy.yaml"), "timezone: UTC\n").unwrap();
        let inner = outer.path().join("project");
        std::fs::create_dir_all(inner.join("sub")).unwrap();
        git2::Repository::init(&inner).unwrap();
        let err = Repo::discover(None, &inner.join("sub")).err().unwrap();
        let msg = err.to_string();
        assert!(
            msg.starts_with("not a records repository: no policy.yaml in"),
            "{msg}"
        );
        assert!(msg.contains("rel init"), "{msg}");
        assert_eq!(err.exit_code(), 3);
    }

    #[test]
    fn policy_outside_git_is_not_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("policy.yaml"), "timezone: UTC\n").unwrap();
        let err = Repo::discover(None, dir.path()).err().unwrap();
        assert!(err.to_string().contains("not in a git repository"), "{err}");
    }

    #[test]
    fn root_flag_without_policy_suggests_init() {
        let f = Fixture::new();
        std::fs::create_dir(f.dir.path().join("empty")).unwrap();
        let err = Repo::discover(Some(Path::new("empty")), f.dir.path())
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(
            msg.contains("no policy.yaml in") && msg.contains("empty"),
            "{msg}"
        );
        assert!(msg.contains("rel init"), "{msg}");
    }

    #[test]
    fn policy_problems_name_the_file() {
        let f = Fixture::new();
        f.put(Path::new("policy.yaml"), "timezone: Mars/Olympus\n");
        let err = f.repo().load_policy().unwrap_err();
        assert!(
            err.to_string().starts_with("policy.yaml: timezone:"),
            "{err}"
        );
        f.put(Path::new("policy.yaml"), "timezone: UTC\nbogus: 1\n");
        let err = f.repo().load_policy().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("policy.yaml: line 2 column 1: unknown field `bogus`"),
            "{err}"
        );
    }

    #[test]
    fn calendars_merge_in_file_name_order_and_errors_name_the_file() {
        let f = Fixture::new();
        let repo = f.repo();
        let policy = repo.load_policy().unwrap();
        assert!(repo.load_calendar(&policy).unwrap().holidays.is_empty());
        f.put(Path::new("calendars/b.yaml"), "holidays: [2025-12-26]\n");
        f.put(Path::new("calendars/a.yaml"), "holidays: [2025-12-25]\n");
        f.put(Path::new("calendars/notes.txt"), "not yaml: [");
        let cal = repo.load_calendar(&policy).unwrap();
        assert_eq!(cal.holidays.len(), 2);
        f.put(
            Path::new("calendars/c.yaml"),
            "holidays: [2025-12-26]\nbogus: x\n",
        );
        let err = repo.load_calendar(&policy).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("calendars/c.yaml: line 2 column 1"),
            "{err}"
        );
    }

    #[test]
    fn change_ids_are_validated_before_any_path_is_built() {
        let f = Fixture::new();
        let repo = f.repo();
        let policy = repo.load_policy().unwrap();
        // A file the bad id would reach if it were joined to a path.
        f.put(Path::new("changes/x.yaml"), &change_yaml("CHG-2025-0001"));
        for bad in [
            "../x",
            "../../etc/passwd",
            "CHG-2025-0001/../../x",
            "/tmp/x",
        ] {
            let err = repo.load_change(&policy, bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}: {err}");
        }
        assert!(
            repo.load_change(&policy, "CHG-2025-0001")
                .unwrap()
                .is_none()
        );
        f.put(
            Path::new("changes/2025/CHG-2025-0001.yaml"),
            &change_yaml("CHG-2025-0001"),
        );
        let change = repo.load_change(&policy, "CHG-2025-0001").unwrap().unwrap();
        assert_eq!(change.id, "CHG-2025-0001");
        f.put(
            Path::new("changes/2025/CHG-2025-0002.yaml"),
            &change_yaml("CHG-2025-0009"),
        );
        let err = repo.load_change(&policy, "CHG-2025-0002").unwrap_err();
        assert!(
            err.to_string().contains("does not match the file name"),
            "{err}"
        );
        let err = repo.all_changes().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("changes/2025/CHG-2025-0002.yaml"),
            "{err}"
        );
        std::fs::remove_file(f.dir.path().join("changes/2025/CHG-2025-0002.yaml")).unwrap();
        f.put(
            Path::new("changes/2024/CHG-2024-0007.yaml"),
            &change_yaml("CHG-2024-0007"),
        );
        let ids: Vec<String> = repo
            .all_changes()
            .unwrap()
            .into_iter()
            .map(|(_, c)| c.id)
            .collect();
        assert_eq!(ids, ["CHG-2024-0007", "CHG-2025-0001"]);
    }

    #[test]
    fn releases_by_month_and_missing_release() {
        let f = Fixture::new();
        let repo = f.repo();
        let id = ReleaseId::new(2025, 3, 1);
        let err = repo.load_release(&id).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no release REL-2025-03-001 (releases/2025/03/REL-2025-03-001.yaml)"
        );
        assert!(repo.release_ids_in_month(2025, 3).unwrap().is_empty());
        f.put(Path::new("releases/2025/03/REL-2025-03-002.yaml"), "x");
        f.put(Path::new("releases/2025/03/REL-2025-03-001.yaml"), "x");
        f.put(Path::new("releases/2025/03/README.md"), "x");
        f.put(Path::new("releases/2025/03/draft.yaml"), "x");
        assert_eq!(
            repo.release_ids_in_month(2025, 3).unwrap(),
            [ReleaseId::new(2025, 3, 1), ReleaseId::new(2025, 3, 2)]
        );
        let err = repo.load_release(&id).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("releases/2025/03/REL-2025-03-001.yaml: "),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn one_walk_lists_records_and_links_in_order_and_a_listed_file_is_not_read_through_a_link() {
        let f = Fixture::new();
        let repo = f.repo();
        for p in [
            "releases/2025/03/REL-2025-03-002.yaml",
            "releases/2025/03/REL-2025-03-001.yaml",
            "releases/2025/10/REL-2025-10-001.yaml",
            "releases/2025/03.old/REL-2025-03-009.yaml",
            "changes/2025/CHG-2025-0002.yaml",
            "changes/2024/CHG-2024-0001.yaml",
            "changes/2025/.gitkeep",
            "changes/.hidden/CHG-2025-0009.yaml",
            "calendars/team.yaml",
        ] {
            f.put(Path::new(p), "x");
        }
        std::os::unix::fs::symlink("/", f.dir.path().join("releases/2025/link")).unwrap();
        std::os::unix::fs::symlink(
            f.dir.path().join("calendars/team.yaml"),
            f.dir.path().join("calendars/other.yaml"),
        )
        .unwrap();
        // Enough files for several blocks, read on every core.
        for n in 1..=300 {
            f.put(
                &PathBuf::from(format!("changes/2026/CHG-2026-{n:04}.yaml")),
                "y",
            );
        }
        let (read, links) = repo
            .read_records(|rel, text| (rel.to_path_buf(), text.unwrap()))
            .unwrap();
        let (files, texts): (Vec<PathBuf>, Vec<String>) = read.unzip();
        let names = |v: &[PathBuf]| {
            v.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        };
        let mut expected = vec![
            "changes/2024/CHG-2024-0001.yaml".to_string(),
            "changes/2025/CHG-2025-0002.yaml".to_string(),
        ];
        expected.extend((1..=300).map(|n| format!("changes/2026/CHG-2026-{n:04}.yaml")));
        expected.extend(
            [
                "releases/2025/03/REL-2025-03-001.yaml",
                "releases/2025/03/REL-2025-03-002.yaml",
                "releases/2025/03.old/REL-2025-03-009.yaml",
                "releases/2025/10/REL-2025-10-001.yaml",
            ]
            .map(String::from),
        );
        assert_eq!(names(&files), expected);
        assert!(texts[..2].iter().chain(&texts[302..]).all(|t| t == "x"));
        assert!(texts[2..302].iter().all(|t| t == "y"));
        assert_eq!(names(&links), ["releases/2025/link"]);
        assert_eq!(names(&repo.rule_links().unwrap()), ["calendars/other.yaml"]);
        assert_eq!(files, repo.record_files().unwrap());
        assert_eq!(
            names(&repo.symlinks().unwrap()),
            ["calendars/other.yaml", "releases/2025/link"]
        );

        // A listed file replaced by a link is refused, not followed; the
        // folder kept open serves the next file in it, and the next folder.
        let listed = PathBuf::from("changes/2025/CHG-2025-0002.yaml");
        std::fs::remove_file(f.dir.path().join(&listed)).unwrap();
        std::os::unix::fs::symlink(f.dir.path().join("policy.yaml"), f.dir.path().join(&listed))
            .unwrap();
        f.put(Path::new("changes/2025/CHG-2025-0003.yaml"), "z");
        let mut folder = ListedFolder::default();
        let err = folder.read(&repo.root, &listed).unwrap_err().to_string();
        assert!(
            err.starts_with("changes/2025/CHG-2025-0002.yaml: is a symbolic link"),
            "{err}"
        );
        let next = Path::new("changes/2025/CHG-2025-0003.yaml");
        assert_eq!(folder.read(&repo.root, next).unwrap(), "z");
        assert_eq!(folder.read(&repo.root, &files[0]).unwrap(), "x");
        let missing = Path::new("changes/2024/CHG-2024-0404.yaml");
        assert!(
            folder
                .read(&repo.root, missing)
                .unwrap_err()
                .to_string()
                .starts_with("changes/2024/CHG-2024-0404.yaml: ")
        );
    }
}
