//! Review and CI: `rel check --base` on pull-request branches, `rel audit
//! verify`, `rel log` filters, schemas, completions and the man page.

use crate::support::*;

const REL: &str = "REL-2025-03-001";
const FILE: &str = "releases/2025/03/REL-2025-03-001.yaml";

/// A records repository with one finance release planned on `main`
/// (window Sat 15 March 2025 20:00).
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
        &[
            "--version",
            "2.4.0",
            "--rollback-window",
            "4h",
            "--rollback-procedure",
            "Redeploy 2.3.9",
        ],
    );
    assert_eq!(id, REL);
    repo
}

/// ... and its definition approved by the service owner.
fn approved() -> Repo {
    let mut repo = planned();
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.by(RM);
    repo
}

/// Edits the release file by hand and commits it with plain git as the
/// current person.
fn hand_commit(repo: &Repo, edit: impl FnOnce(String) -> String, message: &str) -> String {
    let text = edit(repo.read(FILE));
    repo.write(FILE, &text);
    repo.git(&["add", FILE]);
    repo.git(&["commit", "-q", "-m", message]);
    repo.head()
}

fn approval_entry(who: (&str, &str), at: &str) -> String {
    format!(
        "approvals:\n- role: service-owner\n  for: definition\n  by: {} <{}>\n  at: \"{at}\"\n",
        who.0, who.1
    )
}

/// 1-based line of the first line of the release file containing `needle`.
fn line_of(repo: &Repo, needle: &str) -> usize {
    repo.read(FILE)
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in file")
        + 1
}

#[test]
fn a_stage_skipped_by_a_hand_edit_is_a_finding_in_every_format() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    let commit = hand_commit(
        &repo,
        |t| t.replace("stage: plan", "stage: test"),
        "Move the release on",
    );
    let line = line_of(&repo, "stage:");
    let short: String = commit.chars().take(10).collect();
    let run = repo
        .rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{line}: stage moved plan -> test in commit {short}: skipping build"
        ))
        .stdout_has("stage changed by a hand edit (plan -> test)");
    assert!(run.stderr.contains("finding(s)"));

    repo.rel(&["check", "--base", "main", "--format", "github"])
        .code(1)
        .stdout_has(&format!(
            "::error file={FILE},line={line}::stage moved plan -> test"
        ));

    let json = repo
        .rel(&["--json", "check", "--base", "main"])
        .code(1)
        .json();
    assert_eq!(json["ok"], false);
    let findings = json["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| {
        f["file"] == FILE
            && f["line"] == line
            && f["message"]
                .as_str()
                .unwrap()
                .contains("stage changed by a hand edit")
    }));

    // The same repository without --base: the record is valid as it is.
    repo.rel(&["check"]).ok();
}

#[test]
fn an_approval_must_come_from_the_approvers_own_commit() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "forged"]);
    repo.at("2025-03-04T09:00:00+00:00").by(RM);
    let at = "2025-03-04T09:00:00Z";
    hand_commit(
        &repo,
        |t| t + &approval_entry(OWNER, at),
        "Record the owner's approval",
    );
    let line = line_of(&repo, "by: Frances Owner");
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{line}: approvals: definition approval as service-owner by Frances Owner <fo@example.com> was added by commit"
        ))
        .stdout_has("of Riley Manager <rm@example.com>");

    // The other side: the owner approves with rel.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.rel(&["check", "--base", "main"]).ok();
}

#[test]
fn deleted_evidence_is_a_finding() {
    let mut repo = approved();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    hand_commit(
        &repo,
        |t| t[..t.find("approvals:").unwrap()].to_string(),
        "Tidy the record",
    );
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has("approvals: 1 entry(ies) removed by commit")
        .stdout_has("evidence is append-only");

    // Rewriting an entry is as bad as deleting it.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr2"]);
    hand_commit(
        &repo,
        |t| t.replace("for: definition", "for: acceptance"),
        "Fix the purpose",
    );
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has("approvals: entry 1 rewritten by commit");
}

#[test]
fn a_back_dated_entry_is_a_finding() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    // The owner writes the approval herself, but dates it two days back.
    repo.at("2025-03-06T09:00:00+00:00").by(OWNER);
    hand_commit(
        &repo,
        |t| t + &approval_entry(OWNER, "2025-03-04T09:00:00Z"),
        "Approve the definition",
    );
    let line = line_of(&repo, "at: \"2025-03-04T09:00:00Z\"");
    let run = repo
        .rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!("{FILE}:{line}: approvals: definition approval"))
        .stdout_has("is back-dated")
        .stdout_has("2 days later");
    assert!(
        !run.stdout.contains("was added by commit"),
        "{}",
        run.stdout
    );

    // Within the tolerance (60 minutes by default) it is not.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr2"]);
    repo.at("2025-03-04T09:30:00+00:00");
    hand_commit(
        &repo,
        |t| t + &approval_entry(OWNER, "2025-03-04T09:00:00Z"),
        "Approve the definition",
    );
    repo.rel(&["check", "--base", "main"]).ok();
}

