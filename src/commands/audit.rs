//! `rel check --base REF` (is every record change in a pull request a legal
//! story?) and `rel audit verify` (did each rel commit change what its
//! trailers say?).
//!
//! Both walk the commits oldest first and diff each commit's tree against
//! its parent, only under `releases/` (and `changes/` for the audit), so a
//! history of hundreds of transitions costs one small tree diff per commit.

use super::check::{Finding, Outcome, check_all};
use super::{Ctx, print_json};
use crate::calendar::Calendar;
use crate::cli::AuditCommand;
use crate::error::{Error, Result};
use crate::model::{DefectStatus, Release, ReleaseId, Stage, Timestamp};
use crate::policy::Policy;
use crate::policy::auth::email_of;
use crate::policy::gates::{self, GateContext, GateStatus};
use crate::store::history::{self, Signature};
use crate::store::{Repo, paths, yaml};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn run(ctx: &Ctx, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { since } => verify(ctx, since.as_deref()),
    }
}

// ---------------------------------------------------------------------------
// Walking history

/// One commit of the walk, with the record files it changed.
struct Step {
    oid: git2::Oid,
    author: String,
    author_email: String,
    /// Committer time: when the commit was made.
    time: Timestamp,
    subject: String,
    trailers: Vec<(String, String)>,
    files: Vec<FileChange>,
}

impl Step {
    fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn is_rel(&self) -> bool {
        self.trailer("Rel-Action").is_some()
    }

    fn short(&self) -> String {
        self.oid.to_string().chars().take(10).collect()
    }
}

/// A record file a commit changed: its path relative to the records root
/// and the blob before and after (`None`: absent).
struct FileChange {
    path: PathBuf,
    old: Option<git2::Oid>,
    new: Option<git2::Oid>,
}

/// The records root's path inside the git work tree.
fn prefix(repo: &Repo) -> PathBuf {
    repo.root
        .strip_prefix(&repo.workdir)
        .unwrap_or(Path::new(""))
        .to_path_buf()
}

/// A revision given on the command line, as a commit; exit 3 when git does
/// not know it.
fn resolve(repo: &Repo, flag: &str, reference: &str) -> Result<git2::Oid> {
    repo.git()
        .revparse_single(reference)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|e| Error::data(format!("{flag} {reference}: {}", e.message())))
}

type Delta = BTreeMap<PathBuf, (Option<git2::Oid>, Option<git2::Oid>)>;

fn diff_paths(
    git: &git2::Repository,
    old: Option<&git2::Tree>,
    new: &git2::Tree,
    specs: &[PathBuf],
) -> Result<Delta> {
    let mut opts = git2::DiffOptions::new();
    for s in specs {
        opts.pathspec(s);
    }
    let diff = git.diff_tree_to_tree(old, Some(new), Some(&mut opts))?;
    let present = |id: git2::Oid| (!id.is_zero()).then_some(id);
    let mut out = Delta::new();
    for delta in diff.deltas() {
        let Some(path) = delta.new_file().path().or(delta.old_file().path()) else {
            continue;
        };
        out.insert(
            path.to_path_buf(),
            (
                present(delta.old_file().id()),
                present(delta.new_file().id()),
            ),
        );
    }
    Ok(out)
}

/// What `commit` changed under `specs`. A merge commit is charged only with
/// what differs from every parent (what the merge itself introduced),
/// judged against its first parent.
fn changed_files(
    git: &git2::Repository,
    commit: &git2::Commit,
    prefix: &Path,
    specs: &[PathBuf],
) -> Result<Vec<FileChange>> {
    let tree = commit.tree()?;
    let parents: Vec<git2::Commit> = commit.parents().collect();
    let delta = match parents.as_slice() {
        [] => diff_paths(git, None, &tree, specs)?,
        [p] => diff_paths(git, Some(&p.tree()?), &tree, specs)?,
        [first, rest @ ..] => {
            let mut delta = diff_paths(git, Some(&first.tree()?), &tree, specs)?;
            for p in rest {
                let other = diff_paths(git, Some(&p.tree()?), &tree, specs)?;
                delta.retain(|path, _| other.contains_key(path));
            }
            delta
        }
    };
    Ok(delta
        .into_iter()
        .filter_map(|(path, (old, new))| {
            let rel = path.strip_prefix(prefix).ok()?.to_path_buf();
            Some(FileChange {
                path: rel,
                old,
                new,
            })
        })
        .collect())
}

