//! Sharded record paths, relative to the records root (SPEC section 1).

use crate::model::ReleaseId;
use std::path::PathBuf;

pub const POLICY: &str = "policy.yaml";
pub const CALENDARS: &str = "calendars";
pub const CHANGES: &str = "changes";
pub const RELEASES: &str = "releases";

/// `releases/YYYY/MM/REL-YYYY-MM-NNN.yaml`
pub fn release(id: &ReleaseId) -> PathBuf {
    PathBuf::from(RELEASES)
        .join(format!("{:04}", id.year))
        .join(format!("{:02}", id.month))
        .join(format!("{id}.yaml"))
}

/// `releases/YYYY/MM`
pub fn release_month(year: i32, month: u32) -> PathBuf {
    PathBuf::from(RELEASES)
        .join(format!("{year:04}"))
        .join(format!("{month:02}"))
}

/// `changes/YYYY/<id>.yaml`, or for ids without a year
/// `changes/<number / 1000>/<id>.yaml` (`ChangeIdPattern::shard_of`); `id`
/// must already be validated.
pub fn change(id: &str, year: i32) -> PathBuf {
    PathBuf::from(CHANGES)
        .join(format!("{year:04}"))
        .join(format!("{id}.yaml"))
}
