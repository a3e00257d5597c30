//! The release record (SPEC section 2). Field order here is the order in the
//! YAML file; evidence is appended by commands and never rewritten.

use super::{Duration, Stage};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

pub type Timestamp = DateTime<FixedOffset>;

/// What the schemas accept for ids and versions: the same forms as
/// `ReleaseId::parse`, `ChangeIdPattern` (whose exact pattern is the
/// policy's; here its safe alphabet and a year) and `Version::parse`.
pub mod patterns {
    pub const RELEASE_ID: &str = r"^REL-[0-9]{4}-(0[1-9]|1[0-2])-[0-9]{3,4}$";
    pub const CHANGE_ID: &str = r"^[A-Za-z0-9_-]*[0-9]{4}[A-Za-z0-9_-]*$";
    pub const DEFECT_ID: &str = r"^DEF-[1-9][0-9]*$";
    /// Semantic version `X.Y.Z` (pre-release and build allowed), or a date
    /// version `YYYY.MM.DD`.
    pub const VERSION: &str = r"^((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?|[0-9]{4}\.(0[1-9]|1[0-2])\.(0[1-9]|[12][0-9]|3[01]))$";
}

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// Parses a command-line value, naming the flag and the accepted
            /// values when it is wrong.
            pub fn parse_flag(flag: &str, s: &str) -> crate::Result<$name> {
                $name::parse(s).ok_or_else(|| crate::Error::usage(format!(
                    "{flag}: `{s}` is not accepted; expected one of: {}",
                    $name::NAMES.join(", ")
                )))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// Release type (seed: "Classify the release type").
    ReleaseType { Major => "major", Minor => "minor", Patch => "patch", Emergency => "emergency" }
);
word_enum!(
    /// Impact on users; sets the notification lead time.
    Impact { Low => "low", Medium => "medium", High => "high" }
);
word_enum!(
    /// What an approval is for.
    Purpose { Definition => "definition", Acceptance => "acceptance", Go => "go" }
);
word_enum!(Verification { Passed => "passed", Failed => "failed" });
word_enum!(
    Severity { Critical => "critical", High => "high", Medium => "medium", Low => "low" }
);
word_enum!(DefectStatus { Open => "open", Fixed => "fixed", KnownIssue => "known-issue" });
word_enum!(
    DeploymentStatus { Successful => "successful", Partial => "partial", RolledBack => "rolled-back" }
);
word_enum!(
    TestCategory {
        Smoke => "smoke",
        FunctionalChanged => "functional-changed",
        FunctionalUnchanged => "functional-unchanged",
        Regression => "regression",
        Integration => "integration",
        Performance => "performance",
        Security => "security",
    }
);

impl ReleaseType {
    /// The type with its article, as a sentence reads it: "a minor",
    /// "an emergency".
    pub fn with_article(self) -> String {
        match self {
            ReleaseType::Emergency => format!("an {self}"),
            _ => format!("a {self}"),
        }
    }

    /// Emergency releases bypass windows, blackouts and lead times.
    pub fn is_emergency(self) -> bool {
        self == ReleaseType::Emergency
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub start: Timestamp,
    pub duration: Duration,
}

impl Window {
    pub fn end(&self) -> Timestamp {
        self.start + self.duration.to_chrono()
    }
}

/// Milestones worked back from the target (seed: "Calculate the release
/// timeline working backward from the target deployment date").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub planning: NaiveDate,
    pub build: NaiveDate,
    pub test: NaiveDate,
    pub staging: NaiveDate,
    pub deployment: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub level: Impact,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rollback {
    pub window: Duration,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub procedure: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub role: String,
    #[serde(rename = "for")]
    pub purpose: Purpose,
    pub by: String,
    pub at: Timestamp,
    /// Set when the approver acted through a delegation from this person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildRecord {
    pub verification: Verification,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// The fix cycle this build belongs to (0 before any fix cycle).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cycle: u32,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRun {
    pub category: TestCategory,
    pub passed: u32,
    pub failed: u32,
    #[serde(default)]
    pub blocked: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The fix cycle this run belongs to: a fix cycle starts testing again
    /// without deleting earlier evidence.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cycle: u32,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defect {
    #[schemars(regex(pattern = patterns::DEFECT_ID))]
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub status: DefectStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workaround: Option<String>,
    /// Found after deployment (escaped to production) rather than in test.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub post_deploy: bool,
    pub by: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    pub audience: String,
    pub sent_at: Timestamp,
    pub by: String,
    /// When it was recorded, if later than it was sent (`rel notify
    /// --sent-at`): back-dating is judged by this, not by `sent_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<Timestamp>,
}

/// A readiness review or go decision: who, when, and a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signoff {
    pub by: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub status: DeploymentStatus,
    pub started: Timestamp,
    pub duration: Duration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_up: Vec<String>,
    pub by: String,
    pub at: Timestamp,
}

