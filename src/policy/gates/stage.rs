//! Stage -> deploy: acceptance sign-off, readiness review, notifications,
//! go decision, dependencies (seed, "Stage for acceptance" and "Schedule and
//! communicate").

use super::definition::valid_approvers;
use super::{GateContext, Outcome, list};
use crate::calendar::{business_days, local_time};
use crate::model::{DeploymentStatus, Purpose, Stage};
use crate::policy::permissions;

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
            review.at.format("%Y-%m-%d %H:%M")
        ));
    }
    let latest = r.window.start - chrono::Duration::hours(hours);
    if review.at <= latest {
        Outcome::pass(format!(
            "readiness review held {}, at least {hours} h before the window",
            review.at.format("%Y-%m-%d %H:%M")
        ))
    } else {
        Outcome::fail(
            format!(
                "readiness review held {}, less than {hours} h before the window at {} (latest {})",
                review.at.format("%Y-%m-%d %H:%M"),
                r.window.start.format("%Y-%m-%d %H:%M"),
                latest.format("%Y-%m-%d %H:%M")
            ),
            "a review held this late cannot count; hold it earlier for a later window (cancel and re-plan)",
        )
    }
}

/// Every audience the impact level names notified by the lead time (seed
/// table "Notification timing depends on release impact"). A notification
/// counts only if sent after the booking it announces.
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
    let emergency = r.kind.is_emergency();
    let in_time = |audience: &str| {
        r.notifications.iter().find(|n| {
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
            r.notifications
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
    let remedy = if !emergency && latest < ctx.policy.local_date(ctx.now) {
        "notice this late cannot count; a later window gives it time (cancel and re-plan)"
            .to_string()
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
            "{} impact: still owed a notification: {}{late_note}; {when}",
            r.impact,
            owed.join(", ")
        ),
        remedy,
    )
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
    // Who may give it: `permissions.go` (else `approvals.go`), judged on the
    // day it was given.
    let authorised = permissions::may(
        ctx.policy,
        "go",
        &go.by,
        &permissions::Subject::release(&r.service),
        go.at,
    )
    .is_ok();
    if !authorised {
        return Outcome::fail(
            format!(
                "go decision by {} who holds none of {}",
                go.by,
                permissions::roles_for(ctx.policy, "go").join(", ")
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
