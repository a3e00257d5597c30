//! The names of the built-in gates and the transition each guards: what a
//! policy file may list. The gates themselves live in `crate::gates`.

use super::GateSpec;
use crate::model::Stage;
use std::collections::BTreeMap;

/// Every built-in gate: its name and the stage it guards, in running order.
pub const CATALOGUE: &[(&str, Stage)] = &[
    ("changes-approved", Stage::Build),
    ("changes-unique", Stage::Build),
    ("changes-ready", Stage::Build),
    ("changes-target", Stage::Build),
    ("changes-service", Stage::Build),
    ("change-count", Stage::Build),
    ("definition-complete", Stage::Build),
    ("definition-approved", Stage::Build),
    ("maintenance-window", Stage::Build),
    ("blackout", Stage::Build),
    ("conflicts", Stage::Build),
    ("version", Stage::Test),
    ("build-verified", Stage::Test),
    ("notes-renderable", Stage::Test),
    ("tests-passed", Stage::Stage),
    ("no-blocking-defects", Stage::Stage),
    ("known-issues-documented", Stage::Stage),
    ("acceptance-signed", Stage::Deploy),
    ("readiness-review", Stage::Deploy),
    ("notifications-sent", Stage::Deploy),
    ("go-decision", Stage::Deploy),
    ("dependencies-deployed", Stage::Deploy),
    ("deployment-confirmed", Stage::Closed),
    ("config-updated", Stage::Closed),
    ("completion-notified", Stage::Closed),
    ("pir-scheduled", Stage::Closed),
];

pub const NAMES: &[&str] = &[
    "changes-approved",
    "changes-unique",
    "changes-ready",
    "changes-target",
    "changes-service",
    "change-count",
    "definition-complete",
    "definition-approved",
    "maintenance-window",
    "blackout",
    "conflicts",
    "version",
    "build-verified",
    "notes-renderable",
    "tests-passed",
    "no-blocking-defects",
    "known-issues-documented",
    "acceptance-signed",
    "readiness-review",
    "notifications-sent",
    "go-decision",
    "dependencies-deployed",
    "deployment-confirmed",
    "config-updated",
    "completion-notified",
    "pir-scheduled",
];

pub fn is_known(name: &str) -> bool {
    CATALOGUE.iter().any(|(n, _)| *n == name)
}

/// The transition a gate belongs to (the stage it guards).
pub fn transition_of(name: &str) -> Option<Stage> {
    CATALOGUE.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// Every built-in gate enabled, each under its own transition.
pub fn default_gates() -> BTreeMap<Stage, Vec<GateSpec>> {
    let mut map: BTreeMap<Stage, Vec<GateSpec>> = BTreeMap::new();
    let spec = |name: &str| GateSpec {
        name: name.to_string(),
        types: vec![],
        waivable: false,
    };
    for (name, stage) in CATALOGUE {
        map.entry(*stage).or_default().push(spec(name));
    }
    // Defects found in acceptance block deployment as they block staging.
    let deploy = map.entry(Stage::Deploy).or_default();
    deploy.insert(0, spec("known-issues-documented"));
    deploy.insert(0, spec("no-blocking-defects"));
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_are_the_catalogue() {
        let names: Vec<&str> = CATALOGUE.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, NAMES);
    }
}