#[test]
fn a_branch_made_with_rel_commands_is_clean() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.rel(&["promote", REL]).ok();
    repo.at("2025-03-07T11:00:00+00:00");
    repo.rel(&["record", REL, "build", "--verification", "passed"])
        .ok();
    repo.at("2025-03-07T11:30:00+00:00");
    repo.rel(&["notify", REL, "--audience", "All users"]).ok();
    repo.at("2025-03-07T12:00:00+00:00");
    repo.rel(&["promote", REL, "--to", "test"]).ok();
    repo.rel(&["check", "--base", "main"]).ok();
    let json = repo.rel(&["--json", "check", "--base", "main"]).ok().json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    // Against the first commit too (the whole story from init).
    let root = repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    repo.rel(&["check", "--base", root.trim()]).ok();

    // A rel commit whose trailers lie about the move is a finding.
    repo.at("2025-03-08T12:00:00+00:00");
    let text = repo.read(FILE).replace("stage: test", "stage: stage");
    repo.write(FILE, &text);
    repo.git(&["add", FILE]);
    repo.git(&[
        "commit",
        "-q",
        "-m",
        &format!("{REL}: promote build -> test\n\nRel-Action: promote\nRel-Release: {REL}\nRel-From: build\nRel-To: test"),
    ]);
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(
            "moved the stage test -> stage but its trailers say Rel-From: build, Rel-To: test",
        )
        .stdout_has("although gate tests-passed fails");
}

#[test]
fn a_base_that_cannot_be_judged_exits_3() {
    let repo = planned();
    repo.rel(&["check", "--base", "no-such-branch"])
        .code(3)
        .stderr_has("no-such-branch");
    repo.git(&["checkout", "-q", "-b", "pr"]);
    hand_commit(&repo, |t| t + "stage: [\n", "Break the record");
    repo.rel(&["check", "--base", "main"]).code(3);
    repo.rel(&["check", "--format", "xml"]).code(2);
}

fn ssh_keygen_available() -> bool {
    std::process::Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_ok()
}

#[test]
fn with_require_signed_a_transition_must_be_signed() {
    if !ssh_keygen_available() {
        eprintln!("ssh-keygen not available; skipped");
        return;
    }
    let mut repo = approved();
    let policy = repo
        .read("policy.yaml")
        .replace("require_signed: false", "require_signed: true");
    repo.commit_file("policy.yaml", &policy);

    // Unsigned promotion.
    repo.git(&["checkout", "-q", "-b", "unsigned"]);
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.rel(&["promote", REL]).ok();
    let line = line_of(&repo, "stage:");
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!("{FILE}:{line}: commit "))
        .stdout_has("(moving REL-2025-03-001 plan -> build) is not signed");

    // Signed with an ssh key that the allowed-signers file trusts.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "signed"]);
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("key");
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "rel-test", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(keys.path().join("key.pub")).unwrap();
    let allowed = keys.path().join("allowed");
    std::fs::write(
        &allowed,
        format!("fo@example.com,rm@example.com {}", public.trim()),
    )
    .unwrap();
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&[
        "config",
        "user.signingkey",
        keys.path().join("key.pub").to_str().unwrap(),
    ]);
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        allowed.to_str().unwrap(),
    ]);
    repo.rel(&["promote", REL]).ok();
    repo.git(&["verify-commit", "HEAD"]);
    repo.rel(&["check", "--base", "main"]).ok();
    let log = repo.rel(&["--json", "log", REL]).ok().json();
    assert_eq!(log[0]["signature"], "good");
}

