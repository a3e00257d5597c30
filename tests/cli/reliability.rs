//! Concurrency, crashes, git's own locks, symbolic links, the clock,
//! identities and bounds: what must hold when rel is run in parallel,
//! killed, or handed hostile input (SPEC sections 1 and 5).
//!
//! Interleavings and crashes are made deterministic with the binary's
//! test-only points (see `src/store/pause.rs`): `REL_TEST_PAUSE=<point>:<dir>`
//! stops a command at `<point>` until the test says go, and
//! `REL_TEST_CRASH=<point>` ends it there as `kill -9` would.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TARGET: &str = "2025-03-15 20:00";
const REL_ID: &str = "REL-2025-03-001";
const REL_FILE: &str = "releases/2025/03/REL-2025-03-001.yaml";

/// A repository with one planned minor finance release.
fn planned() -> Repo {
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    repo.plan("finance", "minor", TARGET, &["CHG-2025-0001"], &[]);
    repo
}

fn notify_args(audience: &str) -> Vec<String> {
    ["notify", REL_ID, "--audience", audience]
        .map(String::from)
        .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A command stopped (or about to stop) at a pause point.
struct Paused {
    child: Child,
    dir: tempfile::TempDir,
    point: &'static str,
}

impl Paused {
    /// Starts `rel args` with a pause at `point`, and waits until it is there.
    fn start(repo: &Repo, args: &[&str], point: &'static str) -> Paused {
        let dir = tempfile::tempdir().unwrap();
        let child = spawn(repo.command(args).env(
            "REL_TEST_PAUSE",
            format!("{point}:{}", dir.path().display()),
        ));
        let paused = Paused { child, dir, point };
        paused.wait_marker(point);
        paused
    }

    fn wait_marker(&self, point: &str) {
        wait_for_file(&self.dir.path().join(format!("{point}.paused")));
    }

    /// Lets it go on, and waits for it to end.
    fn finish(self) -> Run {
        std::fs::write(self.dir.path().join(format!("{}.go", self.point)), b"").unwrap();
        output(self.child)
    }
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn output(child: Child) -> Run {
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

#[track_caller]
fn wait_for_file(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} never appeared: the pause point was not reached",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn git_dir(repo: &Repo) -> PathBuf {
    repo.path().join(".git")
}

/// Sets a file's modification time `secs` into the past.
fn age(path: &Path, secs: u64) {
    let when = std::time::SystemTime::now() - Duration::from_secs(secs);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

fn audiences(repo: &Repo) -> Vec<String> {
    let show = repo.rel(&["--json", "show", REL_ID]).ok().json();
    show["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["audience"].as_str().unwrap().to_string())
        .collect()
}

// 1. Lost updates

#[test]
fn a_command_waits_for_the_lock_and_then_reads_what_the_other_committed() {
    let repo = planned();
    let before = repo.commit_count();
    // The first holds the lock with the work tree written, the branch not
    // yet moved: the moment a reader could once see stale records.
    let first = Paused::start(&repo, &strs(&notify_args("all-users")), "before-ref");
    let dir = tempfile::tempdir().unwrap();
    let second = spawn(repo.command(&strs(&notify_args("leadership"))).env(
        "REL_TEST_PAUSE",
        format!("lock-wait:{}", dir.path().display()),
    ));
    // The second is waiting for the lock (not refused at once)...
    wait_for_file(&dir.path().join("lock-wait.paused"));
    std::fs::write(dir.path().join("lock-wait.go"), b"").unwrap();
    first.finish().ok();
    // ...and, once it has it, appends to what the first committed.
    output(second).ok();
    assert_eq!(repo.commit_count(), before + 2);
    assert_eq!(audiences(&repo), ["all-users", "leadership"]);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    repo.git(&["fsck", "--strict"]);
}

#[test]
fn a_commit_landing_while_a_command_decides_makes_it_exit_4_with_nothing_written() {
    let repo = planned();
    let paused = Paused::start(&repo, &strs(&notify_args("all-users")), "read");
    // A person commits meanwhile (git does not take rel's lock).
    repo.write("notes.txt", "mine\n");
    repo.git(&["add", "notes.txt"]);
    repo.git(&["commit", "-q", "-m", "notes"]);
    let theirs = repo.head();
    let before = repo.snapshot();
    paused.finish().code(4).stderr_has("nothing was written");
    assert_eq!(repo.snapshot(), before);
    assert_eq!(repo.head(), theirs);
    assert!(!git_dir(&repo).join("index.lock").exists());
    assert!(!git_dir(&repo).join("rel-journal").exists());
}

#[test]
fn a_record_read_from_an_uncommitted_file_is_refused_at_commit() {
    let repo = planned();
    // An untracked release in the month folder that `plan` lists for ids.
    let stray = "releases/2025/03/REL-2025-03-007.yaml";
    let text = repo.read(REL_FILE).replace(REL_ID, "REL-2025-03-007");
    repo.write(stray, &text);
    repo.change("CHG-2025-0002", "finance", "2025-03-22");
    let run = repo.refused(
        3,
        &[
            "plan",
            "--service",
            "finance",
            "--type",
            "minor",
            "--target",
            "2025-03-22 20:00",
            "--change",
            "CHG-2025-0002",
        ],
    );
    run.stderr_has(stray).stderr_has("differs from HEAD");
}

// 2. The index and the person's own git

#[test]
fn a_busy_index_lock_is_exit_4_before_anything_is_committed() {
    let repo = planned();
    std::fs::write(git_dir(&repo).join("index.lock"), b"").unwrap();
    let run = repo.refused(4, &strs(&notify_args("all-users")));
    run.stderr_has(".git/index.lock exists").stderr_has("retry");
    // Still git's: rel never removes a lock it did not take.
    assert!(git_dir(&repo).join("index.lock").exists());
}

#[test]
fn a_stale_index_lock_is_exit_3_naming_it_and_when_to_remove_it() {
    let repo = planned();
    let lock = git_dir(&repo).join("index.lock");
    std::fs::write(&lock, b"").unwrap();
    age(&lock, 3600);
    repo.refused(3, &strs(&notify_args("all-users")))
        .stderr_has(".git/index.lock exists (left 36")
        .stderr_has("Once no git process is running in this repository, it is safe to remove it");
    std::fs::remove_file(&lock).unwrap();
    repo.rel(&strs(&notify_args("all-users"))).ok();
}

#[test]
fn rel_holds_the_index_lock_so_the_persons_git_add_is_refused_not_dropped() {
    let repo = planned();
    repo.write("mine.txt", "staged by me\n");
    repo.git(&["add", "mine.txt"]);
    let paused = Paused::start(&repo, &strs(&notify_args("all-users")), "before-ref");
    repo.write("late.txt", "added while rel commits\n");
    let mut add = Command::new("git");
    let out = add
        .current_dir(repo.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", repo.home.path())
        .args(["add", "late.txt"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "git add succeeded under rel's lock");
    assert!(String::from_utf8_lossy(&out.stderr).contains("index.lock"));
    paused.finish().ok();
    // What the person staged before is still staged, and only that.
    let status = repo.git(&["status", "--porcelain"]);
    assert_eq!(status, "A  mine.txt\n?? late.txt\n");
    let committed = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(committed.trim(), REL_FILE);
}

// 3. Crashes

#[test]
fn a_crash_before_the_branch_moves_is_reported_then_undone() {
    let repo = planned();
    let head = repo.head();
    let before = repo.read(REL_FILE);
    let run = output(spawn(
        repo.command(&strs(&notify_args("all-users")))
            .env("REL_TEST_CRASH", "before-ref"),
    ));
    assert_eq!(run.code, 137);
    assert_eq!(repo.head(), head);
    // The work tree holds what rel was writing; check says so.
    assert_ne!(repo.read(REL_FILE), before);
    repo.rel(&["check"])
        .code(1)
        .stdout_has(REL_FILE)
        .stdout_has("an interrupted rel command (journal");
    // The next changing command undoes it first, then does its own work.
    repo.rel(&strs(&notify_args("leadership")))
        .ok()
        .stderr_has("note: undid an interrupted rel command (it had not committed): restored");
    assert_eq!(audiences(&repo), ["leadership"]);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert!(!git_dir(&repo).join("index.lock").exists());
    repo.rel(&["check"]).ok();
    repo.git(&["fsck", "--strict"]);
}

#[test]
fn a_crash_after_the_branch_moves_is_reported_then_finished() {
    let repo = planned();
    let head = repo.head();
    let run = output(spawn(
        repo.command(&strs(&notify_args("all-users")))
            .env("REL_TEST_CRASH", "after-ref"),
    ));
    assert_eq!(run.code, 137);
    assert_ne!(repo.head(), head, "the commit was made");
    // The index lags behind HEAD, but git's own lock is still there, so a
    // plain `git commit` cannot turn it into a revert.
    assert!(git_dir(&repo).join("index.lock").exists());
    repo.rel(&["check"])
        .code(1)
        .stdout_has(REL_FILE)
        .stdout_has("index version differs from HEAD");
    repo.rel(&strs(&notify_args("leadership")))
        .ok()
        .stderr_has("note: finished an interrupted rel command: commit");
    assert_eq!(audiences(&repo), ["all-users", "leadership"]);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    repo.rel(&["check"]).ok();
}

#[test]
fn check_reports_an_index_left_before_rels_last_commit() {
    // What an older rel killed between moving the branch and writing the
    // index left: the record's previous version staged and in the work tree.
    let repo = planned();
    repo.rel(&strs(&notify_args("all-users"))).ok();
    repo.git(&[
        "restore",
        "--source=HEAD~1",
        "--staged",
        "--worktree",
        REL_FILE,
    ]);
    repo.rel(&["check"])
        .code(1)
        .stdout_has(REL_FILE)
        .stdout_has("a plain `git commit` now would undo that commit");
}

// 4. Stale locks

#[test]
fn a_stale_branch_lock_is_exit_3_naming_it_not_a_moved_head() {
    let repo = planned();
    let lock = git_dir(&repo).join("refs/heads/main.lock");
    std::fs::write(&lock, b"").unwrap();
    age(&lock, 7200);
    repo.refused(3, &strs(&notify_args("all-users")))
        .stderr_has("refs/heads/main.lock exists (left 72")
        .stderr_has("it is safe to remove it");
    // A fresh one belongs to a running git: exit 4, retry.
    age(&lock, 0);
    repo.refused(4, &strs(&notify_args("all-users")))
        .stderr_has("a git command is updating the branch");
    std::fs::remove_file(&lock).unwrap();
    repo.rel(&strs(&notify_args("all-users"))).ok();
}

// 5. Symbolic links

#[cfg(unix)]
#[test]
fn a_calendar_linked_to_a_secret_is_refused_without_reading_it() {
    let repo = planned();
    let secret = repo.home.path().join("token.txt");
    std::fs::write(&secret, "holidays: [TOKEN-s3cr3t]\n").unwrap();
    std::os::unix::fs::symlink(&secret, repo.path().join("calendars/leak.yaml")).unwrap();
    repo.git(&["add", "calendars/leak.yaml"]);
    repo.git(&["commit", "-q", "-m", "link"]);
    for args in [
        strs(&notify_args("all-users")),
        vec!["calendar", "--from", "2025-03-10"],
        vec!["gate", REL_ID],
    ] {
        let run = repo
            .refused(3, &args)
            .stderr_has("calendars/leak.yaml: is a symbolic link");
        assert!(!run.stderr.contains("s3cr3t") && !run.stdout.contains("s3cr3t"));
    }
    repo.rel(&["check"])
        .code(1)
        .stdout_has("calendars/leak.yaml: a symbolic link");
}

#[cfg(unix)]
#[test]
fn a_symlinked_release_folder_is_never_written_through() {
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join("releases")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join("releases/2025")).unwrap();
    let mut args = vec!["plan", "--service", "finance", "--type", "minor"];
    args.extend(["--target", TARGET, "--change", "CHG-2025-0001"]);
    repo.refused(3, &args)
        .stderr_has("releases/2025: is a symbolic link");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn symlinked_changes_and_policy_are_refused() {
    let repo = Repo::new();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join("changes")).unwrap();
    let add = [
        "change",
        "add",
        "CHG-2025-0001",
        "--title",
        "x",
        "--service",
        "finance",
        "--status",
        "approved",
        "--owner",
        "dev@example.com",
        "--target",
        "2025-03-15",
    ];
    repo.refused(3, &add)
        .stderr_has("changes: is a symbolic link");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    std::fs::remove_file(repo.path().join("changes")).unwrap();

    let copy = repo.home.path().join("policy.yaml");
    std::fs::copy(repo.path().join("policy.yaml"), &copy).unwrap();
    std::fs::remove_file(repo.path().join("policy.yaml")).unwrap();
    std::os::unix::fs::symlink(&copy, repo.path().join("policy.yaml")).unwrap();
    repo.refused(3, &add)
        .stderr_has("policy.yaml: is a symbolic link");
    repo.rel(&["check"])
        .code(1)
        .stdout_has("policy.yaml: a symbolic link");
}

#[cfg(unix)]
#[test]
fn check_reports_a_releases_link_to_the_root_without_walking_it() {
    let repo = Repo::new();
    std::os::unix::fs::symlink("/", repo.path().join("releases")).unwrap();
    let start = Instant::now();
    repo.rel(&["check"])
        .code(1)
        .stdout_has("releases: a symbolic link: rel does not follow links");
    repo.rel(&["list"])
        .code(3)
        .stderr_has("releases: is a symbolic link");
    assert!(start.elapsed() < Duration::from_secs(20));
}

// 6. The clock

#[test]
fn a_clock_earlier_than_head_is_refused_naming_both_times() {
    let mut repo = planned();
    repo.at("2025-03-02T09:00:00+00:00");
    repo.rel(&strs(&notify_args("all-users"))).ok();
    repo.at("2025-03-01T12:00:00+00:00").by(OWNER);
    repo.refused(3, &["approve", REL_ID, "--role", "service-owner"])
        .stderr_has(
            "the clock (REL_NOW) says 2025-03-01T12:00:00+00:00, earlier than HEAD's commit",
        )
        .stderr_has("at 2025-03-02T09:00:00+00:00; time may not run backwards");
    // The same moment as HEAD is not earlier.
    repo.at("2025-03-02T09:00:00+00:00");
    repo.rel(&["approve", REL_ID, "--role", "service-owner"])
        .ok();
}

#[test]
fn commits_dated_by_rel_now_say_so_and_log_notes_it() {
    let repo = planned();
    let body = repo.git(&["log", "-1", "--format=%B"]);
    assert!(body.contains("\nRel-Clock: REL_NOW\n"), "{body}");
    // The log's table wraps its cells: read it with the wraps undone.
    let log = repo.rel(&["log", REL_ID]).ok().stdout;
    let log = log.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(log.contains("(note: clock set by REL_NOW)"), "{log}");
    // The system clock leaves no trailer.
    let out = output(spawn(
        repo.command(&strs(&notify_args("all-users")))
            .env_remove("REL_NOW")
            .env_remove("GIT_AUTHOR_DATE")
            .env_remove("GIT_COMMITTER_DATE"),
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let body = repo.git(&["log", "-1", "--format=%B"]);
    assert!(!body.contains("Rel-Clock"), "{body}");
}

// 8. Uncommitted rules

#[test]
fn uncommitted_policy_or_calendar_edits_are_refused_naming_them() {
    let mut repo = planned();
    let policy = repo.read("policy.yaml");
    repo.write("policy.yaml", &format!("{policy}\n# loosened by hand\n"));
    repo.by(OWNER)
        .refused(3, &["approve", REL_ID, "--role", "service-owner"])
        .stderr_has("policy.yaml differs from HEAD");
    repo.git(&["add", "policy.yaml"]);
    repo.refused(3, &["approve", REL_ID, "--role", "service-owner"])
        .stderr_has("policy.yaml differs from HEAD");
    repo.git(&["checkout", "HEAD", "--", "policy.yaml"]);
    repo.write("calendars/extra.yaml", "holidays: [2025-12-26]\n");
    repo.refused(3, &["approve", REL_ID, "--role", "service-owner"])
        .stderr_has("calendars/extra.yaml differs from HEAD");
    std::fs::remove_file(repo.path().join("calendars/extra.yaml")).unwrap();
    // A committed calendar removed from the work tree is an edit too.
    std::fs::remove_file(repo.path().join("calendars/standard.yaml")).unwrap();
    repo.refused(3, &["approve", REL_ID, "--role", "service-owner"])
        .stderr_has("calendars/standard.yaml differs from HEAD");
    repo.git(&["checkout", "HEAD", "--", "calendars/standard.yaml"]);
    // Notes that rel does not read are not rules.
    repo.write("calendars/README.txt", "notes\n");
    repo.rel(&["approve", REL_ID, "--role", "service-owner"])
        .ok();
}

// 9. Identity

#[test]
fn an_email_hiding_another_address_is_refused() {
    let mut repo = planned();
    repo.by(("Mallory", "mallory@example.com> <fo@example.com"));
    repo.refused(3, &["approve", REL_ID, "--role", "service-owner"])
        .stderr_has("user.email `mallory@example.com> <fo@example.com` is not one email address");
    repo.by(("Mal <x@y>", "mallory@example.com"));
    repo.refused(3, &["approve", REL_ID, "--role", "service-owner"])
        .stderr_has("user.name `Mal <x@y>` is not a name");
}

// 10. Bounds

#[test]
fn huge_policy_numbers_are_errors_naming_the_field() {
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    let policy = repo.read("policy.yaml");
    repo.commit_file(
        "policy.yaml",
        &policy.replace("planning_days: 10", "planning_days: 4000000000"),
    );
    let run = repo.refused(
        3,
        &[
            "plan",
            "--service",
            "finance",
            "--type",
            "major",
            "--target",
            TARGET,
            "--change",
            "CHG-2025-0001",
        ],
    );
    run.stderr_has("timeline.planning_days: 4000000000 is too large; at most 3650 days");
}

#[test]
fn calendar_ranges_are_bounded() {
    let repo = Repo::new();
    let start = Instant::now();
    repo.refused(
        2,
        &[
            "calendar",
            "--list",
            "--from",
            "2025-01-01",
            "--to",
            "2099-12-31",
        ],
    )
    .stderr_has("spans 27393 days; at most 1827 (five years)");
    repo.refused(
        2,
        &["calendar", "--from", "0001-01-01", "--to", "9999-12-31"],
    )
    .stderr_has("--from 0001-01-01 is out of range; calendars cover the years 1900 to 2999");
    assert!(start.elapsed() < Duration::from_secs(20));
    repo.rel(&[
        "calendar",
        "--list",
        "--from",
        "2025-01-01",
        "--to",
        "2029-12-31",
    ])
    .ok();
}
