//! Exit codes over every command (SPEC section 6): 2 when the command line
//! is wrong on its own terms (an unknown flag or value, a missing or
//! malformed one, nothing to do); 1 when it is well formed but the
//! release's state or the policy refuses it (a wrong stage, something
//! already recorded, a time the record or the clock contradicts, a gate);
//! 3 when what the command acts on does not exist or cannot be read. Every
//! refusal leaves the repository as it was. Under `--json` the error is
//! also one line of JSON on stderr.

use crate::support::*;

const REL: &str = "REL-2025-03-001";
const BLOCKED: &str = "REL-2025-03-002";
const CHG: &str = "CHG-2025-0892";

/// A repository with two planned releases: REL-2025-03-001, whose
/// definition the service owner has approved, and REL-2025-03-002, whose
/// definition nobody has; and a CSV file to import.
fn repo() -> Repo {
    let mut repo = Repo::new();
    repo.change(CHG, "finance", "2025-03-15");
    let id = repo.plan("finance", "minor", "2025-03-15 20:00", &[CHG], &[]);
    assert_eq!(id, REL);
    repo.change("CHG-2025-0893", "finance", "2025-03-22");
    let id = repo.plan(
        "finance",
        "minor",
        "2025-03-22 20:00",
        &["CHG-2025-0893"],
        &[],
    );
    assert_eq!(id, BLOCKED);
    repo.by(OWNER)
        .rel(&["approve", REL, "--role", "service-owner"])
        .ok();
    repo.commit_file("changes.csv", "id,title\n");
    repo.by(RM);
    repo
}

