//! The shared remote (SPEC section 5.1): the remote branch is the booking
//! ledger and git's compare-and-swap ref update on the server is the
//! calendar lock. Network and credentials go through the user's `git`
//! program (fetch, push), so their credential helpers, hooks and transport
//! configuration apply; everything local stays in libgit2.

use super::Repo;
use crate::error::{Error, Result};
use git2::Oid;
use std::cell::Cell;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Where a team's records are published: `sync: {remote, branch}` in the
/// policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub remote: String,
    pub branch: String,
}

impl Target {
    /// `refs/heads/<branch>`.
    pub fn local_ref(&self) -> String {
        format!("refs/heads/{}", self.branch)
    }

    /// `refs/remotes/<remote>/<branch>`, where fetch keeps the remote's tip.
    pub fn tracking_ref(&self) -> String {
        format!("refs/remotes/{}/{}", self.remote, self.branch)
    }

    /// `origin/main`, as people name it.
    pub fn name(&self) -> String {
        format!("{}/{}", self.remote, self.branch)
    }
}

/// One attempt of a synced command: the remote tip it fetched and works on.
/// The transaction publishes its commit with a lease on `tip`; a rejection
/// is noted here so the command-running edge can start the command again.
#[derive(Debug)]
pub struct Lease {
    pub target: Target,
    tip: Cell<Option<Oid>>,
    rejected: Cell<bool>,
}

impl Lease {
    pub fn new(target: Target, tip: Option<Oid>) -> Lease {
        Lease {
            target,
            tip: Cell::new(tip),
            rejected: Cell::new(false),
        }
    }

    /// The remote moved under this attempt: its push was rejected and
    /// nothing was committed locally.
    pub fn rejected(&self) -> bool {
        self.rejected.get()
    }

    pub fn tip(&self) -> Option<Oid> {
        self.tip.get()
    }
}

/// Runs the `git` program in `workdir`.
pub fn git_program(workdir: &Path, args: &[&str]) -> Result<Output> {
    Command::new("git")
        .current_dir(workdir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Git(format!("running `git {}` failed: {e}", args.join(" "))))
}

fn stderr_of(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let text = text.trim();
    if text.is_empty() {
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    } else {
        text.lines().collect::<Vec<_>>().join("; ")
    }
}

/// The branch HEAD is on (`main`), `None` when detached or unborn.
pub fn current_branch(git: &git2::Repository) -> Option<String> {
    let head = git.find_reference("HEAD").ok()?;
    let name = head.symbolic_target().ok()??;
    name.strip_prefix("refs/heads/").map(str::to_string)
}

