//! Looking a few paths up in git's index file without loading it.
//!
//! The index lists every file of the work tree, so libgit2 reading it whole
//! (an allocation per entry, and its checksum) costs as much as the
//! repository is large: a fifth of a second at 240,000 files. Commands
//! that need a handful of entries (is this record staged as HEAD has it?)
//! scan the file's bytes instead. Only the plain formats are read here
//! (versions 2 to 4, no split or sparse index); for anything else [`read`]
//! gives `None` and the caller asks libgit2.

use std::path::Path;

/// An index file's bytes, read once.
pub struct IndexFile {
    bytes: Vec<u8>,
    version: u32,
    count: usize,
}

/// The index of the repository at `git_dir` (`.git`), or `None` when this
/// reader does not know its format. A repository without an index file
/// has an empty one.
pub fn read(git_dir: &Path) -> Option<IndexFile> {
    let bytes = match std::fs::read(git_dir.join("index")) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some(IndexFile {
                bytes: vec![],
                version: 2,
                count: 0,
            });
        }
        Err(_) => return None,
    };
    let header = bytes.get(..12)?;
    if &header[..4] != b"DIRC" {
        return None;
    }
    let version = u32::from_be_bytes(header[4..8].try_into().ok()?);
    let count = u32::from_be_bytes(header[8..12].try_into().ok()?) as usize;
    if !(2..=4).contains(&version) {
        return None;
    }
    let file = IndexFile {
        bytes,
        version,
        count,
    };
    // The extensions after the entries say whether the entries are all
    // there is: a split index keeps some elsewhere, a sparse one stands
    // whole folders in for their files.
    let end = file.scan(|_, _, _| true)?;
    let trailer = file.bytes.len().checked_sub(20)?;
    let mut at = end;
    while at < trailer {
        let signature = file.bytes.get(at..at + 4)?;
        if signature == b"link" || signature == b"sdir" {
            return None;
        }
        let size = u32::from_be_bytes(file.bytes.get(at + 4..at + 8)?.try_into().ok()?) as usize;
        at = at.checked_add(8 + size)?;
    }
    (at == trailer).then_some(file)
}

impl IndexFile {
    /// The entry of `path` (relative to the work tree, `/`-separated) at
    /// merge stage `stage` (0: no conflict).
    pub fn get(&self, path: &str, stage: u8) -> Option<git2::Oid> {
        let mut found = None;
        self.scan(|p, s, id| {
            if p == path.as_bytes() && s == stage {
                found = git2::Oid::from_bytes(id).ok();
                return false;
            }
            true
        });
        found
    }

    /// [`get`](Self::get) of each of `paths` at `stage`, in one pass over
    /// the file.
    pub fn get_all(&self, paths: &[&str], stage: u8) -> Vec<Option<git2::Oid>> {
        let wanted: std::collections::HashMap<&[u8], usize> = paths
            .iter()
            .enumerate()
            .map(|(k, p)| (p.as_bytes(), k))
            .collect();
        let mut found = vec![None; paths.len()];
        let mut left = wanted.len();
        self.scan(|p, s, id| {
            if s == stage
                && let Some(&k) = wanted.get(p)
                && found[k].is_none()
            {
                found[k] = git2::Oid::from_bytes(id).ok();
                left -= 1;
            }
            left > 0
        });
        // A path asked for twice is found once.
        for (k, p) in paths.iter().enumerate() {
            if found[k].is_none() {
                found[k] = wanted.get(p.as_bytes()).and_then(|&first| found[first]);
            }
        }
        found
    }

    /// Shows `each` every entry in order (path, stage, object id) until it
    /// answers `false`; `None` when the entries cannot be followed, else
    /// where they end.
    fn scan(&self, mut each: impl FnMut(&[u8], u8, &[u8]) -> bool) -> Option<usize> {
        let b = &self.bytes;
        let mut at = 12;
        // Version 4 writes each path against the one before.
        let mut path: Vec<u8> = vec![];
        for _ in 0..self.count {
            // ctime, mtime, dev, ino, mode, uid, gid, size: 40 bytes; the
            // object id: 20; flags: 2.
            let id = b.get(at + 40..at + 60)?;
            let flags = u16::from_be_bytes(b.get(at + 60..at + 62)?.try_into().ok()?);
            let stage = ((flags >> 12) & 0x3) as u8;
            let mut name = at + 62;
            if flags & 0x4000 != 0 {
                if self.version < 3 {
                    return None;
                }
                name += 2;
            }
            let more = if self.version == 4 {
                // How many bytes of the previous path to drop (a varint),
                // then what follows them, up to a NUL.
                let (drop, start) = varint(b, name)?;
                let keep = path.len().checked_sub(drop)?;
                let len = b.get(start..)?.iter().position(|&c| c == 0)?;
                path.truncate(keep);
                path.extend_from_slice(&b[start..start + len]);
                at = start + len + 1;
                each(&path, stage, id)
            } else {
                let len = b.get(name..)?.iter().position(|&c| c == 0)?;
                let more = each(&b[name..name + len], stage, id);
                // Padded with NULs to a multiple of eight bytes from the
                // entry's start, at least one.
                at += (name - at + len + 8) & !7;
                more
            };
            if !more {
                return Some(at);
            }
        }
        Some(at)
    }
}

