//! The review engine: the pure judge of records and of their history.
//! `rel check` judges the records as they are, `rel check --base` every
//! change to them along a branch, `rel audit verify` each commit against
//! its trailers. It is given plain data (records, and the versions of each
//! record file along the commits, see `crate::model::history`) and returns
//! findings; reading them from disk and git is the store's work, printing
//! them the command's.

mod audit;
mod authority;
mod branch;
mod evidence;
mod ledger;
mod records;

pub use audit::{AuditFinding, AuditReport, HandEdit, audit, audit_judged};
pub use branch::{BranchRules, judge_branch};
pub use ledger::{LEDGER_HORIZON_DAYS, ledger_findings};
pub use records::{
    ChangeLinks, ReleaseLinks, check_change, check_links, check_records, check_release,
};

use crate::model::node::Seg;
use serde::Serialize;
use std::cmp::Ordering;
use std::path::Path;

/// One thing a check found, in one file: what every output format renders.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub file: String,
    /// `null` in JSON when the finding concerns the file as a whole.
    pub line: Option<usize>,
    pub message: String,
    /// The rule that found it (`stage-move`, `append-only`, ...).
    #[serde(skip)]
    pub rule: &'static str,
    /// The YAML node it concerns, for the command to turn into `line`.
    #[serde(skip)]
    pub at: Vec<Seg>,
    /// The commit it concerns, when a history was judged.
    #[serde(skip)]
    pub commit: Option<String>,
}

impl Finding {
    pub fn new(file: &Path, at: &[Seg], rule: &'static str, message: String) -> Finding {
        Finding {
            file: file.display().to_string(),
            line: None,
            message,
            rule,
            at: at.to_vec(),
            commit: None,
        }
    }

    /// A finding on a whole file, or on a line already known.
    pub fn on_file(
        file: &str,
        line: Option<usize>,
        rule: &'static str,
        message: String,
    ) -> Finding {
        Finding {
            file: file.to_string(),
            line,
            message,
            rule,
            at: vec![],
            commit: None,
        }
    }

    fn key(&self) -> (&str, Option<usize>, &str) {
        (&self.file, self.line, &self.message)
    }
}

// Findings are told apart, sorted and deduplicated by what a person reads.
impl PartialEq for Finding {
    fn eq(&self, other: &Finding) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Finding {}

impl PartialOrd for Finding {
    fn partial_cmp(&self, other: &Finding) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Finding {
    fn cmp(&self, other: &Finding) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// What a check concluded.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Refused by policy: exit 1.
    pub findings: Vec<Finding>,
    /// Files rel cannot read (malformed YAML, an unknown field): exit 3.
    pub errors: Vec<Finding>,
    /// Worth knowing, not refused (for example: the branch edits the policy).
    pub notes: Vec<Finding>,
}

impl Outcome {
    /// A file that cannot be read, with the parser's message: `line L
    /// column C: ...` in the message becomes the line.
    pub fn unreadable(&mut self, file: &Path, message: &str) {
        let (line, message) = split_line(message);
        self.errors.push(Finding::on_file(
            &file.display().to_string(),
            line,
            "readable",
            message,
        ));
    }