/// Closure metrics (seed: "Close the release record with final status and
/// metrics").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    pub config_updated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pir_due: Option<NaiveDate>,
    pub planned_start: Timestamp,
    pub actual_start: Timestamp,
    pub planned_duration: Duration,
    pub actual_duration: Duration,
    pub changes: u32,
    pub defects_in_test: DefectCounts,
    pub defects_post_deploy: u32,
    pub rollback: bool,
    pub on_time: bool,
    pub fix_cycles: u32,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefectCounts {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
}

impl DefectCounts {
    pub fn total(&self) -> u32 {
        self.critical + self.high + self.medium + self.low
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    #[schemars(with = "crate::policy::GateName")]
    pub gate: String,
    /// The stage the waived transition led to.
    pub to: Stage,
    pub reason: String,
    pub by: String,
    pub at: Timestamp,
}

/// A fix cycle or a cancellation: a reason, who and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reasoned {
    pub reason: String,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Release {
    #[schemars(regex(pattern = patterns::RELEASE_ID))]
    pub id: String,
    pub title: String,
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = patterns::VERSION))]
    pub version: Option<String>,
    #[serde(rename = "type")]
    pub kind: ReleaseType,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rationale: String,
    pub stage: Stage,
    #[schemars(inner(regex(pattern = patterns::CHANGE_ID)))]
    pub changes: Vec<String>,
    pub window: Window,
    pub schedule: Schedule,
    pub impact: Impact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Rollback>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(regex(pattern = patterns::RELEASE_ID)))]
    pub depends_on: Vec<String>,
    /// What the release needs around it, for the release notes' dependencies
    /// (e.g. "Requires database schema v2.4 (included in package)").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    pub planned_by: String,
    pub booked_at: Timestamp,
    /// Hand-written release notes text; never generated, never overwritten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    /// Build verifications, one per build; the latest of the current fix
    /// cycle counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build: Vec<BuildRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestRun>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defects: Vec<Defect>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<Notification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Signoff>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go: Option<Signoff>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Deployment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<Closure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix_cycles: Vec<Reasoned>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Reasoned>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
}

/// What a release is booked with; everything else (optional details and all
/// evidence) starts empty.
pub struct Booking {
    pub id: String,
    pub title: String,
    pub service: String,
    pub kind: ReleaseType,
    pub changes: Vec<String>,
    pub window: Window,
    pub schedule: Schedule,
    pub impact: Impact,
    pub planned_by: String,
    pub booked_at: Timestamp,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Release {
    /// A release in stage `plan` with no evidence yet.
    pub fn booked(b: Booking) -> Release {
        Release {
            id: b.id,
            title: b.title,
            service: b.service,
            version: None,
            kind: b.kind,
            rationale: String::new(),
            stage: Stage::Plan,
            changes: b.changes,
            window: b.window,
            schedule: b.schedule,
            impact: b.impact,
            risk: None,
            rollback: None,
            people: vec![],
            resources: vec![],
            depends_on: vec![],
            requires: vec![],
            planned_by: b.planned_by,
            booked_at: b.booked_at,
            notes: None,
            approvals: vec![],
            build: vec![],
            tests: vec![],
            defects: vec![],
            notifications: vec![],
            readiness: None,
            go: None,
            deployment: None,
            closure: None,
            fix_cycles: vec![],
            cancellation: None,
            waivers: vec![],
        }
    }

    /// The current fix cycle: 0 until the first demotion.
    pub fn cycle(&self) -> u32 {
        self.fix_cycles.len() as u32
    }

    /// The latest build verification of the current fix cycle.
    pub fn current_build(&self) -> Option<&BuildRecord> {
        let cycle = self.cycle();
        self.build.iter().rev().find(|b| b.cycle == cycle)
    }

    /// Whether something given at `at` was given for the current build: after
    /// the latest fix cycle began, if any.
    pub fn for_current_build(&self, at: Timestamp) -> bool {
        self.fix_cycles.last().is_none_or(|f| at > f.at)
    }

    /// Whether an approval still counts: a definition approval always does;
    /// acceptance and go are given per build.
    pub fn approval_current(&self, approval: &Approval) -> bool {
        approval.purpose == Purpose::Definition || self.for_current_build(approval.at)
    }

    /// A readiness review or go decision, if it was given for the current
    /// build (one given before a fix cycle no longer counts).
    pub fn current_signoff<'a>(&self, signoff: &'a Option<Signoff>) -> Option<&'a Signoff> {
        signoff.as_ref().filter(|s| self.for_current_build(s.at))
    }

    /// Test runs of the current fix cycle.
    pub fn current_tests(&self) -> impl Iterator<Item = &TestRun> {
        let cycle = self.cycle();
        self.tests.iter().filter(move |t| t.cycle == cycle)
    }

    pub fn approvals_for(&self, purpose: Purpose) -> impl Iterator<Item = &Approval> {
        self.approvals.iter().filter(move |a| a.purpose == purpose)
    }

    pub fn open_defects(&self) -> impl Iterator<Item = &Defect> {
        self.defects
            .iter()
            .filter(|d| d.status == DefectStatus::Open && !d.post_deploy)
    }

    pub fn is_waived(&self, gate: &str, to: Stage) -> bool {
        self.waivers.iter().any(|w| w.gate == gate && w.to == to)
    }
}
