//! `rel check`: validate every record against schema, references and policy
//! (what CI runs on a pull request). Every problem is reported, not just the
//! first: findings exit 1; files that cannot be read (malformed YAML, an
//! unknown field) cannot be judged and exit 3, after all of them are listed.

use super::{Ctx, print_json};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::{Error, Result};
use crate::model::{ChangeRef, Release};
use crate::policy::Policy;
use crate::review::{
    ChangeLinks, Finding, Outcome, ReleaseLinks, check_change, check_links, check_release,
};
use crate::store::record_path::{RecordPath, classify};
use crate::store::yaml::{self, Seg};
use crate::store::{Repo, paths};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn add(f: &mut Vec<Finding>, file: &Path, at: &[Seg], message: String) {
    f.push(Finding::new(file, at, "placement", message));
}

/// A file that cannot be read, as a finding; errors not tied to a file
/// are returned.
pub fn unreadable(out: &mut Outcome, e: Error) -> Result<()> {
    let Error::File { path, message } = e else {
        return Err(e);
    };
    out.unreadable(&path, &message);
    Ok(())
}

/// Puts each finding on the line of the YAML node it concerns, in the work
/// tree's version of its file.
fn locate(repo: &Repo, outcome: &mut Outcome) {
    let mut texts: BTreeMap<String, Option<String>> = BTreeMap::new();
    for f in outcome.findings.iter_mut().chain(&mut outcome.notes) {
        if f.line.is_some() || f.at.is_empty() {
            continue;
        }
        f.line = texts
            .entry(f.file.clone())
            .or_insert_with(|| repo.read(Path::new(&f.file)).ok())
            .as_deref()
            .and_then(|text| yaml::line_of(text, &f.at));
    }
}

pub fn run(ctx: &Ctx, a: CheckArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let mut outcome = match &a.base {
        Some(base) => super::check_base::check_base(&repo, base)?,
        None => check_all(&repo)?,
    };
    locate(&repo, &mut outcome);
    report(ctx, a.format, &repo.prefix(), outcome)
}

