//! Review of history against forgery: a branch's bookings against the
//! base's ledger, symbolic links in history, a clock that runs backwards,
//! and `audit verify` judging commits rather than believing their trailers.

use crate::support::*;

const REL: &str = "REL-2025-03-001";
const FILE: &str = "releases/2025/03/REL-2025-03-001.yaml";
const CHANGE_FILE: &str = "changes/2025/CHG-2025-0892.yaml";

fn short(commit: &str) -> String {
    commit.chars().take(10).collect()
}

/// One finance release planned on `main` (window Sat 15 March 2025 20:00).
fn planned() -> Repo {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:05:00+00:00");
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.at("2025-03-03T10:00:00+00:00");
    let id = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &["--version", "2.4.0"],
    );
    assert_eq!(id, REL);
    repo
}

// ---------------------------------------------------------------------------
// The branch's bookings against the base's

/// Two changes on main; `pr` forks there.
fn two_changes() -> Repo {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:05:00+00:00");
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.change("CHG-2025-0893", "finance", "2025-03-22");
    repo.git(&["branch", "pr"]);
    repo
}

#[test]
fn a_branch_using_an_id_main_holds_for_another_release_is_flagged_on_the_id_line() {
    let mut repo = two_changes();
    repo.git(&["checkout", "-q", "pr"]);
    repo.at("2025-03-02T10:00:00+00:00");
    let mine = repo.plan(
        "finance",
        "minor",
        "2025-03-22 20:00",
        &["CHG-2025-0893"],
        &[],
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.at("2025-03-03T10:00:00+00:00");
    let theirs = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &[],
    );
    assert_eq!((mine.as_str(), theirs.as_str()), (REL, REL));
    repo.git(&["checkout", "-q", "pr"]);
    repo.at("2025-03-04T10:00:00+00:00");
    // Alone, the branch is a legal story.
    repo.rel(&["check"]).ok();
    let line = repo.line_of(FILE, "id:");
    let run = repo.rel(&["check", "--base", "main"]).code(1).stdout_has(&format!(
        "{FILE}:{line}: {REL} is already another release on the base (finance minor release booked by Riley Manager <rm@example.com> at 2025-03-03T10:00:00+00:00)"
    ));
    // The windows do not overlap: nothing is lost on the calendar.
    assert!(!run.stdout.contains("loses"), "{}", run.stdout);
    repo.rel(&["check", "--base", "main", "--format", "github"])
        .code(1)
        .stdout_has(&format!(
            "::error file={FILE},line={line}::{REL} is already another release on the base"
        ));
    let json = repo
        .rel(&["--json", "check", "--base", "main"])
        .code(1)
        .json();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json}");
    assert_eq!(findings[0]["file"], FILE);
    assert_eq!(findings[0]["line"], line);
    // Seen from main against the branch, the clash is the same.
    repo.git(&["checkout", "-q", "main"]);
    repo.rel(&["check", "--base", "pr"]).code(1);
}

#[test]
fn a_branch_moving_a_window_onto_a_release_that_wins_on_main_is_flagged_on_the_window_line() {
    let mut repo = two_changes();
    repo.git(&["checkout", "-q", "main"]);
    repo.at("2025-03-01T10:00:00+00:00");
    let first = repo.plan(
        "finance",
        "minor",
        "2025-03-22 20:00",
        &["CHG-2025-0893"],
        &[],
    );
    assert_eq!(first, REL);
    repo.git(&["branch", "-f", "pr"]);
    // main books a major release on the 15th; the branch, not seeing it,
    // moves its minor release there.
    repo.at("2025-03-03T10:00:00+00:00");
    let major = repo.plan(
        "finance",
        "major",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &[],
    );
    assert_eq!(major, "REL-2025-03-002");
    repo.git(&["checkout", "-q", "pr"]);
    repo.at("2025-03-04T10:00:00+00:00");
    repo.rel(&[
        "reschedule",
        REL,
        "--target",
        "2025-03-15 20:00",
        "--reason",
        "Earlier",
    ])
    .ok();
    repo.rel(&["check"]).ok();
    let line = repo.line_of(FILE, "window:");
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{line}: {REL}: booking loses a calendar conflict with REL-2025-03-002 on the base"
        ))
        .stdout_has("next free start");
    repo.rel(&["check", "--base", "main", "--format", "github"])
        .code(1)
        .stdout_has(&format!(
            "::error file={FILE},line={line}::{REL}: booking loses a calendar conflict with REL-2025-03-002"
        ));
    let json = repo
        .rel(&["--json", "check", "--base", "main"])
        .code(1)
        .json();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json}");
    assert_eq!(findings[0]["line"], line);
    // The id is the same release on both sides: not a reuse.
    assert!(
        !findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("already another release")
    );
}

