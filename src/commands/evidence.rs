//! `rel notify`, `rel readiness`, `rel go`: what the seed's "Schedule and
//! communicate" asks to be recorded before deployment.

use super::record::require_stage;
use super::{Ctx, Loaded, commit_release, message, parse_time, print_json};
use crate::cli::{NotifyArgs, SignoffArgs};
use crate::error::{Error, Result};
use crate::model::{Notification, Release, Signoff, Stage};

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
    loaded.permit("notify", ctx.now)?;
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
        return Err(Error::usage(format!(
            "--sent-at: {} is after it is being recorded ({}); record a notification once it is sent",
            super::local(&loaded.policy, sent_at),
            super::local(&loaded.policy, ctx.now)
        )));
    }
    // Notice of a window cannot precede its booking (SPEC 3.5).
    if sent_at < release.booked_at {
        return Err(Error::usage(format!(
            "--sent-at: {} is before {} was booked ({}); a notification announces a booked window",
            super::local(&loaded.policy, sent_at),
            release.id,
            super::local(&loaded.policy, release.booked_at)
        )));
    }
    let known = loaded.policy.all_audiences();
    for audience in &a.audience {
        if !known.contains(audience) {
            return Err(Error::usage(format!(
                "--audience: `{audience}` is not an audience of the policy's notifications; expected one of: {}",
                known.join(", ")
            )));
        }
        if a.audience.iter().filter(|x| *x == audience).count() > 1 {
            return Err(Error::usage(format!(
                "--audience: {audience} is given twice"
            )));
        }
    }
    for audience in &a.audience {
        release.notifications.push(Notification {
            audience: audience.clone(),
            sent_at,
            by: loaded.actor.clone(),
            recorded_at: (sent_at != ctx.now).then_some(ctx.now),
        });
    }
    let text = format!(
        "notify {} ({})",
        a.audience.join(", "),
        super::local(&loaded.policy, sent_at)
    );
    save(ctx, &loaded, &release, "notify", &text)?;
    loaded.warn_unless(&release, "notifications-sent", Stage::Deploy, ctx.now);
    Ok(())
}

pub fn readiness(ctx: &Ctx, a: SignoffArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("readiness", ctx.now)?;
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
    loaded.permit("go", ctx.now)?;
    let mut release = loaded.release.clone();
    require_stage(&release, Stage::Stage, "the go decision")?;
    release.go = Some(Signoff {
        by: loaded.actor.clone(),
        at: ctx.now,
        note: a.note,
    });
    save(ctx, &loaded, &release, "go", "go decision")?;
    loaded.warn_unless(&release, "go-decision", Stage::Deploy, ctx.now);
    Ok(())
}
