//! `rel deploy ID`: the deployment team's confirmation (seed, "Receive
//! deployment completion confirmation").

use super::record::require_stage;
use super::{Ctx, Loaded, commit_release, message, parse_time, print_json};
use crate::cli::DeployArgs;
use crate::error::{Error, Result};
use crate::model::{Deployment, DeploymentStatus, Duration, Stage, Verification};

pub fn run(ctx: &Ctx, a: DeployArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    let mut release = loaded.release.clone();
    require_stage(&release, Stage::Deploy, "the deployment confirmation")?;
    if release.deployment.is_some() {
        return Err(Error::usage(format!(
            "{} already has a deployment confirmation",
            release.id
        )));
    }
    let status = DeploymentStatus::parse_flag("--status", &a.status)?;
    let started = parse_time(&loaded.policy, "--started", &a.started)?;
    if started > ctx.now {
        return Err(Error::usage(format!(
            "--started: {} is in the future",
            started.to_rfc3339()
        )));
    }
    let duration =
        Duration::parse(&a.duration).map_err(|e| Error::usage(format!("--duration: {e}")))?;
    let verification = a
        .verification
        .as_deref()
        .map(|v| Verification::parse_flag("--verification", v))
        .transpose()?;
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
    let text = format!("deployment {status}, {duration}");
    let msg = message(&release, "deploy", &text, None, None, &[]);
    commit_release(&loaded.repo, &release, &msg)?;
    if ctx.json() {
        print_json(&release)
    } else {
        println!(
            "{}: {text}. Next: rel close {} --config-updated",
            release.id, release.id
        );
        Ok(())
    }
}
