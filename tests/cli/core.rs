//! Records repository, changes, planning, gates, transitions, git.

use crate::support::*;
use std::process::Stdio;

const TARGET: &str = "2025-03-15 20:00";
const REL_FILE: &str = "releases/2025/03/REL-2025-03-001.yaml";

/// `CHG-2025-0001` .. `CHG-2025-00nn`.
fn change_ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("CHG-2025-{i:04}")).collect()
}

/// A repository holding `n` approved, ready finance changes for the target.
fn repo_with_changes(n: usize) -> (Repo, Vec<String>) {
    let repo = Repo::new();
    let ids = change_ids(n);
    for id in &ids {
        repo.change(id, "finance", "2025-03-15");
    }
    (repo, ids)
}

/// `rel plan` arguments for a finance release at `target` with `changes`.
fn plan_args<'a>(kind: &'a str, target: &'a str, changes: &'a [String]) -> Vec<&'a str> {
    let mut args = vec![
        "plan",
        "--service",
        "finance",
        "--type",
        kind,
        "--target",
        target,
    ];
    for c in changes {
        args.push("--change");
        args.push(c);
    }
    // A complete release definition (SPEC 3.3).
    args.extend([
        "--version",
        "1.0.0",
        "--rationale",
        "Enhancements",
        "--risk",
        "Low",
        "--resource",
        "test environment",
        "--rollback-window",
        "2h",
        "--rollback-procedure",
        "runbook section 7",
    ]);
    args
}

/// A planned minor finance release on the seed's target with one change.
fn planned_minor() -> Repo {
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    let id = repo.plan("finance", "minor", TARGET, &["CHG-2025-0001"], &[]);
    assert_eq!(id, "REL-2025-03-001");
    repo
}

fn gate(repo: &Repo, id: &str, name: &str) -> serde_json::Value {
    let run = repo.rel(&["gate", id, "--json"]);
    let json = run.json();
    json["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no gate {name} in {json}"))
        .clone()
}

fn last_message(repo: &Repo) -> String {
    repo.git(&["log", "-1", "--format=%B"])
}

