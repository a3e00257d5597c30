//! The policy file: roles, services, release types, gates, timeline, limits
//! (SPEC sections 3 and 8). Written by people; rel only reads it.

pub mod auth;
pub mod gate_names;
pub mod permissions;

pub use crate::model::Versioning;
pub mod import;

use crate::model::{ChangeIdPattern, ReleaseType, Stage, TestCategory};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// IANA time zone; every local time is read in it.
    pub timezone: String,
    /// Role name -> emails of the people holding it.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    #[serde(default)]
    pub delegations: Vec<Delegation>,
    #[serde(default)]
    pub ids: Ids,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub timeline: Timeline,
    /// Business days of notice per impact, the older form of
    /// `notifications`: read when `notifications` does not name the impact.
    #[serde(default)]
    pub lead_times: LeadTimes,
    /// Impact -> lead time and the audiences to notify (SPEC 3.5, the seed's
    /// table). Where it names an impact it wins over `lead_times`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notifications: BTreeMap<crate::model::Impact, NotificationRule>,
    #[serde(default)]
    pub emergency: Emergency,
    /// The readiness review is held at least this many hours before the
    /// window starts (seed: "24 hours before scheduled deployment").
    #[serde(default = "default_readiness_hours")]
    pub readiness_hours: u32,
    /// ... and at most this many hours before it: a review held earlier
    /// says little about the deployment day.
    #[serde(default = "default_readiness_max_hours")]
    pub readiness_max_hours: u32,
    /// Major releases need a post-implementation review within this many
    /// business days of deployment.
    #[serde(default = "default_pir_days")]
    pub pir_business_days: u32,
    #[serde(default)]
    pub approvals: Approvals,
    #[serde(default)]
    pub waivers: Waivers,
    /// Action (a command name) -> the roles that may perform it (SPEC 3.1).
    /// An action not named keeps its default; `rel init` lists them all.
    #[serde(default)]
    pub permissions: BTreeMap<String, Vec<String>>,
    /// Release type -> test category -> required scope. A category absent
    /// or `not-required` is not required.
    #[serde(default = "default_test_matrix")]
    pub test_matrix: BTreeMap<ReleaseType, BTreeMap<TestCategory, String>>,
    /// Target stage -> the gates a release must pass to enter it.
    #[serde(default = "gate_names::default_gates")]
    pub gates: BTreeMap<Stage, Vec<GateSpec>>,
    /// Commits that make transitions must be signed (checked by `rel check --base`).
    #[serde(default)]
    pub require_signed: bool,
    /// How far an evidence timestamp may precede its commit before it is
    /// reported as back-dated, in minutes.
    #[serde(default = "default_backdate_minutes")]
    pub backdate_tolerance_minutes: u32,
    /// How `rel change import` reads this organisation's exports.
    #[serde(default)]
    pub import: import::ImportMapping,
    /// The shared remote branch that is the team's booking ledger (SPEC
    /// section 5.1); absent: no remote sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncPolicy>,
}

/// `sync: {remote: origin, branch: main}`: changing commands run on
/// `branch` fetch from and push to `remote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncPolicy {
    /// The git remote's name, as in `git remote -v` (e.g. `origin`).
    pub remote: String,
    /// The branch that is published (e.g. `main`).
    pub branch: String,
}

