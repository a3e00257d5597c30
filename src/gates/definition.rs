//! Plan -> build: the release definition approved by the type's approval
//! roles (seed table: major service owner + CAB, minor service owner, patch
//! release manager, emergency the emergency CAB).

use super::{GateContext, Outcome};
use crate::model::digest::Standing;
use crate::model::{Purpose, Release};
use crate::policy::Policy;
use crate::policy::auth::{authorise, email_of};
use std::collections::BTreeSet;

/// Distinct approvers of `purpose` in `role` whose authority holds on the day
/// they approved and who are not barred as the release's planner.
pub fn valid_approvers(
    release: &Release,
    policy: &Policy,
    purpose: Purpose,
    role: &str,
) -> BTreeSet<String> {
    let planner = email_of(&release.planned_by).to_ascii_lowercase();
    release
        .approvals_for(purpose)
        .filter(|a| a.role == role)
        .filter(|a| release.approval_current(a))
        .filter(|a| {
            let email = email_of(&a.by);
            authorise(
                policy,
                role,
                &release.service,
                email,
                policy.local_date(a.at),
            )
            .is_ok()
        })
        .map(|a| email_of(&a.by).to_ascii_lowercase())
        .filter(|email| {
            purpose != Purpose::Definition || policy.approvals.self_approval || *email != planner
        })
        .collect()
}

/// Approvals of `purpose` that stay in the record but no longer count, each
/// naming whose and since which edit (SPEC 3.2).
pub fn void_notes(release: &Release, purpose: Purpose) -> Vec<String> {
    release
        .approvals_for(purpose)
        .filter_map(|a| match release.standing(a) {
            Standing::Void(why) => Some(format!(
                "the approval by {} as {} no longer counts: {why}",
                a.by, a.role
            )),
            _ => None,
        })
        .collect()
}

/// A note on approvals recorded before approvals carried a digest.
pub fn legacy_note(release: &Release, purpose: Purpose) -> String {
    let legacy: Vec<&str> = release
        .approvals_for(purpose)
        .filter(|a| release.standing(a) == Standing::Legacy)
        .map(|a| a.by.as_str())
        .collect();
    if legacy.is_empty() {
        String::new()
    } else {
        format!(
            " (recorded without a digest, not bound to content: {})",
            legacy.join(", ")
        )
    }
}

pub fn required(policy: &Policy, role: &str) -> usize {
    policy
        .approvals
        .min_approvers
        .get(role)
        .copied()
        .unwrap_or(1)
        .max(1) as usize
}

pub fn approved(ctx: &GateContext) -> Outcome {
    let release = ctx.release;
    let roles = ctx
        .policy
        .approvals
        .definition
        .get(&release.kind)
        .cloned()
        .unwrap_or_default();
    if roles.is_empty() {
        return Outcome::pass(format!(
            "the policy requires no definition approval for {} releases",
            release.kind
        ));
    }
    let mut missing = vec![];
    let mut have = vec![];
    for role in &roles {
        let approvers = valid_approvers(release, ctx.policy, Purpose::Definition, role);
        let need = required(ctx.policy, role);
        if approvers.len() >= need {
            have.push(format!(
                "{role} ({})",
                approvers.into_iter().collect::<Vec<_>>().join(", ")
            ));
        } else {
            missing.push(format!("{role} ({} of {need})", approvers.len()));
        }
    }
    if missing.is_empty() {
        Outcome::pass(format!(
            "definition approved by {}{}",
            have.join("; "),
            legacy_note(release, Purpose::Definition)
        ))
    } else {
        let self_note = if ctx.policy.approvals.self_approval {
            ""
        } else {
            "; the planner may not approve"
        };
        Outcome::fail(
            format!(
                "definition of this {} release still needs approval by {}{self_note}{}",
                release.kind,
                missing.join(", "),
                void_notes(release, Purpose::Definition)
                    .iter()
                    .map(|v| format!("; {v}"))
                    .collect::<String>()
            ),
            missing
                .iter()
                .map(|m| {
                    format!(
                        "rel approve {} --role {}",
                        release.id,
                        m.split(' ').next().unwrap_or("ROLE")
                    )
                })
                .collect::<Vec<_>>()
                .join(", and ")
                + " (each as a holder of that role)",
        )
    }
}
