//! What a transition's gates read besides the release, its changes, the
//! policy and the calendars, so that a caller judging many transitions
//! (`rel audit verify`, `rel check --base`) reads the releases around one
//! only where a gate the policy selects looks at them.

use crate::model::{ReleaseType, Stage};
use crate::policy::Policy;

/// The surroundings the gates of one transition read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inputs {
    /// The releases whose windows are near the release's (`conflicts`).
    pub neighbours: bool,
    /// The releases it depends on (`dependencies-deployed`).
    pub dependencies: bool,
    /// The last closed release of its service (`version`).
    pub production: bool,
}

/// What the gates the policy selects for entering `to` with a release of
/// type `kind` read.
pub fn inputs(policy: &Policy, to: Stage, kind: ReleaseType) -> Inputs {
    let mut out = Inputs::default();
    let Some(specs) = policy.gates.get(&to) else {
        return out;
    };
    for spec in specs.iter().filter(|s| s.applies_to(kind)) {
        match spec.name.as_str() {
            "conflicts" => out.neighbours = true,
            "dependencies-deployed" => out.dependencies = true,
            "version" => out.production = true,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(gates: &str) -> Policy {
        crate::store::yaml::from_str(
            std::path::Path::new("policy.yaml"),
            &format!("timezone: Europe/London\nservices:\n  finance: {{}}\ngates:\n{gates}"),
        )
        .unwrap()
    }

    #[test]
    fn each_gate_that_reads_around_a_release_asks_for_what_it_reads() {
        let p = policy(
            "  build: [changes-approved, conflicts]\n  test: [version, build-verified]\n  deploy: [go-decision, dependencies-deployed]\n  closed: [deployment-confirmed]\n",
        );
        let only = |neighbours, dependencies, production| Inputs {
            neighbours,
            dependencies,
            production,
        };
        let minor = ReleaseType::Minor;
        assert_eq!(inputs(&p, Stage::Build, minor), only(true, false, false));
        assert_eq!(inputs(&p, Stage::Test, minor), only(false, false, true));
        assert_eq!(inputs(&p, Stage::Deploy, minor), only(false, true, false));
        assert_eq!(inputs(&p, Stage::Closed, minor), Inputs::default());
        // A transition the policy names no gates for reads nothing.
        assert_eq!(inputs(&p, Stage::Stage, minor), Inputs::default());
    }

    #[test]
    fn a_gate_limited_to_other_types_is_not_read_for() {
        let p = policy("  build:\n    - { name: conflicts, types: [major] }\n");
        assert_eq!(
            inputs(&p, Stage::Build, ReleaseType::Minor),
            Inputs::default()
        );
        assert!(inputs(&p, Stage::Build, ReleaseType::Major).neighbours);
    }
}
