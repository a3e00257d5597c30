//! Many records in one commit: an import through `rel change import` is one
//! rel commit that `rel audit verify` accepts; the same files committed by
//! hand (a migration from another system) are one hand edit, not one line
//! per file.

use crate::support::Repo;

const HEADER: &str = "id,title,service,status,owner,target,ready\n";

fn csv(from: usize, to: usize) -> String {
    let mut out = HEADER.to_string();
    for n in from..=to {
        out.push_str(&format!(
            "CHG-2025-{n:04},Imported {n},finance,approved,dev@example.com,2025-03-15,yes\n"
        ));
    }
    out
}

fn change_yaml(n: usize) -> String {
    format!(
        "id: CHG-2025-{n:04}\ntitle: Migrated {n}\nservice: finance\nstatus: approved\nowner: dev@example.com\ntarget: 2025-03-15\nready: true\n"
    )
}

/// Writes changes `from..=to` by hand and commits them in one commit.
fn migrate(repo: &Repo, from: usize, to: usize) -> String {
    for n in from..=to {
        repo.write(
            &format!("changes/2025/CHG-2025-{n:04}.yaml"),
            &change_yaml(n),
        );
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Migrate changes from the old tracker"]);
    repo.head()
}

#[test]
fn a_bulk_import_through_rel_is_one_verified_rel_commit() {
    let repo = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, csv(1, 500)).unwrap();
    let n = repo.commit_count();
    repo.rel(&["change", "import", file.to_str().unwrap()]).ok();
    assert_eq!(repo.commit_count(), n + 1);
    let run = repo
        .rel(&["audit", "verify"])
        .ok()
        .stdout_has("0 transitions verified, 2 rel commits, 0 hand edits, 0 findings");
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
}

