//! `rel change import` on exports of real change-management systems (the
//! fixture files under tests/fixtures/import, whose README says where
//! their columns and values come from).

use crate::support::Repo;

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The policy's `import:` mapping for the ServiceNow fixtures: ServiceNow
/// numbers, display names to emails, configuration items to services.
const SERVICENOW: &str = r#"
import:
  preset: servicenow
  ignore: [end_date, sys_id]
  people:
    Fred Luddy: fred.luddy@example.com
    Beth Anglin: beth.anglin@example.com
    David Loo: david.loo@example.com
  services:
    SAP Financials: finance
    Ledger DB: ledger
    PeopleSoft HR: hr-portal
  link: https://example.service-now.com/change_request.do?sys_id={sys_id}
"#;

const JIRA: &str = r#"
import:
  ignore: [Issue id, Project key, Project name, Created, Updated]
  people:
    Fred Luddy: fred.luddy@example.com
    Beth Anglin: beth.anglin@example.com
    David Loo: david.loo@example.com
  services:
    Finance Portal: finance
    Ledger: ledger
    HR Portal: hr-portal
  link: https://example.atlassian.net/browse/{Issue key}
"#;

fn repo_with(pattern: &str, mapping: &str) -> Repo {
    let repo = Repo::new();
    let policy = repo
        .read("policy.yaml")
        .replace("change: CHG-YYYY-NNNN", &format!("change: {pattern}"));
    repo.commit_file("policy.yaml", &format!("{policy}{mapping}"));
    repo
}

fn servicenow() -> Repo {
    repo_with("CHGNNNNNNN", SERVICENOW)
}

fn jira() -> Repo {
    repo_with("ITSM-N+", JIRA)
}

fn show(repo: &Repo, id: &str) -> serde_json::Value {
    repo.rel(&["change", "show", id, "--json"]).ok().json()
}

fn files_of_last_commit(repo: &Repo) -> Vec<String> {
    let mut files: Vec<String> = repo
        .git(&["show", "--name-only", "--format=", "HEAD"])
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    files.sort();
    files
}

