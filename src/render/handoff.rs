//! The handoff package for the deployment team (seed, "Hand off to
//! deployment": the documentation that goes with the package, and the
//! release-specific briefing). An item the record lacks is named as
//! missing, with the command that adds it.

use super::definition::{Document, body, lacking};
use crate::calendar::local_time;
use crate::model::{ChangeRef, DefectStatus, Purpose, ReadinessItem, Release};
use crate::policy::Policy;
use std::collections::BTreeMap;

const LONG: &str = "%a %d %b %Y %H:%M";

pub fn render(
    r: &Release,
    changes: &BTreeMap<String, Option<ChangeRef>>,
    policy: &Policy,
) -> Document {
    let tz = policy.tz();
    let mut missing = vec![];
    let mut md = format!("# Handoff package: {} — {}\n\n", r.id, r.title);
    md.push_str(&format!(
        "Window: {} to {} ({})\n\n",
        local_time::format_local(tz, r.window.start, LONG),
        local_time::format_local(tz, r.window.end(), LONG),
        policy.timezone
    ));

    md.push_str("## 1. Release definition document\n\n");
    md.push_str(&body(r, changes, policy, &mut missing, "###"));
    md.push('\n');

    md.push_str("## 2. Deployment runbook\n\n");
    match &r.runbook {
        Some(rb) => md.push_str(&format!("- Runbook: {rb}\n")),
        None => md.push_str(&lacking(
            &mut missing,
            "deployment runbook",
            format!("rel amend {} --runbook URL", r.id),
        )),
    }
    let review = r.current_readiness();
    let confirmed = |item: ReadinessItem| review.is_some_and(|v| v.confirmed.contains(&item));
    md.push_str(&format!(
        "- Validated steps: {}\n\n",
        if confirmed(ReadinessItem::RunbookValidated) {
            "confirmed at the readiness review"
        } else {
            "not yet confirmed (readiness review: runbook-validated)"
        }
    ));

    md.push_str("## 3. Rollback procedures and decision criteria\n\n");
    match &r.rollback {
        Some(rb) => {
            md.push_str(&format!(
                "- Procedure: {}\n",
                if rb.procedure.trim().is_empty() {
                    "(not written)"
                } else {
                    &rb.procedure
                }
            ));
            md.push_str(&format!(
                "- Time limit: rollback possible within {} of deployment\n",
                rb.window
            ));
        }
        None => md.push_str(&lacking(
            &mut missing,
            "rollback procedure and time limit",
            format!(
                "rel amend {} --rollback-window 4h --rollback-procedure \"...\"",
                r.id
            ),
        )),
    }
    md.push_str(&format!(
        "- Trigger conditions: post-deployment verification fails, or the deployment cannot complete by the end of the window ({})\n",
        local_time::format_local(tz, r.window.end(), LONG)
    ));
    md.push_str(&format!(
        "- Rollback tested: {}\n\n",
        if confirmed(ReadinessItem::RollbackTested) {
            "confirmed at the readiness review"
        } else {
            "not yet confirmed (readiness review: rollback-tested)"
        }
    ));

    md.push_str("## 4. Test results and acceptance sign-off\n\n");
    let runs: Vec<_> = r.current_tests().collect();
    if runs.is_empty() {
        md.push_str(&lacking(
            &mut missing,
            "test results",
            format!("rel record {} test --category ...", r.id),
        ));
    }
    for t in runs {
        md.push_str(&format!(
            "- {}{}: {} passed, {} failed, {} blocked\n",
            t.category,
            t.scope
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            t.passed,
            t.failed,
            t.blocked
        ));
    }
    let signed: Vec<_> = r
        .approvals_for(Purpose::Acceptance)
        .filter(|a| r.approval_current(a))
        .collect();
    if signed.is_empty() {
        md.push_str(&lacking(
            &mut missing,
            "acceptance sign-off",
            format!("rel approve {} --role service-owner --for acceptance", r.id),
        ));
    }
    for a in signed {
        md.push_str(&format!(
            "- Accepted by {} ({}) at {}\n",
            a.by,
            a.role,
            local_time::format_local(tz, a.at, LONG)
        ));
    }
    md.push('\n');

    md.push_str("## 5. Known issues\n\n");
    let known: Vec<_> = r
        .defects
        .iter()
        .filter(|d| d.status == DefectStatus::KnownIssue && !d.post_deploy)
        .collect();
    if known.is_empty() {
        md.push_str("- None\n");
    }
    for d in known {
        md.push_str(&format!(
            "- {} ({}): {} — workaround: {}\n",
            d.id,
            d.severity,
            d.title,
            d.workaround.as_deref().unwrap_or("none")
        ));
    }
    md.push('\n');

    md.push_str("## 6. Contacts (release manager and technical leads)\n\n");
    md.push_str(&format!("- Release manager: {}\n", r.planned_by));
    if r.contacts.is_empty() {
        md.push_str(&lacking(
            &mut missing,
            "technical lead contacts",
            format!("rel amend {} --contact \"Name <email>\"", r.id),
        ));
    }
    for c in &r.contacts {
        md.push_str(&format!("- {c}\n"));
    }
    md.push('\n');

    md.push_str("## Briefing\n\n");
    md.push_str("### Sequence dependencies between components\n\n");
    if r.depends_on.is_empty() {
        md.push_str("- No release must be deployed first\n");
    }
    for d in &r.depends_on {
        md.push_str(&format!("- Deploy after {d}\n"));
    }
    if let Some(svc) = policy.services.get(&r.service)
        && !svc.depends_on.is_empty()
    {
        md.push_str(&format!(
            "- {} depends on: {}\n",
            r.service,
            svc.depends_on.join(", ")
        ));
    }
    md.push_str("\n### Configuration changes requiring coordination\n\n");
    if r.requires.is_empty() {
        md.push_str("- None recorded\n");
    }
    for x in &r.requires {
        md.push_str(&format!("- {x}\n"));
    }
    md.push_str("\n### Verification checkpoints and expected results\n\n");
    md.push_str(&match r.current_build() {
        Some(b) => format!(
            "- Package {}: build verification {}\n",
            b.package.as_deref().unwrap_or("(no location recorded)"),
            b.verification
        ),
        None => lacking(
            &mut missing,
            "build verification",
            format!("rel record {} build --verification passed", r.id),
        ),
    });
    md.push_str("- Smoke tests pass in production; services respond to health checks\n");
    md.push_str(&format!(
        "- Monitoring dashboards: {}\n",
        if confirmed(ReadinessItem::MonitoringConfigured) {
            "configured (readiness review)"
        } else {
            "not yet confirmed (readiness review: monitoring-configured)"
        }
    ));
    md.push_str(&format!(
        "- Report the result: rel deploy {} --status successful|partial|rolled-back --started TIME --duration D --verification passed|failed\n",
        r.id
    ));
    md.push_str("\n### Rollback trigger conditions and time limits\n\n");
    match &r.rollback {
        Some(rb) => md.push_str(&format!(
            "- Roll back when verification fails; the decision is taken within {} of deployment\n",
            rb.window
        )),
        None => md.push_str("- No rollback time limit recorded (see section 3)\n"),
    }
    md.push_str("\n### Escalation path for deployment issues\n\n");
    md.push_str(&format!(
        "1. Release manager: {} (available throughout the window; authorises rollback)\n",
        r.planned_by
    ));
    let owners = policy
        .services
        .get(&r.service)
        .map(|s| s.owners.join(", "))
        .unwrap_or_default();
    md.push_str(&format!(
        "2. Service owner: {}\n",
        if owners.is_empty() {
            "(none in policy.yaml)".to_string()
        } else {
            owners
        }
    ));
    if !r.contacts.is_empty() {
        md.push_str(&format!("3. Technical leads: {}\n", r.contacts.join(", ")));
    }
    Document {
        release: r.id.clone(),
        markdown: md,
        missing,
    }
}
