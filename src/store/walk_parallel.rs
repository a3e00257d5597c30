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
//! both, since a blob is its content. The versions of a commit that
//! changed many records (an import, a migration) are parsed afterwards,
//! shared out between the threads, so that one large commit does not
//! leave a single thread to parse it.

use super::Repo;
use super::history::{Commit, Kind, changed_files, commit_of, kind_of};
use super::trees::TreeCache;
use crate::error::Result;
use crate::model::{ChangeRef, Release};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How history is shared out between the threads.
#[derive(Clone, Copy)]
struct Sizes {
    /// Commits a thread takes at a time: enough that the trees shared
    /// along a stretch are read once, few enough that the threads finish
    /// together.
    stretch: usize,
    /// A commit changing more record versions than this has them parsed
    /// by every thread, in blocks of this many.
    large: usize,
}

const SIZES: Sizes = Sizes {
    stretch: 256,
    large: 256,
};

/// Record versions parsed, each the record or the parser's message.
#[derive(Default)]
pub struct Parsed {
    pub releases: Vec<(git2::Oid, std::result::Result<Release, String>)>,
    pub changes: Vec<(git2::Oid, std::result::Result<ChangeRef, String>)>,
}

/// The commits `oids`, each with the record files it changed under
/// `specs` (relative to the records root `prefix`), handed to `each` in
/// order a stretch at a time, with every version of those files (before
/// and after each commit, and a merge's base) parsed. `each` runs on the
/// calling thread while the threads read the stretches after.
pub fn read(
    repo: &Repo,
    oids: &[git2::Oid],
    prefix: &Path,
    specs: &[PathBuf],
    each: impl FnMut(Vec<Commit>, Parsed) -> Result<()>,
) -> Result<()> {
    read_in(SIZES, repo, oids, prefix, specs, each)
}

