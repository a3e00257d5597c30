//! `rel notify`, `rel readiness`, `rel go`: what the seed's "Schedule and
//! communicate" asks to be recorded before deployment, and the completion
//! notice after it ("Close the release").

use super::record::require_stage;
use super::{Ctx, Loaded, commit_release, message, parse_time, print_json};
use crate::cli::{GoArgs, NotifyArgs, ReadinessArgs};
use crate::error::{Error, Result};
use crate::model::{Decision, GoDecision, Notification, Readiness, ReadinessItem, Release, Stage};
use crate::policy::auth::{Authority, authorise, email_of};
use crate::render::notice;

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
    if a.draft {
        return draft(ctx, &loaded, &a);
    }
    loaded.permit("notify", ctx.now)?;
    let mut release = loaded.release.clone();
    if a.completion {
        if release.stage != Stage::Deploy || release.deployment.is_none() {
            return Err(Error::refused(format!(
                "{} is in {}{}: the completion notice follows the deployment confirmation (rel deploy)",
                release.id,
                release.stage,
                if release.stage == Stage::Deploy {
                    " without a deployment confirmation"
                } else {
                    ""
                }
            )));
        }
    } else if !release.stage.is_live() || release.stage == Stage::Deploy {
        return Err(Error::refused(format!(
            "{} is in {}: advance notifications are recorded before deployment{}",
            release.id,
            release.stage,
            if release.stage == Stage::Deploy {
                format!(
                    "; the notice of completion is rel notify {} --completion",
                    release.id
                )
            } else {
                String::new()
            }
        )));
    }
    let audiences = if a.audience.is_empty() {
        let typed = ctx.require(None, "--audience", "Who was notified")?;
        typed
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    } else {
        a.audience.clone()
    };
    if audiences.is_empty() {
        return Err(Error::usage("--audience: name who was notified"));
    }
    check_audiences(&loaded, &audiences)?;
    let sent_at = match &a.sent_at {
        Some(t) => parse_time(&loaded.policy, "--sent-at", t)?,
        None => ctx.now,
    };
    if sent_at > ctx.now {
        return Err(Error::refused(format!(
            "--sent-at: {} is after it is being recorded ({}); record a notification once it is sent",
            super::local(&loaded.policy, sent_at),
            super::local(&loaded.policy, ctx.now)
        )));
    }
    // Notice of a window cannot precede its booking (SPEC 3.5).
    if sent_at < release.booked_at {
        return Err(Error::refused(format!(
            "--sent-at: {} is before {} was booked ({}); a notification announces a booked window",
            super::local(&loaded.policy, sent_at),
            release.id,
            super::local(&loaded.policy, release.booked_at)
        )));
    }
    if let Some(d) = release.deployment.as_ref().filter(|_| a.completion)
        && sent_at < d.started
    {
        return Err(Error::refused(format!(
            "--sent-at: {} is before the deployment started ({}); a completion notice follows it",
            super::local(&loaded.policy, sent_at),
            super::local(&loaded.policy, d.started)
        )));
    }
    for audience in &audiences {
        release.notifications.push(Notification {
            audience: audience.clone(),
            sent_at,
            by: loaded.actor.clone(),
            recorded_at: (sent_at != ctx.now).then_some(ctx.now),
            completion: a.completion,
        });
    }
    let when = super::local(&loaded.policy, sent_at);
    let audience = audiences.join(", ");
    let text = if a.completion {
        let status = release.deployment.as_ref().map(|d| d.status);
        format!(
            "completion notice ({}) to {audience} ({when})",
            status.map(|s| s.as_str()).unwrap_or("")
        )
    } else {
        format!("notify {audience} ({when})")
    };
    save(ctx, &loaded, &release, "notify", &text)?;
    if a.completion {
        loaded.warn_unless(ctx, &release, "completion-notified", Stage::Closed);
    } else {
        loaded.warn_unless(ctx, &release, "notifications-sent", Stage::Deploy);
    }
    Ok(())
}

/// `rel notify ID --draft`: the notification's text; nothing is written.
/// Each audience is one the policy's `notifications` names, given once.
fn check_audiences(loaded: &Loaded, audiences: &[String]) -> Result<()> {
    let known = loaded.policy.all_audiences();
    for audience in audiences {
        if !known.contains(audience) {
            return Err(Error::usage(format!(
                "--audience: `{audience}` is not an audience of the policy's notifications; expected one of: {}",
                known.join(", ")
            )));
        }
        if audiences.iter().filter(|x| *x == audience).count() > 1 {
            return Err(Error::usage(format!(
                "--audience: {audience} is given twice"
            )));
        }
    }
    Ok(())
}

fn draft(ctx: &Ctx, loaded: &Loaded, a: &NotifyArgs) -> Result<()> {
    let r = &loaded.release;
    // The text is for the audiences named, else those the impact needs.
    let audience = if a.audience.is_empty() {
        loaded.policy.audiences(r.impact).join(", ")
    } else {
        check_audiences(loaded, &a.audience)?;
        a.audience.join(", ")
    };
    let audience = (!audience.is_empty()).then_some(audience);
    let notice = if a.completion {
        if r.deployment.is_none() {
            return Err(Error::refused(format!(
                "{} has no deployment confirmation: the completion notice reports how the deployment ended (rel deploy first)",
                r.id
            )));
        }
        notice::completion(r, &loaded.policy, audience.as_deref())
    } else {
        notice::advance(r, &loaded.policy, &loaded.calendar, audience.as_deref())
    };
    if ctx.json() {
        return print_json(&notice);
    }
    print!("{}", notice.text);
    for m in &notice.missing {
        ctx.warn(format_args!("missing: {m}"));
    }
    Ok(())
}

