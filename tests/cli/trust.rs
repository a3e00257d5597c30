//! Trust: every changing command authorised (SPEC 3.1), approvals bound to
//! what they approve (3.2), a complete definition before approval (3.3),
//! emergencies and exception windows (3.4), notifications as evidence,
//! test scopes and deployments outside their window (3.5).
//!
//! Times follow the seed's worked example (Sat 15 March 2025 20:00); in
//! March before the clocks change, Europe/London is UTC.

use crate::support::*;

const QA: (&str, &str) = ("Quinn Tester", "qa@example.com");
const OPS: (&str, &str) = ("Dana Deployer", "ops@example.com");
const REL: &str = "REL-2025-03-001";
const FILE: &str = "releases/2025/03/REL-2025-03-001.yaml";
const MATRIX: [(&str, Option<&str>); 7] = [
    ("smoke", None),
    ("functional-changed", None),
    ("functional-unchanged", None),
    ("regression", Some("full-suite")),
    ("integration", Some("all-interfaces")),
    ("performance", Some("baseline-comparison")),
    ("security", Some("vulnerability-scan")),
];

/// `rel plan` for the seed's release: a complete definition unless
/// `without` names flags to leave out.
fn plan_args(change: &str, target: &str, without: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "plan",
        "--service",
        "finance",
        "--type",
        "minor",
        "--target",
        target,
        "--impact",
        "high",
        "--change",
        change,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (flag, value) in [
        ("--version", "2.4.0"),
        ("--rationale", "Enhancements and non-critical fixes"),
        ("--risk", "Medium: reversible changes"),
        ("--resource", "staging environment"),
        ("--rollback-window", "4h"),
        ("--rollback-procedure", "See deployment runbook section 7"),
    ] {
        if !without.contains(&flag) {
            args.push(flag.to_string());
            args.push(value.to_string());
        }
    }
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A records repository with the seed's change, planned by the release
/// manager on Mon 3 March.
fn planned() -> Repo {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.at("2025-03-03T10:00:00+00:00");
    let args = plan_args("CHG-2025-0892", "2025-03-15 20:00", &[]);
    repo.rel(&strs(&args)).ok().stdout_has(REL);
    repo
}

/// Runs `args` as `who` at `now`, expecting success.
fn ok(repo: &mut Repo, who: (&'static str, &'static str), now: &str, args: &[&str]) -> Run {
    repo.at(now).by(who).rel(args).ok()
}

/// Runs `args` as `who` at `now`, expecting a refusal by policy (exit 1)
/// that names the actor and the action; nothing written, no commit.
#[track_caller]
fn unauthorised(
    repo: &mut Repo,
    who: (&'static str, &'static str),
    now: &str,
    action: &str,
    args: &[&str],
) -> Run {
    repo.at(now)
        .by(who)
        .refused(1, args)
        .stderr_has(&format!("{} <{}> may not {action}", who.0, who.1))
        .stderr_has(&format!("policy.yaml permissions.{action}"))
}

/// The commits a test made are legal rel actions to `check --base` (from
/// the repository's first commit) and to `audit verify`.
#[track_caller]
fn history_is_clean(repo: &Repo) {
    let base = repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    repo.rel(&["check", "--base", base.trim()])
        .ok()
        .stderr_has("no findings");
    repo.rel(&["audit", "verify"]).ok();
}

/// A readiness review confirming every item of the checklist.
const READINESS: [&str; 14] = [
    "readiness",
    REL,
    "--confirm",
    "package-verified",
    "--confirm",
    "runbook-validated",
    "--confirm",
    "rollback-tested",
    "--confirm",
    "on-call-identified",
    "--confirm",
    "monitoring-configured",
    "--confirm",
    "communications-prepared",
];

fn approve_definition(repo: &mut Repo) {
    ok(
        repo,
        OWNER,
        "2025-03-04T09:00:00+00:00",
        &["approve", REL, "--role", "service-owner"],
    );
}

fn record_tests(repo: &mut Repo) {
    for (i, (category, scope)) in MATRIX.iter().enumerate() {
        let now = format!("2025-03-10T16:{:02}:00+00:00", i * 5);
        let mut args = vec![
            "record",
            REL,
            "test",
            "--category",
            category,
            "--passed",
            "10",
            "--failed",
            "0",
        ];
        if let Some(s) = scope {
            args.extend(["--scope", s]);
        }
        ok(repo, QA, &now, &args);
    }
}

fn notify_all(repo: &mut Repo) {
    ok(
        repo,
        RM,
        "2025-03-07T11:30:00+00:00",
        &[
            "notify",
            REL,
            "--audience",
            "all-users",
            "--audience",
            "leadership",
            "--audience",
            "partners",
        ],
    );
}

/// Walks the planned release into `upto` with each person in their role.
fn walk(repo: &mut Repo, upto: &str) {
    approve_definition(repo);
    ok(repo, RM, "2025-03-05T09:00:00+00:00", &["promote", REL]);
    if upto == "build" {
        return;
    }
    ok(
        repo,
        QA,
        "2025-03-07T11:00:00+00:00",
        &["record", REL, "build", "--verification", "passed"],
    );
    notify_all(repo);
    ok(repo, RM, "2025-03-07T12:00:00+00:00", &["promote", REL]);
    if upto == "test" {
        return;
    }
    record_tests(repo);
    ok(repo, RM, "2025-03-11T09:30:00+00:00", &["promote", REL]);
    if upto == "stage" {
        return;
    }
    accept(repo);
    ok(repo, RM, "2025-03-14T10:00:00+00:00", &READINESS);
    ok(repo, OWNER, "2025-03-15T12:00:00+00:00", &["go", REL]);
    ok(repo, RM, "2025-03-15T19:00:00+00:00", &["promote", REL]);
}

/// `rel show REL` as it reads with its 80-column wrapping undone: every
/// run of whitespace (a wrapped line's break and indent) as one space, so a
/// phrase is found wherever the wrap falls.
fn show_text(repo: &Repo) -> String {
    let run = repo.rel(&["show", REL]).ok();
    run.stdout.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[track_caller]
fn assert_shows(repo: &Repo, phrase: &str) {
    let text = show_text(repo);
    assert!(text.contains(phrase), "rel show lacks {phrase:?}:\n{text}");
}

fn show(repo: &Repo) -> serde_json::Value {
    repo.rel(&["--json", "show", REL]).ok().json()
}

fn gate_of(repo: &Repo, name: &str) -> serde_json::Value {
    let run = repo.rel(&["--json", "gate", REL]);
    run.json()["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no gate {name}: {}", run.stdout))
}

// ---------------------------------------------------------------------------
// 3.1 Authority

/// The service owner's acceptance sign-off of REL in stage, on 13 March.
fn accept(repo: &mut Repo) {
    ok(
        repo,
        OWNER,
        "2025-03-13T15:00:00+00:00",
        &[
            "approve",
            REL,
            "--role",
            "service-owner",
            "--for",
            "acceptance",
        ],
    );
}

#[test]
fn change_commands_are_the_release_managers_and_readiness_the_change_owners() {
    let mut repo = Repo::new();
    let add = [
        "change",
        "add",
        "CHG-2025-0001",
        "--title",
        "Export",
        "--service",
        "finance",
        "--status",
        "approved",
        "--owner",
        "Devi Owner <dev@example.com>",
        "--target",
        "2025-03-15",
    ];
    let now = "2025-03-01T09:00:00+00:00";
    unauthorised(&mut repo, STRANGER, now, "change-add", &add)
        .stderr_has("release-manager (rm@example.com, rm2@example.com)");
    ok(&mut repo, RM, now, &add);
    const DEV: (&str, &str) = ("Devi Owner", "dev@example.com");
    // The change's owner confirms readiness, and only that.
    unauthorised(
        &mut repo,
        STRANGER,
        now,
        "change-set",
        &["change", "set", "CHG-2025-0001", "--ready"],
    );
    unauthorised(
        &mut repo,
        DEV,
        now,
        "change-set",
        &["change", "set", "CHG-2025-0001", "--title", "Mine now"],
    );
    ok(
        &mut repo,
        DEV,
        now,
        &["change", "set", "CHG-2025-0001", "--ready"],
    );
    assert!(
        repo.read("changes/2025/CHG-2025-0001.yaml")
            .contains("ready: true")
    );
    ok(
        &mut repo,
        RM,
        now,
        &["change", "set", "CHG-2025-0001", "--title", "Export v2"],
    );
    // Another change's owner is not this change's owner.
    repo.write(
        "import.csv",
        "id,title,service,status,owner,target\nCHG-2025-0002,Other,finance,approved,other@example.com,2025-03-15\n",
    );
    unauthorised(
        &mut repo,
        DEV,
        now,
        "change-import",
        &["change", "import", "import.csv"],
    );
    std::fs::remove_file(repo.path().join("import.csv")).unwrap();
    repo.write(
        "import.csv",
        "id,title,service,status,owner,target\nCHG-2025-0002,Other,finance,approved,other@example.com,2025-03-15\n",
    );
    ok(&mut repo, RM, now, &["change", "import", "import.csv"]);
    unauthorised(
        &mut repo,
        DEV,
        now,
        "change-set",
        &["change", "set", "CHG-2025-0002", "--ready"],
    );
}

#[test]
fn every_release_command_is_refused_to_a_person_without_the_permission() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.change("CHG-2025-0893", "finance", "2025-03-22");
    let args = plan_args("CHG-2025-0892", "2025-03-15 20:00", &[]);
    let t = "2025-03-03T10:00:00+00:00";
    // A person in no role cannot plan.
    let run = unauthorised(&mut repo, STRANGER, t, "plan", &strs(&args));
    insta::assert_snapshot!(run.stderr, @"error: Sam Stranger <sam@example.com> may not plan: the policy gives `plan` to release-manager (rm@example.com, rm2@example.com) (policy.yaml permissions.plan)");
    ok(&mut repo, RM, t, &strs(&args));
    let t = "2025-03-03T11:00:00+00:00";
    unauthorised(
        &mut repo,
        STRANGER,
        t,
        "amend",
        &["amend", REL, "--title", "Mine"],
    );
    ok(
        &mut repo,
        RM,
        t,
        &["amend", REL, "--title", "Finance v2.4.0"],
    );
    approve_definition(&mut repo);
    // The owner approves; promotion is still the release manager's.
    let t = "2025-03-05T09:00:00+00:00";
    unauthorised(&mut repo, OWNER, t, "promote", &["promote", REL]);
    ok(&mut repo, RM, t, &["promote", REL]);
    let t = "2025-03-07T11:00:00+00:00";
    let build = ["record", REL, "build", "--verification", "passed"];
    unauthorised(&mut repo, OWNER, t, "record", &build).stderr_has(
        "release-manager (rm@example.com, rm2@example.com) or release-team (qa@example.com)",
    );
    ok(&mut repo, QA, t, &build);
    let t = "2025-03-07T11:30:00+00:00";
    let notify = [
        "notify",
        REL,
        "--audience",
        "all-users",
        "--audience",
        "leadership",
        "--audience",
        "partners",
    ];
    unauthorised(&mut repo, QA, t, "notify", &notify);
    ok(&mut repo, RM, t, &notify);
    ok(
        &mut repo,
        RM,
        "2025-03-07T12:00:00+00:00",
        &["promote", REL],
    );
    record_tests(&mut repo);
    let t = "2025-03-10T17:10:00+00:00";
    let defect = ["defect", REL, "add", "--severity", "low", "--title", "Typo"];
    unauthorised(&mut repo, STRANGER, t, "defect", &defect);
    ok(&mut repo, QA, t, &defect);
    ok(
        &mut repo,
        QA,
        t,
        &[
            "defect",
            REL,
            "resolve",
            "DEF-1",
            "--known-issue",
            "--workaround",
            "none needed",
        ],
    );
    ok(
        &mut repo,
        RM,
        "2025-03-11T09:30:00+00:00",
        &["promote", REL],
    );
    accept(&mut repo);
    let t = "2025-03-14T10:00:00+00:00";
    unauthorised(&mut repo, OWNER, t, "readiness", &READINESS);
    ok(&mut repo, RM, t, &READINESS);
    // The go decision is the service owner's, not the release manager's.
    let t = "2025-03-15T12:00:00+00:00";
    unauthorised(&mut repo, RM, t, "go", &["go", REL]).stderr_has("service-owner (fo@example.com)");
    ok(&mut repo, OWNER, t, &["go", REL]);
    ok(
        &mut repo,
        RM,
        "2025-03-15T19:00:00+00:00",
        &["promote", REL],
    );
    // The release manager does not confirm a deployment as if they were
    // the deployment team.
    let deploy = [
        "deploy",
        REL,
        "--status",
        "successful",
        "--started",
        "2025-03-15 20:00",
        "--duration",
        "2h",
        "--verification",
        "passed",
    ];
    let t = "2025-03-15T22:30:00+00:00";
    unauthorised(&mut repo, RM, t, "deploy", &deploy)
        .stderr_has("deployment-team (ops@example.com)");
    ok(&mut repo, OPS, t, &deploy);
    // The completion notice is a notification like any other.
    let t = "2025-03-15T22:40:00+00:00";
    let completion = ["notify", REL, "--completion", "--audience", "all-users"];
    unauthorised(&mut repo, OPS, t, "notify", &completion);
    ok(&mut repo, RM, t, &completion);
    let t = "2025-03-17T09:00:00+00:00";
    let close = ["close", REL, "--config-updated"];
    unauthorised(&mut repo, OPS, t, "close", &close);
    ok(&mut repo, RM, t, &close);
    // The post-implementation review, alone or in a periodic session.
    let pir = ["pir", REL, "--held", "2025-03-17", "--outcome", "on time"];
    unauthorised(&mut repo, OPS, t, "pir", &pir);
    let session = [
        "pir",
        "session",
        "--date",
        "2025-03-17",
        "--release",
        REL,
        "--outcome",
        "on time",
    ];
    unauthorised(&mut repo, OWNER, t, "pir", &session);
    ok(&mut repo, RM, t, &pir);

    // A second release: the fix cycle and the cancellation.
    let mut args = plan_args("CHG-2025-0893", "2025-03-22 20:00", &["--version"]);
    args.extend(["--version".to_string(), "2.5.0".to_string()]);
    ok(&mut repo, RM, "2025-03-17T10:00:00+00:00", &strs(&args));
    let second = "REL-2025-03-002";
    // Moving the window is the release manager's.
    unauthorised(
        &mut repo,
        OWNER,
        "2025-03-17T10:30:00+00:00",
        "reschedule",
        &["reschedule", second, "--target", "2025-03-23 20:00"],
    );
    ok(
        &mut repo,
        OWNER,
        "2025-03-17T11:00:00+00:00",
        &["approve", second, "--role", "service-owner"],
    );
    ok(
        &mut repo,
        RM,
        "2025-03-17T12:00:00+00:00",
        &["promote", second],
    );
    ok(
        &mut repo,
        QA,
        "2025-03-17T13:00:00+00:00",
        &["record", second, "build", "--verification", "passed"],
    );
    ok(
        &mut repo,
        RM,
        "2025-03-17T14:00:00+00:00",
        &["promote", second],
    );
    let t = "2025-03-18T09:00:00+00:00";
    let demote = ["demote", second, "--to", "build", "--reason", "fix"];
    unauthorised(&mut repo, QA, t, "demote", &demote);
    ok(&mut repo, RM, t, &demote);
    let cancel = ["cancel", second, "--reason", "superseded"];
    unauthorised(&mut repo, OWNER, t, "cancel", &cancel);
    ok(&mut repo, RM, t, &cancel);
    history_is_clean(&repo);
}

