//! Atomic file writes (SPEC section 5): a crash leaves either the old or the
//! new file, never a torn one.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Writes `contents` to `path` through a temporary file in the same folder,
/// synced to disk, then renamed over `path`. Creates missing parent folders.
/// The file gets the permissions git's own checkout would give it: those of
/// the file it replaces, else read-write for all less the umask, so that a
/// shared checkout (a team group, a CI user) can read what rel wrote.
pub fn write(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = folder_of(path);
    std::fs::create_dir_all(dir).map_err(|e| Error::file(path, e.to_string()))?;
    replace(path, contents, mode_for(path), true)
}

/// As [`write`], without syncing: for a commit of many files, which syncs
/// them all at once afterwards (`bulk::sync_files`).
pub fn write_unsynced(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = folder_of(path);
    std::fs::create_dir_all(dir).map_err(|e| Error::file(path, e.to_string()))?;
    replace(path, contents, mode_for(path), false)
}

/// Writes a file meant for others to read (an export), atomically as
/// `write` does, with the permissions of any file the user writes: those of
/// the file it replaces, else read-write for all less the umask (0644
/// under the usual umask), not the temporary file's 0600. The folder must
/// exist: a missing one is an error naming the path, never created.
pub fn write_public(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = folder_of(path);
    if !dir.is_dir() {
        return Err(Error::file(
            path,
            format!(
                "cannot write the file: the folder {} does not exist",
                dir.display()
            ),
        ));
    }
    replace(path, contents, mode_for(path), true)
}

/// Keep the mode of the file being replaced; a new file follows the umask.
fn mode_for(path: &Path) -> Mode {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Mode::Keep(m.permissions()),
        _ => Mode::Public,
    }
}

/// The permissions of the written file.
enum Mode {
    /// Read-write for all, less the umask (applied at creation).
    Public,
    /// Exactly those of the file being replaced.
    Keep(std::fs::Permissions),
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn replace(path: &Path, contents: &[u8], mode: Mode, sync: bool) -> Result<()> {
    let fail = |e: std::io::Error| Error::file(path, e.to_string());
    let dir = folder_of(path);
    // Same folder, so the rename never crosses a file system.
    let mut builder = tempfile::Builder::new();
    builder.prefix(".rel-").suffix(".tmp");
    #[cfg(unix)]
    if let Mode::Public = mode {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    if let Mode::Keep(p) = mode {
        tmp.as_file().set_permissions(p).map_err(fail)?;
    }
    tmp.write_all(contents).map_err(fail)?;
    if sync {
        tmp.as_file().sync_all().map_err(fail)?;
    }
    tmp.persist(path).map_err(|e| fail(e.error))?;
    if !sync {
        return Ok(());
    }
    // The rename itself is durable once the folder is synced; not every
    // platform can open a folder for that, so a failure here is ignored.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("releases/2025/03/REL-2025-03-001.yaml");
        write(&path, b"first\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first\n");
        write(&path, b"second\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second\n");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("REL-2025-03-001.yaml")]
        );
    }

    #[cfg(unix)]
    #[test]
    fn public_files_get_ordinary_permissions_and_need_their_folder() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cal.ics");
        write_public(&path, b"one").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // 0666 less the umask: at least owner read-write, never execute,
        // and more than the temporary file's 0600 under a usual umask.
        assert_eq!(mode & 0o600, 0o600, "{mode:o}");
        assert_eq!(mode & 0o111, 0, "{mode:o}");
        // Replacing keeps the file's mode.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_public(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let err = write_public(&dir.path().join("missing/cal.ics"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing/cal.ics"), "{err}");
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(!dir.path().join("missing").exists());
    }

    #[test]
    fn a_failed_write_names_the_file_and_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be: the rename fails.
        let path = dir.path().join("x.yaml");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), b"old").unwrap();
        let err = write(&path, b"new").unwrap_err();
        assert!(err.to_string().contains("x.yaml"), "{err}");
        assert_eq!(std::fs::read(path.join("keep")).unwrap(), b"old");
    }
}
