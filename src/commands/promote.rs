//! `rel promote ID [--to STAGE] [--waive GATE --reason R]`: one stage
//! forward if the gates pass (SPEC section 3).

use super::{Ctx, Loaded, commit_release, message, print_json};
use crate::cli::PromoteArgs;
use crate::error::{Error, Result};
use crate::gates::{self, Evaluation};
use crate::model::{Release, Stage, Timestamp, Waiver};
use crate::policy::Policy;
use crate::policy::auth::{authorise, email_of};
use crate::render::evaluation;

pub fn run(ctx: &Ctx, a: PromoteArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("promote", ctx.now)?;
    let current = loaded.release.stage;
    let Some(to) = current.next() else {
        return Err(Error::refused(format!(
            "{} is {}: there is no next stage",
            loaded.release.id, current
        )));
    };
    if let Some(expected) = &a.to {
        let expected_stage = Stage::parse(expected).ok_or_else(|| {
            Error::usage(format!(
                "--to: `{expected}` is not a stage; expected plan, build, test, stage, deploy or closed"
            ))
        })?;
        if expected_stage != to {
            return Err(Error::refused(format!(
                "--to {expected}: {} is in {current}, so the next stage is {to}",
                loaded.release.id
            )));
        }
    }
    transition(ctx, &loaded, to, &a.waive, a.reason.as_deref(), |_| Ok(()))
}

/// Shared by promote and close: applies waivers, evaluates, commits or
/// refuses. `prepare` adds what the transition itself records.
pub fn transition(
    ctx: &Ctx,
    loaded: &Loaded,
    to: Stage,
    waive: &[String],
    reason: Option<&str>,
    prepare: impl FnOnce(&mut Release) -> Result<()>,
) -> Result<()> {
    transition_with(ctx, loaded, to, waive, reason, prepare, vec![])
}

/// [`transition`], with other files written in the same commit (`rel
/// close` marks the release's changes implemented).
pub fn transition_with(
    ctx: &Ctx,
    loaded: &Loaded,
    to: Stage,
    waive: &[String],
    reason: Option<&str>,
    prepare: impl FnOnce(&mut Release) -> Result<()>,
    also: Vec<(std::path::PathBuf, String)>,
) -> Result<()> {
    let mut release = loaded.release.clone();
    let from = release.stage;
    add_waivers(loaded, &mut release, to, waive, reason, ctx.now)?;
    prepare(&mut release)?;
    let eval = loaded.evaluate(&release, to, ctx.now);
    if !eval.allowed {
        return refuse(ctx, &eval);
    }
    release.stage = to;
    let action = if to == Stage::Closed {
        "close"
    } else {
        "promote"
    };
    let msg = message(&release, action, action, Some((from, to)), Some(&eval), &[]);
    if also.is_empty() {
        commit_release(&loaded.repo, &release, &msg)?;
    } else {
        let mut tx = loaded.repo.begin()?;
        tx.write(
            &super::release_path(&release),
            crate::store::yaml::to_string(&release),
        )?;
        for (path, text) in also {
            tx.write(&path, text)?;
        }
        tx.commit(&msg)?;
    }
    if ctx.json() {
        print_json(&eval)?;
    } else {
        let text = evaluation::render_with_headline(&eval);
        print!("{}", crate::render::wrap::wrap(&text, ctx.text_width()));
        if to.is_live() {
            println!("{} is now in stage `{to}`.", release.id);
        } else {
            println!("{} is now {to}.", release.id);
        }
    }
    Ok(())
}

/// Prints a refused evaluation and returns exit 1; nothing is written.
pub fn refuse(ctx: &Ctx, eval: &Evaluation) -> Result<()> {
    if ctx.json() {
        print_json(eval)?;
        eprintln!(
            "{} cannot move {} -> {}: {} gate(s) failed",
            eval.release,
            eval.from,
            eval.to,
            eval.failures().count()
        );
    } else {
        // Wrapped as `rel gate` and `rel show` print the same list.
        let text = evaluation::render_with_headline(eval);
        eprint!("{}", crate::render::wrap::wrap(&text, ctx.text_width()));
        eprintln!("Nothing was changed.");
    }
    Err(Error::Reported(1))
}

/// Refuses unless `actor` holds one of the policy's waiver roles.
/// Refuses `--waive GATE` unless GATE ran in `eval` and failed: a waiver
/// is recorded only for a gate that fails (SPEC 3.4), at plan and promote
/// alike. `refuses` says what failing means there ("fail", "refuse this
/// booking").
pub(super) fn waived_gate_fails(
    eval: &Evaluation,
    gate: &str,
    kind: crate::model::ReleaseType,
    refuses: &str,
) -> Result<()> {
    match eval.gates.iter().find(|g| g.name == gate) {
        Some(g) if g.status == gates::GateStatus::Fail => Ok(()),
        Some(g) => Err(Error::refused(format!(
            "--waive {gate}: the gate does not {refuses} ({}: {}); a waiver is recorded only for a gate that fails, so nothing was written",
            g.status.as_str(),
            g.message
        ))),
        None => Err(Error::refused(format!(
            "--waive {gate}: the gate does not run for a {kind} release"
        ))),
    }
}

pub fn may_waive(policy: &Policy, actor: &str, service: &str, now: Timestamp) -> Result<()> {
    let email = email_of(actor);
    let today = policy.local_date(now);
    if policy
        .waivers
        .roles
        .iter()
        .any(|role| authorise(policy, role, service, email, today).is_ok())
    {
        Ok(())
    } else {
        Err(Error::refused(format!(
            "{email} may not waive gates: waivers need one of the roles {}",
            policy.waivers.roles.join(", ")
        )))
    }
}

fn add_waivers(
    loaded: &Loaded,
    release: &mut Release,
    to: Stage,
    waive: &[String],
    reason: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    if waive.is_empty() {
        return Ok(());
    }
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| Error::usage("--waive needs --reason with the justification"))?;
    let policy = &loaded.policy;
    let specs = policy.gates.get(&to).cloned().unwrap_or_default();
    let email = email_of(&loaded.actor);
    let allowed = may_waive(policy, &loaded.actor, &release.service, now).is_ok();
    // A waiver is recorded only for a gate that fails without it.
    let before = loaded.evaluate(release, to, now);
    for gate in waive {
        if !gates::is_known(gate) {
            return Err(Error::usage(format!(
                "--waive: unknown gate `{gate}`; known gates: {}",
                gates::NAMES.join(", ")
            )));
        }
        let Some(spec) = specs.iter().find(|s| &s.name == gate) else {
            return Err(Error::usage(format!(
                "--waive {gate}: the policy does not run this gate for {} -> {to}",
                release.stage
            )));
        };
        if !spec.waivable {
            return Err(Error::refused(format!(
                "gate {gate} is not waivable (policy.yaml gates.{to}: mark it `waivable: true` to allow waivers)"
            )));
        }
        if !allowed {
            return Err(Error::refused(format!(
                "{email} may not waive gates: waivers need one of the roles {}",
                policy.waivers.roles.join(", ")
            )));
        }
        waived_gate_fails(&before, gate, release.kind, "fail")?;
        release.waivers.push(Waiver {
            gate: gate.clone(),
            to,
            reason: reason.to_string(),
            by: loaded.actor.clone(),
            at: now,
        });
    }
    Ok(())
}
