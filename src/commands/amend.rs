//! `rel amend ID`: corrects a release's details after planning, one commit
//! naming each field that changed. The booking itself (service, type,
//! changes, window) is not amended: the calendar and change rules judged it,
//! so a different window is `rel reschedule` and a different booking a new
//! plan (`rel cancel`, then `rel plan`).
//! Evidence is never amended.

use super::{Ctx, Loaded, commit_release, message, print_json};
use crate::cli::AmendArgs;
use crate::error::{Error, Result};
use crate::model::{Amendment, Impact, Release, Risk, Stage};

pub fn run(ctx: &Ctx, a: AmendArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("amend", ctx.now)?;
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
    r.rollback =
        super::rollback_flags(a.rollback_window, a.rollback_procedure, r.rollback.as_ref())?;
    if a.no_depends_on {
        r.depends_on.clear();
    } else if !a.depends_on.is_empty() {
        r.depends_on = super::depends_on_flag(&loaded.repo, &a.depends_on, Some(&r.id))?;
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
    if let Some(rb) = a.runbook {
        r.runbook = (!rb.trim().is_empty()).then_some(rb);
    }
    if !a.contacts.is_empty() {
        r.contacts = a.contacts;
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
        super::version_flag(&loaded.policy, &r.service, &v)?;
        r.version = Some(v);
    }

    let changed = changed_fields(&before, &r);
    if changed.is_empty() {
        return Err(Error::usage(format!(
            "nothing to amend: give a field that differs from {} (see rel amend --help)",
            r.id
        )));
    }
    // Approved content changed: the edit is kept in the record so that the
    // approvals it voids can name it (SPEC 3.2).
    let approved: Vec<String> = changed
        .iter()
        .filter(|f| APPROVED_CONTENT.contains(f))
        .map(|f| f.to_string())
        .collect();
    if !approved.is_empty() {
        r.amendments.push(Amendment {
            fields: approved,
            by: loaded.actor.clone(),
            at: ctx.now,
        });
    }
    let voided = super::voided_approvals(&before, &r);
    let text = format!("amend {}", changed.join(", "));
    let mut msg = message(&r, "amend", &text, None, None, &[]);
    msg.body = voided.join("\n");
    commit_release(&loaded.repo, &r, &msg)?;
    if ctx.json() {
        print_json(&r)
    } else {
        println!("{}: {text}", r.id);
        for v in &voided {
            println!("{v}");
        }
        Ok(())
    }
}

/// Fields an approval's digest covers (model/digest.rs).
const APPROVED_CONTENT: &[&str] = &[
    "version",
    "rationale",
    "impact",
    "risk",
    "rollback",
    "people",
    "resources",
    "depends_on",
];

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
    check("runbook", a.runbook != b.runbook);
    check("contacts", a.contacts != b.contacts);
    check("notes", a.notes != b.notes);
    out
}
