//! Review and CI: `rel check --base` on pull-request branches, `rel audit
//! verify`, `rel log` filters, schemas, completions and the man page.

use crate::support::*;

const REL: &str = "REL-2025-03-001";
const FILE: &str = "releases/2025/03/REL-2025-03-001.yaml";

/// A records repository with one finance release planned on `main`
/// (window Sat 15 March 2025 20:00).
/// The audiences of a high-impact release in the example policy.
const AUDIENCES: [&str; 3] = ["all-users", "leadership", "partners"];

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

#[test]
fn a_stage_skipped_by_a_hand_edit_is_a_finding_in_every_format() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    let commit = repo.hand_commit(
        FILE,
        |t| t.replace("stage: plan", "stage: test"),
        "Move the release on",
    );
    let line = repo.line_of(FILE, "stage:");
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
    repo.hand_commit(
        FILE,
        |t| t + &approval_entry(OWNER, at),
        "Record the owner's approval",
    );
    let line = repo.line_of(FILE, "by: Frances Owner");
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
    repo.hand_commit(
        FILE,
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
    repo.hand_commit(
        FILE,
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
    repo.hand_commit(
        FILE,
        |t| t + &approval_entry(OWNER, "2025-03-04T09:00:00Z"),
        "Approve the definition",
    );
    let line = repo.line_of(FILE, "at: \"2025-03-04T09:00:00Z\"");
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
    repo.hand_commit(
        FILE,
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
    // Sent on Monday, recorded on Friday: not back-dating.
    repo.at("2025-03-07T11:30:00+00:00");
    repo.rel(&[
        "notify",
        REL,
        "--audience",
        "all-users",
        "--sent-at",
        "2025-03-03 11:00",
    ])
    .ok();
    assert!(
        repo.read(FILE)
            .contains("recorded_at: \"2025-03-07T11:30:00Z\"")
    );
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
    repo.hand_commit(FILE, |t| t + "stage: [\n", "Break the record");
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
    let line = repo.line_of(FILE, "stage:");
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
    // Signed and required: the summary no longer says identities are
    // unverified.
    let run = repo.rel(&["check", "--base", "main"]).ok();
    assert!(
        !run.stderr.contains("identities are unverified"),
        "{}",
        run.stderr
    );
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
        repo.rel(&["notify", REL, "--audience", AUDIENCES[i % 3]])
            .ok();
    }
    repo.at("2025-03-06T09:00:00+00:00");
    let edit = repo.hand_commit(
        FILE,
        |t| t.replace("stage: build", "stage: test"),
        "Build done",
    );
    for i in 0..20 {
        let now = format!("2025-03-06T10:{:02}:00+00:00", i);
        repo.at(&now);
        repo.rel(&["notify", REL, "--audience", AUDIENCES[i % 3]])
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
        // Judged as `check --base` judges it: the skipped stage, a release
        // created past plan, and another's approval copied into it.
        .stdout_has(&format!(
            "finding: {commit} {FILE}: stage moved plan -> test in commit {}: skipping build",
            &commit[..10]
        ))
        .stdout_has("REL-2025-03-002.yaml: release created in stage test")
        .stdout_has("only the approver records an approval")
        .stdout_has("0 transitions verified, 5 rel commits, 0 hand edits, 6 findings");
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
    repo.rel(&["man"])
        .ok()
        .stdout_has(".TH")
        .stdout_has("rel")
        .stdout_has(".SH \"EXIT STATUS\"")
        .stdout_has(".SH ENVIRONMENT")
        .stdout_has("REL_NOW")
        .stdout_has("NO_COLOR");
    // Every page the top page refers to is written by `rel man --out`.
    let top = repo.rel(&["man"]).ok().stdout;
    repo.rel(&["man", "--out", "pages"])
        .ok()
        .stdout_has("rel-change-add.1");
    let written = |name: &str| repo.path().join("pages").join(name).is_file();
    assert!(written("rel.1") && written("rel-check.1") && written("rel-audit-verify.1"));
    let mut referred = 0;
    for word in top.split(|c: char| c.is_whitespace() || c == '"') {
        let word = word
            .replace("\\fB", "")
            .replace("\\fR", "")
            .replace("\\-", "-");
        if let Some(name) = word.strip_suffix("(1)")
            && name.starts_with("rel-")
        {
            referred += 1;
            assert!(
                written(&format!("{name}.1")),
                "{name}(1) is referred to but not written"
            );
        }
    }
    assert!(referred > 20, "{referred}");
    // --format lists its values in help and completions.
    repo.rel(&["check", "--help"])
        .ok()
        .stdout_has("human")
        .stdout_has("github");
    repo.rel(&["completions", "bash"])
        .ok()
        .stdout_has("human github");
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
    let colour = repo.line_of(FILE, "colour: red");
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
    assert_ne!(by, repo.line_of(FILE, "planned_by:"));
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
    let taken = repo.line_of(FILE, "- CHG-2025-0893");
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

// ---------------------------------------------------------------------------
// `rel check --base`: the rules of the base, merges, rebases, signatures,
// hand edits, history that was broken for a while

fn short(commit: &str) -> String {
    commit.chars().take(10).collect()
}

#[test]
fn a_branch_is_judged_by_the_policy_it_is_merged_into() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    // The branch makes Sam an owner of finance, then uses it.
    repo.at("2025-03-04T08:00:00+00:00");
    let policy = repo.read("policy.yaml").replace(
        "owners: [fo@example.com]",
        "owners: [fo@example.com, sam@example.com]",
    );
    repo.commit_file("policy.yaml", &policy);
    repo.at("2025-03-04T09:00:00+00:00").by(STRANGER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.rel(&["promote", REL]).ok();
    let by = repo.line_of(FILE, "by: Sam Stranger");
    let stage = repo.line_of(FILE, "stage:");
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{by}: approvals: definition approval as service-owner by Sam Stranger <sam@example.com> is allowed only by this branch's policy.yaml"
        ))
        .stdout_has(&format!(
            "{FILE}:{stage}: stage moved plan -> build in commit "
        ))
        .stdout_has("although gate definition-approved fails")
        .stderr_has("note: policy.yaml: changed on this branch");

    // A branch that only changes the policy is for the reviewers to read:
    // no finding, a note.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "policy-only"]);
    repo.commit_file("policy.yaml", &policy);
    repo.commit_file("calendars/extra.yaml", "holidays: [2025-12-26]\n");
    repo.rel(&["check", "--base", "main"])
        .ok()
        .stderr_has("note: policy.yaml: changed on this branch; its records are judged under the policy of main")
        .stderr_has("note: calendars: changed on this branch");
    repo.rel(&["check", "--base", "main", "--format", "github"])
        .ok()
        .stdout_has("::notice file=policy.yaml::changed on this branch");
    let json = repo.rel(&["--json", "check", "--base", "main"]).ok().json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["notes"][0]["file"], "calendars");
    assert_eq!(json["notes"][1]["file"], "policy.yaml");
}

