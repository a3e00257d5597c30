//! Whether a file under `releases/` or `changes/` is a record file at a
//! path rel reads, and whose.

use super::paths;
use crate::model::ReleaseId;
use crate::policy::Policy;
use std::path::Path;

/// Where a file under `releases/` or `changes/` says it belongs.
pub enum RecordPath {
    Release(ReleaseId),
    /// A change id, and with a policy the folder it is sharded in.
    Change(String, Option<i32>),
}

/// Whether `rel_path` is a record file, and if so whose. Anything else
/// under `releases/` or `changes/` is a finding: rel would never read it.
pub fn classify(
    rel_path: &Path,
    policy: Option<&Policy>,
) -> std::result::Result<RecordPath, String> {
    let name = rel_path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let release = rel_path.starts_with(paths::RELEASES);
    let (stem, yaml) = match name.rsplit_once('.') {
        Some((stem, "yaml")) => (stem, true),
        Some((stem, _)) => (stem, false),
        None => (&*name, false),
    };
    let expected = if release {
        "release records are releases/YYYY/MM/REL-YYYY-MM-NNN.yaml"
    } else {
        "change records are changes/YYYY/<change id>.yaml"
    };
    let record = if release {
        ReleaseId::parse(stem).ok().map(RecordPath::Release)
    } else {
        match policy {
            Some(p) => p
                .change_shard_of(stem)
                .ok()
                .map(|shard| RecordPath::Change(stem.to_string(), Some(shard))),
            None => Some(RecordPath::Change(stem.to_string(), None)),
        }
    };
    match record {
        Some(r) if yaml => Ok(r),
        Some(_) => Err(format!(
            "not read by rel: record files end in .yaml ({expected})"
        )),
        None => Err(format!("not a record file: {expected}")),
    }
}
