//! `rel deploy ID`: the deployment team's confirmation (seed, "Receive
//! deployment completion confirmation"). The verification result may follow
//! the confirmation once ("Post-deployment verification"); nothing else in
//! a recorded confirmation is rewritten.

use super::record::require_stage;
use super::{Ctx, Loaded, commit_release, message, parse_time, print_json};
use crate::cli::DeployArgs;
use crate::error::{Error, Result};
use crate::model::{Deployment, DeploymentStatus, Duration, Release, Stage, Verification};

pub fn run(ctx: &Ctx, a: DeployArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("deploy", ctx.now)?;
    let mut release = loaded.release.clone();
    require_stage(&release, Stage::Deploy, "the deployment confirmation")?;
    let verification = a
        .verification
        .as_deref()
        .map(|v| Verification::parse_flag("--verification", v))
        .transpose()?;
    let text = match release.deployment.as_mut() {
        Some(d) => complete(&release.id, d, &a, verification)?,
        None => {
            ctx.require_flags(
                "deploy",
                &[
                    ("--status", a.status.is_some()),
                    ("--started", a.started.is_some()),
                    ("--duration", a.duration.is_some()),
                ],
            )?;
            let status = DeploymentStatus::parse_flag(
                "--status",
                &ctx.require(
                    a.status,
                    "--status",
                    "Status (successful, partial, rolled-back)",
                )?,
            )?;
            let started_text =
                ctx.require(a.started, "--started", "Actual start (YYYY-MM-DD HH:MM)")?;
            let started = parse_time(&loaded.policy, "--started", &started_text)?;
            if started > ctx.now {
                return Err(Error::refused(format!(
                    "--started: {} is in the future",
                    started.to_rfc3339()
                )));
            }
            let duration_text =
                ctx.require(a.duration, "--duration", "Actual duration (e.g. 2h15m)")?;
            let duration = Duration::parse(&duration_text)
                .map_err(|e| Error::usage(format!("--duration: {e}")))?;
            if duration.minutes <= 0 {
                return Err(Error::usage(
                    "--duration: a deployment takes some time; give its actual length, e.g. 45m",
                ));
            }
            if let Some(how) = release.outside_window(started) {
                ctx.warn(format_args!(
                    "the deployment {how} (window {} for {}); it is recorded as it happened and shown in the closure and in rel metrics",
                    super::local(&loaded.policy, release.window.start),
                    release.window.duration
                ));
            }
            release.deployment = Some(Deployment {
                status,
                started,
                duration,
                verification,
                issues: a.issues,
                follow_up: a.follow_up,
                by: loaded.actor.clone(),
                at: ctx.now,
            });
            format!("deployment {status}, {duration}")
        }
    };
    let msg = message(&release, "deploy", &text, None, None, &[]);
    commit_release(&loaded.repo, &release, &msg)?;
    if ctx.json() {
        print_json(&release)
    } else {
        println!("{}: {text}. {}", release.id, next_step(&release));
        Ok(())
    }
}

/// Adds the verification result to a confirmation recorded without one.
fn complete(
    id: &str,
    d: &mut Deployment,
    a: &DeployArgs,
    verification: Option<Verification>,
) -> Result<String> {
    let recorded = format!(
        "{id} already has a deployment confirmation ({}, started {}, by {})",
        d.status,
        d.started.format("%Y-%m-%d %H:%M"),
        d.by
    );
    if d.verification.is_some() {
        return Err(Error::refused(format!(
            "{recorded}, verified {}; a recorded confirmation is evidence and is not rewritten",
            d.verification.map(|v| v.as_str()).unwrap_or("")
        )));
    }
    let Some(v) = verification else {
        return Err(Error::refused(format!(
            "{recorded}; what it lacks is the verification result: rel deploy {id} --verification passed|failed"
        )));
    };
    if a.status.is_some() || a.started.is_some() || a.duration.is_some() {
        return Err(Error::refused(format!(
            "{recorded}; to add its verification result give only --verification (with any --issue or --follow-up)"
        )));
    }
    d.verification = Some(v);
    d.issues.extend(a.issues.iter().cloned());
    d.follow_up.extend(a.follow_up.iter().cloned());
    Ok(format!("deployment verification {v}"))
}

fn next_step(r: &Release) -> String {
    match r.deployment.as_ref().and_then(|d| d.verification) {
        Some(_) => format!(
            "Next: rel notify {} --completion --audience ..., then rel close {} --ci NAME=VERSION",
            r.id, r.id
        ),
        None => format!(
            "Next: once verified, rel deploy {} --verification passed|failed",
            r.id
        ),
    }
}