/// The commit a ref points to, `None` when it does not exist.
pub fn resolve(git: &git2::Repository, name: &str) -> Result<Option<Oid>> {
    match git.refname_to_id(name) {
        Ok(oid) => Ok(Some(oid)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Why a fetch or push could not talk to the remote.
#[derive(Debug)]
pub struct Unreachable(pub String);

/// Fetches the branch into its tracking ref and returns the remote's tip
/// (`None`: the remote has no such branch yet).
pub fn fetch(
    workdir: &Path,
    target: &Target,
) -> Result<std::result::Result<Option<Oid>, Unreachable>> {
    let refspec = format!("+{}:{}", target.local_ref(), target.tracking_ref());
    let out = git_program(
        workdir,
        &["fetch", "--quiet", "--no-tags", &target.remote, &refspec],
    )?;
    let git = git2::Repository::open(workdir)?;
    if !out.status.success() {
        let why = stderr_of(&out);
        if why.contains("couldn't find remote ref") {
            return Ok(Ok(None));
        }
        return Ok(Err(Unreachable(why)));
    }
    Ok(Ok(resolve(&git, &target.tracking_ref())?))
}

/// How a push ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Pushed {
    Accepted,
    /// The remote branch is no longer at the leased tip (someone else
    /// published first): retrying on the new tip is safe.
    Moved(String),
    /// Anything else: no network, no permission, a hook declined.
    Failed(String),
}

/// Pushes `commit` to the target branch if and only if the remote branch is
/// still at `lease` (`None`: it must not exist yet). The server applies the
/// lease and the update as one compare-and-swap of its ref.
pub fn push(workdir: &Path, target: &Target, commit: Oid, lease: Option<Oid>) -> Result<Pushed> {
    let refspec = format!("{commit}:{}", target.local_ref());
    let lease_arg = format!(
        "--force-with-lease={}:{}",
        target.local_ref(),
        lease.map(|o| o.to_string()).unwrap_or_default()
    );
    let out = git_program(
        workdir,
        &[
            "push",
            "--porcelain",
            "--quiet",
            &lease_arg,
            &target.remote,
            &refspec,
        ],
    )?;
    if out.status.success() {
        // The tracking ref follows what was published, as a fetch would.
        let git = git2::Repository::open(workdir)?;
        git.reference(
            &target.tracking_ref(),
            commit,
            true,
            "rel: published to the shared remote",
        )?;
        return Ok(Pushed::Accepted);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let why = stderr_of(&out);
    // `--porcelain` reports each ref as `!\t<src>:<dst>\t[rejected] (reason)`.
    let moved = stdout.lines().any(|l| {
        l.starts_with('!')
            && (l.contains("stale info")
                || l.contains("fetch first")
                || l.contains("non-fast-forward")
                || l.contains("cannot lock ref")
                || l.contains("failed to update ref")
                || l.contains("failed to lock"))
    });
    if moved {
        Ok(Pushed::Moved(why))
    } else {
        Ok(Pushed::Failed(why))
    }
}

/// Where the local branch stands against the remote's tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Commits on the local branch the remote lacks.
    pub ahead: usize,
    /// Commits on the remote the local branch lacks.
    pub behind: usize,
}

pub fn standing(
    git: &git2::Repository,
    local: Option<Oid>,
    remote: Option<Oid>,
) -> Result<Standing> {
    Ok(match (local, remote) {
        (Some(l), Some(r)) => {
            let (ahead, behind) = git.graph_ahead_behind(l, r)?;
            Standing { ahead, behind }
        }
        (Some(l), None) => {
            let mut walk = git.revwalk()?;
            walk.push(l)?;
            Standing {
                ahead: walk.count(),
                behind: 0,
            }
        }
        (None, Some(r)) => {
            let mut walk = git.revwalk()?;
            walk.push(r)?;
            Standing {
                ahead: 0,
                behind: walk.count(),
            }
        }
        (None, None) => Standing {
            ahead: 0,
            behind: 0,
        },
    })
}

/// Moves the current branch forward to `tip` with `git merge --ff-only`,
/// which updates the work tree and index and refuses to overwrite the
/// user's uncommitted edits.
pub fn fast_forward(workdir: &Path, target: &Target, tip: Oid) -> Result<()> {
    let out = git_program(
        workdir,
        &["merge", "--ff-only", "--quiet", &tip.to_string()],
    )?;
    if !out.status.success() {
        return Err(Error::Git(format!(
            "cannot fast-forward {} to {} ({}); nothing was changed",
            target.branch,
            target.name(),
            stderr_of(&out)
        )));
    }
    Ok(())
}

/// The transaction's hook, called with its new commit before the local
/// branch moves. Without a lease (not synced, `--offline`, another branch)
/// it does nothing. With one, the commit is pushed with a lease on the
/// fetched tip: accepted, the local branch may follow; rejected because the
/// remote moved, nothing is committed locally and the edge starts the
/// command again (`Error::Concurrent`); any other failure is exit 3 and
/// nothing is committed locally either.
pub fn publish(repo: &Repo, head_ref: &str, commit: Oid, parent: Option<Oid>) -> Result<()> {
    let Some(lease) = repo.lease.as_ref() else {
        return Ok(());
    };
    if head_ref != lease.target.local_ref() {
        return Ok(());
    }
    if parent != lease.tip() {
        // The edge refuses a branch ahead of the remote, so this is a
        // commit made on top of something other than the fetched tip.
        return Err(Error::Concurrent(format!(
            "{} moved while rel was working; nothing was written; retry",
            lease.target.branch
        )));
    }
    let target = &lease.target;
    match push(&repo.workdir, target, commit, lease.tip())? {
        Pushed::Accepted => {
            lease.tip.set(Some(commit));
            Ok(())
        }
        Pushed::Moved(why) => {
            lease.rejected.set(true);
            Err(Error::Concurrent(format!(
                "{} moved while rel was working ({why}); nothing was committed",
                target.name()
            )))
        }
        Pushed::Failed(why) => Err(Error::Git(format!(
            "pushing to remote `{}` failed ({why}); nothing was committed locally and {} is kept at {}; retry when the remote accepts pushes, or run the command with --offline and publish it later with `rel sync`",
            target.remote,
            target.branch,
            parent.map(short).unwrap_or_else(|| "no commit".into())
        ))),
    }
}

/// The first ten hex digits of a commit id.
pub fn short(oid: Oid) -> String {
    oid.to_string()[..10].to_string()
}