fn last_files(repo: &Repo) -> Vec<String> {
    repo.git(&["show", "--name-only", "--format=", "HEAD"])
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn init_creates_the_layout_in_one_commit() {
    let repo = Repo::new();
    assert!(repo.path().join("policy.yaml").is_file());
    assert!(repo.path().join("calendars/standard.yaml").is_file());
    assert_eq!(repo.commit_count(), 1);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

// 1. Schedule

#[test]
fn schedule_minor_works_back_2_4_8_10_days_from_the_target() {
    let repo = planned_minor();
    let show = repo.rel(&["show", "REL-2025-03-001", "--json"]).ok().json();
    let s = &show["schedule"];
    assert_eq!(s["planning"], "2025-03-05");
    assert_eq!(s["build"], "2025-03-07");
    assert_eq!(s["test"], "2025-03-11");
    assert_eq!(s["staging"], "2025-03-13");
    assert_eq!(s["deployment"], "2025-03-15");
}

#[test]
fn schedule_major_extends_each_interval_by_half() {
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    let id = repo.plan("finance", "major", TARGET, &["CHG-2025-0001"], &[]);
    let show = repo.rel(&["show", &id, "--json"]).ok().json();
    let s = &show["schedule"];
    assert_eq!(s["planning"], "2025-02-28");
    assert_eq!(s["build"], "2025-03-03");
    assert_eq!(s["test"], "2025-03-09");
    assert_eq!(s["staging"], "2025-03-12");
    assert_eq!(s["deployment"], "2025-03-15");
}

// 2. Change count

#[test]
fn change_count_15_plans_without_warning() {
    let (repo, ids) = repo_with_changes(15);
    let run = repo.rel(&plan_args("minor", TARGET, &ids)).ok();
    assert!(
        !run.stderr.to_lowercase().contains("warn"),
        "unexpected warning: {}",
        run.stderr
    );
}

#[test]
fn change_count_16_plans_with_a_warning() {
    let (repo, ids) = repo_with_changes(16);
    let before = repo.commit_count();
    repo.rel(&plan_args("minor", TARGET, &ids))
        .ok()
        .stderr_has("warning")
        .stderr_has("change-count: 16 changes");
    assert_eq!(repo.commit_count(), before + 1);
}

#[test]
fn change_count_20_plans() {
    let (repo, ids) = repo_with_changes(20);
    repo.rel(&plan_args("minor", TARGET, &ids)).ok();
    assert!(repo.path().join(REL_FILE).is_file());
}

#[test]
fn change_count_21_is_refused() {
    let (repo, ids) = repo_with_changes(21);
    repo.refused(1, &plan_args("minor", TARGET, &ids))
        .stderr_has("change-count: 21 changes")
        .stderr_has("20");
    assert!(!repo.path().join("releases").join("2025").exists());
}

// 3. Change rules at plan

#[test]
fn unapproved_change_is_refused_until_approved() {
    let repo = Repo::new();
    repo.rel(&[
        "change",
        "add",
        "CHG-2025-0001",
        "--title",
        "Still assessing",
        "--service",
        "finance",
        "--status",
        "assessing",
        "--owner",
        "dev@example.com",
        "--target",
        "2025-03-15",
        "--ready",
    ])
    .ok();
    let ids = change_ids(1);
    repo.refused(1, &plan_args("minor", TARGET, &ids))
        .stderr_has("changes-approved: not approved: CHG-2025-0001");
    repo.rel(&["change", "set", "CHG-2025-0001", "--status", "approved"])
        .ok();
    repo.rel(&plan_args("minor", TARGET, &ids)).ok();
}

#[test]
fn unready_change_is_refused_until_ready() {
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    repo.rel(&["change", "set", "CHG-2025-0001", "--not-ready"])
        .ok();
    let ids = change_ids(1);
    repo.refused(1, &plan_args("minor", TARGET, &ids))
        .stderr_has("changes-ready");
    repo.rel(&["change", "set", "CHG-2025-0001", "--ready"])
        .ok();
    repo.rel(&plan_args("minor", TARGET, &ids)).ok();
}

#[test]
fn change_in_another_live_release_is_refused_until_that_release_is_cancelled() {
    let repo = planned_minor();
    let ids = change_ids(1);
    // Another Saturday, so that only the reuse stands in the way.
    let other = "2025-03-22 20:00";
    repo.refused(1, &plan_args("minor", other, &ids))
        .stderr_has("changes-unique")
        .stderr_has("REL-2025-03-001");
    repo.rel(&["cancel", "REL-2025-03-001", "--reason", "split"])
        .ok();
    let run = repo.rel(&plan_args("minor", other, &ids)).ok();
    assert_eq!(run.stdout.lines().next().unwrap().trim(), "REL-2025-03-002");
}

// 4. Approval authorisation

#[test]
fn approval_by_the_service_owner_is_accepted() {
    let mut repo = planned_minor();
    assert_eq!(
        gate(&repo, "REL-2025-03-001", "definition-approved")["status"],
        "fail"
    );
    repo.by(OWNER)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    assert_eq!(
        gate(&repo, "REL-2025-03-001", "definition-approved")["status"],
        "pass"
    );
}

#[test]
fn approval_by_a_stranger_is_refused() {
    let mut repo = planned_minor();
    repo.by(STRANGER)
        .refused(
            1,
            &["approve", "REL-2025-03-001", "--role", "service-owner"],
        )
        .stderr_has("sam@example.com");
}

#[test]
fn approval_by_the_planner_is_refused_as_self_approval() {
    // The planner holds the role here (release-manager approves a patch).
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    let id = repo.plan("finance", "patch", TARGET, &["CHG-2025-0001"], &[]);
    repo.refused(1, &["approve", &id, "--role", "release-manager"])
        .stderr_has("may not approve");
}

#[test]
fn approval_by_an_active_delegate_is_accepted() {
    let mut repo = planned_minor();
    repo.by(DEPUTY)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    assert_eq!(
        gate(&repo, "REL-2025-03-001", "definition-approved")["status"],
        "pass"
    );
}

fn delegation_until_march_2(repo: &Repo) {
    let policy = repo.read("policy.yaml");
    let edited = policy.replace("until: 2030-12-31", "until: 2025-03-02");
    assert_ne!(policy, edited);
    repo.commit_file("policy.yaml", &edited);
}

#[test]
fn approval_by_a_delegate_on_the_last_day_of_the_delegation_is_accepted() {
    let mut repo = planned_minor();
    delegation_until_march_2(&repo);
    repo.by(DEPUTY)
        .at("2025-03-02T12:00:00+00:00")
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
}

#[test]
fn approval_by_a_delegate_after_the_delegation_ends_is_refused() {
    let mut repo = planned_minor();
    delegation_until_march_2(&repo);
    repo.by(DEPUTY)
        .at("2025-03-03T12:00:00+00:00")
        .refused(
            1,
            &["approve", "REL-2025-03-001", "--role", "service-owner"],
        )
        .stderr_has("deputy@example.com");
}

#[test]
fn major_definition_needs_service_owner_and_cab() {
    let mut repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    let id = repo.plan("finance", "major", TARGET, &["CHG-2025-0001"], &[]);
    repo.rel(&["gate", &id]).code(1).stdout_has(&format!(
        "rel approve {id} --role service-owner, and rel approve {id} --role cab"
    ));
    repo.by(OWNER)
        .rel(&["approve", &id, "--role", "service-owner"])
        .ok();
    let g = gate(&repo, &id, "definition-approved");
    assert_eq!(g["status"], "fail", "{g}");
    assert!(g["message"].as_str().unwrap().contains("cab"), "{g}");
    repo.by(CAB).rel(&["approve", &id, "--role", "cab"]).ok();
    assert_eq!(gate(&repo, &id, "definition-approved")["status"], "pass");
}

#[test]
fn min_approvers_two_needs_two_distinct_cab_members() {
    let mut repo = Repo::new();
    let policy = repo.read("policy.yaml");
    let edited = policy.replace("min_approvers:\n    cab: 1", "min_approvers:\n    cab: 2");
    assert_ne!(policy, edited);
    repo.commit_file("policy.yaml", &edited);
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    let id = repo.plan("finance", "major", TARGET, &["CHG-2025-0001"], &[]);
    repo.rel(&["gate", &id]).code(1).stdout_has(&format!(
        "rel approve {id} --role service-owner, and rel approve {id} --role cab"
    ));
    repo.by(OWNER)
        .rel(&["approve", &id, "--role", "service-owner"])
        .ok();
    repo.by(CAB).rel(&["approve", &id, "--role", "cab"]).ok();
    assert_eq!(gate(&repo, &id, "definition-approved")["status"], "fail");
    // The same member again does not count twice.
    let again = repo.rel(&["approve", &id, "--role", "cab"]);
    assert_ne!(again.code, 0, "a second approval by cab1 was accepted");
    assert_eq!(gate(&repo, &id, "definition-approved")["status"], "fail");
    repo.by(("Cab Two", "cab2@example.com"))
        .rel(&["approve", &id, "--role", "cab"])
        .ok();
    assert_eq!(gate(&repo, &id, "definition-approved")["status"], "pass");
}

// 5. Promote and gates

#[test]
fn promote_with_failing_gates_is_refused_listing_them() {
    let repo = planned_minor();
    repo.refused(1, &["promote", "REL-2025-03-001"])
        .stderr_has("definition-approved");
}

#[test]
fn promote_with_passing_gates_moves_to_build() {
    let mut repo = planned_minor();
    repo.by(OWNER)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    repo.by(RM).rel(&["promote", "REL-2025-03-001"]).ok();
    let show = repo.rel(&["show", "REL-2025-03-001", "--json"]).ok().json();
    assert_eq!(show["stage"], "build");
}

#[test]
fn gate_json_has_the_documented_shape() {
    let repo = planned_minor();
    let before = repo.snapshot();
    let run = repo.rel(&["gate", "REL-2025-03-001", "--json"]).code(1);
    assert!(before == repo.snapshot(), "rel gate changed the repository");
    let json = run.json();
    assert_eq!(json["release"], "REL-2025-03-001");
    assert_eq!(json["from"], "plan");
    assert_eq!(json["to"], "build");
    assert_eq!(json["allowed"], false);
    let gates = json["gates"].as_array().unwrap();
    assert!(!gates.is_empty());
    for g in gates {
        assert!(g["name"].is_string(), "{g}");
        assert!(g["message"].is_string(), "{g}");
        let status = g["status"].as_str().unwrap();
        assert!(
            ["pass", "fail", "warn", "waived", "skipped"].contains(&status),
            "{g}"
        );
    }
}

#[test]
fn promote_to_a_stage_that_is_not_next_is_refused() {
    let mut repo = planned_minor();
    repo.by(OWNER)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    // A stage that is not next: the release's state refuses it (1); a
    // word that is no stage: the command line is wrong (2).
    repo.by(RM)
        .refused(1, &["promote", "REL-2025-03-001", "--to", "test"]);
    repo.refused(2, &["promote", "REL-2025-03-001", "--to", "tset"]);
    repo.rel(&["promote", "REL-2025-03-001", "--to", "build"])
        .ok();
}

// 6. Git

#[test]
fn each_command_makes_one_commit_with_subject_and_trailers() {
    let mut repo = Repo::new();
    let n = repo.commit_count();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    assert_eq!(repo.commit_count(), n + 1);
    assert_eq!(last_files(&repo), ["changes/2025/CHG-2025-0001.yaml"]);

    repo.plan("finance", "minor", TARGET, &["CHG-2025-0001"], &[]);
    assert_eq!(repo.commit_count(), n + 2);
    let msg = last_message(&repo);
    assert!(msg.starts_with("REL-2025-03-001: "), "{msg}");
    assert!(msg.contains("Rel-Action: plan"), "{msg}");
    assert!(msg.contains("Rel-Release: REL-2025-03-001"), "{msg}");
    // Planning claims the change for the release: both records, nothing else.
    assert_eq!(
        last_files(&repo),
        ["changes/2025/CHG-2025-0001.yaml", REL_FILE]
    );

    repo.by(OWNER)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    assert_eq!(repo.commit_count(), n + 3);
    let msg = last_message(&repo);
    assert!(msg.starts_with("REL-2025-03-001: "), "{msg}");
    assert!(msg.contains("Rel-Action: approve"), "{msg}");
    assert!(msg.contains("Rel-Release: REL-2025-03-001"), "{msg}");
    assert_eq!(last_files(&repo), [REL_FILE]);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%ae"]).trim(),
        "fo@example.com"
    );

    repo.by(RM).rel(&["promote", "REL-2025-03-001"]).ok();
    assert_eq!(repo.commit_count(), n + 4);
    let msg = last_message(&repo);
    assert!(msg.starts_with("REL-2025-03-001: "), "{msg}");
    for trailer in [
        "Rel-Action: promote",
        "Rel-Release: REL-2025-03-001",
        "Rel-From: plan",
        "Rel-To: build",
        "Rel-Gates: ",
    ] {
        assert!(msg.contains(trailer), "lacks {trailer:?}:\n{msg}");
    }
    // The gate results are in the body.
    assert!(msg.contains("definition-approved"), "{msg}");
    assert!(msg.contains("maintenance-window"), "{msg}");
    assert_eq!(last_files(&repo), [REL_FILE]);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_staged_unrelated_file_stays_staged_and_uncommitted() {
    let mut repo = planned_minor();
    repo.write("notes.txt", "mine\n");
    repo.git(&["add", "notes.txt"]);
    repo.by(OWNER)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    assert_eq!(last_files(&repo), [REL_FILE]);
    assert_eq!(repo.git(&["status", "--porcelain"]), "A  notes.txt\n");
    assert_eq!(repo.read("notes.txt"), "mine\n");
}

#[test]
fn a_record_with_uncommitted_edits_is_refused() {
    let mut repo = planned_minor();
    let text = repo.read(REL_FILE).replace(
        "title: finance minor release",
        "title: finance minor release (edited)",
    );
    repo.write(REL_FILE, &text);
    repo.by(OWNER).refused(
        3,
        &["approve", "REL-2025-03-001", "--role", "service-owner"],
    );
    assert_eq!(repo.read(REL_FILE), text);
}

#[test]
fn parallel_commands_either_commit_or_exit_4() {
    let mut repo = Repo::new();
    for id in ["CHG-2025-0001", "CHG-2025-0002"] {
        repo.change(id, "finance", "2025-03-15");
    }
    repo.plan("finance", "minor", TARGET, &["CHG-2025-0001"], &[]);
    repo.plan(
        "finance",
        "minor",
        "2025-03-22 20:00",
        &["CHG-2025-0002"],
        &[],
    );
    // The owner adds changes too here (all commands run as one identity).
    let policy = repo.read("policy.yaml").replace(
        "  change-add: [release-manager]\n",
        "  change-add: [release-manager, service-owner]\n",
    );
    repo.commit_file("policy.yaml", &policy);
    let before = repo.commit_count();
    repo.by(OWNER);
    let mut argv: Vec<Vec<String>> = vec![];
    for id in ["REL-2025-03-001", "REL-2025-03-002"] {
        argv.push(
            ["approve", id, "--role", "service-owner"]
                .map(String::from)
                .to_vec(),
        );
    }
    for i in 10..16 {
        let id = format!("CHG-2025-{i:04}");
        argv.push(
            [
                "change",
                "add",
                &id,
                "--title",
                "Parallel",
                "--service",
                "finance",
                "--status",
                "approved",
                "--owner",
                "dev@example.com",
                "--target",
                "2025-03-15",
                "--ready",
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    let commands: Vec<_> = argv
        .iter()
        .map(|a| {
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            repo.command(&a)
        })
        .collect();
    let children: Vec<_> = commands
        .into_iter()
        .map(|mut c| {
            c.stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code == 0 || code == 4,
            "exit {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if code == 0 {
            ok += 1;
        }
    }
    assert!(ok >= 1);
    assert_eq!(repo.commit_count(), before + ok);
    repo.git(&["fsck", "--strict"]);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

// 7. Bad data

#[test]
fn malformed_yaml_is_reported_with_file_and_line() {
    let repo = planned_minor();
    // Line 7 (after id, title, service, version, type, rationale) becomes
    // `stage: plan: build`, which is not YAML.
    let text = repo.read(REL_FILE);
    assert_eq!(text.lines().nth(6), Some("stage: plan"));
    repo.commit_file(
        REL_FILE,
        &text.replace("stage: plan\n", "stage: plan: build\n"),
    );
    let at = format!("{REL_FILE}: line 7");
    repo.refused(3, &["show", "REL-2025-03-001"])
        .stderr_has(&at);
    repo.refused(3, &["check"]).stderr_has(&at);
}

#[test]
fn unknown_field_in_a_record_is_refused_naming_it() {
    let repo = planned_minor();
    let text = repo
        .read(REL_FILE)
        .replace("stage: plan\n", "stage: plan\ncolour: red\n");
    repo.commit_file(REL_FILE, &text);
    repo.refused(3, &["show", "REL-2025-03-001"])
        .stderr_has("unknown field `colour`");
    repo.refused(3, &["check"])
        .stderr_has("unknown field `colour`");
}

// 8. Ids

#[test]
fn ids_that_are_paths_are_refused() {
    let repo = Repo::new();
    repo.refused(2, &["show", "../x"])
        .stderr_has("REL-YYYY-MM-NNN");
    repo.refused(2, &["show", "/etc/passwd"])
        .stderr_has("REL-YYYY-MM-NNN");
    repo.refused(2, &["change", "show", "../../etc/passwd"])
        .stderr_has("CHG-YYYY-NNNN");
    repo.refused(
        2,
        &[
            "change",
            "add",
            "../x",
            "--title",
            "t",
            "--service",
            "finance",
            "--status",
            "approved",
            "--owner",
            "dev@example.com",
            "--target",
            "2025-03-15",
        ],
    )
    .stderr_has("CHG-YYYY-NNNN");
}

// 9. Import

const CSV_HEADER: &str = "id,title,service,status,owner,target,ready\n";

fn csv_row(id: &str, status: &str) -> String {
    format!("{id},Imported {id},finance,{status},dev@example.com,2025-03-15,yes\n")
}

#[test]
fn csv_import_makes_one_commit() {
    let repo = Repo::new();
    let csv = format!(
        "{CSV_HEADER}{}{}{}",
        csv_row("CHG-2025-0001", "approved"),
        csv_row("CHG-2025-0002", "approved"),
        csv_row("CHG-2025-0003", "assessing"),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, csv).unwrap();
    let n = repo.commit_count();
    repo.rel(&["change", "import", file.to_str().unwrap()]).ok();
    assert_eq!(repo.commit_count(), n + 1);
    let mut files = last_files(&repo);
    files.sort();
    assert_eq!(
        files,
        [
            "changes/2025/CHG-2025-0001.yaml",
            "changes/2025/CHG-2025-0002.yaml",
            "changes/2025/CHG-2025-0003.yaml"
        ]
    );
    let show = repo
        .rel(&["change", "show", "CHG-2025-0003", "--json"])
        .ok()
        .json();
    assert_eq!(show["status"], "assessing");
}

#[test]
fn csv_import_with_a_bad_row_imports_nothing() {
    let repo = Repo::new();
    // Row 1 is the header (as a spreadsheet numbers them), row 3 is bad.
    let csv = format!(
        "{CSV_HEADER}{}{}{}",
        csv_row("CHG-2025-0001", "approved"),
        csv_row("CHG-2025-0002", "pending-ish"),
        csv_row("CHG-2025-0003", "approved"),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, csv).unwrap();
    repo.refused(3, &["change", "import", file.to_str().unwrap()])
        .stderr_has("row 3")
        .stderr_has("pending-ish");
}

fn json_change(id: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "title": format!("Imported {id}"), "service": "finance",
        "status": status, "owner": "dev@example.com", "target": "2025-03-15",
        "ready": true
    })
}

#[test]
fn json_import_makes_one_commit() {
    let repo = Repo::new();
    let json = serde_json::json!([
        json_change("CHG-2025-0001", "approved"),
        json_change("CHG-2025-0002", "approved"),
        json_change("CHG-2025-0003", "approved"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    std::fs::write(&file, json.to_string()).unwrap();
    let n = repo.commit_count();
    repo.rel(&["change", "import", file.to_str().unwrap()]).ok();
    assert_eq!(repo.commit_count(), n + 1);
    assert_eq!(last_files(&repo).len(), 3);
    let show = repo
        .rel(&["change", "show", "CHG-2025-0002", "--json"])
        .ok()
        .json();
    assert_eq!(show["ready"], true);
}

#[test]
fn json_import_with_a_bad_record_imports_nothing() {
    let repo = Repo::new();
    let json = serde_json::json!([
        json_change("CHG-2025-0001", "approved"),
        json_change("CHG-2025-0002", "approved"),
        json_change("CHG-2025-0003", "pending-ish"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    std::fs::write(&file, json.to_string()).unwrap();
    repo.refused(3, &["change", "import", file.to_str().unwrap()])
        .stderr_has("3")
        .stderr_has("pending-ish");
}

// 10. Non-interactive

#[test]
fn plan_without_service_names_the_flag() {
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    repo.refused(
        2,
        &[
            "plan",
            "--type",
            "minor",
            "--target",
            TARGET,
            "--change",
            "CHG-2025-0001",
        ],
    )
    .stderr_has("--service");
}

/// On a terminal, a missing required value is asked for (and only then):
/// `script` from util-linux gives the command a pseudo-terminal. Skipped
/// where `script` is not installed.
#[test]
fn missing_values_are_prompted_for_on_a_terminal() {
    let repo = Repo::new();
    let probe = std::process::Command::new("script")
        .arg("--version")
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no util-linux `script` to provide a terminal");
        return;
    }
    let cmd = repo.command(&[]);
    let rel = env!("CARGO_BIN_EXE_rel");
    let mut term = std::process::Command::new("script");
    term.args([
        "-qec",
        &format!("'{rel}' change add CHG-2025-0009"),
        "/dev/null",
    ])
    .current_dir(repo.path())
    .env_clear()
    .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
    .env("TERM", "dumb")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = term.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Quarterly export\nfinance\napproved\ndev@example.com\n2025-03-15\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Service:"), "{text}");
    let record = repo.read("changes/2025/CHG-2025-0009.yaml");
    assert!(record.contains("title: Quarterly export"), "{record}");
    assert!(record.contains("service: finance"), "{record}");
    assert!(record.contains("target: \"2025-03-15\""), "{record}");
}

/// `REL_NOW` is the clock of the whole command, its commit included, so a
/// backfill's history agrees with its records.
#[test]
fn commits_are_dated_by_rel_now() {
    let repo = Repo::new();
    let mut cmd = repo.command(&[
        "change",
        "add",
        "CHG-2025-0001",
        "--title",
        "T",
        "--service",
        "finance",
        "--status",
        "approved",
        "--owner",
        "dev@example.com",
        "--target",
        "2025-03-15",
    ]);
    cmd.env_remove("GIT_AUTHOR_DATE")
        .env_remove("GIT_COMMITTER_DATE")
        .env("REL_NOW", "2025-03-04T10:30:00+01:00");
    assert!(cmd.output().unwrap().status.success());
    assert_eq!(
        repo.git(&["log", "-1", "--format=%aI %cI"]).trim(),
        "2025-03-04T10:30:00+01:00 2025-03-04T10:30:00+01:00"
    );
}

#[test]
fn a_change_owner_must_be_an_email() {
    let repo = Repo::new();
    repo.refused(
        2,
        &[
            "change",
            "add",
            "CHG-2025-0001",
            "--title",
            "T",
            "--service",
            "finance",
            "--status",
            "approved",
            "--owner",
            "not an email",
            "--target",
            "2025-03-15",
        ],
    )
    .stderr_has("--owner: `not an email` is not an email address");
    repo.rel(&[
        "change",
        "add",
        "CHG-2025-0001",
        "--title",
        "T",
        "--service",
        "finance",
        "--status",
        "approved",
        "--owner",
        "Dev One <dev1@example.com>",
        "--target",
        "2025-03-15",
    ])
    .ok();
}

#[test]
fn a_window_in_the_past_is_refused_and_a_compressed_timeline_warns() {
    let mut repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    repo.at("2025-03-15T20:30:00+00:00");
    repo.refused(
        1,
        &[
            "plan",
            "--service",
            "finance",
            "--type",
            "minor",
            "--target",
            TARGET,
            "--change",
            "CHG-2025-0001",
        ],
    )
    .stderr_has("--target: Sat 15 Mar 2025 20:00 GMT is not in the future");
    // Four days ahead: planning, build and test completion are behind us.
    repo.at("2025-03-11T12:00:00+00:00");
    repo.rel(&["plan", "--service", "finance", "--type", "minor", "--target", TARGET, "--change", "CHG-2025-0001"])
        .ok()
        .stderr_has("warning: timeline: already past today (2025-03-11): planning completion 2025-03-05, build completion 2025-03-07");
}

#[test]
fn plan_names_the_flag_of_a_bad_dependency() {
    let repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    repo.refused(
        2,
        &[
            "plan",
            "--service",
            "finance",
            "--type",
            "minor",
            "--target",
            TARGET,
            "--change",
            "CHG-2025-0001",
            "--depends-on",
            "bogus",
        ],
    )
    .stderr_has("--depends-on: `bogus` is not a release id");
}

// 11. Check

#[test]
fn check_is_clean_on_a_clean_repository() {
    let repo = planned_minor();
    repo.rel(&["check"]).ok();
    let json = repo.rel(&["check", "--json"]).ok().json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["findings"], serde_json::json!([]));
}

#[test]
fn check_finds_an_approval_by_a_stranger() {
    let mut repo = planned_minor();
    repo.by(OWNER)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    let text = repo.read(REL_FILE).replace(
        "by: Frances Owner <fo@example.com>",
        "by: Sam Stranger <sam@example.com>",
    );
    repo.commit_file(REL_FILE, &text);
    let run = repo.rel(&["check"]).code(1);
    assert!(
        run.stdout.lines().chain(run.stderr.lines()).any(|l| l
            .starts_with(&format!("{REL_FILE}:"))
            && l[REL_FILE.len() + 1..]
                .split(':')
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok())
            && l.contains("sam@example.com")),
        "no file:line: finding:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    let json = repo.rel(&["check", "--json"]).code(1).json();
    assert_eq!(json["ok"], false);
    let f = &json["findings"][0];
    assert_eq!(f["file"], REL_FILE);
    assert!(f["line"].as_u64().unwrap() > 0, "{f}");
    assert!(f["message"].as_str().unwrap().contains("sam@example.com"));
}

// 12. Log

#[test]
fn log_lists_the_commits_of_one_release() {
    let mut repo = planned_minor();
    repo.change("CHG-2025-0002", "finance", "2025-03-22");
    repo.by(OWNER)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    let run = repo.rel(&["log", "REL-2025-03-001"]).ok();
    assert!(run.stdout.contains("fo@example.com"), "{}", run.stdout);
    assert!(run.stdout.contains("rm@example.com"), "{}", run.stdout);
    assert!(!run.stdout.contains("CHG-2025-0002"), "{}", run.stdout);
    let json = repo.rel(&["log", "REL-2025-03-001", "--json"]).ok().json();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{json}");
    assert_eq!(entries[0]["email"], "fo@example.com");
    assert!(
        entries[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("REL-2025-03-001: approve")
    );
    assert_eq!(entries[1]["email"], "rm@example.com");
}

#[test]
fn emergency_definition_is_approved_by_the_emergency_cab_only() {
    let mut repo = Repo::new();
    repo.change("CHG-2025-0001", "ledger", "2025-03-12");
    // A weekday afternoon: emergencies bypass the maintenance window, but
    // are planned at most 72 h ahead.
    repo.at("2025-03-11T09:00:00+00:00");
    let id = repo.plan(
        "ledger",
        "emergency",
        "2025-03-12 14:00",
        &["CHG-2025-0001"],
        &[],
    );
    repo.by(CAB)
        .refused(1, &["approve", &id, "--role", "cab"])
        .stderr_has("emergency-cab");
    repo.by(ECAB)
        .rel(&["approve", &id, "--role", "emergency-cab"])
        .ok()
        .stdout_has("approved");
    assert_eq!(gate(&repo, &id, "definition-approved")["status"], "pass");
}

#[test]
fn a_record_staged_differently_is_refused_and_the_staged_version_kept() {
    let mut repo = planned_minor();
    let committed = repo.read(REL_FILE);
    let staged = committed.replace("title: finance minor release", "title: staged by hand");
    repo.write(REL_FILE, &staged);
    repo.git(&["add", REL_FILE]);
    // The work tree matches HEAD again; only the index differs.
    repo.write(REL_FILE, &committed);
    let index_before = repo.git(&["show", &format!(":{REL_FILE}")]);
    repo.by(OWNER).refused(
        3,
        &["approve", "REL-2025-03-001", "--role", "service-owner"],
    );
    assert_eq!(repo.git(&["show", &format!(":{REL_FILE}")]), index_before);
    assert_eq!(index_before, staged);
}

#[test]
fn a_delegate_approval_given_in_time_stays_valid_after_the_delegation_ends() {
    let mut repo = planned_minor();
    delegation_until_march_2(&repo);
    repo.by(DEPUTY)
        .at("2025-03-02T12:00:00+00:00")
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    repo.by(RM).at("2025-03-05T09:00:00+00:00");
    repo.rel(&["check"]).ok();
    assert_eq!(
        gate(&repo, "REL-2025-03-001", "definition-approved")["status"],
        "pass"
    );
}

#[test]
fn a_delegation_covers_only_its_service() {
    let mut repo = Repo::new();
    repo.change("CHG-2025-0001", "ledger", "2025-03-15");
    let id = repo.plan("ledger", "minor", TARGET, &["CHG-2025-0001"], &[]);
    repo.by(DEPUTY)
        .refused(1, &["approve", &id, "--role", "service-owner"]);
}

#[test]
fn promote_evaluates_the_change_rules_again() {
    let mut repo = planned_minor();
    repo.by(OWNER)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
    repo.by(RM)
        .rel(&["change", "set", "CHG-2025-0001", "--not-ready"])
        .ok();
    repo.refused(1, &["promote", "REL-2025-03-001"])
        .stderr_has("changes-ready");
    repo.rel(&["change", "set", "CHG-2025-0001", "--ready"])
        .ok();
    repo.rel(&["promote", "REL-2025-03-001"]).ok();
}

#[test]
fn a_delegate_cannot_delegate_further() {
    let mut repo = planned_minor();
    let policy = repo.read("policy.yaml");
    let chained = "    until: 2030-12-31\n  - role: service-owner\n    service: finance\n    from: deputy@example.com\n    to: sam@example.com\n    until: 2030-12-31\n";
    let edited = policy.replacen("    until: 2030-12-31\n", chained, 1);
    assert_ne!(policy, edited);
    repo.commit_file("policy.yaml", &edited);
    repo.by(STRANGER).refused(
        1,
        &["approve", "REL-2025-03-001", "--role", "service-owner"],
    );
    repo.by(DEPUTY)
        .rel(&["approve", "REL-2025-03-001", "--role", "service-owner"])
        .ok();
}

#[test]
fn a_change_target_within_seven_days_of_the_deployment_aligns_and_eight_does_not() {
    let repo = Repo::new();
    // Deployment Saturday 15 March: 8 March is 7 days before, 7 March is 8.
    repo.change("CHG-2025-0001", "finance", "2025-03-08");
    repo.change("CHG-2025-0002", "finance", "2025-03-07");
    repo.refused(
        1,
        &[
            "plan",
            "--service",
            "finance",
            "--type",
            "minor",
            "--target",
            "2025-03-15 20:00",
            "--change",
            "CHG-2025-0002",
        ],
    )
    .stderr_has("changes-target")
    .stderr_has("CHG-2025-0002 targets 2025-03-07");
    repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0001"],
        &[],
    );
}

#[test]
fn a_patch_is_approved_by_a_release_manager_other_than_its_planner() {
    let mut repo = Repo::new();
    repo.change("CHG-2025-0001", "finance", "2025-03-15");
    let id = repo.plan(
        "finance",
        "patch",
        "2025-03-15 20:00",
        &["CHG-2025-0001"],
        &[],
    );
    repo.refused(1, &["approve", &id, "--role", "release-manager"])
        .stderr_has("may not approve its definition");
    repo.by(("Ray Second", "rm2@example.com"))
        .rel(&["approve", &id, "--role", "release-manager"])
        .ok();
    repo.by(RM).rel(&["promote", &id]).ok();
}
