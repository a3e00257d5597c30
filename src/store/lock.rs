//! The repository lock: two rel processes on one repository never
//! interleave (SPEC section 5).

use crate::error::{Error, Result};
use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a command waits for another rel command to finish before it
/// gives up with exit 4. Commands hold the lock for milliseconds, so a
/// short wait lets a burst of them run one after the other instead of
/// failing (and being retried in a loop) at once.
pub const WAIT: Duration = Duration::from_secs(5);

/// An exclusive lock on `<git dir>/rel.lock`, held for one transaction and
/// released when dropped (or when the process dies: the operating system
/// releases file locks with the file handle, so this lock is never stale).
#[derive(Debug)]
pub struct Lock {
    file: File,
}

impl Lock {
    /// Takes the lock, waiting up to `wait` (with backoff) for another
    /// holder to finish; still held then: `Error::Concurrent`.
    pub fn acquire(git_dir: &Path, wait: Duration) -> Result<Lock> {
        let path = git_dir.join("rel.lock");
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::file(&path, e.to_string()))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Lock { file }),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(Error::file(&path, e.to_string())),
            }
            if !announced {
                announced = true;
                super::pause::point("lock-wait");
            }
            let waited = start.elapsed();
            if waited >= wait {
                return Err(Error::Concurrent(format!(
                    "another rel command has been running on this repository for over {} s; nothing was written; retry",
                    wait.as_secs_f32()
                )));
            }
            std::thread::sleep(pause.min(wait - waited));
            pause = (pause * 2).min(Duration::from_millis(100));
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
    fn a_second_holder_waits_then_is_refused_until_the_first_drops() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(dir.path(), Duration::ZERO).unwrap();
        // A second open file description conflicts, as another process would.
        let started = Instant::now();
        let err = Lock::acquire(dir.path(), Duration::from_millis(50)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(matches!(err, Error::Concurrent(_)), "{err:?}");
        assert_eq!(err.exit_code(), 4);
        drop(first);
        Lock::acquire(dir.path(), Duration::ZERO).unwrap();
    }

    #[test]
    fn a_waiter_gets_the_lock_when_the_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(dir.path(), Duration::ZERO).unwrap();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || Lock::acquire(&path, Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(30));
        drop(first);
        waiter.join().unwrap().unwrap();
    }
}