/// `approved()`, promoted to build and its build recorded, on main.
fn built() -> Repo {
    let mut repo = approved();
    repo.at("2025-03-05T09:00:00+00:00");
    repo.rel(&["promote", REL]).ok();
    repo.at("2025-03-07T11:00:00+00:00");
    repo.rel(&["record", REL, "build", "--verification", "passed"])
        .ok();
    repo
}

#[test]
fn merging_main_into_a_branch_is_clean() {
    let mut repo = built();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-07T11:30:00+00:00");
    repo.rel(&["notify", REL, "--audience", "all-users"]).ok();
    // Meanwhile main moves the same release on.
    repo.git(&["checkout", "-q", "main"]);
    repo.at("2025-03-07T12:00:00+00:00");
    repo.rel(&["promote", REL, "--to", "test"]).ok();
    // "Update branch": main merged into the branch, a day later.
    repo.git(&["checkout", "-q", "pr"]);
    repo.at("2025-03-08T09:00:00+00:00");
    repo.git(&["merge", "-q", "--no-edit", "main"]);
    assert!(repo.read(FILE).contains("stage: test"));
    assert!(repo.read(FILE).contains("audience: all-users"));
    repo.at("2025-03-08T10:00:00+00:00");
    repo.rel(&[
        "record",
        REL,
        "test",
        "--category",
        "smoke",
        "--passed",
        "5",
        "--failed",
        "0",
    ])
    .ok();
    repo.rel(&["check", "--base", "main"]).ok();
    repo.rel(&["audit", "verify"]).ok();

    // A merge that settles both sides by hand is still judged: here it
    // drops the branch's notification and invents a stage.
    repo.git(&["checkout", "-q", "-b", "bad-merge", "pr~2"]);
    repo.at("2025-03-08T11:00:00+00:00");
    repo.git(&["merge", "-q", "--no-commit", "main"]);
    let text = repo.read(FILE);
    let text = text[..text.find("notifications:").unwrap()].replace("stage: test", "stage: stage");
    repo.write(FILE, &text);
    repo.git(&["add", FILE]);
    repo.git(&["commit", "-q", "--no-edit"]);
    let merge = short(&repo.head());
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "notifications: notification to all-users by Riley Manager <rm@example.com> was dropped by merge commit {merge}"
        ))
        .stdout_has(&format!("stage stage in merge commit {merge} is neither side's"));
}

