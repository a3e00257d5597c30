//! `rel check`: validate every record against schema, references and policy
//! (what CI runs on a pull request). Parse errors cannot be judged: exit 3.

use super::{Ctx, print_json};
use crate::cli::CheckArgs;
use crate::error::{Error, Result};
use crate::model::{ChangeRef, Purpose, Release, ReleaseId, Stage};
use crate::policy::Policy;
use crate::policy::auth::{authorise, email_of};
use crate::store::{Repo, paths};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

/// Collects findings, locating each on the line of the YAML key or value it
/// concerns.
pub struct Findings {
    root: PathBuf,
    pub list: Vec<Finding>,
}

impl Findings {
    pub fn new(root: &Path) -> Findings {
        Findings {
            root: root.to_path_buf(),
            list: vec![],
        }
    }

    /// A finding on `rel_path`, at the first line containing `needle`.
    pub fn add(&mut self, rel_path: &Path, needle: Option<&str>, message: String) {
        let line = needle.and_then(|n| {
            let text = std::fs::read_to_string(self.root.join(rel_path)).ok()?;
            line_of(&text, n)
        });
        self.list.push(Finding {
            file: rel_path.display().to_string(),
            line,
            message,
        });
    }
}

/// 1-based line of the first line containing `needle`.
pub fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

pub fn run(ctx: &Ctx, a: CheckArgs) -> Result<()> {
    if !matches!(a.format.as_str(), "human" | "github") {
        return Err(Error::usage(format!(
            "--format: `{}` is not accepted; expected human or github",
            a.format
        )));
    }
    let repo = ctx.repo()?;
    let mut findings = match &a.base {
        Some(base) => super::audit::check_base(&repo, base)?,
        None => check_all(&repo)?,
    };
    findings.sort();
    findings.dedup();
    report(ctx, &a.format, &findings)
}

pub fn report(ctx: &Ctx, format: &str, findings: &[Finding]) -> Result<()> {
    if ctx.json() {
        print_json(&serde_json::json!({ "ok": findings.is_empty(), "findings": findings }))?;
    } else {
        for f in findings {
            match (format, f.line) {
                ("github", Some(l)) => println!("::error file={},line={l}::{}", f.file, f.message),
                ("github", None) => println!("::error file={}::{}", f.file, f.message),
                (_, Some(l)) => println!("{}:{l}: {}", f.file, f.message),
                (_, None) => println!("{}: {}", f.file, f.message),
            }
        }
        if findings.is_empty() {
            eprintln!("rel check: no findings");
        } else {
            eprintln!("rel check: {} finding(s)", findings.len());
        }
    }
    if findings.is_empty() {
        Ok(())
    } else {
        Err(Error::Reported(1))
    }
}

/// The whole repository, as it is in the work tree.
pub fn check_all(repo: &Repo) -> Result<Vec<Finding>> {
    let policy = repo.load_policy()?;
    let calendar = repo.load_calendar(&policy)?;
    let mut f = Findings::new(&repo.root);
    let _ = calendar;
    let releases = repo.all_releases()?;
    let changes = repo.all_changes()?;
    check_records(&policy, &releases, &changes, &mut f);
    Ok(f.list)
}

