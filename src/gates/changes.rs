//! Plan -> build: the change rules (seed, "Plan the release": approved, not
//! in a previous release, target aligned, owner confirms readiness; 3 to 15
//! typical, more than 20 warrants splitting).

use super::{GateContext, Outcome, list};
use crate::model::{ChangeRef, ChangeStatus};

/// Changes whose file exists, and the ids of those missing.
fn present<'a>(ctx: &'a GateContext) -> (Vec<&'a ChangeRef>, Vec<String>) {
    let mut found = vec![];
    let mut missing = vec![];
    for (id, change) in ctx.changes {
        match change {
            Some(c) => found.push(c),
            None => missing.push(id.clone()),
        }
    }
    (found, missing)
}

pub fn approved(ctx: &GateContext) -> Outcome {
    let (found, missing) = present(ctx);
    if !missing.is_empty() {
        return Outcome::fail(
            format!("no change reference for {}", list(&missing)),
            format!("rel change add {} ...", missing[0]),
        );
    }
    let bad: Vec<String> = found
        .iter()
        .filter(|c| c.status != ChangeStatus::Approved)
        .map(|c| format!("{} is {}", c.id, c.status.as_str()))
        .collect();
    if bad.is_empty() {
        Outcome::pass(match found.len() {
            1 => "the change is approved".to_string(),
            2 => "both changes approved".to_string(),
            n => format!("all {n} changes approved"),
        })
    } else {
        let first = found
            .iter()
            .find(|c| c.status != ChangeStatus::Approved)
            .unwrap();
        Outcome::fail(
            format!("not approved: {}", list(&bad)),
            format!(
                "approve the change in the change-management system, then `rel change set {} --status approved`",
                first.id
            ),
        )
    }
}

pub fn unique(ctx: &GateContext) -> Outcome {
    let (found, _) = present(ctx);
    let taken: Vec<String> = found
        .iter()
        .filter_map(|c| match &c.release {
            Some(other) if *other != ctx.release.id => Some(format!("{} (in {other})", c.id)),
            _ => None,
        })
        .collect();
    if taken.is_empty() {
        Outcome::pass("no change is in another release")
    } else {
        Outcome::fail(
            format!("already in another release: {}", list(&taken)),
            "remove the change from this release, or cancel the other release (`rel cancel ID --reason ...`)",
        )
    }
}

pub fn ready(ctx: &GateContext) -> Outcome {
    let (found, _) = present(ctx);
    let unready: Vec<String> = found
        .iter()
        .filter(|c| !c.ready)
        .map(|c| format!("{} (owner {})", c.id, c.owner))
        .collect();
    if unready.is_empty() {
        Outcome::pass("every change owner confirmed readiness")
    } else {
        let first = found.iter().find(|c| !c.ready).unwrap();
        Outcome::fail(
            format!("owner has not confirmed readiness: {}", list(&unready)),
            format!("rel change set {} --ready", first.id),
        )
    }
}

pub fn target_aligned(ctx: &GateContext) -> Outcome {
    let (found, _) = present(ctx);
    let deployment = ctx.release.schedule.deployment;
    let tolerance = i64::from(ctx.policy.limits.target_tolerance_days);
    let off: Vec<String> = found
        .iter()
        .filter(|c| (c.target - deployment).num_days().abs() > tolerance)
        .map(|c| format!("{} targets {}", c.id, c.target))
        .collect();
    if off.is_empty() {
        Outcome::pass(format!(
            "change targets within {tolerance} days of {deployment}"
        ))
    } else {
        Outcome::fail(
            format!(
                "targets more than {tolerance} days from the deployment date {deployment}: {}",
                list(&off)
            ),
            "align the change's target (`rel change set ID --target DATE`) or plan it into another release",
        )
    }
}

/// A change belongs to the release's service; one of a service it depends
/// on (or that depends on it) is allowed with a warning, since the two are
/// deployed together; any other service's change is refused.
pub fn same_service(ctx: &GateContext) -> Outcome {
    let (found, _) = present(ctx);
    let service = &ctx.release.service;
    let related = ctx.policy.related_services(service);
    let mut warn = vec![];
    let mut fail = vec![];
    for c in found.iter().filter(|c| &c.service != service) {
        let text = format!("{} ({})", c.id, c.service);
        if related.contains(&c.service) {
            warn.push(text);
        } else {
            fail.push(text);
        }
    }
    if !fail.is_empty() {
        Outcome::fail(
            format!(
                "changes for a service unrelated to {service}: {}",
                list(&fail)
            ),
            "plan each service's changes into a release of that service",
        )
    } else if !warn.is_empty() {
        Outcome::warn(format!(
            "changes for a related service (depends_on) ride in this {service} release: {}",
            list(&warn)
        ))
    } else {
        Outcome::pass(format!("every change is for {service}"))
    }
}

pub fn count(ctx: &GateContext) -> Outcome {
    let n = ctx.release.changes.len() as u32;
    let limits = &ctx.policy.limits;
    if n == 0 {
        Outcome::fail(
            "the release has no changes",
            "plan the release with at least one --change",
        )
    } else if n > limits.changes_max {
        Outcome::fail(
            format!(
                "{n} changes is more than the limit of {}; split the release to reduce risk",
                limits.changes_max
            ),
            "split the changes across several releases",
        )
    } else if n > limits.changes_warn {
        Outcome::warn(format!(
            "{n} changes is more than the typical {}; consider splitting the release",
            limits.changes_warn
        ))
    } else {
        Outcome::pass(format!("{n} change{}", if n == 1 { "" } else { "s" }))
    }
}
