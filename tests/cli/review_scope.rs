//! What `rel check --base` judges: the records the branch changed (and
//! what their changes bring to the records around them), every record
//! when the branch changes the rules, and the branch's bookings against
//! releases of the base it never touched.

use crate::support::*;

const BROKEN: &str = "changes/2025/CHG-2025-0001.yaml";
const MINE: &str = "changes/2025/CHG-2025-0002.yaml";
const UNKNOWN: &str = "service: unknown service `nosuch`";

/// `main` holds a change reference broken by hand (an unknown service);
/// the branch `pr` forks after it and adds a change of its own with rel.
fn broken_main_and_a_branch() -> Repo {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:05:00+00:00");
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    repo.hand_commit(
        BROKEN,
        |t| t.replace("service: finance", "service: nosuch"),
        "migrate a change",
    );
    repo.rel(&["check"]).code(1).stdout_has(UNKNOWN);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-02T09:00:00+00:00");
    repo.change("CHG-2025-0002", "finance", "2025-03-22");
    repo
}

#[test]
fn a_finding_in_a_record_the_branch_changed_is_reported_and_one_it_did_not_touch_is_not() {
    let repo = broken_main_and_a_branch();
    // The branch is clean: the broken record on main is not its doing.
    let run = repo
        .refused(0, &["check", "--base", "main"])
        .stderr_has("rel check: no findings");
    assert!(!run.stdout.contains(BROKEN), "{}", run.stdout);
    // The whole repository still has it.
    repo.rel(&["check"]).code(1).stdout_has(BROKEN);

    // The branch's own change, broken in the work tree: reported on its line.
    repo.write(
        MINE,
        &repo
            .read(MINE)
            .replace("service: finance", "service: nosuch"),
    );
    let line = repo.line_of(MINE, "service:");
    let run = repo
        .refused(1, &["check", "--base", "main"])
        .stdout_has(&format!("{MINE}:{line}: {UNKNOWN}"));
    assert!(!run.stdout.contains(BROKEN), "{}", run.stdout);
    // And once committed.
    repo.git(&["commit", "-q", "-am", "edit my change"]);
    let run = repo
        .refused(1, &["check", "--base", "main"])
        .stdout_has(&format!("{MINE}:{line}: {UNKNOWN}"));
    assert!(!run.stdout.contains(BROKEN), "{}", run.stdout);
}

#[test]
fn a_branch_that_changes_the_policy_or_a_calendar_has_every_record_checked() {
    let repo = broken_main_and_a_branch();
    repo.rel(&["check", "--base", "main"]).ok();
    let policy = repo.read("policy.yaml");
    repo.commit_file("policy.yaml", &format!("{policy}# reviewed\n"));
    repo.refused(1, &["check", "--base", "main"])
        .stdout_has(&format!("{BROKEN}:"))
        .stdout_has(UNKNOWN)
        .stderr_has("policy.yaml: changed on this branch");

    // A calendar does the same.
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.rel(&["check", "--base", "main"]).ok();
    let calendar = "calendars/standard.yaml";
    let text = repo.read(calendar);
    repo.commit_file(calendar, &format!("{text}# reviewed\n"));
    repo.refused(1, &["check", "--base", "main"])
        .stdout_has(&format!("{BROKEN}:"))
        .stderr_has("calendars: changed on this branch");
}

#[test]
fn a_record_the_branch_did_not_touch_is_reported_for_what_the_branch_broke_in_it() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:05:00+00:00");
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    repo.change("CHG-2025-0002", "finance", "2025-03-15");
    repo.at("2025-03-03T10:00:00+00:00");
    let id = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0001", "CHG-2025-0002"],
        &[],
    );
    repo.git(&["checkout", "-q", "-b", "pr"]);
    // The release drops a change by hand; the change reference, untouched,
    // still names the release.
    let file = format!("releases/2025/03/{id}.yaml");
    repo.hand_commit(
        &file,
        |t| t.replace("- CHG-2025-0002\n", ""),
        "drop a change",
    );
    let line = repo.line_of(MINE, "release:");
    repo.refused(1, &["check", "--base", "main"])
        .stdout_has(&format!(
            "{MINE}:{line}: release: {id} does not include CHG-2025-0002"
        ));
}

#[test]
fn a_branch_booking_that_loses_to_a_release_of_the_base_it_never_touched_is_found() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:05:00+00:00");
    repo.change("CHG-2025-0001", "finance", "2025-03-22");
    repo.change("CHG-2025-0002", "finance", "2025-04-12");
    repo.git(&["branch", "pr"]);
    // On main: a major release planned in March, then moved to April; its
    // file stays in the March folder.
    repo.at("2025-03-03T10:00:00+00:00");
    let theirs = repo.plan(
        "finance",
        "major",
        "2025-03-22 20:00",
        &["CHG-2025-0001"],
        &[],
    );
    repo.at("2025-03-04T10:00:00+00:00");
    repo.rel(&[
        "reschedule",
        &theirs,
        "--target",
        "2025-04-12 20:00",
        "--reason",
        "Later",
    ])
    .ok();
    // On the branch, not seeing it: a minor release in the same window.
    repo.git(&["checkout", "-q", "pr"]);
    repo.at("2025-03-05T10:00:00+00:00");
    let mine = repo.plan(
        "finance",
        "minor",
        "2025-04-12 20:00",
        &["CHG-2025-0002"],
        &[],
    );
    assert_eq!(
        (theirs.as_str(), mine.as_str()),
        ("REL-2025-03-001", "REL-2025-04-001")
    );
    repo.rel(&["check"]).ok();
    let file = "releases/2025/04/REL-2025-04-001.yaml";
    let line = repo.line_of(file, "window:");
    repo.refused(1, &["check", "--base", "main"])
        .stdout_has(&format!(
            "{file}:{line}: {mine}: booking loses a calendar conflict with {theirs} on the base"
        ))
        .stdout_has("next free start");
}
