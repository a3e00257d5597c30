//! Test-only pause and fault points, so that interleavings and crashes are
//! tested deterministically rather than by timing luck.
//!
//! `REL_TEST_PAUSE=<point>:<dir>` makes the process, on reaching `<point>`,
//! create `<dir>/<point>.paused` and wait until `<dir>/<point>.go` exists
//! (then carry on). `REL_TEST_CRASH=<point>` makes it exit at once with code
//! 137 at `<point>`, as a `kill -9` there would, without unwinding or
//! cleaning up. Both are read only in debug builds (the ones `cargo test`
//! runs); a release build compiles the points to nothing.
//!
//! The points, in the order a changing command reaches them:
//! - `lock-wait`: another rel command holds the lock and this one waits.
//! - `locked`: the lock is held, nothing has been read yet.
//! - `read`: the records the command decides on have been read (just
//!   before the commit is prepared).
//! - `journal`: the journal and `.git/index.lock` exist, the work tree is
//!   not written yet.
//! - `before-ref`: the work tree and the new index (in `index.lock`) are
//!   written, the branch has not moved.
//! - `after-ref`: the branch has moved, `index.lock` is not yet renamed
//!   into place.

/// Stops at `point` when a test asked for it (see the module comment).
#[cfg(debug_assertions)]
pub fn point(point: &str) {
    if std::env::var("REL_TEST_CRASH").is_ok_and(|p| p == point) {
        #[cfg(unix)]
        // SAFETY: _exit ends the process at once, as a kill would.
        unsafe {
            libc::_exit(137)
        };
        #[cfg(not(unix))]
        std::process::exit(137);
    }
    let Ok(spec) = std::env::var("REL_TEST_PAUSE") else {
        return;
    };
    let Some((name, dir)) = spec.split_once(':') else {
        return;
    };
    if name != point {
        return;
    }
    let dir = std::path::Path::new(dir);
    let _ = std::fs::write(dir.join(format!("{point}.paused")), b"");
    let go = dir.join(format!("{point}.go"));
    while !go.exists() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn point(_point: &str) {}
