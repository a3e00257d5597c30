//! Reading the audit trail back from git history.

use super::Repo;
use crate::error::Result;
use chrono::{DateTime, FixedOffset};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signature {
    None,
    Good,
    Bad,
    Unknown,
}

/// One commit of the audit trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogEntry {
    pub commit: String,
    pub author: String,
    pub email: String,
    pub time: DateTime<FixedOffset>,
    pub subject: String,
    pub trailers: Vec<(String, String)>,
    pub signature: Signature,
}

impl LogEntry {
    pub fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Commits carrying `Rel-*` trailers, newest first; only those for
/// `release` when given.
pub fn log(repo: &Repo, release: Option<&str>) -> Result<Vec<LogEntry>> {
    let git = repo.git();
    let mut walk = git.revwalk()?;
    walk.set_sorting(git2::Sort::TIME)?;
    match walk.push_head() {
        Ok(()) => {}
        // No commits yet: no audit trail yet.
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            return Ok(vec![]);
        }
        Err(e) => return Err(e.into()),
    }
    let mut out = vec![];
    for oid in walk {
        let oid = oid?;
        let commit = git.find_commit(oid)?;
        let message = String::from_utf8_lossy(commit.message_bytes());
        let trailers = trailers(&message);
        if !trailers.iter().any(|(k, _)| k == "Rel-Action") {
            continue;
        }
        if let Some(want) = release
            && !trailers
                .iter()
                .any(|(k, v)| k == "Rel-Release" && v == want)
        {
            continue;
        }
        let author = commit.author();
        out.push(LogEntry {
            commit: oid.to_string(),
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            time: to_datetime(author.when()),
            subject: message
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
            trailers,
            signature: signature(repo, oid),
        });
    }
    Ok(out)
}

pub fn to_datetime(t: git2::Time) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(t.offset_minutes() * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    DateTime::from_timestamp(t.seconds(), 0)
        .unwrap_or_default()
        .with_timezone(&offset)
}

/// `Key: value` lines of the message's last paragraph, when that paragraph
/// is made of nothing else (a body line such as `Note: ...` is not one).
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let paragraphs: Vec<&str> = message
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if paragraphs.len() < 2 {
        return vec![];
    }
    let mut out = vec![];
    for line in paragraphs[paragraphs.len() - 1].lines() {
        let Some((key, value)) = line.split_once(':') else {
            return vec![];
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return vec![];
        }
        out.push((key.to_string(), value.trim().to_string()));
    }
    out
}

