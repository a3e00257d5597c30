//! `.git/index.lock` taken as git takes it (created exclusively), so that
//! rel and a person's own git never both rewrite the index: the index is
//! read under the lock, the new one written into the lock file and renamed
//! over `.git/index`.

use super::durable;
use crate::error::{Error, Result};
use git2::Oid;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// A git lock file younger than this is taken to belong to a running git
/// command (exit 4, retry); an older one was most likely left by one that
/// was interrupted (exit 3, with when it is safe to remove it).
const BUSY: Duration = Duration::from_secs(10);

/// How long rel waits for a git lock to go away before judging it.
const WAIT: Duration = Duration::from_secs(2);

/// The refusal for a git lock file `path` that is in the way of `what`.
pub fn in_the_way(path: &Path, what: &str) -> Error {
    let age = std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok());
    match age {
        Some(age) if age < BUSY => Error::Concurrent(format!(
            "{} exists: a git command is {what}; nothing was written; retry",
            path.display()
        )),
        _ => Error::data(format!(
            "{} exists{}: a git command that was {what} was interrupted, or is still running; nothing was written. Once no git process is running in this repository, it is safe to remove it (rm {})",
            path.display(),
            age.map(|a| format!(" (left {} s ago)", a.as_secs()))
                .unwrap_or_default(),
            path.display()
        )),
    }
}

/// Waits up to a short bounded time for the git lock file `path` to go
/// away; still there: [`in_the_way`].
pub fn wait_for(path: &Path, what: &str) -> Result<()> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    while path.exists() {
        if start.elapsed() >= WAIT {
            return Err(in_the_way(path, what));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    }
    Ok(())
}

/// rel's hold on `.git/index.lock`.
pub struct IndexLock {
    path: PathBuf,
    file: Option<std::fs::File>,
    /// Set once the lock has been renamed into place or handed over.
    done: bool,
}

impl IndexLock {
    /// Creates `<git dir>/index.lock` exclusively, waiting briefly for a
    /// git command that holds it. The file is first created under a name of
    /// rel's own and `announce`d (its inode, for the journal) before it is
    /// linked into place, which is as atomic and exclusive as git's own
    /// `O_EXCL`: so after any crash, an `index.lock` is known to be rel's
    /// exactly when the journal names its inode.
    pub fn take(git_dir: &Path, announce: impl FnOnce(u64) -> Result<()>) -> Result<IndexLock> {
        let path = git_dir.join("index.lock");
        let own = git_dir.join(format!("rel-index-{}.lock", std::process::id()));
        let _ = std::fs::remove_file(&own);
        let file = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(&own)
            .map_err(|e| Error::file(&own, e.to_string()))?;
        let cleanup = |e: Error| {
            let _ = std::fs::remove_file(&own);
            e
        };
        let inode = super::journal::inode(&own).unwrap_or(0);
        announce(inode).map_err(cleanup)?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match std::fs::hard_link(&own, &path) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&own);
                    return Ok(IndexLock {
                        path,
                        file: Some(file),
                        done: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if start.elapsed() >= WAIT {
                        return Err(cleanup(in_the_way(&path, "updating the index")));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(e) => return Err(cleanup(Error::file(&path, e.to_string()))),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the new index contents into the lock file, synced.
    pub fn fill(&mut self, contents: &[u8]) -> Result<()> {
        let fail = |e: std::io::Error| Error::file(&self.path, e.to_string());
        let file = self
            .file
            .as_mut()
            .expect("the lock file is open until renamed");
        file.write_all(contents).map_err(fail)?;
        file.sync_all().map_err(fail)
    }

    /// Renames the lock file over the index: the new index is in place.
    pub fn commit(mut self) -> Result<()> {
        self.file.take();
        let index = self.path.with_file_name("index");
        std::fs::rename(&self.path, &index).map_err(|e| Error::file(&self.path, e.to_string()))?;
        self.done = true;
        if let Some(dir) = self.path.parent() {
            durable::sync_dir(dir);
        }
        Ok(())
    }

    /// Leaves the lock file where it is (a crash would): for the journal to
    /// deal with.
    pub fn forget(mut self) {
        self.done = true;
    }
}

impl Drop for IndexLock {
    /// Not renamed: the index stays as it was.
    fn drop(&mut self) {
        if !self.done {
            self.file.take();
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A file of the work tree to stage: its path as git names it, its blob
/// and its mode.
pub struct Staged<'a> {
    pub git_path: &'a str,
    pub blob: Oid,
    pub mode: u32,
}

/// The bytes of `<git dir>/index` with `files` staged from the work tree
/// (`workdir`), every other entry as it was. Read and built under the index
/// lock, through a scratch copy, since libgit2 writes an index only through
/// its own lock file.
pub fn updated_index(git_dir: &Path, workdir: &Path, files: &[Staged<'_>]) -> Result<Vec<u8>> {
    let scratch = git_dir.join(format!("rel-index-{}.tmp", std::process::id()));
    let current = git_dir.join("index");
    let result = (|| -> Result<Vec<u8>> {
        match std::fs::copy(&current, &scratch) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_file(&scratch);
            }
            Err(e) => return Err(Error::file(&current, e.to_string())),
        }
        let mut index = git2::Index::open(&scratch)?;
        for f in files {
            let meta = std::fs::symlink_metadata(workdir.join(f.git_path))
                .map_err(|e| Error::file(f.git_path, e.to_string()))?;
            index.add(&entry(f, &meta))?;
        }
        index.write()?;
        std::fs::read(&scratch).map_err(|e| Error::file(&scratch, e.to_string()))
    })();
    let _ = std::fs::remove_file(&scratch);
    result
}

fn entry(f: &Staged<'_>, meta: &std::fs::Metadata) -> git2::IndexEntry {
    let path = f.git_path.as_bytes().to_vec();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        git2::IndexEntry {
            ctime: git2::IndexTime::new(meta.ctime() as i32, meta.ctime_nsec() as u32),
            mtime: git2::IndexTime::new(meta.mtime() as i32, meta.mtime_nsec() as u32),
            dev: meta.dev() as u32,
            ino: meta.ino() as u32,
            mode: f.mode,
            uid: meta.uid(),
            gid: meta.gid(),
            file_size: meta.len() as u32,
            id: f.blob,
            flags: path.len().min(0xfff) as u16,
            flags_extended: 0,
            path,
        }
    }
    #[cfg(not(unix))]
    {
        git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: f.mode,
            uid: 0,
            gid: 0,
            file_size: meta.len() as u32,
            id: f.blob,
            flags: path.len().min(0xfff) as u16,
            flags_extended: 0,
            path,
        }
    }
}
