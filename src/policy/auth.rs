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
    /// Through an active delegation from this holder.
    Delegated { from: String },
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
    let direct = holders(policy, role, service);
    if direct.iter().any(|h| h.eq_ignore_ascii_case(email)) {
        return Ok(Authority::Direct);
    }
    let mut expired = None;
    for d in &policy.delegations {
        if d.role != role || !d.to.eq_ignore_ascii_case(email) {
            continue;
        }
        if role == SERVICE_OWNER && d.service.as_deref() != Some(service) {
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
        });
    }
    let who = if role == SERVICE_OWNER {
        format!("the service-owner role for `{service}`")
    } else {
        format!("role `{role}`")
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
