//! Team use through a shared git remote (SPEC section 5.1): preparing a
//! synced command (fetch, fast-forward, refuse a diverged branch) and
//! `rel sync`, which publishes local rel commits the remote lacks by
//! replaying them on the remote's branch.

use super::Ctx;
use crate::calendar::{conflicts, local_time, slots};
use crate::error::{Error, Result};
use crate::model::renumber::rename_ids;
use crate::model::{ReleaseId, Stage};
use crate::policy::SyncPolicy;
use crate::store::lock::Lock;
use crate::store::remote::{self, Pushed, Target, Unreachable, short};
use crate::store::{Records, Repo};
use git2::Oid;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// How far ahead the next free start is searched for a booking left out.
const HORIZON_DAYS: u32 = 120;
/// How many times `rel sync` starts again when the remote moves under it.
const ATTEMPTS: u32 = 6;

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
fn validate(sync: &SyncPolicy) -> Result<Target> {
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
fn unreachable(
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

/// What one commit that `rel sync` could not publish was, and why.
#[derive(Debug, Clone, serde::Serialize)]
struct LeftOut {
    commit: String,
    subject: String,
    reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_start: Option<String>,
}

#[derive(Debug, Default, serde::Serialize)]
struct Outcome {
    remote: String,
    /// `old -> new` commit ids of what was published.
    published: Vec<(String, String)>,
    renumbered: Vec<(String, String)>,
    left_out: Vec<LeftOut>,
    /// The branch keeping the original commits when some were left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    kept_in: Option<String>,
    /// Any commit left out because it no longer applies (a path changed on
    /// the remote), not because a rule refused it.
    #[serde(skip)]
    does_not_apply: bool,
}

/// `rel sync`.
pub fn run(ctx: &Ctx) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let Some(sync) = &policy.sync else {
        return Err(Error::data(
            "rel sync publishes to the remote that `sync` in policy.yaml names, and policy.yaml has none; add `sync: {remote: origin, branch: main}`",
        ));
    };
    let target = validate(sync)?;
    let branch = remote::current_branch(repo.git());
    if branch.as_deref() != Some(target.branch.as_str()) {
        return Err(Error::data(format!(
            "rel sync publishes {}; HEAD is on {} (switch with `git switch {}`; on other branches, push and open a pull request)",
            target.branch,
            branch.as_deref().unwrap_or("no branch"),
            target.branch
        )));
    }
    for attempt in 1..=ATTEMPTS {
        match attempt_sync(ctx, &repo, &target)? {
            Some(outcome) => return report(ctx, &target, outcome),
            None if attempt < ATTEMPTS => {
                eprintln!(
                    "note: {} moved while rel sync was working; starting again on its new state",
                    target.name()
                );
                std::thread::sleep(backoff(attempt));
            }
            None => break,
        }
    }
    Err(Error::Concurrent(format!(
        "{} moved under each of {ATTEMPTS} attempts (others are publishing); nothing was published; retry",
        target.name()
    )))
}

fn report(ctx: &Ctx, target: &Target, outcome: Outcome) -> Result<()> {
    let code = if outcome.does_not_apply {
        3
    } else if outcome.left_out.is_empty() {
        0
    } else {
        1
    };
    if ctx.json() {
        super::print_json(&outcome)?;
    } else {
        for (from, to) in &outcome.renumbered {
            println!(
                "renumbered {from} -> {to} ({from} is another release on {})",
                target.name()
            );
        }
        if outcome.published.is_empty() && outcome.left_out.is_empty() {
            println!("{} is up to date with {}", target.branch, target.name());
        } else {
            println!(
                "published {} commit(s) to {}",
                outcome.published.len(),
                target.name()
            );
        }
    }
    for l in &outcome.left_out {
        eprintln!("left out {} ({}): {}", l.commit, l.subject, l.reason);
    }
    if let Some(kept) = &outcome.kept_in {
        eprintln!("the original commits are kept in branch {kept}");
    }
    match code {
        0 => Ok(()),
        c => Err(Error::Reported(c)),
    }
}

/// One round: fetch, replay, push. `None`: the remote moved before the
/// push landed (nothing changed here); start again.
fn attempt_sync(ctx: &Ctx, repo: &Repo, target: &Target) -> Result<Option<Outcome>> {
    let git = repo.git();
    let _lock = Lock::acquire(git.path(), crate::store::lock::WAIT)?;
    let local = remote::resolve(git, &target.local_ref())?;
    let tip = match remote::fetch(&repo.workdir, target)? {
        Ok(tip) => tip,
        Err(Unreachable(why)) => {
            return Err(unreachable(
                repo,
                target,
                local,
                &why,
                "nothing was published",
            ));
        }
    };
    let mut outcome = Outcome {
        remote: target.name(),
        ..Outcome::default()
    };
    let Some(local) = local else {
        if let Some(tip) = tip {
            remote::fast_forward(&repo.workdir, target, tip)?;
        }
        return Ok(Some(outcome));
    };
    let standing = remote::standing(git, Some(local), tip)?;
    if standing.ahead == 0 {
        if let Some(tip) = tip
            && standing.behind > 0
        {
            remote::fast_forward(&repo.workdir, target, tip)?;
        }
        return Ok(Some(outcome));
    }
    let commits = unpublished(git, local, tip)?;
    let new_tip = match tip {
        // The remote has not moved since these commits were made on it:
        // they are published as they are.
        Some(t) if standing.behind > 0 => replay(ctx, repo, target, &commits, t, &mut outcome)?,
        _ => {
            for c in &commits {
                outcome.published.push((short(*c), short(*c)));
            }
            local
        }
    };
    if Some(new_tip) != tip {
        match remote::push(&repo.workdir, target, new_tip, tip)? {
            Pushed::Accepted => {}
            Pushed::Moved(_) => return Ok(None),
            Pushed::Failed(why) => {
                return Err(Error::Git(format!(
                    "pushing to remote `{}` failed ({why}); nothing was published; {} is kept locally at {}",
                    target.remote,
                    target.branch,
                    short(local)
                )));
            }
        }
    }
    if !outcome.left_out.is_empty() {
        let name = format!("rel-sync/unpublished-{}", short(local));
        git.reference(
            &format!("refs/heads/{name}"),
            local,
            true,
            "rel sync: commits left out",
        )?;
        outcome.kept_in = Some(name);
    }
    if new_tip != local {
        // The local branch follows what was published; `--keep` updates
        // the files that differ and refuses to overwrite uncommitted edits.
        let out = remote::git_program(
            &repo.workdir,
            &["reset", "--keep", "--quiet", &new_tip.to_string()],
        )?;
        if !out.status.success() {
            return Err(Error::Git(format!(
                "published to {}, but moving {} to it failed ({}); run `git reset --keep {}` after committing or stashing your edits",
                target.name(),
                target.branch,
                String::from_utf8_lossy(&out.stderr).trim(),
                target.name()
            )));
        }
    }
    Ok(Some(outcome))
}

/// The local commits the remote lacks, oldest first.
fn unpublished(git: &git2::Repository, local: Oid, tip: Option<Oid>) -> Result<Vec<Oid>> {
    let mut walk = git.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    walk.push(local)?;
    if let Some(t) = tip {
        walk.hide(t)?;
    }
    Ok(walk.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// `Key: value` trailers of a commit message.
fn trailer<'m>(message: &'m str, key: &str) -> Option<&'m str> {
    message.lines().rev().find_map(|l| {
        l.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(": "))
            .map(str::trim)
    })
}