#[test]
fn a_delegate_acts_for_the_role_until_the_delegation_ends() {
    let mut repo = Repo::new();
    let policy = repo.read("policy.yaml").replace(
        "delegations:\n",
        "delegations:\n  - role: release-manager\n    from: rm@example.com\n    to: deputy@example.com\n    until: 2025-03-03\n",
    );
    repo.commit_file("policy.yaml", &policy);
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.change("CHG-2025-0893", "finance", "2025-03-22");
    // On the delegation's last day the deputy plans as release manager.
    let args = plan_args("CHG-2025-0892", "2025-03-15 20:00", &[]);
    ok(&mut repo, DEPUTY, "2025-03-03T23:00:00+00:00", &strs(&args));
    // The day after, no longer.
    let args = plan_args("CHG-2025-0893", "2025-03-22 20:00", &[]);
    unauthorised(
        &mut repo,
        DEPUTY,
        "2025-03-04T09:00:00+00:00",
        "plan",
        &strs(&args),
    )
    .stderr_has("the delegation from rm@example.com ended on 2025-03-03");
}

#[test]
fn the_policy_moves_an_action_to_another_role() {
    let mut repo = Repo::new();
    let policy = repo.read("policy.yaml").replace(
        "  deploy: [deployment-team]\n",
        "  deploy: [release-manager]\n",
    );
    repo.commit_file("policy.yaml", &policy);
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let args = plan_args("CHG-2025-0892", "2025-03-15 20:00", &[]);
    ok(&mut repo, RM, "2025-03-03T10:00:00+00:00", &strs(&args));
    walk(&mut repo, "deploy");
    let deploy = [
        "deploy",
        REL,
        "--status",
        "successful",
        "--started",
        "2025-03-15 20:00",
        "--duration",
        "2h",
    ];
    let t = "2025-03-15T22:30:00+00:00";
    unauthorised(&mut repo, OPS, t, "deploy", &deploy)
        .stderr_has("release-manager (rm@example.com");
    ok(&mut repo, RM, t, &deploy);
}

