//! One command, one commit: the lock, the dirty check, atomic writes, the
//! compare-and-swap HEAD update and the index update for committed paths.

use super::index_lock::{self, IndexLock};
use super::journal::{self, Journal};
use super::lock::Lock;
use super::trees::TreeCache;
use super::{Repo, atomic, bulk, durable};
use crate::error::{Error, Result};
use git2::{ObjectType, Oid};
use std::collections::HashMap;
use std::path::{Component, Path};

/// A commit message: subject, body (gate results), `Rel-*` trailers.
#[derive(Debug, Clone, Default)]
pub struct CommitMessage {
    pub subject: String,
    pub body: String,
    pub trailers: Vec<(String, String)>,
}

impl CommitMessage {
    /// Subject, blank line, body, blank line, `Key: value` trailers. Line
    /// breaks inside the subject or a trailer value would break the format
    /// `rel log` reads back, so they become spaces.
    pub fn render(&self) -> String {
        let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut out = one_line(&self.subject);
        out.push('\n');
        let body = self.body.trim();
        if !body.is_empty() {
            out.push('\n');
            out.push_str(body);
            out.push('\n');
        }
        if !self.trailers.is_empty() {
            out.push('\n');
            for (key, value) in &self.trailers {
                out.push_str(&format!("{}: {}\n", one_line(key), one_line(value)));
            }
        }
        out
    }
}

/// One queued file.
struct Queued {
    /// Relative to the work tree's top, `/`-separated, as git names it.
    git_path: String,
    /// Relative to the records root, for messages and link checks.
    rel: std::path::PathBuf,
    contents: String,
}

/// Files to write and commit together. Holds the repository lock from
/// `Repo::begin` (or from `Repo::lock_for_change`, before the command read
/// anything) until it is committed or dropped.
pub struct Transaction<'r> {
    repo: &'r Repo,
    /// The lock, unless the repository already holds it.
    _lock: Option<Lock>,
    /// The ref HEAD points to (`refs/heads/main`), or `HEAD` when detached.
    head_ref: String,
    /// The commit HEAD resolved to at `begin`; `None` in a repository
    /// without commits.
    parent: Option<Oid>,
    /// The tree of `parent`, whose folders are each read once.
    head_tree: Option<Oid>,
    trees: TreeCache<'r>,
    files: Vec<Queued>,
    /// Where each queued path is in `files`.
    queued: HashMap<String, usize>,
    /// Git's index as the first write found it (the commit looks again,
    /// under `index.lock`).
    index: Option<super::index_file::Staged>,
}

/// Where HEAD points: the branch ref name (or `HEAD` when detached) and the
/// commit it resolves to, if any.
fn read_head(git: &git2::Repository) -> Result<(String, Option<Oid>)> {
    let head = git.find_reference("HEAD")?;
    let name = head.symbolic_target()?.unwrap_or("HEAD").to_string();
    let target = match git.refname_to_id(&name) {
        Ok(oid) => Some(oid),
        Err(e) if e.code() == git2::ErrorCode::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    Ok((name, target))
}

fn moved() -> Error {
    Error::Concurrent(
        "HEAD moved while rel was working (another commit landed); nothing was written; retry"
            .into(),
    )
}

impl Repo {
    /// Takes the lock, unless `lock_for_change` already did (another rel
    /// process holding it past a short wait: `Error::Concurrent`), and
    /// notes HEAD for the compare-and-swap.
    pub fn begin(&self) -> Result<Transaction<'_>> {
        let lock = if self.lock.borrow().is_some() {
            None
        } else {
            Some(Lock::acquire(self.git().path(), super::lock::WAIT)?)
        };
        let (head_ref, parent) = read_head(self.git())?;
        // Records were read when the repository was opened; committing on
        // top of a HEAD that moved since would act on stale data.
        if parent != self.opened_head.get() {
            return Err(moved());
        }
        let head_tree = match parent {
            Some(oid) => Some(self.git().find_commit(oid)?.tree_id()),
            None => None,
        };
        Ok(Transaction {
            repo: self,
            _lock: lock,
            head_ref,
            parent,
            head_tree,
            trees: TreeCache::new(self.git(), 64),
            files: vec![],
            queued: HashMap::new(),
            index: None,
        })
    }

    /// `path` (relative to the records root) as git names it: relative to
    /// the work tree's top, `/`-separated. Only plain components are
    /// accepted, so nothing outside the root can be named.
    fn git_path(&self, path: &Path) -> Result<String> {
        let prefix = self.root.strip_prefix(&self.workdir).map_err(|_| {
            Error::data(format!(
                "the records root {} is outside the git work tree {}",
                self.root.display(),
                self.workdir.display()
            ))
        })?;
        let mut parts = vec![];
        for c in prefix.components().chain(path.components()) {
            match c {
                Component::Normal(p) => parts.push(
                    p.to_str()
                        .ok_or_else(|| Error::file(path, "the path is not valid UTF-8"))?,
                ),
                _ => {
                    return Err(Error::file(
                        path,
                        "not a plain path inside the records root",
                    ));
                }
            }
        }
        if path.as_os_str().is_empty() || parts.is_empty() {
            return Err(Error::file(path, "not a file path"));
        }
        Ok(parts.join("/"))
    }
}

