//! Team use through a shared remote (SPEC section 5.1): a local bare
//! repository is the remote, each clone a release manager's machine.

use crate::support::*;
use std::path::Path;

/// Where the records are published.
const SYNC: &str = "\nsync:\n  remote: origin\n  branch: main\n";
const WINDOW: &str = "2025-03-15 20:00";

/// A bare remote holding a records repository with `sync` in its policy and
/// an approved change (`CHG-2025-0001`...) for each of `services`, and `n`
/// clones of it, each on `main` tracking `origin/main`.
pub struct Team {
    pub remote: tempfile::TempDir,
    pub clones: Vec<Repo>,
}

impl Team {
    pub fn new(n: usize, services: &[&str]) -> Team {
        let origin = Repo::new();
        for (i, service) in services.iter().enumerate() {
            origin.change(&format!("CHG-2025-{:04}", i + 1), service, "2025-03-15");
        }
        let policy = origin.read("policy.yaml") + SYNC;
        origin.commit_file("policy.yaml", &policy);
        let remote = tempfile::tempdir().unwrap();
        origin.git(&[
            "clone",
            "-q",
            "--bare",
            origin.path().to_str().unwrap(),
            remote.path().to_str().unwrap(),
        ]);
        let clones = (0..n)
            .map(|_| {
                let c = Repo::bare();
                c.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
                c.git(&["pull", "-q", "origin", "main"]);
                c.git(&["branch", "-q", "--set-upstream-to=origin/main"]);
                c
            })
            .collect();
        Team { remote, clones }
    }