#[test]
fn servicenow_csv_imports_with_states_people_and_configuration_items_mapped() {
    let repo = servicenow();
    let n = repo.commit_count();
    let run = repo
        .rel(&[
            "change",
            "import",
            &fixture("servicenow-changes.csv"),
            "--preset",
            "servicenow",
        ])
        .ok();
    insta::assert_snapshot!(run.stdout, @r"
    Imported servicenow-changes.csv (servicenow preset): 6 added, 0 updated, 0 unchanged, 0 skipped.
      added      CHG0030001  Upgrade ledger database to 15.4
      added      CHG0030002  Rotate payment gateway certificates
      added      CHG0030003  Add leave balance report
      added      CHG0030004  Retire legacy payroll export
      added      CHG0030005  Migrate reports to new cluster
      added      CHG0030006  Emergency kernel patch
    ");
    // Columns the mapping neither reads nor ignores are named, not dropped.
    assert!(
        run.stderr.contains("columns not imported: type, priority"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.commit_count(), n + 1);
    // Yearless ids are sharded by number: one folder per thousand.
    assert!(files_of_last_commit(&repo).contains(&"changes/0030/CHG0030001.yaml".to_string()));
    let c = show(&repo, "CHG0030001");
    assert_eq!(c["status"], "approved");
    assert_eq!(c["service"], "finance");
    assert_eq!(c["owner"], "Fred Luddy <fred.luddy@example.com>");
    assert_eq!(c["target"], "2025-03-15");
    assert_eq!(c["risk"], "Moderate");
    assert_eq!(
        c["link"],
        "https://example.service-now.com/change_request.do?sys_id=a9e30c7dc61122760116894de7bcc7bd"
    );
    assert_eq!(c["ready"], false);
    // state and approval: the state decides, the approval only holds back.
    let status = |id| show(&repo, id)["status"].as_str().unwrap().to_string();
    assert_eq!(status("CHG0030002"), "assessing"); // Assess + Requested
    assert_eq!(status("CHG0030003"), "approved"); // Implement + Approved
    assert_eq!(status("CHG0030004"), "draft"); // New + Not Yet Requested
    assert_eq!(status("CHG0030005"), "cancelled"); // Canceled + Rejected
    assert_eq!(status("CHG0030006"), "rejected"); // Authorize + Rejected
    repo.rel(&["check"]).ok();
}

#[test]
fn servicenow_reimport_keeps_readiness_and_reports_what_changed() {
    let repo = servicenow();
    repo.rel(&["change", "import", &fixture("servicenow-changes.csv")])
        .ok();
    // The owner confirms readiness in rel; the export knows nothing of it.
    repo.rel(&["change", "set", "CHG0030001", "--ready"]).ok();
    repo.rel(&["change", "set", "CHG0030002", "--ready"]).ok();

    // A dry run says what would happen and writes nothing.
    let before = repo.snapshot();
    let dry = repo
        .rel(&[
            "change",
            "import",
            &fixture("servicenow-changes-updated.csv"),
            "--dry-run",
        ])
        .ok();
    assert!(before == repo.snapshot(), "--dry-run wrote something");
    insta::assert_snapshot!(dry.stdout, @r"
    Would import servicenow-changes-updated.csv (servicenow preset): 1 added, 1 updated, 2 unchanged, 0 skipped. Nothing was written.
      added      CHG0030007  Enable audit logging on ledger
      updated    CHG0030002  status, target
    ");

    let n = repo.commit_count();
    let run = repo
        .rel(&[
            "change",
            "import",
            &fixture("servicenow-changes-updated.csv"),
        ])
        .ok();
    assert_eq!(
        run.stdout.lines().next().unwrap(),
        "Imported servicenow-changes-updated.csv (servicenow preset): 1 added, 1 updated, 2 unchanged, 0 skipped."
    );
    assert_eq!(repo.commit_count(), n + 1);
    assert_eq!(
        files_of_last_commit(&repo),
        [
            "changes/0030/CHG0030002.yaml",
            "changes/0030/CHG0030007.yaml"
        ]
    );
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.contains("Updated CHG0030002: status, target"),
        "{message}"
    );
    assert_eq!(show(&repo, "CHG0030001")["ready"], true);
    let c = show(&repo, "CHG0030002");
    assert_eq!(c["ready"], true);
    assert_eq!(c["status"], "approved");
    assert_eq!(c["target"], "2025-03-15");

    // The same file again: nothing to do, nothing committed.
    let n = repo.commit_count();
    repo.rel(&[
        "change",
        "import",
        &fixture("servicenow-changes-updated.csv"),
    ])
    .ok()
    .stdout_has("0 added, 0 updated, 4 unchanged, 0 skipped");
    assert_eq!(repo.commit_count(), n);
}

#[test]
fn servicenow_bad_export_names_every_bad_row_and_column_and_writes_nothing() {
    let repo = servicenow();
    let run = repo.refused(
        3,
        &["change", "import", &fixture("servicenow-changes-bad.csv")],
    );
    let err = run.stderr;
    for needle in [
        "5 problems; nothing was imported",
        "row 3: column state: `Pending` is not a known status (accepted: New, -5, Assess",
        "row 4: column assigned_to: `Abel Tuter` is not an email address nor a person under import.people",
        "known: Beth Anglin, David Loo, Fred Luddy",
        "row 5: column cmdb_ci: `Mainframe` is neither a service of policy.yaml nor a configuration item under import.services (accepted: finance, hr-portal, infrastructure, ledger, Ledger DB, PeopleSoft HR, SAP Financials)",
        "row 6: column number: `CHG30005` does not match the change id pattern CHGNNNNNNN",
        "row 6: column start_date: `next week` is not a date",
    ] {
        assert!(err.contains(needle), "lacks {needle:?}:\n{err}");
    }
    assert!(!err.contains("row 2"), "{err}");
}

#[test]
fn servicenow_table_api_json_reads_display_values() {
    let repo = servicenow();
    repo.rel(&[
        "change",
        "import",
        &fixture("servicenow-table-api.json"),
        "--preset",
        "servicenow",
    ])
    .ok()
    .stdout_has("2 added");
    let c = show(&repo, "CHG0030001");
    assert_eq!(c["status"], "approved");
    assert_eq!(c["owner"], "Fred Luddy <fred.luddy@example.com>");
    assert_eq!(c["service"], "finance");
    assert_eq!(show(&repo, "CHG0030002")["status"], "assessing");
}

#[test]
fn servicenow_stored_values_of_state_are_understood_too() {
    let repo = servicenow();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("raw.json");
    // sysparm_display_value=false: states as numbers, people as emails.
    std::fs::write(
        &file,
        r#"{"result": [{"number": "CHG0030010", "short_description": "Patch", "state": "-2",
            "approval": "requested", "assigned_to": "beth.anglin@example.com",
            "cmdb_ci": "Ledger DB", "start_date": "2025-03-15 20:00:00", "sys_id": "x1"}]}"#,
    )
    .unwrap();
    repo.rel(&["change", "import", file.to_str().unwrap()]).ok();
    // Scheduled (-2) held back by an approval still requested.
    assert_eq!(show(&repo, "CHG0030010")["status"], "assessing");
}

