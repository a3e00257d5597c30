//! Plan -> build: the release definition document is complete before it is
//! approved (SPEC 3.3; seed, "Create the release definition document").

use super::{GateContext, Outcome};
use crate::model::Release;

/// The parts of the seed's release definition document a release still
/// lacks, each with the flag that supplies it. The identifier, changes,
/// window and promotion schedule exist from the booking on.
pub fn missing_parts(r: &Release) -> Vec<String> {
    let mut out = vec![];
    if r.rationale.trim().is_empty() {
        out.push("type classification rationale (--rationale)".to_string());
    }
    if r.version.as_deref().is_none_or(|v| v.trim().is_empty()) {
        out.push("version (--version)".to_string());
    }
    if r.resources.is_empty() && r.people.is_empty() {
        out.push("resource requirements (--resource or --person)".to_string());
    }
    if r.risk.as_ref().is_none_or(|k| k.summary.trim().is_empty()) {
        out.push("risk assessment summary (--risk)".to_string());
    }
    match &r.rollback {
        None => out.push(
            "rollback constraints and time limit (--rollback-window, --rollback-procedure)"
                .to_string(),
        ),
        Some(rb) if rb.procedure.trim().is_empty() => {
            out.push("rollback procedure (--rollback-procedure)".to_string())
        }
        Some(_) => {}
    }
    out
}

pub fn complete(ctx: &GateContext) -> Outcome {
    let missing = missing_parts(ctx.release);
    if missing.is_empty() {
        Outcome::pass("release definition complete")
    } else {
        Outcome::fail(
            format!("release definition lacks: {}", missing.join("; ")),
            format!("rel amend {} with the missing parts", ctx.release.id),
        )
    }
}
