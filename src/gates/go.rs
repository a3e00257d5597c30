//! Stage -> deploy: the go decision (seed, "Confirm go/no-go decision with
//! service owner on deployment day"). Decisions are a history; the latest
//! for the current build and window counts, so a no-go blocks until a
//! later go.

use super::{GateContext, Outcome};
use crate::calendar::local_time;
use crate::model::Decision;
use crate::policy::permissions;

pub fn go(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let tz = ctx.policy.tz();
    let Some(go) = r.current_go() else {
        let void = if r.go.is_empty() {
            ""
        } else {
            " (decisions given before a fix cycle or on an earlier window no longer count)"
        };
        return Outcome::fail(
            format!("no go decision recorded{void}"),
            format!("rel go {} (on the deployment day)", r.id),
        );
    };
    if go.decision == Decision::NoGo {
        return Outcome::fail(
            format!(
                "no-go by {} at {}: {}",
                go.by,
                ctx.policy.time(go.at),
                go.reason.as_deref().unwrap_or("(no reason)")
            ),
            format!("a later go releases it: rel go {}", r.id),
        );
    }
    let deploy_day = local_time::to_local(tz, r.window.start).date_naive();
    let go_day = local_time::to_local(tz, go.at).date_naive();
    // Who may give it: `permissions.go` (else `approvals.go`), judged on the
    // day it was given.
    let authorised = permissions::may(
        ctx.policy,
        "go",
        &go.by,
        &permissions::Subject::release(&r.service),
        go.at,
    )
    .is_ok();
    if !authorised {
        return Outcome::fail(
            format!(
                "go decision by {} who holds none of {}",
                go.by,
                permissions::roles_for(ctx.policy, "go").join(", ")
            ),
            format!("rel go {} as a service owner", r.id),
        );
    }
    if go_day != deploy_day {
        return Outcome::fail(
            format!("go decision given on {go_day}, not on the deployment day {deploy_day}"),
            format!("rel go {} on {deploy_day}", r.id),
        );
    }
    Outcome::pass(format!("go given by {} on {go_day}", go.by))
}
