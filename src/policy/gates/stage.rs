//! Stage -> deploy: acceptance sign-off, readiness review, notifications,
//! go decision, dependencies (seed, "Stage for acceptance" and "Schedule and
//! communicate").

use super::definition::valid_approvers;
use super::{GateContext, Outcome, list};
use crate::calendar::{business_days, local_time};
use crate::model::{DeploymentStatus, Purpose, Stage};
use crate::policy::auth::{authorise, email_of};

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

pub fn readiness(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let hours = i64::from(ctx.policy.readiness_hours);
    let Some(review) = r.current_signoff(&r.readiness) else {
        let when = if r.kind.is_emergency() {
            String::new()
        } else {
            format!(" (at least {hours} h before the window)")
        };
        return Outcome::fail(
            "no readiness review recorded",
            format!("rel readiness {}{when}", r.id),
        );
    };
    if r.kind.is_emergency() {
        return Outcome::pass(format!(
            "readiness review held {} (emergency: no lead time)",
            ctx.policy.time(review.at)
        ));
    }
    let latest = r.window.start - chrono::Duration::hours(hours);
    if review.at <= latest {
        Outcome::pass(format!(
            "readiness review held {}, at least {hours} h before the window",
            ctx.policy.time(review.at)
        ))
    } else {
        Outcome::fail(
            format!(
                "readiness review held {}, less than {hours} h before the window at {} (latest {})",
                ctx.policy.time(review.at),
                ctx.policy.time(r.window.start),
                ctx.policy.time(latest)
            ),
            "a review held this late cannot count; hold it earlier for a later window (cancel and re-plan)",
        )
    }
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
    if r.kind.is_emergency() {
        return match r.notifications.first() {
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
    if r.notifications.is_empty() {
        return Outcome::fail(
            format!(
                "no notification sent; {} impact needs {notice} (by {latest})",
                r.impact
            ),
            format!("rel notify {} --audience \"{audience}\"", r.id),
        );
    }
    let in_time: Vec<_> = r
        .notifications
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
        let sent: Vec<String> = r
            .notifications
            .iter()
            .map(|n| ctx.policy.local_date(n.sent_at).to_string())
            .collect();
        Outcome::fail(
            format!(
                "notification sent {} is too late: {} impact needs {notice}, by {latest}",
                list(&sent),
                r.impact
            ),
            "notice this late cannot count; a later window gives it time (cancel and re-plan)",
        )
    }
}

pub fn go(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let tz = ctx.policy.tz();
    let Some(go) = r.current_signoff(&r.go) else {
        return Outcome::fail(
            "no go decision recorded",
            format!("rel go {} (on the deployment day)", r.id),
        );
    };
    let deploy_day = local_time::to_local(tz, r.window.start).date_naive();
    let go_day = local_time::to_local(tz, go.at).date_naive();
    let email = email_of(&go.by);
    let authorised = ctx
        .policy
        .approvals
        .go
        .iter()
        .any(|role| authorise(ctx.policy, role, &r.service, email, go_day).is_ok());
    if !authorised {
        return Outcome::fail(
            format!(
                "go decision by {} who holds none of {}",
                go.by,
                ctx.policy.approvals.go.join(", ")
            ),
            format!("rel go {} as a service owner", r.id),
        );
    }
    if go_day != deploy_day {
        return Outcome::fail(
            format!("go decision given on {go_day}, not on the deployment day {deploy_day}"),
            format!("rel go {} on {deploy_day}", r.id),
        );
    }
    Outcome::pass(format!("go given by {} on {go_day}", go.by))
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
