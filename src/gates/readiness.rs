//! Stage -> deploy: the release readiness review (seed, "Conduct the
//! release readiness review 24 hours before scheduled deployment"): every
//! checklist item confirmed, held between `readiness_hours` and
//! `readiness_max_hours` before the window.

use super::{GateContext, Outcome};

pub fn readiness(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let min = i64::from(ctx.policy.readiness_hours);
    let max = i64::from(ctx.policy.readiness_max_hours);
    let Some(review) = r.current_readiness() else {
        let when = if r.kind.is_emergency() {
            String::new()
        } else {
            format!(" (between {max} h and {min} h before the window)")
        };
        let void = match &r.readiness {
            Some(old) if !r.for_current_window(old.at) => {
                " (the review held on an earlier window no longer counts)"
            }
            Some(_) => " (the review held before the fix cycle no longer counts)",
            None => "",
        };
        return Outcome::fail(
            format!("no readiness review recorded{void}"),
            format!("rel readiness {} --confirm ITEM ...{when}", r.id),
        );
    };
    let held = ctx.policy.time(review.at);
    let missing = review.unconfirmed();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|i| i.as_str()).collect();
        return Outcome::fail(
            format!(
                "readiness review held {held} did not confirm: {}",
                names.join(", ")
            ),
            format!(
                "once they hold, review again: rel readiness {} {}",
                r.id,
                crate::model::ReadinessItem::NAMES
                    .iter()
                    .map(|n| format!("--confirm {n}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
    }
    if r.kind.is_emergency() {
        return Outcome::pass(format!(
            "readiness review held {held}, all six checks confirmed (emergency: no lead time)"
        ));
    }
    let latest = r.window.start - chrono::Duration::hours(min);
    let earliest = r.window.start - chrono::Duration::hours(max);
    let window = ctx.policy.time(r.window.start);
    if review.at > latest {
        Outcome::fail(
            format!(
                "readiness review held {held}, less than {min} h before the window at {window} (latest {})",
                ctx.policy.time(latest)
            ),
            format!(
                "a review held this late cannot count; move the window (rel reschedule {} --target ...) and review again",
                r.id
            ),
        )
    } else if review.at < earliest {
        Outcome::fail(
            format!(
                "readiness review held {held}, more than {max} h before the window at {window} (earliest {})",
                ctx.policy.time(earliest)
            ),
            format!(
                "review again between {} and {}: rel readiness {} --confirm ...",
                ctx.policy.time(earliest),
                ctx.policy.time(latest),
                r.id
            ),
        )
    } else {
        Outcome::pass(format!(
            "readiness review held {held}, all six checks confirmed, between {max} h and {min} h before the window"
        ))
    }
}
