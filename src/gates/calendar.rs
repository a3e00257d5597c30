//! Plan -> build: the calendar rules (SPEC section 4). Emergency releases
//! bypass windows, blackouts and lead times, not conflicts.

use super::{GateContext, Outcome};
use crate::calendar::conflicts;
use crate::calendar::local_time::format_local;

pub fn maintenance_window(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    if r.kind.is_emergency() {
        return Outcome::skipped("emergency releases bypass maintenance windows");
    }
    let tz = ctx.policy.tz();
    match ctx
        .calendar
        .containing_window(tz, r.window.start, r.window.end(), &r.service)
    {
        // Local times in the policy's zone, labelled (as evidence times
        // are): the end is the instant start + duration, which across a
        // DST change is not the start's wall time plus the duration.
        Some(w) => Outcome::pass(format!(
            "inside maintenance window {} ({} to {})",
            w.name,
            format_local(tz, w.start, "%a %d %b %H:%M %Z"),
            format_local(tz, w.end, "%a %d %b %H:%M %Z")
        )),
        None => Outcome::fail(
            format!(
                "window {} to {} is not inside any maintenance window",
                format_local(tz, r.window.start, "%a %d %b %Y %H:%M %Z"),
                format_local(tz, r.window.end(), "%a %d %b %H:%M %Z")
            ),
            "move the window (`rel calendar` shows the maintenance windows)",
        ),
    }
}

pub fn blackout(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    if r.kind.is_emergency() {
        return Outcome::skipped("emergency releases bypass blackouts");
    }
    let hits =
        ctx.calendar
            .blackouts_hit(ctx.policy.tz(), r.window.start, r.window.end(), &r.service);
    if hits.is_empty() {
        Outcome::pass("no blackout")
    } else {
        let names: Vec<String> = hits
            .iter()
            .map(|h| format!("{} ({} to {})", h.name, h.first, h.last))
            .collect();
        Outcome::fail(
            format!("window falls in blackout {}", names.join(", ")),
            "move the window outside the blackout",
        )
    }
}

pub fn conflicts(ctx: &GateContext) -> Outcome {
    conflicts_outcome(&conflicts::find(
        ctx.release,
        ctx.nearby,
        ctx.calendar,
        ctx.policy,
    ))
}

/// The conflicts gate for a release being booked (`rel plan`): on a tie
/// the releases already booked win, so a booking never pushes one out.
pub fn booking_conflicts(ctx: &GateContext) -> Outcome {
    conflicts_outcome(&conflicts::find_for_booking(
        ctx.release,
        ctx.nearby,
        ctx.calendar,
        ctx.policy,
    ))
}

fn conflicts_outcome(found: &[conflicts::Conflict]) -> Outcome {
    let lost: Vec<String> = found
        .iter()
        .filter(|c| !c.candidate_wins)
        .map(|c| c.reason.clone())
        .collect();
    if !lost.is_empty() {
        return Outcome::fail(
            format!("calendar conflict: {}", lost.join("; ")),
            "move the window (`rel calendar` shows the conflicts)",
        );
    }
    if found.is_empty() {
        Outcome::pass("no calendar conflict")
    } else {
        let won: Vec<String> = found.iter().map(|c| c.reason.clone()).collect();
        Outcome::warn(format!("conflicts this release wins: {}", won.join("; ")))
    }
}