impl Transaction<'_> {
    fn head_tree(&self) -> Result<Option<git2::Tree<'_>>> {
        let git = self.repo.git();
        match self.parent {
            Some(oid) => Ok(Some(git.find_commit(oid)?.tree()?)),
            None => Ok(None),
        }
    }

    /// The blob id and mode of `git_path` in HEAD. Each folder of HEAD's
    /// tree is read once for all the files of the commit.
    fn head_entry(&self, git_path: &str) -> Result<Option<(Oid, i32)>> {
        let Some(root) = self.head_tree else {
            return Ok(None);
        };
        match self.trees.entry(root, Path::new(git_path)) {
            Some(entry) if entry.is_symlink() => Err(Error::data(format!(
                "{git_path} is a symbolic link in HEAD; rel will not replace it"
            ))),
            Some(entry) if entry.kind == Some(ObjectType::Blob) => Ok(Some((entry.id, entry.mode))),
            Some(_) => Err(Error::data(format!(
                "{git_path} is not a file in HEAD; rel will not replace it"
            ))),
            None => Ok(None),
        }
    }

    /// What the work tree holds at `git_path`: its blob id, `None` when
    /// absent. A symbolic link (there or on the way) or a folder is refused.
    fn on_disk(&self, rel: &Path, git_path: &str) -> Result<Option<Oid>> {
        self.repo.refuse_links(rel)?;
        let full = self.repo.workdir.join(git_path);
        match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.is_file() => Ok(Some(Oid::hash_file(ObjectType::Blob, &full)?)),
            Ok(_) => Err(Error::data(format!(
                "{} is not a regular file; rel will not replace it",
                rel.display()
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::file(rel, e.to_string())),
        }
    }

    /// Refuses `rel` when its index entry or work-tree file holds something
    /// other than HEAD's version or exactly `new`: that is the user's work,
    /// which rel never overwrites (SPEC section 5). Returns the work tree's
    /// blob.
    fn check_untouched(
        &self,
        index: &super::index_file::Staged,
        rel: &Path,
        git_path: &str,
        new: Oid,
    ) -> Result<Option<Oid>> {
        let head = self.head_entry(git_path)?.map(|(oid, _)| oid);
        let conflicted = (1..=3).any(|stage| index.get(git_path, stage).is_some());
        let staged = index.get(git_path, 0);
        let on_disk = self.on_disk(rel, git_path)?;
        let safe = |x: Option<Oid>| x == head || x == Some(new);
        if conflicted || !safe(staged) || !safe(on_disk) {
            let message = if head.is_none() && staged.is_none() {
                format!(
                    "{} exists but is not committed; commit or remove it first",
                    rel.display()
                )
            } else {
                format!(
                    "{} has uncommitted changes; commit or discard them first (git diff HEAD -- {git_path})",
                    rel.display()
                )
            };
            return Err(Error::data(message));
        }
        Ok(on_disk)
    }

    /// Queues `contents` for `path` (relative to the records root). A path
    /// whose work-tree file or index entry differs from HEAD is refused
    /// (`Error::Data`, naming the file), and so is a symbolic link on the
    /// way to it.
    pub fn write(&mut self, path: &Path, contents: String) -> Result<()> {
        let git = self.repo.git();
        let git_path = self.repo.git_path(path)?;
        let new = Oid::hash_object(ObjectType::Blob, contents.as_bytes())?;
        let index = match self.index.take() {
            Some(index) => index,
            None => super::index_file::Staged::read(git)?,
        };
        let checked = self.check_untouched(&index, path, &git_path, new);
        self.index = Some(index);
        checked?;
        let queued = Queued {
            git_path: git_path.clone(),
            rel: path.to_path_buf(),
            contents,
        };
        match self.queued.get(&git_path) {
            Some(&at) => self.files[at] = queued,
            None => {
                self.queued.insert(git_path, self.files.len());
                self.files.push(queued);
            }
        }
        Ok(())
    }

    /// Commits the queued files on top of the HEAD noted at `begin`, in an
    /// order that any crash leaves recognisable (see `journal`): objects,
    /// `index.lock`, journal, work tree, new index into the lock, the
    /// branch (compare-and-swap; moved since: `Error::Concurrent`, nothing
    /// written), the index renamed into place. Returns the new commit id.
    pub fn commit(self, message: &CommitMessage) -> Result<String> {
        let git = self.repo.git();
        let git_dir = git.path().to_path_buf();
        super::pause::point("read");

        // (a) The new tree: HEAD's tree with only the queued paths replaced.
        let base = match self.head_tree()? {
            Some(tree) => tree,
            None => git.find_tree(git.treebuilder(None)?.write()?)?,
        };
        let mut files = Vec::with_capacity(self.files.len());
        for q in &self.files {
            let mode = match self.head_entry(&q.git_path)? {
                Some((_, mode)) if mode == i32::from(git2::FileMode::BlobExecutable) => {
                    git2::FileMode::BlobExecutable
                }
                _ => git2::FileMode::Blob,
            };
            files.push(bulk::File {
                git_path: &q.git_path,
                contents: q.contents.as_bytes(),
                mode,
            });
        }
        let (tree_id, blobs) = bulk::updated_tree(git, &base, &files)?;
        let staged: Vec<(Oid, u32)> = files
            .iter()
            .zip(blobs)
            .map(|(f, blob)| (blob, u32::try_from(i32::from(f.mode)).unwrap_or(0o100644)))
            .collect();
        drop(files);
        if self.files.is_empty() || (self.parent.is_some() && tree_id == base.id()) {
            return Err(Error::data("nothing to commit"));
        }
        let tree = git.find_tree(tree_id)?;

        // (b) Everything the command decided on must still be HEAD's: a
        // commit that landed meanwhile is a lost race (exit 4); a file that
        // differs from an unmoved HEAD is an uncommitted edit (exit 3).
        let (head_ref, current) = read_head(git)?;
        if head_ref != self.head_ref || current != self.parent {
            return Err(moved());
        }
        let stale = self.repo.stale_reads(self.head_tree()?.as_ref())?;
        if !stale.is_empty() {
            let names: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
            return Err(Error::data(format!(
                "{} differ{} from HEAD (an uncommitted edit, an untracked file, or an interrupted command); rel decides on committed records only: commit or discard {} first (git status)",
                names.join(", "),
                if names.len() == 1 { "s" } else { "" },
                if names.len() == 1 { "it" } else { "them" }
            )));
        }

        // (c) The commit object; nothing points at it yet.
        let mut text = message.clone();
        if self.repo.clock_forced.get() {
            text.trailers
                .push(("Rel-Clock".to_string(), "REL_NOW".to_string()));
        }
        let text = text.render();
        let commit_id = if gpg_sign(git) {
            let id = commit_with_git_program(
                &self.repo.workdir,
                tree_id,
                self.parent,
                &text,
                self.repo.clock.get(),
            )?;
            sync_loose_object(&git_dir, id);
            id
        } else {
            let clock = self.repo.clock.get();
            let author = identity(git, "AUTHOR", clock)?;
            let committer = identity(git, "COMMITTER", clock)?;
            let parent = self.parent.map(|p| git.find_commit(p)).transpose()?;
            let parents: Vec<&git2::Commit> = parent.iter().collect();
            git.commit(None, &author, &committer, &text, &tree, &parents)?
        };

        // (d) A git command holding the branch's lock, or one interrupted
        // while it did: never mistaken for a lost race.
        let ref_lock = git_dir.join(format!("{}.lock", self.head_ref));
        index_lock::wait_for(&ref_lock, "updating the branch")?;

        // (e) The journal, then the index lock (named in the journal before
        // it exists), then under it the index entries again: the user may
        // have staged something since `write`.
        let mut entries = vec![];
        for (q, (blob, _)) in self.files.iter().zip(&staged) {
            entries.push(journal::Entry {
                git_path: q.git_path.clone(),
                before: self.on_disk(&q.rel, &q.git_path)?,
                after: *blob,
            });
        }
        let mut journal = Journal {
            head_ref: self.head_ref.clone(),
            parent: self.parent,
            commit: commit_id,
            index_lock: 0,
            entries,
        };
        let lock = IndexLock::take(&git_dir, |inode| {
            journal.index_lock = inode;
            journal.write(&git_dir)
        });
        let mut lock = match lock {
            Ok(lock) => lock,
            Err(e) => {
                let _ = Journal::remove(&git_dir);
                return Err(e);
            }
        };
        let index = super::index_file::Staged::open(&git_dir)?;
        for (q, e) in self.files.iter().zip(&journal.entries) {
            let checked = self.check_untouched(&index, &q.rel, &q.git_path, e.after);
            if checked.as_ref().map_or(true, |before| *before != e.before) {
                drop(lock);
                let _ = Journal::remove(&git_dir);
                return Err(checked.err().unwrap_or_else(|| {
                    Error::data(format!(
                        "{} changed while rel was committing; nothing was written",
                        q.rel.display()
                    ))
                }));
            }
        }
        drop(index);
        super::pause::point("journal");

        // (e') On the shared remote's branch, the commit is published before
        // anything local moves: the remote's compare-and-swap decides, and a
        // refusal leaves the local branch, work tree and index untouched.
        if let Err(e) = super::remote::publish(self.repo, &self.head_ref, commit_id, self.parent) {
            drop(lock);
            let _ = Journal::remove(&git_dir);
            return Err(e);
        }

        // (f) The work tree, then the new index into the lock file. A
        // failure undoes the work tree; the lock's drop leaves the index.
        let undo = |e: Error| -> Error {
            let _ = journal::undo_work_tree(self.repo, &journal);
            let _ = Journal::remove(&git_dir);
            e
        };
        // Many files are written first and synced together.
        let many = self.files.len() >= bulk::FILES;
        let mut written = vec![];
        for q in &self.files {
            let full = self.repo.workdir.join(&q.git_path);
            if let Err(e) = self.repo.refuse_links(&q.rel).and_then(|()| match many {
                true => atomic::write_unsynced(&full, q.contents.as_bytes()),
                false => atomic::write(&full, q.contents.as_bytes()),
            }) {
                return Err(undo(e));
            }
            if many {
                written.push(full);
            }
        }
        let written: Vec<&Path> = written.iter().map(|p| p.as_path()).collect();
        if let Err(e) = bulk::sync_files(&written) {
            return Err(undo(e));
        }
        let list: Vec<index_lock::Staged<'_>> = self
            .files
            .iter()
            .zip(&staged)
            .map(|(q, (blob, mode))| index_lock::Staged {
                git_path: &q.git_path,
                blob: *blob,
                mode: *mode,
            })
            .collect();
        if let Err(e) = index_lock::updated_index(&git_dir, &self.repo.workdir, &list)
            .and_then(|bytes| lock.fill(&bytes))
        {
            return Err(undo(e));
        }
        super::pause::point("before-ref");

        // (g) Compare-and-swap: move the branch only if it is still where
        // `begin` saw it. This is the commit point.
        let log = format!("commit: {}", message.subject.lines().next().unwrap_or(""));
        let swapped = match self.parent {
            Some(parent) => git.reference_matching(&self.head_ref, commit_id, true, parent, &log),
            None => git.reference(&self.head_ref, commit_id, false, &log),
        };
        if let Err(e) = swapped {
            return Err(undo(match e.code() {
                git2::ErrorCode::Locked => index_lock::in_the_way(&ref_lock, "updating the branch"),
                git2::ErrorCode::Modified | git2::ErrorCode::Exists => moved(),
                _ => e.into(),
            }));
        }
        super::pause::point("after-ref");

        // (h) The index in place, the journal gone.
        let short = &commit_id.to_string()[..10];
        lock.commit().map_err(|e| {
            Error::data(format!(
                "committed {short}, but putting the new index in place failed: {e}; the next rel command finishes it"
            ))
        })?;
        Journal::remove(&git_dir)?;
        // What this process wrote is what it has read from now on.
        self.repo.opened_head.set(Some(commit_id));
        Ok(commit_id.to_string())
    }
}

