//! Who may make a change (SPEC 3.1) along a branch: each commit's author
//! must hold the permission for what the commit did under the policy the
//! branch is merged into, so a branch cannot grant itself a role and then
//! act in it. For rel's commits the action is their `Rel-Action` trailer;
//! for a hand edit (or a trailer naming no action) it is what the edit
//! changed.

use super::evidence::Entry;
use crate::model::history::Commit;
use crate::model::node::Seg::{self, Key};
use crate::model::{ChangeRef, Release, Stage};
use crate::policy::permissions::{self, Subject};

/// What a commit did to a record that needs a permission: any one of
/// `actions` permits it; `at` is where in the file to report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Need {
    pub(crate) actions: Vec<&'static str>,
    pub(crate) at: Vec<Seg>,
}

fn need(actions: &[&'static str], at: Vec<Seg>) -> Need {
    Need {
        actions: actions.to_vec(),
        at,
    }
}

/// The action name of a rel commit's trailer, if it names one the
/// permissions map knows.
fn rel_action(c: &Commit) -> Option<&'static str> {
    let a = c.trailer("Rel-Action")?;
    permissions::DEFAULTS
        .iter()
        .map(|(name, _)| *name)
        .find(|name| *name == a)
}

/// The action an evidence section implies when it gains an entry.
/// Approvals and waivers are judged by their own roles elsewhere.
fn section_action(section: &str) -> Option<&'static str> {
    Some(match section {
        "build" | "tests" => "record",
        "defects" => "defect",
        "notifications" => "notify",
        "readiness" => "readiness",
        "go" => "go",
        "deployment" => "deploy",
        "closure" => "close",
        "pir" => "pir",
        "reschedules" => "reschedule",
        "fix_cycles" => "demote",
        "cancellation" => "cancel",
        _ => return None,
    })
}

/// What a commit changing a release record from `before` to `after` did,
/// as permissions; `added` are the evidence entries it added.
pub(crate) fn release_needs(
    c: &Commit,
    before: Option<&Release>,
    after: &Release,
    added: &[Entry],
) -> Vec<Need> {
    let stage_moved = before.is_some_and(|b| b.stage != after.stage);
    if c.is_rel() {
        // `approve --for go` records the go decision under `go`.
        if c.trailer("Rel-Action") == Some("approve") {
            return added
                .iter()
                .filter(|e| e.section == "go")
                .map(|e| need(&["go"], e.at.clone()))
                .take(1)
                .collect();
        }
        if let Some(action) = rel_action(c) {
            let at = if stage_moved {
                vec![Key("stage")]
            } else {
                added
                    .iter()
                    .find(|e| section_action(e.section).is_some())
                    .map(|e| e.at.clone())
                    .unwrap_or_else(|| vec![Key("id")])
            };
            return vec![need(&[action], at)];
        }
    }
    // A hand edit: the actions its changes imply.
    let mut out: Vec<Need> = vec![];
    let mut push = |n: Need| {
        if !out.iter().any(|o| o.actions == n.actions) {
            out.push(n);
        }
    };
    match before {
        None => push(need(&["plan"], vec![Key("id")])),
        Some(b) if b.stage != after.stage => {
            let action = if after.stage == Stage::Cancelled {
                "cancel"
            } else if after.stage < b.stage {
                "demote"
            } else {
                "promote"
            };
            push(need(&[action], vec![Key("stage")]));
        }
        Some(_) => {}
    }
    for e in added {
        if let Some(action) = section_action(e.section) {
            push(need(&[action], e.at.clone()));
        }
    }
    out
}

/// What a commit changing a change reference did, as permissions.
pub(crate) fn change_needs(c: &Commit, before: Option<&ChangeRef>, after: &ChangeRef) -> Vec<Need> {
    if c.is_rel() {
        return match c.trailer("Rel-Action") {
            Some("change-add") => vec![need(&["change-add"], vec![Key("id")])],
            Some("change-import") => vec![need(&["change-import"], vec![Key("id")])],
            Some("change-set") => change_set(before, after),
            // Plan, close and cancel change references as part of a
            // release's story; the release's record is judged for them.
            _ => vec![],
        };
    }
    match before {
        None => vec![need(&["change-add"], vec![Key("id")])],
        Some(_) => change_set(before, after),
    }
}

/// A change reference edited: its readiness alone is the change owner's
/// (or the release manager's) to confirm; anything else is `change-set`.
fn change_set(before: Option<&ChangeRef>, after: &ChangeRef) -> Vec<Need> {
    let Some(before) = before else {
        return vec![need(&["change-set"], vec![Key("id")])];
    };
    let (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return vec![need(&["change-set"], vec![Key("id")])];
    };
    let changed: Vec<&String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .collect();
    if changed.is_empty() {
        return vec![];
    }
    if changed.iter().all(|k| k.as_str() == "ready") {
        return vec![need(&["change-ready", "change-set"], vec![Key("ready")])];
    }
    vec![need(&["change-set"], vec![Key("id")])]
}

/// Why the author of `c` may not do what `n` needs to `subject` under
/// `policy`, if they may not (judged on the commit's author date).
pub(crate) fn refused(
    policy: &crate::policy::Policy,
    c: &Commit,
    n: &Need,
    subject: &Subject,
) -> Option<permissions::Refusal> {
    let actor = format!("{} <{}>", c.author, c.email);
    let mut first = None;
    for action in &n.actions {
        match permissions::may(policy, action, &actor, subject, c.time) {
            Ok(_) => return None,
            Err(r) => {
                first.get_or_insert(r);
            }
        }
    }
    first
}