/// Commits reachable from HEAD and not from `hide`, oldest first, with what
/// each changed under the records root's `dirs`.
fn walk(repo: &Repo, hide: Option<git2::Oid>, dirs: &[&str]) -> Result<Vec<Step>> {
    let git = repo.git();
    let mut walk = git.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    match walk.push_head() {
        Ok(()) => {}
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            return Ok(vec![]);
        }
        Err(e) => return Err(e.into()),
    }
    if let Some(h) = hide {
        walk.hide(h)?;
    }
    let prefix = prefix(repo);
    let specs: Vec<PathBuf> = dirs.iter().map(|d| prefix.join(d)).collect();
    let mut out = vec![];
    for oid in walk {
        let oid = oid?;
        let commit = git.find_commit(oid)?;
        let files = changed_files(git, &commit, &prefix, &specs)?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let author = commit.author();
        out.push(Step {
            oid,
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            time: history::to_datetime(commit.committer().when()),
            subject: message
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
            trailers: history::trailers(&message),
            files,
        });
    }
    Ok(out)
}

fn is_release_file(path: &Path) -> bool {
    path.starts_with("releases") && path.extension().is_some_and(|e| e == "yaml")
}

fn is_change_file(path: &Path) -> bool {
    path.starts_with("changes") && path.extension().is_some_and(|e| e == "yaml")
}

/// The release in blob `oid` (`None`: the file is absent on that side).
fn read_release(
    repo: &Repo,
    path: &Path,
    oid: Option<git2::Oid>,
    step: &Step,
) -> Result<Option<Release>> {
    let Some(oid) = oid else { return Ok(None) };
    let blob = repo.git().find_blob(oid)?;
    let text = String::from_utf8_lossy(blob.content());
    yaml::from_str(path, &text).map(Some).map_err(|e| match e {
        Error::File { path, message } => Error::file(
            path,
            format!("{message} (as of commit {}: cannot judge it)", step.short()),
        ),
        other => other,
    })
}

/// The policy as it was at `commit`, when it can be read.
fn policy_at(repo: &Repo, commit: git2::Oid) -> Option<Policy> {
    let git = repo.git();
    let tree = git.find_commit(commit).ok()?.tree().ok()?;
    let entry = tree.get_path(&prefix(repo).join("policy.yaml")).ok()?;
    let blob = git.find_blob(entry.id()).ok()?;
    let text = String::from_utf8_lossy(blob.content());
    yaml::from_str(Path::new("policy.yaml"), &text).ok()
}

// ---------------------------------------------------------------------------
// Judging one release's change in one commit (`rel check --base`)

/// Gates that look only at the release's own evidence (and the policy and
/// calendar), so they can be evaluated again for a past transition.
const EVIDENCE_GATES: &[&str] = &[
    "definition-approved",
    "build-verified",
    "tests-passed",
    "no-blocking-defects",
    "known-issues-documented",
    "acceptance-signed",
    "readiness-review",
    "notifications-sent",
    "go-decision",
    "deployment-confirmed",
    "config-updated",
    "pir-scheduled",
];

/// An evidence entry added by a commit.
struct Added<'r> {
    section: &'static str,
    by: &'r str,
    at: Timestamp,
    /// An approval or sign-off: only the approver may record it.
    signoff: bool,
    what: String,
}

struct Judge<'a> {
    repo: &'a Repo,
    policy: &'a Policy,
    calendar: &'a Calendar,
    require_signed: bool,
    tolerance_minutes: i64,
    texts: BTreeMap<PathBuf, Option<String>>,
    signatures: BTreeMap<git2::Oid, Signature>,
    findings: Vec<Finding>,
}

