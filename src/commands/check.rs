//! `rel check`: validate every record against schema, references and policy
//! (what CI runs on a pull request). Every problem is reported, not just the
//! first: findings exit 1; files that cannot be read (malformed YAML, an
//! unknown field) cannot be judged and exit 3, after all of them are listed.

use super::{Ctx, print_json};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::{Error, Result};
use crate::model::{ChangeRef, Purpose, Release, ReleaseId, Stage};
use crate::policy::Policy;
use crate::policy::auth::{authorise, email_of};
use crate::store::yaml::{self, Seg};
use crate::store::{Repo, paths};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: String,
    /// `null` in JSON when the finding concerns the file as a whole.
    pub line: Option<usize>,
    pub message: String,
}

/// What a check concluded.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Refused by policy: exit 1.
    pub findings: Vec<Finding>,
    /// Files rel cannot read (malformed YAML, unknown field): exit 3.
    pub errors: Vec<Finding>,
    /// Worth knowing, not refused (for example: the branch edits the policy).
    pub notes: Vec<Finding>,
}

impl Outcome {
    /// A file that cannot be read, as a finding: `line L column C: ...` in
    /// the message becomes the line. Errors not tied to a file are returned.
    pub fn unreadable(&mut self, e: Error) -> Result<()> {
        let Error::File { path, message } = e else {
            return Err(e);
        };
        let (line, message) = split_line(&message);
        self.errors.push(Finding {
            file: path.display().to_string(),
            line,
            message,
        });
        Ok(())
    }
}

/// `line 5 column 7: msg` -> (5, `column 7: msg`); `line 5: msg` -> (5, `msg`).
fn split_line(message: &str) -> (Option<usize>, String) {
    let Some(rest) = message.strip_prefix("line ") else {
        return (None, message.to_string());
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(line) = digits.parse() else {
        return (None, message.to_string());
    };
    let rest = &rest[digits.len()..];
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    (Some(line), rest.to_string())
}

/// Collects findings on records, locating each on the line of the YAML
/// node it concerns in the work tree's version of the file.
pub struct Findings<'r> {
    repo: &'r Repo,
    texts: BTreeMap<PathBuf, Option<String>>,
    pub list: Vec<Finding>,
}

