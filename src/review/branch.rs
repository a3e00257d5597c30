//! Judging a branch (`rel check --base`): is every change to a record
//! between the base and HEAD a legal story?
//!
//! The commits are walked oldest first and each record file a commit
//! changed is compared with its version in the parent. A merge commit is
//! compared with every parent: a file it took whole from one side is not
//! its own edit, entries either side added are that side's (and must
//! survive the merge), and only what no parent had is the merge's. Times
//! are compared with the commit's author date, which rebase and
//! cherry-pick keep.

use super::Finding;
use super::authority;
use super::evidence::{
    Entry, added, changed_controls, defects_break, definition, entries, may_redefine,
    merge_problems, minutes_text, prefix_break, singles, waiver_allowed,
};
use crate::calendar::Calendar;
use crate::gates::{self, GateContext, GateStatus};
use crate::model::history::{
    Commit, FileChange, Record, Signature, SignatureCheck, State, Versions,
};
use crate::model::node::Seg::{self, Index, Key};
use crate::model::{ChangeRef, Release, Stage};
use crate::policy::Policy;
use crate::policy::auth::{authorise, email_of};
use crate::policy::permissions::Subject;
use std::collections::HashSet;
use std::path::Path;

/// The rules a branch is judged by.
pub struct BranchRules<'a> {
    /// The base's policy and calendars: a branch is judged by the rules it
    /// is to be merged under, not by rules it brings along.
    pub policy: &'a Policy,
    pub calendar: &'a Calendar,
    /// The branch's own policy, to tell when only its changes let an
    /// approval through.
    pub head_policy: Option<&'a Policy>,
}

/// Every change to a record along `history` (oldest first), judged under
/// `rules`: findings, and notes on versions that could not be read.
pub fn judge_branch(rules: &BranchRules, history: &[Commit]) -> (Vec<Finding>, Vec<Finding>) {
    let mut judge = Judge {
        policy: rules.policy,
        calendar: rules.calendar,
        head_policy: rules.head_policy,
        findings: vec![],
        notes: vec![],
        commit: String::new(),
        named_changes: HashSet::new(),
        dated_by_rel_now: vec![],
    };
    for c in history {
        judge.commit = c.id.clone();
        judge.named_changes = c
            .trailer("Rel-Changes")
            .unwrap_or_default()
            .split(',')
            .map(|n| n.trim().to_string())
            .collect();
        judge.clock(c);
        for fc in &c.files {
            if fc.symlink {
                judge.add(
                    "symlink",
                    &fc.path,
                    &[],
                    format!(
                        "a symbolic link in commit {}; records, calendars and the policy are files in the repository, never links (rel does not follow them)",
                        c.short()
                    ),
                );
                continue;
            }
            judge.file(c, fc);
        }
    }
    // One note for them all: tests and backfills date every commit so.
    if let Some((_, path)) = judge.dated_by_rel_now.first() {
        let ids: Vec<&str> = judge
            .dated_by_rel_now
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        judge.notes.push(Finding::new(
            path,
            &[],
            "clock",
            format!(
                "{} dated by REL_NOW, not by the clock: {}",
                if ids.len() == 1 {
                    "1 commit was".to_string()
                } else {
                    format!("{} commits were", ids.len())
                },
                ids.join(", ")
            ),
        ));
    }
    (judge.findings, judge.notes)
}

/// The trailer rel adds to a commit dated by `REL_NOW` rather than the clock.
const CLOCK_TRAILER: (&str, &str) = ("Rel-Clock", "REL_NOW");

struct Judge<'a> {
    policy: &'a Policy,
    calendar: &'a Calendar,
    head_policy: Option<&'a Policy>,
    findings: Vec<Finding>,
    notes: Vec<Finding>,
    /// The id of the commit being judged.
    commit: String,
    /// The change ids its `Rel-Changes` trailer names: an import names
    /// tens of thousands, each looked up once per file it wrote.
    named_changes: HashSet<String>,
    /// Commits dated by `REL_NOW` (short id, first file changed).
    dated_by_rel_now: Vec<(String, std::path::PathBuf)>,
}

impl<'a> Judge<'a> {
    fn add(&mut self, rule: &'static str, path: &Path, at: &[Seg], message: String) {
        let mut f = Finding::new(path, at, rule, message);
        f.commit = Some(self.commit.clone());
        self.findings.push(f);
    }

    /// The time no evidence a commit adds may be dated before: its parent's
    /// author date. Only for a commit as rel writes it (committer date =
    /// author date): a commit written anew by a rebase or cherry-pick keeps
    /// the work's date while its parent may be a newer base; its committer
    /// date is judged against its parent's instead.
    fn parent_time(&self, c: &Commit) -> Option<crate::model::Timestamp> {
        let parent = c.parent.as_ref()?;
        (c.committed == c.time).then_some(parent.time)
    }