/// Whether the commit is signed, and if so whether git (with the user's
/// gpg or ssh setup) accepts the signature. Only signed commits cost a
/// `git verify-commit`.
pub fn signature(repo: &Repo, oid: git2::Oid) -> Signature {
    if repo.git().extract_signature(&oid, None).is_err() {
        return Signature::None;
    }
    let out = std::process::Command::new("git")
        .current_dir(&repo.workdir)
        .args(["verify-commit", "--raw", &oid.to_string()])
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Err(_) => Signature::Unknown,
        Ok(out) if out.status.success() => Signature::Good,
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            // A key rel cannot check is not a forged signature.
            if stderr.contains("[GNUPG:] ERRSIG") || stderr.contains("[GNUPG:] NO_PUBKEY") {
                Signature::Unknown
            } else {
                Signature::Bad
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CommitMessage;
    use crate::store::testing::Fixture;
    use std::path::Path;

    fn promote(repo: &Repo, id: &str, to: &str) -> String {
        let mut tx = repo.begin().unwrap();
        let path = format!("releases/2025/03/{id}.yaml");
        tx.write(Path::new(&path), format!("id: {id}\nstage: {to}\n"))
            .unwrap();
        tx.commit(&CommitMessage {
            subject: format!("{id}: promote -> {to}"),
            body: "Gates:\n  ok: window".into(),
            trailers: vec![
                ("Rel-Action".into(), "promote".into()),
                ("Rel-Release".into(), id.into()),
                ("Rel-To".into(), to.into()),
            ],
        })
        .unwrap()
    }

    #[test]
    fn reads_trailers_back_newest_first_and_filters_by_release() {
        let f = Fixture::new();
        let repo = f.repo();
        assert!(log(&repo, None).unwrap().is_empty());
        let first = promote(&repo, "REL-2025-03-001", "build");
        promote(&repo, "REL-2025-03-002", "build");
        f.put(Path::new("README.md"), "x\n");
        f.commit_all("docs\n\nNote: not a rel commit");
        // Another commit moved HEAD: reopen, as a new rel process would.
        let repo = f.repo();
        let last = promote(&repo, "REL-2025-03-001", "test");

        let all = log(&repo, None).unwrap();
        assert_eq!(all.len(), 3);
        let mine = log(&repo, Some("REL-2025-03-001")).unwrap();
        let commits: Vec<&str> = mine.iter().map(|e| e.commit.as_str()).collect();
        assert_eq!(commits, [last.as_str(), first.as_str()]);
        let e = &mine[0];
        assert_eq!(e.subject, "REL-2025-03-001: promote -> test");
        assert_eq!(e.author, "Ana Admin");
        assert_eq!(e.email, "ana@example.com");
        assert_eq!(e.trailer("Rel-To"), Some("test"));
        assert_eq!(e.trailer("Rel-Action"), Some("promote"));
        assert_eq!(e.signature, Signature::None);
    }

    #[test]
    fn trailer_paragraph() {
        assert!(trailers("subject only: no").is_empty());
        assert!(trailers("s\n\nbody line\nKey: v").is_empty());
        assert_eq!(
            trailers("s\n\nbody\n\nRel-Action: close\nRel-Gates: 7 passed\n"),
            [
                ("Rel-Action".to_string(), "close".to_string()),
                ("Rel-Gates".to_string(), "7 passed".to_string())
            ]
        );
    }

    #[test]
    fn a_signature_git_rejects_is_bad() {
        let f = Fixture::new();
        let repo = f.repo();
        promote(&repo, "REL-2025-03-001", "build");
        let head = f.git.head().unwrap().peel_to_commit().unwrap();
        // A commit carrying a signature header that verifies against nothing.
        let content = f
            .git
            .commit_create_buffer(
                &head.author(),
                &head.committer(),
                head.message().unwrap(),
                &head.tree().unwrap(),
                &[],
            )
            .unwrap();
        let sig = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----";
        let forged = f
            .git
            .commit_signed(content.as_str().unwrap(), sig, None)
            .unwrap();
        f.git
            .reference("refs/heads/forged", forged, true, "test")
            .unwrap();
        f.git.set_head("refs/heads/forged").unwrap();
        let entries = log(&repo, None).unwrap();
        assert_eq!(entries.len(), 1);
        assert_ne!(entries[0].signature, Signature::None);
        assert_ne!(entries[0].signature, Signature::Good);
    }

    /// `commit.gpgsign` makes rel sign through the `git` program; here with
    /// an ssh key, so the test needs no gpg keyring.
    #[test]
    fn signed_commits_go_through_git_and_verify_good() {
        let ok = |c: &mut std::process::Command| c.output().is_ok_and(|o| o.status.success());
        let f = Fixture::new();
        let key = f.dir.path().join(".git/test-key");
        if !ok(std::process::Command::new("ssh-keygen")
            .args([
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "ana@example.com",
                "-f",
            ])
            .arg(&key))
        {
            eprintln!("ssh-keygen not available; skipped");
            return;
        }
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        let allowed = f.dir.path().join(".git/allowed-signers");
        std::fs::write(&allowed, format!("ana@example.com {public}")).unwrap();
        {
            let mut config = f.git.config().unwrap();
            config.set_bool("commit.gpgsign", true).unwrap();
            config.set_str("gpg.format", "ssh").unwrap();
            config
                .set_str("user.signingkey", key.to_str().unwrap())
                .unwrap();
            config
                .set_str("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap())
                .unwrap();
        }
        let repo = f.repo();
        let id = promote(&repo, "REL-2025-03-001", "build");
        assert_eq!(f.head().to_string(), id);
        let entries = log(&repo, None).unwrap();
        assert_eq!(entries[0].commit, id);
        assert_eq!(entries[0].trailer("Rel-Release"), Some("REL-2025-03-001"));
        assert_eq!(entries[0].signature, Signature::Good);
        assert!(
            f.git
                .status_file(Path::new("releases/2025/03/REL-2025-03-001.yaml"))
                .unwrap()
                .is_empty()
        );
    }
}