#[test]
fn a_pull_request_merge_commit_is_clean() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    // Main changes the same record elsewhere (its title, while in plan).
    repo.git(&["checkout", "-q", "main"]);
    repo.at("2025-03-04T10:00:00+00:00").by(RM);
    repo.hand_commit(
        FILE,
        |t| t.replace("title: ", "title: Finance "),
        "Clearer title",
    );
    // refs/pull/N/merge: GitHub's merge of the head into main, made later.
    repo.at("2025-03-06T09:00:00+00:00")
        .by(("GitHub", "noreply@github.com"));
    repo.git(&["checkout", "-q", "--detach", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge pr into main", "pr"]);
    let text = repo.read(FILE);
    assert!(text.contains("title: Finance ") && text.contains("by: Frances Owner"));
    repo.rel(&["check", "--base", "main"]).ok();
    repo.rel(&["check", "--base", "main", "--format", "github"])
        .ok();
}

#[test]
fn a_rebased_branch_is_clean() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.rel(&["promote", REL]).ok();
    repo.at("2025-03-07T11:00:00+00:00");
    repo.rel(&["record", REL, "build", "--verification", "passed"])
        .ok();
    repo.git(&["checkout", "-q", "main"]);
    repo.at("2025-03-06T09:00:00+00:00");
    repo.change("CHG-2025-0893", "finance", "2025-03-22");
    // Rebased two days later: every committer date is the 9th.
    repo.git(&["checkout", "-q", "pr"]);
    repo.at("2025-03-09T09:00:00+00:00");
    repo.git(&["rebase", "-q", "main"]);
    assert!(
        repo.git(&["log", "-1", "--format=%cI"])
            .starts_with("2025-03-09T09:00:00"),
    );
    repo.rel(&["check", "--base", "main"]).ok();
    // Merged by fast-forward ("rebase and merge"): main's history stays
    // clean to `audit verify`, which judges every commit.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--ff-only", "pr"]);
    repo.rel(&["audit", "verify"]).ok();
}

/// A new ed25519 key pair in `dir`: (private key path, public key line).
fn ssh_key(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, String) {
    let key = dir.join(name);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_string())
}

/// Signing with ssh keys: `allowed` is the allowed-signers file's text
/// (`None`: no such file configured).
fn sign_with_ssh(repo: &Repo, keys: &std::path::Path, allowed: Option<&str>) {
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&["config", "commit.gpgsign", "true"]);
    if let Some(text) = allowed {
        let file = keys.join("allowed");
        std::fs::write(&file, text).unwrap();
        repo.git(&[
            "config",
            "gpg.ssh.allowedSignersFile",
            file.to_str().unwrap(),
        ]);
    }
}

fn signing_key(repo: &Repo, key: &std::path::Path) {
    repo.git(&["config", "user.signingkey", key.to_str().unwrap()]);
}

fn require_signed(repo: &Repo) {
    let policy = repo
        .read("policy.yaml")
        .replace("require_signed: false", "require_signed: true");
    repo.commit_file("policy.yaml", &policy);
}

#[test]
fn a_signature_must_be_the_authors_own() {
    if !ssh_keygen_available() {
        eprintln!("ssh-keygen not available; skipped");
        return;
    }
    let mut repo = planned();
    require_signed(&repo);
    let keys = tempfile::tempdir().unwrap();
    let (fo_key, fo_pub) = ssh_key(keys.path(), "fo");
    let (rm_key, rm_pub) = ssh_key(keys.path(), "rm");
    sign_with_ssh(
        &repo,
        keys.path(),
        Some(&format!(
            "fo@example.com {fo_pub}\nrm@example.com {rm_pub}\n"
        )),
    );

    // The owner's approval, signed with the release manager's key.
    repo.git(&["checkout", "-q", "-b", "forged"]);
    signing_key(&repo, &rm_key);
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    let commit = short(&repo.head());
    // The approval entry starts on the line after `approvals:`.
    let entry = repo.line_of(FILE, "approvals:") + 1;
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{entry}: commit {commit} (recording definition approval as service-owner by Frances Owner <fo@example.com>) is signed by rm@example.com, not by its author fo@example.com"
        ));

    // Each signs with their own key: clean.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "honest"]);
    signing_key(&repo, &fo_key);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    signing_key(&repo, &rm_key);
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    repo.rel(&["promote", REL]).ok();
    repo.rel(&["check", "--base", "main"]).ok();
}