#[test]
fn jira_csv_imports_changes_and_skips_other_request_types() {
    let repo = jira();
    let run = repo
        .rel(&[
            "change",
            "import",
            &fixture("jira-changes.csv"),
            "--preset",
            "jira",
        ])
        .ok();
    insta::assert_snapshot!(run.stdout, @r"
    Imported jira-changes.csv (jira preset): 4 added, 0 updated, 0 unchanged, 1 skipped.
      added      ITSM-1234  Upgrade ledger database to 15.4
      added      ITSM-1235  Rotate payment gateway certificates
      added      ITSM-1237  Add leave balance report
      added      ITSM-1238  Retire the old reporting cluster
      skipped    row 4: Issue Type `Incident` is not imported (only: Change)
    ");
    // The warning is wrapped to the width: compare its words.
    let stderr = run.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        stderr.contains(
            "columns not imported: Priority, Reporter, Custom field (Change type), Custom field (Change completion date)"
        ),
        "{}",
        run.stderr
    );
    let c = show(&repo, "ITSM-1234");
    assert_eq!(c["status"], "approved");
    assert_eq!(c["service"], "finance");
    assert_eq!(c["target"], "2025-03-15");
    assert_eq!(c["owner"], "Fred Luddy <fred.luddy@example.com>");
    assert_eq!(c["link"], "https://example.atlassian.net/browse/ITSM-1234");
    assert!(c["description"].as_str().unwrap().contains("Rollback"));
    // No change start date: the due date is the target.
    assert_eq!(show(&repo, "ITSM-1235")["target"], "2025-03-14");
    assert_eq!(show(&repo, "ITSM-1235")["status"], "assessing");
    assert_eq!(show(&repo, "ITSM-1237")["status"], "draft");
    assert_eq!(show(&repo, "ITSM-1238")["status"], "rejected");
    // Jira keys carry no year: sharded by number.
    assert!(repo.path().join("changes/0001/ITSM-1234.yaml").is_file());

    // Re-import after the owner confirmed readiness: kept, nothing changed.
    repo.rel(&["change", "set", "ITSM-1234", "--ready"]).ok();
    repo.rel(&[
        "change",
        "import",
        &fixture("jira-changes.csv"),
        "--preset",
        "jira",
    ])
    .ok()
    .stdout_has("0 added, 0 updated, 4 unchanged, 1 skipped");
    assert_eq!(show(&repo, "ITSM-1234")["ready"], true);
}

#[test]
fn jira_bad_export_names_every_bad_row() {
    let repo = jira();
    let err = repo
        .refused(
            3,
            &[
                "change",
                "import",
                &fixture("jira-changes-bad.csv"),
                "--preset",
                "jira",
            ],
        )
        .stderr;
    for needle in [
        "3 problems; nothing was imported",
        "row 3: column Status: `Waiting for support` is not a known status (accepted: Open, Planning",
        "row 4: column Custom field (Change start date): `32/Mar/25 8:00 PM` is not a date",
        "row 4: column Custom field (Affected services): `Payroll` is neither a service",
    ] {
        assert!(err.contains(needle), "lacks {needle:?}:\n{err}");
    }
}

#[test]
fn the_policy_maps_any_other_system() {
    let repo = repo_with(
        "CR-N+",
        r#"
import:
  columns:
    Ref: id
    Headline: title
    Component: service
    Stage: status
    Sign-off: approval
    Implementer: owner
    Go-live: target
  status: { Ready to deploy: approved, Triage: assessing }
  approval: { Pending: assessing, OK: approved }
  people: { Ana Ruiz: ana@example.com }
"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(
        &file,
        "Ref,Headline,Component,Stage,Sign-off,Implementer,Go-live,Notes\n\
         CR-7,Fix rounding,finance,Ready to deploy,OK,Ana Ruiz,2025-03-15,x\n\
         CR-8,Tidy logs,ledger,Ready to deploy,Pending,Ana Ruiz,2025-03-15,y\n",
    )
    .unwrap();
    let run = repo
        .rel(&["change", "import", file.to_str().unwrap()])
        .ok()
        .stdout_has("(rel preset): 2 added");
    assert!(
        run.stderr.contains("columns not imported: Notes"),
        "{}",
        run.stderr
    );
    assert_eq!(show(&repo, "CR-7")["status"], "approved");
    assert_eq!(show(&repo, "CR-8")["status"], "assessing");
    assert_eq!(show(&repo, "CR-7")["owner"], "Ana Ruiz <ana@example.com>");
}

