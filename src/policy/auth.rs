//! Who may approve what (SPEC section 3, "Authorisation").

use super::Policy;
use chrono::NaiveDate;

/// The role whose holders are the owners of the release's service.
pub const SERVICE_OWNER: &str = "service-owner";

/// The email inside `Name <email>`, or the whole string when it has no
/// angle brackets.
pub fn email_of(actor: &str) -> &str {
    match (actor.rfind('<'), actor.rfind('>')) {
        (Some(a), Some(b)) if a < b => actor[a + 1..b].trim(),
        _ => actor.trim(),
    }
}

/// How an actor holds a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authority {
    /// Listed in the role.
    Direct,
    /// Through an active delegation from this holder, active until (and
    /// including) `until`.
    Delegated { from: String, until: NaiveDate },
}

/// The people who hold `role` directly for `service`.
pub fn holders<'p>(policy: &'p Policy, role: &str, service: &str) -> &'p [String] {
    if role == SERVICE_OWNER {
        policy
            .services
            .get(service)
            .map(|s| s.owners.as_slice())
            .unwrap_or(&[])
    } else {
        policy.roles.get(role).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The role whose holder is the owner of the change acted on.
pub const CHANGE_OWNER: &str = "change-owner";

/// Checks that `email` holds `role` for `service` on `today`, directly or by
/// an active delegation. Delegations are not transitive: the `from` of a
/// delegation must hold the role directly. The error says why not.
pub fn authorise(
    policy: &Policy,
    role: &str,
    service: &str,
    email: &str,
    today: NaiveDate,
) -> Result<Authority, String> {
    authorise_among(
        policy,
        role,
        holders(policy, role, service),
        Some(service),
        email,
        today,
    )
}

/// Checks that `email` is one of `direct` (the holders of `role`) or an
/// active delegate of one of them on `today`. `service` scopes
/// service-owner delegations. Shared by approvals and permissions, so a
/// delegation means the same for every role (SPEC 3.1).
pub fn authorise_among(
    policy: &Policy,
    role: &str,
    direct: &[String],
    service: Option<&str>,
    email: &str,
    today: NaiveDate,
) -> Result<Authority, String> {
    if direct.iter().any(|h| h.eq_ignore_ascii_case(email)) {
        return Ok(Authority::Direct);
    }
    let mut expired = None;
    for d in &policy.delegations {
        if d.role != role || !d.to.eq_ignore_ascii_case(email) {
            continue;
        }
        if role == SERVICE_OWNER && d.service.as_deref() != service {
            continue;
        }
        if !direct.iter().any(|h| h.eq_ignore_ascii_case(&d.from)) {
            // A delegate cannot delegate further.
            continue;
        }
        if today > d.until {
            expired = Some(d);
            continue;
        }
        return Ok(Authority::Delegated {
            from: d.from.clone(),
            until: d.until,
        });
    }
    let who = match (role, service) {
        (SERVICE_OWNER, Some(service)) => format!("the service-owner role for `{service}`"),
        _ => format!("role `{role}`"),
    };
    Err(match expired {
        Some(d) => format!(
            "{email} does not hold {who}: the delegation from {} ended on {}",
            d.from, d.until
        ),
        None => {
            let listed = if direct.is_empty() {
                "nobody".to_string()
            } else {
                direct.join(", ")
            };
            format!("{email} does not hold {who} (held by {listed}) and has no active delegation")
        }
    })
}
