//! Rules on the records as they are: references between releases and
//! change references, authorisation of approvals, closure and cancellation.

use super::Finding;
use crate::model::node::Seg::{self, Index, Key};
use crate::model::{ChangeRef, Purpose, Release, Stage};
use crate::policy::Policy;
use crate::policy::auth::{authorise, email_of};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn add(f: &mut Vec<Finding>, path: &Path, at: &[Seg], message: String) {
    f.push(Finding::new(path, at, "records", message));
}

/// Cross-record checks: references, authorisation of approvals.
pub fn check_records(
    policy: &Policy,
    releases: &[(PathBuf, Release)],
    changes: &[(PathBuf, ChangeRef)],
    f: &mut Vec<Finding>,
) {
    for (path, c) in changes {
        check_change(policy, path, c, f);
    }
    for (path, r) in releases {
        check_release(policy, path, r, f);
    }
    let releases: Vec<ReleaseLinks> = releases
        .iter()
        .map(|(path, r)| ReleaseLinks::of(path, r))
        .collect();
    let changes: Vec<ChangeLinks> = changes
        .iter()
        .map(|(path, c)| ChangeLinks::of(path, c))
        .collect();
    check_links(&releases, &changes, f);
}

/// What the rules between records need of a release: a whole-repository
/// check keeps this much of each record, not the record.
#[derive(Debug, Clone)]
pub struct ReleaseLinks {
    pub path: PathBuf,
    pub id: String,
    pub cancelled: bool,
    pub changes: Vec<String>,
    pub depends_on: Vec<String>,
}

impl ReleaseLinks {
    pub fn of(path: &Path, r: &Release) -> ReleaseLinks {
        ReleaseLinks {
            path: path.to_path_buf(),
            id: r.id.clone(),
            cancelled: r.stage == Stage::Cancelled,
            changes: r.changes.clone(),
            depends_on: r.depends_on.clone(),
        }
    }
}

/// What the rules between records need of a change reference.
#[derive(Debug, Clone)]
pub struct ChangeLinks {
    pub path: PathBuf,
    pub id: String,
    pub release: Option<String>,
}

impl ChangeLinks {
    pub fn of(path: &Path, c: &ChangeRef) -> ChangeLinks {
        ChangeLinks {
            path: path.to_path_buf(),
            id: c.id.clone(),
            release: c.release.clone(),
        }
    }
}

/// The rules on one change reference alone.
pub fn check_change(policy: &Policy, path: &Path, c: &ChangeRef, f: &mut Vec<Finding>) {
    if !policy.services.contains_key(&c.service) {
        add(
            f,
            path,
            &[Key("service")],
            format!("service: unknown service `{}`", c.service),
        );
    }
}

/// The rules on one release alone: its service and version, the
/// authority of its approvals, its defects, closure and cancellation.
pub fn check_release(policy: &Policy, path: &Path, r: &Release, f: &mut Vec<Finding>) {
    if !policy.services.contains_key(&r.service) {
        add(
            f,
            path,
            &[Key("service")],
            format!("service: unknown service `{}`", r.service),
        );
    }
    if let Some(v) = &r.version {
        let versioning = policy
            .services
            .get(&r.service)
            .map(|s| s.versioning)
            .unwrap_or_default();
        if let Err(e) = crate::model::version::Version::parse(versioning, v) {
            add(f, path, &[Key("version")], format!("version: {e}"));
        }
    }
    for (i, a) in r.approvals.iter().enumerate() {
        let at = [Key("approvals"), Index(i), Key("by")];
        if let Err(e) = authorise(
            policy,
            &a.role,
            &r.service,
            email_of(&a.by),
            policy.local_date(a.at),
        ) {
            add(
                f,
                path,
                &at,
                format!("approvals: {} approval as {}: {e}", a.purpose, a.role),
            );
        }
        if a.purpose == Purpose::Definition
            && !policy.approvals.self_approval
            && email_of(&a.by).eq_ignore_ascii_case(email_of(&r.planned_by))
        {
            add(
                f,
                path,
                &at,
                format!(
                    "approvals: {} planned the release and may not approve its definition",
                    a.by
                ),
            );
        }
    }
    let mut defect_ids = std::collections::BTreeSet::new();
    for (i, d) in r.defects.iter().enumerate() {
        if !defect_ids.insert(d.id.as_str()) {
            add(
                f,
                path,
                &[Key("defects"), Index(i), Key("id")],
                format!("defects: {} appears twice", d.id),
            );
        }
    }
    if r.stage == Stage::Closed && r.closure.is_none() {
        add(
            f,
            path,
            &[Key("stage")],
            "stage: closed without closure metrics (use `rel close`)".to_string(),
        );
    }
    if r.stage == Stage::Cancelled && r.cancellation.is_none() {
        add(
            f,
            path,
            &[Key("stage")],
            "stage: cancelled without a reason (use `rel cancel`)".to_string(),
        );
    }
}