impl Judge<'_> {
    /// A finding on `path`, on the line of `needle` found at or after the
    /// top-level key `section` (the work tree's version of the file).
    fn add(&mut self, path: &Path, section: Option<&str>, needle: Option<&str>, message: String) {
        let root = &self.repo.root;
        let text = self
            .texts
            .entry(path.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(root.join(path)).ok());
        let line = text.as_deref().and_then(|t| locate(t, section, needle));
        self.findings.push(Finding {
            file: path.display().to_string(),
            line,
            message,
        });
    }

    fn signature(&mut self, oid: git2::Oid) -> Signature {
        let repo = self.repo;
        self.signatures
            .entry(oid)
            .or_insert_with(|| history::signature(repo, oid))
            .clone()
    }

    fn release(
        &mut self,
        step: &Step,
        path: &Path,
        before: Option<&Release>,
        after: Option<&Release>,
    ) {
        let c = step.short();
        let Some(after) = after else {
            if before.is_some() {
                self.add(
                    path,
                    None,
                    None,
                    format!(
                        "release record deleted by commit {c}; records are never deleted (use `rel cancel`)"
                    ),
                );
            }
            return;
        };
        if step.is_rel() {
            match step.trailer("Rel-Release") {
                Some(id) if id == after.id => {}
                named => self.add(
                    path,
                    Some("id"),
                    None,
                    format!(
                        "commit {c} changed {} but its Rel-Release trailer names {}",
                        after.id,
                        named.unwrap_or("no release")
                    ),
                ),
            }
        }
        let mut needs_signature = None;
        match before {
            None => {
                if after.stage != Stage::Plan {
                    self.add(
                        path,
                        Some("stage"),
                        None,
                        format!(
                            "release created in stage {} by commit {c}; a release starts in plan (`rel plan`)",
                            after.stage
                        ),
                    );
                }
            }
            Some(before) if before.stage != after.stage => {
                self.stage_move(step, path, before, after);
                needs_signature = Some(format!(
                    "moving {} {} -> {}",
                    after.id, before.stage, after.stage
                ));
            }
            Some(_) => {}
        }
        if let Some(before) = before {
            self.append_only(step, path, before, after);
        }
        let added = added(before, after);
        for a in &added {
            if a.signoff && !email_of(a.by).eq_ignore_ascii_case(&step.author_email) {
                self.add(
                    path,
                    Some(a.section),
                    Some(email_of(a.by)),
                    format!(
                        "{}: {} by {} was added by commit {c} of {} <{}>; only the approver records an approval (`rel approve`)",
                        a.section, a.what, a.by, step.author, step.author_email
                    ),
                );
            }
            let late = (step.time - a.at).num_minutes();
            if late > self.tolerance_minutes {
                self.add(
                    path,
                    Some(a.section),
                    Some(&format!(
                        "{}\u{0}{}\u{0}{}",
                        a.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                        a.at.to_rfc3339(),
                        email_of(a.by)
                    )),
                    format!(
                        "{}: {} by {} is back-dated: dated {} but committed by {c} at {} ({} later; tolerance {} minutes)",
                        a.section,
                        a.what,
                        a.by,
                        a.at.to_rfc3339(),
                        step.time.to_rfc3339(),
                        minutes_text(late),
                        self.tolerance_minutes
                    ),
                );
            }
        }
        if needs_signature.is_none()
            && let Some(a) = added.iter().find(|a| a.signoff)
        {
            needs_signature = Some(format!("recording {} by {}", a.what, a.by));
        }
        if self.require_signed
            && let Some(what) = needs_signature
        {
            let problem = match self.signature(step.oid) {
                Signature::Good => None,
                Signature::None => Some("is not signed"),
                Signature::Bad => Some("has a bad signature"),
                Signature::Unknown => Some("has a signature git cannot verify"),
            };
            if let Some(problem) = problem {
                self.add(
                    path,
                    Some("stage"),
                    None,
                    format!(
                        "commit {c} ({what}) {problem}; the policy requires signed commits (require_signed: true)"
                    ),
                );
            }
        }
    }

    fn stage_move(&mut self, step: &Step, path: &Path, before: &Release, after: &Release) {
        let c = step.short();
        let (from, to) = (before.stage, after.stage);
        let forward = from.next() == Some(to);
        let legal = forward
            || (to == Stage::Build && matches!(from, Stage::Test | Stage::Stage))
            || (to == Stage::Cancelled && from.is_live());
        if !legal {
            let skipped: Vec<&str> = Stage::ALL
                .iter()
                .filter(|s| **s > from && **s < to && s.is_live())
                .map(|s| s.as_str())
                .collect();
            let why = if to > from && to != Stage::Cancelled && !skipped.is_empty() {
                format!("skipping {}", skipped.join(", "))
            } else {
                "not a legal move (one step forward, back to build from test or stage, or to cancelled)"
                    .to_string()
            };
            self.add(
                path,
                Some("stage"),
                None,
                format!("stage moved {from} -> {to} in commit {c}: {why}"),
            );
        }
        if !step.is_rel() {
            self.add(
                path,
                Some("stage"),
                None,
                format!(
                    "stage changed by a hand edit ({from} -> {to}) in commit {c} ({}); transitions are made with rel (`rel promote`, `rel demote`, `rel cancel`)",
                    step.author_email
                ),
            );
        } else {
            let (rf, rt) = (step.trailer("Rel-From"), step.trailer("Rel-To"));
            if rf != Some(from.as_str()) || rt != Some(to.as_str()) {
                self.add(
                    path,
                    Some("stage"),
                    None,
                    format!(
                        "commit {c} moved the stage {from} -> {to} but its trailers say Rel-From: {}, Rel-To: {}",
                        rf.unwrap_or("(none)"),
                        rt.unwrap_or("(none)")
                    ),
                );
            }
        }
        if forward {
            let mut release = after.clone();
            release.stage = from;
            let no_changes = BTreeMap::new();
            let eval = gates::evaluate(&GateContext {
                release: &release,
                changes: &no_changes,
                nearby: &[],
                last_closed: None,
                policy: self.policy,
                calendar: self.calendar,
                now: step.time,
                to,
            });
            for g in eval.gates.iter().filter(|g| {
                g.status == GateStatus::Fail && EVIDENCE_GATES.contains(&g.name.as_str())
            }) {
                self.add(
                    path,
                    Some("stage"),
                    None,
                    format!(
                        "stage moved {from} -> {to} in commit {c} although gate {} fails: {}",
                        g.name, g.message
                    ),
                );
            }
        }
    }

    fn append_only(&mut self, step: &Step, path: &Path, before: &Release, after: &Release) {
        let c = step.short();
        let checks = [
            (
                "approvals",
                prefix_break(&before.approvals, &after.approvals),
            ),
            ("build", prefix_break(&before.build, &after.build)),
            ("tests", prefix_break(&before.tests, &after.tests)),
            ("defects", defects_break(before, after)),
            (
                "notifications",
                prefix_break(&before.notifications, &after.notifications),
            ),
            (
                "fix_cycles",
                prefix_break(&before.fix_cycles, &after.fix_cycles),
            ),
            ("waivers", prefix_break(&before.waivers, &after.waivers)),
        ];
        for (field, broken) in checks {
            if let Some(why) = broken {
                self.add(
                    path,
                    Some(field),
                    None,
                    format!("{field}: {why} by commit {c}; evidence is append-only"),
                );
            }
        }
        let singles = [
            (
                "readiness",
                before.readiness.is_some(),
                after.readiness.is_some(),
                before.readiness != after.readiness,
            ),
            (
                "go",
                before.go.is_some(),
                after.go.is_some(),
                before.go != after.go,
            ),
            (
                "deployment",
                before.deployment.is_some(),
                after.deployment.is_some(),
                before.deployment != after.deployment,
            ),
            (
                "closure",
                before.closure.is_some(),
                after.closure.is_some(),
                before.closure != after.closure,
            ),
            (
                "cancellation",
                before.cancellation.is_some(),
                after.cancellation.is_some(),
                before.cancellation != after.cancellation,
            ),
        ];
        for (field, had, has, differs) in singles {
            if had && !has {
                self.add(
                    path,
                    None,
                    None,
                    format!("{field}: removed by commit {c}; evidence is append-only"),
                );
            } else if had && differs && !step.is_rel() {
                self.add(
                    path,
                    Some(field),
                    None,
                    format!(
                        "{field}: rewritten by a hand edit in commit {c}; evidence is append-only"
                    ),
                );
            }
        }
    }
}