/// Syncs the loose object `id` (written by the `git` program) and its
/// folder, if it is loose.
fn sync_loose_object(git_dir: &Path, id: Oid) {
    let hex = id.to_string();
    let dir = git_dir.join("objects").join(&hex[..2]);
    let _ = durable::sync_file(&dir.join(&hex[2..]));
    durable::sync_dir(&dir);
}

/// The user asked for signed commits (`commit.gpgsign`): only the `git`
/// program knows their signing setup.
fn gpg_sign(git: &git2::Repository) -> bool {
    git.config()
        .and_then(|c| c.get_bool("commit.gpgsign"))
        .unwrap_or(false)
}

fn commit_with_git_program(
    workdir: &Path,
    tree: Oid,
    parent: Option<Oid>,
    message: &str,
    clock: Option<crate::model::Timestamp>,
) -> Result<Oid> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new("git");
    cmd.current_dir(workdir)
        .arg("commit-tree")
        .arg(tree.to_string());
    if let Some(p) = parent {
        cmd.arg("-p").arg(p.to_string());
    }
    if let Some(now) = clock {
        let date = git_date(now);
        for var in ["GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"] {
            if std::env::var(var).map_or(true, |v| v.trim().is_empty()) {
                cmd.env(var, &date);
            }
        }
    }
    cmd.arg("-S")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        Error::Git(format!(
            "commit.gpgsign is set, but running `git` failed: {e}"
        ))
    })?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(message.as_bytes())
        .map_err(|e| Error::Git(format!("git commit-tree: {e}")))?;
    let out = child
        .wait_with_output()
        .map_err(|e| Error::Git(format!("git commit-tree: {e}")))?;
    if !out.status.success() {
        return Err(Error::Git(format!(
            "signing the commit failed (commit.gpgsign is set): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Oid::from_str(text.trim())
        .map_err(|_| Error::Git(format!("git commit-tree printed `{}`", text.trim())))
}

/// Author or committer, as git would choose them: `GIT_<KIND>_NAME`,
/// `GIT_<KIND>_EMAIL` and `GIT_<KIND>_DATE` from the environment when set,
/// else `user.name`/`user.email` and the command's clock.
fn identity(
    git: &git2::Repository,
    kind: &str,
    clock: Option<crate::model::Timestamp>,
) -> Result<git2::Signature<'static>> {
    let config = git.config()?;
    let value = |env: String, key: &str| -> Result<String> {
        if let Ok(v) = std::env::var(&env)
            && !v.trim().is_empty()
        {
            return Ok(v);
        }
        config
            .get_string(key)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                Error::data(format!(
                    "who is committing? set it with `git config {key} ...`"
                ))
            })
    };
    let name = value(format!("GIT_{kind}_NAME"), "user.name")?;
    let email = value(format!("GIT_{kind}_EMAIL"), "user.email")?;
    super::repo::check_identity(
        &format!("GIT_{kind}_NAME or user.name"),
        &name,
        &format!("GIT_{kind}_EMAIL or user.email"),
        &email,
    )?;
    match std::env::var(format!("GIT_{kind}_DATE")) {
        Ok(date) if !date.trim().is_empty() => {
            let time = parse_git_date(&date).ok_or_else(|| {
                Error::data(format!(
                    "GIT_{kind}_DATE=`{date}` is not a date (use `@<seconds> +0000`, RFC 2822 or ISO 8601)"
                ))
            })?;
            Ok(git2::Signature::new(&name, &email, &time)?)
        }
        _ => match clock {
            Some(now) => {
                let time = git2::Time::new(now.timestamp(), now.offset().local_minus_utc() / 60);
                Ok(git2::Signature::new(&name, &email, &time)?)
            }
            None => Ok(git2::Signature::now(&name, &email)?),
        },
    }
}