#[test]
fn a_branch_booking_a_free_slot_under_a_free_id_is_clean() {
    let mut repo = two_changes();
    repo.git(&["checkout", "-q", "main"]);
    repo.at("2025-03-03T10:00:00+00:00");
    repo.change("CHG-2025-0894", "hr-portal", "2025-04-05");
    repo.plan(
        "hr-portal",
        "minor",
        "2025-04-05 20:00",
        &["CHG-2025-0894"],
        &[],
    );
    repo.git(&["checkout", "-q", "pr"]);
    repo.at("2025-03-04T10:00:00+00:00");
    repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &[],
    );
    repo.rel(&["check", "--base", "main"])
        .ok()
        .stderr_has("no findings");
}

// ---------------------------------------------------------------------------
// Symbolic links in history

#[test]
fn a_release_folder_linked_to_a_shadow_folder_is_flagged_by_check_base_and_audit_verify() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    // The record moved to a shadow folder in deploy, and the month's folder
    // made a link to it.
    let text = repo.read(FILE).replace("stage: plan", "stage: deploy");
    repo.write("shadow/REL-2025-03-001.yaml", &text);
    std::fs::remove_dir_all(repo.path().join("releases/2025/03")).unwrap();
    std::os::unix::fs::symlink("../../shadow", repo.path().join("releases/2025/03")).unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Tidy the release folders"]);
    let commit = short(&repo.head());
    assert_eq!(
        repo.git(&["ls-tree", "HEAD", "releases/2025/03"])
            .split_whitespace()
            .next(),
        Some("120000")
    );
    let link = format!(
        "releases/2025/03: a symbolic link in commit {commit}; records, calendars and the policy are files in the repository, never links"
    );
    let run = repo
        .rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&link);
    // Nothing was read through the link: the record is gone, not in deploy.
    assert!(!run.stdout.contains("deploy"), "{}", run.stdout);
    assert!(
        run.stdout.contains("release record deleted"),
        "{}",
        run.stdout
    );
    repo.rel(&["audit", "verify"]).code(1).stdout_has(&format!(
        "releases/2025/03: {}",
        &link["releases/2025/03: ".len()..]
    ));
}