fn minutes_text(m: i64) -> String {
    if m >= 48 * 60 {
        format!("{} days", m / (24 * 60))
    } else if m >= 120 {
        format!("{} hours", m / 60)
    } else {
        format!("{m} minutes")
    }
}

/// 1-based line of `needle` at or after the top-level key `section`, else
/// of the key itself, else of the first `needle` anywhere.
/// `needle` may hold alternatives separated by NUL, tried in order.
fn locate(text: &str, section: Option<&str>, needle: Option<&str>) -> Option<usize> {
    if let Some(n) = needle
        && n.contains('\0')
    {
        let alternatives: Vec<&str> = n.split('\0').collect();
        return alternatives
            .iter()
            .find_map(|a| locate_one(text, section, Some(a), false))
            .or_else(|| locate_one(text, section, None, true));
    }
    locate_one(text, section, needle, true)
}

fn locate_one(
    text: &str,
    section: Option<&str>,
    needle: Option<&str>,
    fallback: bool,
) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = section.and_then(|s| {
        let key = format!("{s}:");
        lines.iter().position(|l| l.starts_with(&key))
    });
    if let (Some(start), Some(needle)) = (start, needle)
        && let Some(i) = lines[start..].iter().position(|l| l.contains(needle))
    {
        return Some(start + i + 1);
    }
    if !fallback {
        return None;
    }
    if let Some(start) = start {
        return Some(start + 1);
    }
    needle.and_then(|n| lines.iter().position(|l| l.contains(n)).map(|i| i + 1))
}

