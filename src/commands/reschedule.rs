//! `rel reschedule ID --target T [--duration D]`: moves a release that has
//! not been deployed to a new window (SPEC 3.5). The calendar rules are
//! applied as by `rel plan`; the id, the build and the test evidence are
//! kept; approvals, notifications, the readiness review and go decisions
//! given for the old window stay in the record but no longer count (SPEC
//! 3.2): the reschedule entry dates the move, and what was given before it
//! is for the old window.

use super::{Ctx, Loaded, message, parse_time, print_json};
use crate::calendar::{local_time, timeline};
use crate::cli::RescheduleArgs;
use crate::error::{Error, Result};
use crate::gates::GateStatus;
use crate::model::{Duration, Release, ReleaseId, Reschedule, Stage, Window};
use crate::store::yaml;
use chrono::Datelike;

const LONG: &str = "%a %d %b %Y %H:%M";

pub fn run(ctx: &Ctx, a: RescheduleArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("reschedule", ctx.now)?;
    let policy = &loaded.policy;
    let before = &loaded.release;
    if !matches!(
        before.stage,
        Stage::Plan | Stage::Build | Stage::Test | Stage::Stage
    ) {
        return Err(Error::refused(format!(
            "{} is in {}: only a release that has not been deployed is rescheduled",
            before.id, before.stage
        )));
    }
    let target = ctx.require(a.target, "--target", "New window start (YYYY-MM-DD HH:MM)")?;
    let start = parse_time(policy, "--target", &target)?;
    if start <= ctx.now {
        return Err(Error::refused(format!(
            "--target: {} is not in the future (now {})",
            super::local(policy, start),
            super::local(policy, ctx.now)
        )));
    }
    let duration = match &a.duration {
        Some(d) => {
            let d = Duration::parse(d).map_err(|e| Error::usage(format!("--duration: {e}")))?;
            if d.minutes <= 0 {
                return Err(Error::usage("--duration: must be longer than zero"));
            }
            d
        }
        None => before.window.duration,
    };
    let window = Window { start, duration };
    if window == before.window {
        return Err(Error::usage(format!(
            "{} is already booked for {} for {}; give a different --target or --duration",
            before.id,
            super::local(policy, start),
            duration
        )));
    }
    // The record stays where its id puts it (releases/YYYY/MM/); the
    // calendar finds releases by the months around a window, so a window
    // may move at most into the month on either side of the id's month.
    let id = ReleaseId::parse(&before.id)?;
    let day = local_time::to_local(policy.tz(), start).date_naive();
    let months = |d: chrono::NaiveDate| d.year() * 12 + d.month() as i32;
    let filed = id.year * 12 + id.month as i32;
    let far = [day, start.date_naive(), window.end().date_naive()]
        .into_iter()
        .any(|d| (months(d) - filed).abs() > 1);
    if far {
        return Err(Error::refused(format!(
            "{id} is filed under {}-{:02}; a window on {day} is more than a month away from it, where the calendar would not see it; cancel and re-plan for that date (rel cancel {id}, then rel plan)",
            id.year, id.month
        )));
    }

    let mut release = before.clone();
    release.window = window.clone();
    release.schedule = timeline::schedule(day, release.kind, &policy.timeline);
    release.booked_at = ctx.now;
    release.reschedules.push(Reschedule {
        from: before.window.clone(),
        to: window.clone(),
        reason: a.reason.filter(|r| !r.trim().is_empty()),
        by: loaded.actor.clone(),
        at: ctx.now,
    });

    // The calendar rules of `rel plan`, against the releases around the
    // new window.
    let mut others = super::nearby_releases(&loaded.repo, &release)?;
    let mut eval = super::plan::evaluate(
        &release,
        &loaded.changes,
        &others,
        policy,
        &loaded.calendar,
        ctx,
    );
    eval.gates
        .retain(|g| super::plan::CALENDAR_GATES.contains(&g.name.as_str()));
    eval.allowed = eval.gates.iter().all(|g| g.status != GateStatus::Fail);
    if !eval.allowed {
        let proposal = super::plan_refusal::propose(
            &loaded.repo,
            policy,
            &loaded.calendar,
            &release,
            start,
            &mut others,
        )?;
        let text = super::plan_refusal::refusal(
            &format!("cannot reschedule {}", release.id),
            "",
            &eval,
            proposal,
            &release,
            &loaded.calendar,
            policy,
        );
        return super::plan_refusal::refuse(ctx, text, &eval, proposal);
    }

    let from = local_time::format_local(policy.tz(), before.window.start, LONG);
    let to = local_time::format_local(policy.tz(), start, LONG);
    let what = format!(
        "reschedule {from} ({}) -> {to} ({})",
        before.window.duration, duration
    );
    let msg = message(&release, "reschedule", &what, None, Some(&eval), &[]);
    let mut tx = loaded.repo.begin()?;
    tx.write(&super::release_path(&release), yaml::to_string(&release))?;
    tx.commit(&msg)?;

    if ctx.json() {
        return print_json(&release);
    }
    println!("{}: {what}", release.id);
    for line in voided(before) {
        println!("  no longer counts: {line}");
    }
    Ok(())
}

/// What was given for the old window and no longer counts.
fn voided(r: &Release) -> Vec<String> {
    let mut out = vec![];
    for a in r.approvals.iter().filter(|a| r.approval_current(a)) {
        out.push(format!("{} approval by {} ({})", a.purpose, a.by, a.role));
    }
    for n in r.advance_notices() {
        out.push(format!(
            "notification to {} sent {}",
            n.audience,
            n.sent_at.format("%Y-%m-%d")
        ));
    }
    if let Some(s) = r.current_readiness() {
        out.push(format!(
            "readiness review by {} at {}",
            s.by,
            s.at.format("%Y-%m-%d %H:%M")
        ));
    }
    if let Some(g) = r.current_go() {
        out.push(format!("{} decision by {}", g.decision, g.by));
    }
    out
}