    /// Sorted, each once.
    pub fn tidy(&mut self) {
        for list in [&mut self.findings, &mut self.errors, &mut self.notes] {
            list.sort();
            list.dedup();
        }
    }
}

/// `line 5 column 7: msg` -> (5, `column 7: msg`); `line 5: msg` -> (5, `msg`).
fn split_line(message: &str) -> (Option<usize>, String) {
    let Some(rest) = message.strip_prefix("line ") else {
        return (None, message.to_string());
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(line) = digits.parse() else {
        return (None, message.to_string());
    };
    let rest = &rest[digits.len()..];
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    (Some(line), rest.to_string())
}

/// The judge on plain data: no repository, no git.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::calendar::conflicts::tests::{policy, release, t};
    use crate::model::history::{Commit, FileChange, Record, State, Versions};
    use crate::model::{Approval, Impact, Purpose, Release, ReleaseType, Stage};
    use std::path::PathBuf;

    const FILE: &str = "releases/2025/03/REL-2025-03-001.yaml";

    fn planned() -> Release {
        release(
            "REL-2025-03-001",
            "finance",
            ReleaseType::Minor,
            Impact::Low,
            "2025-03-15 20:00",
            60,
            "2025-03-03 10:00",
        )
    }

    /// A commit by `who` at `at` changing the release file from `before`
    /// to `after`, with `trailers`.
    fn commit(
        who: &str,
        at: &str,
        trailers: &[(&str, &str)],
        before: Option<Release>,
        after: Release,
    ) -> Commit {
        let before = before.map(std::rc::Rc::new);
        let state = |r: Option<std::rc::Rc<Release>>| r.map_or(State::Absent, State::Present);
        Commit {
            id: "0123456789abcdef0123456789abcdef01234567".into(),
            author: who.into(),
            email: format!("{}@example.com", who.to_lowercase()),
            time: t(at),
            committed: t(at),
            parent: None,
            subject: "Edit".into(),
            trailers: trailers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            signature: None,
            release_file: trailers
                .iter()
                .any(|(k, _)| *k == "Rel-Release")
                .then(|| PathBuf::from(FILE)),
            files: vec![FileChange {
                path: PathBuf::from(FILE),
                in_releases: true,
                change_id: None,
                taken_whole: false,
                symlink: false,
                record: Record::Release(Box::new(Versions {
                    after: State::Present(after.into()),
                    parents: vec![state(before.clone())],
                    readable_parents: vec![before],
                    base: State::Absent,
                    surroundings: None,
                })),
            }],
        }
    }

    /// The test policy, with rm@example.com the release manager.
    fn rules() -> crate::policy::Policy {
        let mut p = policy();
        p.roles
            .insert("release-manager".into(), vec!["rm@example.com".into()]);
        p
    }

    fn judge(history: &[Commit]) -> Vec<Finding> {
        let (policy, calendar) = (rules(), Calendar::default());
        let rules = BranchRules {
            policy: &policy,
            calendar: &calendar,
            head_policy: None,
        };
        judge_branch(&rules, history).0
    }

    #[test]
    fn a_stage_skipped_by_a_hand_edit_is_found_with_its_rules() {
        let mut after = planned();
        after.stage = Stage::Test;
        let found = judge(&[commit(
            "Rm",
            "2025-03-05 09:00",
            &[],
            Some(planned()),
            after,
        )]);
        let rules: Vec<&str> = found.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["stage-move", "stage-by-rel"], "{found:?}");
        assert_eq!(found[0].file, FILE);
        assert_eq!(found[0].at, [Seg::Key("stage")]);
        assert!(found[0].message.contains("skipping build"), "{found:?}");
    }

    #[test]
    fn an_approval_recorded_by_someone_else_and_back_dated() {
        let mut after = planned();
        after.approvals.push(Approval {
            role: "service-owner".into(),
            purpose: Purpose::Definition,
            by: "Fo <fo@example.com>".into(),
            at: t("2025-03-04 09:00"),
            on_behalf_of: None,
            delegation_until: None,
            digest: None,
        });
        let found = judge(&[commit(
            "Rm",
            "2025-03-06 09:00",
            &[],
            Some(planned()),
            after,
        )]);
        let rules: Vec<&str> = found.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["approver-records", "back-dated"], "{found:?}");
        assert!(found[1].message.contains("2 days later"), "{found:?}");
    }

    /// An approval added at `at` by its approver, in a commit whose first
    /// parent is `parent` dated `parent_at`.
    fn approval_after(at: &str, parent: &str, parent_at: &str) -> Commit {
        let mut after = planned();
        after.approvals.push(Approval {
            role: "service-owner".into(),
            purpose: Purpose::Definition,
            by: "Fo <fo@example.com>".into(),
            at: t(at),
            on_behalf_of: None,
            delegation_until: None,
            digest: None,
        });
        let mut c = commit("Fo", at, &[], Some(planned()), after);
        c.parent = Some(crate::model::history::Parent {
            id: parent.into(),
            time: t(parent_at),
            committed: t(parent_at),
        });
        c
    }

