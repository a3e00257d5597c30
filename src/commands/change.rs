//! `rel change add/set/list/show/import`: change references.

use super::{Ctx, parse_date, parse_time, print_json};
use crate::cli::{ChangeAddArgs, ChangeCommand, ChangeImportArgs, ChangeListArgs, ChangeSetArgs};
use crate::error::{Error, Result};
use crate::model::{ChangeRef, ChangeStatus, ReleaseId, Stage};
use crate::policy::Policy;
use crate::policy::import::{self, Preset};
use crate::policy::permissions::{self, Subject};
use crate::render::table;
use crate::store::{CommitMessage, Repo, paths, yaml};

pub fn run(ctx: &Ctx, cmd: ChangeCommand) -> Result<()> {
    match cmd {
        ChangeCommand::Add(a) => add(ctx, a),
        ChangeCommand::Set(a) => set(ctx, a),
        ChangeCommand::List(a) => list(ctx, a),
        ChangeCommand::Show(a) => show(ctx, &a.id),
        ChangeCommand::Import(a) => import(ctx, a),
    }
}

fn parse_status(flag: &str, s: &str) -> Result<ChangeStatus> {
    ChangeStatus::parse(s).ok_or_else(|| {
        Error::usage(format!(
            "{flag}: `{s}` is not a change status; expected one of: {}",
            ChangeStatus::NAMES
        ))
    })
}