pub fn readiness(ctx: &Ctx, a: ReadinessArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("readiness", ctx.now)?;
    let mut release = loaded.release.clone();
    require_stage(&release, Stage::Stage, "the readiness review")?;
    let mut confirmed = vec![];
    for c in &a.confirm {
        let item = ReadinessItem::parse_flag("--confirm", c)?;
        if !confirmed.contains(&item) {
            confirmed.push(item);
        }
    }
    // On a terminal, ask for each item not confirmed on the command line.
    if ctx.interactive {
        let ask: Vec<ReadinessItem> = ReadinessItem::all()
            .filter(|i| !confirmed.contains(i))
            .collect();
        for item in ask {
            let yes = dialoguer::Confirm::new()
                .with_prompt(format!("{} ({item})?", item.describe()))
                .default(false)
                .interact()
                .map_err(|e| Error::usage(format!("--confirm {item}: {e}")))?;
            if yes {
                confirmed.push(item);
            }
        }
    }
    confirmed.sort();
    let superseded = release.current_readiness().map(|old| old.at);
    let review = Readiness {
        confirmed,
        by: loaded.actor.clone(),
        at: ctx.now,
        note: a.note,
    };
    let missing = review.unconfirmed();
    let done = ReadinessItem::NAMES.len() - missing.len();
    release.readiness = Some(review);
    let hours = (release.window.start - ctx.now).num_minutes() as f64 / 60.0;
    let mut text = format!(
        "readiness review, {done} of {} checks confirmed ({hours:.1} h before the window)",
        ReadinessItem::NAMES.len()
    );
    if let Some(at) = superseded {
        text.push_str(&format!(
            ", superseding the review of {}",
            super::local(&loaded.policy, at)
        ));
    }
    save(ctx, &loaded, &release, "readiness", &text)?;
    if !ctx.json() {
        for item in ReadinessItem::all() {
            let mark = if missing.contains(&item) { " " } else { "x" };
            println!("  [{mark}] {item}: {}", item.describe());
        }
    }
    loaded.warn_unless(ctx, &release, "readiness-review", Stage::Deploy);
    Ok(())
}

pub fn go(ctx: &Ctx, a: GoArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    let roles = crate::policy::permissions::roles_for(&loaded.policy, "go");
    go_decision(ctx, &loaded, &roles, a)
}

/// Records a go or no-go by the current identity in one of `roles`:
/// `rel go` and `rel approve --for go` are this one command.
pub fn go_decision(ctx: &Ctx, loaded: &Loaded, roles: &[String], a: GoArgs) -> Result<()> {
    // Whichever way it is given, the go decision needs the `go` permission.
    loaded.permit("go", ctx.now)?;
    let mut release = loaded.release.clone();
    require_stage(&release, Stage::Stage, "the go decision")?;
    let email = email_of(&loaded.actor);
    let policy = &loaded.policy;
    let mut why = vec![];
    let mut authority = None;
    for role in roles {
        match authorise(
            policy,
            role,
            &release.service,
            email,
            policy.local_date(ctx.now),
        ) {
            Ok(a) => {
                authority = Some(a);
                break;
            }
            Err(e) => why.push(e),
        }
    }
    let Some(authority) = authority else {
        return Err(Error::refused(format!(
            "go decision refused: {}",
            why.join("; ")
        )));
    };
    let decision = if a.no_go {
        Decision::NoGo
    } else {
        Decision::Go
    };
    let reason = a.reason.filter(|r| !r.trim().is_empty());
    if a.no_go && reason.is_none() {
        return Err(Error::usage("--no-go needs --reason: say what blocks it"));
    }
    // Seed: the go/no-go decision follows the readiness review.
    if decision == Decision::Go && release.current_readiness().is_none() {
        return Err(Error::refused(format!(
            "{} has no readiness review for this build and window: a go follows it (rel readiness {} --confirm ...)",
            release.id, release.id
        )));
    }
    release.go.push(GoDecision {
        decision,
        reason: reason.clone(),
        by: loaded.actor.clone(),
        at: ctx.now,
        note: a.note,
        on_behalf_of: match authority {
            Authority::Direct => None,
            Authority::Delegated { from, .. } => Some(from),
        },
    });
    let text = match &reason {
        Some(r) if decision == Decision::NoGo => format!("no-go decision: {r}"),
        _ => "go decision".to_string(),
    };
    save(ctx, loaded, &release, "go", &text)?;
    if decision == Decision::Go {
        loaded.warn_unless(ctx, &release, "go-decision", Stage::Deploy);
    } else if !ctx.json() {
        println!(
            "Deployment is blocked until a later go: rel go {}",
            release.id
        );
    }
    Ok(())
}
