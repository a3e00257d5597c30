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
                "acceptance signed off by {} ({role})",
                approvers.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Outcome::fail(
        format!(
            "no acceptance sign-off by {}",
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

pub fn notifications(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let tz = ctx.policy.tz();
    let days = ctx.policy.lead_times.for_impact(r.impact);
    let deploy_day = local_time::to_local(tz, r.window.start).date_naive();
    let latest = business_days::before(deploy_day, days, &ctx.calendar.holidays);
    let notice = if days == 1 {
        "1 business day's notice".to_string()
    } else {
        format!("{days} business days' notice")
    };
    // Seed table "Notification timing depends on release impact".
    let audience = match r.impact {
        crate::model::Impact::High => "All users, leadership, partners",
        crate::model::Impact::Medium => "Affected users, support team",
        crate::model::Impact::Low => "Technical teams",
    };
    // Emergency releases bypass the lead time, not the notification.
    // Notices sent for an earlier window, and completion notices, do not
    // announce this window.
    let notices: Vec<_> = r.advance_notices().collect();
    if r.kind.is_emergency() {
        return match notices.first() {
            Some(n) => Outcome::pass(format!(
                "{} notified {} (emergency: no lead time)",
                n.audience,
                ctx.policy.time(n.sent_at)
            )),
            None => Outcome::fail(
                "no notification sent; an emergency release bypasses the lead time, not the notice",
                format!("rel notify {} --audience \"{audience}\"", r.id),
            ),
        };
    }
    if notices.is_empty() {
        let earlier = r.notifications.iter().filter(|n| !n.completion).count();
        let void = if earlier > 0 {
            format!(" for this window ({earlier} sent before it was rescheduled no longer count)")
        } else {
            String::new()
        };
        return Outcome::fail(
            format!(
                "no notification sent{void}; {} impact needs {notice} (by {latest})",
                r.impact
            ),
            format!("rel notify {} --audience \"{audience}\"", r.id),
        );
    }
    let in_time: Vec<_> = notices
        .iter()
        .filter(|n| local_time::to_local(tz, n.sent_at).date_naive() <= latest)
        .collect();
    if let Some(n) = in_time.first() {
        Outcome::pass(format!(
            "{} notified {} ({notice} needed, by {latest})",
            n.audience,
            ctx.policy.local_date(n.sent_at)
        ))
    } else {
        let sent: Vec<String> = notices
            .iter()
            .map(|n| ctx.policy.local_date(n.sent_at).to_string())
            .collect();
        Outcome::fail(
            format!(
                "notification sent {} is too late: {} impact needs {notice}, by {latest}",
                list(&sent),
                r.impact
            ),
            format!(
                "notice this late cannot count; a later window gives it time (rel reschedule {} --target ...)",
                r.id
            ),
        )
    }
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
