//! Commands that read many records or a long history: the version in
//! production found in months long past, list filters, `change list`.

use crate::support::*;
use serde_json::Value;

const REL: &str = "REL-2025-03-001";
const PATH: &str = "releases/2025/03/REL-2025-03-001.yaml";
const OLD: &str = "releases/2024/11/REL-2024-11-001.yaml";
/// The index of closed releases by month, a cache in the git directory.
const INDEX: &str = ".git/rel/production-index";

/// A finance 2.4.0 release planned for March 2025, moved to build by a
/// hand commit (the version gate is one of build -> test's).
fn in_build(repo: &Repo) -> String {
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let id = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &["--version", "2.4.0", "--duration", "2h"],
    );
    assert_eq!(id, REL);
    let planned = repo.read(PATH);
    repo.commit_file(PATH, &planned.replace("stage: plan", "stage: build"));
    planned
}

/// `planned` (a release of March 2025) as a release of November 2024 at
/// `stage`.
fn november(planned: &str, stage: &str) -> String {
    planned
        .replace(REL, "REL-2024-11-001")
        .replace("2025-03-", "2024-11-")
        .replace("stage: plan", &format!("stage: {stage}"))
}

fn version_gate(repo: &Repo) -> Value {
    let json = repo.rel(&["--json", "show", REL]).ok().json();
    json["next"]["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "version")
        .cloned()
        .unwrap_or_else(|| panic!("no version gate in {json}"))
}

#[test]
fn the_version_in_production_is_found_months_back_and_follows_commits() {
    let repo = Repo::new();
    let planned = in_build(&repo);
    let gate = version_gate(&repo);
    assert_eq!(gate["status"], "pass", "{gate}");
    assert!(
        gate["message"]
            .as_str()
            .unwrap()
            .contains("no earlier release of finance in production"),
        "{gate}"
    );

    // Four months back (past the months a transition reads anyway).
    repo.commit_file(OLD, &november(&planned, "closed"));
    for _ in 0..2 {
        // The second time from the summaries the first one cached.
        let gate = version_gate(&repo);
        assert_eq!(gate["status"], "fail", "{gate}");
        assert!(
            gate["message"]
                .as_str()
                .unwrap()
                .contains("not greater than 2.4.0, the version of REL-2024-11-001"),
            "{gate}"
        );
    }
    assert!(repo.path().join(INDEX).is_file());

    // A hand commit cancelling it is seen at once: the summary is of the
    // folder's git tree, which the commit changed.
    repo.commit_file(OLD, &november(&planned, "cancelled"));
    let gate = version_gate(&repo);
    assert_eq!(gate["status"], "pass", "{gate}");

    // A rolled-back deployment is not production either.
    let rolled_back = november(&planned, "closed").replace(
        "booked_at:",
        "deployment:\n  status: rolled-back\n  started: 2024-11-15T20:00:00Z\n  duration: 1h\n  by: Dana Deployer <ops@example.com>\n  at: 2024-11-15T21:00:00Z\nbooked_at:",
    );
    repo.commit_file(OLD, &rolled_back);
    let gate = version_gate(&repo);
    assert_eq!(gate["status"], "pass", "{gate}");

    // Months long past count as committed: an uncommitted edit there is
    // not a version in production.
    repo.write(OLD, &november(&planned, "closed"));
    let gate = version_gate(&repo);
    assert_eq!(gate["status"], "pass", "{gate}");
    // A damaged cache is rebuilt, not trusted.
    repo.git(&["checkout", "--", OLD]);
    repo.commit_file(OLD, &november(&planned, "closed"));
    std::fs::write(repo.path().join(INDEX), "garbage\n").unwrap();
    let gate = version_gate(&repo);
    assert_eq!(gate["status"], "fail", "{gate}");
}

/// Which release the version gate takes for production: its id, or
/// `none`.
fn production(repo: &Repo) -> String {
    let gate = version_gate(repo);
    let message = gate["message"].as_str().unwrap();
    let found = ["REL-2024-11-001", "REL-2023-05-001"]
        .into_iter()
        .find(|id| message.contains(id));
    match (gate["status"].as_str().unwrap(), found) {
        ("fail", Some("REL-2024-11-001")) => "REL-2024-11-001".into(),
        ("pass", Some("REL-2023-05-001")) => "REL-2023-05-001".into(),
        ("pass", None) if message.contains("no earlier release of finance") => "none".into(),
        _ => panic!("unexpected version gate: {gate}"),
    }
}

#[test]
fn the_index_of_closed_releases_follows_every_commit_and_is_never_required() {
    let repo = Repo::new();
    let planned = in_build(&repo);
    // A closed 2.0.0 two years back, and November's 2.4.0 (the latest).
    let older = november(&planned, "closed")
        .replace("REL-2024-11-001", "REL-2023-05-001")
        .replace("2024-11-", "2023-05-")
        .replace("version: \"2.4.0\"", "version: \"2.0.0\"");
    repo.commit_file("releases/2023/05/REL-2023-05-001.yaml", &older);
    repo.commit_file(OLD, &november(&planned, "closed"));
    // A later closed release of another service is not finance's version.
    assert!(planned.contains("service: finance"));
    let other = november(&planned, "closed")
        .replace("REL-2024-11-001", "REL-2024-12-001")
        .replace("2024-11-", "2024-12-")
        .replace("service: finance", "service: hr-portal")
        .replace("version: \"2.4.0\"", "version: \"9.9.9\"");
    repo.commit_file("releases/2024/12/REL-2024-12-001.yaml", &other);
    let november_wins = "REL-2024-11-001";
    assert_eq!(production(&repo), november_wins);
    let index = repo.read(INDEX);
    // Read again unchanged: the index is what answers, and is not rewritten.
    assert_eq!(production(&repo), november_wins);
    assert_eq!(repo.read(INDEX), index);

    // Reopened by a hand commit (back to deploy): November's month is read
    // again, 2023's comes from the index, and 2.0.0 is production.
    repo.commit_file(OLD, &november(&planned, "deploy"));
    let older_wins = "REL-2023-05-001";
    assert_eq!(production(&repo), older_wins);
    assert_ne!(repo.read(INDEX), index);

    // Closed again by hand: seen at once.
    repo.commit_file(OLD, &november(&planned, "closed"));
    assert_eq!(production(&repo), november_wins);

    // A hand commit elsewhere in 2024 changes the year's folder; the
    // months it did not touch keep their summaries and their answer.
    let february = november(&planned, "cancelled")
        .replace("REL-2024-11-001", "REL-2024-02-001")
        .replace("2024-11-", "2024-02-");
    repo.commit_file("releases/2024/02/REL-2024-02-001.yaml", &february);
    assert_eq!(production(&repo), november_wins);

    // Cancelling the old one by hand, with November reopened: nothing in
    // production any more.
    repo.commit_file(
        "releases/2023/05/REL-2023-05-001.yaml",
        &older.replace("stage: closed", "stage: cancelled"),
    );
    repo.commit_file(OLD, &november(&planned, "deploy"));
    let none = "none";
    assert_eq!(production(&repo), none);

    // A deleted index is rebuilt; one from another state of the folders,
    // or cut short, is brought up to date rather than trusted.
    repo.commit_file(OLD, &november(&planned, "closed"));
    let stale = repo.read(INDEX);
    std::fs::remove_file(repo.path().join(INDEX)).unwrap();
    assert_eq!(production(&repo), november_wins);
    let fresh = repo.read(INDEX);
    assert_ne!(fresh, stale);
    repo.commit_file(OLD, &november(&planned, "deploy"));
    std::fs::write(repo.path().join(INDEX), &fresh).unwrap();
    assert_eq!(production(&repo), none);
    repo.commit_file(OLD, &november(&planned, "closed"));
    let cut: String = fresh.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(repo.path().join(INDEX), cut).unwrap();
    assert_eq!(production(&repo), november_wins);
    assert_eq!(repo.read(INDEX), fresh);

    // An index that cannot be written costs time, not the answer.
    std::fs::remove_file(repo.path().join(INDEX)).unwrap();
    std::fs::create_dir(repo.path().join(INDEX)).unwrap();
    assert_eq!(production(&repo), november_wins);
}

#[test]
fn the_latest_closed_release_wins_and_the_releases_own_months_are_read_as_they_are() {
    let repo = Repo::new();
    let planned = in_build(&repo);
    // Two closed releases in November: the later window is production.
    let later = november(&planned, "closed")
        .replace("REL-2024-11-001", "REL-2024-11-002")
        .replace("2024-11-15T20:00", "2024-11-20T20:00")
        .replace("version: \"2.4.0\"", "version: \"2.3.0\"");
    repo.commit_file(OLD, &november(&planned, "closed"));
    repo.commit_file("releases/2024/11/REL-2024-11-002.yaml", &later);
    let gate = version_gate(&repo);
    assert_eq!(gate["status"], "pass", "{gate}");
    assert!(
        gate["message"]
            .as_str()
            .unwrap()
            .contains("2.4.0 > 2.3.0 (REL-2024-11-002)"),
        "{gate}"
    );
    // A closed release in February, uncommitted: the months next to the
    // release are read from the work tree, as its other gates read them.
    let february = planned
        .replace(REL, "REL-2025-02-001")
        .replace("2025-03-", "2025-02-")
        .replace("stage: plan", "stage: closed")
        .replace("version: \"2.4.0\"", "version: \"2.4.1\"");
    repo.write("releases/2025/02/REL-2025-02-001.yaml", &february);
    let gate = version_gate(&repo);
    assert_eq!(gate["status"], "fail", "{gate}");
    assert!(
        gate["message"]
            .as_str()
            .unwrap()
            .contains("REL-2025-02-001"),
        "{gate}"
    );
}

#[test]
fn list_filters_keep_only_what_they_name_and_still_report_broken_records() {
    let repo = Repo::new();
    in_build(&repo);
    repo.change("CHG-2025-0950", "hr-portal", "2025-03-22");
    repo.plan(
        "hr-portal",
        "minor",
        "2025-03-22 18:00",
        &["CHG-2025-0950"],
        &["--duration", "1h"],
    );
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        repo.rel(&all)
            .ok()
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&["list"]), [REL, "REL-2025-03-002"]);
    assert_eq!(ids(&["list", "--stage", "build"]), [REL]);
    assert_eq!(ids(&["list", "--stage", "plan"]), ["REL-2025-03-002"]);
    assert_eq!(
        ids(&["list", "--service", "hr-portal"]),
        ["REL-2025-03-002"]
    );
    assert!(ids(&["list", "--stage", "closed"]).is_empty());
    assert_eq!(
        ids(&["change", "list", "--service", "finance"]),
        ["CHG-2025-0892"]
    );
    assert_eq!(
        ids(&["change", "list", "--status", "approved"]),
        ["CHG-2025-0892", "CHG-2025-0950"]
    );
    // A record spelling the value through an escape is parsed, not skipped.
    let escaped = repo
        .read(PATH)
        .replace("stage: build", "stage: \"\\x63losed\"");
    repo.write(PATH, &escaped);
    assert_eq!(ids(&["list", "--stage", "closed"]), [REL]);
    // A broken record that could match is an error naming it.
    repo.write(PATH, "id: [\n");
    repo.rel(&["list"])
        .code(3)
        .stderr_has("releases/2025/03/REL-2025-03-001.yaml");
}