/// Why `new` does not start with `old`, if it does not.
fn prefix_break<T: PartialEq>(old: &[T], new: &[T]) -> Option<String> {
    if let Some(i) = old.iter().zip(new).position(|(a, b)| a != b) {
        return Some(format!("entry {} rewritten", i + 1));
    }
    (new.len() < old.len()).then(|| format!("{} entry(ies) removed", old.len() - new.len()))
}

/// Defects are append-only too, except that an open defect may be resolved
/// (status, workaround, resolved_by, resolved_at).
fn defects_break(before: &Release, after: &Release) -> Option<String> {
    for (i, old) in before.defects.iter().enumerate() {
        let Some(new) = after.defects.get(i) else {
            return Some(format!(
                "{} entry(ies) removed",
                before.defects.len() - after.defects.len()
            ));
        };
        if old == new {
            continue;
        }
        let resolved = old.status == DefectStatus::Open
            && new.status != DefectStatus::Open
            && old.resolved_at.is_none()
            && old.resolved_by.is_none()
            && (old.workaround.is_none() || old.workaround == new.workaround)
            && old.id == new.id
            && old.severity == new.severity
            && old.title == new.title
            && old.post_deploy == new.post_deploy
            && old.by == new.by
            && old.at == new.at;
        if !resolved {
            return Some(format!("{} rewritten", old.id));
        }
    }
    None
}

