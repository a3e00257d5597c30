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
    /// The seed's readiness review checklist ("Conduct the release
    /// readiness review 24 hours before scheduled deployment").
    ReadinessItem {
        PackageVerified => "package-verified",
        RunbookValidated => "runbook-validated",
        RollbackTested => "rollback-tested",
        OnCallIdentified => "on-call-identified",
        MonitoringConfigured => "monitoring-configured",
        CommunicationsPrepared => "communications-prepared",
    }
);
word_enum!(
    /// A go/no-go decision on the deployment day.
    Decision { Go => "go", NoGo => "no-go" }
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
    /// The last day of the delegation used, with `on_behalf_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_until: Option<NaiveDate>,
    /// `sha256:...` of the content approved (SPEC 3.2); when the content
    /// changes the approval stays but no longer counts. Absent on approvals
    /// recorded before rel bound them to content: those still count, shown
    /// as not bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// A `rel amend` of approved content: which fields, who, when. Kept so that
/// a voided approval can name the edit that voided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    pub fields: Vec<String>,
    pub by: String,
    pub at: Timestamp,
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
    /// The notice of deployment completion (seed, "Close the release":
    /// "Notify stakeholders of deployment completion"), not an advance
    /// notice.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub completion: bool,
}

impl ReadinessItem {
    /// What the seed says the item confirms.
    pub fn describe(self) -> &'static str {
        match self {
            ReadinessItem::PackageVerified => "Release package verified and accessible",
            ReadinessItem::RunbookValidated => "Deployment runbook current and validated",
            ReadinessItem::RollbackTested => "Rollback procedures documented and tested",
            ReadinessItem::OnCallIdentified => "On-call personnel identified and available",
            ReadinessItem::MonitoringConfigured => {
                "Monitoring dashboards configured for release validation"
            }
            ReadinessItem::CommunicationsPrepared => {
                "Communication templates prepared for success and failure"
            }
        }
    }

    pub fn all() -> impl Iterator<Item = ReadinessItem> {
        ReadinessItem::NAMES
            .iter()
            .filter_map(|n| ReadinessItem::parse(n))
    }
}

/// A readiness review: the checklist items confirmed, who, when. A later
/// review replaces an earlier one (it supersedes it; git keeps the old).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Readiness {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirmed: Vec<ReadinessItem>,
    pub by: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Readiness {
    /// The checklist items this review did not confirm.
    pub fn unconfirmed(&self) -> Vec<ReadinessItem> {
        ReadinessItem::all()
            .filter(|i| !self.confirmed.contains(i))
            .collect()
    }
}

/// One go or no-go decision; decisions are appended, the latest counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoDecision {
    #[serde(default = "go_default", skip_serializing_if = "is_go")]
    pub decision: Decision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub by: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Set when the decision was given through a delegation from this
    /// person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

fn go_default() -> Decision {
    Decision::Go
}

fn is_go(d: &Decision) -> bool {
    *d == Decision::Go
}

/// `go:` as a list of decisions; a record written before decisions were
/// kept as a history holds one mapping, read as a list of one.
fn go_history<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<GoDecision>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<GoDecision>),
        One(GoDecision),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::Many(v) => v,
        OneOrMany::One(g) => vec![g],
    })
}

/// A move of the window before deployment (`rel reschedule`): what was
/// given for the old window (approvals, notices, readiness, go) no longer
/// counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reschedule {
    pub from: Window,
    pub to: Window,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub by: String,
    pub at: Timestamp,
}

/// A configuration item updated in the CMDB for the release (seed, "Update
/// configuration records to reflect the deployed release").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigItem {
    pub name: String,
    pub version: String,
}

/// The post-implementation review held for the release (seed: "Major
/// releases require formal PIR within 5 business days of deployment. Minor
/// and patch releases aggregate into periodic PIR sessions").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pir {
    pub held: NaiveDate,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// For a periodic session: every release it covered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session: Vec<String>,
    pub by: String,
    pub at: Timestamp,
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
    /// Configuration records confirmed updated without naming the items
    /// (`rel close --config-updated`, kept for scripts written before
    /// `--ci`).
    #[serde(default)]
    pub config_updated: bool,
    /// The configuration items updated, by name and version (`--ci`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_items: Vec<ConfigItem>,
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
    /// Set when the deployment started outside its booked window: how far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_window: Option<String>,
    pub fix_cycles: u32,
    /// Stakeholder satisfaction, as measured (seed: "if measured").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<String>,
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
    /// The incident an emergency release answers (SPEC 3.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
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
    /// The deployment runbook: a reference (URL or document) to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// Contacts for questions and for the deployment team: the release
    /// manager and technical leads (`Name <email>` or free text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
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
    /// The readiness review (a later one supersedes an earlier one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Readiness>,
    /// Go and no-go decisions in order; the latest counts.
    #[serde(
        default,
        deserialize_with = "go_history",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub go: Vec<GoDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Deployment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<Closure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pir: Option<Pir>,
    /// Moves of the window before deployment, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reschedules: Vec<Reschedule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix_cycles: Vec<Reasoned>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Reasoned>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
    /// Amendments of approved content (definition or accepted build).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<Amendment>,
}

