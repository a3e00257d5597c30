//! `rel check --base REF`: is every record change in a pull request a legal
//! story? Reads the base's rules and the branch's history of records, and
//! has the review engine judge them (`crate::review::judge_branch`).

use super::check::{check_all, unreadable};
use super::check_changed::check_changed;
use super::loaded::months_around;
use super::{last_closed, last_closed_among, nearby_releases};
use crate::calendar::Calendar;
use crate::error::{Error, Result};
use crate::model::node::Seg::Key;
use crate::model::{Release, ReleaseId};
use crate::policy::Policy;
use crate::review::{
    BranchRules, Finding, LEDGER_HORIZON_DAYS, Outcome, judge_branch, ledger_findings,
};
use crate::store::branch_diff::{BranchDiff, branch_diff};
use crate::store::history::{self, HistoryOptions};
use crate::store::revision::Revision;
use crate::store::{Records, Repo, paths};
use std::collections::BTreeMap;
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
        let neighbours = needs
            .neighbours
            .then(|| nearby_releases(rev, release).ok())
            .flatten();
        // The months around the window hold the two `last_closed` starts
        // from: read once.
        let production = needs
            .production
            .then(|| match &neighbours {
                Some(read) => last_closed_among(rev, release, read),
                None => last_closed(rev, release),
            })
            .and_then(|found| found.ok().flatten());
        let nearby = if needs.neighbours {
            neighbours.unwrap_or_default()
        } else if needs.dependencies {
            dependencies(rev, release)
        } else {
            vec![]
        };
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

/// `rel check --base REF`: the records the branch changed as they are
/// (every record when it changes the rules), plus every change to a record
/// between REF and HEAD, commit by commit, judged under the policy and
/// calendars of REF, and the branch's bookings against REF's.
pub fn check_base(repo: &Repo, base: &str) -> Result<Outcome> {
    let base_oid = resolve(repo, "--base", base)?;
    let head = history::head(repo);
    // The records the branch's commits changed since it forked; without a
    // common commit, since the base.
    let diff = match head {
        Some(head) => {
            let fork = history::merge_base(repo, base_oid, head).unwrap_or(base_oid);
            Some(branch_diff(repo, fork, head)?)
        }
        None => None,
    };
    // A branch that changes the rules (policy, calendars, schemas) or
    // removes a record changes how the records it did not touch are
    // judged: then every record is.
    let mut out = match &diff {
        Some(diff) if !diff.rules && diff.removed.is_empty() => check_changed(repo, diff)?,
        _ => check_all(repo)?,
    };
    let mut notes = vec![];
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
    if let (Some(head), Some(diff)) = (head, &diff) {
        out.findings
            .extend(bookings(repo, base_oid, head, diff, &calendar, &policy)?);
    }
    out.notes.extend(notes);
    out.notes.extend(judged);
    Ok(out)
}

/// The releases the branch's commits added or changed, each against the
/// base's release under its id and the base's releases in the months
/// around its window (a release's folder is its planned month); when it
/// loses a conflict there, against those of the months the next free start
/// is looked for in.
fn bookings(
    repo: &Repo,
    base: git2::Oid,
    head: git2::Oid,
    diff: &BranchDiff,
    calendar: &Calendar,
    policy: &Policy,
) -> Result<Vec<Finding>> {
    let (at_base, at_head) = (repo.revision(base)?, repo.revision(head)?);
    let record_file = |id: &str| {
        ReleaseId::parse(id).map_or_else(|_| PathBuf::from(id), |id| paths::release(&id))
    };
    let mut months: BTreeMap<(i32, u32), Vec<Release>> = BTreeMap::new();
    let mut read = |ms: Vec<(i32, u32)>, id: &ReleaseId| -> Result<Vec<Release>> {
        let mut out: Vec<Release> = vec![];
        for m in ms {
            // A closed or cancelled release holds no slot.
            let month = months
                .entry(m)
                .or_insert_with(|| at_base.unfinished_releases_in_month(m.0, m.1));
            out.extend(month.iter().cloned());
        }
        if !out.iter().any(|r| r.id == id.to_string())
            && let Some(r) = at_base.find_release(id)?
        {
            out.push(r);
        }
        Ok(out)
    };
    let mut out = vec![];
    for path in diff.records.keys() {
        let Some(id) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| ReleaseId::parse(s).ok())
            .filter(|id| paths::release(id) == *path)
        else {
            continue;
        };
        let Some(release) = at_head.find_release(&id)? else {
            continue;
        };
        let (start, end) = (release.window.start, release.window.end());
        let branch = std::slice::from_ref(&release);
        let near = read(months_around(start, end), &id)?;
        let mut found = ledger_findings(&near, branch, calendar, policy, &record_file);
        if found.iter().any(|f| f.at == [Key("window")]) {
            let last = end + chrono::Duration::days(i64::from(LEDGER_HORIZON_DAYS));
            let wide = read(months_around(start, last), &id)?;
            found = ledger_findings(&wide, branch, calendar, policy, &record_file);
        }
        out.extend(found);
    }
    Ok(out)
}