#[test]
fn an_ssh_signature_git_cannot_check_is_unverified_not_bad() {
    if !ssh_keygen_available() {
        eprintln!("ssh-keygen not available; skipped");
        return;
    }
    let mut repo = approved();
    require_signed(&repo);
    let keys = tempfile::tempdir().unwrap();
    let (_, fo_pub) = ssh_key(keys.path(), "fo");
    let (rm_key, _) = ssh_key(keys.path(), "rm");
    // Only the owner's key is trusted: no principal matches the manager's.
    sign_with_ssh(
        &repo,
        keys.path(),
        Some(&format!("fo@example.com {fo_pub}\n")),
    );
    signing_key(&repo, &rm_key);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    repo.rel(&["promote", REL]).ok();
    let run = repo.rel(&["log", REL]).ok().stdout_has("unverified");
    assert!(!run.stdout.contains("BAD"), "{}", run.stdout);
    let log = repo.rel(&["--json", "log", REL]).ok().json();
    assert_eq!(log[0]["signature"], "unknown");
    let run = repo
        .rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has("has a signature git cannot verify");
    assert!(!run.stdout.contains("bad signature"), "{}", run.stdout);

    // No allowed-signers file at all: unverified too.
    repo.git(&["config", "--unset", "gpg.ssh.allowedSignersFile"]);
    let run = repo.rel(&["log", REL]).ok().stdout_has("unverified");
    assert!(!run.stdout.contains("BAD"), "{}", run.stdout);
}

#[test]
fn a_hand_edit_of_the_definition_after_plan_is_a_finding() {
    let mut repo = built();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-08T09:00:00+00:00");
    // A Friday evening, outside every maintenance window; and a new version.
    let commit = repo.hand_commit(
        FILE,
        |t| {
            t.replace("2025-03-15T20:00:00Z", "2025-03-14T20:00:00Z")
                .replace("version: \"2.4.0\"", "version: \"2.5.0\"")
        },
        "Move the window",
    );
    let c = short(&commit);
    let start = repo.line_of(FILE, "start: \"2025-03-14T20:00:00Z\"");
    let version = repo.line_of(FILE, "version:");
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{start}: window.start changed (2025-03-15T20:00:00+00:00 -> 2025-03-14T20:00:00+00:00) by a hand edit in commit {c} (rm@example.com) in stage build"
        ))
        .stdout_has(&format!(
            "{FILE}:{version}: version changed (2.4.0 -> 2.5.0) by a hand edit in commit {c}"
        ));
    repo.rel(&["audit", "verify", "--since", "main"])
        .code(1)
        .stdout_has(&format!("hand edit: {commit} {FILE}: window.start 2025-03-15T20:00:00+00:00 -> 2025-03-14T20:00:00+00:00 after plan, version 2.4.0 -> 2.5.0 after plan"));

    // The version corrected with rel, as the command allows until built.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "amended"]);
    repo.rel(&["amend", REL, "--version", "2.4.1"]).ok();
    repo.rel(&["check", "--base", "main"]).ok();
    repo.rel(&["audit", "verify", "--since", "main"]).ok();

    // In plan, the definition may still be edited: the plan -> build gates
    // judge it.
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-03T11:00:00+00:00");
    repo.hand_commit(
        FILE,
        |t| t.replace("2025-03-15T20:00:00Z", "2025-03-15T21:00:00Z"),
        "Start an hour later",
    );
    repo.rel(&["check", "--base", "main"]).ok();
}

const CHANGE_FILE: &str = "changes/2025/CHG-2025-0892.yaml";

