//! Reading a stretch of history on every core.
//!
//! What a commit changed depends only on its own tree and its parents':
//! consecutive commits share most of their trees, but no commit needs
//! another's result. So history is cut into stretches of consecutive
//! commits, and each thread takes a stretch at a time (with a repository
//! handle and a tree cache of its own: libgit2's are not shared between
//! threads), diffs its commits' trees and parses the record versions they
//! changed. A version read in two stretches (written in one, read as the
//! version before in the next) is parsed in both; it reads the same in
//! both, since a blob is its content.

use super::Repo;
use super::history::{Commit, Kind, changed_files, commit_of, kind_of};
use super::trees::TreeCache;
use crate::error::Result;
use crate::model::{ChangeRef, Release};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Commits a thread takes at a time: enough that the trees shared along a
/// stretch are read once, few enough that the threads finish together.
const STRETCH: usize = 256;

/// Record versions parsed, each the record or the parser's message.
#[derive(Default)]
pub struct Parsed {
    pub releases: Vec<(git2::Oid, std::result::Result<Release, String>)>,
    pub changes: Vec<(git2::Oid, std::result::Result<ChangeRef, String>)>,
}

/// The commits `oids` (in that order), each with the record files it
/// changed under `specs` (relative to the records root `prefix`), and
/// every version of those files (before and after each commit, and a
/// merge's base) parsed.
pub fn read(
    repo: &Repo,
    oids: &[git2::Oid],
    prefix: &std::path::Path,
    specs: &[PathBuf],
) -> Result<(Vec<Commit>, Parsed)> {
    let stretches: Vec<&[git2::Oid]> = oids.chunks(STRETCH).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(stretches.len())
        .max(1);
    // A handle each, opened here so that failing to open is the command's
    // error, once.
    let handles = (0..threads)
        .map(|_| repo.reopen_git())
        .collect::<Result<Vec<_>>>()?;
    let next = AtomicUsize::new(0);
    let done: Vec<Vec<(usize, Result<Stretch>)>> = std::thread::scope(|s| {
        let workers: Vec<_> = handles
            .into_iter()
            .map(|git| {
                let (next, stretches) = (&next, &stretches);
                s.spawn(move || {
                    let mut out = vec![];
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(oids) = stretches.get(k) else {
                            return out;
                        };
                        out.push((k, stretch(&git, oids, prefix, specs)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut done: Vec<(usize, Result<Stretch>)> = done.into_iter().flatten().collect();
    done.sort_by_key(|(k, _)| *k);
    let mut commits = Vec::with_capacity(oids.len());
    let mut parsed = Parsed::default();
    for (_, s) in done {
        // The first error along history is the one reported.
        let s = s?;
        commits.extend(s.commits);
        parsed.releases.extend(s.parsed.releases);
        parsed.changes.extend(s.parsed.changes);
    }
    Ok((commits, parsed))
}

struct Stretch {
    commits: Vec<Commit>,
    parsed: Parsed,
}

fn stretch(
    git: &git2::Repository,
    oids: &[git2::Oid],
    prefix: &std::path::Path,
    specs: &[PathBuf],
) -> Result<Stretch> {
    // The trees of one commit, to read again as its child's parent.
    let trees = TreeCache::new(git, 256);
    let mut seen = HashSet::new();
    let mut out = Stretch {
        commits: Vec::with_capacity(oids.len()),
        parsed: Parsed::default(),
    };
    for oid in oids {
        let commit = git.find_commit(*oid)?;
        let files = changed_files(git, &trees, &commit, prefix, specs)?;
        for fc in &files {
            let Some(kind) = kind_of(&fc.path) else {
                continue;
            };
            for oid in fc.parents.iter().chain([&fc.new, &fc.base]).flatten() {
                if !seen.insert((kind, *oid)) {
                    continue;
                }
                match kind {
                    Kind::Release => out.parsed.releases.push((*oid, version(git, *oid, fc))),
                    Kind::Change => out.parsed.changes.push((*oid, version(git, *oid, fc))),
                }
            }
        }
        out.commits.push(commit_of(&commit, files));
    }
    Ok(out)
}

/// The version `oid` of the file `fc`, parsed.
fn version<T: serde::de::DeserializeOwned + serde::Serialize>(
    git: &git2::Repository,
    oid: git2::Oid,
    fc: &super::history::FileChange,
) -> std::result::Result<T, String> {
    let blob = git
        .find_blob(oid)
        .map_err(|e| crate::error::Error::from(e).to_string())?;
    // Read in place; text that is not UTF-8 is read as `blob_text` reads it.
    match std::str::from_utf8(blob.content()) {
        Ok(text) => super::history::parse(&fc.path, text),
        Err(_) => super::history::parse(&fc.path, &String::from_utf8_lossy(blob.content())),
    }
}
