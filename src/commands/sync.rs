//! Team use through a shared git remote (SPEC section 5.1): `rel sync`,
//! which publishes local rel commits the remote lacks by replaying them on
//! the remote's branch (preparing a synced command is in `sync_prepare`).

use super::Ctx;
use super::sync_conflict::loses;
use super::sync_prepare::{backoff, unreachable, validate};
use crate::error::{Error, Result};
use crate::model::ReleaseId;
use crate::model::renumber::rename_ids;
use crate::store::Repo;
use crate::store::lock::Lock;
use crate::store::remote::{self, Pushed, Target, Unreachable, short};
use git2::Oid;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// How many times `rel sync` starts again when the remote moves under it.
const ATTEMPTS: u32 = 6;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_are_read_from_the_end_of_the_message() {
        let m = "REL-2025-03-001: plan finance minor release\n\npass    conflicts: Rel-Action: not this\n\nRel-Action: plan\nRel-Release: REL-2025-03-001\n";
        assert_eq!(trailer(m, "Rel-Action"), Some("plan"));
        assert_eq!(trailer(m, "Rel-Release"), Some("REL-2025-03-001"));
        assert_eq!(trailer("edit policy.yaml\n", "Rel-Action"), None);
        assert_eq!(subject(m), "REL-2025-03-001: plan finance minor release");
    }
}
