//! Reading the audit trail back from git history.

use super::Repo;
use crate::error::Result;
use chrono::{DateTime, FixedOffset};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signature {
    None,
    Good,
    Bad,
    Unknown,
}

/// One commit of the audit trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogEntry {
    pub commit: String,
    pub author: String,
    pub email: String,
    pub time: DateTime<FixedOffset>,
    pub subject: String,
    pub trailers: Vec<(String, String)>,
    pub signature: Signature,
}

impl LogEntry {
    pub fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Commits carrying `Rel-*` trailers, newest first; only those for
/// `release` when given.
pub fn log(repo: &Repo, release: Option<&str>) -> Result<Vec<LogEntry>> {
    let _ = (repo, release);
    todo!()
}