#[test]
fn a_hand_edit_of_a_change_reference_is_a_finding() {
    let mut repo = planned();
    repo.rel(&[
        "change",
        "set",
        "CHG-2025-0892",
        "--status",
        "assessing",
        "--not-ready",
    ])
    .ok();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-04T09:00:00+00:00");
    let commit = repo.hand_commit(
        CHANGE_FILE,
        |t| {
            t.replace("status: assessing", "status: approved")
                .replace("ready: false", "ready: true")
        },
        "The change is approved",
    );
    let c = short(&commit);
    let text = repo.read(CHANGE_FILE);
    let status = text.lines().position(|l| l.starts_with("status:")).unwrap() + 1;
    let ready = text.lines().position(|l| l.starts_with("ready:")).unwrap() + 1;
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{CHANGE_FILE}:{status}: status of CHG-2025-0892 changed (assessing -> approved) by a hand edit in commit {c} (rm@example.com); a change reference mirrors the change-management system: use `rel change set`"
        ))
        .stdout_has(&format!(
            "{CHANGE_FILE}:{ready}: ready of CHG-2025-0892 changed (false -> true) by a hand edit"
        ));
    repo.rel(&["audit", "verify", "--since", "main"])
        .code(1)
        .stdout_has(&format!(
            "hand edit: {commit} {CHANGE_FILE}: status assessing -> approved, ready false -> true"
        ));

    // The same with rel: clean.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr2"]);
    repo.rel(&[
        "change",
        "set",
        "CHG-2025-0892",
        "--status",
        "approved",
        "--ready",
    ])
    .ok();
    repo.rel(&["check", "--base", "main"]).ok();
    repo.rel(&["audit", "verify", "--since", "main"]).ok();
}

#[test]
fn a_forged_transition_is_judged_with_its_changes_and_the_base_calendar() {
    let mut repo = approved();
    // On main: the change is taken back to assessment, and the weekend of
    // the window becomes a blackout.
    repo.at("2025-03-04T10:00:00+00:00");
    repo.rel(&["change", "set", "CHG-2025-0892", "--status", "assessing"])
        .ok();
    repo.commit_file(
        "calendars/freeze.yaml",
        "blackouts:\n- name: audit-freeze\n  from: 2025-03-14\n  to: 2025-03-16\n",
    );
    // The base does not let the blackout be waived.
    let base = repo.read("policy.yaml").replace(
        "    - { name: blackout, waivable: true }\n",
        "    - blackout\n",
    );
    repo.commit_file("policy.yaml", &base);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00");
    repo.hand_commit(FILE, |t| t.replace("stage: plan", "stage: build"),
        &format!(
            "{REL}: promote plan -> build\n\nRel-Action: promote\nRel-Release: {REL}\nRel-From: plan\nRel-To: build"
        ),
    );
    let run = repo
        .rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(
            "although gate changes-approved fails: not approved: CHG-2025-0892 is assessing",
        )
        .stdout_has("although gate blackout fails");
    assert!(
        !run.stdout.contains("definition-approved"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_record_broken_for_a_while_is_a_note_not_an_error() {
    let mut repo = planned();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-03T11:00:00+00:00");
    let broken = repo.hand_commit(FILE, |t| t + "stage: [\n", "Break the record");
    let fixed = repo.hand_commit(FILE, |t| t.replace("stage: [\n", ""), "Repair the record");
    repo.at("2025-03-04T09:00:00+00:00").by(OWNER);
    repo.rel(&["approve", REL, "--role", "service-owner"]).ok();
    repo.by(RM);
    repo.rel(&["check", "--base", "main"])
        .ok()
        .stderr_has(&format!(
            "note: {FILE}: not a valid record in commit {} (line ",
            short(&broken)
        ));

    // What happened while it was broken is still judged: the repair moves
    // the stage on.
    repo.git(&["checkout", "-q", "-b", "pr2", &broken]);
    repo.hand_commit(
        FILE,
        |t| {
            t.replace("stage: [\n", "")
                .replace("stage: plan", "stage: build")
        },
        "Repair the record",
    );
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has("stage changed by a hand edit (plan -> build)");

    // audit verify names the file once per line.
    let run = repo.rel(&["audit", "verify", "--since", "main"]).code(1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(&broken))
        .unwrap()
        .to_string();
    assert_eq!(line.matches(FILE).count(), 1, "{line}");
    assert!(line.contains("not a valid record: line "), "{line}");
    let _ = fixed;
}

#[test]
fn branch_findings_point_at_the_entry_concerned() {
    let mut repo = approved();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.at("2025-03-05T09:00:00+00:00").by(RM);
    // The manager writes the owner's acceptance, after her definition
    // approval.
    repo.hand_commit(FILE, |t| {
            t + "- role: service-owner\n  for: acceptance\n  by: Frances Owner <fo@example.com>\n  at: \"2025-03-05T09:00:00Z\"\n"
        },
        "Acceptance",
    );
    let text = repo.read(FILE);
    let second_by = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("by: Frances Owner"))
        .nth(1)
        .unwrap()
        .0
        + 1;
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{second_by}: approvals: acceptance approval as service-owner by Frances Owner <fo@example.com> was added by commit"
        ));

    // Rewriting the second entry is reported on it, not on `approvals:`.
    repo.hand_commit(
        FILE,
        |t| t.replace("for: acceptance", "for: go"),
        "Go, rather",
    );
    let second = repo.line_of(FILE, "for: go") - 1;
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{second}: approvals: entry 2 rewritten by commit"
        ));
}

