//! Lifecycle stages (SPEC section 3).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Plan,
    Build,
    Test,
    Stage,
    Deploy,
    Closed,
    Cancelled,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Plan,
        Stage::Build,
        Stage::Test,
        Stage::Stage,
        Stage::Deploy,
        Stage::Closed,
        Stage::Cancelled,
    ];

    /// The stage one step forward, if any.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Plan => Some(Stage::Build),
            Stage::Build => Some(Stage::Test),
            Stage::Test => Some(Stage::Stage),
            Stage::Stage => Some(Stage::Deploy),
            Stage::Deploy => Some(Stage::Closed),
            Stage::Closed | Stage::Cancelled => None,
        }
    }

    /// Whether the release still holds its changes and its window.
    pub fn is_live(self) -> bool {
        !matches!(self, Stage::Closed | Stage::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Plan => "plan",
            Stage::Build => "build",
            Stage::Test => "test",
            Stage::Stage => "stage",
            Stage::Deploy => "deploy",
            Stage::Closed => "closed",
            Stage::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
