//! Commits of many files (an import of thousands of change references):
//! their objects go to disk as one pack, and their work-tree files are
//! synced together, so such a commit costs in proportion to its records and
//! not one fsync (and one loose object file) per record.

use crate::error::{Error, Result};
use git2::{FileMode, Oid, Repository, Tree};
use std::io::Write;
use std::path::Path;

/// From this many files on, a commit is written in bulk.
pub const FILES: usize = 200;

/// A file of a commit: its path as git names it, its contents and mode.
pub struct File<'a> {
    pub git_path: &'a str,
    pub contents: &'a [u8],
    pub mode: FileMode,
}

/// The tree `base` with `files` put in, and each file's blob id. Few
/// files are written as loose objects, as git writes them; many are
/// written first to memory and then to disk as one pack (synced when
/// libgit2 syncs what it writes), which is what `git fast-import` does.
pub fn updated_tree(
    git: &Repository,
    base: &Tree<'_>,
    files: &[File<'_>],
) -> Result<(Oid, Vec<Oid>)> {
    if files.len() < FILES {
        return write(git, base, files);
    }
    // A second handle on the same object database (opened as rel opens
    // repositories, so that git's variables for objects hold for both),
    // whose writes go to memory first; reads still find every object on
    // disk.
    let scratch = Repository::open_ext(
        git.path(),
        git2::RepositoryOpenFlags::FROM_ENV | git2::RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&std::ffi::OsStr>(),
    )?;
    let odb = scratch.odb()?;
    let memory = odb.add_new_mempack_backend(1000)?;
    let (tree, blobs) = write(&scratch, &scratch.find_tree(base.id())?, files)?;
    // The pack holds the new blobs and the trees on their paths (the
    // folders the commit changed), nothing else of the repository.
    let mut packer = scratch.packbuilder()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    packer.set_threads(u32::try_from(threads).unwrap_or(1));
    let mut folders = std::collections::BTreeSet::new();
    for (f, blob) in files.iter().zip(&blobs) {
        packer.insert_object(*blob, Some(f.git_path))?;
        let mut dir = Path::new(f.git_path).parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            if !folders.insert(d) {
                break;
            }
            dir = d.parent();
        }
    }
    let new_tree = scratch.find_tree(tree)?;
    packer.insert_object(tree, None)?;
    for dir in folders {
        let entry = new_tree.get_path(dir)?;
        packer.insert_object(entry.id(), dir.to_str())?;
    }
    let mut pack = git2::Buf::new();
    packer.write_buf(&mut pack)?;
    drop((packer, new_tree, memory));
    let target = git.odb()?;
    let mut writer = target.packwriter()?;
    writer
        .write_all(&pack)
        .map_err(|e| Error::Git(format!("writing a pack of {} files: {e}", files.len())))?;
    writer.commit()?;
    drop(writer);
    // The new pack is found without waiting for a miss.
    target.refresh()?;
    Ok((tree, blobs))
}

fn write(git: &Repository, base: &Tree<'_>, files: &[File<'_>]) -> Result<(Oid, Vec<Oid>)> {
    let mut update = git2::build::TreeUpdateBuilder::new();
    let mut blobs = Vec::with_capacity(files.len());
    for f in files {
        let blob = git.blob(f.contents)?;
        update.upsert(f.git_path, blob, f.mode);
        blobs.push(blob);
    }
    Ok((update.create_updated(git, base)?, blobs))
}

/// Makes the work-tree files at `paths` (written without syncing each)
/// durable: on Linux one `syncfs` of their file system; elsewhere each file
/// and each folder holding one is synced.
pub fn sync_files(paths: &[&Path]) -> Result<()> {
    #[cfg(target_os = "linux")]
    if let Some(first) = paths.first() {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(first).map_err(|e| Error::file(first, e.to_string()))?;
        // SAFETY: syncfs takes an open file descriptor, which `file` holds
        // for the duration of the call.
        if unsafe { libc::syncfs(file.as_raw_fd()) } == 0 {
            return Ok(());
        }
    }
    let mut folders = std::collections::BTreeSet::new();
    for path in paths {
        super::durable::sync_file(path).map_err(|e| Error::file(path, e.to_string()))?;
        if let Some(dir) = path.parent() {
            folders.insert(dir);
        }
    }
    for dir in folders {
        super::durable::sync_dir(dir);
    }
    Ok(())
}
