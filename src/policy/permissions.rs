//! Who may do what (SPEC 3.1): every command that changes records is an
//! action, and the policy's `permissions` map names the roles that may
//! perform it. The seed's first prerequisite is release-manager authority
//! "to schedule releases, coordinate resources, and approve promotion";
//! approvals alone are not enough.
//!
//! [`may`] is the one judgement: commands call it before they write, and the
//! review of a branch can call it with the base's policy for each commit's
//! author.

use super::Policy;
use super::auth::{self, Authority, CHANGE_OWNER, SERVICE_OWNER, authorise_among, email_of};
use crate::model::Timestamp;
use std::fmt;

/// Every action the permissions map may name, with its default roles.
/// `change-ready` is `rel change set --ready/--not-ready` alone: the change's
/// owner confirms readiness (seed: "Change owner confirms readiness").
pub const DEFAULTS: &[(&str, &[&str])] = &[
    ("plan", &["release-manager"]),
    ("amend", &["release-manager"]),
    ("reschedule", &["release-manager"]),
    ("promote", &["release-manager"]),
    ("demote", &["release-manager"]),
    ("cancel", &["release-manager"]),
    ("close", &["release-manager"]),
    ("record", &["release-manager", "release-team"]),
    ("defect", &["release-manager", "release-team"]),
    ("notify", &["release-manager"]),
    ("readiness", &["release-manager"]),
    ("go", &[SERVICE_OWNER]),
    ("deploy", &["deployment-team"]),
    ("pir", &["release-manager"]),
    ("change-add", &["release-manager"]),
    ("change-set", &["release-manager"]),
    ("change-ready", &["release-manager", CHANGE_OWNER]),
    ("change-import", &["release-manager"]),
];

/// The action names, in the order of [`DEFAULTS`].
pub fn actions() -> Vec<&'static str> {
    DEFAULTS.iter().map(|(a, _)| *a).collect()
}

pub fn is_action(name: &str) -> bool {
    DEFAULTS.iter().any(|(a, _)| *a == name)
}

/// The roles that may perform `action` under `policy`: the map's entry, else
/// the default. For `go` the default is the older `approvals.go` (itself
/// service-owner by default), so a policy written before `permissions`
/// keeps its meaning and `permissions.go`, when given, wins.
pub fn roles_for(policy: &Policy, action: &str) -> Vec<String> {
    if let Some(roles) = policy.permissions.get(action) {
        return roles.clone();
    }
    if action == "go" {
        return policy.approvals.go.clone();
    }
    DEFAULTS
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, roles)| roles.iter().map(|r| r.to_string()).collect())
        .unwrap_or_default()
}

/// What the action is done to: the release's service resolves
/// `service-owner`, the change's owner resolves `change-owner`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    pub service: Option<&'a str>,
    pub change_owner: Option<&'a str>,
}

impl<'a> Subject<'a> {
    pub fn release(service: &'a str) -> Subject<'a> {
        Subject {
            service: Some(service),
            change_owner: None,
        }
    }

    pub fn change(service: &'a str, owner: &'a str) -> Subject<'a> {
        Subject {
            service: Some(service),
            change_owner: Some(owner),
        }
    }

    /// Nothing particular (a bulk change import).
    pub fn none() -> Subject<'a> {
        Subject::default()
    }
}

/// How the actor came to be allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: String,
    pub authority: Authority,
}

/// Why an actor may not perform an action: the action, the actor, the roles
/// that may and who holds them, and why each role did not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub action: String,
    pub actor: String,
    /// The roles that may perform the action, each with its holders.
    pub allowed: Vec<(String, Vec<String>)>,
    /// A note per role the actor was close to (an expired delegation).
    pub notes: Vec<String>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who: Vec<String> = self
            .allowed
            .iter()
            .map(|(role, holders)| {
                if holders.is_empty() {
                    format!("{role} (nobody holds it: add it under roles: in policy.yaml)")
                } else {
                    format!("{role} ({})", holders.join(", "))
                }
            })
            .collect();
        write!(
            f,
            "{} may not {}: the policy gives `{}` to {}",
            self.actor,
            self.action,
            self.action,
            if who.is_empty() {
                "no role".to_string()
            } else {
                who.join(" or ")
            }
        )?;
        if !self.notes.is_empty() {
            write!(f, "; {}", self.notes.join("; "))?;
        }
        write!(f, " (policy.yaml permissions.{})", self.action)
    }
}

