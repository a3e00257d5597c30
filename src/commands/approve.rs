//! `rel approve ID --role ROLE [--for definition|acceptance|go]`: an
//! approval or sign-off by the current git identity, accepted only from a
//! holder of the role or an active delegate (SPEC section 3).

use super::{Ctx, Loaded, commit_release, message, print_json};
use crate::cli::ApproveArgs;
use crate::error::{Error, Result};
use crate::gates;
use crate::model::{Approval, Purpose, Stage, digest};
use crate::policy::auth::{self, Authority, authorise, email_of};

pub fn run(ctx: &Ctx, a: ApproveArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    let policy = &loaded.policy;
    let mut release = loaded.release.clone();
    let purpose = match a.purpose.as_deref() {
        Some(p) => Purpose::parse_flag("--for", p)?,
        None => match release.stage {
            Stage::Plan => Purpose::Definition,
            Stage::Stage => Purpose::Acceptance,
            other => {
                return Err(Error::refused(format!(
                    "{} is in {other}: nothing awaits approval; name it with --for definition, acceptance or go",
                    release.id
                )));
            }
        },
    };
    let expected_stage = match purpose {
        Purpose::Definition => Stage::Plan,
        Purpose::Acceptance | Purpose::Go => Stage::Stage,
    };
    if release.stage != expected_stage {
        return Err(Error::refused(format!(
            "{} is in {}: {purpose} approval is given while the release is in `{expected_stage}`",
            release.id, release.stage
        )));
    }
    // `approve --for go` is the go decision: the `go` permission applies
    // as it does to `rel go`.
    if purpose == Purpose::Go {
        loaded.permit("go", ctx.now)?;
    }
    if purpose == Purpose::Definition {
        let missing = gates::definition_complete::missing_parts(&release);
        if !missing.is_empty() {
            return Err(Error::refused(format!(
                "the definition of {} is incomplete and cannot be approved; it lacks: {}; complete it with rel amend {}",
                release.id,
                missing.join("; "),
                release.id
            )));
        }
    }
    let roles: Vec<String> = match purpose {
        Purpose::Definition => policy
            .approvals
            .definition
            .get(&release.kind)
            .cloned()
            .unwrap_or_default(),
        Purpose::Acceptance => policy.approvals.acceptance.clone(),
        Purpose::Go => crate::policy::permissions::roles_for(policy, "go"),
    };
    if a.role != auth::SERVICE_OWNER && !policy.roles.contains_key(&a.role) {
        return Err(Error::usage(format!(
            "--role: unknown role `{}`; roles: service-owner, {}",
            a.role,
            policy.roles.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    if !roles.contains(&a.role) {
        return Err(Error::refused(format!(
            "role {} does not give {purpose} approval for {} releases; the policy asks for: {}",
            a.role,
            release.kind,
            if roles.is_empty() {
                "nobody".to_string()
            } else {
                roles.join(", ")
            }
        )));
    }
    if purpose == Purpose::Go {
        // One go decision, however it is given: the same entry and commit
        // as `rel go`, by the holder of the role named.
        let args = crate::cli::GoArgs {
            id: a.id,
            no_go: false,
            reason: None,
            note: None,
        };
        return super::evidence::go_decision(ctx, &loaded, std::slice::from_ref(&a.role), args);
    }
    let email = email_of(&loaded.actor).to_string();
    let authority = authorise(
        policy,
        &a.role,
        &release.service,
        &email,
        policy.local_date(ctx.now),
    )
    .map_err(Error::refused)?;
    if purpose == Purpose::Definition
        && !policy.approvals.self_approval
        && email.eq_ignore_ascii_case(email_of(&release.planned_by))
    {
        return Err(Error::refused(format!(
            "{email} planned {} and may not approve its definition (policy approvals.self_approval is false)",
            release.id
        )));
    }
    let (on_behalf_of, delegation_until) = match authority {
        Authority::Direct => (None, None),
        Authority::Delegated { from, until } => (Some(from), Some(until)),
    };
    if release.approvals.iter().any(|x| {
        x.purpose == purpose
            && x.role == a.role
            && email_of(&x.by).eq_ignore_ascii_case(&email)
            && release.approval_current(x)
    }) {
        return Err(Error::refused(format!(
            "{email} has already given {purpose} approval as {} for {}",
            a.role, release.id
        )));
    }
    release.approvals.push(Approval {
        role: a.role.clone(),
        purpose,
        by: loaded.actor.clone(),
        at: ctx.now,
        on_behalf_of,
        delegation_until,
        digest: Some(digest::of(&release, purpose)),
    });
    let action = format!("approve {purpose} ({})", a.role);
    let msg = message(
        &release,
        "approve",
        &action,
        None,
        None,
        &[("Rel-Role", a.role.clone())],
    );
    commit_release(&loaded.repo, &release, &msg)?;
    if ctx.json() {
        print_json(&release)
    } else {
        println!(
            "{} {purpose} approved by {} as {}",
            release.id, loaded.actor, a.role
        );
        Ok(())
    }
}