#[test]
fn a_calendar_or_policy_committed_as_a_link_is_flagged_by_audit_verify() {
    let mut repo = planned();
    repo.at("2025-03-05T09:00:00+00:00");
    std::os::unix::fs::symlink("/etc/hostname", repo.path().join("calendars/extra.yaml")).unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Shared calendar"]);
    let calendar = short(&repo.head());
    // The work tree keeps a real policy; history has it as a link for one
    // commit.
    let policy = repo.read("policy.yaml");
    std::fs::remove_file(repo.path().join("calendars/extra.yaml")).unwrap();
    std::fs::remove_file(repo.path().join("policy.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", repo.path().join("policy.yaml")).unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Policy from elsewhere"]);
    let linked = short(&repo.head());
    std::fs::remove_file(repo.path().join("policy.yaml")).unwrap();
    repo.commit_file("policy.yaml", &policy);
    repo.rel(&["audit", "verify"])
        .code(1)
        .stdout_has(&format!(
            "calendars/extra.yaml: a symbolic link in commit {calendar}"
        ))
        .stdout_has(&format!("policy.yaml: a symbolic link in commit {linked}"));
}

// ---------------------------------------------------------------------------
// A clock that runs backwards

#[test]
fn an_expired_delegate_back_dating_an_approval_with_rel_now_is_flagged() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:05:00+00:00");
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.at("2025-03-01T10:00:00+00:00");
    repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &[],
    );
    let planned = repo.head();
    // On the 3rd, the delegation to the deputy is ended as of the 2nd.
    repo.at("2025-03-03T10:00:00+00:00");
    let policy = repo.read("policy.yaml");
    repo.commit_file(
        "policy.yaml",
        &policy.replace("until: 2030-12-31", "until: 2025-03-02"),
    );
    // rel refuses a clock before HEAD's commit, so the deputy approves on
    // a checkout of the plan with the clock set back to the 2nd, and puts
    // the commit on top of main with its dates.
    repo.git(&["checkout", "-q", "-b", "forged", &planned]);
    repo.at("2025-03-02T12:00:00+00:00").by(DEPUTY);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    let forged = repo.head();
    repo.git(&["checkout", "-q", "-b", "pr", "main"]);
    repo.git(&["cherry-pick", &forged]);
    let commit = short(&repo.head());
    repo.at("2025-03-06T09:00:00+00:00").by(RM);
    // The approval's `at`, after its `by`.
    let line = repo.line_of(FILE, "by: Dee Deputy") + 1;
    assert!(
        repo.read(FILE)
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("at: ")
    );
    for args in [&["check", "--base", "main"][..], &["audit", "verify"][..]] {
        repo.rel(args)
            .code(1)
            .stdout_has(&format!(
                "commit {commit} is dated 2025-03-02T12:00:00+00:00, before its parent commit (2025-03-03T10:00:00+00:00)"
            ))
            .stdout_has(&format!(
                "approvals: definition approval as service-owner by Dee Deputy <deputy@example.com> is dated 2025-03-02T12:00:00+00:00, before the parent of commit {commit} (2025-03-03T10:00:00+00:00)"
            ));
    }
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!("{FILE}:{line}: approvals: definition approval"));
}

#[test]
fn a_commit_dated_by_rel_now_is_a_note_not_a_finding() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-04T09:00:00+00:00");
    let commit = repo.hand_commit(
        FILE,
        |t| t.replace("title: ", "title: Finance "),
        "Clearer title\n\nRel-Clock: REL_NOW",
    );
    repo.rel(&["check", "--base", "main"])
        .ok()
        .stderr_has(&format!(
            "note: {FILE}: 1 commit was dated by REL_NOW, not by the clock: {}",
            short(&commit)
        ))
        .stderr_has("no findings");
}

// ---------------------------------------------------------------------------
// `audit verify` judges commits instead of believing their trailers

/// ... and its definition approved by the service owner.
fn approved() -> Repo {
    let mut repo = planned();
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.by(RM);
    repo
}

#[test]
fn a_hand_commit_with_trailers_moving_plan_to_deploy_is_not_a_verified_transition() {
    let mut repo = approved();
    repo.rel(&["audit", "verify"])
        .ok()
        .stdout_has("0 transitions verified, 4 rel commits, 0 hand edits, 0 findings");
    repo.at("2025-03-05T09:00:00+00:00");
    let commit = repo.hand_commit(FILE,
        |t| t.replace("stage: plan", "stage: deploy"),
        &format!(
            "{REL}: promote plan -> deploy\n\nRel-Action: promote\nRel-Release: {REL}\nRel-From: plan\nRel-To: deploy"
        ),
    );
    let s = short(&commit);
    repo.rel(&["audit", "verify"])
        .code(1)
        .stdout_has(&format!(
            "finding: {commit} {FILE}: stage moved plan -> deploy in commit {s}: skipping build, test, stage"
        ))
        .stdout_has("0 transitions verified, 5 rel commits, 0 hand edits, 1 findings");
    let json = repo.rel(&["--json", "audit", "verify"]).code(1).json();
    assert_eq!(json["ok"], false);
    assert_eq!(json["transitions"], 0);
    assert_eq!(json["findings"][0]["commit"], commit.as_str());
}

