//! Release notes in the seed's structure ("Generate release notes"): header,
//! changes included, known issues with workarounds, dependencies, rollback.
//! The record's hand-written `notes` stay apart from the generated part.

use crate::model::{ChangeRef, DefectStatus, Release};
use std::collections::BTreeMap;

pub use crate::model::notes::problems;

fn hours(d: crate::model::Duration) -> String {
    match (d.minutes / 60, d.minutes % 60) {
        (1, 0) => "1 hour".to_string(),
        (h, 0) => format!("{h} hours"),
        (0, m) => format!("{m} minutes"),
        (h, m) => format!("{h} hours {m} minutes"),
    }
}

/// Markdown release notes. `date` is the local deployment date.
pub fn render(
    release: &Release,
    changes: &BTreeMap<String, Option<ChangeRef>>,
    date: chrono::NaiveDate,
) -> String {
    let mut md = String::new();
    let version = release.version.as_deref().unwrap_or("(unversioned)");
    md.push_str(&format!(
        "# Release: {} v{version}\n\n",
        release.service.to_uppercase()
    ));
    md.push_str(&format!("- Release: {} ({})\n", release.id, release.title));
    md.push_str(&format!("- Date: {date}\n"));
    md.push_str(&format!("- Type: {}\n", capitalise(release.kind.as_str())));
    md.push_str("\n## Changes included\n\n");
    for id in &release.changes {
        match changes.get(id).and_then(Option::as_ref) {
            Some(c) => md.push_str(&format!("- {id}: {}\n", c.title)),
            None => md.push_str(&format!("- {id}\n")),
        }
    }
    md.push_str("\n## Known issues\n\n");
    let known: Vec<_> = release
        .defects
        .iter()
        .filter(|d| d.status == DefectStatus::KnownIssue)
        .collect();
    if known.is_empty() {
        md.push_str("- None\n");
    }
    for d in known {
        md.push_str(&format!(
            "- {} (workaround: {})\n",
            d.title,
            d.workaround.as_deref().unwrap_or("none")
        ));
    }
    md.push_str("\n## Dependencies\n\n");
    if release.requires.is_empty() && release.depends_on.is_empty() {
        md.push_str("- None\n");
    }
    for r in &release.requires {
        md.push_str(&format!("- {r}\n"));
    }
    for r in &release.depends_on {
        md.push_str(&format!("- Deployed after {r}\n"));
    }
    md.push_str("\n## Rollback\n\n");
    match &release.rollback {
        Some(r) => {
            md.push_str(&format!(
                "- Rollback window: {} post-deployment\n",
                hours(r.window)
            ));
            if !r.procedure.is_empty() {
                md.push_str(&format!("- Rollback procedure: {}\n", r.procedure));
            }
        }
        None => md.push_str("- Not defined\n"),
    }
    if let Some(notes) = release.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        md.push_str("\n## Notes\n\n");
        md.push_str(notes.trim_end());
        md.push('\n');
    }
    md
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
