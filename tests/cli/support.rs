//! The test harness: a temporary records repository with an isolated git
//! environment, driven through the real `rel` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const RM: (&str, &str) = ("Riley Manager", "rm@example.com");
pub const OWNER: (&str, &str) = ("Frances Owner", "fo@example.com");
pub const DEPUTY: (&str, &str) = ("Dee Deputy", "deputy@example.com");
pub const CAB: (&str, &str) = ("Cab One", "cab1@example.com");
pub const ECAB: (&str, &str) = ("Emer Cab", "ecab@example.com");
pub const STRANGER: (&str, &str) = ("Sam Stranger", "sam@example.com");

/// A scratch records repository (`rel init` already run and committed).
pub struct Repo {
    pub dir: tempfile::TempDir,
    pub home: tempfile::TempDir,
    /// `REL_NOW` for the next commands.
    pub now: String,
    pub who: (&'static str, &'static str),
}

/// What a command did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `text` with every run of whitespace (a line wrapped to the width, the
/// hanging indent under it) read as one space: what a needle is looked for
/// in when it is not found as printed.
pub fn unwrapped(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Run {
        assert!(
            self.stdout.contains(needle) || unwrapped(&self.stdout).contains(&unwrapped(needle)),
            "stdout lacks {needle:?}:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Run {
        assert!(
            self.stderr.contains(needle) || unwrapped(&self.stderr).contains(&unwrapped(needle)),
            "stderr lacks {needle:?}:\n{}\nstdout:\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

/// A snapshot of the repository: HEAD and every file's bytes (outside
/// `.git`), to prove a refused command changed nothing.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    head: String,
    files: Vec<(PathBuf, Vec<u8>)>,
    status: String,
}

impl Repo {
    /// `rel init` in a new temporary folder, with the example policy.
    pub fn new() -> Repo {
        let repo = Repo::bare();
        repo.rel(&["init", "."]).ok();
        repo
    }

    /// An empty folder with an isolated git environment and no records.
    pub fn bare() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let repo = Repo {
            dir,
            home,
            now: "2025-03-01T09:00:00+00:00".to_string(),
            who: RM,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn at(&mut self, now: &str) -> &mut Repo {
        self.now = now.to_string();
        self
    }

    pub fn by(&mut self, who: (&'static str, &'static str)) -> &mut Repo {
        self.who = who;
        self
    }

    fn env(&self, cmd: &mut Command) {
        let (name, email) = self.who;
        cmd.current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.path().join("gitconfig"))
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_AUTHOR_DATE", &self.now)
            .env("GIT_COMMITTER_DATE", &self.now)
            .env("REL_NOW", &self.now)
            .env("NO_COLOR", "1");
    }

    /// Runs `git` in the repository; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        self.env(&mut cmd);
        let out = cmd.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Runs `rel` as the current person at the current time. The identity
    /// is set in the repository's git config first (rel reads `user.name`
    /// and `user.email` from there).
    pub fn rel(&self, args: &[&str]) -> Run {
        let (name, email) = self.who;
        if self.path().join(".git").exists() {
            self.git(&["config", "user.name", name]);
            self.git(&["config", "user.email", email]);
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rel"));
        self.env(&mut cmd);
        let out: Output = cmd.args(args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    pub fn write(&self, rel_path: &str, text: &str) {
        let p = self.path().join(rel_path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel_path: &str) -> String {
        std::fs::read_to_string(self.path().join(rel_path)).unwrap()
    }

    /// Writes a file and commits it by hand (for policy and calendar edits).
    pub fn commit_file(&self, rel_path: &str, text: &str) {
        self.write(rel_path, text);
        self.git(&["add", rel_path]);
        self.git(&["commit", "-q", "-m", &format!("edit {rel_path}")]);
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Edits `file` by hand and commits it with plain git as the current
    /// person, as a reviewer would see a hand edit; the new commit's id.
    pub fn hand_commit(
        &self,
        file: &str,
        edit: impl FnOnce(String) -> String,
        message: &str,
    ) -> String {
        let text = edit(self.read(file));
        self.write(file, &text);
        self.git(&["add", file]);
        self.git(&["commit", "-q", "-m", message]);
        self.head()
    }

    /// The 1-based line of the first line of `file` containing `needle`.
    #[track_caller]
    pub fn line_of(&self, file: &str, needle: &str) -> usize {
        self.read(file)
            .lines()
            .position(|l| l.contains(needle))
            .expect("needle in file")
            + 1
    }

    pub fn commit_count(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut files = vec![];
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let p = e.path();
                if p.file_name().is_some_and(|n| n == ".git") {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push((
                        p.strip_prefix(self.path()).unwrap().to_path_buf(),
                        std::fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        files.sort();
        Snapshot {
            head: self.head(),
            files,
            status: self.git(&["status", "--porcelain"]),
        }
    }

    /// Runs a command expected to be refused with `code`, and asserts that
    /// no file changed and no commit was made.
    #[track_caller]
    pub fn refused(&self, code: i32, args: &[&str]) -> Run {
        let before = self.snapshot();
        let run = self.rel(args).code(code);
        let after = self.snapshot();
        assert!(
            before == after,
            "a refused command changed the repository: rel {args:?}"
        );
        run
    }

    /// Adds an approved, ready change for `service` targeting `target`.
    pub fn change(&self, id: &str, service: &str, target: &str) {
        self.rel(&[
            "change",
            "add",
            id,
            "--title",
            &format!("Change {id}"),
            "--service",
            service,
            "--status",
            "approved",
            "--owner",
            "dev@example.com",
            "--target",
            target,
            "--ready",
        ])
        .ok();
    }

    /// Plans a release and returns its id. `extra` is appended to the
    /// arguments.
    pub fn plan(
        &self,
        service: &str,
        kind: &str,
        target: &str,
        changes: &[&str],
        extra: &[&str],
    ) -> String {
        let mut args = vec![
            "plan",
            "--service",
            service,
            "--type",
            kind,
            "--target",
            target,
        ];
        for c in changes {
            args.push("--change");
            args.push(c);
        }
        args.extend_from_slice(extra);
        // A complete release definition (SPEC 3.3) unless the test gives
        // its own parts.
        let version = if service == "infrastructure" {
            target[..10].replace('-', ".")
        } else {
            "1.0.0".to_string()
        };
        let defaults: [(&str, &str); 6] = [
            ("--version", &version),
            ("--rationale", "Enhancements and fixes"),
            ("--risk", "Low: reversible changes"),
            ("--resource", "test environment"),
            ("--rollback-window", "2h"),
            ("--rollback-procedure", "runbook section 7"),
        ];
        for (flag, value) in defaults {
            if !extra.contains(&flag) {
                args.push(flag);
                args.push(value);
            }
        }
        if kind == "emergency" && !extra.contains(&"--incident") {
            args.push("--incident");
            args.push("INC-1");
        }
        let run = self.rel(&args).ok();
        run.stdout.lines().next().unwrap().trim().to_string()
    }
}

impl Repo {
    /// The `rel` command as `rel()` would run it (same environment and
    /// identity), without running it: for starting several at once.
    pub fn command(&self, args: &[&str]) -> Command {
        let (name, email) = self.who;
        self.git(&["config", "user.name", name]);
        self.git(&["config", "user.email", email]);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rel"));
        self.env(&mut cmd);
        cmd.args(args);
        cmd
    }
}

/// `text` with every commit id, full or abbreviated (a run of 7 to 40 hex
/// digits holding a digit and a letter), replaced by `<commit>`: snapshots
/// show what a command says, not hashes that change with any byte of a
/// record's format.
pub fn redact_commit_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let hex = (7..=40).contains(&word.len())
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            && word.chars().any(|c| c.is_ascii_digit())
            && word.chars().any(|c| c.is_ascii_alphabetic());
        out.push_str(if hex { "<commit>" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A service owner's definition approval as a hand edit appends it to a
/// release record without rel (no digest): a forgery for review to find.
pub fn approval_entry(who: (&str, &str), at: &str) -> String {
    format!(
        "approvals:\n- role: service-owner\n  for: definition\n  by: {} <{}>\n  at: \"{at}\"\n",
        who.0, who.1
    )
}