#[test]
fn audit_verify_names_a_hand_edit_buried_among_hundreds_of_commits() {
    let mut repo = approved();
    repo.at("2025-03-05T09:00:00+00:00");
    repo.rel(&["promote", REL]).ok();
    repo.rel(&["audit", "verify"])
        .ok()
        .stdout_has("1 transitions verified, 5 rel commits, 0 hand edits, 0 findings");

    for i in 0..150 {
        let now = format!("2025-03-05T{:02}:{:02}:00+00:00", 10 + i / 60, i % 60);
        repo.at(&now);
        repo.rel(&["notify", REL, "--audience", &format!("audience {i}")])
            .ok();
    }
    repo.at("2025-03-06T09:00:00+00:00");
    let edit = hand_commit(
        &repo,
        |t| t.replace("stage: build", "stage: test"),
        "Build done",
    );
    for i in 0..20 {
        let now = format!("2025-03-06T10:{:02}:00+00:00", i);
        repo.at(&now);
        repo.rel(&["notify", REL, "--audience", &format!("late {i}")])
            .ok();
    }
    let run = repo
        .rel(&["audit", "verify"])
        .code(1)
        .stdout_has(&format!("hand edit: {edit} {FILE}: stage build -> test"))
        .stdout_has("1 transitions verified, 175 rel commits, 1 hand edits, 0 findings");
    assert_eq!(run.stdout.matches("hand edit:").count(), 1);

    let json = repo.rel(&["--json", "audit", "verify"]).code(1).json();
    assert_eq!(json["ok"], false);
    assert_eq!(json["rel_commits"], 175);
    assert_eq!(json["hand_edits"][0]["commit"], edit.as_str());
    assert_eq!(json["hand_edits"][0]["file"], FILE);

    // Since the hand edit, the history is clean again.
    repo.rel(&["audit", "verify", "--since", &edit])
        .ok()
        .stdout_has("0 transitions verified, 20 rel commits, 0 hand edits, 0 findings");
    repo.rel(&["audit", "verify", "--since", "nope"]).code(3);
}

#[test]
fn audit_verify_finds_a_commit_whose_trailers_do_not_match() {
    let mut repo = approved();
    repo.at("2025-03-05T09:00:00+00:00");
    // Trailers copied from a real promotion, but the file skips to test and
    // another release's file is touched too.
    let text = repo.read(FILE).replace("stage: plan", "stage: test");
    repo.write(FILE, &text);
    repo.write(
        "releases/2025/03/REL-2025-03-002.yaml",
        &text.replace(REL, "REL-2025-03-002"),
    );
    repo.git(&["add", "releases"]);
    let commit_msg = format!(
        "{REL}: promote plan -> build\n\nRel-Action: promote\nRel-Release: {REL}\nRel-From: plan\nRel-To: build"
    );
    repo.git(&["commit", "-q", "-m", &commit_msg]);
    let commit = repo.head();
    repo.rel(&["audit", "verify"])
        .code(1)
        .stdout_has(&format!(
            "finding: {commit} {FILE}: commit {} says Rel-From: plan, Rel-To: build but the record moved plan -> test",
            &commit[..10]
        ))
        .stdout_has("REL-2025-03-002.yaml: commit")
        .stdout_has("changed a file that is not its own")
        .stdout_has("0 transitions verified, 5 rel commits, 0 hand edits, 2 findings");
}

#[test]
fn log_filters_by_actor_and_dates_and_prints_json() {
    let repo = approved();
    let all = repo.rel(&["--json", "log"]).ok().json();
    let all = all.as_array().unwrap();
    // init, change add, plan, approve.
    assert_eq!(all.len(), 4);
    assert!(all[0]["subject"].as_str().unwrap().contains("approve"));
    assert!(all[0]["commit"].as_str().unwrap().len() == 40);

    let by_owner = repo
        .rel(&["--json", "log", "--actor", "fo@example.com"])
        .ok()
        .json();
    assert_eq!(by_owner.as_array().unwrap().len(), 1);
    assert_eq!(by_owner[0]["email"], "fo@example.com");
    let by_name = repo.rel(&["--json", "log", "--actor", "riley"]).ok().json();
    assert_eq!(by_name.as_array().unwrap().len(), 3);

    let since = repo
        .rel(&["--json", "log", "--since", "2025-03-03"])
        .ok()
        .json();
    assert_eq!(since.as_array().unwrap().len(), 2);
    let until = repo
        .rel(&["--json", "log", "--until", "2025-03-01"])
        .ok()
        .json();
    assert_eq!(until.as_array().unwrap().len(), 2);
    let day = repo
        .rel(&[
            "--json",
            "log",
            "--since",
            "2025-03-03",
            "--until",
            "2025-03-03",
        ])
        .ok()
        .json();
    assert_eq!(day.as_array().unwrap().len(), 1);
    assert!(day[0]["subject"].as_str().unwrap().contains("plan"));

    repo.rel(&["log", REL, "--actor", "fo@"])
        .ok()
        .stdout_has("Frances Owner")
        .stdout_has("<fo@example.com>")
        .stdout_has("approve definition");
    repo.rel(&["log", "--actor", "nobody"])
        .ok()
        .stdout_has("No rel commits");
    repo.rel(&["log", "--since", "March"]).code(2);
}

