//! The gate engine. A gate is a pure function of a release, its changes, the
//! policy, the calendar and the time; the policy selects which gates run for
//! each transition and release type (SPEC section 3).

mod build;
pub mod calendar;
mod changes;
mod close;
mod completion;
mod definition;
pub mod definition_complete;
mod go;
mod inputs;
mod readiness;
mod stage;
mod test;

use crate::calendar::Calendar;
use crate::model::{ChangeRef, Release, Stage};
use crate::policy::Policy;
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything a gate may look at. Built by the command; no I/O happens here.
pub struct GateContext<'a> {
    pub release: &'a Release,
    /// The release's changes by id; `None` when the change file is missing.
    pub changes: &'a BTreeMap<String, Option<ChangeRef>>,
    /// Releases whose windows are near this one's (for conflicts), and those
    /// named in `depends_on`.
    pub nearby: &'a [Release],
    /// The latest closed release of the same service, for the version gate.
    pub last_closed: Option<&'a Release>,
    pub policy: &'a Policy,
    pub calendar: &'a Calendar,
    pub now: chrono::DateTime<chrono::FixedOffset>,
    /// The stage being entered.
    pub to: Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateStatus {
    Pass,
    Fail,
    Warn,
    Waived,
    Skipped,
}

impl GateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GateStatus::Pass => "pass",
            GateStatus::Fail => "fail",
            GateStatus::Warn => "warn",
            GateStatus::Waived => "waived",
            GateStatus::Skipped => "skipped",
        }
    }
}

/// What one gate concluded.
#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub name: String,
    pub status: GateStatus,
    pub message: String,
    /// The command that would satisfy the gate, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

/// A gate's verdict before the engine names it and applies waivers.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: GateStatus,
    pub message: String,
    pub remedy: Option<String>,
}

impl Outcome {
    pub fn pass(message: impl Into<String>) -> Outcome {
        Outcome {
            status: GateStatus::Pass,
            message: message.into(),
            remedy: None,
        }
    }

    pub fn fail(message: impl Into<String>, remedy: impl Into<String>) -> Outcome {
        Outcome {
            status: GateStatus::Fail,
            message: message.into(),
            remedy: Some(remedy.into()),
        }
    }

    pub fn warn(message: impl Into<String>) -> Outcome {
        Outcome {
            status: GateStatus::Warn,
            message: message.into(),
            remedy: None,
        }
    }

    pub fn skipped(message: impl Into<String>) -> Outcome {
        Outcome {
            status: GateStatus::Skipped,
            message: message.into(),
            remedy: None,
        }
    }
}

pub use crate::policy::gate_names::{NAMES, default_gates, is_known, transition_of};
pub use inputs::{Inputs, inputs};
pub use test::{known_scopes, scope_covers};

type GateFn = fn(&GateContext) -> Outcome;

/// Every built-in gate: name, the stage it guards, the function.
const GATES: &[(&str, Stage, GateFn)] = &[
    ("changes-approved", Stage::Build, changes::approved),
    ("changes-unique", Stage::Build, changes::unique),
    ("changes-ready", Stage::Build, changes::ready),
    ("changes-target", Stage::Build, changes::target_aligned),
    ("changes-service", Stage::Build, changes::same_service),
    ("change-count", Stage::Build, changes::count),
    (
        "definition-complete",
        Stage::Build,
        definition_complete::complete,
    ),
    ("definition-approved", Stage::Build, definition::approved),
    (
        "maintenance-window",
        Stage::Build,
        calendar::maintenance_window,
    ),
    ("blackout", Stage::Build, calendar::blackout),
    ("conflicts", Stage::Build, calendar::conflicts),
    ("version", Stage::Test, build::version),
    ("build-verified", Stage::Test, build::verified),
    ("notes-renderable", Stage::Test, build::notes_renderable),
    ("tests-passed", Stage::Stage, test::required_passed),
    (
        "no-blocking-defects",
        Stage::Stage,
        test::no_blocking_defects,
    ),
    (
        "known-issues-documented",
        Stage::Stage,
        test::known_issues_documented,
    ),
    ("acceptance-signed", Stage::Deploy, stage::acceptance),
    ("readiness-review", Stage::Deploy, readiness::readiness),
    ("notifications-sent", Stage::Deploy, stage::notifications),
    ("go-decision", Stage::Deploy, go::go),
    ("dependencies-deployed", Stage::Deploy, stage::dependencies),
    (
        "deployment-confirmed",
        Stage::Closed,
        close::deployment_confirmed,
    ),
    ("config-updated", Stage::Closed, close::config_updated),
    (
        "completion-notified",
        Stage::Closed,
        completion::completion_notified,
    ),
    ("pir-scheduled", Stage::Closed, close::pir_scheduled),
];