/// The rules between records: every reference names a record that
/// exists, a change reference and the release holding it agree, and no
/// change is in two live releases.
pub fn check_links(releases: &[ReleaseLinks], changes: &[ChangeLinks], f: &mut Vec<Finding>) {
    // Each change by id, as its index in `changes` (the last, should an id
    // appear twice).
    let change_by_id: HashMap<&str, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let release_by_id: HashMap<&str, &ReleaseLinks> =
        releases.iter().map(|r| (r.id.as_str(), r)).collect();
    // Each change's live holders, as (release index, index of the entry):
    // the first one by change index, and any others in a map (most changes
    // have one; no list is made for them).
    const NONE: (u32, u32) = (u32::MAX, u32::MAX);
    let mut first_holder = vec![NONE; changes.len()];
    let mut other_holders: HashMap<usize, Vec<(u32, u32)>> = HashMap::new();

    for c in changes {
        if let Some(rel) = &c.release {
            match release_by_id.get(rel.as_str()) {
                None => add(
                    f,
                    &c.path,
                    &[Key("release")],
                    format!("release: no release {rel}"),
                ),
                Some(r) if !r.changes.contains(&c.id) => add(
                    f,
                    &c.path,
                    &[Key("release")],
                    format!("release: {rel} does not include {}", c.id),
                ),
                Some(_) => {}
            }
        }
    }

    for (ri, r) in releases.iter().enumerate() {
        let path = r.path.as_path();
        for (i, c) in r.changes.iter().enumerate() {
            let at = [Key("changes"), Index(i)];
            match change_by_id.get(c.as_str()) {
                None => add(f, path, &at, format!("changes: no change reference {c}")),
                Some(&ci) => {
                    if !r.cancelled {
                        // Record files are far fewer than 2^32, and so are
                        // the entries of one.
                        let holder = (ri as u32, i as u32);
                        if first_holder[ci] == NONE {
                            first_holder[ci] = holder;
                        } else {
                            other_holders.entry(ci).or_default().push(holder);
                        }
                        let change = &changes[ci];
                        if change.release.as_deref() != Some(r.id.as_str()) {
                            add(
                                f,
                                path,
                                &at,
                                format!(
                                    "changes: {c} is held by {} according to its change reference",
                                    change.release.as_deref().unwrap_or("no release")
                                ),
                            );
                        }
                    }
                }
            }
        }
        for (i, d) in r.depends_on.iter().enumerate() {
            if !release_by_id.contains_key(d.as_str()) {
                add(
                    f,
                    path,
                    &[Key("depends_on"), Index(i)],
                    format!("depends_on: no release {d}"),
                );
            }
        }
    }
    // A change in several live releases: the finding goes to every release
    // but the one its change reference names (the legitimate holder). In
    // change id order.
    let mut shared: Vec<(usize, Vec<(u32, u32)>)> = other_holders.into_iter().collect();
    shared.sort_unstable_by(|a, b| changes[a.0].id.cmp(&changes[b.0].id));
    for (ci, others) in shared {
        let change = &changes[ci];
        let list = [vec![first_holder[ci]], others].concat();
        let ids: Vec<&str> = list
            .iter()
            .map(|&(ri, _)| releases[ri as usize].id.as_str())
            .collect();
        for &(ri, i) in &list {
            let r = &releases[ri as usize];
            if Some(r.id.as_str()) == change.release.as_deref() {
                continue;
            }
            add(
                f,
                &r.path,
                &[Key("changes"), Index(i as usize)],
                format!(
                    "changes: {} is in several releases: {}",
                    change.id,
                    ids.join(", ")
                ),
            );
        }
    }
}