#[test]
fn the_go_decision_follows_the_permissions_map() {
    let mut repo = Repo::new();
    let policy = repo
        .read("policy.yaml")
        .replace("  go: [service-owner]\n", "  go: [release-manager]\n");
    repo.commit_file("policy.yaml", &policy);
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let args = plan_args("CHG-2025-0892", "2025-03-15 20:00", &[]);
    ok(&mut repo, RM, "2025-03-03T10:00:00+00:00", &strs(&args));
    walk(&mut repo, "stage");
    accept(&mut repo);
    ok(
        &mut repo,
        RM,
        "2025-03-14T10:00:00+00:00",
        &["readiness", REL],
    );
    let t = "2025-03-15T12:00:00+00:00";
    unauthorised(&mut repo, OWNER, t, "go", &["go", REL]);
    ok(&mut repo, RM, t, &["go", REL]);
    assert_eq!(gate_of(&repo, "go-decision")["status"], "pass");
}

#[test]
fn a_permission_naming_an_unknown_role_or_action_is_bad_data() {
    let repo = Repo::new();
    let policy = repo.read("policy.yaml").replace(
        "  deploy: [deployment-team]\n",
        "  deploy: [deployers]\n  ship: [release-manager]\n",
    );
    repo.commit_file("policy.yaml", &policy);
    repo.refused(3, &["list"])
        .stderr_has("permissions.deploy: unknown role `deployers`")
        .stderr_has("permissions.ship: unknown action");
}