/// Evidence entries `after` holds that `before` did not.
fn added<'r>(before: Option<&Release>, after: &'r Release) -> Vec<Added<'r>> {
    fn tail<T>(old: usize, new: &[T]) -> &[T] {
        &new[old.min(new.len())..]
    }
    let len = |f: fn(&Release) -> usize| before.map(f).unwrap_or(0);
    let mut out = vec![];
    for a in tail(len(|r| r.approvals.len()), &after.approvals) {
        out.push(Added {
            section: "approvals",
            by: &a.by,
            at: a.at,
            signoff: true,
            what: format!("{} approval as {}", a.purpose, a.role),
        });
    }
    for b in tail(len(|r| r.build.len()), &after.build) {
        out.push(Added {
            section: "build",
            by: &b.by,
            at: b.at,
            signoff: false,
            what: "build verification".to_string(),
        });
    }
    for t in tail(len(|r| r.tests.len()), &after.tests) {
        out.push(Added {
            section: "tests",
            by: &t.by,
            at: t.at,
            signoff: false,
            what: format!("{} test result", t.category),
        });
    }
    for n in tail(len(|r| r.notifications.len()), &after.notifications) {
        out.push(Added {
            section: "notifications",
            by: &n.by,
            at: n.sent_at,
            signoff: false,
            what: format!("notification to {}", n.audience),
        });
    }
    for f in tail(len(|r| r.fix_cycles.len()), &after.fix_cycles) {
        out.push(Added {
            section: "fix_cycles",
            by: &f.by,
            at: f.at,
            signoff: false,
            what: "fix cycle".to_string(),
        });
    }
    for w in tail(len(|r| r.waivers.len()), &after.waivers) {
        out.push(Added {
            section: "waivers",
            by: &w.by,
            at: w.at,
            signoff: false,
            what: format!("waiver of {}", w.gate),
        });
    }
    let old_defects = before.map(|r| r.defects.as_slice()).unwrap_or(&[]);
    for (i, d) in after.defects.iter().enumerate() {
        match old_defects.get(i) {
            None => out.push(Added {
                section: "defects",
                by: &d.by,
                at: d.at,
                signoff: false,
                what: format!("defect {}", d.id),
            }),
            Some(old) => {
                if old.resolved_at.is_none()
                    && let (Some(at), Some(by)) = (d.resolved_at, d.resolved_by.as_deref())
                {
                    out.push(Added {
                        section: "defects",
                        by,
                        at,
                        signoff: false,
                        what: format!("resolution of {}", d.id),
                    });
                }
            }
        }
    }
    if let Some(s) = &after.readiness
        && before.is_none_or(|b| b.readiness.as_ref() != Some(s))
    {
        out.push(Added {
            section: "readiness",
            by: &s.by,
            at: s.at,
            signoff: false,
            what: "readiness review".to_string(),
        });
    }
    if let Some(s) = &after.go
        && before.is_none_or(|b| b.go.as_ref() != Some(s))
    {
        out.push(Added {
            section: "go",
            by: &s.by,
            at: s.at,
            signoff: true,
            what: "go decision".to_string(),
        });
    }
    if let Some(d) = &after.deployment
        && before.is_none_or(|b| b.deployment.as_ref() != Some(d))
    {
        out.push(Added {
            section: "deployment",
            by: &d.by,
            at: d.at,
            signoff: false,
            what: "deployment confirmation".to_string(),
        });
    }
    if let Some(c) = &after.closure
        && before.is_none_or(|b| b.closure.as_ref() != Some(c))
    {
        out.push(Added {
            section: "closure",
            by: &c.by,
            at: c.at,
            signoff: false,
            what: "closure".to_string(),
        });
    }
    if let Some(c) = &after.cancellation
        && before.is_none_or(|b| b.cancellation.as_ref() != Some(c))
    {
        out.push(Added {
            section: "cancellation",
            by: &c.by,
            at: c.at,
            signoff: false,
            what: "cancellation".to_string(),
        });
    }
    out
}

/// `rel check --base REF`: the whole repository as it is, plus every change
/// to a release record between REF and HEAD, commit by commit.
pub fn check_base(repo: &Repo, base: &str) -> Result<Outcome> {
    let base_oid = resolve(repo, "--base", base)?;
    let mut findings = check_all(repo)?;
    let policy = repo.load_policy()?;
    let calendar = repo.load_calendar(&policy)?;
    // A pull request cannot relax the rules it is judged by.
    let base_policy = policy_at(repo, base_oid);
    let require_signed =
        policy.require_signed || base_policy.as_ref().is_some_and(|p| p.require_signed);
    let tolerance = base_policy
        .as_ref()
        .map_or(policy.backdate_tolerance_minutes, |p| {
            p.backdate_tolerance_minutes
                .min(policy.backdate_tolerance_minutes)
        });
    let mut judge = Judge {
        repo,
        policy: &policy,
        calendar: &calendar,
        require_signed,
        tolerance_minutes: i64::from(tolerance),
        texts: BTreeMap::new(),
        signatures: BTreeMap::new(),
        findings: vec![],
    };
    for step in walk(repo, Some(base_oid), &["releases"])? {
        for fc in step.files.iter().filter(|f| is_release_file(&f.path)) {
            let before = read_release(repo, &fc.path, fc.old, &step)?;
            let after = read_release(repo, &fc.path, fc.new, &step)?;
            judge.release(&step, &fc.path, before.as_ref(), after.as_ref());
        }
    }
    findings.findings.extend(judge.findings);
    Ok(findings)
}