impl<'r> Findings<'r> {
    pub fn new(repo: &'r Repo) -> Findings<'r> {
        Findings {
            repo,
            texts: BTreeMap::new(),
            list: vec![],
        }
    }

    /// The line of the node at `at` in `rel_path` (an empty path: none).
    pub fn line(&mut self, rel_path: &Path, at: &[Seg]) -> Option<usize> {
        if at.is_empty() {
            return None;
        }
        let repo = self.repo;
        self.texts
            .entry(rel_path.to_path_buf())
            .or_insert_with(|| repo.read(rel_path).ok())
            .as_deref()
            .and_then(|text| yaml::line_of(text, at))
    }

    /// A finding on `rel_path`, at the node `at`.
    pub fn add(&mut self, rel_path: &Path, at: &[Seg], message: String) {
        let line = self.line(rel_path, at);
        self.list.push(Finding {
            file: rel_path.display().to_string(),
            line,
            message,
        });
    }
}

pub fn run(ctx: &Ctx, a: CheckArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let outcome = match &a.base {
        Some(base) => super::audit::check_base(&repo, base)?,
        None => check_all(&repo)?,
    };
    report(ctx, a.format, &repo.prefix(), outcome)
}

/// Prints the outcome and sets the exit code: 3 when a file cannot be read,
/// else 1 when there are findings. GitHub annotations name files from the
/// top of the work tree, which is where GitHub looks for them.
pub fn report(ctx: &Ctx, format: CheckFormat, prefix: &Path, mut outcome: Outcome) -> Result<()> {
    for list in [
        &mut outcome.findings,
        &mut outcome.errors,
        &mut outcome.notes,
    ] {
        list.sort();
        list.dedup();
    }
    let Outcome {
        findings,
        errors,
        notes,
    } = outcome;
    let ok = findings.is_empty() && errors.is_empty();
    if ctx.json() {
        let mut all = errors.clone();
        all.extend(findings.iter().cloned());
        print_json(&serde_json::json!({ "ok": ok, "findings": all, "notes": notes }))?;
    } else {
        let github_file = |f: &Finding| prefix.join(&f.file).display().to_string();
        let github = |kind: &str, f: &Finding| match f.line {
            Some(l) => println!("::{kind} file={},line={l}::{}", github_file(f), f.message),
            None => println!("::{kind} file={}::{}", github_file(f), f.message),
        };
        let plain = |f: &Finding| match f.line {
            Some(l) => format!("{}:{l}: {}", f.file, f.message),
            None => format!("{}: {}", f.file, f.message),
        };
        for n in &notes {
            match format {
                CheckFormat::Github => github("notice", n),
                CheckFormat::Human => eprintln!("note: {}", plain(n)),
            }
        }
        for e in &errors {
            match format {
                CheckFormat::Github => github("error", e),
                // As every other command reports a file it cannot read.
                CheckFormat::Human => match e.line {
                    Some(l) if e.message.starts_with("column ") => {
                        eprintln!("error: {}: line {l} {}", e.file, e.message)
                    }
                    Some(l) => eprintln!("error: {}: line {l}: {}", e.file, e.message),
                    None => eprintln!("error: {}: {}", e.file, e.message),
                },
            }
        }
        for f in &findings {
            match format {
                CheckFormat::Github => github("error", f),
                CheckFormat::Human => println!("{}", plain(f)),
            }
        }
        if !errors.is_empty() {
            eprintln!(
                "rel check: {} file(s) cannot be read; fix them to have the records judged",
                errors.len()
            );
        }
        if findings.is_empty() {
            if errors.is_empty() {
                eprintln!("rel check: no findings");
            }
        } else {
            eprintln!("rel check: {} finding(s)", findings.len());
        }
    }
    if !errors.is_empty() {
        Err(Error::Reported(3))
    } else if !findings.is_empty() {
        Err(Error::Reported(1))
    } else {
        Ok(())
    }
}

/// Where a file under `releases/` or `changes/` says it belongs.
enum RecordPath {
    Release(ReleaseId),
    Change(String),
}

/// Whether `rel_path` is a record file, and if so whose. Anything else
/// under `releases/` or `changes/` is a finding: rel would never read it.
fn classify(rel_path: &Path, policy: Option<&Policy>) -> std::result::Result<RecordPath, String> {
    let name = rel_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let release = rel_path.starts_with(paths::RELEASES);
    let (stem, yaml) = match name.rsplit_once('.') {
        Some((stem, "yaml")) => (stem, true),
        Some((stem, _)) => (stem, false),
        None => (name.as_str(), false),
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
                .change_pattern()
                .year_of(stem)
                .ok()
                .map(|_| RecordPath::Change(stem.to_string())),
            None => Some(RecordPath::Change(stem.to_string())),
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

/// A record file as parsed for [`check_all`].
enum Parsed {
    Release(Result<Box<Release>>),
    Change(Result<ChangeRef>),
}

/// The whole repository, as it is in the work tree.
pub fn check_all(repo: &Repo) -> Result<Outcome> {
    let mut out = Outcome::default();
    let policy = match repo.load_policy() {
        Ok(p) => Some(p),
        Err(e) => {
            out.unreadable(e)?;
            None
        }
    };
    if let Some(policy) = &policy {
        for rel in repo.calendar_paths()? {
            if let Err(e) = repo
                .read(&rel)
                .and_then(|text| crate::store::repo::parse_calendar_file(policy, &rel, &text))
            {
                out.unreadable(e)?;
            }
        }
    }

    let mut f = Findings::new(repo);
    let mut releases: Vec<(PathBuf, Release)> = vec![];
    let mut changes: Vec<(PathBuf, ChangeRef)> = vec![];
    // Records are read and parsed on every core, then judged in order.
    let files = repo.record_files()?;
    let parsed = repo.read_each(&files, |rel, text| {
        Some(match classify(rel, policy.as_ref()).ok()? {
            RecordPath::Release(_) => {
                text.map(|t| Parsed::Release(yaml::from_str(rel, &t).map(Box::new)))
            }
            RecordPath::Change(_) => text.map(|t| Parsed::Change(yaml::from_str(rel, &t))),
        })
    });
    for (rel, parsed) in files.into_iter().zip(parsed) {
        let kind = match classify(&rel, policy.as_ref()) {
            Ok(kind) => kind,
            Err(message) => {
                f.add(&rel, &[], message);
                continue;
            }
        };
        let parsed = match parsed {
            Some(Ok(parsed)) => parsed,
            Some(Err(e)) => {
                out.unreadable(e)?;
                continue;
            }
            None => continue,
        };
        match kind {
            RecordPath::Release(id) => {
                let home = paths::release(&id);
                if home != rel {
                    f.add(
                        &rel,
                        &[Seg::Key("id")],
                        format!("misplaced: {id} belongs in {}", home.display()),
                    );
                }
                let Parsed::Release(release) = parsed else {
                    continue;
                };
                match release {
                    Err(e) => out.unreadable(e)?,
                    Ok(r) if r.id != id.to_string() => f.add(
                        &rel,
                        &[Seg::Key("id")],
                        format!(
                            "id `{}` does not match the file name (expected `{id}`)",
                            r.id
                        ),
                    ),
                    Ok(r) => releases.push((rel, *r)),
                }
            }
            RecordPath::Change(id) => {
                if let Some(year) = policy
                    .as_ref()
                    .and_then(|p| p.change_pattern().year_of(&id).ok())
                {
                    let home = paths::change(&id, year);
                    if home != rel {
                        f.add(
                            &rel,
                            &[Seg::Key("id")],
                            format!("misplaced: {id} belongs in {}", home.display()),
                        );
                    }
                }
                let Parsed::Change(change) = parsed else {
                    continue;
                };
                match change {
                    Err(e) => out.unreadable(e)?,
                    Ok(c) if c.id != id => f.add(
                        &rel,
                        &[Seg::Key("id")],
                        format!(
                            "id `{}` does not match the file name (expected `{id}`)",
                            c.id
                        ),
                    ),
                    Ok(c) => changes.push((rel, c)),
                }
            }
        }
    }
    if let Some(policy) = &policy {
        check_records(policy, &releases, &changes, &mut f);
    }
    out.findings = f.list;
    Ok(out)
}

/// Cross-record checks: references, authorisation of approvals.
pub fn check_records(
    policy: &Policy,
    releases: &[(PathBuf, Release)],
    changes: &[(PathBuf, ChangeRef)],
    f: &mut Findings,
) {
    use Seg::{Index, Key};
    let change_by_id: BTreeMap<&str, &ChangeRef> =
        changes.iter().map(|(_, c)| (c.id.as_str(), c)).collect();
    let release_by_id: BTreeMap<&str, &Release> =
        releases.iter().map(|(_, r)| (r.id.as_str(), r)).collect();
    // Change id -> the live releases listing it, with the entry's index.
    let mut holders: BTreeMap<&str, Vec<(&Path, &str, usize)>> = BTreeMap::new();

    for (path, c) in changes {
        if !policy.services.contains_key(&c.service) {
            f.add(
                path,
                &[Key("service")],
                format!("service: unknown service `{}`", c.service),
            );
        }
        if let Some(rel) = &c.release {
            match release_by_id.get(rel.as_str()) {
                None => f.add(
                    path,
                    &[Key("release")],
                    format!("release: no release {rel}"),
                ),
                Some(r) if !r.changes.contains(&c.id) => f.add(
                    path,
                    &[Key("release")],
                    format!("release: {rel} does not include {}", c.id),
                ),
                Some(_) => {}
            }
        }
    }

    for (path, r) in releases {
        if !policy.services.contains_key(&r.service) {
            f.add(
                path,
                &[Key("service")],
                format!("service: unknown service `{}`", r.service),
            );
        }
        for (i, c) in r.changes.iter().enumerate() {
            let at = [Key("changes"), Index(i)];
            match change_by_id.get(c.as_str()) {
                None => f.add(path, &at, format!("changes: no change reference {c}")),
                Some(change) => {
                    if r.stage != Stage::Cancelled {
                        holders
                            .entry(c.as_str())
                            .or_default()
                            .push((path, r.id.as_str(), i));
                        if change.release.as_deref() != Some(r.id.as_str()) {
                            f.add(
                                path,
                                &at,
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
        for (i, d) in r.depends_on.iter().enumerate() {
            if !release_by_id.contains_key(d.as_str()) {
                f.add(
                    path,
                    &[Key("depends_on"), Index(i)],
                    format!("depends_on: no release {d}"),
                );
            }
        }
        for (i, a) in r.approvals.iter().enumerate() {
            let at = [Key("approvals"), Index(i), Key("by")];
            if let Err(e) = authorise(
                policy,
                &a.role,
                &r.service,
                email_of(&a.by),
                policy.local_date(a.at),
            ) {
                f.add(
                    path,
                    &at,
                    format!("approvals: {} approval as {}: {e}", a.purpose, a.role),
                );
            }
            if a.purpose == Purpose::Definition
                && !policy.approvals.self_approval
                && email_of(&a.by).eq_ignore_ascii_case(email_of(&r.planned_by))
            {
                f.add(
                    path,
                    &at,
                    format!(
                        "approvals: {} planned the release and may not approve its definition",
                        a.by
                    ),
                );
            }
        }
        let mut defect_ids = std::collections::BTreeSet::new();
        for (i, d) in r.defects.iter().enumerate() {
            if !defect_ids.insert(d.id.as_str()) {
                f.add(
                    path,
                    &[Key("defects"), Index(i), Key("id")],
                    format!("defects: {} appears twice", d.id),
                );
            }
        }
        if r.stage == Stage::Closed && r.closure.is_none() {
            f.add(
                path,
                &[Key("stage")],
                "stage: closed without closure metrics (use `rel close`)".to_string(),
            );
        }
        if r.stage == Stage::Cancelled && r.cancellation.is_none() {
            f.add(
                path,
                &[Key("stage")],
                "stage: cancelled without a reason (use `rel cancel`)".to_string(),
            );
        }
    }
    // A change in several live releases: the finding goes to every release
    // but the one its change reference names (the legitimate holder).
    for (change, list) in holders {
        if list.len() < 2 {
            continue;
        }
        let named = change_by_id.get(change).and_then(|c| c.release.as_deref());
        let ids: Vec<&str> = list.iter().map(|(_, id, _)| *id).collect();
        for (path, id, i) in &list {
            if Some(*id) == named {
                continue;
            }
            f.add(
                path,
                &[Key("changes"), Index(*i)],
                format!(
                    "changes: {change} is in several releases: {}",
                    ids.join(", ")
                ),
            );
        }
    }
}