// ---------------------------------------------------------------------------
// 3.2 Approvals bind to what was approved

#[test]
fn an_amendment_voids_the_approval_until_it_is_given_again() {
    let mut repo = planned();
    approve_definition(&mut repo);
    assert!(repo.read(FILE).contains("digest: sha256:"));
    assert_eq!(gate_of(&repo, "definition-approved")["status"], "pass");
    // Changing what was approved says whose approval no longer counts.
    let run = ok(
        &mut repo,
        RM,
        "2025-03-04T10:00:00+00:00",
        &["amend", REL, "--risk", "High: schema migration added"],
    );
    let void = "definition approval by Frances Owner <fo@example.com> as service-owner no longer counts: amended risk by Riley Manager <rm@example.com> at 2025-03-04 10:00";
    assert!(run.stdout.contains(void), "{}", run.stdout);
    assert!(
        repo.git(&["log", "-1", "--format=%b"]).contains(void),
        "the commit says so too"
    );
    let g = gate_of(&repo, "definition-approved");
    assert_eq!(g["status"], "fail");
    assert!(
        g["message"]
            .as_str()
            .unwrap()
            .contains("the approval by Frances Owner <fo@example.com> as service-owner no longer counts: amended risk"),
        "{g}"
    );
    assert_shows(&repo, "[VOID: no longer counts: amended risk");
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    let refused = repo.refused(1, &["promote", REL]);
    let gate: Vec<&str> = refused
        .stderr
        .lines()
        .skip_while(|l| !l.contains("definition-approved"))
        .enumerate()
        .take_while(|(i, l)| *i == 0 || l.starts_with("          "))
        .map(|(_, l)| l)
        .collect();
    insta::assert_snapshot!(gate.join("\n"), @r#"
    FAIL   definition-approved      definition of this minor release still needs
                                    approval by service-owner (0 of 1); the
                                    planner may not approve; the approval by
                                    Frances Owner <fo@example.com> as
                                    service-owner no longer counts: amended risk
                                    by Riley Manager <rm@example.com> at
                                    2025-03-04 10:00, after it was given
                                    -> rel approve REL-2025-03-001 --role
                                      service-owner (each as a holder of that
                                      role)
    "#);
    // The title is not approved content: amending it voids nothing.
    ok(
        &mut repo,
        OWNER,
        "2025-03-04T11:00:00+00:00",
        &["approve", REL, "--role", "service-owner"],
    );
    let run = ok(
        &mut repo,
        RM,
        "2025-03-04T12:00:00+00:00",
        &["amend", REL, "--title", "Finance system v2.4.0"],
    );
    assert!(!run.stdout.contains("no longer counts"), "{}", run.stdout);
    ok(
        &mut repo,
        RM,
        "2025-03-05T09:00:00+00:00",
        &["promote", REL],
    );
    history_is_clean(&repo);
}

#[test]
fn acceptance_is_voided_by_an_amendment_in_stage() {
    let mut repo = planned();
    walk(&mut repo, "stage");
    accept(&mut repo);
    assert_eq!(gate_of(&repo, "acceptance-signed")["status"], "pass");
    ok(
        &mut repo,
        RM,
        "2025-03-13T16:00:00+00:00",
        &["amend", REL, "--rollback-window", "1h"],
    )
    .stdout_has("acceptance approval by Frances Owner <fo@example.com> as service-owner no longer counts: amended rollback");
    let g = gate_of(&repo, "acceptance-signed");
    assert_eq!(g["status"], "fail", "{g}");
    assert!(
        g["message"].as_str().unwrap().contains("no longer counts"),
        "{g}"
    );
    ok(
        &mut repo,
        OWNER,
        "2025-03-13T17:00:00+00:00",
        &[
            "approve",
            REL,
            "--role",
            "service-owner",
            "--for",
            "acceptance",
        ],
    );
    assert_eq!(gate_of(&repo, "acceptance-signed")["status"], "pass");
    // A fix cycle (a new build) voids it too, and demote says so.
    ok(
        &mut repo,
        RM,
        "2025-03-13T18:00:00+00:00",
        &["demote", REL, "--to", "build", "--reason", "late fix"],
    )
    .stdout_has("acceptance approval by Frances Owner <fo@example.com> as service-owner no longer counts: fix cycle 1 began at 2025-03-13 18:00");
    history_is_clean(&repo);
}

#[test]
fn a_delegated_approval_records_the_delegation_it_used() {
    let mut repo = planned();
    ok(
        &mut repo,
        DEPUTY,
        "2025-03-04T09:00:00+00:00",
        &["approve", REL, "--role", "service-owner"],
    );
    let v = show(&repo);
    assert_eq!(v["approvals"][0]["on_behalf_of"], "fo@example.com");
    assert_eq!(v["approvals"][0]["delegation_until"], "2030-12-31");
    assert_shows(
        &repo,
        "on behalf of fo@example.com (delegation until 2030-12-31)",
    );
}

#[test]
fn an_approval_recorded_without_a_digest_still_counts_and_says_so() {
    let mut repo = planned();
    approve_definition(&mut repo);
    let text = repo.read(FILE);
    let legacy: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("digest:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(legacy, text);
    repo.commit_file(FILE, &legacy);
    let g = gate_of(&repo, "definition-approved");
    assert_eq!(g["status"], "pass");
    assert!(
        g["message"]
            .as_str()
            .unwrap()
            .contains("recorded without a digest, not bound to content"),
        "{g}"
    );
    assert_shows(&repo, "[recorded without a digest: not bound to content]");
}

// ---------------------------------------------------------------------------
// 3.3 A complete definition before approval

/// Plan's closing advice follows the order the gates impose: an incomplete
/// definition cannot be approved, so `rel amend` comes first.
#[test]
fn plan_names_amend_before_approval_when_the_definition_is_incomplete() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.change("CHG-2025-0893", "finance", "2025-03-22");
    let incomplete = plan_args("CHG-2025-0892", "2025-03-15 20:00", &["--risk"]);
    let run = ok(
        &mut repo,
        RM,
        "2025-03-03T10:00:00+00:00",
        &strs(&incomplete),
    );
    let run = run.stderr_has("the definition lacks risk assessment summary (--risk)");
    // Warnings and the next steps are wrapped to 80 columns when piped.
    for line in run.stderr.lines().chain(run.stdout.lines()) {
        assert!(line.chars().count() <= 80, "wider than 80: {line}");
    }
    insta::assert_snapshot!(next_steps(&run.stdout), @r#"
    Next: complete the definition (rel amend REL-2025-03-001 with the missing
      parts), then the definition needs approval by service-owner (rel approve
      REL-2025-03-001 --role service-owner), then rel promote REL-2025-03-001
    "#);
    let complete = plan_args("CHG-2025-0893", "2025-03-22 20:00", &[]);
    let run = ok(&mut repo, RM, "2025-03-03T10:00:00+00:00", &strs(&complete));
    assert!(
        !run.stderr.contains("definition-complete"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!(next_steps(&run.stdout), @r#"
    Next: the definition needs approval by service-owner (rel approve
      REL-2025-03-002 --role service-owner), then rel promote REL-2025-03-002
    "#);
}

/// The `Next:` paragraph that ends what `rel plan` prints.
fn next_steps(stdout: &str) -> &str {
    stdout[stdout.rfind("Next:").unwrap()..].trim_end()
}

#[test]
fn an_incomplete_definition_is_refused_at_approval_and_accepted_once_complete() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let args = plan_args(
        "CHG-2025-0892",
        "2025-03-15 20:00",
        &[
            "--version",
            "--risk",
            "--resource",
            "--rollback-window",
            "--rollback-procedure",
        ],
    );
    // Plan says what it already knows.
    ok(&mut repo, RM, "2025-03-03T10:00:00+00:00", &strs(&args)).stderr_has(
        "warning: definition-complete: the definition lacks version (--version); resource requirements (--resource or --person); risk assessment summary (--risk); rollback constraints and time limit",
    );
    repo.at("2025-03-04T09:00:00+00:00")
        .by(OWNER)
        .refused(1, &["approve", REL, "--role", "service-owner"])
        .stderr_has("the definition of REL-2025-03-001 is incomplete and cannot be approved")
        .stderr_has("version (--version)")
        .stderr_has("resource requirements")
        .stderr_has("risk assessment summary")
        .stderr_has("rollback constraints and time limit");
    let g = gate_of(&repo, "definition-complete");
    assert_eq!(g["status"], "fail");
    ok(
        &mut repo,
        RM,
        "2025-03-04T08:00:00+00:00",
        &[
            "amend",
            REL,
            "--version",
            "2.4.0",
            "--risk",
            "Medium",
            "--person",
            "rm@example.com",
            "--rollback-window",
            "4h",
        ],
    );
    // A rollback window without its procedure is still incomplete.
    repo.at("2025-03-04T09:00:00+00:00")
        .by(OWNER)
        .refused(1, &["approve", REL, "--role", "service-owner"])
        .stderr_has("it lacks: rollback procedure (--rollback-procedure)");
    ok(
        &mut repo,
        RM,
        "2025-03-04T08:30:00+00:00",
        &["amend", REL, "--rollback-procedure", "runbook section 7"],
    );
    assert_eq!(gate_of(&repo, "definition-complete")["status"], "pass");
    approve_definition(&mut repo);
    ok(
        &mut repo,
        RM,
        "2025-03-05T09:00:00+00:00",
        &["promote", REL],
    );
}

#[test]
fn plan_warns_when_the_notice_period_can_no_longer_be_met() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.change("CHG-2025-0893", "finance", "2025-03-15");
    // Monday 10 March is the last day to notify for Saturday 15 March.
    let args = plan_args("CHG-2025-0892", "2025-03-15 20:00", &[]);
    let run = ok(&mut repo, RM, "2025-03-10T09:00:00+00:00", &strs(&args));
    assert!(!run.stderr.contains("notice period"), "{}", run.stderr);
    ok(
        &mut repo,
        RM,
        "2025-03-10T10:00:00+00:00",
        &["cancel", REL, "--reason", "again"],
    );
    let args = plan_args("CHG-2025-0893", "2025-03-15 20:00", &[]);
    ok(&mut repo, RM, "2025-03-11T09:00:00+00:00", &strs(&args)).stderr_has(
        "warning: notifications-sent: high impact needs 5 business days' notice to all-users, leadership, partners (by 2025-03-10); today is 2025-03-11, so the notice period can no longer be met",
    );
}

// ---------------------------------------------------------------------------
// 3.4 Emergencies and exception windows

fn emergency_args(target: &str, extra: &[&str]) -> Vec<String> {
    let mut args = plan_args("CHG-2025-0990", target, &[]);
    args[4] = "emergency".to_string();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn an_emergency_names_its_incident_and_is_not_booked_far_ahead() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0990", "finance", "2025-03-29");
    // 19 days out, inside the month-end blackout: not an emergency.
    repo.at("2025-03-10T20:00:00+00:00");
    repo.refused(
        1,
        &strs(&emergency_args("2025-03-29 20:00", &["--incident", "INC-1"])),
    )
    .stderr_has("an emergency release is deployed within 72 h of planning (policy emergency.max_lead_hours)");
    // No incident, no rationale.
    repo.at("2025-03-26T20:00:00+00:00");
    repo.refused(2, &strs(&emergency_args("2025-03-29 20:00", &[])))
        .stderr_has("missing --incident");
    let mut no_rationale = emergency_args("2025-03-29 20:00", &["--incident", "INC-1"]);
    let at = no_rationale
        .iter()
        .position(|a| a == "--rationale")
        .unwrap();
    no_rationale.drain(at..at + 2);
    repo.refused(2, &strs(&no_rationale))
        .stderr_has("missing --rationale");
    // One minute beyond 72 h is refused; exactly 72 h is booked.
    repo.at("2025-03-26T19:59:00+00:00");
    repo.refused(
        1,
        &strs(&emergency_args(
            "2025-03-29 20:00",
            &["--incident", "INC-1"],
        )),
    );
    repo.at("2025-03-26T20:00:00+00:00");
    repo.rel(&strs(&emergency_args(
        "2025-03-29 20:00",
        &["--incident", "INC-2025-0042"],
    )))
    .ok();
    assert_eq!(show(&repo)["incident"], "INC-2025-0042");
    // A scheduled release does not name an incident.
    let mut minor = plan_args("CHG-2025-0990", "2025-03-29 20:00", &[]);
    minor.extend(["--incident".to_string(), "INC-1".to_string()]);
    repo.refused(2, &strs(&minor))
        .stderr_has("only an emergency release");
}

#[test]
fn an_exception_window_is_booked_with_a_waiver_and_honoured_at_build() {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:00:00+00:00").by(RM);
    repo.change("CHG-2025-0990", "finance", "2025-03-29");
    let args = plan_args("CHG-2025-0990", "2025-03-29 20:00", &[]);
    repo.at("2025-03-03T10:00:00+00:00");
    // Refused, and the hint names this plan with --waive, not a promote of
    // a release that does not exist.
    let run = repo
        .refused(1, &strs(&args))
        .stderr_has("blackout")
        .stderr_has("rel plan ... --waive blackout");
    assert!(!run.stderr.contains("rel promote"), "{}", run.stderr);
    let mut waived = args.clone();
    waived.extend(
        [
            "--waive",
            "blackout",
            "--reason",
            "Regulatory deadline 31 March",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    // Not by someone outside the waiver role (here a release-team member
    // the policy lets plan).
    let policy = repo.read("policy.yaml").replace(
        "  plan: [release-manager]\n",
        "  plan: [release-manager, release-team]\n",
    );
    repo.commit_file("policy.yaml", &policy);
    repo.by(QA)
        .refused(1, &strs(&waived))
        .stderr_has("qa@example.com may not waive gates");
    // A gate that does not fail is not waived; a non-waivable one neither.
    let mut passing = args.clone();
    passing.extend(
        ["--waive", "maintenance-window", "--reason", "x"]
            .iter()
            .map(|s| s.to_string()),
    );
    repo.by(RM)
        .refused(1, &strs(&passing))
        .stderr_has("--waive maintenance-window: the gate does not refuse this booking");
    let mut conflicts = args.clone();
    conflicts.extend(
        ["--waive", "conflicts", "--reason", "x"]
            .iter()
            .map(|s| s.to_string()),
    );
    repo.refused(1, &strs(&conflicts)).stderr_has(
        "at plan only the calendar gates maintenance-window and blackout may be waived",
    );
    // The release manager books the exception window.
    repo.rel(&strs(&waived)).ok();
    let v = show(&repo);
    assert_eq!(v["waivers"][0]["gate"], "blackout");
    assert_eq!(v["waivers"][0]["to"], "build");
    assert_eq!(v["waivers"][0]["reason"], "Regulatory deadline 31 March");
    let log = repo.git(&["log", "-1", "--format=%B"]);
    assert!(log.contains("Rel-Waived: blackout"), "{log}");
    // Honoured at plan -> build.
    ok(
        &mut repo,
        OWNER,
        "2025-03-04T09:00:00+00:00",
        &["approve", "REL-2025-03-001", "--role", "service-owner"],
    );
    let eval = ok(
        &mut repo,
        RM,
        "2025-03-05T09:00:00+00:00",
        &["--json", "promote", "REL-2025-03-001"],
    )
    .json();
    let blackout = eval["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "blackout")
        .unwrap()
        .clone();
    assert_eq!(blackout["status"], "waived", "{blackout}");
    history_is_clean(&repo);
}

#[test]
fn promote_records_a_waiver_only_for_a_gate_that_fails() {
    let mut repo = planned();
    approve_definition(&mut repo);
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.refused(
        1,
        &[
            "promote",
            REL,
            "--waive",
            "blackout",
            "--reason",
            "just in case",
        ],
    )
    .stderr_has("--waive blackout: the gate does not fail (pass: no blackout)");
    repo.rel(&["promote", REL]).ok();
    assert!(show(&repo)["waivers"].is_null());
}

// ---------------------------------------------------------------------------
// 3.5 Notifications as evidence

#[test]
fn a_notification_is_bounded_by_the_booking_and_the_recording() {
    let mut repo = planned();
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.refused(
        1,
        &["notify", REL, "--audience", "all-users", "--sent-at", "2025-02-05 09:00"],
    )
    .stderr_has("--sent-at: Wed 05 Feb 2025 09:00 GMT is before REL-2025-03-001 was booked (Mon 03 Mar 2025 10:00 GMT)");
    repo.refused(
        1,
        &[
            "notify",
            REL,
            "--audience",
            "all-users",
            "--sent-at",
            "2025-03-06 09:00",
        ],
    )
    .stderr_has("is after it is being recorded");
    repo.refused(2, &["notify", REL, "--audience", "nobody"])
        .stderr_has("--audience: `nobody` is not an audience of the policy's notifications; expected one of: all-users, leadership, partners");
    // The booking itself and the recording itself are the edges.
    repo.rel(&[
        "notify",
        REL,
        "--audience",
        "all-users",
        "--sent-at",
        "2025-03-03 10:00",
    ])
    .ok();
    repo.rel(&["notify", REL, "--audience", "leadership"]).ok();
}

#[test]
fn the_gate_names_each_audience_still_owed() {
    let mut repo = planned();
    walk(&mut repo, "build");
    ok(
        &mut repo,
        RM,
        "2025-03-06T09:00:00+00:00",
        &["notify", REL, "--audience", "all-users"],
    );
    ok(
        &mut repo,
        QA,
        "2025-03-07T11:00:00+00:00",
        &["record", REL, "build", "--verification", "passed"],
    );
    ok(
        &mut repo,
        RM,
        "2025-03-07T12:00:00+00:00",
        &["promote", REL],
    );
    record_tests(&mut repo);
    ok(
        &mut repo,
        RM,
        "2025-03-11T09:30:00+00:00",
        &["promote", REL],
    );
    accept(&mut repo);
    ok(
        &mut repo,
        RM,
        "2025-03-14T10:00:00+00:00",
        &["readiness", REL],
    );
    ok(&mut repo, OWNER, "2025-03-15T12:00:00+00:00", &["go", REL]);
    let g = gate_of(&repo, "notifications-sent");
    assert_eq!(g["status"], "fail");
    assert!(
        g["message"]
            .as_str()
            .unwrap()
            .starts_with("high impact: still owed a notification: leadership, partners;"),
        "{g}"
    );
    repo.at("2025-03-15T19:00:00+00:00").by(RM);
    repo.refused(1, &["promote", REL])
        .stderr_has("notifications-sent");
}

// ---------------------------------------------------------------------------
// Test scope

#[test]
fn a_run_counts_only_at_the_scope_it_states() {
    let mut repo = planned();
    walk(&mut repo, "test");
    for (i, (category, scope)) in MATRIX.iter().enumerate() {
        let now = format!("2025-03-10T16:{:02}:00+00:00", i * 5);
        let mut args = vec![
            "record",
            REL,
            "test",
            "--category",
            category,
            "--passed",
            "10",
            "--failed",
            "0",
        ];
        // Security is recorded without the scope it ran at.
        if let Some(s) = scope.filter(|_| *category != "security") {
            args.extend(["--scope", s]);
        }
        let run = ok(&mut repo, QA, &now, &args);
        if *category == "security" {
            run.stderr_has("warning: tests-passed: this security run is recorded without a scope, below the vulnerability-scan a minor release requires");
        } else {
            // A plain `required` category needs no scope.
            assert!(!run.stderr.contains("warning"), "{}", run.stderr);
        }
    }
    let g = gate_of(&repo, "tests-passed");
    assert_eq!(g["status"], "fail");
    assert!(
        g["message"]
            .as_str()
            .unwrap()
            .contains("security: run without a scope, the policy requires vulnerability-scan"),
        "{g}"
    );
    // A lesser scope than required warns when recorded.
    ok(
        &mut repo,
        QA,
        "2025-03-10T17:00:00+00:00",
        &[
            "record",
            REL,
            "test",
            "--category",
            "regression",
            "--passed",
            "5",
            "--failed",
            "0",
            "--scope",
            "critical-paths",
        ],
    )
    .stderr_has("recorded at scope critical-paths, below the full-suite");
    ok(
        &mut repo,
        QA,
        "2025-03-10T17:10:00+00:00",
        &[
            "record",
            REL,
            "test",
            "--category",
            "regression",
            "--passed",
            "310",
            "--failed",
            "0",
            "--scope",
            "full-suite",
        ],
    );
    ok(
        &mut repo,
        QA,
        "2025-03-10T17:20:00+00:00",
        &[
            "record",
            REL,
            "test",
            "--category",
            "security",
            "--passed",
            "1",
            "--failed",
            "0",
            "--scope",
            "vulnerability-scan",
        ],
    );
    assert_eq!(gate_of(&repo, "tests-passed")["status"], "pass");
    // The report shows each scope's runs on its own line, not summed.
    let report = repo.rel(&["--json", "report", REL]).ok().json();
    let lines: Vec<(String, String, u64, u64, String)> = report["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["category"] == "regression" || c["category"] == "security")
        .map(|c| {
            (
                c["category"].as_str().unwrap().to_string(),
                c["scope"].as_str().unwrap_or("-").to_string(),
                c["runs"].as_u64().unwrap(),
                c["passed"].as_u64().unwrap(),
                c["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                "regression".into(),
                "full-suite".into(),
                2,
                310,
                "passed".into()
            ),
            (
                "regression".into(),
                "critical-paths".into(),
                1,
                5,
                "scope too narrow".into()
            ),
            (
                "security".into(),
                "-".into(),
                1,
                10,
                "no scope stated".into()
            ),
            (
                "security".into(),
                "vulnerability-scan".into(),
                1,
                1,
                "passed".into()
            ),
        ]
    );
    repo.rel(&["report", REL]).ok().stdout_has("SCOPE");
}

// ---------------------------------------------------------------------------
// Deployment outside its window

#[test]
fn a_deployment_outside_its_window_is_recorded_with_a_warning_and_shown() {
    let mut repo = planned();
    walk(&mut repo, "deploy");
    ok(
        &mut repo,
        OPS,
        "2025-03-15T22:30:00+00:00",
        &[
            "deploy",
            REL,
            "--status",
            "successful",
            "--started",
            "2025-03-15 17:00",
            "--duration",
            "2h",
            "--verification",
            "passed",
        ],
    )
    .stderr_has("warning: the deployment started 3h before the window opened (window Sat 15 Mar 2025 20:00 GMT for 2h)");
    assert_shows(
        &repo,
        "(outside its window: started 3h before the window opened)",
    );
    ok(
        &mut repo,
        RM,
        "2025-03-17T09:00:00+00:00",
        &["notify", REL, "--completion", "--audience", "all-users"],
    );
    ok(
        &mut repo,
        RM,
        "2025-03-17T09:00:00+00:00",
        &["close", REL, "--config-updated"],
    );
    let v = show(&repo);
    assert_eq!(
        v["closure"]["outside_window"],
        "started 3h before the window opened"
    );
    assert_eq!(v["closure"]["on_time"], false);
    assert_shows(
        &repo,
        "deployment outside its window: started 3h before the window opened",
    );
    // The table wraps its cells: read it with the borders and wraps undone.
    let metrics = repo.rel(&["metrics"]).ok().stdout.replace('│', " ");
    let metrics = metrics.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        metrics.contains(
            "Started outside the window 1: REL-2025-03-001 (started 3h before the window opened)"
        ),
        "{metrics}"
    );
    let m = repo.rel(&["--json", "metrics"]).ok().json();
    assert_eq!(m["outside_window"].as_array().unwrap().len(), 1);
}

#[test]
fn a_deployment_inside_its_window_says_nothing() {
    let mut repo = planned();
    walk(&mut repo, "deploy");
    let run = ok(
        &mut repo,
        OPS,
        "2025-03-15T22:30:00+00:00",
        &[
            "deploy",
            REL,
            "--status",
            "successful",
            "--started",
            "2025-03-15 21:59",
            "--duration",
            "2h",
        ],
    );
    assert!(!run.stderr.contains("window"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// The walkthrough

#[test]
fn the_walkthrough_plays_each_person_in_their_role_and_shows_a_refusal() {
    let repo = Repo::bare();
    let dir = repo.path().join("demo");
    let run = repo.rel(&["demo", dir.to_str().unwrap()]).ok();
    run.stdout_has("Frances Owner <fo@example.com> may not promote")
        .stdout_has("# as qa@example.com at 2025-03-10T16:00:00+00:00")
        .stdout_has("# as ops@example.com at 2025-03-15T22:30:00+00:00")
        .stdout_has("went from plan to closed");
}

// ---------------------------------------------------------------------------
// 3.1 Authority in review: `rel check --base` judges each commit's author
// under the policy the branch is merged into.

const CHANGE_FILE: &str = "changes/2025/CHG-2025-0892.yaml";

/// The line `needle` is on in `path` at HEAD (1-based).
fn line_of(repo: &Repo, path: &str, needle: &str) -> usize {
    repo.read(path)
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {path}"))
        + 1
}

/// On branch `pr`, Sam Stranger adds himself to release-manager in
/// policy.yaml, then records a notification with rel and marks the change
/// not ready by hand.
fn branch_granting_itself_a_role() -> Repo {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-04T08:00:00+00:00").by(STRANGER);
    let policy = repo.read("policy.yaml").replace(
        "release-manager: [rm@example.com, rm2@example.com]",
        "release-manager: [rm@example.com, rm2@example.com, sam@example.com]",
    );
    assert!(policy.contains("sam@example.com"), "{policy}");
    repo.commit_file("policy.yaml", &policy);
    // Under the branch's own policy rel lets him.
    ok(
        &mut repo,
        STRANGER,
        "2025-03-04T08:10:00+00:00",
        &["notify", REL, "--audience", "all-users"],
    );
    let change = repo.read(CHANGE_FILE);
    assert!(change.contains("ready: true"), "{change}");
    repo.at("2025-03-04T08:20:00+00:00");
    repo.commit_file(CHANGE_FILE, &change.replace("ready: true", "ready: false"));
    repo
}

#[test]
fn check_base_flags_a_branch_that_grants_itself_a_role_in_every_format() {
    let repo = branch_granting_itself_a_role();
    let notice_line = line_of(&repo, FILE, "notifications:") + 1;
    let ready_line = line_of(&repo, CHANGE_FILE, "ready:");
    let notice = "Sam Stranger <sam@example.com> may not notify: the policy gives `notify` to release-manager (rm@example.com, rm2@example.com) (policy.yaml permissions.notify); only this branch's policy.yaml allows it";
    let ready = "Sam Stranger <sam@example.com> may not change-ready";

    let text = repo.rel(&["check", "--base", "main"]).code(1);
    text.stdout_has(&format!("{FILE}:{notice_line}: commit "))
        .stdout_has(notice)
        .stdout_has(&format!("{CHANGE_FILE}:{ready_line}: "))
        .stdout_has(ready);

    let github = repo
        .rel(&["check", "--base", "main", "--format", "github"])
        .code(1);
    github
        .stdout_has(&format!("::error file={FILE},line={notice_line}::commit "))
        .stdout_has(notice)
        .stdout_has(&format!("::error file={CHANGE_FILE},line={ready_line}::"))
        .stdout_has(ready);

    let json = repo
        .rel(&["--json", "check", "--base", "main"])
        .code(1)
        .json();
    let findings = json["findings"].as_array().unwrap();
    let on = |file: &str, needle: &str| {
        findings
            .iter()
            .find(|f| f["file"] == file && f["message"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no finding on {file} with {needle}: {json}"))
            .clone()
    };
    assert_eq!(on(FILE, notice)["line"], notice_line);
    assert_eq!(on(CHANGE_FILE, ready)["line"], ready_line);
}

#[test]
fn check_base_flags_a_hand_edit_by_its_implied_action() {
    let mut repo = planned();
    approve_definition(&mut repo);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    // A stage moved by hand needs `promote`; the owner does not hold it.
    repo.at("2025-03-05T09:00:00+00:00").by(OWNER);
    let record = repo.read(FILE);
    repo.commit_file(FILE, &record.replacen("stage: plan", "stage: build", 1));
    let stage_line = line_of(&repo, FILE, "stage: build");
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{stage_line}: commit "
        ))
        .stdout_has("Frances Owner <fo@example.com> may not promote: the policy gives `promote` to release-manager (rm@example.com, rm2@example.com) (policy.yaml permissions.promote); a branch is judged under the policy it is merged into");
    // The same edit by the release manager is a hand edit (flagged as
    // such) but not one beyond their permission.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr2"]);
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.commit_file(FILE, &record.replacen("stage: plan", "stage: build", 1));
    let run = repo.rel(&["check", "--base", "main"]).code(1);
    assert!(!run.stdout.contains("may not"), "{}", run.stdout);
    run.stdout_has("stage changed by a hand edit");
}

#[test]
fn check_base_passes_commits_whose_authors_hold_the_permission() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    // The release manager notifies; the change owner confirms the change
    // ready; the owner approves; the release manager promotes; the release
    // team records the build.
    ok(
        &mut repo,
        RM,
        "2025-03-04T08:10:00+00:00",
        &["notify", REL, "--audience", "all-users"],
    );
    let owner = ("Dev Owner", "dev@example.com");
    assert!(repo.read(CHANGE_FILE).contains("owner: dev@example.com"));
    for (at, flag) in [
        ("2025-03-04T08:20:00+00:00", "--not-ready"),
        ("2025-03-04T08:30:00+00:00", "--ready"),
    ] {
        ok(
            &mut repo,
            owner,
            at,
            &["change", "set", "CHG-2025-0892", flag],
        );
    }
    approve_definition(&mut repo);
    ok(
        &mut repo,
        RM,
        "2025-03-05T09:00:00+00:00",
        &["promote", REL],
    );
    ok(
        &mut repo,
        QA,
        "2025-03-07T11:00:00+00:00",
        &["record", REL, "build", "--verification", "passed"],
    );
    repo.rel(&["check", "--base", "main"])
        .ok()
        .stderr_has("no findings");
}
