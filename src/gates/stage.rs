//! Stage -> deploy: acceptance sign-off, readiness review, notifications,
//! go decision, dependencies (seed, "Stage for acceptance" and "Schedule and
//! communicate").

use super::definition::valid_approvers;
use super::{GateContext, Outcome, list};
use crate::calendar::{business_days, local_time};
use crate::model::{DeploymentStatus, Purpose, Stage};

pub fn acceptance(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let roles = &ctx.policy.approvals.acceptance;
    for role in roles {
        let approvers = valid_approvers(r, ctx.policy, Purpose::Acceptance, role);
        if !approvers.is_empty() {
            return Outcome::pass(format!(
                "acceptance signed off by {} ({role}){}",
                approvers.into_iter().collect::<Vec<_>>().join(", "),
                super::definition::legacy_note(r, Purpose::Acceptance)
            ));
        }
    }
    let void: String = super::definition::void_notes(r, Purpose::Acceptance)
        .iter()
        .map(|v| format!("; {v}"))
        .collect();
    Outcome::fail(
        format!(
            "no acceptance sign-off by {}{void}",
            roles
                .iter()
                .map(|r| if r == crate::policy::auth::SERVICE_OWNER {
                    "a service owner or an active delegate".to_string()
                } else {
                    format!("role {r}")
                })
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        format!(
            "rel approve {} --role {} --for acceptance",
            r.id,
            roles.first().map(String::as_str).unwrap_or("service-owner")
        ),
    )
}

/// Every audience the impact level names notified by the lead time (seed
/// table "Notification timing depends on release impact"). A notification
/// counts only if sent after the booking it announces, for the current
/// window, and not as a completion notice.
pub fn notifications(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let tz = ctx.policy.tz();
    let days = ctx.policy.lead_days(r.impact);
    let required = ctx.policy.audiences(r.impact);
    let deploy_day = local_time::to_local(tz, r.window.start).date_naive();
    let latest = business_days::before(deploy_day, days, &ctx.calendar.holidays);
    let notice = if days == 1 {
        "1 business day's notice".to_string()
    } else {
        format!("{days} business days' notice")
    };
    if required.is_empty() {
        return Outcome::pass(format!(
            "the policy names no audience for {} impact",
            r.impact
        ));
    }
    // Emergency releases bypass the lead time, not the notification.
    // Notices sent for an earlier window, and completion notices, do not
    // announce this window.
    let emergency = r.kind.is_emergency();
    let notices: Vec<_> = r.advance_notices().collect();
    let in_time = |audience: &str| {
        notices.iter().find(|n| {
            n.audience == audience
                && n.sent_at >= r.booked_at
                && (emergency || local_time::to_local(tz, n.sent_at).date_naive() <= latest)
        })
    };
    let owed: Vec<String> = required
        .iter()
        .filter(|a| in_time(a).is_none())
        .cloned()
        .collect();
    let when = if emergency {
        "emergency: no lead time".to_string()
    } else {
        format!("{notice} needed, by {latest}")
    };
    if owed.is_empty() {
        return Outcome::pass(format!("{} notified ({when})", required.join(", ")));
    }
    let late: Vec<String> = owed
        .iter()
        .filter_map(|a| {
            notices
                .iter()
                .find(|n| &n.audience == a)
                .map(|n| format!("{a} sent {}", n.sent_at.format("%Y-%m-%d")))
        })
        .collect();
    let late_note = if late.is_empty() {
        String::new()
    } else {
        format!(" (too late or before the booking: {})", list(&late))
    };
    let earlier = r.notifications.iter().filter(|n| !n.completion).count() - notices.len();
    let void = if earlier > 0 {
        format!(" ({earlier} sent before it was rescheduled no longer count)")
    } else {
        String::new()
    };
    let remedy = if !emergency && latest < ctx.policy.local_date(ctx.now) {
        format!(
            "notice this late cannot count; a later window gives it time (rel reschedule {} --target ...)",
            r.id
        )
    } else {
        format!(
            "rel notify {}{}",
            r.id,
            owed.iter()
                .map(|a| format!(" --audience {a}"))
                .collect::<String>()
        )
    };
    Outcome::fail(
        format!(
            "{} impact: still owed a notification: {}{late_note}{void}; {when}",
            r.impact,
            owed.join(", ")
        ),
        remedy,
    )
}

pub fn dependencies(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    if r.depends_on.is_empty() {
        return Outcome::pass("no release dependencies");
    }
    let mut waiting = vec![];
    for dep in &r.depends_on {
        match ctx.nearby.iter().find(|o| &o.id == dep) {
            None => waiting.push(format!("{dep} (not found)")),
            // A dependency is in production when its deployment succeeded;
            // one rolled back or only partly deployed is not, closed or not.
            Some(o) => match o.deployment.as_ref().map(|d| d.status) {
                Some(DeploymentStatus::Successful) => {}
                Some(status) => waiting.push(format!("{dep} (deployment {status})")),
                None if o.stage == Stage::Closed => {}
                None => waiting.push(format!("{dep} (still in {})", o.stage)),
            },
        }
    }
    if waiting.is_empty() {
        Outcome::pass(format!(
            "dependencies deployed: {}",
            r.depends_on.join(", ")
        ))
    } else {
        Outcome::fail(
            format!("dependencies not yet deployed: {}", list(&waiting)),
            "deploy the releases this one depends on first",
        )
    }
}