/// `now` in git's internal date format, for the `git` program's environment.
fn git_date(now: crate::model::Timestamp) -> String {
    let minutes = now.offset().local_minus_utc() / 60;
    let sign = if minutes < 0 { '-' } else { '+' };
    let minutes = minutes.abs();
    format!(
        "@{} {sign}{:02}{:02}",
        now.timestamp(),
        minutes / 60,
        minutes % 60
    )
}

/// The date formats git accepts that scripts and tests use: its internal
/// `[@]<seconds> <+zzzz>`, RFC 2822 and ISO 8601.
pub fn parse_git_date(text: &str) -> Option<git2::Time> {
    use chrono::DateTime;
    let text = text.trim();
    let internal = text.strip_prefix('@').unwrap_or(text);
    let mut parts = internal.split_whitespace();
    if let (Some(secs), Some(zone), None) = (parts.next(), parts.next(), parts.next())
        && let Ok(secs) = secs.parse::<i64>()
        && let Some(offset) = parse_offset(zone)
    {
        return Some(git2::Time::new(secs, offset));
    }
    if let Some(secs) = text.strip_prefix('@').and_then(|s| s.parse::<i64>().ok()) {
        return Some(git2::Time::new(secs, 0));
    }
    let parsed = DateTime::parse_from_rfc2822(text)
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z"))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%:z"))
        .ok()?;
    Some(git2::Time::new(
        parsed.timestamp(),
        parsed.offset().local_minus_utc() / 60,
    ))
}

