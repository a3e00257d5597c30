//! `rel check --base REF`: is every record change in a pull request a legal
//! story? Reads the base's rules and the branch's history of records, and
//! has the review engine judge them (`crate::review::judge_branch`).

use super::check::{check_all, unreadable};
use super::{last_closed, nearby_releases};
use crate::calendar::Calendar;
use crate::error::{Error, Result};
use crate::model::{Release, ReleaseId};
use crate::policy::Policy;
use crate::review::{BranchRules, Finding, Outcome, judge_branch, ledger_findings};
use crate::store::history::{self, HistoryOptions};
use crate::store::revision::Revision;
use crate::store::{Records, Repo, paths};
use std::path::{Path, PathBuf};

/// A revision given on the command line, as a commit; exit 3 when git does
/// not know it.
pub fn resolve(repo: &Repo, flag: &str, reference: &str) -> Result<git2::Oid> {
    history::resolve(repo, reference).map_err(|e| Error::data(format!("{flag} {reference}: {e}")))
}

/// The rules a branch is judged by: the base's policy and calendars, or
/// the branch's own when the base has none that can be read.
fn base_rules(
    repo: &Repo,
    base: git2::Oid,
    reference: &str,
    notes: &mut Vec<Finding>,
) -> Result<(Policy, Calendar)> {
    let rev = repo.revision(base)?;
    let note = |notes: &mut Vec<Finding>, file: &str, message: String| {
        notes.push(Finding::on_file(file, None, "base-rules", message))
    };
    match rev.policy() {
        Ok(Some(policy)) => match rev.calendar(&policy) {
            Ok(calendar) => return Ok((policy, calendar)),
            Err(e) => note(
                notes,
                paths::CALENDARS,
                format!(
                    "the calendars of {reference} cannot be read ({e}); the branch is judged under its own"
                ),
            ),
        },
        Ok(None) => note(
            notes,
            paths::POLICY,
            format!("{reference} has no policy.yaml; the branch is judged under its own"),
        ),
        Err(e) => note(
            notes,
            paths::POLICY,
            format!(
                "the policy of {reference} cannot be read ({e}); the branch is judged under its own"
            ),
        ),
    }
    let policy = repo.load_policy()?;
    let calendar = repo.load_calendar(&policy)?;
    Ok((policy, calendar))
}

/// The commits reachable from HEAD and not from `hide`, with what the
/// judge needs to evaluate each stage move's gates again under `policy`.
pub fn judged_history(
    repo: &Repo,
    hide: Option<git2::Oid>,
    policy: &Policy,
) -> Result<Vec<crate::model::history::Commit>> {
    // Only what the gates of the move read: the months around a window
    // for `conflicts`, the releases depended on, the version in production.
    let around = |rev: &Revision, release: &Release| {
        let needs = crate::gates::inputs(policy, release.stage, release.kind);
        let nearby = if needs.neighbours {
            nearby_releases(rev, release).unwrap_or_default()
        } else if needs.dependencies {
            dependencies(rev, release)
        } else {
            vec![]
        };
        let production = needs
            .production
            .then(|| last_closed(rev, release).ok().flatten())
            .flatten();
        (nearby, production)
    };
    history::records(
        repo,
        hide,
        &HistoryOptions {
            signatures: policy.require_signed,
            policy: Some(policy),
            surroundings: Some(&around),
        },
    )
}

/// The releases `release` depends on, as of `rev` (those that have a file).
fn dependencies(rev: &Revision, release: &Release) -> Vec<Release> {
    release
        .depends_on
        .iter()
        .filter_map(|dep| ReleaseId::parse(dep).ok())
        .filter_map(|id| rev.find_release(&id).ok().flatten())
        .collect()
}

/// `rel check --base REF`: the whole repository as it is, plus every change
/// to a record between REF and HEAD, commit by commit, judged under the
/// policy and calendars of REF.
pub fn check_base(repo: &Repo, base: &str) -> Result<Outcome> {
    let base_oid = resolve(repo, "--base", base)?;
    let mut out = check_all(repo)?;
    let mut notes = vec![];
    let head = history::head(repo);
    // What the pull request changes in the rules: reviewers read that diff;
    // the records are judged by the rules of the base.
    if let Some(head) = head {
        let fork = history::merge_base(repo, base_oid, head).unwrap_or(base_oid);
        let (at_fork, at_head) = (repo.revision(fork)?, repo.revision(head)?);
        for what in [paths::POLICY, paths::CALENDARS] {
            if at_fork.object(Path::new(what)) != at_head.object(Path::new(what)) {
                notes.push(Finding::on_file(
                    what,
                    None,
                    "rules-changed",
                    format!(
                        "changed on this branch; its records are judged under the {} of {base}, and the change itself is for the reviewers",
                        if what == paths::POLICY { "policy" } else { "calendars" }
                    ),
                ));
            }
        }
    }
    let (policy, calendar) = match base_rules(repo, base_oid, base, &mut notes) {
        Ok(rules) => rules,
        Err(e) => {
            // Neither the base's rules nor the branch's can be read: the
            // whole-repository check has said why.
            unreadable(&mut out, e)?;
            out.notes = notes;
            return Ok(out);
        }
    };
    // Without signatures, who made a commit is what its author wrote
    // (`user.name`/`user.email`): the summary says so.
    if !policy.require_signed {
        notes.push(Finding::on_file(
            paths::POLICY,
            None,
            "identities-unverified",
            format!(
                "identities are unverified: the policy of {base} has `require_signed: false`, so each commit's author is who it says it is; `require_signed: true` makes every transition and approval carry its author's verified signature"
            ),
        ));
    }
    let head_policy = repo.load_policy().ok();
    let history = judged_history(repo, Some(base_oid), &policy)?;
    let rules = BranchRules {
        policy: &policy,
        calendar: &calendar,
        head_policy: head_policy.as_ref(),
    };
    let (findings, judged) = judge_branch(&rules, &history);
    out.findings.extend(findings);
    // The branch's bookings against the base's: git merges two clones'
    // bookings of one id or one window cleanly; the records tell.
    if let Some(head) = head {
        let base_releases = repo.revision(base_oid)?.all_releases();
        let branch_releases = repo.revision(head)?.all_releases();
        out.findings.extend(ledger_findings(
            &base_releases,
            &branch_releases,
            &calendar,
            &policy,
            &|id| ReleaseId::parse(id).map_or_else(|_| PathBuf::from(id), |id| paths::release(&id)),
        ));
    }
    out.notes.extend(notes);
    out.notes.extend(judged);
    Ok(out)
}