/// One gate's outcome, whatever the policy lists (for warning when evidence
/// being recorded cannot satisfy it).
pub fn run_one(name: &str, ctx: &GateContext) -> Option<Outcome> {
    GATES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, gate)| gate(ctx))
}

/// The outcome of evaluating one transition.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub release: String,
    pub from: Stage,
    pub to: Stage,
    pub allowed: bool,
    pub gates: Vec<GateResult>,
}

impl Evaluation {
    pub fn count(&self, status: GateStatus) -> usize {
        self.gates.iter().filter(|g| g.status == status).count()
    }

    pub fn failures(&self) -> impl Iterator<Item = &GateResult> {
        self.gates.iter().filter(|g| g.status == GateStatus::Fail)
    }

    /// `7 passed`, `6 passed, 1 waived`: the `Rel-Gates` trailer.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} passed", self.count(GateStatus::Pass))];
        for s in [
            GateStatus::Warn,
            GateStatus::Waived,
            GateStatus::Skipped,
            GateStatus::Fail,
        ] {
            let n = self.count(s);
            if n > 0 {
                let word = match s {
                    GateStatus::Warn => "warned",
                    GateStatus::Waived => "waived",
                    GateStatus::Skipped => "skipped",
                    _ => "failed",
                };
                parts.push(format!("{n} {word}"));
            }
        }
        parts.join(", ")
    }
}

/// Runs the gates the policy lists for `ctx.to` and the release's type.
/// A failing or warning gate with a recorded waiver for this transition
/// counts as waived.
pub fn evaluate(ctx: &GateContext) -> Evaluation {
    let release = ctx.release;
    let specs = ctx.policy.gates.get(&ctx.to).cloned().unwrap_or_default();
    let mut results = vec![];
    for spec in specs.iter().filter(|s| s.applies_to(release.kind)) {
        let Some((_, _, gate)) = GATES.iter().find(|(n, _, _)| *n == spec.name) else {
            continue; // unknown names are refused when the policy is loaded
        };
        let outcome = gate(ctx);
        // A waiver given for an earlier window does not carry over to a
        // new one (`rel reschedule`).
        let waiver = release
            .waivers
            .iter()
            .find(|w| w.gate == spec.name && w.to == ctx.to && release.for_current_window(w.at));
        let result = match (outcome.status, waiver) {
            (GateStatus::Fail | GateStatus::Warn, Some(w)) => GateResult {
                name: spec.name.clone(),
                status: GateStatus::Waived,
                message: format!("{} (waived by {}: {})", outcome.message, w.by, w.reason),
                remedy: None,
            },
            // A waivable gate's refusal names the waiver as the other way on.
            (GateStatus::Fail, None) if spec.waivable => GateResult {
                name: spec.name.clone(),
                status: outcome.status,
                message: outcome.message,
                remedy: Some(format!(
                    "{}or, as a holder of {}: rel promote {} --waive {} --reason \"...\"",
                    outcome.remedy.map(|r| format!("{r}; ")).unwrap_or_default(),
                    waiver_roles(ctx),
                    release.id,
                    spec.name
                )),
            },
            _ => GateResult {
                name: spec.name.clone(),
                status: outcome.status,
                message: outcome.message,
                remedy: outcome.remedy,
            },
        };
        results.push(result);
    }
    Evaluation {
        release: release.id.clone(),
        from: release.stage,
        to: ctx.to,
        allowed: results.iter().all(|g| g.status != GateStatus::Fail),
        gates: results,
    }
}

/// The roles that may waive, as a phrase: `release-manager or cab`.
fn waiver_roles(ctx: &GateContext) -> String {
    let roles = &ctx.policy.waivers.roles;
    if roles.is_empty() {
        "the waiver role".to_string()
    } else {
        roles.join(" or ")
    }
}

/// A short list: `a, b and 3 more`.
pub(crate) fn list(items: &[String]) -> String {
    const SHOWN: usize = 5;
    if items.len() <= SHOWN {
        items.join(", ")
    } else {
        format!(
            "{} and {} more",
            items[..SHOWN].join(", "),
            items.len() - SHOWN
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gate_is_in_the_policys_catalogue_under_its_stage() {
        let gates: Vec<(&str, Stage)> = GATES.iter().map(|(n, s, _)| (*n, *s)).collect();
        assert_eq!(gates, crate::policy::gate_names::CATALOGUE);
    }
}
