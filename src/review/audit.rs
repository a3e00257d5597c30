//! `rel audit verify`: did each rel commit change what its trailers say,
//! and which commits edited records by hand?

use super::branch::{BranchRules, judge_branch};
use super::evidence::{Entry, change_controls, definition, entries, may_redefine, merge_problems};
use crate::model::history::{Commit, FileChange, Record, State, Versions};
use crate::model::{ChangeRef, Release, Stage};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct HandEdit {
    pub commit: String,
    /// The file; for a bulk edit, the folder holding all its files.
    pub file: String,
    pub author: String,
    pub subject: String,
    pub what: String,
    /// A bulk edit (more than [`BULK`] files in one commit, a migration
    /// from another system): how many files, and the first few.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<String>,
}

/// More records than this edited by hand in one commit are reported as one
/// bulk edit.
pub const BULK: usize = 20;

/// How many paths a bulk edit names.
const SAMPLE: usize = 3;

#[derive(Debug, Serialize)]
pub struct AuditFinding {
    pub commit: String,
    pub file: String,
    pub message: String,
}

#[derive(Debug, Default, Serialize)]
pub struct AuditReport {
    pub ok: bool,
    pub transitions: usize,
    pub rel_commits: usize,
    pub hand_edits: Vec<HandEdit>,
    pub findings: Vec<AuditFinding>,
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

/// The file a rel commit may change: its release's record, and change
/// references for the actions that write them (`named`: the commit's
/// `Rel-Changes`).
fn allowed(c: &Commit, named: &HashSet<&str>, fc: &FileChange) -> bool {
    let action = c.trailer("Rel-Action").unwrap_or_default();
    if fc.in_releases {
        if c.release_file.as_ref() == Some(&fc.path) {
            return true;
        }
        let stem = fc.path.file_stem().and_then(|s| s.to_str());
        return c.trailer("Rel-Release").is_some()
            && c.named_releases().into_iter().any(|id| Some(id) == stem);
    }
    if let Some(id) = &fc.change_id {
        // `rel close` marks the release's changes implemented.
        if matches!(action, "plan" | "cancel" | "close") {
            return true;
        }
        if action.starts_with("change") {
            return named.contains(id.as_str());
        }
        return false;
    }
    true
}

/// Rules of the branch judge that the audit checks itself, or reports as
/// a hand edit: not repeated.
fn audited_already(c: &Commit, rule: &str) -> bool {
    rule == "trailers" || (!c.is_rel() && !matches!(rule, "symlink" | "clock"))
}

/// `rel audit verify` under `rules`: [`audit`], and every commit judged as
/// `rel check --base` judges a branch (legal stage moves, gates again,
/// append-only evidence, authorship, change references), so that a
/// `Rel-Action` trailer alone proves nothing. A transition with a finding
/// is not counted as verified.
pub fn audit_judged(rules: &BranchRules, history: &[Commit]) -> AuditReport {
    let mut audit = Audit {
        report: AuditReport::default(),
        verified: vec![],
    };
    audit.run(history);
    let (judged, _) = judge_branch(rules, history);
    // Each commit's place in history, found once.
    let order: HashMap<&str, usize> = history
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    // The commits whose transition a finding refutes.
    let mut refuted: HashSet<&str> = HashSet::new();
    for f in judged {
        let Some(c) = f
            .commit
            .as_deref()
            .and_then(|id| order.get(id))
            .map(|i| &history[*i])
        else {
            continue;
        };
        if audited_already(c, f.rule) {
            continue;
        }
        refuted.insert(c.id.as_str());
        audit.finding(c, Path::new(&f.file), f.message);
    }
    audit.verified.retain(|id| !refuted.contains(id.as_str()));
    // In the order of history, each commit's findings in the order found.
    audit
        .report
        .findings
        .sort_by_key(|f| order.get(f.commit.as_str()).copied());
    audit.finish()
}

/// `rel audit verify`: each rel commit along `history` (oldest first)
/// against its trailers, and every commit that edited a record by hand.
pub fn audit(history: &[Commit]) -> AuditReport {
    let mut audit = Audit {
        report: AuditReport::default(),
        verified: vec![],
    };
    audit.run(history);
    audit.finish()
}

impl Audit {
    fn run(&mut self, history: &[Commit]) {
        for c in history {
            if c.is_rel() {
                self.report.rel_commits += 1;
                self.rel_commit(c);
            } else {
                self.hand_commit(c);
            }
        }
    }

    fn finish(self) -> AuditReport {
        let mut report = self.report;
        report.transitions = self.verified.len();
        report.ok = report.findings.is_empty() && report.hand_edits.is_empty();
        report
    }
}

struct Audit {
    report: AuditReport,
    /// The commits whose transition was verified.
    verified: Vec<String>,
}

impl Audit {
    fn finding(&mut self, c: &Commit, file: &Path, message: String) {
        self.report.findings.push(AuditFinding {
            commit: c.id.clone(),
            file: file.display().to_string(),
            message,
        });
    }

    fn hand_edit(&mut self, c: &Commit, file: &Path, what: String) {
        self.report.hand_edits.push(HandEdit {
            commit: c.id.clone(),
            file: file.display().to_string(),
            author: format!("{} <{}>", c.author, c.email),
            subject: c.subject.clone(),
            what,
            files: None,
            sample: vec![],
        });
    }

