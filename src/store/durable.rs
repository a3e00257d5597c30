//! Durability (SPEC section 5): what rel reports as committed is on disk.
//! libgit2 syncs the objects, refs and index it writes, and their folders,
//! once asked; files rel writes itself are synced where they are written.

use std::path::Path;

/// Asks libgit2 to fsync every object, ref and index it writes (and the
/// folder holding each). Process-wide; takes effect for repositories opened
/// afterwards.
pub fn enable() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: git_libgit2_opts with this option takes one int; it only
        // sets a global flag, and runs once before any repository is opened
        // by this process.
        unsafe {
            libgit2_sys::git_libgit2_opts(
                libgit2_sys::GIT_OPT_ENABLE_FSYNC_GITDIR as std::ffi::c_int,
                1 as std::ffi::c_int,
            );
        }
    });
}

/// Syncs the file at `path` (errors are returned: a file rel just wrote
/// that cannot be synced is not durable).
pub fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

/// Syncs a folder, so that a rename or removal in it is durable. Not every
/// platform can open a folder for that, so failing to open it is ignored.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