// ---------------------------------------------------------------------------
// `rel audit verify`

#[derive(Debug, Serialize)]
struct HandEdit {
    commit: String,
    file: String,
    author: String,
    subject: String,
    what: String,
}

#[derive(Debug, Serialize)]
struct AuditFinding {
    commit: String,
    file: String,
    message: String,
}

#[derive(Debug, Default, Serialize)]
struct AuditReport {
    ok: bool,
    transitions: usize,
    rel_commits: usize,
    hand_edits: Vec<HandEdit>,
    findings: Vec<AuditFinding>,
}

fn evidence_differs(a: &Release, b: &Release) -> bool {
    a.approvals != b.approvals
        || a.build != b.build
        || a.tests != b.tests
        || a.defects != b.defects
        || a.notifications != b.notifications
        || a.readiness != b.readiness
        || a.go != b.go
        || a.deployment != b.deployment
        || a.closure != b.closure
        || a.fix_cycles != b.fix_cycles
        || a.cancellation != b.cancellation
        || a.waivers != b.waivers
}

/// The file a rel commit may change: its release's record, and change
/// references for the actions that write them.
fn allowed(step: &Step, path: &Path) -> bool {
    let action = step.trailer("Rel-Action").unwrap_or_default();
    if is_release_file(path) {
        return step
            .trailer("Rel-Release")
            .and_then(|id| ReleaseId::parse(id).ok())
            .is_some_and(|id| paths::release(&id) == path);
    }
    if is_change_file(path) {
        if matches!(action, "plan" | "cancel") {
            return true;
        }
        if action.starts_with("change") {
            let named: Vec<&str> = step
                .trailer("Rel-Changes")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .collect();
            return path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|id| named.contains(&id));
        }
        return false;
    }
    true
}

