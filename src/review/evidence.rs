//! What changed in a record between two versions: its evidence entries,
//! its definition, the controls of a change reference; and what a merge
//! did beyond taking each side's work.

use crate::model::history::Commit;
use crate::model::node::Seg::{self, Index, Key};
use crate::model::{ChangeRef, Release, Stage, Timestamp, Waiver};
use crate::policy::Policy;
use crate::policy::auth::{authorise, email_of};
use serde::Serialize;

/// An evidence entry of a release: where it is in the file, who recorded
/// it and when.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) section: &'static str,
    /// Its node in the file: `[section, index]`, or `[section]` for the
    /// single-valued ones (readiness, go, ...).
    pub(crate) at: Vec<Seg>,
    /// The key holding its time (`at`, `sent_at`, `resolved_at`).
    pub(crate) time_key: &'static str,
    pub(crate) by: String,
    pub(crate) time: Timestamp,
    /// An approval or sign-off: only the approver may record it.
    pub(crate) signoff: bool,
    /// The role approved in, for an approval.
    pub(crate) role: Option<String>,
    pub(crate) what: String,
    /// The entry itself, to compare versions.
    pub(crate) value: String,
}

impl Entry {
    pub(crate) fn new<T: Serialize>(
        section: &'static str,
        index: Option<usize>,
        value: &T,
    ) -> Entry {
        let mut at = vec![Key(section)];
        at.extend(index.map(Index));
        Entry {
            section,
            at,
            time_key: "at",
            by: String::new(),
            time: Timestamp::default(),
            signoff: false,
            role: None,
            what: String::new(),
            value: serde_json::to_string(value).unwrap_or_default(),
        }
    }

    pub(crate) fn who(mut self, by: &str, time: Timestamp, what: String) -> Entry {
        self.by = by.to_string();
        self.time = time;
        self.what = what;
        self
    }

    /// The node of its time, or of its approver.
    pub(crate) fn node(&self, key: &'static str) -> Vec<Seg> {
        let mut at = self.at.clone();
        at.push(Key(key));
        at
    }

    pub(crate) fn same(&self, other: &Entry) -> bool {
        self.section == other.section && self.value == other.value
    }
}

/// The entries of the list `section`, from index `from` on.
pub(crate) fn list_entries<T: Serialize>(
    section: &'static str,
    list: &[T],
    from: usize,
    describe: impl Fn(&T) -> (&str, Timestamp, String),
) -> Vec<Entry> {
    list.iter()
        .enumerate()
        .skip(from)
        .map(|(i, item)| {
            let (by, at, what) = describe(item);
            Entry::new(section, Some(i), item).who(by, at, what)
        })
        .collect()
}