fn subject(message: &str) -> String {
    message.lines().next().unwrap_or("").to_string()
}

/// Replays `commits` on top of `tip`, oldest first. Returns the new tip.
fn replay(
    ctx: &Ctx,
    repo: &Repo,
    target: &Target,
    commits: &[Oid],
    tip: Oid,
    outcome: &mut Outcome,
) -> Result<Oid> {
    let git = repo.git();
    let prefix = repo.prefix();
    let releases_dir = prefix.join(crate::store::paths::RELEASES);
    let local_tree = git
        .find_commit(*commits.last().expect("some commits"))?
        .tree()?;
    let mut base = tip;
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    let mut dropped_releases: BTreeSet<String> = BTreeSet::new();
    let none = BTreeMap::new();

    for &oid in commits {
        let commit = git.find_commit(oid)?;
        let message = commit.message().unwrap_or("").to_string();
        if commit.parent_count() != 1 {
            return Err(Error::data(format!(
                "rel sync replays a straight line of commits, and {} ({}) is a merge; nothing was published; publish it with git (`git pull` then `git push`)",
                short(oid),
                subject(&message)
            )));
        }
        let action = trailer(&message, "Rel-Action").map(str::to_string);
        let is_rel = action.is_some();
        let release = trailer(&message, "Rel-Release").map(|r| rename_ids(r, &map));
        if let Some(r) = &release
            && dropped_releases.contains(r)
        {
            outcome.left_out.push(LeftOut {
                commit: short(oid),
                subject: subject(&message),
                reason: format!("{r} was left out, so this later step of it is too"),
                next_start: None,
            });
            continue;
        }
        let parent = commit.parent(0)?;
        let base_tree = git.find_commit(base)?.tree()?;
        let diff = git.diff_tree_to_tree(Some(&parent.tree()?), Some(&commit.tree()?), None)?;

        // A release file this commit creates whose id the remote has taken
        // meanwhile: the next number free on both sides.
        if is_rel {
            for delta in diff.deltas() {
                if delta.status() != git2::Delta::Added {
                    continue;
                }
                let Some(path) = delta.new_file().path() else {
                    continue;
                };
                let Some(id) = release_file_id(&releases_dir, path) else {
                    continue;
                };
                if map.contains_key(&id.to_string()) || base_tree.get_path(path).is_err() {
                    continue;
                }
                let folder = path.parent().expect("a file in a folder");
                let mut used: BTreeSet<u32> = BTreeSet::new();
                for tree in [&base_tree, &local_tree] {
                    used.extend(ids_in(git, tree, folder, &releases_dir).map(|i| i.number));
                }
                for to in map.values() {
                    if let Ok(i) = ReleaseId::parse(to) {
                        used.insert(i.number);
                    }
                }
                let number = used.iter().max().copied().unwrap_or(0) + 1;
                let new = ReleaseId::new(id.year, id.month, number).to_string();
                outcome.renumbered.push((id.to_string(), new.clone()));
                map.insert(id.to_string(), new);
            }
        }
        let m = if is_rel { &map } else { &none };
        let release = trailer(&message, "Rel-Release").map(|r| rename_ids(r, m));

        // Apply the commit's changes where the remote still holds what the
        // commit changed; anything else no longer applies.
        let mut update = git2::build::TreeUpdateBuilder::new();
        let mut stale: Option<String> = None;
        for delta in diff.deltas() {
            let path = delta
                .new_file()
                .path()
                .or(delta.old_file().path())
                .and_then(Path::to_str)
                .unwrap_or("")
                .to_string();
            let mapped = rename_ids(&path, m);
            let expected = blob_text(git, delta.old_file().id())?.map(|t| rename_ids(&t, m));
            let actual = match base_tree.get_path(Path::new(&mapped)) {
                Ok(e) => blob_text(git, e.id())?,
                Err(_) => None,
            };
            if expected != actual {
                stale = Some(mapped);
                break;
            }
            match delta.status() {
                git2::Delta::Deleted => {
                    update.remove(&mapped);
                }
                _ => {
                    let text = blob_text(git, delta.new_file().id())?.unwrap_or_default();
                    let blob = git.blob(rename_ids(&text, m).as_bytes())?;
                    let mode = match delta.new_file().mode() {
                        git2::FileMode::BlobExecutable => git2::FileMode::BlobExecutable,
                        _ => git2::FileMode::Blob,
                    };
                    update.upsert(&mapped, blob, mode);
                }
            }
        }
        if let Some(path) = stale {
            outcome.does_not_apply = true;
            outcome.left_out.push(LeftOut {
                commit: short(oid),
                subject: subject(&message),
                reason: format!(
                    "no longer applies: {path} was changed on {} meanwhile",
                    target.name()
                ),
                next_start: None,
            });
            if action.as_deref() == Some("plan")
                && let Some(r) = &release
            {
                dropped_releases.insert(r.clone());
            }
            continue;
        }
        let tree = update.create_updated(git, &base_tree)?;
        let new = commit_tree(ctx, repo, &commit, tree, base, &rename_ids(&message, m))?;

        // A booking is judged again against what the remote holds now.
        if matches!(action.as_deref(), Some("plan" | "reschedule"))
            && let Some(r) = &release
            && let Some((lost, next)) = loses(repo, new, r)?
        {
            let original = trailer(&message, "Rel-Release").unwrap_or(r);
            let reason = if original == r {
                format!("{r} {lost}")
            } else {
                format!(
                    "its id {original} is taken on {}, and as {r} it {lost}",
                    target.name()
                )
            };
            outcome.left_out.push(LeftOut {
                commit: short(oid),
                subject: subject(&message),
                reason,
                next_start: next,
            });
            dropped_releases.insert(r.clone());
            continue;
        }
        outcome.published.push((short(oid), short(new)));
        base = new;
    }
    // A renumbering is news only for a release that was published.
    outcome
        .renumbered
        .retain(|(_, to)| !dropped_releases.contains(to));
    Ok(base)
}