#[test]
fn completions_and_man_page_are_generated() {
    let repo = Repo::bare();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = repo.rel(&["completions", shell]).ok();
        assert!(run.stdout.contains("rel"), "{shell}: {}", run.stdout);
        assert!(run.stdout.len() > 1000, "{shell} completions too short");
    }
    repo.rel(&["completions", "tcsh"]).code(2);
    repo.rel(&["man"]).ok().stdout_has(".TH").stdout_has("rel");
    let schemas = repo.rel(&["schema"]).ok().json();
    assert!(schemas["release.schema.json"].is_object());
}

// ---------------------------------------------------------------------------
// Whole-repository `rel check`

#[test]
fn check_reports_every_misplaced_or_stray_record_file_and_goes_on() {
    let repo = planned();
    let text = repo.read(FILE);
    let other = |id: &str| {
        text.replace(REL, id)
            .replace("- CHG-2025-0892\n", "")
            .replace("changes:\n", "changes: []\n")
    };
    // A release in the wrong month's folder, one whose file name is not its
    // id, and files that rel would never read.
    repo.write(
        "releases/2025/04/REL-2025-03-002.yaml",
        &other("REL-2025-03-002"),
    );
    repo.write(
        "releases/2025/03/REL-2025-03-003.yaml",
        &other("REL-2025-03-004"),
    );
    repo.write("releases/2025/3/x.yaml", &other("REL-2025-03-005"));
    repo.write("releases/REL-2025-03-006.yaml", &other("REL-2025-03-006"));
    repo.write(
        "releases/2025/03/REL-2025-03-007.yml",
        &other("REL-2025-03-007"),
    );
    repo.write("changes/2025/notes.txt", "to do\n");
    repo.write("releases/2025/03/.gitkeep", "");
    let run = repo
        .rel(&["check"])
        .code(1)
        .stdout_has("releases/2025/04/REL-2025-03-002.yaml:1: misplaced: REL-2025-03-002 belongs in releases/2025/03/REL-2025-03-002.yaml")
        .stdout_has("releases/2025/03/REL-2025-03-003.yaml:1: id `REL-2025-03-004` does not match the file name (expected `REL-2025-03-003`)")
        .stdout_has("releases/2025/3/x.yaml: not a record file: release records are releases/YYYY/MM/REL-YYYY-MM-NNN.yaml")
        .stdout_has("releases/REL-2025-03-006.yaml:1: misplaced: REL-2025-03-006 belongs in releases/2025/03/REL-2025-03-006.yaml")
        .stdout_has("releases/2025/03/REL-2025-03-007.yml: not read by rel: record files end in .yaml")
        .stdout_has("changes/2025/notes.txt: not a record file: change records are changes/YYYY/<change id>.yaml");
    assert!(!run.stdout.contains(".gitkeep"), "{}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 6, "{}", run.stdout);

    let json = repo.rel(&["--json", "check"]).code(1).json();
    assert_eq!(json["ok"], false);
    let stray = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "changes/2025/notes.txt")
        .unwrap();
    assert!(stray["line"].is_null(), "{stray}");
}

#[test]
fn check_lists_every_file_it_cannot_read_in_every_format() {
    let repo = planned();
    let text = repo.read(FILE);
    repo.write(
        FILE,
        &text.replace("stage: plan\n", "stage: plan\ncolour: red\n"),
    );
    repo.write(
        "changes/2025/CHG-2025-0892.yaml",
        &repo
            .read("changes/2025/CHG-2025-0892.yaml")
            .replace("status: approved", "status: [approved"),
    );
    // A finding besides the two unreadable files.
    repo.write("releases/2025/3/x.yaml", "x: 1\n");
    let colour = line_of(&repo, "colour: red");
    let run = repo
        .rel(&["check"])
        .code(3)
        .stderr_has(&format!(
            "error: {FILE}: line {colour} column 1: unknown field `colour`"
        ))
        .stderr_has("error: changes/2025/CHG-2025-0892.yaml: line ")
        .stdout_has("releases/2025/3/x.yaml: not a record file");
    assert!(
        run.stderr.contains("2 file(s) cannot be read"),
        "{}",
        run.stderr
    );

    repo.rel(&["check", "--format", "github"])
        .code(3)
        .stdout_has(&format!(
            "::error file={FILE},line={colour}::column 1: unknown field `colour`"
        ))
        .stdout_has("::error file=changes/2025/CHG-2025-0892.yaml,line=")
        .stdout_has("::error file=releases/2025/3/x.yaml::not a record file");

    let json = repo.rel(&["--json", "check"]).code(3).json();
    assert_eq!(json["ok"], false);
    let files: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.contains(&FILE), "{json}");
    assert!(files.contains(&"changes/2025/CHG-2025-0892.yaml"), "{json}");
    assert!(files.contains(&"releases/2025/3/x.yaml"), "{json}");
}