fn default_readiness_hours() -> u32 {
    24
}
fn default_readiness_max_hours() -> u32 {
    72
}
fn default_pir_days() -> u32 {
    5
}
fn default_backdate_minutes() -> u32 {
    60
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The service-owner role for this service.
    #[serde(default)]
    pub owners: Vec<String>,
    /// Conflicts propagate along these edges.
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub versioning: Versioning,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    pub role: String,
    /// For `service-owner`, the service the delegation covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub from: String,
    pub to: String,
    /// Last day (inclusive) the delegation is active.
    pub until: chrono::NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ids {
    /// Change id pattern: `YYYY` a year, `N` a digit, `N+` digits.
    #[serde(default = "default_change_pattern")]
    pub change: String,
}

fn default_change_pattern() -> String {
    ChangeIdPattern::default().0
}

impl Default for Ids {
    fn default() -> Self {
        Ids {
            change: default_change_pattern(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// More changes than this warns (seed: "a typical release includes 3 to 15").
    #[serde(default = "default_warn")]
    pub changes_warn: u32,
    /// More changes than this is refused (seed: "more than 20 warrant splitting").
    #[serde(default = "default_max")]
    pub changes_max: u32,
    /// A change's target date aligns with the release when it is at most
    /// this many days from the deployment date.
    #[serde(default = "default_tolerance")]
    pub target_tolerance_days: u32,
}

fn default_tolerance() -> u32 {
    7
}

fn default_warn() -> u32 {
    15
}
fn default_max() -> u32 {
    20
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            changes_warn: default_warn(),
            changes_max: default_max(),
            target_tolerance_days: default_tolerance(),
        }
    }
}

/// Calendar days before the target for each milestone (seed worked example:
/// 2, 4, 8, 10), extended by `major_extension_percent` for major releases.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timeline {
    #[serde(default = "d2")]
    pub staging_days: u32,
    #[serde(default = "d4")]
    pub test_days: u32,
    #[serde(default = "d8")]
    pub build_days: u32,
    #[serde(default = "d10")]
    pub planning_days: u32,
    #[serde(default = "d50")]
    pub major_extension_percent: u32,
}

fn d2() -> u32 {
    2
}
fn d4() -> u32 {
    4
}
fn d8() -> u32 {
    8
}
fn d10() -> u32 {
    10
}
fn d50() -> u32 {
    50
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            staging_days: 2,
            test_days: 4,
            build_days: 8,
            planning_days: 10,
            major_extension_percent: 50,
        }
    }
}

/// Business days of advance notice per impact (seed: 5/3/1).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadTimes {
    #[serde(default = "d5")]
    pub high: u32,
    #[serde(default = "d3")]
    pub medium: u32,
    #[serde(default = "d1")]
    pub low: u32,
}

fn d5() -> u32 {
    5
}
fn d3() -> u32 {
    3
}
fn d1() -> u32 {
    1
}

impl Default for LeadTimes {
    fn default() -> Self {
        LeadTimes {
            high: 5,
            medium: 3,
            low: 1,
        }
    }
}

impl LeadTimes {
    pub fn for_impact(&self, impact: crate::model::Impact) -> u32 {
        match impact {
            crate::model::Impact::High => self.high,
            crate::model::Impact::Medium => self.medium,
            crate::model::Impact::Low => self.low,
        }
    }
}

/// One impact level's notice: business days ahead, and who is told.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationRule {
    pub lead_days: u32,
    #[serde(default)]
    pub audiences: Vec<String>,
}

/// Emergency releases (SPEC 3.4): not a way around the calendar.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    /// How far ahead an emergency release may be planned, in hours.
    #[serde(default = "default_max_lead_hours")]
    pub max_lead_hours: u32,
}

fn default_max_lead_hours() -> u32 {
    72
}

impl Default for Emergency {
    fn default() -> Self {
        Emergency {
            max_lead_hours: default_max_lead_hours(),
        }
    }
}

/// The seed's audiences ("Notification audience") per impact, used when the
/// policy's `notifications` does not name the impact.
pub fn default_audiences(impact: crate::model::Impact) -> Vec<String> {
    use crate::model::Impact;
    let names: &[&str] = match impact {
        Impact::High => &["all-users", "leadership", "partners"],
        Impact::Medium => &["affected-users", "support-team"],
        Impact::Low => &["technical-teams"],
    };
    names.iter().map(|s| s.to_string()).collect()
}

/// Who must approve what. `service-owner` names the owners of the release's
/// service; every other role name is looked up in `roles`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approvals {
    /// Release type -> roles that must approve the release definition.
    #[serde(default = "default_definition")]
    pub definition: BTreeMap<ReleaseType, Vec<String>>,
    /// Roles that may give acceptance sign-off.
    #[serde(default = "default_owner_only")]
    pub acceptance: Vec<String>,
    /// Roles that may give the go decision.
    #[serde(default = "default_owner_only")]
    pub go: Vec<String>,
    /// Role -> number of distinct approvers required (default 1).
    #[serde(default)]
    pub min_approvers: BTreeMap<String, u32>,
    /// May the person who planned a release approve its definition?
    #[serde(default)]
    pub self_approval: bool,
}

fn default_owner_only() -> Vec<String> {
    vec![auth::SERVICE_OWNER.to_string()]
}