/// Evidence entries of `after` that `before` did not hold. Lists are
/// append-only, so the new entries are those past `before`'s length; a
/// defect may also gain its resolution, and a single-valued entry may be
/// given again (by rel, after a fix cycle).
pub(crate) fn added(before: Option<&Release>, after: &Release) -> Vec<Entry> {
    let len = |f: fn(&Release) -> usize| before.map(f).unwrap_or(0);
    let mut out = vec![];
    out.extend(
        list_entries(
            "approvals",
            &after.approvals,
            len(|r| r.approvals.len()),
            |a| (&a.by, a.at, format!("{} approval as {}", a.purpose, a.role)),
        )
        .into_iter()
        .zip(after.approvals.iter().skip(len(|r| r.approvals.len())))
        .map(|(mut e, a)| {
            e.signoff = true;
            e.role = Some(a.role.clone());
            e
        }),
    );
    out.extend(list_entries(
        "build",
        &after.build,
        len(|r| r.build.len()),
        |b| (&b.by, b.at, "build verification".to_string()),
    ));
    out.extend(list_entries(
        "tests",
        &after.tests,
        len(|r| r.tests.len()),
        |t| (&t.by, t.at, format!("{} test result", t.category)),
    ));
    out.extend(
        list_entries(
            "notifications",
            &after.notifications,
            len(|r| r.notifications.len()),
            // Sent earlier than recorded (`rel notify --sent-at`): the
            // recording time is what the commit must not lag behind.
            |n| {
                (
                    &n.by,
                    n.recorded_at.unwrap_or(n.sent_at),
                    format!("notification to {}", n.audience),
                )
            },
        )
        .into_iter()
        .zip(
            after
                .notifications
                .iter()
                .skip(len(|r| r.notifications.len())),
        )
        .map(|(mut e, n)| {
            e.time_key = if n.recorded_at.is_some() {
                "recorded_at"
            } else {
                "sent_at"
            };
            e
        }),
    );
    out.extend(list_entries(
        "fix_cycles",
        &after.fix_cycles,
        len(|r| r.fix_cycles.len()),
        |f| (&f.by, f.at, "fix cycle".to_string()),
    ));
    out.extend(list_entries(
        "waivers",
        &after.waivers,
        len(|r| r.waivers.len()),
        |w| (&w.by, w.at, format!("waiver of {}", w.gate)),
    ));
    out.extend(
        list_entries("go", &after.go, len(|r| r.go.len()), |g| {
            (&g.by, g.at, format!("{} decision", g.decision))
        })
        .into_iter()
        .map(|mut e| {
            e.signoff = true;
            e
        }),
    );
    out.extend(list_entries(
        "reschedules",
        &after.reschedules,
        len(|r| r.reschedules.len()),
        |m| (&m.by, m.at, "reschedule".to_string()),
    ));
    let old_defects = before.map(|r| r.defects.as_slice()).unwrap_or(&[]);
    for (i, d) in after.defects.iter().enumerate() {
        match old_defects.get(i) {
            None => out.push(Entry::new("defects", Some(i), d).who(
                &d.by,
                d.at,
                format!("defect {}", d.id),
            )),
            Some(old) => {
                if old.resolved_at.is_none()
                    && let (Some(at), Some(by)) = (d.resolved_at, d.resolved_by.as_deref())
                {
                    let mut e = Entry::new("defects", Some(i), d).who(
                        by,
                        at,
                        format!("resolution of {}", d.id),
                    );
                    e.time_key = "resolved_at";
                    out.push(e);
                }
            }
        }
    }
    out.extend(
        singles(after)
            .into_iter()
            .filter(|e| before.is_none_or(|b| !singles(b).iter().any(|old| old.same(e)))),
    );
    out
}

/// The single-valued evidence entries of a release.
pub(crate) fn singles(r: &Release) -> Vec<Entry> {
    let mut out = vec![];
    if let Some(s) = &r.readiness {
        out.push(Entry::new("readiness", None, s).who(&s.by, s.at, "readiness review".into()));
    }
    if let Some(d) = &r.deployment {
        out.push(Entry::new("deployment", None, d).who(
            &d.by,
            d.at,
            "deployment confirmation".into(),
        ));
    }
    if let Some(c) = &r.closure {
        out.push(Entry::new("closure", None, c).who(&c.by, c.at, "closure".into()));
    }
    if let Some(c) = &r.cancellation {
        out.push(Entry::new("cancellation", None, c).who(&c.by, c.at, "cancellation".into()));
    }
    if let Some(p) = &r.pir {
        out.push(Entry::new("pir", None, p).who(&p.by, p.at, "post-implementation review".into()));
    }
    out
}

/// Every evidence entry of a release.
pub(crate) fn entries(r: &Release) -> Vec<Entry> {
    let mut out = added(None, r);
    // `added(None, ..)` describes a resolved defect as the defect; keep its
    // resolution apart so that a merge that resolves one is seen doing so.
    for e in out.iter_mut().filter(|e| e.section == "defects") {
        if let Some(Index(i)) = e.at.get(1)
            && let Some(d) = r.defects.get(*i)
            && let (Some(at), Some(by)) = (d.resolved_at, d.resolved_by.as_deref())
        {
            e.by = by.to_string();
            e.time = at;
            e.time_key = "resolved_at";
            e.what = format!("resolution of {}", d.id);
        }
    }
    out
}

/// Why `new` does not start with `old`, and at which entry.
pub(crate) fn prefix_break<T: PartialEq>(old: &[T], new: &[T]) -> Option<(String, Option<usize>)> {
    if let Some(i) = old.iter().zip(new).position(|(a, b)| a != b) {
        return Some((format!("entry {} rewritten", i + 1), Some(i)));
    }
    (new.len() < old.len()).then(|| {
        (
            format!("{} entry(ies) removed", old.len() - new.len()),
            None,
        )
    })
}