    #[test]
    fn time_running_backwards_is_found_and_a_rebase_is_judged_by_its_committer_date() {
        let c = approval_after("2025-03-02 12:00", "p", "2025-03-03 10:00");
        let rules: Vec<&str> = judge(std::slice::from_ref(&c))
            .iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(rules, ["clock", "clock"]);
        // Rebased onto a newer base: the commit was written anew later, and
        // its evidence is as old as the work.
        let mut rebased = c.clone();
        rebased.committed = t("2025-03-09 09:00");
        assert_eq!(judge(std::slice::from_ref(&rebased)), []);
        // Written anew, but dated before its parent was.
        rebased.committed = t("2025-03-03 09:00");
        let found = judge(&[rebased]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("before its parent commit"));
        // In order, nothing.
        assert_eq!(
            judge(&[approval_after("2025-03-04 09:00", "p", "2025-03-03 10:00")]),
            []
        );
    }

    #[test]
    fn a_symbolic_link_is_found_and_not_judged_as_a_record() {
        // What a link's target says is never taken for the record.
        let mut deployed = planned();
        deployed.stage = Stage::Deploy;
        let mut c = commit("Rm", "2025-03-05 09:00", &[], Some(planned()), deployed);
        c.files[0].symlink = true;
        let found = judge(&[c]);
        let rules: Vec<&str> = found.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["symlink"]);
    }

    #[test]
    fn a_rel_commit_within_the_rules_is_clean_and_a_lying_one_is_not() {
        let rel = [
            ("Rel-Action", "promote"),
            ("Rel-Release", "REL-2025-03-001"),
            ("Rel-From", "plan"),
            ("Rel-To", "build"),
        ];
        let mut after = planned();
        after.stage = Stage::Build;
        // Without surroundings (the store could not read the revision) the
        // gates are not evaluated again; the move itself is legal.
        let history = [commit(
            "Rm",
            "2025-03-05 09:00",
            &rel,
            Some(planned()),
            after.clone(),
        )];
        assert_eq!(judge(&history), []);
        let report = audit(&history);
        assert!(report.ok);
        assert_eq!((report.transitions, report.rel_commits), (1, 1));

        after.stage = Stage::Test;
        let history = [commit(
            "Rm",
            "2025-03-05 09:00",
            &rel,
            Some(planned()),
            after,
        )];
        let rules: Vec<&str> = judge(&history).iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["stage-move", "trailers"]);
        let report = audit(&history);
        assert!(!report.ok);
        assert!(
            report.findings[0]
                .message
                .contains("Rel-From: plan, Rel-To: build but the record moved plan -> test")
        );
    }

    #[test]
    fn a_commit_beyond_its_authors_permission_is_found_on_its_line() {
        let mut after = planned();
        after.stage = Stage::Build;
        let rel = [
            ("Rel-Action", "promote"),
            ("Rel-Release", "REL-2025-03-001"),
            ("Rel-From", "plan"),
            ("Rel-To", "build"),
        ];
        // rel's commit by someone outside release-manager, judged by its
        // trailer's action.
        let found = judge(&[commit(
            "Fo",
            "2025-03-05 09:00",
            &rel,
            Some(planned()),
            after.clone(),
        )]);
        let rules: Vec<&str> = found.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["permission"], "{found:?}");
        assert_eq!(found[0].at, [Seg::Key("stage")]);
        assert!(
            found[0].message.contains("fo@example.com> may not promote"),
            "{found:?}"
        );
        // A hand edit adding a notification implies `notify`.
        let mut notified = planned();
        notified.notifications.push(crate::model::Notification {
            audience: "all-users".into(),
            sent_at: t("2025-03-05 09:00"),
            by: "Fo <fo@example.com>".into(),
            recorded_at: None,
            completion: false,
        });
        let found = judge(&[commit(
            "Fo",
            "2025-03-05 09:00",
            &[],
            Some(planned()),
            notified,
        )]);
        let permission: Vec<&Finding> = found.iter().filter(|f| f.rule == "permission").collect();
        assert_eq!(permission.len(), 1, "{found:?}");
        assert_eq!(permission[0].at, [Seg::Key("notifications"), Seg::Index(0)]);
        assert!(
            permission[0].message.contains("may not notify"),
            "{found:?}"
        );
    }
}