fn audit_rel_commit(repo: &Repo, step: &Step, report: &mut AuditReport) {
    let commit = step.oid.to_string();
    let mut finding = |file: &Path, message: String| {
        report.findings.push(AuditFinding {
            commit: commit.clone(),
            file: file.display().to_string(),
            message,
        })
    };
    let action = step.trailer("Rel-Action").unwrap_or_default();
    for fc in &step.files {
        if !allowed(step, &fc.path) {
            finding(
                &fc.path,
                format!(
                    "commit {} (Rel-Action: {action}{}) changed a file that is not its own",
                    step.short(),
                    step.trailer("Rel-Release")
                        .map(|r| format!(", Rel-Release: {r}"))
                        .unwrap_or_default()
                ),
            );
        }
    }
    let Some(id) = step.trailer("Rel-Release") else {
        return;
    };
    let Ok(rid) = ReleaseId::parse(id) else {
        finding(
            Path::new(""),
            format!(
                "commit {}: Rel-Release `{id}` is not a release id",
                step.short()
            ),
        );
        return;
    };
    let path = paths::release(&rid);
    let from = step.trailer("Rel-From").map(|s| (s, Stage::parse(s)));
    let to = step.trailer("Rel-To").map(|s| (s, Stage::parse(s)));
    let Some(fc) = step.files.iter().find(|f| f.path == path) else {
        if from.is_some() || to.is_some() {
            finding(
                &path,
                format!(
                    "commit {} says {id} moved {} -> {} but did not change its record",
                    step.short(),
                    from.map(|f| f.0).unwrap_or("?"),
                    to.map(|t| t.0).unwrap_or("?")
                ),
            );
        }
        return;
    };
    let read = |oid| read_release(repo, &path, oid, step);
    let (before, after) = match (read(fc.old), read(fc.new)) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(e), _) | (_, Err(e)) => {
            finding(&path, e.to_string());
            return;
        }
    };
    let Some(after) = after else {
        finding(
            &path,
            format!("commit {} deleted the record of {id}", step.short()),
        );
        return;
    };
    let old_stage = before.as_ref().map(|b| b.stage);
    match (from, to) {
        (Some((fs, f)), Some((ts, t))) => {
            if f.is_none() || t.is_none() || old_stage != f || Some(after.stage) != t {
                finding(
                    &path,
                    format!(
                        "commit {} says Rel-From: {fs}, Rel-To: {ts} but the record moved {} -> {}",
                        step.short(),
                        old_stage.map_or("(absent)", |s| s.as_str()),
                        after.stage
                    ),
                );
            } else {
                report.transitions += 1;
            }
        }
        (None, None) => {
            let expected = old_stage.unwrap_or(Stage::Plan);
            if after.stage != expected {
                finding(
                    &path,
                    format!(
                        "commit {} (Rel-Action: {action}) has no Rel-From/Rel-To but the stage moved {} -> {}",
                        step.short(),
                        old_stage.map_or("(absent)", |s| s.as_str()),
                        after.stage
                    ),
                );
            }
        }
        _ => finding(
            &path,
            format!(
                "commit {} carries only one of Rel-From and Rel-To",
                step.short()
            ),
        ),
    }
}

fn audit_hand_commit(repo: &Repo, step: &Step, report: &mut AuditReport) {
    for fc in step.files.iter().filter(|f| is_release_file(&f.path)) {
        let read = |oid| read_release(repo, &fc.path, oid, step);
        let what = match (read(fc.old), read(fc.new)) {
            (Err(e), _) | (_, Err(e)) => Some(e.to_string()),
            (Ok(None), Ok(Some(a))) => Some(format!("record created in stage {}", a.stage)),
            (Ok(Some(_)), Ok(None)) => Some("record deleted".to_string()),
            (Ok(Some(b)), Ok(Some(a))) => {
                let mut parts = vec![];
                if b.stage != a.stage {
                    parts.push(format!("stage {} -> {}", b.stage, a.stage));
                }
                if evidence_differs(&b, &a) {
                    parts.push("evidence changed".to_string());
                }
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            (Ok(None), Ok(None)) => None,
        };
        if let Some(what) = what {
            report.hand_edits.push(HandEdit {
                commit: step.oid.to_string(),
                file: fc.path.display().to_string(),
                author: format!("{} <{}>", step.author, step.author_email),
                subject: step.subject.clone(),
                what,
            });
        }
    }
}

fn verify(ctx: &Ctx, since: Option<&str>) -> Result<()> {
    let repo = ctx.repo()?;
    let hide = since.map(|s| resolve(&repo, "--since", s)).transpose()?;
    let mut report = AuditReport::default();
    for step in walk(&repo, hide, &["releases", "changes"])? {
        if step.is_rel() {
            report.rel_commits += 1;
            audit_rel_commit(&repo, &step, &mut report);
        } else {
            audit_hand_commit(&repo, &step, &mut report);
        }
    }
    report.ok = report.findings.is_empty() && report.hand_edits.is_empty();
    if ctx.json() {
        print_json(&report)?;
    } else {
        for h in &report.hand_edits {
            println!(
                "hand edit: {} {}: {} ({}, \"{}\")",
                h.commit, h.file, h.what, h.author, h.subject
            );
        }
        for f in &report.findings {
            println!("finding: {} {}: {}", f.commit, f.file, f.message);
        }
        println!(
            "{} transitions verified, {} rel commits, {} hand edits, {} findings",
            report.transitions,
            report.rel_commits,
            report.hand_edits.len(),
            report.findings.len()
        );
    }
    if report.ok {
        Ok(())
    } else {
        Err(Error::Reported(1))
    }
}