/// Defects are append-only too, except that an open defect may be resolved
/// (status, workaround, resolved_by, resolved_at).
pub(crate) fn defects_break(before: &Release, after: &Release) -> Option<(String, Option<usize>)> {
    use crate::model::DefectStatus;
    for (i, old) in before.defects.iter().enumerate() {
        let Some(new) = after.defects.get(i) else {
            return Some((
                format!(
                    "{} entry(ies) removed",
                    before.defects.len() - after.defects.len()
                ),
                None,
            ));
        };
        if old == new {
            continue;
        }
        let resolved = old.status == DefectStatus::Open
            && new.status != DefectStatus::Open
            && old.resolved_at.is_none()
            && old.resolved_by.is_none()
            && (old.workaround.is_none() || old.workaround == new.workaround)
            && old.id == new.id
            && old.severity == new.severity
            && old.title == new.title
            && old.post_deploy == new.post_deploy
            && old.by == new.by
            && old.at == new.at;
        if !resolved {
            return Some((format!("{} rewritten", old.id), Some(i)));
        }
    }
    None
}

/// A release's definition: fixed once it leaves plan (the plan -> build
/// gates judged it). Each field with its node and its value as text.
pub(crate) fn definition(r: &Release) -> Vec<(&'static str, Vec<Seg>, String)> {
    let list = |l: &[String]| {
        if l.is_empty() {
            "(none)".to_string()
        } else {
            l.join(", ")
        }
    };
    vec![
        (
            "window.start",
            vec![Key("window"), Key("start")],
            r.window.start.to_rfc3339(),
        ),
        (
            "window.duration",
            vec![Key("window"), Key("duration")],
            r.window.duration.to_string(),
        ),
        (
            "version",
            vec![Key("version")],
            r.version.clone().unwrap_or_else(|| "(none)".to_string()),
        ),
        ("type", vec![Key("type")], r.kind.to_string()),
        ("service", vec![Key("service")], r.service.clone()),
        ("changes", vec![Key("changes")], list(&r.changes)),
        ("depends_on", vec![Key("depends_on")], list(&r.depends_on)),
    ]
}

/// The fields of a change reference that record its approval and
/// readiness in the change-management system, as text.
pub(crate) fn change_controls(c: &ChangeRef) -> Vec<(&'static str, String)> {
    let opt = |o: Option<String>| o.unwrap_or_else(|| "(none)".to_string());
    vec![
        ("status", c.status.as_str().to_string()),
        ("ready", c.ready.to_string()),
        ("approved_by", opt(c.approved_by.clone())),
        ("approved_at", opt(c.approved_at.map(|t| t.to_rfc3339()))),
        ("release", opt(c.release.clone())),
    ]
}

/// Rel commands that may change a release's definition after plan, and
/// which fields: `rel record build --version` sets the version, and `rel
/// amend` corrects the version (until built) and the dependencies; `rel
/// reschedule` moves the window under the calendar rules. The rest of the
/// booking (type, service, changes) is never changed after plan.
pub(crate) fn may_redefine(action: &str, field: &str) -> bool {
    matches!(
        (action, field),
        ("plan", _)
            | ("record", "version")
            | ("amend", "version" | "depends_on")
            | ("reschedule", "window.start" | "window.duration")
    )
}

/// Whether `policy` lets `waiver` stand: the gate is waivable for that
/// transition and the person holds a waiver role; else why not.
pub(crate) fn waiver_allowed(
    policy: &Policy,
    service: &str,
    waiver: &Waiver,
) -> std::result::Result<(), String> {
    let waivable = policy
        .gates
        .get(&waiver.to)
        .is_some_and(|specs| specs.iter().any(|s| s.name == waiver.gate && s.waivable));
    if !waivable {
        return Err(format!(
            "gate {} is not waivable for -> {}",
            waiver.gate, waiver.to
        ));
    }
    let email = email_of(&waiver.by);
    let today = policy.local_date(waiver.at);
    if policy
        .waivers
        .roles
        .iter()
        .any(|role| authorise(policy, role, service, email, today).is_ok())
    {
        Ok(())
    } else {
        Err(format!(
            "{email} holds none of the waiver roles {}",
            policy.waivers.roles.join(", ")
        ))
    }
}