/// The release id of `path` when it is a release file under `releases/`.
fn release_file_id(releases_dir: &Path, path: &Path) -> Option<ReleaseId> {
    let rest = path.strip_prefix(releases_dir).ok()?;
    if rest.components().count() != 3 {
        return None;
    }
    let stem = rest.file_name()?.to_str()?.strip_suffix(".yaml")?;
    ReleaseId::parse(stem).ok()
}

/// Release ids with a file in `folder` of `tree`.
fn ids_in<'a>(
    git: &'a git2::Repository,
    tree: &git2::Tree<'_>,
    folder: &Path,
    releases_dir: &'a Path,
) -> impl Iterator<Item = ReleaseId> + 'a {
    let names: Vec<String> = tree
        .get_path(folder)
        .ok()
        .and_then(|e| git.find_tree(e.id()).ok())
        .map(|t| {
            t.iter()
                .filter_map(|e| e.name().ok().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let folder = folder.to_path_buf();
    names
        .into_iter()
        .filter_map(move |n| release_file_id(releases_dir, &folder.join(n)))
}

fn blob_text(git: &git2::Repository, id: Oid) -> Result<Option<String>> {
    if id.is_zero() {
        return Ok(None);
    }
    let blob = git.find_blob(id)?;
    Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
}

/// The replayed commit, made by the `git` program so that the user's
/// signing setup applies: the original author and date, the current
/// committer.
fn commit_tree(
    ctx: &Ctx,
    repo: &Repo,
    original: &git2::Commit<'_>,
    tree: Oid,
    parent: Oid,
    message: &str,
) -> Result<Oid> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let author = original.author();
    let when = author.when();
    let minutes = when.offset_minutes();
    let sign = if minutes < 0 { '-' } else { '+' };
    let date = format!(
        "@{} {sign}{:02}{:02}",
        when.seconds(),
        minutes.abs() / 60,
        minutes.abs() % 60
    );
    let mut cmd = Command::new("git");
    cmd.current_dir(&repo.workdir)
        .args(["commit-tree", &tree.to_string(), "-p", &parent.to_string()])
        .env("GIT_AUTHOR_NAME", author.name().unwrap_or(""))
        .env("GIT_AUTHOR_EMAIL", author.email().unwrap_or(""))
        .env("GIT_AUTHOR_DATE", date);
    if std::env::var("GIT_COMMITTER_DATE").map_or(true, |v| v.trim().is_empty()) {
        let now = ctx.now;
        let m = now.offset().local_minus_utc() / 60;
        let sign = if m < 0 { '-' } else { '+' };
        cmd.env(
            "GIT_COMMITTER_DATE",
            format!(
                "@{} {sign}{:02}{:02}",
                now.timestamp(),
                m.abs() / 60,
                m.abs() % 60
            ),
        );
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Git(format!("running `git commit-tree` failed: {e}")))?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(message.as_bytes())
        .map_err(|e| Error::Git(format!("git commit-tree: {e}")))?;
    let out = child
        .wait_with_output()
        .map_err(|e| Error::Git(format!("git commit-tree: {e}")))?;
    if !out.status.success() {
        return Err(Error::Git(format!(
            "replaying {} failed: {}",
            short(original.id()),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Oid::from_str(text.trim())
        .map_err(|_| Error::Git(format!("git commit-tree printed `{}`", text.trim())))
}

/// Whether release `id`, as booked in `commit`, loses a calendar conflict
/// there (the releases it meets were booked first, SPEC section 4): the
/// reason naming the winner (`loses a calendar conflict: ...`), and the
/// next free start.
fn loses(repo: &Repo, commit: Oid, id: &str) -> Result<Option<(String, Option<String>)>> {
    let rev = repo.revision(commit)?;
    let Some(policy) = rev.policy()? else {
        return Ok(None);
    };
    let calendar = rev.calendar(&policy)?;
    let Ok(rid) = ReleaseId::parse(id) else {
        return Ok(None);
    };
    let Some(release) = rev.find_release(&rid)? else {
        return Ok(None);
    };
    if matches!(release.stage, Stage::Cancelled | Stage::Closed) {
        return Ok(None);
    }
    let mut others = super::nearby_releases(&rev, &release)?;
    let lost: Vec<String> = conflicts::find_for_booking(&release, &others, &calendar, &policy)
        .into_iter()
        .filter(|c| !c.candidate_wins)
        .map(|c| c.reason)
        .collect();
    if lost.is_empty() {
        return Ok(None);
    }
    // The proposal may land in later months: read those too.
    let mut next = slots::next_free(
        &release,
        release.window.start,
        &others,
        &calendar,
        &policy,
        HORIZON_DAYS,
    );
    if let Some(p) = next {
        let mut probe = release.clone();
        probe.window.start = p;
        for r in super::nearby_releases(&rev, &probe)? {
            if r.id != release.id && !others.iter().any(|o| o.id == r.id) {
                others.push(r);
            }
        }
        next = slots::next_free(
            &release,
            release.window.start,
            &others,
            &calendar,
            &policy,
            HORIZON_DAYS,
        );
    }
    let tz = policy.tz();
    let mut reason = format!("loses a calendar conflict: {}", lost.join("; "));
    match next {
        Some(p) => reason.push_str(&format!(
            "; next free start {} (rel plan ... --target \"{}\")",
            local_time::format_local(tz, p, "%a %d %b %Y %H:%M"),
            local_time::target_text(tz, p)
        )),
        None => reason.push_str(&format!("; no free start within {HORIZON_DAYS} days")),
    }
    Ok(Some((reason, next.map(|p| p.to_rfc3339()))))
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
    fn trailers_are_read_from_the_end_of_the_message() {
        let m = "REL-2025-03-001: plan finance minor release\n\npass    conflicts: Rel-Action: not this\n\nRel-Action: plan\nRel-Release: REL-2025-03-001\n";
        assert_eq!(trailer(m, "Rel-Action"), Some("plan"));
        assert_eq!(trailer(m, "Rel-Release"), Some("REL-2025-03-001"));
        assert_eq!(trailer("edit policy.yaml\n", "Rel-Action"), None);
        assert_eq!(subject(m), "REL-2025-03-001: plan finance minor release");
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
