//! One command, one commit: the lock, the dirty check, atomic writes, the
//! compare-and-swap HEAD update and the index update for committed paths.

use super::Repo;
use crate::error::Result;
use std::path::Path;

/// A commit message: subject, body (gate results), `Rel-*` trailers.
#[derive(Debug, Clone, Default)]
pub struct CommitMessage {
    pub subject: String,
    pub body: String,
    pub trailers: Vec<(String, String)>,
}

/// Files to write and commit together. Holds the repository lock from
/// `Repo::begin` until it is committed or dropped.
pub struct Transaction<'r> {
    repo: &'r Repo,
}

impl Repo {
    /// Takes the lock (another rel process holding it: `Error::Concurrent`)
    /// and notes HEAD for the compare-and-swap.
    pub fn begin(&self) -> Result<Transaction<'_>> {
        todo!()
    }
}

impl Transaction<'_> {
    /// Queues `contents` for `path` (relative to the records root). A path
    /// whose work-tree file or index entry differs from HEAD is refused
    /// (`Error::Data`, naming the file).
    pub fn write(&mut self, path: &Path, contents: String) -> Result<()> {
        let _ = (path, contents, self.repo);
        todo!()
    }

    /// Writes the queued files atomically, commits exactly them on top of
    /// the HEAD noted at `begin` (moved since: `Error::Concurrent`, nothing
    /// written), and updates the index for those paths only. Returns the new
    /// commit id.
    pub fn commit(self, message: &CommitMessage) -> Result<String> {
        let _ = message;
        todo!()
    }
}