/// Prints the outcome and sets the exit code: 3 when a file cannot be read,
/// else 1 when there are findings. GitHub annotations name files from the
/// top of the work tree, which is where GitHub looks for them.
pub fn report(ctx: &Ctx, format: CheckFormat, prefix: &Path, mut outcome: Outcome) -> Result<()> {
    outcome.tidy();
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
        let github = |kind: &str, f: &Finding| {
            println!(
                "{}",
                crate::render::annotation::github(kind, &github_file(f), f.line, &f.message)
            )
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

/// A record file read and placed: the record, when it could be parsed
/// under the id its file name gives.
enum Record {
    Release(Box<Release>),
    Change(Box<ChangeRef>),
}

/// One file under `releases/` or `changes/`: where it is (findings on its
/// place added to `findings`) and its record, or the error that kept it
/// from being read.
fn read_record(
    rel: &Path,
    text: Result<String>,
    policy: Option<&Policy>,
    findings: &mut Vec<Finding>,
) -> Result<Option<Record>> {
    let kind = match classify(rel, policy) {
        Ok(kind) => kind,
        Err(message) => {
            add(findings, rel, &[], message);
            return Ok(None);
        }
    };
    let text = text?;
    let misplaced = |findings: &mut Vec<Finding>, rel: &Path, id: &str, home: &Path| {
        let message = format!("misplaced: {id} belongs in {}", home.display());
        add(findings, rel, &[Seg::Key("id")], message);
    };
    let misnamed = |found: &str, expected: &str| {
        format!("id `{found}` does not match the file name (expected `{expected}`)")
    };
    match kind {
        RecordPath::Release(id) => {
            if !paths::is_release(rel, &id) {
                misplaced(findings, rel, &id.to_string(), &paths::release(&id));
            }
            let r = yaml::from_str::<Release>(rel, &text)?;
            if !id.is(&r.id) {
                add(
                    findings,
                    rel,
                    &[Seg::Key("id")],
                    misnamed(&r.id, &id.to_string()),
                );
                return Ok(None);
            }
            Ok(Some(Record::Release(Box::new(r))))
        }
        RecordPath::Change(id, year) => {
            if let Some(year) = year
                && !paths::is_change(rel, &id, year)
            {
                misplaced(findings, rel, &id, &paths::change(&id, year));
            }
            let c = yaml::from_str::<ChangeRef>(rel, &text)?;
            if c.id != id {
                add(findings, rel, &[Seg::Key("id")], misnamed(&c.id, &id));
                return Ok(None);
            }
            Ok(Some(Record::Change(Box::new(c))))
        }
    }
}

/// What [`check_all`] keeps of one record file, judged on its own where
/// it was read: the findings on it alone, the error that kept it from
/// being read, and what the rules between records need of it.
#[derive(Default)]
struct Judged {
    findings: Vec<Finding>,
    unreadable: Option<Error>,
    links: Option<Links>,
}

enum Links {
    Release(ReleaseLinks),
    Change(ChangeLinks),
}

/// One file under `releases/` or `changes/`: where it is, whether it can
/// be read, and (with a policy) the rules on the record alone.
fn judge(rel: &Path, text: Result<String>, policy: Option<&Policy>) -> Judged {
    let mut j = Judged::default();
    match read_record(rel, text, policy, &mut j.findings) {
        Err(e) => j.unreadable = Some(e),
        Ok(None) => {}
        Ok(Some(Record::Release(r))) => {
            if let Some(policy) = policy {
                check_release(policy, rel, &r, &mut j.findings);
            }
            j.links = Some(Links::Release(ReleaseLinks::of(rel, &r)));
        }
        Ok(Some(Record::Change(c))) => {
            if let Some(policy) = policy {
                check_change(policy, rel, &c, &mut j.findings);
            }
            j.links = Some(Links::Change(ChangeLinks::of(rel, &c)));
        }
    }
    j
}

/// A symbolic link where a record or a folder of them belongs.
pub fn symlink_finding(link: &Path) -> Finding {
    Finding::new(
        link,
        &[],
        "symlink",
        "a symbolic link: rel does not follow links inside the records root; put the file or folder itself here".into(),
    )
}

/// The whole repository, as it is in the work tree.
pub fn check_all(repo: &Repo) -> Result<Outcome> {
    let mut out = Outcome::default();
    // Links are listed, never followed (`releases -> /` must not be
    // walked): one where the rules are keeps them from being read.
    let rule_links = repo.rule_links()?;
    for link in &rule_links {
        out.findings.push(symlink_finding(link));
    }
    // What an interrupted command left is looked for on a thread of its
    // own while the records are read.
    let git = repo.reopen_git()?;
    let (prefix, workdir) = (repo.prefix(), repo.workdir.clone());
    let (interrupted, judged) = std::thread::scope(|s| {
        let interrupted =
            s.spawn(move || crate::store::interrupted::findings_at(&git, &prefix, &workdir));
        let judged = load_rules(repo, &rule_links, &mut out).and_then(|policy| {
            // Each record is read, parsed and judged on its own on every
            // core as the walk lists it; only what the rules between
            // records need of it is kept.
            let (judged, links) =
                repo.read_records(|rel, text| judge(rel, text, policy.as_ref()))?;
            Ok((policy, judged, links))
        });
        let interrupted = interrupted
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (interrupted, judged)
    });
    for (file, message) in interrupted? {
        out.findings
            .push(Finding::new(Path::new(&file), &[], "interrupted", message));
    }
    let (policy, judged, links) = judged?;
    for link in &links {
        out.findings.push(symlink_finding(link));
    }
    let mut f: Vec<Finding> = vec![];
    let mut releases: Vec<ReleaseLinks> = vec![];
    let mut changes: Vec<ChangeLinks> = vec![];
    for j in judged {
        f.extend(j.findings);
        if let Some(e) = j.unreadable {
            unreadable(&mut out, e)?;
        }
        match j.links {
            Some(Links::Release(r)) => releases.push(r),
            Some(Links::Change(c)) => changes.push(c),
            None => {}
        }
    }
    if policy.is_some() {
        check_links(&releases, &changes, &mut f);
    }
    out.findings.extend(f);
    Ok(out)
}

/// The work tree's policy and calendars, each file that cannot be read
/// listed in `out`; a symbolic link (in `links`) is not read.
pub fn load_rules(repo: &Repo, links: &[PathBuf], out: &mut Outcome) -> Result<Option<Policy>> {
    let linked = |top: &str| links.iter().any(|l| l.starts_with(top));
    let policy = if linked(paths::POLICY) {
        None
    } else {
        match repo.load_policy() {
            Ok(p) => Some(p),
            Err(e) => {
                unreadable(out, e)?;
                None
            }
        }
    };
    if let Some(policy) = &policy
        && !linked(paths::CALENDARS)
    {
        let mut calendars_read = true;
        for rel in repo.calendar_paths()? {
            if let Err(e) = repo
                .read(&rel)
                .and_then(|text| crate::store::repo::parse_calendar_file(policy, &rel, &text))
            {
                calendars_read = false;
                unreadable(out, e)?;
            }
        }
        // What loading checks across files (a name used in two files) is
        // refused by every other command, so it fails the check too.
        if calendars_read && let Err(e) = repo.load_calendar(policy) {
            unreadable(out, e)?;
        }
    }
    Ok(policy)
}

/// Records parsed for `check_records`: `(findings on their place,
/// releases, changes)`.
pub type Placed = (
    Vec<Finding>,
    Vec<(PathBuf, Release)>,
    Vec<(PathBuf, ChangeRef)>,
);

/// Each of `files` (under `releases/` and `changes/`) read from the work
/// tree, its place checked and parsed; files that cannot be read are
/// listed in `out`.
pub fn judge_files(
    repo: &Repo,
    policy: Option<&Policy>,
    files: Vec<PathBuf>,
    out: &mut Outcome,
) -> Result<Placed> {
    let (mut f, mut releases, mut changes) = (vec![], vec![], vec![]);
    // Records are read and parsed on every core, then taken in order.
    let read = repo.read_each(&files, |rel, text| {
        let mut f = vec![];
        let record = read_record(rel, text, policy, &mut f);
        (f, record)
    });
    for (rel, (found, record)) in files.into_iter().zip(read) {
        f.extend(found);
        match record {
            Err(e) => unreadable(out, e)?,
            Ok(None) => {}
            Ok(Some(Record::Release(r))) => releases.push((rel, *r)),
            Ok(Some(Record::Change(c))) => changes.push((rel, *c)),
        }
    }
    Ok((f, releases, changes))
}