#[test]
fn change_list_prints_one_table_in_id_order() {
    let repo = Repo::new();
    for (id, service) in [
        ("CHG-2025-0003", "ledger"),
        ("CHG-2024-0001", "finance"),
        ("CHG-2025-0001", "finance"),
    ] {
        repo.change(id, service, "2025-03-15");
    }
    let out = repo.rel(&["change", "list"]).ok().stdout;
    insta::assert_snapshot!(out, @r"
     ID             SERVICE  STATUS    TARGET      RELEASE  TITLE                
    ═════════════════════════════════════════════════════════════════════════════
     CHG-2024-0001  finance  approved  2025-03-15  -        Change CHG-2024-0001 
                             ready                                               
     CHG-2025-0001  finance  approved  2025-03-15  -        Change CHG-2025-0001 
                             ready                                               
     CHG-2025-0003  ledger   approved  2025-03-15  -        Change CHG-2025-0003 
                             ready
    ");
    let json = repo.rel(&["--json", "change", "list"]).ok();
    assert!(json.stdout.ends_with("]\n"), "{}", json.stdout);
    assert_eq!(json.json()[2]["id"], "CHG-2025-0003");
    repo.rel(&["change", "list", "--service", "hr-portal"])
        .ok()
        .stdout_has("No change references.");
}

/// Runs rel under `script`, so that its output is a terminal; `None` when
/// `script` is not installed.
fn on_terminal(repo: &Repo, args: &str, after_ms: &str) -> Option<String> {
    let rel = repo.command(&[]);
    let mut cmd = std::process::Command::new("script");
    for (k, v) in rel.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd
        .current_dir(repo.path())
        .env("REL_TEST_PROGRESS_AFTER_MS", after_ms)
        .args([
            "-qec",
            &format!("{} {args}", env!("CARGO_BIN_EXE_rel")),
            "/dev/null",
        ])
        .output()
        .ok()?;
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_long_read_shows_progress_on_a_terminal_only() {
    let repo = Repo::new();
    in_build(&repo);
    let Some(out) = on_terminal(&repo, "check", "0") else {
        eprintln!("script not available; skipped");
        return;
    };
    assert!(out.contains("reading records"), "{out}");
    assert!(out.contains("no findings"), "{out}");
    // Not with --json, and not before the delay has passed.
    let json = on_terminal(&repo, "--json check", "0").unwrap();
    assert!(!json.contains("reading records"), "{json}");
    let quick = on_terminal(&repo, "check", "60000").unwrap();
    assert!(!quick.contains("reading records"), "{quick}");
    // Without a terminal, never.
    repo.rel(&["check"]).ok();
    let run = repo.rel(&["list"]).ok();
    assert!(!run.stderr.contains("reading records"), "{}", run.stderr);
}