#[test]
fn a_bad_import_mapping_in_the_policy_is_named() {
    let repo = repo_with(
        "CHGNNNNNNN",
        "import:\n  preset: remedy\n  columns: { Ref: identifier }\n  status: { Done: finished }\n",
    );
    let err = repo
        .refused(3, &["change", "import", &fixture("servicenow-changes.csv")])
        .stderr;
    for needle in [
        "import.preset: `remedy` is not a preset; expected one of: servicenow, jira",
        "import.columns.Ref: `identifier` is not a field",
        "import.status.Done: `finished` is not a change status",
    ] {
        assert!(err.contains(needle), "lacks {needle:?}:\n{err}");
    }
}

#[test]
fn an_unknown_preset_is_a_usage_error() {
    let repo = servicenow();
    repo.refused(
        2,
        &[
            "change",
            "import",
            &fixture("servicenow-changes.csv"),
            "--preset",
            "remedy",
        ],
    )
    .stderr_has("--preset: `remedy` is not a preset; expected one of: servicenow, jira");
}

#[test]
fn a_new_change_needs_every_required_field() {
    let repo = servicenow();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("partial.csv");
    std::fs::write(
        &file,
        "number,short_description,state\nCHG0030001,Upgrade,Scheduled\nCHG0030002,Rotate,Assess\n",
    )
    .unwrap();
    let err = repo
        .refused(3, &["change", "import", file.to_str().unwrap()])
        .stderr;
    assert!(
        err.contains("row 2: CHG0030001 is new and its row has no service, owner, target"),
        "{err}"
    );
    assert!(err.contains("row 3: CHG0030002 is new"), "{err}");
}

#[test]
fn a_partial_export_updates_only_the_fields_it_carries() {
    let repo = servicenow();
    repo.rel(&["change", "import", &fixture("servicenow-changes.csv")])
        .ok();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("states.csv");
    std::fs::write(&file, "number,state\nCHG0030002,Scheduled\n").unwrap();
    repo.rel(&["change", "import", file.to_str().unwrap()])
        .ok()
        .stdout_has("updated    CHG0030002  status");
    let c = show(&repo, "CHG0030002");
    assert_eq!(c["status"], "approved");
    assert_eq!(c["title"], "Rotate payment gateway certificates");
    assert_eq!(c["owner"], "Beth Anglin <beth.anglin@example.com>");
}

#[test]
fn the_summary_for_scripts() {
    let repo = servicenow();
    repo.rel(&["change", "import", &fixture("servicenow-changes.csv")])
        .ok();
    let before = repo.snapshot();
    let run = repo
        .rel(&[
            "--json",
            "change",
            "import",
            &fixture("servicenow-changes-updated.csv"),
            "--dry-run",
        ])
        .ok();
    assert!(before == repo.snapshot());
    let v = run.json();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["preset"], "servicenow");
    assert_eq!(v["added"], serde_json::json!(["CHG0030007"]));
    assert_eq!(
        v["updated"],
        serde_json::json!([{"id": "CHG0030002", "fields": ["status", "target"]}])
    );
    assert_eq!(
        v["unchanged"],
        serde_json::json!(["CHG0030001", "CHG0030003"])
    );
    assert_eq!(
        v["unmapped_columns"],
        serde_json::json!(["type", "priority"])
    );
}

#[test]
fn a_change_shipped_in_a_closed_release_is_left_as_it_is() {
    // The demo closes REL-2025-03-001 holding CHG-2025-0892 and 0901; its
    // last commit is dated 2025-03-28, so the import comes the day after.
    let mut repo = Repo::bare();
    repo.rel(&["demo", "."]).ok();
    repo.at("2025-03-29T09:00:00+00:00");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reopen.csv");
    std::fs::write(
        &file,
        "id,status\nCHG-2025-0892,assessing\nCHG-2025-0901,implemented\n",
    )
    .unwrap();
    let n = repo.commit_count();
    let run = repo.rel(&["change", "import", file.to_str().unwrap()]).ok();
    assert!(
        run.stdout
            .contains("skipped    row 2: CHG-2025-0892 shipped in REL-2025-03-001, which is closed; its status would change"),
        "{}",
        run.stdout
    );
    // `rel close` already marked both changes implemented, so the export's
    // `implemented` is no change and its `assessing` is refused.
    assert!(
        run.stdout
            .contains("0 added, 0 updated, 1 unchanged, 1 skipped"),
        "{}",
        run.stdout
    );
    assert_eq!(repo.commit_count(), n);
    for id in ["CHG-2025-0892", "CHG-2025-0901"] {
        assert!(
            repo.read(&format!("changes/2025/{id}.yaml"))
                .contains("status: implemented")
        );
    }
}
