//! Deploy -> closed: deployment confirmation, configuration records, PIR
//! (seed, "Close the release": "Major releases require formal PIR within 5
//! business days of deployment").

use super::{GateContext, Outcome};
use crate::calendar::{business_days, local_time};
use crate::model::ReleaseType;

pub fn deployment_confirmed(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    match &r.deployment {
        Some(d) if d.verification.is_some() => Outcome::pass(format!(
            "deployment {} at {} for {} (verification {})",
            d.status,
            ctx.policy.time(d.started),
            d.duration,
            d.verification.map(|v| v.as_str()).unwrap_or("")
        )),
        Some(_) => Outcome::fail(
            "the deployment confirmation has no verification result",
            format!("rel deploy {} --verification passed (once verified)", r.id),
        ),
        None => Outcome::fail(
            "no deployment confirmation from the deployment team",
            format!(
                "rel deploy {} --status successful --started TIME --duration 2h --verification passed",
                r.id
            ),
        ),
    }
}

pub fn config_updated(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let items = r.closure.as_ref().map(|c| &c.config_items);
    if let Some(items) = items.filter(|i| !i.is_empty()) {
        let named: Vec<String> = items
            .iter()
            .map(|i| format!("{} {}", i.name, i.version))
            .collect();
        Outcome::pass(format!("configuration items updated: {}", named.join(", ")))
    } else if r.closure.as_ref().is_some_and(|c| c.config_updated) {
        Outcome::pass("configuration records updated (items not named)")
    } else if r.deployment.is_none() {
        // `rel close --ci` records the closure only once the deployment is
        // confirmed; the flag itself was not the problem.
        Outcome::fail(
            "configuration records are confirmed at close, after the deployment confirmation",
            format!(
                "rel deploy {} ..., then rel close {} --ci NAME=VERSION",
                r.id, r.id
            ),
        )
    } else {
        Outcome::fail(
            "configuration records not confirmed as updated",
            format!(
                "update the CMDB, then rel close {} --ci NAME=VERSION (repeat for each item)",
                r.id
            ),
        )
    }
}

/// The latest PIR date the policy allows for a major release deployed at
/// `deployed`.
pub fn pir_deadline(ctx: &GateContext) -> Option<chrono::NaiveDate> {
    let d = ctx.release.deployment.as_ref()?;
    let day = local_time::to_local(ctx.policy.tz(), d.started).date_naive();
    Some(business_days::after(
        day,
        ctx.policy.pir_business_days,
        &ctx.calendar.holidays,
    ))
}

pub fn pir_scheduled(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    if r.kind != ReleaseType::Major {
        return Outcome::pass("joins the periodic post-implementation review");
    }
    let Some(deadline) = pir_deadline(ctx) else {
        return Outcome::fail(
            "no deployment recorded to date the review from",
            format!("rel deploy {} ...", r.id),
        );
    };
    match r.closure.as_ref().and_then(|c| c.pir_due) {
        Some(due) if due <= deadline => {
            Outcome::pass(format!("PIR due {due} (deadline {deadline})"))
        }
        Some(due) => Outcome::fail(
            format!(
                "PIR date {due} is after the deadline {deadline} ({} business days after deployment)",
                ctx.policy.pir_business_days
            ),
            format!("rel close {} --pir-date {deadline}", r.id),
        ),
        // Before `rel close` (which records the closure) there is nothing
        // to judge: close schedules the review by the deadline itself.
        None if r.closure.is_none() => Outcome::pass(format!(
            "rel close schedules the PIR by {deadline} (or --pir-date, no later)"
        )),
        None => Outcome::fail(
            format!("a major release needs a PIR by {deadline}"),
            format!("rel close {} --pir-date {deadline}", r.id),
        ),
    }
}
