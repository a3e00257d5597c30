//! `rel check --base REF` (is every record change in a pull request a legal
//! story?) and `rel audit verify` (did each rel commit change what its
//! trailers say, and which commits edited records by hand?).
//!
//! Both walk the commits oldest first and compare each record file a commit
//! changed with its version in the parent: one small tree diff per commit.
//! A merge commit is compared with every parent: a file it took whole from
//! one side is not its own edit, entries either side added are that side's
//! (and must survive the merge), and only what no parent had is the
//! merge's. Times are compared with the commit's author date, which rebase
//! and cherry-pick keep.

use super::check::{Finding, Findings, Outcome, check_all};
use super::{Ctx, last_closed, nearby_releases, print_json};
use crate::calendar::Calendar;
use crate::cli::AuditCommand;
use crate::error::{Error, Result};
use crate::model::{ChangeRef, Release, ReleaseId, Stage, Timestamp, Waiver};
use crate::policy::Policy;
use crate::policy::auth::{authorise, email_of};
use crate::policy::gates::{self, GateContext, GateStatus};
use crate::store::history::{self, Commit, FileChange, Signature, SignatureCheck};
use crate::store::yaml::Seg::{self, Index, Key};
use crate::store::{Records, Repo, paths, yaml};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;

pub fn run(ctx: &Ctx, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { since } => verify(ctx, since.as_deref()),
    }
}

// ---------------------------------------------------------------------------
// Reading records from history

/// A revision given on the command line, as a commit; exit 3 when git does
/// not know it.
fn resolve(repo: &Repo, flag: &str, reference: &str) -> Result<git2::Oid> {
    history::resolve(repo, reference).map_err(|e| Error::data(format!("{flag} {reference}: {e}")))
}

/// A record file at a release record's own path (`releases/YYYY/MM/<id>.yaml`).
fn is_release_file(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| ReleaseId::parse(s).ok())
        .is_some_and(|id| paths::release(&id) == path)
}

fn is_change_file(path: &Path) -> bool {
    path.starts_with(paths::CHANGES) && path.extension().is_some_and(|e| e == "yaml")
}

/// A record file's content in one blob.
enum State<T> {
    Absent,
    Present(T),
    /// Not valid YAML or not a valid record; the parser's message (without
    /// the file name).
    Unreadable(String),
}

/// Records parsed from blobs, each blob once: a file's version after one
/// commit is the version before the next.
struct Blobs<T> {
    parsed: BTreeMap<git2::Oid, std::result::Result<T, String>>,
}

impl<T: DeserializeOwned + Clone> Blobs<T> {
    fn new() -> Blobs<T> {
        Blobs {
            parsed: BTreeMap::new(),
        }
    }

    fn get(&mut self, repo: &Repo, path: &Path, oid: Option<git2::Oid>) -> State<T> {
        let Some(oid) = oid else {
            return State::Absent;
        };
        let parsed = self.parsed.entry(oid).or_insert_with(|| {
            let text = history::blob_text(repo, oid).map_err(|e| e.to_string())?;
            yaml::from_str(path, &text).map_err(|e| match e {
                Error::File { message, .. } => message,
                other => other.to_string(),
            })
        });
        match parsed {
            Ok(r) => State::Present(r.clone()),
            Err(m) => State::Unreadable(m.clone()),
        }
    }

    /// The file as of `commit`, or when it could not be read there, its
    /// last readable version before (along first parents): an unreadable
    /// state in between is skipped, the next readable one is compared with
    /// the last readable one.
    fn readable(&mut self, repo: &Repo, path: &Path, commit: git2::Oid) -> Option<T> {
        let mut at = Some(commit);
        // History is finite, but a long run of broken versions is not
        // worth following further than this.
        for _ in 0..10_000 {
            let commit = at?;
            match self.get(repo, path, history::blob_in(repo, commit, path)) {
                State::Absent => return None,
                State::Present(r) => return Some(r),
                State::Unreadable(_) => at = history::first_parent(repo, commit),
            }
        }
        None
    }