#[test]
fn every_command_exits_with_the_code_its_error_kind_has() {
    let mut repo = repo();
    let cases: &[&[&str]] = &[
        // usage: 2
        &["init", "--bogus"],
        &[
            "change",
            "add",
            "CHG-2025-0900",
            "--title",
            "T",
            "--service",
            "finance",
            "--status",
            "maybe",
            "--owner",
            "dev@example.com",
            "--target",
            "2025-03-15",
        ],
        &["change", "set", CHG],
        &["change", "list", "--status", "maybe"],
        &["change", "import", "changes.csv", "--format", "xml"],
        &["plan", "--service", "finance"],
        &[
            "plan",
            "--service",
            "nope",
            "--type",
            "minor",
            "--target",
            "2025-03-15 20:00",
            "--change",
            CHG,
        ],
        &["show"],
        &["list", "--stage", "nowhere"],
        &["gate", "REL-2025-3-1"],
        &["approve", REL, "--role", "nobody"],
        &[
            "record",
            REL,
            "test",
            "--category",
            "smoke",
            "--passed",
            "x",
            "--failed",
            "0",
        ],
        &["defect", REL, "add", "--severity", "awful", "--title", "x"],
        &[
            "notify",
            REL,
            "--audience",
            "all-users",
            "--sent-at",
            "yesterday",
        ],
        &["readiness"],
        &["go", REL, "--bogus"],
        &["promote", REL, "--to", "heaven"],
        &["promote", REL, "--waive", "nonsense", "--reason", "x"],
        &["demote", REL, "--to", "plan", "--reason", "x"],
        &["cancel", REL, "--reason", " "],
        &["deploy", REL, "--verification"],
        &["close", REL, "--pir-date"],
        &["calendar", "--from", "2025-03-16", "--to", "2025-03-10"],
        &["amend", REL],
        &["notes"],
        &["report", "REL-x"],
        &["log", "--since", "last week"],
        &["check", "--format", "xml"],
        &["metrics", "--since", "March"],
        &["audit", "verify", "--bogus"],
        &["schema", "--bogus"],
        &["completions", "tcsh"],
        &["man", "--bogus"],
        &["demo", "--bogus"],
        // refused: 1
        &[
            "change",
            "add",
            CHG,
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
        ],
        &["approve", REL, "--role", "service-owner"],
        &["approve", BLOCKED, "--role", "service-owner"],
        &["gate", BLOCKED],
        &["promote", BLOCKED],
        &["promote", REL, "--to", "test"],
        &[
            "record",
            REL,
            "test",
            "--category",
            "smoke",
            "--passed",
            "1",
            "--failed",
            "0",
        ],
        &["defect", REL, "add", "--severity", "low", "--title", "x"],
        &[
            "notify",
            REL,
            "--audience",
            "all-users",
            "--sent-at",
            "2025-03-02 09:00",
        ],
        &["readiness", REL],
        &["go", REL],
        &["demote", REL, "--to", "build", "--reason", "x"],
        &[
            "deploy",
            REL,
            "--status",
            "successful",
            "--started",
            "2025-03-15 20:00",
            "--duration",
            "2h",
        ],
        &["close", REL, "--config-updated"],
        // not found or unreadable: 3
        &["show", "REL-2025-03-099"],
        &["gate", "REL-2025-03-099"],
        &["promote", "REL-2025-03-099"],
        &["change", "show", "CHG-2025-0999"],
        &["change", "set", "CHG-2025-0999", "--ready"],
        &["change", "import", "missing.csv"],
        &["defect", REL, "resolve", "DEF-9", "--fixed"],
        &["init", "."],
        &["notes", "REL-2025-03-099"],
        &["log", "REL-2025-03-099"],
    ];
    let mut table = String::new();
    for args in cases {
        // The service owner approving again (a duplicate); everyone else
        // is the release manager.
        let who = if args[0] == "approve" && args[1] == REL {
            OWNER
        } else {
            RM
        };
        repo.by(who);
        let before = repo.snapshot();
        let run = repo.rel(args);
        assert_ne!(run.code, 0, "rel {args:?} succeeded:\n{}", run.stdout);
        assert!(
            before == repo.snapshot(),
            "a refused command changed the repository: rel {args:?}"
        );
        let first = run
            .stderr
            .lines()
            .chain(run.stdout.lines())
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .replace(&repo.path().display().to_string(), "<repo>");
        let first: String = first.chars().take(70).collect();
        table.push_str(&format!(
            "{} rel {}\n    {first}\n",
            run.code,
            args.join(" ")
        ));

        // The same under --json: the code, and the message as JSON.
        let mut json_args = vec!["--json"];
        json_args.extend_from_slice(args);
        let json = repo.rel(&json_args);
        assert_eq!(json.code, run.code, "rel --json {args:?}");
        if !json.stdout.trim().is_empty() {
            // A refused transition's evaluation is the JSON result itself.
            json.json();
        } else {
            let last = json.stderr.lines().last().unwrap_or_default();
            let error: serde_json::Value = serde_json::from_str(last)
                .unwrap_or_else(|e| panic!("rel --json {args:?}: {e}: {}", json.stderr));
            assert_eq!(error["error"]["code"], run.code, "{args:?}");
            assert!(
                error["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }
    insta::assert_snapshot!(table, @r#"
    2 rel init --bogus
        unexpected argument '--bogus' found
    2 rel change add CHG-2025-0900 --title T --service finance --status maybe --owner dev@example.com --target 2025-03-15
        --status: `maybe` is not accepted; expected one of: draft, assessing, 
    2 rel change set CHG-2025-0892
        nothing to change for CHG-2025-0892: give at least one flag with a new
    2 rel change list --status maybe
        --status: `maybe` is not accepted; expected one of: draft, assessing, 
    2 rel change import changes.csv --format xml
        --format: `xml` is not accepted; expected one of: csv, json
    2 rel plan --service finance
        missing --type, --target and --change: pass them on the command line (
    2 rel plan --service nope --type minor --target 2025-03-15 20:00 --change CHG-2025-0892
        --service: unknown service `nope`; services in policy.yaml: finance, h
    2 rel show
        the following required arguments were not provided:
    2 rel list --stage nowhere
        --stage: `nowhere` is not accepted; expected one of: plan, build, test
    2 rel gate REL-2025-3-1
        `REL-2025-3-1` is not a release id: expected REL-YYYY-MM-NNN, for exam
    2 rel approve REL-2025-03-001 --role nobody
        --role: unknown role `nobody`; roles: service-owner, cab, deployment-t
    2 rel record REL-2025-03-001 test --category smoke --passed x --failed 0
        invalid value 'x' for '--passed <PASSED>': invalid digit found in stri
    2 rel defect REL-2025-03-001 add --severity awful --title x
        --severity: `awful` is not accepted; expected one of: critical, high, 
    2 rel notify REL-2025-03-001 --audience all-users --sent-at yesterday
        --sent-at: `yesterday` is not a date-time: expected YYYY-MM-DD HH:MM (
    2 rel readiness
        the following required arguments were not provided:
    2 rel go REL-2025-03-001 --bogus
        unexpected argument '--bogus' found
    2 rel promote REL-2025-03-001 --to heaven
        --to: `heaven` is not accepted; expected one of: plan, build, test, st
    2 rel promote REL-2025-03-001 --waive nonsense --reason x
        --waive: unknown gate `nonsense`; known gates: changes-approved, chang
    2 rel demote REL-2025-03-001 --to plan --reason x
        --to plan: a fix cycle goes back to build (--to build)
    2 rel cancel REL-2025-03-001 --reason  
        --reason: say why the release is cancelled
    2 rel deploy REL-2025-03-001 --verification
        a value is required for '--verification <VERIFICATION>' but none was s
    2 rel close REL-2025-03-001 --pir-date
        a value is required for '--pir-date <PIR_DATE>' but none was supplied
    2 rel calendar --from 2025-03-16 --to 2025-03-10
        --to 2025-03-10 is before --from 2025-03-16; give a --to on or after -
    2 rel amend REL-2025-03-001
        nothing to amend: give a field that differs from REL-2025-03-001 (see 
    2 rel notes
        the following required arguments were not provided:
    2 rel report REL-x
        `REL-x` is not a release id: expected REL-YYYY-MM-NNN, for example REL
    2 rel log --since last week
        --since: `last week` is not a date or a date-time; expected YYYY-MM-DD
    2 rel check --format xml
        invalid value 'xml' for '--format <FORMAT>'
    2 rel metrics --since March
        --since: `March` is not a date; expected YYYY-MM-DD
    2 rel audit verify --bogus
        unexpected argument '--bogus' found
    2 rel schema --bogus
        unexpected argument '--bogus' found
    2 rel completions tcsh
        invalid value 'tcsh' for '<SHELL>'
    2 rel man --bogus
        unexpected argument '--bogus' found
    2 rel demo --bogus
        unexpected argument '--bogus' found
    1 rel change add CHG-2025-0892 --title T --service finance --status approved --owner dev@example.com --target 2025-03-15
        change CHG-2025-0892 already exists; use `rel change set CHG-2025-0892
    1 rel approve REL-2025-03-001 --role service-owner
        fo@example.com has already given definition approval as service-owner 
    1 rel approve REL-2025-03-002 --role service-owner
        rm@example.com does not hold the service-owner role for `finance` (hel
    1 rel gate REL-2025-03-002
        REL-2025-03-002 is blocked: plan -> build (10 passed, 1 failed)
    1 rel promote REL-2025-03-002
        REL-2025-03-002 is blocked: plan -> build (10 passed, 1 failed)
    1 rel promote REL-2025-03-001 --to test
        --to test: REL-2025-03-001 is in plan, so the next stage is build
    1 rel record REL-2025-03-001 test --category smoke --passed 1 --failed 0
        REL-2025-03-001 is in plan: a test result is recorded in stage `test`
    1 rel defect REL-2025-03-001 add --severity low --title x
        REL-2025-03-001 is in plan: defects found in test are recorded in buil
    1 rel notify REL-2025-03-001 --audience all-users --sent-at 2025-03-02 09:00
        --sent-at: Sun 02 Mar 2025 09:00 GMT is after it is being recorded (Sa
    1 rel readiness REL-2025-03-001
        REL-2025-03-001 is in plan: the readiness review is recorded in stage 
    1 rel go REL-2025-03-001
        Riley Manager <rm@example.com> may not go: the policy gives `go` to se
    1 rel demote REL-2025-03-001 --to build --reason x
        REL-2025-03-001 is in plan: a fix cycle starts from test or stage
    1 rel deploy REL-2025-03-001 --status successful --started 2025-03-15 20:00 --duration 2h
        Riley Manager <rm@example.com> may not deploy: the policy gives `deplo
    1 rel close REL-2025-03-001 --config-updated
        REL-2025-03-001 is in plan: close follows deploy
    3 rel show REL-2025-03-099
        no release REL-2025-03-099 (releases/2025/03/REL-2025-03-099.yaml)
    3 rel gate REL-2025-03-099
        no release REL-2025-03-099 (releases/2025/03/REL-2025-03-099.yaml)
    3 rel promote REL-2025-03-099
        no release REL-2025-03-099 (releases/2025/03/REL-2025-03-099.yaml)
    3 rel change show CHG-2025-0999
        no change CHG-2025-0999
    3 rel change set CHG-2025-0999 --ready
        no change CHG-2025-0999 (add it with `rel change add`)
    3 rel change import missing.csv
        <repo>/missing.csv: cannot read: No such file or directory (os error 2
    3 rel defect REL-2025-03-001 resolve DEF-9 --fixed
        REL-2025-03-001 has no defect DEF-9; its defects: none
    3 rel init .
        <repo> already holds a records repository (policy.yaml exists)
    3 rel notes REL-2025-03-099
        no release REL-2025-03-099 (releases/2025/03/REL-2025-03-099.yaml)
    3 rel log REL-2025-03-099
        no release REL-2025-03-099 (releases/2025/03/REL-2025-03-099.yaml) and
    "#);
}
