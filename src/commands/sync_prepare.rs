//! Preparing a synced command (SPEC section 5.1): the remote it publishes
//! to, the fetch and fast-forward before it runs (refusing a diverged
//! branch), and the pause between attempts.

use super::Ctx;
use crate::error::{Error, Result};
use crate::policy::SyncPolicy;
use crate::store::Repo;
use crate::store::lock::Lock;
use crate::store::remote::{self, Target, Unreachable, short};
use git2::Oid;

/// The remote a changing command publishes to: the policy's `sync`, when
/// HEAD is on its branch. `None` otherwise, and when the repository or
/// policy cannot be read (the command itself reports that).
pub fn target(ctx: &Ctx) -> Result<Option<Target>> {
    let Ok(repo) = ctx.repo() else {
        return Ok(None);
    };
    let Ok(policy) = repo.load_policy() else {
        return Ok(None);
    };
    let Some(sync) = &policy.sync else {
        return Ok(None);
    };
    let target = validate(sync)?;
    if remote::current_branch(repo.git()).as_deref() != Some(target.branch.as_str()) {
        return Ok(None);
    }
    Ok(Some(target))
}

/// The names are handed to `git` as arguments: nothing that reads as an
/// option or a refspec.
pub(super) fn validate(sync: &SyncPolicy) -> Result<Target> {
    for (field, value) in [("sync.remote", &sync.remote), ("sync.branch", &sync.branch)] {
        let bad = value.is_empty()
            || value.starts_with('-')
            || value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || ":^~?*[\\".contains(c))
            || value.contains("..");
        if bad {
            return Err(Error::file(
                crate::store::paths::POLICY,
                format!(
                    "{field}: `{value}` is not a git remote or branch name (for example `sync: {{remote: origin, branch: main}}`)"
                ),
            ));
        }
    }
    Ok(Target {
        remote: sync.remote.clone(),
        branch: sync.branch.clone(),
    })
}

/// Before a synced command: fetch, fast-forward to the remote's tip, and
/// refuse (exit 3, nothing changed) a local branch holding commits the
/// remote lacks. Returns the tip the command works on.
pub fn prepare(ctx: &Ctx, target: &Target) -> Result<Option<Oid>> {
    let repo = ctx.repo()?;
    let _lock = Lock::acquire(repo.git().path(), crate::store::lock::WAIT)?;
    let local = remote::resolve(repo.git(), &target.local_ref())?;
    let tip = match remote::fetch(&repo.workdir, target)? {
        Ok(tip) => tip,
        Err(Unreachable(why)) => {
            return Err(unreachable(
                &repo,
                target,
                local,
                &why,
                "nothing was changed",
            ));
        }
    };
    let standing = remote::standing(repo.git(), local, tip)?;
    match (standing.ahead, standing.behind, tip) {
        (0, 0, _) => {}
        (0, _, Some(tip)) => remote::fast_forward(&repo.workdir, target, tip)?,
        (ahead, 0, _) => {
            return Err(Error::data(format!(
                "{} has {ahead} commit(s) that {} lacks (made with --offline or before sync was set up); nothing was changed; publish them first with `rel sync`, or run this command with --offline",
                target.branch,
                target.name()
            )));
        }
        (ahead, behind, _) => {
            return Err(Error::data(format!(
                "{} and {} have diverged ({ahead} local commit(s) the remote lacks, {behind} remote commit(s) not here); nothing was changed; `rel sync` replays the local commits on top of {} and publishes them",
                target.branch,
                target.name(),
                target.name()
            )));
        }
    }
    Ok(tip)
}

/// Exit 3 naming the remote, and what is kept locally.
pub(super) fn unreachable(
    repo: &Repo,
    target: &Target,
    local: Option<Oid>,
    why: &str,
    outcome: &str,
) -> Error {
    let known = remote::resolve(repo.git(), &target.tracking_ref())
        .ok()
        .flatten();
    let unpublished = remote::standing(repo.git(), local, known)
        .map(|s| s.ahead)
        .unwrap_or(0);
    let kept = match local {
        Some(l) if unpublished > 0 => format!(
            "{} is kept locally at {} with {unpublished} commit(s) not yet published",
            target.branch,
            short(l)
        ),
        Some(l) => format!("{} is kept locally at {}", target.branch, short(l)),
        None => format!("{} has no commits locally", target.branch),
    };
    Error::Git(format!(
        "cannot reach remote `{}` ({why}); {outcome}; {kept}; retry when the remote is reachable, or run the command with --offline to commit locally and publish later with `rel sync`",
        target.remote
    ))
}

/// A random pause before attempt `attempt + 1`, growing with each attempt,
/// so that clones that raced spread out instead of racing again.
pub fn backoff(attempt: u32) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u32(attempt);
    let base = 20u64 << attempt.min(5);
    std::time::Duration::from_millis(base + h.finish() % base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(remote: &str, branch: &str) -> SyncPolicy {
        SyncPolicy {
            remote: remote.into(),
            branch: branch.into(),
        }
    }

    #[test]
    fn remote_and_branch_names_that_git_could_read_as_options_are_refused() {
        let t = validate(&sync("origin", "release/records")).unwrap();
        assert_eq!(t.name(), "origin/release/records");
        assert_eq!(t.local_ref(), "refs/heads/release/records");
        assert_eq!(t.tracking_ref(), "refs/remotes/origin/release/records");
        for (remote, branch) in [
            ("-oops", "main"),
            ("origin", "--force"),
            ("", "main"),
            ("origin", "a b"),
            ("origin", "a..b"),
            ("origin", "main:other"),
            ("origin", "ma~in"),
        ] {
            let err = validate(&sync(remote, branch)).unwrap_err();
            assert_eq!(err.exit_code(), 3, "{remote} {branch}");
            assert!(err.to_string().starts_with("policy.yaml: sync."), "{err}");
        }
    }

    #[test]
    fn the_pause_between_attempts_grows_and_stays_bounded() {
        for attempt in 1..=8 {
            let base = 20u64 << attempt.min(5);
            let d = backoff(attempt).as_millis() as u64;
            assert!((base..2 * base).contains(&d), "{attempt}: {d}");
        }
    }
}
