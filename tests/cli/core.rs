//! Records repository, changes, planning, gates, transitions, git.

use crate::support::*;

#[test]
fn init_creates_the_layout_in_one_commit() {
    let repo = Repo::new();
    assert!(repo.path().join("policy.yaml").is_file());
    assert!(repo.path().join("calendars/standard.yaml").is_file());
    assert_eq!(repo.commit_count(), 1);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}
