//! Test fixtures: a temporary git repository holding a records root.

use super::Repo;
use std::path::{Path, PathBuf};

/// The smallest policy that validates: the defaults name these roles.
pub const POLICY: &str = "\
timezone: Europe/London
roles:
  cab: [ana@example.com]
  release-manager: [ana@example.com]
  emergency-cab: [ana@example.com]
";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub git: git2::Repository,
}

impl Fixture {
    /// A git repository whose work tree top is the records root.
    pub fn new() -> Fixture {
        Fixture::with_root("")
    }

    /// A git repository with the records root at `sub` inside the work tree.
    pub fn with_root(sub: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let git = git2::Repository::init(dir.path()).unwrap();
        {
            let mut config = git.config().unwrap();
            config.set_str("user.name", "Ana Admin").unwrap();
            config.set_str("user.email", "ana@example.com").unwrap();
            config.set_bool("commit.gpgsign", false).unwrap();
        }
        let fixture = Fixture { dir, git };
        fixture.put(&Path::new(sub).join("policy.yaml"), POLICY);
        fixture.commit_all("init");
        fixture
    }

    pub fn top(&self) -> PathBuf {
        std::fs::canonicalize(self.dir.path()).unwrap()
    }

    /// Writes a file of the work tree (path relative to its top).
    pub fn put(&self, path: &Path, text: &str) {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(path)).unwrap()
    }

    /// Stages every file and commits, as a person would with git.
    pub fn commit_all(&self, message: &str) -> git2::Oid {
        let mut index = self.git.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        self.commit_index(message)
    }

    /// Commits the index as it is.
    pub fn commit_index(&self, message: &str) -> git2::Oid {
        let mut index = self.git.index().unwrap();
        let tree = self.git.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("Bo Builder", "bo@example.com").unwrap();
        let parent = self.git.head().ok().map(|h| h.peel_to_commit().unwrap());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.git
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    pub fn stage(&self, path: &str) {
        let mut index = self.git.index().unwrap();
        index.add_path(Path::new(path)).unwrap();
        index.write().unwrap();
    }

    pub fn head(&self) -> git2::Oid {
        self.git.head().unwrap().target().unwrap()
    }

    pub fn repo(&self) -> Repo {
        Repo::discover(None, self.dir.path()).unwrap()
    }

    /// The repository opened from a folder inside it.
    pub fn repo_from(&self, sub: &str) -> Repo {
        Repo::discover(None, &self.dir.path().join(sub)).unwrap()
    }
}

pub fn change_yaml(id: &str) -> String {
    format!(
        "id: {id}\ntitle: Fix rounding\nservice: payments\nstatus: approved\nowner: Ana <ana@example.com>\ntarget: 2025-03-15\n"
    )
}