fn read_in(
    sizes: Sizes,
    repo: &Repo,
    oids: &[git2::Oid],
    prefix: &Path,
    specs: &[PathBuf],
    mut each: impl FnMut(Vec<Commit>, Parsed) -> Result<()>,
) -> Result<()> {
    let stretches: Vec<&[git2::Oid]> = oids.chunks(sizes.stretch).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(stretches.len());
    // A handle each, opened here so that failing to open is the command's
    // error, once.
    let handles = (0..threads)
        .map(|_| repo.reopen_git())
        .collect::<Result<Vec<_>>>()?;
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Stretch>)>();
    std::thread::scope(|s| {
        for git in handles {
            let (next, stretches, tx) = (&next, &stretches, tx.clone());
            s.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(oids) = stretches.get(k) else {
                        break;
                    };
                    let read = stretch(&git, oids, prefix, specs, sizes.large);
                    if tx.send((k, read)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Stretches in order, as they are done; the first error along
        // history is the one reported, and stops the threads.
        let stop = || next.store(stretches.len(), Ordering::Relaxed);
        let mut waiting = std::collections::BTreeMap::new();
        let mut due = 0;
        for (k, done) in rx {
            waiting.insert(k, done);
            while let Some(done) = waiting.remove(&due) {
                due += 1;
                let s = done.inspect_err(|_| stop())?;
                let mut parsed = s.parsed;
                if !s.large.is_empty() {
                    parsed
                        .extend(parse_shared(repo, &s.large, sizes.large).inspect_err(|_| stop())?);
                }
                each(s.commits, parsed).inspect_err(|_| stop())?;
            }
        }
        Ok(())
    })
}

fn join<T>(h: std::thread::ScopedJoinHandle<T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// A record version to parse: which record, which blob, and the path it
/// is read at (named in its errors).
struct Job {
    kind: Kind,
    oid: git2::Oid,
    path: PathBuf,
}

/// `jobs` parsed, blocks of them taken in turn by one thread per core.
fn parse_shared(repo: &Repo, jobs: &[Job], block: usize) -> Result<Parsed> {
    let blocks: Vec<&[Job]> = jobs.chunks(block).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(blocks.len());
    let handles = (0..threads)
        .map(|_| repo.reopen_git())
        .collect::<Result<Vec<_>>>()?;
    let next = AtomicUsize::new(0);
    let done: Vec<Parsed> = std::thread::scope(|s| {
        let workers: Vec<_> = handles
            .into_iter()
            .map(|git| {
                let (next, blocks) = (&next, &blocks);
                s.spawn(move || {
                    let mut out = Parsed::default();
                    while let Some(block) = blocks.get(next.fetch_add(1, Ordering::Relaxed)) {
                        for job in *block {
                            out.add(&git, job.kind, job.oid, &job.path);
                        }
                    }
                    out
                })
            })
            .collect();
        workers.into_iter().map(join).collect()
    });
    let mut parsed = Parsed::default();
    for p in done {
        parsed.extend(p);
    }
    Ok(parsed)
}

impl Parsed {
    fn extend(&mut self, more: Parsed) {
        self.releases.extend(more.releases);
        self.changes.extend(more.changes);
    }

    fn add(&mut self, git: &git2::Repository, kind: Kind, oid: git2::Oid, path: &Path) {
        match kind {
            Kind::Release => self.releases.push((oid, version(git, oid, path))),
            Kind::Change => self.changes.push((oid, version(git, oid, path))),
        }
    }
}

struct Stretch {
    commits: Vec<Commit>,
    parsed: Parsed,
    /// The versions of large commits, parsed afterwards.
    large: Vec<Job>,
}

fn stretch(
    git: &git2::Repository,
    oids: &[git2::Oid],
    prefix: &Path,
    specs: &[PathBuf],
    large: usize,
) -> Result<Stretch> {
    // The trees of one commit, to read again as its child's parent.
    let trees = TreeCache::new(git, 256);
    let mut seen = HashSet::new();
    let mut out = Stretch {
        commits: Vec::with_capacity(oids.len()),
        parsed: Parsed::default(),
        large: vec![],
    };
    for oid in oids {
        let commit = git.find_commit(*oid)?;
        let files = changed_files(git, &trees, &commit, prefix, specs)?;
        let mut jobs = vec![];
        for fc in &files {
            let Some(kind) = kind_of(&fc.path) else {
                continue;
            };
            for oid in fc.parents.iter().chain([&fc.new, &fc.base]).flatten() {
                if seen.insert((kind, *oid)) {
                    jobs.push(Job {
                        kind,
                        oid: *oid,
                        path: fc.path.clone(),
                    });
                }
            }
        }
        if jobs.len() > large {
            out.large.extend(jobs);
        } else {
            for job in jobs {
                out.parsed.add(git, job.kind, job.oid, &job.path);
            }
        }
        out.commits.push(commit_of(&commit, files));
    }
    Ok(out)
}

/// The version `oid` of the file at `path`, parsed.
fn version<T: serde::de::DeserializeOwned + serde::Serialize>(
    git: &git2::Repository,
    oid: git2::Oid,
    path: &Path,
) -> std::result::Result<T, String> {
    let blob = git
        .find_blob(oid)
        .map_err(|e| crate::error::Error::from(e).to_string())?;
    // Read in place; text that is not UTF-8 is read as `blob_text` reads it.
    match std::str::from_utf8(blob.content()) {
        Ok(text) => super::history::parse(path, text),
        Err(_) => super::history::parse(path, &String::from_utf8_lossy(blob.content())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::Fixture;

    /// Everything a read hands over, in order, as text.
    fn read_all(f: &Fixture, sizes: Sizes) -> (Vec<String>, Vec<String>) {
        let repo = f.repo();
        let mut walk = repo.git().revwalk().unwrap();
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
            .unwrap();
        walk.push_head().unwrap();
        let oids: Vec<git2::Oid> = walk.map(Result::unwrap).collect();
        let specs = [PathBuf::from("releases"), PathBuf::from("changes")];
        let (mut commits, mut parsed) = (vec![], vec![]);
        read_in(sizes, &repo, &oids, Path::new(""), &specs, |c, p| {
            commits.extend(c.iter().map(|c| format!("{} {:?}", c.oid, c.files)));
            parsed.extend(p.releases.iter().map(|(o, r)| format!("{o} {r:?}")));
            parsed.extend(p.changes.iter().map(|(o, r)| format!("{o} {r:?}")));
            Ok(())
        })
        .unwrap();
        parsed.sort();
        parsed.dedup();
        (commits, parsed)
    }

    #[test]
    fn every_way_of_sharing_history_out_reads_the_same() {
        let f = Fixture::new();
        let release = |n: u32, stage: &str| {
            let id = format!("REL-2025-03-{n:03}");
            f.put(
                Path::new(&format!("releases/2025/03/{id}.yaml")),
                &format!("id: {id}\nstage: {stage}\n"),
            );
        };
        for (n, stage) in [(1, "plan"), (2, "plan"), (1, "build"), (3, "plan")] {
            release(n, stage);
            f.commit_all(&format!("REL-2025-03-{n:03} {stage}"));
        }
        // A migration: many change files in one commit, one not a record.
        for k in 1..=40 {
            f.put(
                Path::new(&format!("changes/2025/CHG-2025-{k:04}.yaml")),
                &format!("id: CHG-2025-{k:04}\n"),
            );
        }
        f.put(Path::new("changes/2025/CHG-2025-0041.yaml"), "id: [\n");
        f.commit_all("migration");
        for (n, stage) in [(2, "build"), (1, "test"), (3, "build")] {
            release(n, stage);
            f.commit_all(&format!("REL-2025-03-{n:03} {stage}"));
        }
        let whole = read_all(&f, SIZES);
        assert_eq!(whole.0.len(), 9, "the fixture's first commit and eight");
        assert!(whole.1.iter().any(|p| p.contains("Err(")), "{:?}", whole.1);
        for stretch in [1, 2, 3, 5] {
            for large in [4, 1_000] {
                let sizes = Sizes { stretch, large };
                assert_eq!(
                    read_all(&f, sizes),
                    whole,
                    "stretch {stretch}, large {large}"
                );
            }
        }
    }
}