#[test]
fn github_annotations_name_files_from_the_top_of_the_work_tree() {
    let mut repo = Repo::bare();
    repo.rel(&["init", "records"]).ok();
    let root = ["--root", "records"];
    let with_root = |args: &[&'static str]| -> Vec<&'static str> {
        let mut v = root.to_vec();
        v.extend_from_slice(args);
        v
    };
    repo.at("2025-03-01T09:05:00+00:00");
    repo.rel(&with_root(&[
        "change",
        "add",
        "CHG-2025-0892",
        "--title",
        "Ledger export",
        "--service",
        "finance",
        "--status",
        "approved",
        "--owner",
        "dev@example.com",
        "--target",
        "2025-03-15",
        "--ready",
    ]))
    .ok();
    repo.at("2025-03-03T10:00:00+00:00");
    repo.rel(&with_root(&[
        "plan",
        "--service",
        "finance",
        "--type",
        "minor",
        "--target",
        "2025-03-15 20:00",
        "--change",
        "CHG-2025-0892",
    ]))
    .ok();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    let file = format!("records/{FILE}");
    let text = repo.read(&file).replace("stage: plan", "stage: test");
    repo.write(&file, &text);
    repo.git(&["commit", "-qam", "Move the release on"]);
    let line = text.lines().position(|l| l == "stage: test").unwrap() + 1;
    repo.rel(&with_root(&[
        "check", "--base", "main", "--format", "github",
    ]))
    .code(1)
    .stdout_has(&format!(
        "::error file={file},line={line}::stage moved plan -> test"
    ));
    // Human output and JSON stay relative to the records root.
    repo.rel(&with_root(&["check", "--base", "main"]))
        .code(1)
        .stdout_has(&format!("{FILE}:{line}: stage moved plan -> test"));
    repo.write("records/releases/2025/3/x.yaml", "x: 1\n");
    repo.rel(&with_root(&["check", "--format", "github"]))
        .code(1)
        .stdout_has("::error file=records/releases/2025/3/x.yaml::not a record file");
}

#[test]
fn approval_findings_point_at_the_approval_entry() {
    let repo = planned();
    // The planner records a definition approval for himself, by hand.
    let text = repo.read(FILE) + &approval_entry(RM, "2025-03-03T10:00:00Z");
    repo.commit_file(FILE, &text);
    let by = text
        .lines()
        .position(|l| l == "  by: Riley Manager <rm@example.com>")
        .unwrap()
        + 1;
    assert_ne!(by, line_of(&repo, "planned_by:"));
    repo.rel(&["check"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{by}: approvals: definition approval as service-owner: "
        ))
        .stdout_has(&format!(
            "{FILE}:{by}: approvals: Riley Manager <rm@example.com> planned the release and may not approve its definition"
        ));
}

#[test]
fn a_change_in_two_releases_is_a_finding_on_the_one_that_took_it() {
    let mut repo = planned();
    repo.change("CHG-2025-0893", "finance", "2025-03-22");
    repo.at("2025-03-03T11:00:00+00:00");
    let second = repo.plan(
        "finance",
        "minor",
        "2025-03-22 20:00",
        &["CHG-2025-0893"],
        &[],
    );
    assert_eq!(second, "REL-2025-03-002");
    // The first release takes the second's change by hand.
    let text = repo
        .read(FILE)
        .replace("- CHG-2025-0892\n", "- CHG-2025-0892\n- CHG-2025-0893\n");
    repo.commit_file(FILE, &text);
    let taken = line_of(&repo, "- CHG-2025-0893");
    let run = repo
        .rel(&["check"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{taken}: changes: CHG-2025-0893 is in several releases: REL-2025-03-001, REL-2025-03-002"
        ))
        .stdout_has(&format!(
            "{FILE}:{taken}: changes: CHG-2025-0893 is held by REL-2025-03-002 according to its change reference"
        ));
    assert!(
        !run.stdout.contains("REL-2025-03-002.yaml"),
        "the legitimate holder has no finding:\n{}",
        run.stdout
    );
}