#[test]
fn log_of_a_release_shows_its_hand_edits_and_takes_date_times() {
    let mut repo = approved();
    repo.at("2025-03-04T15:00:00+00:00");
    let edit = repo.hand_commit(
        FILE,
        |t| t.replace("stage: plan", "stage: build"),
        "Move it on",
    );
    repo.rel(&["log", REL])
        .ok()
        .stdout_has("hand edit: Move it on")
        .stdout_has(&edit[..10]);
    let json = repo.rel(&["--json", "log", REL]).ok().json();
    assert_eq!(json[0]["commit"], edit.as_str());
    assert_eq!(json[0]["hand_edit"], true);
    assert_eq!(json[1]["hand_edit"], false);
    // Trailers are an object.
    assert_eq!(json[1]["trailers"]["Rel-Action"], "approve");
    assert_eq!(json[1]["trailers"]["Rel-Release"], REL);
    // Without an id, the trail is rel's commits.
    let all = repo.rel(&["--json", "log"]).ok().json();
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|e| e["hand_edit"] == false)
    );

    // Date-times as well as dates, in the policy's zone or with an offset.
    let since = repo
        .rel(&["--json", "log", REL, "--since", "2025-03-04 10:00"])
        .ok()
        .json();
    assert_eq!(since.as_array().unwrap().len(), 1, "{since}");
    let until = repo
        .rel(&["--json", "log", REL, "--until", "2025-03-04T09:00:00+00:00"])
        .ok()
        .json();
    assert_eq!(until.as_array().unwrap().len(), 2, "{until}");
    repo.rel(&["log", "--since", "4 March"]).code(2);

    // An unknown release is not an empty trail.
    repo.refused(3, &["log", "REL-2025-03-009"])
        .stderr_has("no release REL-2025-03-009");
}

#[test]
fn a_waiver_only_the_branchs_policy_allows_waives_nothing() {
    let mut repo = approved();
    repo.commit_file(
        "calendars/freeze.yaml",
        "blackouts:\n- name: audit-freeze\n  from: 2025-03-14\n  to: 2025-03-16\n",
    );
    // The base does not let the blackout be waived.
    let base = repo.read("policy.yaml").replace(
        "    - { name: blackout, waivable: true }\n",
        "    - blackout\n",
    );
    repo.commit_file("policy.yaml", &base);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    let policy = repo.read("policy.yaml").replace(
        "    - blackout\n",
        "    - { name: blackout, waivable: true }\n",
    );
    repo.commit_file("policy.yaml", &policy);
    repo.at("2025-03-05T09:00:00+00:00");
    repo.rel(&[
        "promote",
        REL,
        "--waive",
        "blackout",
        "--reason",
        "The board agreed",
    ])
    .ok();
    let gate = repo.line_of(FILE, "gate: blackout");
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has(&format!(
            "{FILE}:{gate}: waivers: waiver of blackout by Riley Manager <rm@example.com> is not allowed by the policy it is merged under: gate blackout is not waivable for -> build"
        ))
        .stdout_has("although gate blackout fails");

    // Nor can a branch lift the blackout from the calendars it is judged by.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr2"]);
    repo.git(&["rm", "-q", "calendars/freeze.yaml"]);
    repo.git(&["commit", "-q", "-m", "No freeze after all"]);
    repo.rel(&["promote", REL]).ok();
    repo.rel(&["check", "--base", "main"])
        .code(1)
        .stdout_has("although gate blackout fails: window falls in blackout audit-freeze")
        .stderr_has("note: calendars: changed on this branch");
}
