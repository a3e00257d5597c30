//! The release definition document (seed, "Plan the release": "Create the
//! release definition document containing" the eight items below). An item
//! the record lacks is named as missing, with the command that adds it.

use crate::calendar::local_time;
use crate::model::{ChangeRef, Purpose, Release};
use crate::policy::Policy;
use std::collections::BTreeMap;

const LONG: &str = "%a %d %b %Y %H:%M";

/// A document and the items it lacks.
#[derive(Debug, serde::Serialize)]
pub struct Document {
    pub release: String,
    pub markdown: String,
    pub missing: Vec<String>,
}

/// Adds `item` to `missing` and returns the line that says so.
pub(crate) fn lacking(missing: &mut Vec<String>, item: &str, remedy: String) -> String {
    missing.push(format!("{item} ({remedy})"));
    format!("- _Missing: {item}_ (`{remedy}`)\n")
}

pub fn render(
    r: &Release,
    changes: &BTreeMap<String, Option<ChangeRef>>,
    policy: &Policy,
) -> Document {
    let mut missing = vec![];
    let mut md = format!("# Release definition: {}\n\n", r.id);
    md.push_str(&body(r, changes, policy, &mut missing, "##"));
    Document {
        release: r.id.clone(),
        markdown: md,
        missing,
    }
}

/// The eight items, with headings at `level`; shared with the handoff
/// package, which carries the definition.
pub(crate) fn body(
    r: &Release,
    changes: &BTreeMap<String, Option<ChangeRef>>,
    policy: &Policy,
    missing: &mut Vec<String>,
    level: &str,
) -> String {
    let tz = policy.tz();
    let mut md = String::new();
    md.push_str(&format!("{level} Release identifier\n\n"));
    md.push_str(&format!(
        "- {} — {} ({} {}{})\n\n",
        r.id,
        r.title,
        r.service,
        r.kind,
        r.version
            .as_ref()
            .map(|v| format!(", version {v}"))
            .unwrap_or_default()
    ));

    md.push_str(&format!(
        "{level} Release type and classification rationale\n\n"
    ));
    md.push_str(&format!("- Type: {}\n", r.kind));
    if r.rationale.trim().is_empty() {
        md.push_str(&lacking(
            missing,
            "classification rationale",
            format!("rel amend {} --rationale \"...\"", r.id),
        ));
    } else {
        md.push_str(&format!("- Rationale: {}\n", r.rationale));
    }
    md.push('\n');

    md.push_str(&format!("{level} Included changes\n\n"));
    for id in &r.changes {
        match changes.get(id).and_then(Option::as_ref) {
            Some(c) => md.push_str(&format!(
                "- {id}: {} ({}, owner {})\n",
                c.title,
                c.status.as_str(),
                c.owner
            )),
            None => md.push_str(&lacking(
                missing,
                &format!("change reference {id}"),
                format!("rel change add {id} ..."),
            )),
        }
    }
    md.push('\n');

    md.push_str(&format!("{level} Target deployment date and window\n\n"));
    md.push_str(&format!(
        "- {} to {} ({}, {})\n",
        local_time::format_local(tz, r.window.start, LONG),
        local_time::format_local(tz, r.window.end(), LONG),
        r.window.duration,
        policy.timezone
    ));
    for m in &r.reschedules {
        md.push_str(&format!(
            "- Moved from {} on {}{}\n",
            local_time::format_local(tz, m.from.start, LONG),
            local_time::format_local(tz, m.at, "%Y-%m-%d"),
            m.reason
                .as_ref()
                .map(|x| format!(": {x}"))
                .unwrap_or_default()
        ));
    }
    md.push('\n');

    md.push_str(&format!("{level} Environment promotion schedule\n\n"));
    let s = &r.schedule;
    for (name, date) in [
        ("Planning completion", s.planning),
        ("Build completion", s.build),
        ("Test completion", s.test),
        ("Staging acceptance", s.staging),
        ("Production deployment", s.deployment),
    ] {
        md.push_str(&format!("- {name}: {}\n", date.format("%a %d %b %Y")));
    }
    md.push('\n');

    md.push_str(&format!(
        "{level} Resource requirements (personnel, environments, tools)\n\n"
    ));
    if r.people.is_empty() {
        md.push_str(&lacking(
            missing,
            "key personnel",
            format!("rel amend {} --person EMAIL", r.id),
        ));
    } else {
        md.push_str(&format!("- Personnel: {}\n", r.people.join(", ")));
    }
    if r.resources.is_empty() {
        md.push_str(&lacking(
            missing,
            "environments and tools",
            format!("rel amend {} --resource \"...\"", r.id),
        ));
    } else {
        for x in &r.resources {
            md.push_str(&format!("- {x}\n"));
        }
    }
    md.push('\n');

    md.push_str(&format!("{level} Risk assessment summary\n\n"));
    match r.risk.as_ref().filter(|k| !k.summary.trim().is_empty()) {
        Some(k) => md.push_str(&format!("- {} risk: {}\n", k.level, k.summary)),
        None => md.push_str(&lacking(
            missing,
            "risk assessment summary",
            format!("rel amend {} --risk \"...\"", r.id),
        )),
    }
    md.push_str(&format!("- Impact: {}\n\n", r.impact));

    md.push_str(&format!("{level} Rollback constraints and time limits\n\n"));
    match &r.rollback {
        Some(rb) => {
            md.push_str(&format!(
                "- Rollback possible within {} of deployment\n",
                rb.window
            ));
            if rb.procedure.trim().is_empty() {
                md.push_str(&lacking(
                    missing,
                    "rollback procedure",
                    format!("rel amend {} --rollback-procedure \"...\"", r.id),
                ));
            } else {
                md.push_str(&format!("- Procedure: {}\n", rb.procedure));
            }
        }
        None => md.push_str(&lacking(
            missing,
            "rollback window and procedure",
            format!(
                "rel amend {} --rollback-window 4h --rollback-procedure \"...\"",
                r.id
            ),
        )),
    }
    md.push('\n');

    md.push_str(&format!("{level} Approval\n\n"));
    let approvals: Vec<String> = r
        .approvals_for(Purpose::Definition)
        .map(|a| {
            format!(
                "- {} by {} at {}{}\n",
                a.role,
                a.by,
                local_time::format_local(tz, a.at, LONG),
                if r.approval_current(a) {
                    ""
                } else {
                    " (given for an earlier window; no longer counts)"
                }
            )
        })
        .collect();
    if approvals.is_empty() {
        md.push_str("- Not yet approved\n");
    }
    for a in approvals {
        md.push_str(&a);
    }
    md
}
