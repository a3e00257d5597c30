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
use std::path::Path;

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
    let kind = match classify(rel, policy) {
        Ok(kind) => kind,
        Err(message) => {
            add(&mut j.findings, rel, &[], message);
            return j;
        }
    };
    let text = match text {
        Ok(text) => text,
        Err(e) => {
            j.unreadable = Some(e);
            return j;
        }
    };
    match kind {
        RecordPath::Release(id) => {
            let home = paths::release(&id);
            if home != rel {
                add(
                    &mut j.findings,
                    rel,
                    &[Seg::Key("id")],
                    format!("misplaced: {id} belongs in {}", home.display()),
                );
            }
            match yaml::from_str::<Release>(rel, &text) {
                Err(e) => j.unreadable = Some(e),
                Ok(r) if r.id != id.to_string() => add(
                    &mut j.findings,
                    rel,
                    &[Seg::Key("id")],
                    format!(
                        "id `{}` does not match the file name (expected `{id}`)",
                        r.id
                    ),
                ),
                Ok(r) => {
                    if let Some(policy) = policy {
                        check_release(policy, rel, &r, &mut j.findings);
                    }
                    j.links = Some(Links::Release(ReleaseLinks::of(rel, &r)));
                }
            }
        }
        RecordPath::Change(id) => {
            if let Some(year) = policy.and_then(|p| p.change_pattern().year_of(&id).ok()) {
                let home = paths::change(&id, year);
                if home != rel {
                    add(
                        &mut j.findings,
                        rel,
                        &[Seg::Key("id")],
                        format!("misplaced: {id} belongs in {}", home.display()),
                    );
                }
            }
            match yaml::from_str::<ChangeRef>(rel, &text) {
                Err(e) => j.unreadable = Some(e),
                Ok(c) if c.id != id => add(
                    &mut j.findings,
                    rel,
                    &[Seg::Key("id")],
                    format!(
                        "id `{}` does not match the file name (expected `{id}`)",
                        c.id
                    ),
                ),
                Ok(c) => {
                    if let Some(policy) = policy {
                        check_change(policy, rel, &c, &mut j.findings);
                    }
                    j.links = Some(Links::Change(ChangeLinks::of(rel, &c)));
                }
            }
        }
    }
    j
}

/// The whole repository, as it is in the work tree.
pub fn check_all(repo: &Repo) -> Result<Outcome> {
    let mut out = Outcome::default();
    // One walk lists the records and the links; links are listed, never
    // followed (`releases -> /` must not be walked).
    let (files, links) = repo.records_and_links()?;
    for link in &links {
        out.findings.push(Finding::new(
            link,
            &[],
            "symlink",
            "a symbolic link: rel does not follow links inside the records root; put the file or folder itself here".into(),
        ));
    }
    for (file, message) in crate::store::interrupted::findings(repo)? {
        out.findings
            .push(Finding::new(Path::new(&file), &[], "interrupted", message));
    }
    let linked = |top: &str| links.iter().any(|l| l.starts_with(top));
    let policy = if linked(paths::POLICY) {
        None
    } else {
        match repo.load_policy() {
            Ok(p) => Some(p),
            Err(e) => {
                unreadable(&mut out, e)?;
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
                unreadable(&mut out, e)?;
            }
        }
        // What loading checks across files (a name used in two files) is
        // refused by every other command, so it fails the check too.
        if calendars_read && let Err(e) = repo.load_calendar(policy) {
            unreadable(&mut out, e)?;
        }
    }

    // Each record is read, parsed and judged on its own on every core;
    // only what the rules between records need of it is kept.
    let judged = repo.read_listed(&files, |rel, text| judge(rel, text, policy.as_ref()));
    drop(files);
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