    /// Time does not run backwards along history: a commit dated before its
    /// parent is a finding (on the first file it changed); one dated by
    /// `REL_NOW` is a note.
    fn clock(&mut self, c: &Commit) {
        let Some(fc) = c.files.first() else {
            return;
        };
        // Committer dates: a rebase writes every commit anew, in order.
        if let Some(parent) = &c.parent
            && c.committed < parent.committed
        {
            self.add(
                "clock",
                &fc.path,
                &[],
                format!(
                    "commit {} is dated {}, before its parent commit ({}); time does not run backwards along history",
                    c.short(),
                    c.committed.to_rfc3339(),
                    parent.committed.to_rfc3339()
                ),
            );
        }
        if c.trailer(CLOCK_TRAILER.0) == Some(CLOCK_TRAILER.1) {
            self.dated_by_rel_now.push((c.short(), fc.path.clone()));
        }
    }

    fn note(&mut self, path: &Path, message: String) {
        self.notes
            .push(Finding::new(path, &[], "readable", message));
    }

    fn file(&mut self, c: &Commit, fc: &FileChange) {
        match &fc.record {
            Record::Release(v) => self.release_file(c, fc, v),
            Record::Change(v) => self.change_file(c, fc, v),
            Record::Other { .. } => {}
        }
    }

    fn release_file(&mut self, c: &Commit, fc: &FileChange, v: &Versions<Release>) {
        let after = match &v.after {
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
            let before = v.readable_parents.first().and_then(Option::as_deref);
            self.release(c, &fc.path, before, after.map(|r| &**r), v);
            return;
        }
        let parents: Vec<Release> = v
            .readable_parents
            .iter()
            .flatten()
            .map(|r| (**r).clone())
            .collect();
        let base = v.base.clone().present();
        match (after, parents.is_empty()) {
            (None, true) => {}
            (None, false) => self.add("never-deleted", 
                &fc.path,
                &[],
                format!(
                    "release record deleted by merge commit {}; records are never deleted (use `rel cancel`)",
                    c.short()
                ),
            ),
            (Some(after), true) => self.release(c, &fc.path, None, Some(after), v),
            (Some(after), false) => self.merge(c, &fc.path, after, &parents, base.as_deref()),
        }
    }

