//! What a release needs before its notes can be written (the
//! `notes-renderable` gate and `rel notes` both ask).

use super::{ChangeRef, Release};
use std::collections::BTreeMap;

/// What keeps the notes from being complete.
pub fn problems(release: &Release, changes: &BTreeMap<String, Option<ChangeRef>>) -> Vec<String> {
    let mut out = vec![];
    if release.version.is_none() {
        out.push("no version".to_string());
    }
    let missing: Vec<&str> = release
        .changes
        .iter()
        .filter(|id| changes.get(*id).is_none_or(Option::is_none))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        out.push(format!("no change reference for {}", missing.join(", ")));
    }
    if release.rollback.is_none() {
        out.push(format!(
            "no rollback window and procedure (rel amend {} --rollback-window 4h --rollback-procedure \"...\")",
            release.id
        ));
    }
    out
}
