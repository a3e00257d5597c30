//! The record part of `rel check --base`, scoped to what the branch
//! changed: each record it added or edited is judged as `rel check` judges
//! it, and the records those name or are named by (change references,
//! `depends_on`, the release a change reference names, now and at the fork)
//! are read for the rules between records. A record the branch did not
//! touch is reported only for a finding its changes brought: one the same
//! rules did not give at the fork. Its cost follows the branch, not the
//! number of records.

use super::check::{judge_files, load_rules, symlink_finding};
use crate::error::Result;
use crate::model::{ChangeRef, Release, ReleaseId};
use crate::policy::Policy;
use crate::review::{Finding, Outcome, check_records};
use crate::store::branch_diff::BranchDiff;
use crate::store::record_path::{RecordPath, classify};
use crate::store::{Repo, history, paths, yaml};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The work tree's records that `diff` lists, and those around them.
pub fn check_changed(repo: &Repo, diff: &BranchDiff) -> Result<Outcome> {
    let mut out = Outcome::default();
    let is_link = |rel: &Path| {
        std::fs::symlink_metadata(repo.root.join(rel)).is_ok_and(|m| m.file_type().is_symlink())
    };
    // Links are listed, never followed: the policy, and any changed path or
    // a folder on its way.
    let mut links: BTreeSet<PathBuf> = BTreeSet::new();
    if is_link(Path::new(paths::POLICY)) {
        links.insert(PathBuf::from(paths::POLICY));
    }
    let mut changed = vec![];
    for rel in diff.records.keys() {
        let link = rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .find(|a| is_link(a));
        match link {
            Some(link) => {
                links.insert(link.to_path_buf());
            }
            None => changed.push(rel.clone()),
        }
    }
    for link in &links {
        out.findings.push(symlink_finding(link));
    }
    for (file, message) in crate::store::interrupted::findings(repo)? {
        out.findings
            .push(Finding::new(Path::new(&file), &[], "interrupted", message));
    }
    let links: Vec<PathBuf> = links.into_iter().collect();
    let policy = load_rules(repo, &links, &mut out)?;
    let (mut f, releases, changes) = judge_files(repo, policy.as_ref(), changed.clone(), &mut out)?;
    let Some(policy) = policy else {
        out.findings.extend(f);
        return Ok(out);
    };

    // The changed records as the fork had them: what they named then may
    // still name them.
    let (fork_releases, fork_changes) = at_fork(repo, &policy, diff, &changed);
    let mut seen: BTreeSet<PathBuf> = changed.iter().cloned().collect();
    let near = named(repo, &policy, &releases, &changes, &mut seen);
    let near = near
        .into_iter()
        .chain(named(
            repo,
            &policy,
            &fork_releases,
            &fork_changes,
            &mut seen,
        ))
        .collect();
    // Unchanged, so the same at the fork: their own placement is no news.
    let (_, near_releases, near_changes) = judge_files(repo, Some(&policy), near, &mut out)?;
    let further = named(repo, &policy, &near_releases, &near_changes, &mut seen);
    let (_, far_releases, far_changes) = judge_files(repo, Some(&policy), further, &mut out)?;
    let around_releases: Vec<(PathBuf, Release)> =
        near_releases.into_iter().chain(far_releases).collect();
    let around_changes: Vec<(PathBuf, ChangeRef)> =
        near_changes.into_iter().chain(far_changes).collect();

    let mut now = vec![];
    let all_releases: Vec<(PathBuf, Release)> = releases
        .into_iter()
        .chain(around_releases.iter().cloned())
        .collect();
    let all_changes: Vec<(PathBuf, ChangeRef)> = changes
        .into_iter()
        .chain(around_changes.iter().cloned())
        .collect();
    check_records(&policy, &all_releases, &all_changes, &mut now);
    let mut then = vec![];
    let then_releases: Vec<(PathBuf, Release)> =
        fork_releases.into_iter().chain(around_releases).collect();
    let then_changes: Vec<(PathBuf, ChangeRef)> =
        fork_changes.into_iter().chain(around_changes).collect();
    check_records(&policy, &then_releases, &then_changes, &mut then);
    let before: BTreeSet<(&str, &str)> = then
        .iter()
        .map(|g| (g.file.as_str(), g.message.as_str()))
        .collect();
    let changed: BTreeSet<String> = changed.iter().map(|p| p.display().to_string()).collect();
    let news: Vec<Finding> = now
        .iter()
        .filter(|g| {
            changed.contains(&g.file) || !before.contains(&(g.file.as_str(), g.message.as_str()))
        })
        .cloned()
        .collect();
    f.extend(news);
    out.findings.extend(f);
    Ok(out)
}

/// Releases and change references, each with its file.
type Records = (Vec<(PathBuf, Release)>, Vec<(PathBuf, ChangeRef)>);

/// The fork's versions of the changed records that were records there
/// (at their own path, with the id of their file); others are left out.
fn at_fork(repo: &Repo, policy: &Policy, diff: &BranchDiff, changed: &[PathBuf]) -> Records {
    let (mut releases, mut changes) = (vec![], vec![]);
    for rel in changed {
        let Some(Some(blob)) = diff.records.get(rel) else {
            continue;
        };
        let Ok(text) = history::blob_text(repo, *blob) else {
            continue;
        };
        match classify(rel, Some(policy)) {
            Ok(RecordPath::Release(id)) => {
                if let Ok(r) = yaml::from_str::<Release>(rel, &text)
                    && r.id == id.to_string()
                {
                    releases.push((rel.clone(), r));
                }
            }
            Ok(RecordPath::Change(id, _)) => {
                if let Ok(c) = yaml::from_str::<ChangeRef>(rel, &text)
                    && c.id == id
                {
                    changes.push((rel.clone(), c));
                }
            }
            Err(_) => {}
        }
    }
    (releases, changes)
}

/// The record files `releases` and `changes` name (change references,
/// `depends_on`, a change reference's release) that are files in the work
/// tree and not yet in `seen`.
fn named(
    repo: &Repo,
    policy: &Policy,
    releases: &[(PathBuf, Release)],
    changes: &[(PathBuf, ChangeRef)],
    seen: &mut BTreeSet<PathBuf>,
) -> Vec<PathBuf> {
    let release_file = |id: &str| ReleaseId::parse(id).ok().map(|id| paths::release(&id));
    let change_file = |id: &str| {
        let year = policy.change_shard_of(id).ok()?;
        Some(paths::change(id, year))
    };
    let mut files = vec![];
    for (_, r) in releases {
        files.extend(r.changes.iter().filter_map(|c| change_file(c)));
        files.extend(r.depends_on.iter().filter_map(|d| release_file(d)));
    }
    for (_, c) in changes {
        files.extend(c.release.as_deref().and_then(release_file));
    }
    let mut out = vec![];
    for file in files {
        // Never through a link: the file itself and the folders on its way.
        let plain = std::fs::symlink_metadata(repo.root.join(&file)).is_ok_and(|m| m.is_file())
            && file.ancestors().skip(1).all(|a| {
                a.as_os_str().is_empty()
                    || std::fs::symlink_metadata(repo.root.join(a)).is_ok_and(|m| m.is_dir())
            });
        if plain && seen.insert(file.clone()) {
            out.push(file);
        }
    }
    out.sort();
    out
}