/// Git's offset varint (as in pack files' deltas): seven bits a byte, each
/// continued value plus one.
fn varint(b: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut c = *b.get(at)?;
    at += 1;
    let mut value = (c & 0x7f) as usize;
    while c & 0x80 != 0 {
        c = *b.get(at)?;
        at += 1;
        value = value.checked_add(1)?.checked_mul(128)? | (c & 0x7f) as usize;
    }
    Some((value, at))
}

/// Git's index, scanned in its file or loaded by libgit2.
pub(super) enum Staged {
    File(super::index_file::IndexFile),
    Loaded(git2::Index),
}

impl Staged {
    /// Reads the index of `git`.
    pub(super) fn read(git: &git2::Repository) -> crate::error::Result<Staged> {
        Ok(match read(git.path()) {
            Some(file) => Staged::File(file),
            None => {
                let mut index = git.index()?;
                index.read(false)?;
                Staged::Loaded(index)
            }
        })
    }

    /// Reads the index file in `git_dir` as it is on disk now.
    pub(super) fn open(git_dir: &Path) -> crate::error::Result<Staged> {
        Ok(match read(git_dir) {
            Some(file) => Staged::File(file),
            None => Staged::Loaded(git2::Index::open(&git_dir.join("index"))?),
        })
    }

    /// The entry of `path` (relative to the work tree) at merge stage
    /// `stage` (0: no conflict).
    pub(super) fn get(&self, path: &str, stage: u8) -> Option<git2::Oid> {
        match self {
            Staged::File(f) => f.get(path, stage),
            Staged::Loaded(i) => i.get_path(Path::new(path), stage as i32).map(|e| e.id),
        }
    }

    /// [`get`](Self::get) of each of `paths`, the file scanned once.
    pub(super) fn get_all(&self, paths: &[&str], stage: u8) -> Vec<Option<git2::Oid>> {
        match self {
            Staged::File(f) => f.get_all(paths, stage),
            Staged::Loaded(_) => paths.iter().map(|p| self.get(p, stage)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::Fixture;

    /// Every entry libgit2 reads, looked up here, in each index version
    /// git writes.
    #[test]
    fn finds_what_libgit2_finds_in_every_version() {
        let f = Fixture::new();
        let names = [
            "a.yaml",
            "releases/2025/03/REL-2025-03-001.yaml",
            "releases/2025/03/REL-2025-03-002.yaml",
            "releases/2025/04/REL-2025-04-001.yaml",
            "changes/2025/CHG-2025-0001.yaml",
            "changes/2025/CHG-2025-0001.yaml.bak",
            "x/y/z/a-very-long-name-to-cross-the-padding-boundary-of-eight.yaml",
        ];
        for (k, n) in names.iter().enumerate() {
            f.put(Path::new(n), &format!("{k}\n"));
        }
        f.commit_all("files");
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(args)
                .current_dir(f.dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "git {args:?}");
        };
        for version in [2, 3, 4] {
            git(&["update-index", "--index-version", &version.to_string()]);
            // Version 3 is for entries with extended flags.
            let flag = if version == 3 {
                "--skip-worktree"
            } else {
                "--no-skip-worktree"
            };
            git(&["update-index", flag, "a.yaml"]);
            let mine = read(f.git.path()).expect("a plain index is read");
            assert_eq!(mine.version, version);
            let mut index = f.git.index().unwrap();
            index.read(true).unwrap();
            assert!(index.len() >= names.len());
            for e in index.iter() {
                let path = String::from_utf8(e.path.clone()).unwrap();
                assert_eq!(
                    mine.get(&path, 0),
                    Some(e.id),
                    "{path} in version {version}"
                );
            }
            let all: Vec<String> = index
                .iter()
                .map(|e| String::from_utf8(e.path.clone()).unwrap())
                .collect();
            let mut asked: Vec<&str> = all.iter().map(String::as_str).rev().collect();
            asked.extend(["missing.yaml", "a.yaml"]);
            let want: Vec<Option<git2::Oid>> = asked.iter().map(|p| mine.get(p, 0)).collect();
            assert_eq!(mine.get_all(&asked, 0), want);
            assert_eq!(mine.get("releases/2025/03", 0), None);
            assert_eq!(mine.get("releases/2025/03/REL-2025-03-001.yaml", 1), None);
            assert_eq!(mine.get("missing.yaml", 0), None);
        }
    }

    #[test]
    fn what_it_cannot_follow_is_left_to_libgit2() {
        let f = Fixture::new();
        f.put(Path::new("a.yaml"), "a\n");
        f.commit_all("a");
        let path = f.git.path().join("index");
        let good = std::fs::read(&path).unwrap();
        let mut cases: Vec<Vec<u8>> = vec![
            good[..good.len() - 1].to_vec(),
            good[..40].to_vec(),
            b"DIRC\0\0\0\x05\0\0\0\0".to_vec(),
            b"NOPE".to_vec(),
        ];
        // A split index's `link` extension before the checksum.
        let mut split = good[..good.len() - 20].to_vec();
        split.extend_from_slice(b"link\0\0\0\0");
        split.extend_from_slice(&[0; 20]);
        cases.push(split);
        for bytes in cases {
            std::fs::write(&path, &bytes).unwrap();
            assert!(read(f.git.path()).is_none(), "{bytes:?}");
        }
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read(f.git.path()).unwrap().get("a.yaml", 0), None);
    }
}