/// A closed release's post-implementation review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PirStatus {
    Held(NaiveDate),
    Due(NaiveDate),
    Overdue(NaiveDate),
    /// A minor or patch release waiting for the periodic session.
    Session,
}

impl PirStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PirStatus::Held(_) => "held",
            PirStatus::Due(_) => "due",
            PirStatus::Overdue(_) => "overdue",
            PirStatus::Session => "awaiting-session",
        }
    }
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
            incident: None,
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
            runbook: None,
            contacts: vec![],
            planned_by: b.planned_by,
            booked_at: b.booked_at,
            notes: None,
            approvals: vec![],
            build: vec![],
            tests: vec![],
            defects: vec![],
            notifications: vec![],
            readiness: None,
            go: vec![],
            deployment: None,
            closure: None,
            pir: None,
            reschedules: vec![],
            fix_cycles: vec![],
            cancellation: None,
            waivers: vec![],
            amendments: vec![],
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

    /// Whether something given at `at` was given for the current window:
    /// after the latest reschedule, if any (SPEC 3.2, 3.5).
    pub fn for_current_window(&self, at: Timestamp) -> bool {
        self.reschedules.last().is_none_or(|m| at > m.at)
    }

    /// Whether an approval still counts: given for the current window,
    /// bound to content that has not changed since (acceptance also to the
    /// current build); see [`Release::standing`] for why one does not.
    pub fn approval_current(&self, approval: &Approval) -> bool {
        !matches!(self.standing(approval), super::digest::Standing::Void(_))
    }

    /// Given for the current build and the current window.
    pub fn current(&self, at: Timestamp) -> bool {
        self.for_current_build(at) && self.for_current_window(at)
    }

    /// The readiness review, if it was held for the current build and
    /// window (one held before a fix cycle or a reschedule no longer
    /// counts).
    pub fn current_readiness(&self) -> Option<&Readiness> {
        self.readiness.as_ref().filter(|s| self.current(s.at))
    }

    /// The latest go or no-go decision, if it was given for the current
    /// build and window.
    pub fn current_go(&self) -> Option<&GoDecision> {
        self.go.last().filter(|s| self.current(s.at))
    }

    /// Advance notices that count: sent for the current window (not
    /// before a reschedule), completion notices excluded.
    pub fn advance_notices(&self) -> impl Iterator<Item = &Notification> {
        self.notifications
            .iter()
            .filter(|n| !n.completion && self.for_current_window(n.sent_at))
    }

    /// Notices of deployment completion.
    pub fn completion_notices(&self) -> impl Iterator<Item = &Notification> {
        self.notifications.iter().filter(|n| n.completion)
    }

    /// Where the release stands with its post-implementation review on
    /// `today`; `None` before it is closed.
    pub fn pir_status(&self, today: NaiveDate) -> Option<PirStatus> {
        if self.stage != Stage::Closed {
            return None;
        }
        if let Some(p) = &self.pir {
            return Some(PirStatus::Held(p.held));
        }
        match self.closure.as_ref().and_then(|c| c.pir_due) {
            Some(due) if due < today => Some(PirStatus::Overdue(due)),
            Some(due) => Some(PirStatus::Due(due)),
            None => Some(PirStatus::Session),
        }
    }

    /// Defects found after deployment (counted live, so that a defect
    /// found after close shows in `rel show` as in `rel metrics`).
    pub fn post_deploy_defects(&self) -> u32 {
        self.defects.iter().filter(|d| d.post_deploy).count() as u32
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

    /// How a deployment that started at `started` lies outside the booked
    /// window, if it does ("3h before the window opened").
    pub fn outside_window(&self, started: Timestamp) -> Option<String> {
        let start = self.window.start;
        let end = self.window.end();
        let span = |d: chrono::Duration| super::Duration::minutes(d.num_minutes()).to_string();
        if started < start {
            Some(format!(
                "started {} before the window opened",
                span(start - started)
            ))
        } else if started >= end {
            Some(format!(
                "started {} after the window closed",
                span(started - end)
            ))
        } else {
            None
        }
    }

    pub fn is_waived(&self, gate: &str, to: Stage) -> bool {
        self.waivers.iter().any(|w| w.gate == gate && w.to == to)
    }
}
