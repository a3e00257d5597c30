//! The gate engine. A gate is a pure function of a release, its changes, the
//! policy, the calendar, the actor and the time; the policy selects which
//! gates run for each transition and release type.

use crate::calendar::Calendar;
use crate::model::{ChangeRef, Release, Stage};
use crate::policy::{GateSpec, Policy};
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

pub fn default_gates() -> BTreeMap<Stage, Vec<GateSpec>> {
    BTreeMap::new()
}

pub const NAMES: &[&str] = &[];

pub fn is_known(name: &str) -> bool {
    NAMES.contains(&name)
}

/// The transition a gate belongs to (the stage it guards).
pub fn transition_of(name: &str) -> Option<Stage> {
    let _ = name;
    None
}
