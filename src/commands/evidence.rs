//! `rel notify`, `rel readiness`, `rel go`: what the seed's "Schedule and
//! communicate" asks to be recorded before deployment.

use super::record::require_stage;
use super::{Ctx, Loaded, commit_release, message, parse_time, print_json};
use crate::cli::{NotifyArgs, SignoffArgs};
use crate::error::{Error, Result};
use crate::model::{Notification, Release, Signoff, Stage};
use crate::policy::auth::{authorise, email_of};

fn save(ctx: &Ctx, loaded: &Loaded, release: &Release, action: &str, text: &str) -> Result<()> {
    let msg = message(release, action, text, None, None, &[]);
    commit_release(&loaded.repo, release, &msg)?;
    if ctx.json() {
        print_json(release)
    } else {
        println!("{}: {text}", release.id);
        Ok(())
    }
}

pub fn notify(ctx: &Ctx, a: NotifyArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    let mut release = loaded.release.clone();
    if !release.stage.is_live() || release.stage == Stage::Deploy {
        return Err(Error::refused(format!(
            "{} is in {}: notifications are recorded before deployment",
            release.id, release.stage
        )));
    }
    let sent_at = match &a.sent_at {
        Some(t) => parse_time(&loaded.policy, "--sent-at", t)?,
        None => ctx.now,
    };
    if sent_at > ctx.now {
        return Err(Error::refused(format!(
            "--sent-at: {} is in the future; record a notification once it is sent",
            sent_at.to_rfc3339()
        )));
    }
    if a.audience.trim().is_empty() {
        return Err(Error::usage("--audience: name who was notified"));
    }
    release.notifications.push(Notification {
        audience: a.audience.clone(),
        sent_at,
        by: loaded.actor.clone(),
        recorded_at: (sent_at != ctx.now).then_some(ctx.now),
    });
    let text = format!(
        "notify {} ({})",
        a.audience,
        super::local(&loaded.policy, sent_at)
    );
    save(ctx, &loaded, &release, "notify", &text)?;
    loaded.warn_unless(&release, "notifications-sent", Stage::Deploy, ctx.now);
    Ok(())
}

pub fn readiness(ctx: &Ctx, a: SignoffArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    let mut release = loaded.release.clone();
    require_stage(&release, Stage::Stage, "the readiness review")?;
    if release.current_signoff(&release.readiness).is_some() {
        return Err(Error::refused(format!(
            "{} already has a readiness review recorded for this build",
            release.id
        )));
    }
    release.readiness = Some(Signoff {
        by: loaded.actor.clone(),
        at: ctx.now,
        note: a.note,
    });
    let hours = (release.window.start - ctx.now).num_minutes() as f64 / 60.0;
    let text = format!("readiness review ({hours:.1} h before the window)");
    save(ctx, &loaded, &release, "readiness", &text)?;
    loaded.warn_unless(&release, "readiness-review", Stage::Deploy, ctx.now);
    Ok(())
}

pub fn go(ctx: &Ctx, a: SignoffArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    let mut release = loaded.release.clone();
    require_stage(&release, Stage::Stage, "the go decision")?;
    let email = email_of(&loaded.actor);
    let policy = &loaded.policy;
    let mut why = vec![];
    let ok = policy.approvals.go.iter().any(|role| {
        match authorise(
            policy,
            role,
            &release.service,
            email,
            policy.local_date(ctx.now),
        ) {
            Ok(_) => true,
            Err(e) => {
                why.push(e);
                false
            }
        }
    });
    if !ok {
        return Err(Error::refused(format!(
            "go decision refused: {}",
            why.join("; ")
        )));
    }
    release.go = Some(Signoff {
        by: loaded.actor.clone(),
        at: ctx.now,
        note: a.note,
    });
    save(ctx, &loaded, &release, "go", "go decision")?;
    loaded.warn_unless(&release, "go-decision", Stage::Deploy, ctx.now);
    Ok(())
}