/// `+0100` or `-0530` as minutes east of UTC.
fn parse_offset(zone: &str) -> Option<i32> {
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{Fixture, change_yaml};

    const REL_PATH: &str = "changes/2025/CHG-2025-0001.yaml";

    fn message() -> CommitMessage {
        CommitMessage {
            subject: "CHG-2025-0001: add".into(),
            body: "3 gates passed".into(),
            trailers: vec![
                ("Rel-Action".into(), "add".into()),
                ("Rel-Change".into(), "CHG-2025-0001".into()),
            ],
        }
    }

    /// Paths that differ between a commit and its parent.
    fn changed_paths(git: &git2::Repository, commit: &str) -> Vec<String> {
        let commit = git.find_commit(Oid::from_str(commit).unwrap()).unwrap();
        let parent = commit.parent(0).ok().map(|p| p.tree().unwrap());
        let diff = git
            .diff_tree_to_tree(parent.as_ref(), Some(&commit.tree().unwrap()), None)
            .unwrap();
        diff.deltas()
            .map(|d| d.new_file().path().unwrap().to_str().unwrap().to_string())
            .collect()
    }

    fn status(git: &git2::Repository, path: &str) -> git2::Status {
        git.status_file(Path::new(path)).unwrap()
    }

    #[test]
    fn commits_exactly_its_files_with_subject_body_and_trailers() {
        let f = Fixture::new();
        let repo = f.repo();
        let before = f.head();
        let mut tx = repo.begin().unwrap();
        tx.write(Path::new(REL_PATH), change_yaml("CHG-2025-0001"))
            .unwrap();
        tx.write(
            Path::new("changes/2025/CHG-2025-0002.yaml"),
            change_yaml("CHG-2025-0002"),
        )
        .unwrap();
        let id = tx.commit(&message()).unwrap();

        let commit = f.git.find_commit(Oid::from_str(&id).unwrap()).unwrap();
        assert_eq!(commit.parent_id(0).unwrap(), before);
        assert_eq!(f.head().to_string(), id);
        assert_eq!(
            commit.message().unwrap(),
            "CHG-2025-0001: add\n\n3 gates passed\n\nRel-Action: add\nRel-Change: CHG-2025-0001\n"
        );
        assert_eq!(commit.author().name().unwrap(), "Ana Admin");
        assert_eq!(
            changed_paths(&f.git, &id),
            [REL_PATH, "changes/2025/CHG-2025-0002.yaml"]
        );
        assert_eq!(f.read(REL_PATH), change_yaml("CHG-2025-0001"));
        // The work tree and the index agree with the commit.
        assert!(
            status(&f.git, REL_PATH).is_empty(),
            "{:?}",
            status(&f.git, REL_PATH)
        );
    }

    #[test]
    fn first_commit_in_a_repository_without_commits() {
        let dir = tempfile::tempdir().unwrap();
        let git = git2::Repository::init(dir.path()).unwrap();
        let mut config = git.config().unwrap();
        config.set_str("user.name", "Ana Admin").unwrap();
        config.set_str("user.email", "ana@example.com").unwrap();
        std::fs::write(
            dir.path().join("policy.yaml"),
            crate::store::testing::POLICY,
        )
        .unwrap();
        let repo = Repo::discover(None, dir.path()).unwrap();
        let mut tx = repo.begin().unwrap();
        let policy = std::fs::read_to_string(dir.path().join("policy.yaml")).unwrap();
        // An untracked file already holding exactly the new contents is fine.
        tx.write(Path::new("policy.yaml"), policy).unwrap();
        let id = tx.commit(&message()).unwrap();
        let head = git.head().unwrap();
        assert_eq!(head.target().unwrap().to_string(), id);
        assert_eq!(
            git.find_commit(head.target().unwrap())
                .unwrap()
                .parent_count(),
            0
        );
    }

    #[test]
    fn nothing_to_commit() {
        let f = Fixture::new();
        let repo = f.repo();
        let tx = repo.begin().unwrap();
        let err = tx.commit(&message()).unwrap_err();
        assert_eq!(err.to_string(), "nothing to commit");
        let mut tx = repo.begin().unwrap();
        tx.write(Path::new("policy.yaml"), f.read("policy.yaml"))
            .unwrap();
        let err = tx.commit(&message()).unwrap_err();
        assert_eq!(err.to_string(), "nothing to commit");
    }

    #[test]
    fn a_second_transaction_waits_for_none() {
        let f = Fixture::new();
        let repo = f.repo();
        let other = f.repo();
        let tx = repo.begin().unwrap();
        let err = other.begin().err().unwrap();
        assert!(matches!(err, Error::Concurrent(_)), "{err:?}");
        drop(tx);
        other.begin().unwrap();
    }

    #[test]
    fn a_staged_file_of_the_user_stays_staged_and_uncommitted() {
        let f = Fixture::new();
        f.put(Path::new("README.md"), "mine\n");
        f.stage("README.md");
        f.put(Path::new("notes.txt"), "unstaged\n");
        let repo = f.repo();
        let mut tx = repo.begin().unwrap();
        tx.write(Path::new(REL_PATH), change_yaml("CHG-2025-0001"))
            .unwrap();
        let id = tx.commit(&message()).unwrap();
        assert_eq!(changed_paths(&f.git, &id), [REL_PATH]);
        assert_eq!(status(&f.git, "README.md"), git2::Status::INDEX_NEW);
        assert_eq!(status(&f.git, "notes.txt"), git2::Status::WT_NEW);
        assert!(status(&f.git, REL_PATH).is_empty());
    }

    #[test]
    fn a_record_with_uncommitted_edits_is_refused_and_left_alone() {
        let f = Fixture::new();
        f.put(Path::new(REL_PATH), &change_yaml("CHG-2025-0001"));
        f.commit_all("add change");
        let head = f.head();
        let edited = change_yaml("CHG-2025-0001") + "risk: edited by hand\n";

        // Unstaged edit.
        f.put(Path::new(REL_PATH), &edited);
        let repo = f.repo();
        let mut tx = repo.begin().unwrap();
        let err = tx
            .write(
                Path::new(REL_PATH),
                change_yaml("CHG-2025-0001") + "ready: true\n",
            )
            .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert_eq!(
            err.to_string(),
            format!(
                "{REL_PATH} has uncommitted changes; commit or discard them first (git diff HEAD -- {REL_PATH})"
            )
        );
        assert_eq!(
            tx.commit(&message()).unwrap_err().to_string(),
            "nothing to commit"
        );
        assert_eq!(f.read(REL_PATH), edited);
        assert_eq!(f.head(), head);

        // Staged edit, work tree back to HEAD's version.
        f.stage(REL_PATH);
        f.put(Path::new(REL_PATH), &change_yaml("CHG-2025-0001"));
        let mut tx = repo.begin().unwrap();
        let err = tx
            .write(
                Path::new(REL_PATH),
                change_yaml("CHG-2025-0001") + "ready: true\n",
            )
            .unwrap_err();
        assert!(err.to_string().contains("has uncommitted changes"), "{err}");
        drop(tx);
        assert_eq!(f.head(), head);
        assert!(status(&f.git, REL_PATH).contains(git2::Status::INDEX_MODIFIED));
    }

    #[test]
    fn an_untracked_file_with_other_contents_is_refused() {
        let f = Fixture::new();
        f.put(Path::new(REL_PATH), "mine\n");
        let repo = f.repo();
        let mut tx = repo.begin().unwrap();
        let err = tx
            .write(Path::new(REL_PATH), change_yaml("CHG-2025-0001"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{REL_PATH} exists but is not committed; commit or remove it first")
        );
        assert_eq!(f.read(REL_PATH), "mine\n");
    }

    #[test]
    fn head_moved_since_begin_is_concurrent_and_writes_nothing() {
        let f = Fixture::new();
        let repo = f.repo();
        let mut tx = repo.begin().unwrap();
        tx.write(Path::new(REL_PATH), change_yaml("CHG-2025-0001"))
            .unwrap();
        // Someone else commits meanwhile.
        f.put(Path::new("other.txt"), "x\n");
        let theirs = f.commit_all("theirs");
        let err = tx.commit(&message()).unwrap_err();
        assert!(matches!(err, Error::Concurrent(_)), "{err:?}");
        assert_eq!(err.exit_code(), 4);
        assert_eq!(f.head(), theirs);
        assert!(!f.dir.path().join(REL_PATH).exists());
        assert!(
            f.git
                .index()
                .unwrap()
                .get_path(Path::new(REL_PATH), 0)
                .is_none()
        );
    }

    #[test]
    fn a_records_root_inside_the_work_tree_commits_under_its_folder() {
        let f = Fixture::with_root("ops/records");
        let repo = f.repo_from("ops/records");
        let mut tx = repo.begin().unwrap();
        tx.write(Path::new(REL_PATH), change_yaml("CHG-2025-0001"))
            .unwrap();
        let id = tx.commit(&message()).unwrap();
        let full = format!("ops/records/{REL_PATH}");
        assert_eq!(changed_paths(&f.git, &id), [full.as_str()]);
        assert_eq!(f.read(&full), change_yaml("CHG-2025-0001"));
        assert!(status(&f.git, &full).is_empty());
        assert!(!f.dir.path().join(REL_PATH).exists());
    }

    #[test]
    fn paths_outside_the_root_are_refused() {
        let f = Fixture::with_root("records");
        let repo = f.repo_from("records");
        let mut tx = repo.begin().unwrap();
        for bad in ["../x.yaml", "/etc/x.yaml", "a/../../x.yaml", ""] {
            assert!(tx.write(Path::new(bad), "x".into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn git_dates() {
        let t = parse_git_date("@1740823200 +0100").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1740823200, 60));
        let t = parse_git_date("1740823200 -0530").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1740823200, -330));
        let t = parse_git_date("2025-03-01T10:00:00+00:00").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1740823200, 0));
        let t = parse_git_date("Sat, 01 Mar 2025 11:00:00 +0100").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1740823200, 60));
        assert!(parse_git_date("yesterday").is_none());
    }

    #[test]
    fn message_rendering_keeps_trailers_on_one_line() {
        let m = CommitMessage {
            subject: "REL-2025-03-001: promote test -> stage".into(),
            body: String::new(),
            trailers: vec![("Rel-Waived".into(), "gate a\nreason b".into())],
        };
        assert_eq!(
            m.render(),
            "REL-2025-03-001: promote test -> stage\n\nRel-Waived: gate a reason b\n"
        );
    }
}