    /// The file before `commit` in its `k`-th parent, skipping an
    /// unreadable version there.
    fn before(&mut self, repo: &Repo, commit: &Commit, fc: &FileChange, k: usize) -> Option<T> {
        match self.get(repo, &fc.path, fc.parents.get(k).copied().flatten()) {
            State::Absent => None,
            State::Present(r) => Some(r),
            State::Unreadable(_) => {
                let parent = history::parent(repo, commit.oid, k)?;
                self.readable(repo, &fc.path, parent)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// What changed in a record

/// An evidence entry of a release: where it is in the file, who recorded
/// it and when.
#[derive(Debug, Clone)]
struct Entry {
    section: &'static str,
    /// Its node in the file: `[section, index]`, or `[section]` for the
    /// single-valued ones (readiness, go, ...).
    at: Vec<Seg>,
    /// The key holding its time (`at`, `sent_at`, `resolved_at`).
    time_key: &'static str,
    by: String,
    time: Timestamp,
    /// An approval or sign-off: only the approver may record it.
    signoff: bool,
    /// The role approved in, for an approval.
    role: Option<String>,
    what: String,
    /// The entry itself, to compare versions.
    value: String,
}

impl Entry {
    fn new<T: Serialize>(section: &'static str, index: Option<usize>, value: &T) -> Entry {
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

    fn who(mut self, by: &str, time: Timestamp, what: String) -> Entry {
        self.by = by.to_string();
        self.time = time;
        self.what = what;
        self
    }

    /// The node of its time, or of its approver.
    fn node(&self, key: &'static str) -> Vec<Seg> {
        let mut at = self.at.clone();
        at.push(Key(key));
        at
    }

    fn same(&self, other: &Entry) -> bool {
        self.section == other.section && self.value == other.value
    }
}

/// The entries of the list `section`, from index `from` on.
fn list_entries<T: Serialize>(
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
fn added(before: Option<&Release>, after: &Release) -> Vec<Entry> {
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
fn singles(r: &Release) -> Vec<Entry> {
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
fn entries(r: &Release) -> Vec<Entry> {
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
fn prefix_break<T: PartialEq>(old: &[T], new: &[T]) -> Option<(String, Option<usize>)> {
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
fn defects_break(before: &Release, after: &Release) -> Option<(String, Option<usize>)> {
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
fn definition(r: &Release) -> Vec<(&'static str, Vec<Seg>, String)> {
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
fn change_controls(c: &ChangeRef) -> Vec<(&'static str, String)> {
    let opt = |o: Option<String>| o.unwrap_or_else(|| "(none)".to_string());
    vec![
        ("status", c.status.as_str().to_string()),
        ("ready", c.ready.to_string()),
        ("approved_by", opt(c.approved_by.clone())),
        ("approved_at", opt(c.approved_at.map(|t| t.to_rfc3339()))),
    ]
}

/// Rel commands that may change a release's definition after plan, and
/// which fields: `rel record build --version` sets the version, and `rel
/// amend` corrects the version (until built) and the dependencies; `rel
/// reschedule` moves the window under the calendar rules. The rest of the
/// booking (type, service, changes) is never changed after plan.
fn may_redefine(action: &str, field: &str) -> bool {
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
fn waiver_allowed(policy: &Policy, service: &str, waiver: &Waiver) -> Result<(), String> {
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

fn minutes_text(m: i64) -> String {
    if m >= 48 * 60 {
        format!("{} days", m / (24 * 60))
    } else if m >= 120 {
        format!("{} hours", m / 60)
    } else {
        format!("{m} minutes")
    }
}

// ---------------------------------------------------------------------------
// Judging a branch (`rel check --base`)

struct Judge<'a> {
    repo: &'a Repo,
    /// The base's policy and calendars: a branch is judged by the rules it
    /// is to be merged under, not by rules it brings along.
    policy: &'a Policy,
    calendar: &'a Calendar,
    /// The branch's own policy, to tell when only its changes let an
    /// approval through.
    head_policy: Option<&'a Policy>,
    findings: Findings<'a>,
    notes: Vec<Finding>,
    releases: Blobs<Release>,
    changes: Blobs<ChangeRef>,
    signatures: BTreeMap<git2::Oid, SignatureCheck>,
}

impl<'a> Judge<'a> {
    fn add(&mut self, path: &Path, at: &[Seg], message: String) {
        self.findings.add(path, at, message);
    }

    fn note(&mut self, path: &Path, message: String) {
        self.notes.push(Finding {
            file: path.display().to_string(),
            line: None,
            message,
        });
    }

    fn signature(&mut self, oid: git2::Oid) -> SignatureCheck {
        let repo = self.repo;
        self.signatures
            .entry(oid)
            .or_insert_with(|| history::signature(repo, oid))
            .clone()
    }

    fn file(&mut self, c: &Commit, fc: &FileChange) {
        if is_release_file(&fc.path) {
            self.release_file(c, fc);
        } else if is_change_file(&fc.path) {
            self.change_file(c, fc);
        }
    }

    fn release_file(&mut self, c: &Commit, fc: &FileChange) {
        let after = match self.releases.get(self.repo, &fc.path, fc.new) {
            State::Absent => None,
            State::Present(r) => Some(r),
            State::Unreadable(why) => {
                self.note(
                    &fc.path,
                    format!(
                        "not a valid record in commit {} ({why}); that version is skipped and the next valid one is judged against the last valid one",
                        c.short()
                    ),
                );
                return;
            }
        };
        if !fc.is_merge() {
            let before = self.releases.before(self.repo, c, fc, 0);
            self.release(c, &fc.path, before.as_ref(), after.as_ref());
            return;
        }
        let parents: Vec<Release> = (0..fc.parents.len())
            .filter_map(|k| self.releases.before(self.repo, c, fc, k))
            .collect();
        let base = match self.releases.get(self.repo, &fc.path, fc.base) {
            State::Present(r) => Some(r),
            _ => None,
        };
        match (after, parents.is_empty()) {
            (None, true) => {}
            (None, false) => self.add(
                &fc.path,
                &[],
                format!(
                    "release record deleted by merge commit {}; records are never deleted (use `rel cancel`)",
                    c.short()
                ),
            ),
            (Some(after), true) => self.release(c, &fc.path, None, Some(&after)),
            (Some(after), false) => self.merge(c, &fc.path, &after, &parents, base.as_ref()),
        }
    }

    /// One ordinary commit's change to a release record.
    fn release(
        &mut self,
        c: &Commit,
        path: &Path,
        before: Option<&Release>,
        after: Option<&Release>,
    ) {
        let short = c.short();
        let Some(after) = after else {
            if before.is_some() {
                self.add(
                    path,
                    &[],
                    format!(
                        "release record deleted by commit {short}; records are never deleted (use `rel cancel`)"
                    ),
                );
            }
            return;
        };
        if c.is_rel() {
            match c.trailer("Rel-Release") {
                Some(id) if id == after.id => {}
                _ if named_releases(c).contains(&after.id.as_str()) => {}
                named => self.add(
                    path,
                    &[Key("id")],
                    format!(
                        "commit {short} changed {} but its Rel-Release trailer names {}",
                        after.id,
                        named.unwrap_or("no release")
                    ),
                ),
            }
        }
        // What a signature is needed for, and where to report its absence.
        let mut needs_signature: Option<(String, Vec<Seg>)> = None;
        match before {
            None => {
                if after.stage != Stage::Plan {
                    self.add(
                        path,
                        &[Key("stage")],
                        format!(
                            "release created in stage {} by commit {short}; a release starts in plan (`rel plan`)",
                            after.stage
                        ),
                    );
                }
            }
            Some(before) if before.stage != after.stage => {
                self.stage_move(c, path, before, after);
                needs_signature = Some((
                    format!("moving {} {} -> {}", after.id, before.stage, after.stage),
                    vec![Key("stage")],
                ));
            }
            Some(_) => {}
        }
        if let Some(before) = before {
            self.append_only(c, path, before, after);
            self.redefined(c, path, before, after);
        }
        let added = added(before, after);
        self.new_entries(c, path, after, &added);
        if needs_signature.is_none()
            && let Some(a) = added.iter().find(|a| a.signoff)
        {
            needs_signature = Some((format!("recording {} by {}", a.what, a.by), a.at.clone()));
        }
        if let Some((what, at)) = needs_signature {
            let approvers: Vec<String> = added
                .iter()
                .filter(|a| a.signoff)
                .map(|a| email_of(&a.by).to_string())
                .collect();
            self.signed(c, path, &what, &at, &approvers);
        }
    }

    /// Checks evidence entries a commit added: recorded by the approver
    /// for a sign-off, authorised by the base's policy, not back-dated.
    fn new_entries(&mut self, c: &Commit, path: &Path, release: &Release, added: &[Entry]) {
        let short = c.short();
        let tolerance = i64::from(self.policy.backdate_tolerance_minutes);
        for a in added {
            if a.signoff && !email_of(&a.by).eq_ignore_ascii_case(&c.email) {
                self.add(
                    path,
                    &a.node("by"),
                    format!(
                        "{}: {} by {} was added by commit {short} of {} <{}>; only the approver records an approval (`rel approve`)",
                        a.section, a.what, a.by, c.author, c.email
                    ),
                );
            }
            if let Some(role) = &a.role {
                let day = self.policy.local_date(a.time);
                let by = email_of(&a.by);
                if let Err(why) = authorise(self.policy, role, &release.service, by, day)
                    && self.head_policy.is_some_and(|p| {
                        authorise(p, role, &release.service, by, p.local_date(a.time)).is_ok()
                    })
                {
                    self.add(
                        path,
                        &a.node("by"),
                        format!(
                            "{}: {} by {} is allowed only by this branch's policy.yaml; under the policy it is merged into: {why}",
                            a.section, a.what, a.by
                        ),
                    );
                }
            }
            if a.section == "waivers"
                && let Some(Index(i)) = a.at.get(1)
                && let Some(w) = release.waivers.get(*i)
                && let Err(why) = waiver_allowed(self.policy, &release.service, w)
            {
                self.add(
                    path,
                    &a.node("gate"),
                    format!(
                        "waivers: {} by {} is not allowed by the policy it is merged under: {why}",
                        a.what, a.by
                    ),
                );
            }
            let late = (c.time - a.time).num_minutes();
            if late > tolerance {
                self.add(
                    path,
                    &a.node(a.time_key),
                    format!(
                        "{}: {} by {} is back-dated: dated {} but committed by {short} at {} ({} later; tolerance {} minutes)",
                        a.section,
                        a.what,
                        a.by,
                        a.time.to_rfc3339(),
                        c.time.to_rfc3339(),
                        minutes_text(late),
                        tolerance
                    ),
                );
            }
        }
    }

    /// With `require_signed`, a commit that moves a stage or records a
    /// sign-off must carry a good signature by its author (and by each
    /// approver it records).
    fn signed(&mut self, c: &Commit, path: &Path, what: &str, at: &[Seg], approvers: &[String]) {
        if !self.policy.require_signed {
            return;
        }
        let short = c.short();
        let sig = self.signature(c.oid);
        let problem = match sig.status {
            Signature::None => Some("is not signed".to_string()),
            Signature::Bad => Some("has a bad signature".to_string()),
            Signature::Unknown => Some(
                "has a signature git cannot verify (unknown key, or no principal matched in the allowed-signers file)"
                    .to_string(),
            ),
            Signature::Good => {
                let signer = if sig.signers.is_empty() {
                    "an unnamed key".to_string()
                } else {
                    sig.signers.join(", ")
                };
                if !sig.names(&c.email) {
                    Some(format!(
                        "is signed by {signer}, not by its author {}",
                        c.email
                    ))
                } else {
                    approvers
                        .iter()
                        .find(|a| !sig.names(a))
                        .map(|a| format!("is signed by {signer}, not by the approver {a}"))
                }
            }
        };
        if let Some(problem) = problem {
            self.add(
                path,
                at,
                format!(
                    "commit {short} ({what}) {problem}; the policy requires signed commits (require_signed: true)"
                ),
            );
        }
    }

    fn stage_move(&mut self, c: &Commit, path: &Path, before: &Release, after: &Release) {
        let short = c.short();
        let (from, to) = (before.stage, after.stage);
        let forward = from.next() == Some(to);
        let legal = forward
            || (to == Stage::Build && matches!(from, Stage::Test | Stage::Stage))
            || (to == Stage::Cancelled && from.is_live());
        let stage = [Key("stage")];
        if !legal {
            let skipped: Vec<&str> = Stage::ALL
                .iter()
                .filter(|s| **s > from && **s < to && s.is_live())
                .map(|s| s.as_str())
                .collect();
            let why = if to > from && to != Stage::Cancelled && !skipped.is_empty() {
                format!("skipping {}", skipped.join(", "))
            } else {
                "not a legal move (one step forward, back to build from test or stage, or to cancelled)"
                    .to_string()
            };
            self.add(
                path,
                &stage,
                format!("stage moved {from} -> {to} in commit {short}: {why}"),
            );
        }
        if !c.is_rel() {
            self.add(
                path,
                &stage,
                format!(
                    "stage changed by a hand edit ({from} -> {to}) in commit {short} ({}); transitions are made with rel (`rel promote`, `rel demote`, `rel cancel`)",
                    c.email
                ),
            );
        } else {
            let (rf, rt) = (c.trailer("Rel-From"), c.trailer("Rel-To"));
            if rf != Some(from.as_str()) || rt != Some(to.as_str()) {
                self.add(
                    path,
                    &stage,
                    format!(
                        "commit {short} moved the stage {from} -> {to} but its trailers say Rel-From: {}, Rel-To: {}",
                        rf.unwrap_or("(none)"),
                        rt.unwrap_or("(none)")
                    ),
                );
            }
        }
        if forward {
            self.gates_again(c, path, from, to, after);
        }
    }

    /// Evaluates the transition's gates again, as of the commit that made
    /// it: the release, its changes and the releases around it as they were
    /// in that commit, under the base's policy and calendars.
    fn gates_again(&mut self, c: &Commit, path: &Path, from: Stage, to: Stage, after: &Release) {
        let short = c.short();
        let mut release = after.clone();
        release.stage = from;
        // A waiver the base's policy does not allow waives nothing.
        let service = release.service.clone();
        release
            .waivers
            .retain(|w| waiver_allowed(self.policy, &service, w).is_ok());
        let Ok(rev) = self.repo.revision(c.oid) else {
            return;
        };
        let changes: BTreeMap<String, Option<ChangeRef>> = release
            .changes
            .iter()
            .map(|id| (id.clone(), rev.find_change(self.policy, id).ok().flatten()))
            .collect();
        let nearby = nearby_releases(&rev, &release).unwrap_or_default();
        let needs_version = self
            .policy
            .gates
            .get(&to)
            .is_some_and(|g| g.iter().any(|s| s.name == "version"));
        let last = if needs_version {
            last_closed(&rev, &release).ok().flatten()
        } else {
            None
        };
        let eval = gates::evaluate(&GateContext {
            release: &release,
            changes: &changes,
            nearby: &nearby,
            last_closed: last.as_ref(),
            policy: self.policy,
            calendar: self.calendar,
            now: c.time,
            to,
        });
        for g in eval.gates.iter().filter(|g| g.status == GateStatus::Fail) {
            self.add(
                path,
                &[Key("stage")],
                format!(
                    "stage moved {from} -> {to} in commit {short} although gate {} fails: {}",
                    g.name, g.message
                ),
            );
        }
    }

    fn append_only(&mut self, c: &Commit, path: &Path, before: &Release, after: &Release) {
        let short = c.short();
        let checks = [
            (
                "approvals",
                prefix_break(&before.approvals, &after.approvals),
            ),
            ("build", prefix_break(&before.build, &after.build)),
            ("tests", prefix_break(&before.tests, &after.tests)),
            ("defects", defects_break(before, after)),
            (
                "notifications",
                prefix_break(&before.notifications, &after.notifications),
            ),
            (
                "fix_cycles",
                prefix_break(&before.fix_cycles, &after.fix_cycles),
            ),
            ("waivers", prefix_break(&before.waivers, &after.waivers)),
            ("go", prefix_break(&before.go, &after.go)),
            (
                "reschedules",
                prefix_break(&before.reschedules, &after.reschedules),
            ),
        ];
        for (field, broken) in checks {
            if let Some((why, index)) = broken {
                let mut at = vec![Key(field)];
                at.extend(index.map(Index));
                self.add(
                    path,
                    &at,
                    format!("{field}: {why} by commit {short}; evidence is append-only"),
                );
            }
        }
        let old = singles(before);
        let new = singles(after);
        for o in &old {
            match new.iter().find(|n| n.section == o.section) {
                None => self.add(
                    path,
                    &[],
                    format!(
                        "{}: removed by commit {short}; evidence is append-only",
                        o.section
                    ),
                ),
                Some(n) if !n.same(o) && !c.is_rel() => self.add(
                    path,
                    &n.at,
                    format!(
                        "{}: rewritten by a hand edit in commit {short}; evidence is append-only",
                        o.section
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    /// A release's definition changed after plan: only by the rel command
    /// that owns the field.
    fn redefined(&mut self, c: &Commit, path: &Path, before: &Release, after: &Release) {
        if before.stage == Stage::Plan && after.stage == Stage::Plan {
            // The plan -> build gates judge the definition as it will be.
            return;
        }
        let short = c.short();
        let old = definition(before);
        for ((field, at, was), (_, _, now)) in old.into_iter().zip(definition(after)) {
            if was == now {
                continue;
            }
            let by = match c.trailer("Rel-Action") {
                Some(action) if may_redefine(action, field) => continue,
                Some(action) => {
                    format!("commit {short} (Rel-Action: {action}, which does not change it)")
                }
                None => format!("a hand edit in commit {short} ({})", c.email),
            };
            self.add(
                path,
                &at,
                format!(
                    "{field} changed ({was} -> {now}) by {by} in stage {}; a release's definition is fixed once it leaves plan (the plan -> build gates judged the old one)",
                    before.stage
                ),
            );
        }
    }

    /// A merge commit's version of a release, against each parent's and
    /// the merge base's.
    fn merge(
        &mut self,
        c: &Commit,
        path: &Path,
        after: &Release,
        parents: &[Release],
        base: Option<&Release>,
    ) {
        for problem in merge_problems(c, after, parents, base) {
            self.add(path, &problem.at, problem.message);
        }
        let old: Vec<Vec<Entry>> = parents.iter().map(entries).collect();
        let added: Vec<Entry> = entries(after)
            .into_iter()
            .filter(|e| !old.iter().any(|list| list.iter().any(|o| o.same(e))))
            .collect();
        self.new_entries(c, path, after, &added);
        if let Some(a) = added.iter().find(|a| a.signoff) {
            let approvers: Vec<String> = added
                .iter()
                .filter(|a| a.signoff)
                .map(|a| email_of(&a.by).to_string())
                .collect();
            let what = format!("recording {} by {}", a.what, a.by);
            let at = a.at.clone();
            self.signed(c, path, &what, &at, &approvers);
        }
    }

    fn change_file(&mut self, c: &Commit, fc: &FileChange) {
        if c.is_rel() {
            return;
        }
        let after = match self.changes.get(self.repo, &fc.path, fc.new) {
            State::Present(r) => r,
            State::Absent => return,
            State::Unreadable(why) => {
                self.note(
                    &fc.path,
                    format!(
                        "not a valid record in commit {} ({why}); that version is skipped and the next valid one is judged against the last valid one",
                        c.short()
                    ),
                );
                return;
            }
        };
        let parents: Vec<ChangeRef> = (0..fc.parents.len())
            .filter_map(|k| self.changes.before(self.repo, c, fc, k))
            .collect();
        for (field, what) in changed_controls(c, &after, &parents) {
            self.add(&fc.path, &[Key(field)], what);
        }
    }
}

/// A problem with what a commit did, located on a node of the file.
struct Problem {
    at: Vec<Seg>,
    message: String,
}

/// What a merge commit did to a release record beyond taking each side's
/// work: a stage neither side had, a definition field set to a value
/// neither side had (after plan), entries a side added that the merge
/// dropped, entries both sides kept that the merge dropped.
fn merge_problems(
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

/// Approval and readiness fields of a change reference that a commit
/// without rel trailers changed (for a merge: set to a value no parent
/// had), with the finding's message.
fn changed_controls(
    c: &Commit,
    after: &ChangeRef,
    parents: &[ChangeRef],
) -> Vec<(&'static str, String)> {
    let short = c.short();
    let mut out = vec![];
    if parents.is_empty() {
        return out;
    }
    let sides: Vec<Vec<(&str, String)>> = parents.iter().map(change_controls).collect();
    for (i, (field, now)) in change_controls(after).into_iter().enumerate() {
        if sides.iter().any(|s| s[i].1 == now) {
            continue;
        }
        let was = &sides[0][i].1;
        let by = if parents.len() > 1 {
            format!("merge commit {short}, to a value neither side had")
        } else {
            format!("a hand edit in commit {short} ({})", c.email)
        };
        out.push((
            field,
            format!(
                "{field} of {} changed ({was} -> {now}) by {by}; a change reference mirrors the change-management system: use `rel change set`",
                after.id
            ),
        ));
    }
    out
}

/// The rules a branch is judged by: the base's policy and calendars, or
/// the branch's own when the base has none that can be read.
fn base_rules(
    repo: &Repo,
    base: git2::Oid,
    reference: &str,
    notes: &mut Vec<Finding>,
) -> Result<(Policy, Calendar)> {
    let rev = repo.revision(base)?;
    let note = |notes: &mut Vec<Finding>, file: &str, message: String| {
        notes.push(Finding {
            file: file.to_string(),
            line: None,
            message,
        })
    };
    match rev.policy() {
        Ok(Some(policy)) => match rev.calendar(&policy) {
            Ok(calendar) => return Ok((policy, calendar)),
            Err(e) => note(
                notes,
                paths::CALENDARS,
                format!(
                    "the calendars of {reference} cannot be read ({e}); the branch is judged under its own"
                ),
            ),
        },
        Ok(None) => note(
            notes,
            paths::POLICY,
            format!("{reference} has no policy.yaml; the branch is judged under its own"),
        ),
        Err(e) => note(
            notes,
            paths::POLICY,
            format!(
                "the policy of {reference} cannot be read ({e}); the branch is judged under its own"
            ),
        ),
    }
    let policy = repo.load_policy()?;
    let calendar = repo.load_calendar(&policy)?;
    Ok((policy, calendar))
}

/// `rel check --base REF`: the whole repository as it is, plus every change
/// to a record between REF and HEAD, commit by commit, judged under the
/// policy and calendars of REF.
pub fn check_base(repo: &Repo, base: &str) -> Result<Outcome> {
    let base_oid = resolve(repo, "--base", base)?;
    let mut out = check_all(repo)?;
    let mut notes = vec![];
    let head = history::head(repo);
    // What the pull request changes in the rules: reviewers read that diff;
    // the records are judged by the rules of the base.
    if let Some(head) = head {
        let fork = history::merge_base(repo, base_oid, head).unwrap_or(base_oid);
        let (at_fork, at_head) = (repo.revision(fork)?, repo.revision(head)?);
        for what in [paths::POLICY, paths::CALENDARS] {
            if at_fork.object(Path::new(what)) != at_head.object(Path::new(what)) {
                notes.push(Finding {
                    file: what.to_string(),
                    line: None,
                    message: format!(
                        "changed on this branch; its records are judged under the {} of {base}, and the change itself is for the reviewers",
                        if what == paths::POLICY { "policy" } else { "calendars" }
                    ),
                });
            }
        }
    }
    let (policy, calendar) = match base_rules(repo, base_oid, base, &mut notes) {
        Ok(rules) => rules,
        Err(e) => {
            // Neither the base's rules nor the branch's can be read: the
            // whole-repository check has said why.
            out.unreadable(e)?;
            out.notes = notes;
            return Ok(out);
        }
    };
    let head_policy = repo.load_policy().ok();
    let mut judge = Judge {
        repo,
        policy: &policy,
        calendar: &calendar,
        head_policy: head_policy.as_ref(),
        findings: Findings::new(repo),
        notes,
        releases: Blobs::new(),
        changes: Blobs::new(),
        signatures: BTreeMap::new(),
    };
    for c in history::walk(repo, Some(base_oid), &[paths::RELEASES, paths::CHANGES])? {
        for fc in &c.files {
            judge.file(&c, fc);
        }
    }
    out.findings.extend(judge.findings.list);
    out.notes.extend(judge.notes);
    Ok(out)
}

// ---------------------------------------------------------------------------
// `rel audit verify`

#[derive(Debug, Serialize)]
struct HandEdit {
    commit: String,
    file: String,
    author: String,
    subject: String,
    what: String,
}

#[derive(Debug, Serialize)]
struct AuditFinding {
    commit: String,
    file: String,
    message: String,
}

#[derive(Debug, Default, Serialize)]
struct AuditReport {
    ok: bool,
    transitions: usize,
    rel_commits: usize,
    hand_edits: Vec<HandEdit>,
    findings: Vec<AuditFinding>,
}

fn evidence_differs(a: &Release, b: &Release) -> bool {
    a.approvals != b.approvals
        || a.build != b.build
        || a.tests != b.tests
        || a.defects != b.defects
        || a.notifications != b.notifications
        || a.readiness != b.readiness
        || a.go != b.go
        || a.deployment != b.deployment
        || a.closure != b.closure
        || a.fix_cycles != b.fix_cycles
        || a.cancellation != b.cancellation
        || a.waivers != b.waivers
        || a.pir != b.pir
        || a.reschedules != b.reschedules
}

/// The releases a commit names: `Rel-Release`, and for a periodic review
/// session (`rel pir session`) every release in `Rel-Releases`.
fn named_releases(c: &Commit) -> Vec<&str> {
    let mut out: Vec<&str> = c.trailer("Rel-Release").into_iter().collect();
    if c.trailer("Rel-Action") == Some("pir") {
        out.extend(
            c.trailer("Rel-Releases")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty()),
        );
    }
    out
}

/// The file a rel commit may change: its release's record, and change
/// references for the actions that write them.
fn allowed(c: &Commit, path: &Path) -> bool {
    let action = c.trailer("Rel-Action").unwrap_or_default();
    if path.starts_with(paths::RELEASES) {
        return named_releases(c)
            .into_iter()
            .filter_map(|id| ReleaseId::parse(id).ok())
            .any(|id| paths::release(&id) == path);
    }
    if is_change_file(path) {
        // `rel close` marks the release's changes implemented.
        if matches!(action, "plan" | "cancel" | "close") {
            return true;
        }
        if action.starts_with("change") {
            let named: Vec<&str> = c
                .trailer("Rel-Changes")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .collect();
            return path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|id| named.contains(&id));
        }
        return false;
    }
    true
}

struct Audit<'r> {
    repo: &'r Repo,
    releases: Blobs<Release>,
    changes: Blobs<ChangeRef>,
    report: AuditReport,
}

impl Audit<'_> {
    fn finding(&mut self, c: &Commit, file: &Path, message: String) {
        self.report.findings.push(AuditFinding {
            commit: c.oid.to_string(),
            file: file.display().to_string(),
            message,
        });
    }

    fn hand_edit(&mut self, c: &Commit, file: &Path, what: String) {
        self.report.hand_edits.push(HandEdit {
            commit: c.oid.to_string(),
            file: file.display().to_string(),
            author: format!("{} <{}>", c.author, c.email),
            subject: c.subject.clone(),
            what,
        });
    }

    fn rel_commit(&mut self, c: &Commit) {
        let action = c.trailer("Rel-Action").unwrap_or_default().to_string();
        for fc in &c.files {
            if !allowed(c, &fc.path) {
                self.finding(
                    c,
                    &fc.path,
                    format!(
                        "commit {} (Rel-Action: {action}{}) changed a file that is not its own",
                        c.short(),
                        c.trailer("Rel-Release")
                            .map(|r| format!(", Rel-Release: {r}"))
                            .unwrap_or_default()
                    ),
                );
            }
        }
        let Some(id) = c.trailer("Rel-Release") else {
            return;
        };
        let Ok(rid) = ReleaseId::parse(id) else {
            self.finding(
                c,
                Path::new(""),
                format!(
                    "commit {}: Rel-Release `{id}` is not a release id",
                    c.short()
                ),
            );
            return;
        };
        let path = paths::release(&rid);
        let from = c.trailer("Rel-From").map(|s| (s, Stage::parse(s)));
        let to = c.trailer("Rel-To").map(|s| (s, Stage::parse(s)));
        let Some(fc) = c.files.iter().find(|f| f.path == path) else {
            if from.is_some() || to.is_some() {
                self.finding(
                    c,
                    &path,
                    format!(
                        "commit {} says {id} moved {} -> {} but did not change its record",
                        c.short(),
                        from.map(|f| f.0).unwrap_or("?"),
                        to.map(|t| t.0).unwrap_or("?")
                    ),
                );
            }
            return;
        };
        let before = match self.releases.get(self.repo, &path, fc.old()) {
            State::Unreadable(why) => {
                let m = format!("not a valid record before commit {}: {why}", c.short());
                return self.finding(c, &path, m);
            }
            State::Absent => None,
            State::Present(r) => Some(r),
        };
        let after = match self.releases.get(self.repo, &path, fc.new) {
            State::Unreadable(why) => {
                let m = format!(
                    "commit {} left a record that is not valid: {why}",
                    c.short()
                );
                return self.finding(c, &path, m);
            }
            State::Absent => {
                let m = format!("commit {} deleted the record of {id}", c.short());
                return self.finding(c, &path, m);
            }
            State::Present(r) => r,
        };
        let old_stage = before.as_ref().map(|b| b.stage);
        match (from, to) {
            (Some((fs, f)), Some((ts, t))) => {
                if f.is_none() || t.is_none() || old_stage != f || Some(after.stage) != t {
                    self.finding(
                        c,
                        &path,
                        format!(
                            "commit {} says Rel-From: {fs}, Rel-To: {ts} but the record moved {} -> {}",
                            c.short(),
                            old_stage.map_or("(absent)", |s| s.as_str()),
                            after.stage
                        ),
                    );
                } else {
                    self.report.transitions += 1;
                }
            }
            (None, None) => {
                let expected = old_stage.unwrap_or(Stage::Plan);
                if after.stage != expected {
                    self.finding(
                        c,
                        &path,
                        format!(
                            "commit {} (Rel-Action: {action}) has no Rel-From/Rel-To but the stage moved {} -> {}",
                            c.short(),
                            old_stage.map_or("(absent)", |s| s.as_str()),
                            after.stage
                        ),
                    );
                }
            }
            _ => self.finding(
                c,
                &path,
                format!(
                    "commit {} carries only one of Rel-From and Rel-To",
                    c.short()
                ),
            ),
        }
        if let Some(before) = &before {
            let action = c.trailer("Rel-Action").unwrap_or_default();
            for ((field, _, was), (_, _, now)) in
                definition(before).into_iter().zip(definition(&after))
            {
                if was != now
                    && (before.stage != Stage::Plan || after.stage != Stage::Plan)
                    && !may_redefine(action, field)
                {
                    self.finding(
                        c,
                        &path,
                        format!(
                            "commit {} (Rel-Action: {action}) changed {field} ({was} -> {now}) after plan; no rel command does that",
                            c.short()
                        ),
                    );
                }
            }
        }
    }

    fn hand_commit(&mut self, c: &Commit) {
        for fc in &c.files {
            // A file a merge took whole from one side is that side's work.
            if fc.is_merge() && fc.parents.contains(&fc.new) {
                continue;
            }
            let what = if is_release_file(&fc.path) {
                self.release_edit(c, fc)
            } else if is_change_file(&fc.path) {
                self.change_edit(c, fc)
            } else {
                None
            };
            if let Some(what) = what {
                self.hand_edit(c, &fc.path, what);
            }
        }
    }

    fn release_edit(&mut self, c: &Commit, fc: &FileChange) -> Option<String> {
        let after = match self.releases.get(self.repo, &fc.path, fc.new) {
            State::Unreadable(why) => return Some(format!("not a valid record: {why}")),
            State::Absent => None,
            State::Present(r) => Some(r),
        };
        let parents: Vec<Release> = (0..fc.parents.len())
            .filter_map(|k| self.releases.before(self.repo, c, fc, k))
            .collect();
        match (parents.as_slice(), after) {
            ([], None) => None,
            ([], Some(a)) => Some(format!("record created in stage {}", a.stage)),
            (_, None) => Some("record deleted".to_string()),
            ([b], Some(a)) => {
                let mut parts = vec![];
                if b.stage != a.stage {
                    parts.push(format!("stage {} -> {}", b.stage, a.stage));
                }
                if evidence_differs(b, &a) {
                    parts.push("evidence changed".to_string());
                }
                if b.stage != Stage::Plan || a.stage != Stage::Plan {
                    for ((field, _, was), (_, _, now)) in
                        definition(b).into_iter().zip(definition(&a))
                    {
                        if was != now {
                            parts.push(format!("{field} {was} -> {now} after plan"));
                        }
                    }
                }
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            (parents, Some(a)) => {
                let base = match self.releases.get(self.repo, &fc.path, fc.base) {
                    State::Present(r) => Some(r),
                    _ => None,
                };
                let mut parts: Vec<String> = merge_problems(c, &a, parents, base.as_ref())
                    .into_iter()
                    .map(|p| p.message)
                    .collect();
                let old: Vec<Vec<Entry>> = parents.iter().map(entries).collect();
                for e in entries(&a) {
                    if !old.iter().any(|list| list.iter().any(|o| o.same(&e))) {
                        parts.push(format!(
                            "{}: {} by {} added by the merge",
                            e.section, e.what, e.by
                        ));
                    }
                }
                (!parts.is_empty()).then(|| parts.join("; "))
            }
        }
    }

    fn change_edit(&mut self, c: &Commit, fc: &FileChange) -> Option<String> {
        let after = match self.changes.get(self.repo, &fc.path, fc.new) {
            State::Unreadable(why) => return Some(format!("not a valid record: {why}")),
            State::Absent => None,
            State::Present(r) => Some(r),
        };
        let parents: Vec<ChangeRef> = (0..fc.parents.len())
            .filter_map(|k| self.changes.before(self.repo, c, fc, k))
            .collect();
        match (parents.is_empty(), after) {
            (true, None) => None,
            (true, Some(a)) => Some(format!(
                "change record created by hand (status {}{})",
                a.status.as_str(),
                if a.ready { ", ready" } else { "" }
            )),
            (false, None) => Some("change record deleted".to_string()),
            (false, Some(a)) => {
                let sides: Vec<Vec<(&str, String)>> = parents.iter().map(change_controls).collect();
                let parts: Vec<String> = change_controls(&a)
                    .into_iter()
                    .enumerate()
                    .filter(|(i, (_, now))| !sides.iter().any(|s| s[*i].1 == *now))
                    .map(|(i, (field, now))| format!("{field} {} -> {now}", sides[0][i].1))
                    .collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
        }
    }
}

fn verify(ctx: &Ctx, since: Option<&str>) -> Result<()> {
    let repo = ctx.repo()?;
    let hide = since.map(|s| resolve(&repo, "--since", s)).transpose()?;
    let mut audit = Audit {
        repo: &repo,
        releases: Blobs::new(),
        changes: Blobs::new(),
        report: AuditReport::default(),
    };
    for c in history::walk(&repo, hide, &[paths::RELEASES, paths::CHANGES])? {
        if c.is_rel() {
            audit.report.rel_commits += 1;
            audit.rel_commit(&c);
        } else {
            audit.hand_commit(&c);
        }
    }
    let mut report = audit.report;
    report.ok = report.findings.is_empty() && report.hand_edits.is_empty();
    if ctx.json() {
        print_json(&report)?;
    } else {
        for h in &report.hand_edits {
            println!(
                "hand edit: {} {}: {} ({}, \"{}\")",
                h.commit, h.file, h.what, h.author, h.subject
            );
        }
        for f in &report.findings {
            println!("finding: {} {}: {}", f.commit, f.file, f.message);
        }
        println!(
            "{} transitions verified, {} rel commits, {} hand edits, {} findings",
            report.transitions,
            report.rel_commits,
            report.hand_edits.len(),
            report.findings.len()
        );
    }
    if report.ok {
        Ok(())
    } else {
        Err(Error::Reported(1))
    }
}
