//! `rel cancel` (frees the release's changes) and `rel demote --to build`
//! (a fix cycle: "the change is corrected, a new build created, and testing
//! restarted from build verification").

use super::{Ctx, Loaded, message, print_json};
use crate::cli::{DemoteArgs, ReasonArgs};
use crate::error::{Error, Result};
use crate::model::{Reasoned, Stage};
use crate::store::{paths, yaml};

pub fn cancel(ctx: &Ctx, a: ReasonArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("cancel", ctx.now)?;
    let mut release = loaded.release.clone();
    if !release.stage.is_live() {
        return Err(Error::refused(format!(
            "{} is {}: only a live release can be cancelled",
            release.id, release.stage
        )));
    }
    if a.reason.trim().is_empty() {
        return Err(Error::usage("--reason: say why the release is cancelled"));
    }
    let from = release.stage;
    release.stage = Stage::Cancelled;
    release.cancellation = Some(Reasoned {
        reason: a.reason.clone(),
        by: loaded.actor.clone(),
        at: ctx.now,
    });
    let mut tx = loaded.repo.begin()?;
    tx.write(&loaded.release_path(), yaml::to_string(&release))?;
    let mut freed = vec![];
    for (id, change) in &loaded.changes {
        if let Some(change) = change
            && change.release.as_deref() == Some(release.id.as_str())
        {
            let mut change = change.clone();
            change.release = None;
            let year = loaded.policy.change_shard_of(id)?;
            tx.write(&paths::change(id, year), yaml::to_string(&change))?;
            freed.push(id.clone());
        }
    }
    let msg = message(
        &release,
        "cancel",
        "cancel",
        Some((from, Stage::Cancelled)),
        None,
        &[("Rel-Reason", a.reason.clone())],
    );
    tx.commit(&msg)?;
    if ctx.json() {
        print_json(&release)
    } else {
        println!(
            "{} cancelled; freed changes: {}",
            release.id,
            if freed.is_empty() {
                "none".to_string()
            } else {
                freed.join(", ")
            }
        );
        Ok(())
    }
}

pub fn demote(ctx: &Ctx, a: DemoteArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("demote", ctx.now)?;
    let mut release = loaded.release.clone();
    if a.to != "build" {
        return Err(Error::usage(format!(
            "--to {}: a fix cycle goes back to build (--to build)",
            a.to
        )));
    }
    if !matches!(release.stage, Stage::Test | Stage::Stage) {
        return Err(Error::refused(format!(
            "{} is in {}: a fix cycle starts from test or stage",
            release.id, release.stage
        )));
    }
    if a.reason.trim().is_empty() {
        return Err(Error::usage("--reason: say what is being fixed"));
    }
    let from = release.stage;
    release.stage = Stage::Build;
    release.fix_cycles.push(Reasoned {
        reason: a.reason.clone(),
        by: loaded.actor.clone(),
        at: ctx.now,
    });
    let n = release.cycle();
    let voided = super::voided_approvals(&loaded.release, &release);
    let mut msg = message(
        &release,
        "demote",
        "demote",
        Some((from, Stage::Build)),
        None,
        &[
            ("Rel-Fix-Cycle", n.to_string()),
            ("Rel-Reason", a.reason.clone()),
        ],
    );
    msg.body = voided.join("\n");
    super::commit_release(&loaded.repo, &release, &msg)?;
    if ctx.json() {
        print_json(&release)
    } else {
        println!(
            "{} back in build: fix cycle {n}. Record a new build verification and test again.",
            release.id
        );
        for v in &voided {
            println!("{v}");
        }
        Ok(())
    }
}