#[test]
fn a_bulk_hand_commit_is_one_hand_edit_with_its_count_and_a_sample() {
    let repo = Repo::new();
    let commit = migrate(&repo, 1, 500);
    let run = repo.rel(&["audit", "verify"]).code(1);
    assert_eq!(
        run.stdout.matches("hand edit:").count(),
        1,
        "{}",
        run.stdout
    );
    insta::assert_snapshot!(run.stdout.replace(&commit, "<commit>"), @r#"
    hand edit: <commit> changes/2025/: 500 records edited in one commit: 500 x change record created by hand (status approved, ready); e.g. changes/2025/CHG-2025-0001.yaml, changes/2025/CHG-2025-0002.yaml, changes/2025/CHG-2025-0003.yaml, ... (Riley Manager <rm@example.com>, "Migrate changes from the old tracker")
    0 transitions verified, 1 rel commits, 1 hand edits, 0 findings
    "#);
    let json = repo.rel(&["--json", "audit", "verify"]).code(1).json();
    assert_eq!(json["ok"], false);
    let edits = json["hand_edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["commit"], commit.as_str());
    assert_eq!(edits[0]["file"], "changes/2025/");
    assert_eq!(edits[0]["files"], 500);
    assert_eq!(
        edits[0]["sample"],
        serde_json::json!([
            "changes/2025/CHG-2025-0001.yaml",
            "changes/2025/CHG-2025-0002.yaml",
            "changes/2025/CHG-2025-0003.yaml"
        ])
    );
    // Reading is all audit does.
    let after = repo.snapshot();
    repo.rel(&["audit", "verify"]).code(1);
    assert_eq!(repo.snapshot(), after);
}

#[test]
fn up_to_twenty_hand_edits_in_one_commit_are_each_named() {
    let repo = Repo::new();
    let twenty = migrate(&repo, 1, 20);
    let run = repo.rel(&["audit", "verify"]).code(1);
    assert_eq!(
        run.stdout.matches("hand edit:").count(),
        20,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!(
        "hand edit: {twenty} changes/2025/CHG-2025-0020.yaml: change record created by hand (status approved, ready)"
    )));
    // One more file in a commit of its own makes 21 in the history, but
    // no commit has more than twenty.
    migrate(&repo, 21, 21);
    let run = repo.rel(&["audit", "verify"]).code(1);
    assert_eq!(run.stdout.matches("hand edit:").count(), 21);
    // Twenty-one in one commit are one bulk edit.
    let repo = Repo::new();
    let bulk = migrate(&repo, 1, 21);
    repo.rel(&["audit", "verify"])
        .code(1)
        .stdout_has(&format!(
            "hand edit: {bulk} changes/2025/: 21 records edited in one commit: 21 x change record created by hand (status approved, ready); e.g. changes/2025/CHG-2025-0001.yaml, changes/2025/CHG-2025-0002.yaml, changes/2025/CHG-2025-0003.yaml, ..."
        ))
        .stdout_has("0 transitions verified, 1 rel commits, 1 hand edits, 0 findings");
}

#[test]
fn a_bulk_import_leaves_a_clean_work_tree_and_index_and_its_objects_in_one_pack() {
    let repo = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, csv(1, 400)).unwrap();
    let loose_before = loose_objects(&repo);
    repo.rel(&["change", "import", file.to_str().unwrap()])
        .ok()
        .stdout_has("400 added, 0 updated, 0 unchanged, 0 skipped");
    // The work tree and the index hold exactly the commit.
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only", "HEAD"]),
        "",
        "the index differs from HEAD"
    );
    let files = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.lines().count(), 400, "{files}");
    assert_eq!(
        repo.read("changes/2025/CHG-2025-0400.yaml"),
        repo.git(&["show", "HEAD:changes/2025/CHG-2025-0400.yaml"])
    );
    repo.git(&["fsck", "--strict"]);
    // 400 blobs and their folders' trees are packed, not loose: only the
    // commit object is written loose.
    let counts = repo.git(&["count-objects", "-v"]);
    let in_pack: usize = counts
        .lines()
        .find_map(|l| l.strip_prefix("in-pack: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(in_pack >= 403, "{counts}");
    assert_eq!(loose_objects(&repo), loose_before + 1, "{counts}");
    repo.rel(&["check"]).ok();

    // Importing again: the rows that changed are updated (in a second
    // bulk commit), the others are left alone.
    let mut again = csv(1, 400);
    again = again.replace("Imported 7,", "Renamed 7,");
    again = again.replace(
        "CHG-2025-0300,Imported 300,finance,approved",
        "CHG-2025-0300,Imported 300,finance,implemented",
    );
    std::fs::write(&file, again).unwrap();
    let n = repo.commit_count();
    repo.rel(&["change", "import", file.to_str().unwrap()])
        .ok()
        .stdout_has("0 added, 2 updated, 398 unchanged, 0 skipped");
    assert_eq!(repo.commit_count(), n + 1);
    let files = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(
        files.lines().collect::<Vec<_>>(),
        [
            "changes/2025/CHG-2025-0007.yaml",
            "changes/2025/CHG-2025-0300.yaml"
        ]
    );
    assert!(
        repo.read("changes/2025/CHG-2025-0007.yaml")
            .contains("title: Renamed 7")
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_bulk_import_over_a_record_edited_by_hand_is_refused_and_writes_nothing() {
    let repo = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, csv(1, 300)).unwrap();
    repo.rel(&["change", "import", file.to_str().unwrap()]).ok();
    // An uncommitted edit of one of 300 records.
    let edited = repo.read("changes/2025/CHG-2025-0150.yaml") + "risk: edited by hand\n";
    repo.write("changes/2025/CHG-2025-0150.yaml", &edited);
    std::fs::write(&file, csv(1, 300).replace("Imported", "Renamed")).unwrap();
    let run = repo.refused(3, &["change", "import", file.to_str().unwrap()]);
    assert!(
        run.stderr.contains("changes/2025/CHG-2025-0150.yaml"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.read("changes/2025/CHG-2025-0150.yaml"), edited);
}

/// Loose objects in the repository's object store.
fn loose_objects(repo: &Repo) -> usize {
    let counts = repo.git(&["count-objects", "-v"]);
    counts
        .lines()
        .find_map(|l| l.strip_prefix("count: "))
        .unwrap()
        .parse()
        .unwrap()
}