/// An owner is someone rel can name: an email, or `Name <email>`.
fn check_owner(owner: &str) -> std::result::Result<(), String> {
    let email = crate::policy::auth::email_of(owner);
    let ok = email.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{owner}` is not an email address; expected `name@example.com` or `Name <name@example.com>`"
        ))
    }
}

pub(super) fn check_service(policy: &Policy, flag: &str, service: &str) -> Result<()> {
    if policy.services.contains_key(service) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "{flag}: unknown service `{service}`; services in policy.yaml: {}",
            policy
                .services
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

fn save(
    repo: &Repo,
    policy: &Policy,
    changes: &[ChangeRef],
    subject: String,
    action: &str,
) -> Result<()> {
    save_with_body(repo, policy, changes, subject, String::new(), action)
}

fn save_with_body(
    repo: &Repo,
    policy: &Policy,
    changes: &[ChangeRef],
    subject: String,
    body: String,
    action: &str,
) -> Result<()> {
    let mut tx = repo.begin()?;
    for c in changes {
        let year = policy.change_shard_of(&c.id)?;
        tx.write(&paths::change(&c.id, year), yaml::to_string(c))?;
    }
    tx.commit(&CommitMessage {
        subject,
        body,
        trailers: vec![
            ("Rel-Action".to_string(), action.to_string()),
            (
                "Rel-Changes".to_string(),
                changes
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ],
    })?;
    Ok(())
}

fn add(ctx: &Ctx, a: ChangeAddArgs) -> Result<()> {
    ctx.require_flags(
        "change add",
        &[
            ("--title", a.title.is_some()),
            ("--service", a.service.is_some()),
            ("--status", a.status.is_some()),
            ("--owner", a.owner.is_some()),
            ("--target", a.target.is_some()),
        ],
    )?;
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    policy.change_shard_of(&a.id)?;
    if repo.load_change(&policy, &a.id)?.is_some() {
        return Err(Error::refused(format!(
            "change {} already exists; use `rel change set {}` to update it",
            a.id, a.id
        )));
    }
    let title = ctx.require(a.title, "--title", "Title")?;
    let service = ctx.require(a.service, "--service", "Service")?;
    check_service(&policy, "--service", &service)?;
    let status = parse_status("--status", &ctx.require(a.status, "--status", "Status")?)?;
    let owner = ctx.require(a.owner, "--owner", "Change owner")?;
    check_owner(&owner).map_err(|e| Error::usage(format!("--owner: {e}")))?;
    super::permit(
        &policy,
        "change-add",
        &repo.actor()?,
        &Subject::change(&service, &owner),
        ctx.now,
    )?;
    let target = parse_date(
        "--target",
        &ctx.require(a.target, "--target", "Target date (YYYY-MM-DD)")?,
    )?;
    let approved_at = a
        .approved_at
        .map(|t| parse_time(&policy, "--approved-at", &t))
        .transpose()?;
    let change = ChangeRef {
        id: a.id.clone(),
        title,
        service,
        status,
        owner,
        target,
        ready: a.ready,
        approved_by: a.approved_by,
        approved_at,
        risk: a.risk,
        link: a.link,
        description: a.description,
        release: None,
    };
    save(
        &repo,
        &policy,
        std::slice::from_ref(&change),
        format!("{}: add change", change.id),
        "change-add",
    )?;
    if ctx.json() {
        print_json(&change)
    } else {
        println!(
            "Added {} ({}, {})",
            change.id,
            change.service,
            change.status.as_str()
        );
        Ok(())
    }
}

fn set(ctx: &Ctx, a: ChangeSetArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let mut change = repo
        .load_change(&policy, &a.id)?
        .ok_or_else(|| Error::data(format!("no change {} (add it with `rel change add`)", a.id)))?;
    let before = change.clone();
    if let Some(t) = a.title {
        change.title = t;
    }
    if let Some(s) = a.service {
        check_service(&policy, "--service", &s)?;
        change.service = s;
    }
    if let Some(s) = a.status {
        change.status = parse_status("--status", &s)?;
    }
    if let Some(o) = a.owner {
        check_owner(&o).map_err(|e| Error::usage(format!("--owner: {e}")))?;
        change.owner = o;
    }
    if let Some(t) = a.target {
        change.target = parse_date("--target", &t)?;
    }
    if a.ready {
        change.ready = true;
    }
    if a.not_ready {
        change.ready = false;
    }
    if let Some(v) = a.approved_by {
        change.approved_by = Some(v);
    }
    if let Some(v) = a.approved_at {
        change.approved_at = Some(parse_time(&policy, "--approved-at", &v)?);
    }
    if let Some(v) = a.risk {
        change.risk = Some(v);
    }
    if let Some(v) = a.link {
        change.link = Some(v);
    }
    if let Some(v) = a.description {
        change.description = Some(v);
    }
    // A change that shipped in a closed release is history: it may only be
    // marked implemented (or given more detail), not reopened or moved.
    if let Some(rid) = &before.release {
        let closed = match ReleaseId::parse(rid).ok() {
            Some(id) if repo.exists(&paths::release(&id))? => {
                repo.load_release(&id)?.stage == Stage::Closed
            }
            _ => false,
        };
        let reopened = change.status != before.status && change.status != ChangeStatus::Implemented;
        if closed && (reopened || change.service != before.service) {
            return Err(Error::refused(format!(
                "{} shipped in {rid}, which is closed: its status may only become implemented, and its service stays {}",
                change.id, before.service
            )));
        }
    }
    if change == before {
        return Err(Error::usage(format!(
            "nothing to change for {}: give at least one flag with a new value (see `rel change set --help`)",
            change.id
        )));
    }
    // Readiness alone is the change owner's to confirm (seed: "Change owner
    // confirms readiness"); anything else is `change-set`.
    let actor = repo.actor()?;
    let subject = Subject::change(&before.service, &before.owner);
    let readiness_only = ChangeRef {
        ready: before.ready,
        ..change.clone()
    } == before;
    if !(readiness_only
        && permissions::may(&policy, "change-ready", &actor, &subject, ctx.now).is_ok())
    {
        super::permit(&policy, "change-set", &actor, &subject, ctx.now)?;
    }
    save(
        &repo,
        &policy,
        std::slice::from_ref(&change),
        format!("{}: update change", change.id),
        "change-set",
    )?;
    if ctx.json() {
        print_json(&change)
    } else {
        println!("Updated {}", change.id);
        Ok(())
    }
}

fn list(ctx: &Ctx, a: ChangeListArgs) -> Result<()> {
    use std::io::Write;
    let repo = ctx.repo()?;
    let status = a
        .status
        .as_deref()
        .map(|s| parse_status("--status", s))
        .transpose()?;
    // Only records that spell the status and the service asked for can be
    // kept: the others are read but not parsed.
    let words: Vec<&str> = status
        .map(ChangeStatus::as_str)
        .into_iter()
        .chain(a.service.as_deref())
        .collect();
    let wanted = |c: &ChangeRef| {
        status.is_none_or(|s| c.status == s) && a.service.as_ref().is_none_or(|s| &c.service == s)
    };
    if ctx.json() {
        let changes = repo.changes_map(&words, |_, c| wanted(&c).then_some(c))?;
        // Written as it is encoded, not built as one string first.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, &changes)
            .map_err(|e| Error::data(format!("cannot encode JSON: {e}")))?;
        return writeln!(out)
            .and_then(|()| out.flush())
            .map_err(|e| Error::data(format!("cannot write the list: {e}")));
    }
    // Each record becomes its row as soon as it is parsed.
    let rows = repo.changes_map(&words, |_, c| {
        wanted(&c).then(|| {
            vec![
                c.id,
                c.service,
                // Readiness under the status: a column of its own would
                // leave the title too narrow at 80 columns.
                if c.ready {
                    format!("{}\nready", c.status.as_str())
                } else {
                    format!("{}\nnot-ready", c.status.as_str())
                },
                c.target.to_string(),
                c.release.unwrap_or_else(|| "-".to_string()),
                c.title,
            ]
        })
    })?;
    if rows.is_empty() {
        println!("No change references.");
        return Ok(());
    }
    let headers = ["ID", "SERVICE", "STATUS", "TARGET", "RELEASE", "TITLE"];
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // Ids, names and dates are never split; the title wraps.
    for block in table::listing_blocks(&headers, &rows, ctx.table_width, &[0, 1, 2, 3, 4]) {
        out.write_all(block.as_bytes())
            .map_err(|e| Error::data(format!("cannot write the list: {e}")))?;
    }
    out.flush()
        .map_err(|e| Error::data(format!("cannot write the list: {e}")))
}

fn show(ctx: &Ctx, id: &str) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let change = repo
        .load_change(&policy, id)?
        .ok_or_else(|| Error::data(format!("no change {id}")))?;
    if ctx.json() {
        return print_json(&change);
    }
    print!("{}", yaml::to_string(&change));
    Ok(())
}

fn import(ctx: &Ctx, a: ChangeImportArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    super::permit(
        &policy,
        "change-import",
        &repo.actor()?,
        &Subject::none(),
        ctx.now,
    )?;
    let path = if a.file.is_absolute() {
        a.file.clone()
    } else {
        ctx.cwd.join(&a.file)
    };
    let preset = match a.preset.as_deref().or(policy.import.preset.as_deref()) {
        None => Preset::Rel,
        Some(p) => Preset::parse(p).ok_or_else(|| {
            Error::usage(format!(
                "--preset: `{p}` is not a preset; expected one of: {}",
                Preset::NAMES
            ))
        })?,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::file(&path, format!("cannot read: {e}")))?;
    let format = match a.format.as_deref() {
        Some(f) => f.to_ascii_lowercase(),
        None => path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase(),
    };
    let table = match format.as_str() {
        "csv" => import::parse_csv(&text),
        "json" => import::parse_json(&text),
        other => {
            return Err(Error::usage(format!(
                "--format: `{other}` is not supported; expected csv or json (or a .csv/.json file name)"
            )));
        }
    }
    .map_err(|e| Error::file(&path, e))?;
    if table.rows.is_empty() {
        return Err(Error::file(&path, "no changes to import"));
    }
    let read = import::read(&policy, preset, &table).map_err(|errors| refusal(&path, &errors))?;

    // Rows against the records: new, changed, unchanged, or history that
    // stays as it is.
    let mut errors = vec![];
    let mut added: Vec<ChangeRef> = vec![];
    let mut updated: Vec<(ChangeRef, Vec<&'static str>)> = vec![];
    let mut unchanged: Vec<String> = vec![];
    let mut skipped: Vec<(String, String)> = read.skipped.clone();
    for (name, row) in &read.rows {
        let existing = repo.load_change(&policy, &row.id)?;
        let change = match import::merge(existing.as_ref(), row) {
            Ok(c) => c,
            Err(e) => {
                errors.push(format!("{name}: {e}"));
                continue;
            }
        };
        match existing {
            None => added.push(change),
            Some(before) if before == change => unchanged.push(change.id),
            Some(before) => {
                let fields = import::changed_fields(&before, &change);
                // A change that shipped in a closed release is history (as
                // for `rel change set`): it may only become implemented.
                if let Some(rid) = shipped_in_closed_release(&repo, &before)?
                    && ((change.status != before.status
                        && change.status != ChangeStatus::Implemented)
                        || change.service != before.service)
                {
                    skipped.push((
                        name.clone(),
                        format!(
                            "{} shipped in {rid}, which is closed; its {} would change",
                            change.id,
                            fields.join(", ")
                        ),
                    ));
                    continue;
                }
                updated.push((change, fields));
            }
        }
    }
    if !errors.is_empty() {
        return Err(refusal(&path, &errors));
    }
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file")
        .to_string();
    let to_write: Vec<ChangeRef> = added
        .iter()
        .cloned()
        .chain(updated.iter().map(|(c, _)| c.clone()))
        .collect();
    if !a.dry_run && !to_write.is_empty() {
        let mut body = vec![];
        if !added.is_empty() {
            body.push(format!(
                "Added: {}",
                ids(added.iter().map(|c| c.id.as_str()))
            ));
        }
        for (c, fields) in &updated {
            body.push(format!("Updated {}: {}", c.id, fields.join(", ")));
        }
        save_with_body(
            &repo,
            &policy,
            &to_write,
            format!(
                "Import {} from {file_name} ({} added, {} updated)",
                match to_write.len() {
                    1 => "1 change".to_string(),
                    n => format!("{n} changes"),
                },
                added.len(),
                updated.len()
            ),
            body.join("\n"),
            "change-import",
        )?;
    }
    if !read.unmapped.is_empty() {
        ctx.warn(format_args!(
            "{file_name}: columns not imported: {} (map them under import.columns in policy.yaml, or list them under import.ignore)",
            read.unmapped.join(", ")
        ));
    }
    if ctx.json() {
        return print_json(&serde_json::json!({
            "file": file_name,
            "preset": preset.name(),
            "dry_run": a.dry_run,
            "added": added.iter().map(|c| &c.id).collect::<Vec<_>>(),
            "updated": updated
                .iter()
                .map(|(c, f)| serde_json::json!({"id": c.id, "fields": f}))
                .collect::<Vec<_>>(),
            "unchanged": unchanged,
            "skipped": skipped
                .iter()
                .map(|(row, reason)| serde_json::json!({"row": row, "reason": reason}))
                .collect::<Vec<_>>(),
            "unmapped_columns": read.unmapped,
        }));
    }
    let verb = if a.dry_run {
        "Would import"
    } else {
        "Imported"
    };
    println!(
        "{verb} {file_name} ({} preset): {} added, {} updated, {} unchanged, {} skipped.{}",
        preset.name(),
        added.len(),
        updated.len(),
        unchanged.len(),
        skipped.len(),
        if a.dry_run {
            " Nothing was written."
        } else {
            ""
        }
    );
    for c in &added {
        println!("  added      {}  {}", c.id, c.title);
    }
    for (c, fields) in &updated {
        println!("  updated    {}  {}", c.id, fields.join(", "));
    }
    for (row, reason) in &skipped {
        println!("  skipped    {row}: {reason}");
    }
    Ok(())
}

fn ids<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.collect::<Vec<_>>().join(", ")
}

/// Every bad row at once, each naming its row and column.
fn refusal(path: &std::path::Path, errors: &[String]) -> Error {
    Error::file(
        path,
        format!(
            "{} problem{}; nothing was imported:\n  {}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            errors.join("\n  ")
        ),
    )
}

fn shipped_in_closed_release(repo: &Repo, change: &ChangeRef) -> Result<Option<String>> {
    let Some(rid) = &change.release else {
        return Ok(None);
    };
    let closed = ReleaseId::parse(rid)
        .ok()
        .filter(|id| repo.root.join(paths::release(id)).exists())
        .map(|id| repo.load_release(&id))
        .transpose()?
        .is_some_and(|r| r.stage == Stage::Closed);
    Ok(closed.then(|| rid.clone()))
}
