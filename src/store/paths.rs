//! Sharded record paths, relative to the records root (SPEC section 1).

use crate::model::ReleaseId;
use crate::model::ids::displays_as;
use std::path::{Path, PathBuf};

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

/// Whether `rel` is [`release`]`(id)`, compared without building it.
pub fn is_release(rel: &Path, id: &ReleaseId) -> bool {
    is_at(
        rel,
        [
            format_args!("{RELEASES}"),
            format_args!("{:04}", id.year),
            format_args!("{:02}", id.month),
            format_args!("{id}.yaml"),
        ],
    )
}

/// Whether `rel` is [`change`]`(id, year)`, compared without building it.
pub fn is_change(rel: &Path, id: &str, year: i32) -> bool {
    is_at(
        rel,
        [
            format_args!("{CHANGES}"),
            format_args!("{year:04}"),
            format_args!("{id}.yaml"),
        ],
    )
}

/// Whether the components of `rel` are exactly `parts`, as written.
fn is_at<const N: usize>(rel: &Path, parts: [std::fmt::Arguments; N]) -> bool {
    let mut components = rel.iter();
    parts.iter().all(|part| {
        components
            .next()
            .and_then(|c| c.to_str())
            .is_some_and(|c| displays_as(part, c))
    }) && components.next().is_none()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_recognised_as_a_records_home_exactly_as_it_is_written() {
        let id = ReleaseId::new(2025, 3, 15);
        assert!(is_release(&release(&id), &id));
        for other in [
            "releases/2025/03/REL-2025-03-0015.yaml",
            "releases/2025/3/REL-2025-03-015.yaml",
            "releases/2025/03/REL-2025-03-015.yml",
            "releases/2025/03/REL-2025-03-015.yaml/x",
            "releases/2025/REL-2025-03-015.yaml",
            "changes/2025/03/REL-2025-03-015.yaml",
            "x/releases/2025/03/REL-2025-03-015.yaml",
        ] {
            assert!(!is_release(Path::new(other), &id), "{other}");
        }
        assert!(is_change(
            &change("CHG-2025-0001", 2025),
            "CHG-2025-0001",
            2025
        ));
        assert!(is_change(&change("CHG0030001", 30), "CHG0030001", 30));
        for other in [
            "changes/2024/CHG-2025-0001.yaml",
            "changes/2025/CHG-2025-00011.yaml",
            "changes/2025/CHG-2025-0001",
            "changes/25/CHG-2025-0001.yaml",
            "changes/2025",
        ] {
            assert!(
                !is_change(Path::new(other), "CHG-2025-0001", 2025),
                "{other}"
            );
        }
        assert!(!is_change(
            Path::new("changes/30/CHG0030001.yaml"),
            "CHG0030001",
            30
        ));
        assert!(id.is("REL-2025-03-015"));
        assert!(!id.is("REL-2025-03-0015") && !id.is("REL-2025-03-01") && !id.is(""));
    }
}
