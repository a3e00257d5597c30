//! Atomic file writes (SPEC section 5): a crash leaves either the old or the
//! new file, never a torn one.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Writes `contents` to `path` through a temporary file in the same folder,
/// synced to disk, then renamed over `path`. Creates missing parent folders.
pub fn write(path: &Path, contents: &[u8]) -> Result<()> {
    let fail = |e: std::io::Error| Error::file(path, e.to_string());
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    // Same folder, so the rename never crosses a file system.
    let mut tmp = tempfile::Builder::new()
        .prefix(".rel-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(contents).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
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