/// Cross-record checks: paths, references, authorisation of approvals.
pub fn check_records(
    policy: &Policy,
    releases: &[(PathBuf, Release)],
    changes: &[(PathBuf, ChangeRef)],
    f: &mut Findings,
) {
    let change_by_id: BTreeMap<&str, &ChangeRef> =
        changes.iter().map(|(_, c)| (c.id.as_str(), c)).collect();
    let release_by_id: BTreeMap<&str, &Release> =
        releases.iter().map(|(_, r)| (r.id.as_str(), r)).collect();
    let mut holder: BTreeMap<&str, Vec<&str>> = BTreeMap::new();

    for (path, c) in changes {
        match policy.change_pattern().year_of(&c.id) {
            Err(e) => f.add(path, Some("id:"), format!("id: {e}")),
            Ok(year) => {
                if *path != paths::change(&c.id, year) {
                    f.add(
                        path,
                        Some("id:"),
                        format!(
                            "id {} belongs in {}",
                            c.id,
                            paths::change(&c.id, year).display()
                        ),
                    );
                }
            }
        }
        if !policy.services.contains_key(&c.service) {
            f.add(
                path,
                Some("service:"),
                format!("service: unknown service `{}`", c.service),
            );
        }
        if let Some(rel) = &c.release {
            match release_by_id.get(rel.as_str()) {
                None => f.add(path, Some("release:"), format!("release: no release {rel}")),
                Some(r) if !r.changes.contains(&c.id) => f.add(
                    path,
                    Some("release:"),
                    format!("release: {rel} does not include {}", c.id),
                ),
                Some(_) => {}
            }
        }
    }

    for (path, r) in releases {
        let Ok(id) = ReleaseId::parse(&r.id) else {
            f.add(
                path,
                Some("id:"),
                format!("id: `{}` is not a release id REL-YYYY-MM-NNN", r.id),
            );
            continue;
        };
        if *path != paths::release(&id) {
            f.add(
                path,
                Some("id:"),
                format!("id {} belongs in {}", r.id, paths::release(&id).display()),
            );
        }
        if !policy.services.contains_key(&r.service) {
            f.add(
                path,
                Some("service:"),
                format!("service: unknown service `{}`", r.service),
            );
        }
        for c in &r.changes {
            match change_by_id.get(c.as_str()) {
                None => f.add(path, Some(c), format!("changes: no change reference {c}")),
                Some(change) => {
                    if r.stage != Stage::Cancelled {
                        holder.entry(c.as_str()).or_default().push(r.id.as_str());
                        if change.release.as_deref() != Some(r.id.as_str()) {
                            f.add(
                                path,
                                Some(c),
                                format!(
                                    "changes: {c} is held by {} according to its change reference",
                                    change.release.as_deref().unwrap_or("no release")
                                ),
                            );
                        }
                    }
                }
            }
        }
        for d in &r.depends_on {
            if !release_by_id.contains_key(d.as_str()) {
                f.add(path, Some(d), format!("depends_on: no release {d}"));
            }
        }
        for a in &r.approvals {
            if let Err(e) = authorise(
                policy,
                &a.role,
                &r.service,
                email_of(&a.by),
                policy.local_date(a.at),
            ) {
                f.add(
                    path,
                    Some(&a.by),
                    format!("approvals: {} approval as {}: {e}", a.purpose, a.role),
                );
            }
            if a.purpose == Purpose::Definition
                && !policy.approvals.self_approval
                && email_of(&a.by).eq_ignore_ascii_case(email_of(&r.planned_by))
            {
                f.add(
                    path,
                    Some(&a.by),
                    format!(
                        "approvals: {} planned the release and may not approve its definition",
                        a.by
                    ),
                );
            }
        }
        let mut defect_ids = std::collections::BTreeSet::new();
        for d in &r.defects {
            if !defect_ids.insert(d.id.as_str()) {
                f.add(
                    path,
                    Some(&d.id),
                    format!("defects: {} appears twice", d.id),
                );
            }
        }
        if r.stage == Stage::Closed && r.closure.is_none() {
            f.add(
                path,
                Some("stage:"),
                "stage: closed without closure metrics (use `rel close`)".to_string(),
            );
        }
        if r.stage == Stage::Cancelled && r.cancellation.is_none() {
            f.add(
                path,
                Some("stage:"),
                "stage: cancelled without a reason (use `rel cancel`)".to_string(),
            );
        }
    }
    for (change, holders) in holder {
        if holders.len() > 1 {
            let (path, _) = releases.iter().find(|(_, r)| r.id == holders[1]).unwrap();
            f.add(
                path,
                Some(change),
                format!(
                    "changes: {change} is in several releases: {}",
                    holders.join(", ")
                ),
            );
        }
    }
}
