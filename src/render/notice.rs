//! Stakeholder notifications (seed, "Schedule and communicate": "Notification
//! content includes: deployment date and time, expected duration, affected
//! services, user actions required (if any), and contact information for
//! questions"; "Close the release": the success notification confirms
//! deployment completed, services are operational and users can resume
//! normal activity, with contact information for reporting issues).

use crate::calendar::{Calendar, business_days, local_time};
use crate::model::{DefectStatus, DeploymentStatus, Impact, Release};
use crate::policy::Policy;
use serde::Serialize;

/// A notification's text and its parts, for `--json`.
#[derive(Debug, Serialize)]
pub struct Notice {
    pub release: String,
    /// `advance` or `completion`.
    pub kind: &'static str,
    pub audience: String,
    pub subject: String,
    /// The parts the seed lists, by name.
    pub content: Vec<(String, String)>,
    /// Items the record lacks, named rather than left out.
    pub missing: Vec<String>,
    pub text: String,
}

/// The seed's audiences for an impact level ("Notification timing depends
/// on release impact").
pub fn seed_audience(impact: Impact) -> &'static str {
    match impact {
        Impact::High => "All users, leadership, partners",
        Impact::Medium => "Affected users, support team",
        Impact::Low => "Technical teams",
    }
}

const LONG: &str = "%a %d %b %Y %H:%M";

/// The service and every service that depends on it, directly or not.
pub fn affected_services(policy: &Policy, service: &str) -> Vec<String> {
    let mut out = vec![service.to_string()];
    let mut i = 0;
    while i < out.len() {
        let s = out[i].clone();
        for (name, svc) in &policy.services {
            if svc.depends_on.contains(&s) && !out.contains(name) {
                out.push(name.clone());
            }
        }
        i += 1;
    }
    out
}

fn contacts(r: &Release, missing: &mut Vec<String>) -> String {
    if r.contacts.is_empty() {
        missing.push(format!(
            "contact information: no contacts recorded (rel amend {} --contact ...)",
            r.id
        ));
        "(missing: no contacts recorded)".to_string()
    } else {
        r.contacts.join("; ")
    }
}

fn finish(
    r: &Release,
    kind: &'static str,
    audience: String,
    subject: String,
    content: Vec<(String, String)>,
    missing: Vec<String>,
) -> Notice {
    let mut text = format!("To: {audience}\nSubject: {subject}\n\n");
    for (k, v) in &content {
        text.push_str(&format!("{k}: {v}\n"));
    }
    Notice {
        release: r.id.clone(),
        kind,
        audience,
        subject,
        content,
        missing,
        text,
    }
}

/// The advance notice of a deployment.
pub fn advance(
    r: &Release,
    policy: &Policy,
    calendar: &Calendar,
    audience: Option<&str>,
) -> Notice {
    let tz = policy.tz();
    let mut missing = vec![];
    let audience = audience.unwrap_or(seed_audience(r.impact)).to_string();
    let start = local_time::format_local(tz, r.window.start, LONG);
    let end = local_time::format_local(tz, r.window.end(), LONG);
    let title = match &r.version {
        Some(v) => format!("{} {v}", r.service),
        None => r.service.clone(),
    };
    let subject = format!("Planned deployment of {title} on {start} ({})", r.id);
    let mut actions = vec![match r.impact {
        Impact::High => {
            "the service is unavailable during the window; save your work and sign out before it starts"
                .to_string()
        }
        Impact::Medium => {
            "the service may be slow or partly unavailable during the window".to_string()
        }
        Impact::Low => "none: the deployment is transparent to users".to_string(),
    }];
    for d in r
        .defects
        .iter()
        .filter(|d| d.status == DefectStatus::KnownIssue && !d.post_deploy)
    {
        actions.push(format!(
            "known issue {}: {} (workaround: {})",
            d.id,
            d.title,
            d.workaround.as_deref().unwrap_or("none")
        ));
    }
    let deploy_day = local_time::to_local(tz, r.window.start).date_naive();
    let days = policy.lead_times.for_impact(r.impact);
    let send_by = business_days::before(deploy_day, days, &calendar.holidays);
    let content = vec![
        (
            "Date and time".to_string(),
            format!("{start} ({})", policy.timezone),
        ),
        (
            "Expected duration".to_string(),
            format!("{} (until {end})", r.window.duration),
        ),
        (
            "Affected services".to_string(),
            affected_services(policy, &r.service).join(", "),
        ),
        ("User actions required".to_string(), actions.join("; ")),
        (
            "Contact for questions".to_string(),
            contacts(r, &mut missing),
        ),
        (
            "Send by".to_string(),
            format!(
                "{send_by} ({} impact: {days} business day(s) before)",
                r.impact
            ),
        ),
    ];
    finish(r, "advance", audience, subject, content, missing)
}

/// The notice of deployment completion, worded for how it ended. The
/// release has a deployment confirmation.
pub fn completion(r: &Release, policy: &Policy, audience: Option<&str>) -> Notice {
    let tz = policy.tz();
    let mut missing = vec![];
    let audience = audience.unwrap_or(seed_audience(r.impact)).to_string();
    let title = match &r.version {
        Some(v) => format!("{} {v}", r.service),
        None => r.service.clone(),
    };
    let d = r.deployment.as_ref().expect("a deployment confirmation");
    let started = local_time::format_local(tz, d.started, LONG);
    let (subject, outcome) = match d.status {
        DeploymentStatus::Successful => (
            format!("Deployment of {title} completed ({})", r.id),
            "the deployment completed; services are operational and you can resume normal activity"
                .to_string(),
        ),
        DeploymentStatus::Partial => (
            format!("Deployment of {title} partly completed ({})", r.id),
            "the deployment was only partly completed; services are operational with the limitations below"
                .to_string(),
        ),
        DeploymentStatus::RolledBack => (
            format!("Deployment of {title} rolled back ({})", r.id),
            "the deployment was rolled back; the previous version is restored and services are operational"
                .to_string(),
        ),
    };
    let mut content = vec![
        ("Outcome".to_string(), outcome),
        (
            "Deployed".to_string(),
            format!("{started} ({}) for {}", policy.timezone, d.duration),
        ),
        (
            "Affected services".to_string(),
            affected_services(policy, &r.service).join(", "),
        ),
    ];
    if !d.issues.is_empty() {
        content.push(("Issues encountered".to_string(), d.issues.join("; ")));
    }
    if !d.follow_up.is_empty() {
        content.push(("Follow-up actions".to_string(), d.follow_up.join("; ")));
    }
    content.push((
        "To report any issues".to_string(),
        contacts(r, &mut missing),
    ));
    finish(r, "completion", audience, subject, content, missing)
}