#[test]
fn a_legal_promotion_is_still_a_verified_transition() {
    let mut repo = approved();
    repo.at("2025-03-05T09:00:00+00:00");
    repo.rel(&["promote", REL]).ok();
    repo.rel(&["audit", "verify"])
        .ok()
        .stdout_has("1 transitions verified, 5 rel commits, 0 hand edits, 0 findings");
}

#[test]
fn an_approval_deleted_inside_a_fake_amend_is_found_by_audit_verify_and_check_base() {
    let mut repo = approved();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    let commit = repo.hand_commit(
        FILE,
        |t| {
            // The whole `approvals:` block: its key and every line of its
            // one entry (role, for, by, at, digest), up to the next key.
            let mut inside = false;
            let mut kept = String::new();
            for line in t.lines() {
                if line == "approvals:" {
                    inside = true;
                    continue;
                }
                if inside && (line.starts_with("- ") || line.starts_with("  ")) {
                    continue;
                }
                inside = false;
                kept.push_str(line);
                kept.push('\n');
            }
            kept
        },
        &format!("{REL}: amend\n\nRel-Action: amend\nRel-Release: {REL}"),
    );
    assert!(!repo.read(FILE).contains("approvals:"));
    let s = short(&commit);
    let dropped = format!("approvals: 1 entry(ies) removed by commit {s}; evidence is append-only");
    repo.rel(&["audit", "verify"])
        .code(1)
        .stdout_has(&format!("finding: {commit} {FILE}: {dropped}"))
        .stdout_has("0 hand edits, 1 findings");
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&dropped);
}

#[test]
fn check_base_judges_change_records_created_or_edited_behind_fake_trailers() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    // A change reference written by hand, behind a plan's trailers.
    let made = repo
        .read(CHANGE_FILE)
        .replace("CHG-2025-0892", "CHG-2025-0999");
    repo.write("changes/2025/CHG-2025-0999.yaml", &made);
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "-m",
        &format!("{REL}: plan\n\nRel-Action: plan\nRel-Release: {REL}"),
    ]);
    let created = short(&repo.head());
    // Its approver changed behind a close's trailers, and the release it
    // belongs to by a plain hand edit.
    let approver = repo.hand_commit(
        "changes/2025/CHG-2025-0999.yaml",
        |t| t + "approved_by: cab1@example.com\n",
        &format!("{REL}: close\n\nRel-Action: close\nRel-Release: {REL}"),
    );
    let moved = repo.hand_commit(
        CHANGE_FILE,
        |t| t.replace(&format!("release: {REL}"), "release: REL-2025-03-009"),
        "Move the change",
    );
    let run = repo
        .rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "changes/2025/CHG-2025-0999.yaml:1: change CHG-2025-0999 created by commit {created} (Rel-Action: plan); a change reference is added with `rel change add` or `rel change import`"
        ))
        .stdout_has(&format!(
            "approved_by of CHG-2025-0999 changed ((none) -> cab1@example.com) by commit {} (rm@example.com), whose Rel-Action: close does not change it",
            short(&approver)
        ))
        .stdout_has(&format!(
            "{CHANGE_FILE}:{}: release of CHG-2025-0892 changed ({REL} -> REL-2025-03-009) by a hand edit in commit {} (rm@example.com); the release a change belongs to is set by `rel plan` and cleared by `rel cancel`",
            repo.line_of(CHANGE_FILE, "release:"),
            short(&moved)
        ));
    // The history's three, besides what the records as they are show
    // (the change's release naming no release).
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains(" changed (") || l.contains(" created by "))
            .count(),
        3,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("release: no release REL-2025-03-009"));
    // audit verify finds the same behind the trailers, and lists the hand
    // edit with its release.
    repo.rel(&["audit", "verify"])
        .code(1)
        .stdout_has("change CHG-2025-0999 created by commit")
        .stdout_has("approved_by of CHG-2025-0999 changed")
        .stdout_has(&format!("release {REL} -> REL-2025-03-009"));
}
