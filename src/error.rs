//! The one error type of the library. Every variant maps to an exit code
//! (SPEC section 6), so scripts can tell a refusal from bad data.

use std::path::{Path, PathBuf};

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused by policy: a gate failed, a calendar conflict, an unauthorised
    /// actor, check findings. Exit 1.
    #[error("{0}")]
    Refused(String),

    /// The command line is wrong or a required value is missing. Exit 2.
    #[error("{0}")]
    Usage(String),

    /// A file holds something rel cannot accept: malformed YAML, an unknown
    /// field, a bad value. The message names the file (and line when known).
    /// Exit 3.
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },

    /// Bad data or environment not tied to one file: not a records
    /// repository, a record with uncommitted edits, a missing record. Exit 3.
    #[error("{0}")]
    Data(String),

    /// A git operation failed. Exit 3.
    #[error("git: {0}")]
    Git(String),

    /// Another rel process holds the lock, or HEAD moved while this command
    /// ran. Nothing was written; retrying is safe. Exit 4.
    #[error("{0}")]
    Concurrent(String),

    /// The command already printed its outcome (for example a refused gate
    /// evaluation in JSON); only the exit code remains to be set.
    #[error("")]
    Reported(i32),
}

impl Error {
    /// The process exit code for this error (SPEC section 6).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Refused(_) => 1,
            Error::Usage(_) => 2,
            Error::File { .. } | Error::Data(_) | Error::Git(_) => 3,
            Error::Concurrent(_) => 4,
            Error::Reported(code) => *code,
        }
    }

    /// A file error naming `path`.
    pub fn file(path: impl AsRef<Path>, message: impl Into<String>) -> Error {
        Error::File {
            path: path.as_ref().to_path_buf(),
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    pub fn data(message: impl Into<String>) -> Error {
        Error::Data(message.into())
    }

    pub fn refused(message: impl Into<String>) -> Error {
        Error::Refused(message.into())
    }
}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        Error::Git(e.message().to_string())
    }
}
