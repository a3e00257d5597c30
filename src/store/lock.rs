//! The repository lock: two rel processes on one repository never
//! interleave (SPEC section 5).

use crate::error::{Error, Result};
use std::fs::{File, TryLockError};
use std::path::Path;

/// An exclusive lock on `<git dir>/rel.lock`, held for one transaction and
/// released when dropped (or when the process dies: the operating system
/// releases file locks with the file handle).
#[derive(Debug)]
pub struct Lock {
    file: File,
}

impl Lock {
    /// Takes the lock without waiting; another holder is `Error::Concurrent`.
    pub fn acquire(git_dir: &Path) -> Result<Lock> {
        let path = git_dir.join("rel.lock");
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::file(&path, e.to_string()))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { file }),
            Err(TryLockError::WouldBlock) => Err(Error::Concurrent(
                "another rel command is running on this repository; retry".into(),
            )),
            Err(TryLockError::Error(e)) => Err(Error::file(&path, e.to_string())),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_drops() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(dir.path()).unwrap();
        // A second open file description conflicts, as another process would.
        let err = Lock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, Error::Concurrent(_)), "{err:?}");
        assert_eq!(err.exit_code(), 4);
        drop(first);
        Lock::acquire(dir.path()).unwrap();
    }
}