    /// `git` in the bare remote.
    pub fn remote_git(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(self.remote.path())
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    pub fn remote_head(&self) -> String {
        self.remote_git(&["rev-parse", "main"]).trim().to_string()
    }

    /// Release files on the remote's main.
    pub fn remote_releases(&self) -> Vec<String> {
        self.remote_git(&["ls-tree", "-r", "--name-only", "main", "releases"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn remote_file(&self, path: &str) -> String {
        self.remote_git(&["show", &format!("main:{path}")])
    }

    #[track_caller]
    pub fn assert_fsck_clean(&self) {
        self.remote_git(&["fsck", "--strict", "--no-dangling"]);
        for c in &self.clones {
            c.git(&["fsck", "--strict", "--no-dangling"]);
        }
    }
}

fn plan(repo: &Repo, global: &[&str], service: &str, change: &str) -> Run {
    let mut args: Vec<&str> = global.to_vec();
    args.extend([
        "plan",
        "--service",
        service,
        "--type",
        "minor",
        "--target",
        WINDOW,
        "--change",
        change,
    ]);
    // A complete release definition, so the owner may approve it.
    let version = if service == "infrastructure" {
        WINDOW[..10].replace('-', ".")
    } else {
        "1.0.0".to_string()
    };
    args.extend([
        "--version",
        &version,
        "--rationale",
        "Enhancements and fixes",
        "--risk",
        "Low: reversible changes",
        "--resource",
        "test environment",
        "--rollback-window",
        "2h",
        "--rollback-procedure",
        "runbook section 7",
    ]);
    repo.rel(&args)
}

fn first_line(run: &Run) -> String {
    run.stdout.lines().next().unwrap_or("").trim().to_string()
}

#[test]
fn a_second_clone_plans_the_next_id_without_a_pull() {
    let team = Team::new(2, &["finance", "hr-portal"]);
    let (a, b) = (&team.clones[0], &team.clones[1]);
    let first = first_line(&plan(a, &[], "finance", "CHG-2025-0001").ok());
    assert_eq!(first, "REL-2025-03-001");
    // Published: the remote's main is A's commit, and A is level with it.
    assert_eq!(team.remote_head(), a.head());
    assert_eq!(a.git(&["status", "--porcelain"]), "");

    // B has not pulled; its plan fetches first, so the id is the next one,
    // and the calendar rules see A's booking (hr-portal does not meet it).
    let second = first_line(&plan(b, &[], "hr-portal", "CHG-2025-0002").ok());
    assert_eq!(second, "REL-2025-03-002");
    assert_eq!(team.remote_head(), b.head());
    assert_eq!(
        team.remote_releases(),
        [
            "releases/2025/03/REL-2025-03-001.yaml",
            "releases/2025/03/REL-2025-03-002.yaml"
        ]
    );
    // B's working copy now holds A's release as well.
    assert!(
        b.path()
            .join("releases/2025/03/REL-2025-03-001.yaml")
            .is_file()
    );
    assert_eq!(b.git(&["status", "--porcelain"]), "");

    // Every changing command publishes, not only plan: A, now behind, approves.
    let mut team = team;
    team.clones[0].by(OWNER);
    let a = &team.clones[0];
    a.rel(&["approve", &first, "--role", "service-owner"]).ok();
    assert_eq!(team.remote_head(), a.head());
    assert_eq!(
        a.git(&["log", "-1", "--format=%an|%s"]).trim(),
        "Frances Owner|REL-2025-03-001: approve definition (service-owner)"
    );
    // On top of what B published (A fast-forwarded first).
    assert_eq!(
        a.git(&["rev-parse", "HEAD~1"]).trim(),
        team.clones[1].head()
    );
    team.assert_fsck_clean();
}

/// A pre-push hook in clone `a` that, the first time it runs, publishes
/// clone `b`'s unpublished commits: the remote moves between `a`'s fetch
/// and its push, deterministically. (Hooks run because rel pushes with the
/// `git` program.)
fn race_on_first_push(a: &Repo, b: &Repo) {
    let mark = a.path().join(".git/raced");
    let hook = a.path().join(".git/hooks/pre-push");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nif [ ! -f '{mark}' ]; then\n  touch '{mark}'\n  env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE git -C '{b}' push -q origin main || exit 1\nfi\nexit 0\n",
            mark = mark.display(),
            b = b.path().display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_push_refused_because_the_remote_moved_starts_again_with_a_new_id() {
    let team = Team::new(2, &["finance", "hr-portal"]);
    let (a, b) = (&team.clones[0], &team.clones[1]);
    // B books hr-portal offline: committed locally, not published.
    let theirs = first_line(&plan(b, &["--offline"], "hr-portal", "CHG-2025-0002").ok());
    assert_eq!(theirs, "REL-2025-03-001");
    assert_eq!(team.remote_releases(), Vec::<String>::new());

    race_on_first_push(a, b);
    let run = plan(a, &[], "finance", "CHG-2025-0001")
        .ok()
        .stderr_has("origin/main moved while rel was working; starting again on its new state");
    // The second attempt ran on the new remote state: the next id.
    assert_eq!(first_line(&run), "REL-2025-03-002");
    assert_eq!(
        team.remote_releases(),
        [
            "releases/2025/03/REL-2025-03-001.yaml",
            "releases/2025/03/REL-2025-03-002.yaml"
        ]
    );
    assert!(
        team.remote_file("releases/2025/03/REL-2025-03-001.yaml")
            .contains("service: hr-portal")
    );
    assert!(
        team.remote_file("releases/2025/03/REL-2025-03-002.yaml")
            .contains("service: finance")
    );
    // A holds exactly the remote's history: its first attempt left nothing.
    assert_eq!(a.head(), team.remote_head());
    assert_eq!(
        a.git(&["rev-list", "--count", "origin/main..main"]).trim(),
        "0"
    );
    assert_eq!(a.git(&["status", "--porcelain"]), "");
    assert!(
        team.remote_file("changes/2025/CHG-2025-0001.yaml")
            .contains("release: REL-2025-03-002")
    );
    team.assert_fsck_clean();
}

#[test]
fn losing_the_race_for_a_window_is_refused_naming_the_winner_and_the_next_slot() {
    let team = Team::new(2, &["finance", "finance"]);
    let (a, b) = (&team.clones[0], &team.clones[1]);
    let theirs = first_line(&plan(b, &["--offline"], "finance", "CHG-2025-0002").ok());
    race_on_first_push(a, b);
    let run = plan(a, &[], "finance", "CHG-2025-0001")
        .code(1)
        .stderr_has("starting again on its new state")
        .stderr_has(&theirs)
        .stderr_has("next start at which it could be booked");
    assert!(run.stderr.contains("--target \""), "{}", run.stderr);
    // One booking on the remote; A committed nothing and is level with it.
    assert_eq!(
        team.remote_releases(),
        [format!("releases/2025/03/{theirs}.yaml")]
    );
    assert_eq!(a.head(), team.remote_head());
    assert_eq!(a.git(&["status", "--porcelain"]), "");
    team.assert_fsck_clean();
}

#[test]
fn clones_booking_one_window_in_parallel_end_with_exactly_one_winner() {
    let outcome = parallel_booking(4);
    assert_eq!(outcome.winners, 1, "{outcome:?}");
    assert!(outcome.others_ok, "{outcome:?}");
    assert_eq!(outcome.remote_bookings, 1, "{outcome:?}");
    assert!(outcome.fsck_clean, "{outcome:?}");
}

/// What one parallel booking round ended with.
#[derive(Debug)]
pub struct Parallel {
    pub winners: usize,
    pub codes: Vec<i32>,
    /// Every loser exited 1 naming the winner and proposing a start, or 4.
    pub others_ok: bool,
    pub remote_bookings: usize,
    pub fsck_clean: bool,
    /// Processes whose push was refused because the remote moved, and
    /// which started again on the new state.
    pub retried: usize,
}

/// `n` clones run `rel plan` for the same finance window at once, each
/// with its own change.
pub fn parallel_booking(n: usize) -> Parallel {
    let team = Team::new(n, &vec!["finance"; n]);
    let children: Vec<_> = team
        .clones
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let change = format!("CHG-2025-{:04}", i + 1);
            c.command(&[
                "plan",
                "--service",
                "finance",
                "--type",
                "minor",
                "--target",
                WINDOW,
                "--change",
                &change,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let codes: Vec<i32> = outs.iter().map(|o| o.status.code().unwrap_or(-1)).collect();
    let winner = outs
        .iter()
        .find(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    let others_ok = outs.iter().filter(|o| !o.status.success()).all(|o| {
        let err = String::from_utf8_lossy(&o.stderr);
        match o.status.code() {
            Some(1) => err.contains(&winner) && err.contains("--target \""),
            Some(4) => true,
            _ => false,
        }
    });
    let fsck_clean = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(team.remote.path())
        .args(["fsck", "--strict", "--no-dangling"])
        .output()
        .unwrap()
        .status
        .success()
        && team.clones.iter().all(|c| {
            std::process::Command::new("git")
                .current_dir(c.path())
                .args(["fsck", "--strict", "--no-dangling"])
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .output()
                .unwrap()
                .status
                .success()
        });
    let retried = outs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("starting again"))
        .count();
    Parallel {
        retried,
        winners: codes.iter().filter(|&&c| c == 0).count(),
        others_ok,
        remote_bookings: team.remote_releases().len(),
        fsck_clean,
        codes,
    }
}

/// The stress run: the parallel booking repeated (`cargo test --test cli
/// stress -- --ignored --nocapture`); prints the counts.
#[test]
#[ignore]
fn stress_parallel_booking_repeated() {
    let runs: usize = std::env::var("REL_STRESS_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let clones: usize = std::env::var("REL_STRESS_CLONES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let mut codes = std::collections::BTreeMap::<i32, usize>::new();
    let mut failures = vec![];
    for run in 1..=runs {
        let p = parallel_booking(clones);
        for c in &p.codes {
            *codes.entry(*c).or_default() += 1;
        }
        println!(
            "run {run}: winners {}, exit codes {:?}, started again after a refused push {}, remote bookings {}, fsck {}",
            p.winners,
            p.codes,
            p.retried,
            p.remote_bookings,
            if p.fsck_clean { "clean" } else { "NOT CLEAN" }
        );
        if p.winners != 1 || !p.others_ok || p.remote_bookings != 1 || !p.fsck_clean {
            failures.push(run);
        }
    }
    println!("{runs} runs of {clones} clones; exit codes over all runs: {codes:?}");
    assert!(
        failures.is_empty(),
        "runs that broke the rule: {failures:?}"
    );
}

#[test]
fn offline_work_is_published_by_rel_sync_with_a_renumbered_id_and_its_evidence() {
    let mut team = Team::new(2, &["finance", "hr-portal"]);
    {
        let a = &mut team.clones[0];
        let mine = first_line(&plan(a, &["--offline"], "finance", "CHG-2025-0001").ok());
        assert_eq!(mine, "REL-2025-03-001");
        a.by(OWNER);
        a.rel(&["--offline", "approve", &mine, "--role", "service-owner"])
            .ok();
        a.by(RM);
    }
    // Meanwhile B publishes another release under the same id.
    let b = &team.clones[1];
    assert_eq!(
        first_line(&plan(b, &[], "hr-portal", "CHG-2025-0002").ok()),
        "REL-2025-03-001"
    );
    let a = &team.clones[0];
    // A synced command refuses the diverged branch, naming the remedy.
    let run = a.refused(3, &["approve", "REL-2025-03-001", "--role", "cab"]);
    assert!(run.stderr.contains("have diverged"), "{}", run.stderr);
    assert!(run.stderr.contains("`rel sync`"), "{}", run.stderr);

    let run = a
        .rel(&["sync"])
        .ok()
        .stdout_has("renumbered REL-2025-03-001 -> REL-2025-03-002")
        .stdout_has("published 2 commit(s) to origin/main");
    assert_eq!(run.stderr, "");
    assert_eq!(a.head(), team.remote_head());
    assert_eq!(a.git(&["status", "--porcelain"]), "");
    assert_eq!(
        team.remote_releases(),
        [
            "releases/2025/03/REL-2025-03-001.yaml",
            "releases/2025/03/REL-2025-03-002.yaml"
        ]
    );
    // B's release is untouched; A's carries its new id and its approval.
    assert!(
        team.remote_file("releases/2025/03/REL-2025-03-001.yaml")
            .contains("service: hr-portal")
    );
    let mine = team.remote_file("releases/2025/03/REL-2025-03-002.yaml");
    assert!(mine.starts_with("id: REL-2025-03-002\n"), "{mine}");
    assert!(mine.contains("fo@example.com"), "{mine}");
    assert!(
        team.remote_file("changes/2025/CHG-2025-0001.yaml")
            .contains("release: REL-2025-03-002")
    );
    // The commits' subjects and trailers follow, authors and order kept.
    let log = a.git(&[
        "log",
        "-3",
        "--format=%an|%s|%(trailers:key=Rel-Release,valueonly)",
    ]);
    let lines: Vec<&str> = log.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        [
            "Frances Owner|REL-2025-03-002: approve definition (service-owner)|REL-2025-03-002",
            "Riley Manager|REL-2025-03-002: plan finance minor release|REL-2025-03-002",
            "Riley Manager|REL-2025-03-001: plan hr-portal minor release|REL-2025-03-001",
        ],
        "{log}"
    );
    // The approval still counts, and the records check clean.
    a.rel(&["gate", "REL-2025-03-002"])
        .stdout_has("definition-approved");
    a.rel(&["check"]).ok();
    a.rel(&["audit", "verify"]).ok();
    team.assert_fsck_clean();
}

#[test]
fn rel_sync_leaves_out_a_booking_that_now_loses_and_keeps_it_in_a_branch() {
    let team = Team::new(2, &["finance", "finance", "hr-portal"]);
    let (a, b) = (&team.clones[0], &team.clones[1]);
    first_line(&plan(a, &["--offline"], "finance", "CHG-2025-0001").ok());
    let unrelated = first_line(&plan(a, &["--offline"], "hr-portal", "CHG-2025-0003").ok());
    assert_eq!(unrelated, "REL-2025-03-002");
    let before = a.head();
    let theirs = first_line(&plan(b, &[], "finance", "CHG-2025-0002").ok());
    assert_eq!(theirs, "REL-2025-03-001");

    let run = a
        .rel(&["sync"])
        .code(1)
        .stdout_has("published 1 commit(s) to origin/main")
        .stderr_has("its id REL-2025-03-001 is taken on origin/main, and as REL-2025-03-003 it loses a calendar conflict")
        .stderr_has(&theirs)
        .stderr_has("next free start")
        .stderr_has("--target \"");
    assert!(
        run.stderr.contains(&format!(
            "kept in branch rel-sync/unpublished-{}",
            &before[..10]
        )),
        "{}",
        run.stderr
    );
    // What the release manager reads (commit ids redacted: they change with
    // any byte of the record format).
    insta::assert_snapshot!(redact_commit_ids(&format!("{}{}", run.stdout, run.stderr)), @r#"
    published 1 commit(s) to origin/main
    left out <commit> (REL-2025-03-001: plan finance minor release): its id REL-2025-03-001 is taken on origin/main, and as REL-2025-03-003 it loses a calendar conflict: REL-2025-03-003 (Sat 2025-03-15 20:00 to 22:00 Europe/London) overlaps REL-2025-03-001 (Sat 2025-03-15 20:00 to 22:00 Europe/London), both on finance; REL-2025-03-001 wins: same type, impact and booking time, and REL-2025-03-001 is already booked, so it keeps its slot; next free start Sat 15 Mar 2025 22:00 (rel plan ... --target "2025-03-15 22:00")
    the original commits are kept in branch rel-sync/unpublished-<commit>
    "#);
    // The remote: B's finance release, and A's hr-portal release under the
    // id it had (not taken on the remote).
    assert_eq!(
        team.remote_releases(),
        [
            "releases/2025/03/REL-2025-03-001.yaml",
            "releases/2025/03/REL-2025-03-002.yaml"
        ]
    );
    assert!(
        team.remote_file("releases/2025/03/REL-2025-03-002.yaml")
            .contains("service: hr-portal")
    );
    // A's finance change is not in any release on the remote.
    assert!(
        !team
            .remote_file("changes/2025/CHG-2025-0001.yaml")
            .contains("release:")
    );
    assert_eq!(a.head(), team.remote_head());
    // Nothing is lost: the original commits are on the branch named.
    assert_eq!(
        a.git(&[
            "rev-parse",
            &format!("rel-sync/unpublished-{}", &before[..10])
        ])
        .trim(),
        before
    );
    team.assert_fsck_clean();
}

#[test]
fn rel_sync_replays_a_hand_commit_as_it_is_or_refuses_it_naming_the_path() {
    let team = Team::new(2, &["finance"]);
    let (a, b) = (&team.clones[0], &team.clones[1]);
    // Two hand commits on A: a new calendar file, and an edit of policy.yaml.
    a.commit_file("calendars/extra.yaml", "holidays: [2025-04-18]\n");
    let policy = a.read("policy.yaml");
    a.commit_file(
        "policy.yaml",
        &policy.replace("Europe/London", "Europe/Dublin"),
    );
    // B edits policy.yaml too and publishes it by hand.
    b.commit_file("policy.yaml", &(policy.clone() + "# edited on b\n"));
    b.git(&["push", "-q", "origin", "main"]);

    let run = a
        .rel(&["sync"])
        .code(3)
        .stdout_has("published 1 commit(s)")
        .stderr_has("no longer applies: policy.yaml was changed on origin/main meanwhile");
    assert!(run.stderr.contains("edit policy.yaml"), "{}", run.stderr);
    // The calendar commit went through unchanged, with its author.
    assert_eq!(
        team.remote_file("calendars/extra.yaml"),
        "holidays: [2025-04-18]\n"
    );
    assert!(team.remote_file("policy.yaml").ends_with("# edited on b\n"));
    assert_eq!(a.head(), team.remote_head());
    assert_eq!(
        a.git(&["log", "-1", "--format=%s", "HEAD"]).trim(),
        "edit calendars/extra.yaml"
    );
    team.assert_fsck_clean();
}

#[test]
fn a_synced_command_refuses_a_branch_ahead_of_the_remote_until_rel_sync() {
    let team = Team::new(1, &["finance", "hr-portal"]);
    let a = &team.clones[0];
    plan(a, &["--offline"], "finance", "CHG-2025-0001").ok();
    assert_eq!(team.remote_releases(), Vec::<String>::new());
    let args = [
        "plan",
        "--service",
        "hr-portal",
        "--type",
        "minor",
        "--target",
        WINDOW,
        "--change",
        "CHG-2025-0002",
    ];
    a.refused(3, &args)
        .stderr_has("main has 1 commit(s) that origin/main lacks")
        .stderr_has("`rel sync`");
    // Nothing to renumber: the offline commit is published as it is.
    let head = a.head();
    a.rel(&["sync"]).ok().stdout_has("published 1 commit(s)");
    assert_eq!(team.remote_head(), head);
    a.rel(&["sync"])
        .ok()
        .stdout_has("main is up to date with origin/main");
    a.rel(&args).ok();
    assert_eq!(team.remote_releases().len(), 2);
}

#[test]
fn an_unreachable_remote_is_refused_naming_it_and_what_is_kept() {
    let team = Team::new(1, &["finance", "hr-portal"]);
    let a = &team.clones[0];
    plan(a, &["--offline"], "finance", "CHG-2025-0001").ok();
    let missing = a.path().join("no-such-remote");
    a.git(&["remote", "set-url", "origin", missing.to_str().unwrap()]);
    let run = a.refused(
        3,
        &[
            "plan",
            "--service",
            "hr-portal",
            "--type",
            "minor",
            "--target",
            WINDOW,
            "--change",
            "CHG-2025-0002",
        ],
    );
    let err = &run.stderr;
    assert!(err.contains("cannot reach remote `origin`"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(
        err.contains(&format!(
            "main is kept locally at {} with 1 commit(s) not yet published",
            &a.head()[..10]
        )),
        "{err}"
    );
    assert!(err.contains("--offline"), "{err}");
    let run = a.refused(3, &["sync"]);
    assert!(
        run.stderr.contains("nothing was published"),
        "{}",
        run.stderr
    );
    // --offline still works, and keeps the work for later.
    a.rel(&[
        "--offline",
        "plan",
        "--service",
        "hr-portal",
        "--type",
        "minor",
        "--target",
        WINDOW,
        "--change",
        "CHG-2025-0002",
    ])
    .ok();
    assert_eq!(a.commit_count(), team_commits(&team) + 2);
}

fn team_commits(team: &Team) -> usize {
    team.remote_git(&["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn on_another_branch_and_offline_nothing_is_fetched_or_pushed() {
    let team = Team::new(1, &["finance", "hr-portal"]);
    let a = &team.clones[0];
    let remote = team.remote_head();
    a.git(&["switch", "-q", "-c", "approve-finance"]);
    plan(a, &[], "finance", "CHG-2025-0001").ok();
    assert_eq!(team.remote_head(), remote);
    a.git(&["switch", "-q", "main"]);
    plan(a, &["--offline"], "hr-portal", "CHG-2025-0002").ok();
    assert_eq!(team.remote_head(), remote);
    assert!(!Path::new(&team.remote.path().join("refs/heads/approve-finance")).exists());
}

#[test]
fn sync_needs_the_policy_key_and_its_branch() {
    let repo = Repo::new();
    repo.refused(3, &["sync"])
        .stderr_has("add `sync: {remote: origin, branch: main}`");
    let team = Team::new(1, &[]);
    let a = &team.clones[0];
    a.git(&["switch", "-q", "-c", "topic"]);
    a.refused(3, &["sync"])
        .stderr_has("rel sync publishes main; HEAD is on topic");
    let policy = a
        .read("policy.yaml")
        .replace("remote: origin", "remote: --upload-pack=x");
    a.commit_file("policy.yaml", &policy);
    a.git(&["switch", "-q", "main"]);
    a.git(&["merge", "-q", "--ff-only", "topic"]);
    a.refused(3, &["sync"])
        .stderr_has("policy.yaml: sync.remote: `--upload-pack=x` is not a git remote");
}

#[test]
fn a_push_the_remote_declines_commits_nothing_and_names_the_remote() {
    let team = Team::new(1, &["finance"]);
    let a = &team.clones[0];
    let hook = a.path().join(".git/hooks/pre-push");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\necho 'pushes are frozen' >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let remote = team.remote_head();
    let run = a.refused(
        3,
        &[
            "plan",
            "--service",
            "finance",
            "--type",
            "minor",
            "--target",
            WINDOW,
            "--change",
            "CHG-2025-0001",
        ],
    );
    assert!(
        run.stderr.contains("pushing to remote `origin` failed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pushes are frozen"), "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing was committed locally"),
        "{}",
        run.stderr
    );
    assert_eq!(team.remote_head(), remote);
}

#[test]
fn rel_sync_reports_in_json() {
    let team = Team::new(2, &["finance", "hr-portal"]);
    let (a, b) = (&team.clones[0], &team.clones[1]);
    plan(a, &["--offline"], "finance", "CHG-2025-0001").ok();
    plan(b, &[], "hr-portal", "CHG-2025-0002").ok();
    let v = a.rel(&["--json", "sync"]).ok().json();
    assert_eq!(v["remote"], "origin/main");
    assert_eq!(v["published"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["renumbered"],
        serde_json::json!([["REL-2025-03-001", "REL-2025-03-002"]])
    );
    assert_eq!(v["left_out"], serde_json::json!([]));
}

#[test]
fn a_remote_that_keeps_moving_ends_in_exit_4_with_nothing_committed() {
    let team = Team::new(2, &["finance"]);
    let (a, b) = (&team.clones[0], &team.clones[1]);
    // Every push of A's is preceded by another publication from B.
    let hook = a.path().join(".git/hooks/pre-push");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\ngit -C '{b}' commit -q --allow-empty -m 'meanwhile on b' && git -C '{b}' push -q origin main || exit 1\n",
            b = b.path().display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = plan(a, &[], "finance", "CHG-2025-0001")
        .code(4)
        .stderr_has("origin/main moved under each of 6 attempts")
        .stderr_has("nothing was committed");
    assert_eq!(run.stdout, "");
    assert_eq!(team.remote_releases(), Vec::<String>::new());
    let ours = a.git(&["log", "--format=%s", "main"]);
    assert!(!ours.contains("plan finance"), "{ours}");
    assert_eq!(
        a.git(&["rev-list", "--count", "origin/main..main"]).trim(),
        "0"
    );
    assert_eq!(a.git(&["status", "--porcelain"]), "");
    team.assert_fsck_clean();
}

#[test]
fn rel_sync_renumbers_a_release_in_the_dependencies_of_another() {
    let team = Team::new(2, &["finance", "hr-portal", "infrastructure"]);
    let (a, b) = (&team.clones[0], &team.clones[1]);
    let first = first_line(&plan(a, &["--offline"], "finance", "CHG-2025-0001").ok());
    let run = a
        .rel(&[
            "--offline",
            "plan",
            "--service",
            "hr-portal",
            "--type",
            "minor",
            "--target",
            WINDOW,
            "--change",
            "CHG-2025-0002",
            "--depends-on",
            &first,
        ])
        .ok();
    assert_eq!(first_line(&run), "REL-2025-03-002");
    plan(b, &[], "infrastructure", "CHG-2025-0003").ok();

    a.rel(&["sync"])
        .ok()
        .stdout_has("renumbered REL-2025-03-001 -> REL-2025-03-003")
        .stdout_has("published 2 commit(s)");
    // 002 was free on the remote and keeps its id; what it depends on
    // follows the renumbering.
    let dependent = team.remote_file("releases/2025/03/REL-2025-03-002.yaml");
    assert!(
        dependent.contains("depends_on:\n- REL-2025-03-003\n"),
        "{dependent}"
    );
    assert!(
        team.remote_file("releases/2025/03/REL-2025-03-003.yaml")
            .contains("service: finance")
    );
    assert!(
        team.remote_file("releases/2025/03/REL-2025-03-001.yaml")
            .contains("service: infrastructure")
    );
    a.rel(&["check"]).ok();
}