fn default_definition() -> BTreeMap<ReleaseType, Vec<String>> {
    BTreeMap::from([
        (
            ReleaseType::Major,
            vec![auth::SERVICE_OWNER.to_string(), "cab".to_string()],
        ),
        (ReleaseType::Minor, vec![auth::SERVICE_OWNER.to_string()]),
        (ReleaseType::Patch, vec!["release-manager".to_string()]),
        (ReleaseType::Emergency, vec!["emergency-cab".to_string()]),
    ])
}

impl Default for Approvals {
    fn default() -> Self {
        Approvals {
            definition: default_definition(),
            acceptance: default_owner_only(),
            go: default_owner_only(),
            min_approvers: BTreeMap::new(),
            self_approval: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waivers {
    /// Roles whose holders may waive a waivable gate.
    #[serde(default = "default_waiver_roles")]
    pub roles: Vec<String>,
}

fn default_waiver_roles() -> Vec<String> {
    vec!["release-manager".to_string()]
}

impl Default for Waivers {
    fn default() -> Self {
        Waivers {
            roles: default_waiver_roles(),
        }
    }
}

/// The seed's test matrix ("Test coverage scales with release type").
pub fn default_test_matrix() -> BTreeMap<ReleaseType, BTreeMap<TestCategory, String>> {
    use TestCategory::*;
    let row = |items: &[(TestCategory, &str)]| {
        items
            .iter()
            .map(|(c, s)| (*c, s.to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    BTreeMap::from([
        (
            ReleaseType::Patch,
            row(&[
                (Smoke, "required"),
                (FunctionalChanged, "required"),
                (FunctionalUnchanged, "sample"),
                (Regression, "critical-paths"),
                (Integration, "affected-interfaces"),
                (Security, "vulnerability-scan"),
            ]),
        ),
        (
            ReleaseType::Minor,
            row(&[
                (Smoke, "required"),
                (FunctionalChanged, "required"),
                (FunctionalUnchanged, "required"),
                (Regression, "full-suite"),
                (Integration, "all-interfaces"),
                (Performance, "baseline-comparison"),
                (Security, "vulnerability-scan"),
            ]),
        ),
        (
            ReleaseType::Major,
            row(&[
                (Smoke, "required"),
                (FunctionalChanged, "required"),
                (FunctionalUnchanged, "required"),
                (Regression, "full-suite"),
                (Integration, "all-interfaces"),
                (Performance, "full-load-test"),
                (Security, "penetration-test"),
            ]),
        ),
        // Emergency: "minimum viable verification" (seed, "Emergency releases").
        (ReleaseType::Emergency, row(&[(Smoke, "required")])),
    ])
}

/// One gate selected for a transition: a bare name, or a map that narrows it
/// to some release types or makes it waivable.
#[derive(Debug, Clone, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GateSpec {
    pub name: String,
    /// Only these release types run the gate (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<ReleaseType>,
    /// A holder of a waiver role may waive it with `--waive`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waivable: bool,
}

impl<'de> Deserialize<'de> for GateSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            name: String,
            #[serde(default)]
            types: Vec<ReleaseType>,
            #[serde(default)]
            waivable: bool,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Name(String),
            Full(Full),
        }
        match Either::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "a gate is a name (e.g. changes-approved) or {name, types, waivable}",
            )
        })? {
            Either::Name(name) => Ok(GateSpec {
                name,
                types: vec![],
                waivable: false,
            }),
            Either::Full(f) => Ok(GateSpec {
                name: f.name,
                types: f.types,
                waivable: f.waivable,
            }),
        }
    }
}

