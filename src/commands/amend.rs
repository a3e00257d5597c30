//! `rel amend ID`: corrects a release's details after planning, one commit
//! naming each field that changed. The booking itself (service, type,
//! changes, window) is not amended: the calendar and change rules judged it,
//! so a different booking is a new plan (`rel cancel`, then `rel plan`).
//! Evidence is never amended.

use super::{Ctx, Loaded, commit_release, message, print_json};
use crate::cli::AmendArgs;
use crate::error::{Error, Result};
use crate::model::version::Version;
use crate::model::{Duration, Impact, Release, ReleaseId, Risk, Rollback, Stage};
use crate::store::paths;

pub fn run(ctx: &Ctx, a: AmendArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    let before = loaded.release.clone();
    if !matches!(
        before.stage,
        Stage::Plan | Stage::Build | Stage::Test | Stage::Stage
    ) {
        return Err(Error::refused(format!(
            "{} is in {}: a release is amended before it is deployed",
            before.id, before.stage
        )));
    }
    let mut r = before.clone();
    if let Some(t) = a.title {
        r.title = non_empty("--title", t)?;
    }
    if let Some(t) = a.rationale {
        r.rationale = t;
    }
    if let Some(i) = a.impact {
        r.impact = Impact::parse_flag("--impact", &i)?;
        if let Some(risk) = r.risk.as_mut() {
            risk.level = r.impact;
        }
    }
    if let Some(summary) = a.risk {
        r.risk = Some(Risk {
            level: r.impact,
            summary,
        });
    }
    match (a.rollback_window, a.rollback_procedure) {
        (None, None) => {}
        (window, procedure) => {
            let window = match window {
                Some(w) => Duration::parse(&w)
                    .map_err(|e| Error::usage(format!("--rollback-window: {e}")))?,
                None => match &r.rollback {
                    Some(old) => old.window,
                    None => {
                        return Err(Error::usage(
                            "--rollback-procedure needs --rollback-window (the release has none yet)",
                        ));
                    }
                },
            };
            let procedure = procedure
                .or_else(|| r.rollback.as_ref().map(|old| old.procedure.clone()))
                .unwrap_or_default();
            r.rollback = Some(Rollback { window, procedure });
        }
    }
    if a.no_depends_on {
        r.depends_on.clear();
    } else if !a.depends_on.is_empty() {
        let mut ids = vec![];
        for d in &a.depends_on {
            let id = ReleaseId::parse(d).map_err(|e| Error::usage(format!("--depends-on: {e}")))?;
            if id.to_string() == r.id {
                return Err(Error::usage(
                    "--depends-on: a release cannot depend on itself",
                ));
            }
            if !loaded.repo.root.join(paths::release(&id)).exists() {
                return Err(Error::usage(format!("--depends-on: no release {id}")));
            }
            if !ids.contains(&id.to_string()) {
                ids.push(id.to_string());
            }
        }
        r.depends_on = ids;
    }
    if !a.people.is_empty() {
        r.people = a.people;
    }
    if !a.resources.is_empty() {
        r.resources = a.resources;
    }
    if !a.requires.is_empty() {
        r.requires = a.requires;
    }
    if let Some(n) = a.notes {
        r.notes = (!n.trim().is_empty()).then_some(n);
    }
    if let Some(v) = a.version {
        if !matches!(r.stage, Stage::Plan | Stage::Build) {
            return Err(Error::refused(format!(
                "{} is in {}: its version is the one its build was verified with (rel demote for a new build)",
                r.id, r.stage
            )));
        }
        let versioning = loaded
            .policy
            .services
            .get(&r.service)
            .map(|s| s.versioning)
            .unwrap_or_default();
        Version::parse(versioning, &v).map_err(|e| Error::usage(format!("--version: {e}")))?;
        r.version = Some(v);
    }

    let changed = changed_fields(&before, &r);
    if changed.is_empty() {
        return Err(Error::usage(format!(
            "nothing to amend: give a field that differs from {} (see rel amend --help)",
            r.id
        )));
    }
    let text = format!("amend {}", changed.join(", "));
    let msg = message(&r, "amend", &text, None, None, &[]);
    commit_release(&loaded.repo, &r, &msg)?;
    if ctx.json() {
        print_json(&r)
    } else {
        println!("{}: {text}", r.id);
        Ok(())
    }
}

fn non_empty(flag: &str, text: String) -> Result<String> {
    if text.trim().is_empty() {
        Err(Error::usage(format!("{flag}: must not be empty")))
    } else {
        Ok(text)
    }
}

/// The names of the fields that differ, in record order.
fn changed_fields(a: &Release, b: &Release) -> Vec<&'static str> {
    let mut out = vec![];
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("title", a.title != b.title);
    check("version", a.version != b.version);
    check("rationale", a.rationale != b.rationale);
    check("impact", a.impact != b.impact);
    check("risk", a.risk != b.risk);
    check("rollback", a.rollback != b.rollback);
    check("people", a.people != b.people);
    check("resources", a.resources != b.resources);
    check("depends_on", a.depends_on != b.depends_on);
    check("requires", a.requires != b.requires);
    check("notes", a.notes != b.notes);
    out
}
