//! What `rel check --base` and `rel audit verify` print, in every format, on
//! the review scenarios: the exact text a reviewer and a CI job read.

use crate::support::*;

const REL: &str = "REL-2025-03-001";
const FILE: &str = "releases/2025/03/REL-2025-03-001.yaml";

fn planned() -> Repo {
    let mut repo = Repo::new();
    repo.at("2025-03-01T09:05:00+00:00");
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.at("2025-03-03T10:00:00+00:00");
    repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &[
            "--version",
            "2.4.0",
            "--rollback-window",
            "4h",
            "--rollback-procedure",
            "Redeploy 2.3.9",
        ],
    );
    repo
}

fn approved() -> Repo {
    let mut repo = planned();
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.by(RM);
    repo
}

fn built() -> Repo {
    let mut repo = approved();
    repo.at("2025-03-05T09:00:00+00:00");
    repo.rel(&["promote", REL]).ok();
    repo.at("2025-03-07T11:00:00+00:00");
    repo.rel(&["record", REL, "build", "--verification", "passed"])
        .ok();
    repo
}

/// Commit ids, full and abbreviated, replaced by their place in history
/// (`<c3>`), so that the snapshots show what the commands say rather than
/// hashes that change with any byte of a record's format.
fn redact_commits(repo: &Repo, text: String) -> String {
    let ids = repo.git(&[
        "rev-list",
        "--all",
        "--reverse",
        "--topo-order",
        "--date-order",
    ]);
    let mut out = text;
    for (n, id) in ids.lines().enumerate() {
        let label = format!("<c{}>", n + 1);
        out = out.replace(id, &label).replace(&id[..10], &label);
    }
    out
}

/// Every output of both commands against `main`, with exit codes.
fn outputs(repo: &Repo) -> String {
    let runs: [&[&str]; 6] = [
        &["check", "--base", "main"],
        &["check", "--base", "main", "--format", "github"],
        &["--json", "check", "--base", "main"],
        &["audit", "verify", "--since", "main"],
        &["audit", "verify"],
        &["--json", "audit", "verify", "--since", "main"],
    ];
    let mut out = String::new();
    for args in runs {
        let run = repo.rel(args);
        out += &format!(
            "$ rel {}\n[exit {}]\n--- stdout\n{}--- stderr\n{}\n",
            args.join(" "),
            run.code,
            run.stdout,
            run.stderr
        );
    }
    redact_commits(repo, out)
}

#[test]
fn a_branch_made_with_rel_commands() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.rel(&["promote", REL]).ok();
    repo.at("2025-03-07T11:00:00+00:00");
    repo.rel(&["record", REL, "build", "--verification", "passed"])
        .ok();
    repo.at("2025-03-07T12:00:00+00:00");
    repo.rel(&["promote", REL, "--to", "test"]).ok();
    insta::assert_snapshot!(outputs(&repo));
}

#[test]
fn a_stage_skipped_by_a_hand_edit() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    repo.hand_commit(
        FILE,
        |t| t.replace("stage: plan", "stage: test"),
        "Move the release on",
    );
    insta::assert_snapshot!(outputs(&repo));
}

#[test]
fn an_approval_committed_by_someone_else_and_back_dated() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-06T09:00:00+00:00").by(RM);
    repo.hand_commit(
        FILE,
        |t| t + &approval_entry(OWNER, "2025-03-04T09:00:00Z"),
        "Record the owner's approval",
    );
    insta::assert_snapshot!(outputs(&repo));
}

#[test]
fn deleted_and_rewritten_evidence() {
    let mut repo = approved();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    repo.hand_commit(
        FILE,
        |t| t.replace("for: definition", "for: acceptance"),
        "Fix the purpose",
    );
    repo.hand_commit(
        FILE,
        |t| t[..t.find("approvals:").unwrap()].to_string(),
        "Tidy the record",
    );
    insta::assert_snapshot!(outputs(&repo));
}

#[test]
fn a_policy_change_used_on_the_same_branch() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-04T08:00:00+00:00");
    let policy = repo.read("policy.yaml").replace(
        "owners: [fo@example.com]",
        "owners: [fo@example.com, sam@example.com]",
    );
    repo.commit_file("policy.yaml", &policy);
    repo.commit_file("calendars/extra.yaml", "holidays: [2025-12-26]\n");
    repo.at("2025-03-04T09:00:00+00:00").by(STRANGER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.rel(&["promote", REL]).ok();
    insta::assert_snapshot!(outputs(&repo));
}

#[test]
fn merges_clean_and_settled_by_hand() {
    let mut repo = built();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-07T11:30:00+00:00");
    repo.rel(&["notify", REL, "--audience", "all-users"]).ok();
    repo.git(&["checkout", "-q", "main"]);
    repo.at("2025-03-07T12:00:00+00:00");
    repo.rel(&["promote", REL, "--to", "test"]).ok();
    repo.git(&["checkout", "-q", "pr"]);
    repo.at("2025-03-08T09:00:00+00:00");
    repo.git(&["merge", "-q", "--no-edit", "main"]);
    let clean = outputs(&repo);

    repo.git(&["checkout", "-q", "-b", "bad-merge", "pr~1"]);
    repo.at("2025-03-08T11:00:00+00:00");
    repo.git(&["merge", "-q", "--no-commit", "main"]);
    let text = repo.read(FILE);
    let text = text[..text.find("notifications:").unwrap()].replace("stage: test", "stage: stage");
    repo.write(FILE, &text);
    repo.git(&["add", FILE]);
    repo.git(&["commit", "-q", "--no-edit"]);
    insta::assert_snapshot!(clean + "=== settled by hand\n" + &outputs(&repo));
}

#[test]
fn hand_edits_of_the_definition_and_of_a_change() {
    let mut repo = built();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-08T09:00:00+00:00");
    repo.hand_commit(
        FILE,
        |t| {
            t.replace("2025-03-15T20:00:00Z", "2025-03-14T20:00:00Z")
                .replace("version: \"2.4.0\"", "version: \"2.5.0\"")
        },
        "Move the window",
    );
    repo.hand_commit(
        "changes/2025/CHG-2025-0892.yaml",
        |t| t.replace("status: approved", "status: assessing"),
        "The change is back in assessment",
    );
    insta::assert_snapshot!(outputs(&repo));
}

#[test]
fn forged_trailers_and_a_record_broken_for_a_while() {
    let mut repo = approved();
    repo.at("2025-03-04T10:00:00+00:00");
    repo.commit_file(
        "calendars/freeze.yaml",
        "blackouts:\n- name: audit-freeze\n  from: 2025-03-14\n  to: 2025-03-16\n",
    );
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    repo.hand_commit(FILE, |t| t + "stage: [\n", "Break the record");
    repo.hand_commit(FILE,
        |t| {
            t.replace("stage: [\n", "")
                .replace("stage: plan", "stage: build")
        },
        &format!(
            "{REL}: promote plan -> test\n\nRel-Action: promote\nRel-Release: {REL}\nRel-From: plan\nRel-To: test"
        ),
    );
    insta::assert_snapshot!(outputs(&repo));
}