/// Written by hand rather than derived: the file holds either form, and the
/// name must be one of the gates rel knows (a misspelt gate is an error in
/// the editor as it is when rel loads the policy).
impl schemars::JsonSchema for GateSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "GateSpec".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let name = generator.subschema_for::<GateName>();
        let types = generator.subschema_for::<Vec<ReleaseType>>();
        schemars::json_schema!({
            "description": "A gate for this transition: its name, or {name, types, waivable}.",
            "oneOf": [
                name.clone(),
                {
                    "type": "object",
                    "properties": {
                        "name": name,
                        "types": {
                            "description": "Only these release types run the gate (all when absent).",
                            "allOf": [types]
                        },
                        "waivable": {
                            "description": "A holder of a waiver role may waive it with `--waive`.",
                            "type": "boolean"
                        }
                    },
                    "required": ["name"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// The name of a built-in gate.
pub struct GateName;

impl schemars::JsonSchema for GateName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "GateName".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A built-in gate.",
            "type": "string",
            "enum": gate_names::NAMES
        })
    }
}

impl GateSpec {
    pub fn applies_to(&self, kind: ReleaseType) -> bool {
        self.types.is_empty() || self.types.contains(&kind)
    }
}

impl Policy {
    pub fn tz(&self) -> chrono_tz::Tz {
        // Validated by `validate` when the policy is loaded.
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// `t` as people read it in messages and commit bodies: in the policy's
    /// zone, labelled with the zone's abbreviation (`2025-03-14 18:43 GMT`),
    /// whatever offset it was recorded with.
    pub fn time(&self, t: crate::model::Timestamp) -> String {
        t.with_timezone(&self.tz())
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// The calendar date of `t` in the policy's zone: delegations, lead
    /// times and deadlines are dates there, whatever offset `t` carries.
    pub fn local_date(&self, t: crate::model::Timestamp) -> chrono::NaiveDate {
        t.with_timezone(&self.tz()).date_naive()
    }

    /// Business days of notice for `impact`: `notifications` wins, else
    /// `lead_times`.
    pub fn lead_days(&self, impact: crate::model::Impact) -> u32 {
        self.notifications
            .get(&impact)
            .map(|n| n.lead_days)
            .unwrap_or_else(|| self.lead_times.for_impact(impact))
    }

    /// The audiences an `impact` release must notify.
    pub fn audiences(&self, impact: crate::model::Impact) -> Vec<String> {
        self.notifications
            .get(&impact)
            .map(|n| n.audiences.clone())
            .unwrap_or_else(|| default_audiences(impact))
    }

    /// Every audience name any impact level uses (what `rel notify
    /// --audience` accepts).
    pub fn all_audiences(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        for impact in [
            crate::model::Impact::High,
            crate::model::Impact::Medium,
            crate::model::Impact::Low,
        ] {
            for a in self.audiences(impact) {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        out
    }

    /// Checks `id` against the change id pattern (`ids.change`) and
    /// returns the folder it is sharded in (see
    /// [`ChangeIdPattern::shard_of`]).
    pub fn change_shard_of(&self, id: &str) -> crate::error::Result<i32> {
        ChangeIdPattern::shard_in(&self.ids.change, id)
    }

    /// Whether the required scope for `category` in `kind` means "run it".
    pub fn required_tests(&self, kind: ReleaseType) -> Vec<(TestCategory, String)> {
        self.test_matrix
            .get(&kind)
            .map(|row| {
                row.iter()
                    .filter(|(_, scope)| scope.as_str() != "not-required")
                    .map(|(c, s)| (*c, s.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Services `service` depends on or that depend on it, followed
    /// transitively in both directions, plus itself.
    pub fn related_services(&self, service: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::from([service.to_string()]);
        let mut frontier = vec![service.to_string()];
        while let Some(s) = frontier.pop() {
            let mut next: Vec<String> = self
                .services
                .get(&s)
                .map(|svc| svc.depends_on.clone())
                .unwrap_or_default();
            next.extend(
                self.services
                    .iter()
                    .filter(|(_, svc)| svc.depends_on.contains(&s))
                    .map(|(name, _)| name.clone()),
            );
            for n in next {
                if out.insert(n.clone()) {
                    frontier.push(n);
                }
            }
        }
        out
    }

    /// Checks what serde cannot: the time zone, references between sections,
    /// gate names. Each problem names the field.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = vec![];
        // Numbers that become date arithmetic: bounded so that a typo (or
        // a hostile value) is an error naming the field, never an overflow.
        let t = &self.timeline;
        let lead = &self.lead_times;
        for (field, value, max, unit) in [
            ("timeline.staging_days", t.staging_days, 3650, "days"),
            ("timeline.test_days", t.test_days, 3650, "days"),
            ("timeline.build_days", t.build_days, 3650, "days"),
            ("timeline.planning_days", t.planning_days, 3650, "days"),
            (
                "timeline.major_extension_percent",
                t.major_extension_percent,
                1000,
                "percent",
            ),
            ("lead_times.high", lead.high, 260, "business days"),
            ("lead_times.medium", lead.medium, 260, "business days"),
            ("lead_times.low", lead.low, 260, "business days"),
            ("readiness_hours", self.readiness_hours, 8784, "hours"),
            (
                "pir_business_days",
                self.pir_business_days,
                260,
                "business days",
            ),
            (
                "backdate_tolerance_minutes",
                self.backdate_tolerance_minutes,
                527_040,
                "minutes",
            ),
            (
                "limits.target_tolerance_days",
                self.limits.target_tolerance_days,
                3650,
                "days",
            ),
        ] {
            if value > max {
                problems.push(format!(
                    "{field}: {value} is too large; at most {max} {unit}"
                ));
            }
        }
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            problems.push(format!(
                "timezone: `{}` is not an IANA time zone name (for example Europe/London)",
                self.timezone
            ));
        }
        for (name, svc) in &self.services {
            for dep in &svc.depends_on {
                if !self.services.contains_key(dep) {
                    problems.push(format!(
                        "services.{name}.depends_on: unknown service `{dep}`"
                    ));
                }
            }
        }
        import::validate(self, &mut problems);
        let known_role = |r: &str| r == auth::SERVICE_OWNER || self.roles.contains_key(r);
        for (kind, roles) in &self.approvals.definition {
            for r in roles {
                if !known_role(r) {
                    problems.push(format!(
                        "approvals.definition.{kind}: unknown role `{r}` (not under roles:)"
                    ));
                }
            }
        }
        for (field, roles) in [
            ("approvals.acceptance", &self.approvals.acceptance),
            ("approvals.go", &self.approvals.go),
            ("waivers.roles", &self.waivers.roles),
        ] {
            for r in roles {
                if !known_role(r) {
                    problems.push(format!("{field}: unknown role `{r}` (not under roles:)"));
                }
            }
        }
        for (action, roles) in &self.permissions {
            if !permissions::is_action(action) {
                problems.push(format!(
                    "permissions.{action}: unknown action; actions: {}",
                    permissions::actions().join(", ")
                ));
            }
            for r in roles {
                if !known_role(r) && r != auth::CHANGE_OWNER {
                    problems.push(format!(
                        "permissions.{action}: unknown role `{r}` (not under roles:, nor service-owner or change-owner)"
                    ));
                }
            }
        }
        for (i, d) in self.delegations.iter().enumerate() {
            if !known_role(&d.role) && d.role != auth::CHANGE_OWNER {
                problems.push(format!("delegations[{i}].role: unknown role `{}`", d.role));
            }
            if let Some(s) = &d.service
                && !self.services.contains_key(s)
            {
                problems.push(format!("delegations[{i}].service: unknown service `{s}`"));
            }
            if d.role == auth::SERVICE_OWNER && d.service.is_none() {
                problems.push(format!(
                    "delegations[{i}].service: a service-owner delegation names its service"
                ));
            }
        }
        for (stage, specs) in &self.gates {
            for spec in specs {
                if !gate_names::is_known(&spec.name) {
                    problems.push(format!(
                        "gates.{stage}: unknown gate `{}`; known gates: {}",
                        spec.name,
                        gate_names::NAMES.join(", ")
                    ));
                } else if gate_names::transition_of(&spec.name) != Some(*stage) {
                    // A gate may be listed under a later transition too, but
                    // never before the evidence it reads can exist.
                    if gate_names::transition_of(&spec.name).is_some_and(|t| t > *stage) {
                        problems.push(format!(
                            "gates.{stage}: gate `{}` reads evidence recorded later; list it under gates.{}",
                            spec.name,
                            gate_names::transition_of(&spec.name).unwrap()
                        ));
                    }
                }
            }
        }
        if self.readiness_hours > self.readiness_max_hours {
            problems.push(format!(
                "readiness_max_hours: {} is less than readiness_hours ({}); the review could never be held in time",
                self.readiness_max_hours, self.readiness_hours
            ));
        }
        if self.limits.changes_warn > self.limits.changes_max {
            problems.push("limits.changes_warn: must not exceed limits.changes_max".to_string());
        }
        // Records are sharded by the id's year, or without one by its
        // number: a pattern needs one of them.
        if !self.ids.change.contains("YYYY") && !self.ids.change.contains('N') {
            problems.push(format!(
                "ids.change: pattern `{}` has neither YYYY (a year) nor N (a digit) to shard records by",
                self.ids.change
            ));
        }
        problems
    }
}
