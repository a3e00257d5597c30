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