pub(crate) fn minutes_text(m: i64) -> String {
    if m >= 48 * 60 {
        format!("{} days", m / (24 * 60))
    } else if m >= 120 {
        format!("{} hours", m / 60)
    } else {
        format!("{m} minutes")
    }
}

/// A problem with what a commit did, located on a node of the file.
pub(crate) struct Problem {
    pub(crate) at: Vec<Seg>,
    pub(crate) message: String,
}

/// What a merge commit did to a release record beyond taking each side's
/// work: a stage neither side had, a definition field set to a value
/// neither side had (after plan), entries a side added that the merge
/// dropped, entries both sides kept that the merge dropped.
pub(crate) fn merge_problems(
    c: &Commit,
    after: &Release,
    parents: &[Release],
    base: Option<&Release>,
) -> Vec<Problem> {
    let short = c.short();
    let mut out = vec![];
    if !parents.iter().any(|p| p.stage == after.stage) {
        let sides: Vec<&str> = parents.iter().map(|p| p.stage.as_str()).collect();
        out.push(Problem {
            at: vec![Key("stage")],
            message: format!(
                "stage {} in merge commit {short} is neither side's ({}); a merge takes one side's stage, transitions are made with rel",
                after.stage,
                sides.join(", ")
            ),
        });
    }
    if after.stage != Stage::Plan || parents.iter().any(|p| p.stage != Stage::Plan) {
        let sides: Vec<Vec<(&str, Vec<Seg>, String)>> = parents.iter().map(definition).collect();
        for (i, (field, at, now)) in definition(after).into_iter().enumerate() {
            if !sides.iter().any(|s| s[i].2 == now) {
                out.push(Problem {
                    at,
                    message: format!(
                        "{field} set to {now} by merge commit {short}, a value neither side had; a release's definition is fixed once it leaves plan"
                    ),
                });
            }
        }
    }
    let merged = entries(after);
    let sides: Vec<Vec<Entry>> = parents.iter().map(entries).collect();
    let before = base.map(entries).unwrap_or_default();
    let has = |list: &[Entry], e: &Entry| list.iter().any(|x| x.same(e));
    let mut dropped: Vec<&Entry> = vec![];
    for side in &sides {
        for e in side {
            let new_on_side = !has(&before, e);
            let kept_by_all = sides.iter().all(|s| has(s, e));
            if (new_on_side || kept_by_all)
                && !has(&merged, e)
                && !dropped.iter().any(|d| d.same(e))
            {
                dropped.push(e);
            }
        }
    }
    for e in dropped {
        out.push(Problem {
            at: vec![Key(e.section)],
            message: format!(
                "{}: {} by {} was dropped by merge commit {short}; evidence is append-only",
                e.section, e.what, e.by
            ),
        });
    }
    out
}

/// Control fields of a change reference (approval, readiness, release)
/// that a commit changed and `allowed(field, new value)` does not let it
/// (for a merge: set to a value no parent had), with the finding's message.
pub(crate) fn changed_controls(
    c: &Commit,
    after: &ChangeRef,
    parents: &[&ChangeRef],
    allowed: &dyn Fn(&str, &str) -> bool,
) -> Vec<(&'static str, String)> {
    let short = c.short();
    let mut out = vec![];
    if parents.is_empty() {
        return out;
    }
    let sides: Vec<Vec<(&str, String)>> = parents.iter().map(|p| change_controls(p)).collect();
    for (i, (field, now)) in change_controls(after).into_iter().enumerate() {
        if sides.iter().any(|s| s[i].1 == now) || allowed(field, &now) {
            continue;
        }
        let was = &sides[0][i].1;
        let by = if parents.len() > 1 {
            format!("merge commit {short}, to a value neither side had")
        } else if let Some(action) = c.trailer("Rel-Action") {
            format!(
                "commit {short} ({}), whose Rel-Action: {action} does not change it",
                c.email
            )
        } else {
            format!("a hand edit in commit {short} ({})", c.email)
        };
        let how = if field == "release" {
            "the release a change belongs to is set by `rel plan` and cleared by `rel cancel`"
        } else {
            "a change reference mirrors the change-management system: use `rel change set`"
        };
        out.push((
            field,
            format!(
                "{field} of {} changed ({was} -> {now}) by {by}; {how}",
                after.id
            ),
        ));
    }
    out
}