/// The people who hold `role` directly for `subject`.
fn holders(policy: &Policy, role: &str, subject: &Subject) -> Vec<String> {
    match role {
        SERVICE_OWNER => subject
            .service
            .map(|s| auth::holders(policy, SERVICE_OWNER, s).to_vec())
            .unwrap_or_default(),
        CHANGE_OWNER => subject
            .change_owner
            .map(|o| vec![email_of(o).to_string()])
            .unwrap_or_default(),
        other => policy.roles.get(other).cloned().unwrap_or_default(),
    }
}

/// May `actor` (`Name <email>` or an email) perform `action` on `subject`
/// at `now`? Delegations count for every role as they do for approvals,
/// judged on `now`'s date in the policy's zone. Pure: the review of a
/// branch calls it with the base's policy and each commit's author and
/// date.
pub fn may(
    policy: &Policy,
    action: &str,
    actor: &str,
    subject: &Subject,
    now: Timestamp,
) -> Result<Grant, Refusal> {
    let email = email_of(actor);
    let today = policy.local_date(now);
    let roles = roles_for(policy, action);
    let mut notes = vec![];
    let mut allowed = vec![];
    for role in &roles {
        let direct = holders(policy, role, subject);
        match authorise_among(policy, role, &direct, subject.service, email, today) {
            Ok(authority) => {
                return Ok(Grant {
                    role: role.clone(),
                    authority,
                });
            }
            Err(why) if why.contains("delegation from") => notes.push(why),
            Err(_) => {}
        }
        allowed.push((role.clone(), direct));
    }
    Err(Refusal {
        action: action.to_string(),
        actor: actor.to_string(),
        allowed,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(permissions: &str) -> Policy {
        let text = format!(
            r#"{{"timezone": "Europe/London",
            "roles": {{"release-manager": ["rm@example.com"], "release-team": ["rt@example.com"]}},
            "services": {{"finance": {{"owners": ["fo@example.com"]}}}},
            "delegations": [{{"role": "release-manager", "from": "rm@example.com",
                "to": "dep@example.com", "until": "2025-03-10"}}],
            "permissions": {{{permissions}}}}}"#
        );
        serde_json::from_str(&text).unwrap()
    }

    fn at(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn defaults_apply_to_an_action_the_map_does_not_name() {
        let p = policy("");
        let s = Subject::release("finance");
        let now = at("2025-03-01T09:00:00+00:00");
        assert!(may(&p, "plan", "rm@example.com", &s, now).is_ok());
        assert!(may(&p, "record", "rt@example.com", &s, now).is_ok());
        assert!(may(&p, "plan", "rt@example.com", &s, now).is_err());
        assert!(may(&p, "go", "fo@example.com", &s, now).is_ok());
        assert!(may(&p, "go", "rm@example.com", &s, now).is_err());
    }

    #[test]
    fn a_delegate_acts_until_the_delegation_ends() {
        let p = policy("");
        let s = Subject::release("finance");
        let g = may(
            &p,
            "promote",
            "dep@example.com",
            &s,
            at("2025-03-10T23:00:00+00:00"),
        )
        .unwrap();
        assert_eq!(g.role, "release-manager");
        let r = may(
            &p,
            "promote",
            "Dee <dep@example.com>",
            &s,
            at("2025-03-11T09:00:00+00:00"),
        )
        .unwrap_err();
        assert!(r.to_string().contains("ended on 2025-03-10"), "{r}");
    }

    #[test]
    fn the_map_moves_an_action_to_another_role() {
        let p = policy(r#""plan": ["release-team"]"#);
        let s = Subject::release("finance");
        let now = at("2025-03-01T09:00:00+00:00");
        assert!(may(&p, "plan", "rt@example.com", &s, now).is_ok());
        let r = may(&p, "plan", "rm@example.com", &s, now).unwrap_err();
        assert_eq!(
            r.to_string(),
            "rm@example.com may not plan: the policy gives `plan` to release-team (rt@example.com) (policy.yaml permissions.plan)"
        );
    }

    #[test]
    fn the_change_owner_resolves_per_change() {
        let p = policy("");
        let now = at("2025-03-01T09:00:00+00:00");
        let mine = Subject::change("finance", "Dev <dev@example.com>");
        assert!(may(&p, "change-ready", "dev@example.com", &mine, now).is_ok());
        let other = Subject::change("finance", "other@example.com");
        assert!(may(&p, "change-ready", "dev@example.com", &other, now).is_err());
        assert!(may(&p, "change-set", "dev@example.com", &mine, now).is_err());
    }
}