    /// One ordinary commit's change to a release record.
    fn release(
        &mut self,
        c: &Commit,
        path: &Path,
        before: Option<&Release>,
        after: Option<&Release>,
        v: &Versions<Release>,
    ) {
        let short = c.short();
        let Some(after) = after else {
            if before.is_some() {
                self.add("never-deleted", 
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
                _ if c.named_releases().contains(&after.id.as_str()) => {}
                named => self.add(
                    "trailers",
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
                    self.add("stage-move", 
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
                self.stage_move(c, path, before, after, v);
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
        for n in authority::release_needs(c, before, after, &added) {
            let service = before.map_or(after.service.as_str(), |b| b.service.as_str());
            self.permitted(c, path, &n, &Subject::release(service));
        }
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

    /// The commit's author held the permission `n` needs under the base's
    /// policy (SPEC 3.1); said on the record's line when not.
    fn permitted(&mut self, c: &Commit, path: &Path, n: &authority::Need, subject: &Subject) {
        let Some(refusal) = authority::refused(self.policy, c, n, subject) else {
            return;
        };
        let branch_only = self
            .head_policy
            .is_some_and(|p| authority::refused(p, c, n, subject).is_none());
        self.add(
            "permission",
            path,
            &n.at,
            format!(
                "commit {}: {refusal}{}",
                c.short(),
                if branch_only {
                    "; only this branch's policy.yaml allows it, and a branch is judged under the policy it is merged into"
                } else {
                    "; a branch is judged under the policy it is merged into"
                }
            ),
        );
    }

    /// Checks evidence entries a commit added: recorded by the approver
    /// for a sign-off, authorised by the base's policy, not back-dated.
    fn new_entries(&mut self, c: &Commit, path: &Path, release: &Release, added: &[Entry]) {
        let short = c.short();
        let tolerance = i64::from(self.policy.backdate_tolerance_minutes);
        for a in added {
            if a.signoff && !email_of(&a.by).eq_ignore_ascii_case(&c.email) {
                self.add("approver-records", 
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
                    self.add("base-policy", 
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
                    "waiver",
                    path,
                    &a.node("gate"),
                    format!(
                        "waivers: {} by {} is not allowed by the policy it is merged under: {why}",
                        a.what, a.by
                    ),
                );
            }
            if let Some(parent) = self.parent_time(c)
                && a.time < parent
            {
                self.add(
                    "clock",
                    path,
                    &a.node(a.time_key),
                    format!(
                        "{}: {} by {} is dated {}, before the parent of commit {short} ({}); evidence is not dated before the history it is added to",
                        a.section,
                        a.what,
                        a.by,
                        a.time.to_rfc3339(),
                        parent.to_rfc3339()
                    ),
                );
            }
            let late = (c.time - a.time).num_minutes();
            if late > tolerance {
                self.add("back-dated", 
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
        let unsigned = SignatureCheck {
            status: Signature::None,
            signers: vec![],
        };
        let sig = c.signature.clone().unwrap_or(unsigned);
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
            self.add("signed", 
                path,
                at,
                format!(
                    "commit {short} ({what}) {problem}; the policy requires signed commits (require_signed: true)"
                ),
            );
        }
    }

    fn stage_move(
        &mut self,
        c: &Commit,
        path: &Path,
        before: &Release,
        after: &Release,
        v: &Versions<Release>,
    ) {
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
                "stage-move",
                path,
                &stage,
                format!("stage moved {from} -> {to} in commit {short}: {why}"),
            );
        }
        if !c.is_rel() {
            self.add("stage-by-rel", 
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
                self.add("trailers", 
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
            self.gates_again(c, path, from, to, after, v);
        }
    }

    /// Evaluates the transition's gates again, as of the commit that made
    /// it: the release, its changes and the releases around it as they were
    /// in that commit, under the base's policy and calendars.
    fn gates_again(
        &mut self,
        c: &Commit,
        path: &Path,
        from: Stage,
        to: Stage,
        after: &Release,
        v: &Versions<Release>,
    ) {
        let short = c.short();
        let mut release = after.clone();
        release.stage = from;
        // A waiver the base's policy does not allow waives nothing.
        let service = release.service.clone();
        release
            .waivers
            .retain(|w| waiver_allowed(self.policy, &service, w).is_ok());
        let Some(around) = &v.surroundings else {
            return;
        };
        let eval = gates::evaluate(&GateContext {
            release: &release,
            changes: &around.changes,
            nearby: &around.nearby,
            last_closed: around.last_closed.as_ref(),
            policy: self.policy,
            calendar: self.calendar,
            now: c.time,
            to,
        });
        for g in eval.gates.iter().filter(|g| g.status == GateStatus::Fail) {
            self.add(
                "gates",
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
                    "append-only",
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
                    "append-only",
                    path,
                    &[],
                    format!(
                        "{}: removed by commit {short}; evidence is append-only",
                        o.section
                    ),
                ),
                Some(n) if !n.same(o) && !c.is_rel() => self.add(
                    "append-only",
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
            self.add("definition-fixed", 
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
            self.add("merge", path, &problem.at, problem.message);
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

    fn change_file(&mut self, c: &Commit, fc: &FileChange, v: &Versions<ChangeRef>) {
        if !fc.is_merge()
            && let State::Present(after) = &v.after
        {
            let before = v.readable_parents.first().and_then(Option::as_deref);
            // The owner and service before the edit decide, so an edit
            // cannot make its author the change's owner first.
            let owner = before.unwrap_or(after);
            for n in authority::change_needs(c, before, after) {
                let subject = if n.actions == ["change-import"] {
                    Subject::none()
                } else {
                    Subject::change(&owner.service, &owner.owner)
                };
                self.permitted(c, &fc.path, &n, &subject);
            }
        }
        let action = c.trailer("Rel-Action");
        let id = fc.change_id.as_deref().unwrap_or_default();
        // `rel change add|set|import` write the changes they name.
        if action.is_some_and(|a| a.starts_with("change")) && self.named_changes.contains(id) {
            return;
        }
        let after = match &v.after {
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
        let parents: Vec<&ChangeRef> = v.readable_parents.iter().flatten().map(|r| &**r).collect();
        if parents.is_empty() && !fc.taken_whole {
            let by = match action {
                Some(a) => format!("commit {} (Rel-Action: {a})", c.short()),
                None => format!("a hand edit in commit {} ({})", c.short(), c.email),
            };
            self.add(
                "change-reference",
                &fc.path,
                &[Key("id")],
                format!(
                    "change {} created by {by}; a change reference is added with `rel change add` or `rel change import`",
                    after.id
                ),
            );
            return;
        }
        // What the other rel commands do to a change: `rel plan` sets its
        // release, `rel cancel` clears it, `rel close` marks it implemented.
        let release = c.trailer("Rel-Release").unwrap_or_default();
        let allowed = |field: &str, now: &str| match action {
            Some("plan") => field == "release" && now == release,
            Some("cancel") => field == "release" && now == "(none)",
            Some("close") => field == "status" && now == "implemented",
            _ => false,
        };
        for (field, what) in changed_controls(c, after, &parents, &allowed) {
            self.add("change-reference", &fc.path, &[Key(field)], what);
        }
    }
}
