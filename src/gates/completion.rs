//! Deploy -> closed: stakeholders told how the deployment ended (seed,
//! "Close the release": "Notify stakeholders of deployment completion").

use super::{GateContext, Outcome};
use crate::model::DeploymentStatus;

pub fn completion_notified(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let Some(d) = &r.deployment else {
        return Outcome::fail(
            "the completion notice follows the deployment confirmation",
            format!(
                "rel deploy {} ..., then rel notify {} --completion --audience ...",
                r.id, r.id
            ),
        );
    };
    let what = match d.status {
        DeploymentStatus::Successful => "deployment completed, services operational",
        DeploymentStatus::Partial => "deployment partly completed",
        DeploymentStatus::RolledBack => "deployment rolled back, previous version restored",
    };
    let sent: Vec<String> = r
        .completion_notices()
        .filter(|n| n.sent_at >= d.started)
        .map(|n| n.audience.clone())
        .collect();
    if sent.is_empty() {
        Outcome::fail(
            format!("stakeholders not yet told of the outcome ({what})"),
            format!(
                "rel notify {} --draft --completion, send it, then rel notify {} --completion --audience ...",
                r.id, r.id
            ),
        )
    } else {
        Outcome::pass(format!("{what}: notified {}", sent.join(", ")))
    }
}