    /// One line for a commit that edited many records by hand: how many,
    /// the most frequent kinds of edit, and a sample of the paths.
    fn bulk_edit(&mut self, c: &Commit, edits: &[(&Path, String)]) {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, what) in edits {
            *kinds.entry(what.as_str()).or_default() += 1;
        }
        let mut kinds: Vec<(&str, usize)> = kinds.into_iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut what: Vec<String> = kinds
            .iter()
            .take(SAMPLE)
            .map(|(k, n)| format!("{n} x {k}"))
            .collect();
        if kinds.len() > SAMPLE {
            let rest: usize = kinds[SAMPLE..].iter().map(|(_, n)| n).sum();
            what.push(format!("{rest} other edits"));
        }
        let sample: Vec<String> = edits
            .iter()
            .take(SAMPLE)
            .map(|(p, _)| p.display().to_string())
            .collect();
        // The deepest folder holding every file.
        let mut folder = edits[0].0.parent().unwrap_or(Path::new("")).to_path_buf();
        while !edits.iter().all(|(p, _)| p.starts_with(&folder)) {
            if !folder.pop() {
                break;
            }
        }
        let folder = folder.display().to_string();
        self.report.hand_edits.push(HandEdit {
            commit: c.id.clone(),
            file: if folder.is_empty() {
                ".".into()
            } else {
                format!("{folder}/")
            },
            author: format!("{} <{}>", c.author, c.email),
            subject: c.subject.clone(),
            what: format!(
                "{} records edited in one commit: {}; e.g. {}{}",
                edits.len(),
                what.join(", "),
                sample.join(", "),
                if edits.len() > SAMPLE { ", ..." } else { "" }
            ),
            files: Some(edits.len()),
            sample,
        });
    }

    fn rel_commit(&mut self, c: &Commit) {
        let action = c.trailer("Rel-Action").unwrap_or_default().to_string();
        // An import names every change it writes: tens of thousands.
        let named: HashSet<&str> = c
            .trailer("Rel-Changes")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .collect();
        for fc in &c.files {
            if !allowed(c, &named, fc) {
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
        let Some(path) = c.release_file.clone() else {
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
        let from = c.trailer("Rel-From").map(|s| (s, Stage::parse(s)));
        let to = c.trailer("Rel-To").map(|s| (s, Stage::parse(s)));
        let Some(v) = c.files.iter().find_map(|f| match &f.record {
            Record::Release(v) if f.path == path => Some(v),
            _ => None,
        }) else {
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
        let before = match v.parents.first() {
            Some(State::Unreadable(why)) => {
                let m = format!("not a valid record before commit {}: {why}", c.short());
                return self.finding(c, &path, m);
            }
            None | Some(State::Absent) => None,
            Some(State::Present(r)) => Some(r),
        };
        let after = match &v.after {
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
                    self.verified.push(c.id.clone());
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
                definition(before).into_iter().zip(definition(after))
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
        let mut edits: Vec<(&Path, String)> = vec![];
        for fc in &c.files {
            // A file a merge took whole from one side is that side's work.
            if fc.taken_whole {
                continue;
            }
            let what = match &fc.record {
                Record::Release(v) => self.release_edit(c, v),
                Record::Change(v) => self.change_edit(v),
                Record::Other { .. } => None,
            };
            if let Some(what) = what {
                edits.push((&fc.path, what));
            }
        }
        if edits.len() > BULK {
            return self.bulk_edit(c, &edits);
        }
        for (path, what) in edits {
            self.hand_edit(c, path, what);
        }
    }

    fn release_edit(&mut self, c: &Commit, v: &Versions<Release>) -> Option<String> {
        let after = match &v.after {
            State::Unreadable(why) => return Some(format!("not a valid record: {why}")),
            State::Absent => None,
            State::Present(r) => Some(r),
        };
        let parents: Vec<&Release> = v.readable_parents.iter().flatten().map(|r| &**r).collect();
        match (parents.as_slice(), after) {
            ([], None) => None,
            ([], Some(a)) => Some(format!("record created in stage {}", a.stage)),
            (_, None) => Some("record deleted".to_string()),
            ([b], Some(a)) => {
                let mut parts = vec![];
                if b.stage != a.stage {
                    parts.push(format!("stage {} -> {}", b.stage, a.stage));
                }
                if evidence_differs(b, a) {
                    parts.push("evidence changed".to_string());
                }
                if b.stage != Stage::Plan || a.stage != Stage::Plan {
                    for ((field, _, was), (_, _, now)) in
                        definition(b).into_iter().zip(definition(a))
                    {
                        if was != now {
                            parts.push(format!("{field} {was} -> {now} after plan"));
                        }
                    }
                }
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            (parents, Some(a)) => {
                let parents: Vec<Release> = parents.iter().map(|p| (*p).clone()).collect();
                let parents = parents.as_slice();
                let base = v.base.clone().present();
                let mut parts: Vec<String> = merge_problems(c, a, parents, base.as_deref())
                    .into_iter()
                    .map(|p| p.message)
                    .collect();
                let old: Vec<Vec<Entry>> = parents.iter().map(entries).collect();
                for e in entries(a) {
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

    fn change_edit(&mut self, v: &Versions<ChangeRef>) -> Option<String> {
        let after = match &v.after {
            State::Unreadable(why) => return Some(format!("not a valid record: {why}")),
            State::Absent => None,
            State::Present(r) => Some(r),
        };
        let parents: Vec<&ChangeRef> = v.readable_parents.iter().flatten().map(|r| &**r).collect();
        match (parents.is_empty(), after) {
            (true, None) => None,
            (true, Some(a)) => Some(format!(
                "change record created by hand (status {}{})",
                a.status.as_str(),
                if a.ready { ", ready" } else { "" }
            )),
            (false, None) => Some("change record deleted".to_string()),
            (false, Some(a)) => {
                let sides: Vec<Vec<(&str, String)>> =
                    parents.iter().map(|p| change_controls(p)).collect();
                let parts: Vec<String> = change_controls(a)
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
