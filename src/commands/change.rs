//! `rel change add/set/list/show/import`: change references.

use super::{Ctx, parse_date, parse_time, print_json};
use crate::cli::{ChangeAddArgs, ChangeCommand, ChangeImportArgs, ChangeListArgs, ChangeSetArgs};
use crate::error::{Error, Result};
use crate::model::{ChangeRef, ChangeStatus, ReleaseId, Stage};
use crate::policy::Policy;
use crate::render::table;
use crate::store::{CommitMessage, Repo, paths, yaml};
use std::collections::BTreeMap;

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
    let mut tx = repo.begin()?;
    for c in changes {
        let year = policy.change_pattern().year_of(&c.id)?;
        tx.write(&paths::change(&c.id, year), yaml::to_string(c))?;
    }
    tx.commit(&CommitMessage {
        subject,
        body: String::new(),
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
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    policy.change_pattern().year_of(&a.id)?;
    if repo.load_change(&policy, &a.id)?.is_some() {
        return Err(Error::usage(format!(
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
        let closed = ReleaseId::parse(rid)
            .ok()
            .filter(|id| repo.root.join(paths::release(id)).exists())
            .map(|id| repo.load_release(&id))
            .transpose()?
            .is_some_and(|r| r.stage == Stage::Closed);
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
                c.status.as_str().to_string(),
                if c.ready { "yes" } else { "no" }.to_string(),
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
    let headers = [
        "ID", "SERVICE", "STATUS", "READY", "TARGET", "RELEASE", "TITLE",
    ];
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for block in table::blocks(&headers, &rows, 6) {
        out.write_all(block.as_bytes())
            .map_err(|e| Error::data(format!("cannot write the list: {e}")))?;
    }
    writeln!(out)
        .and_then(|()| out.flush())
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

/// Column names accepted in an import, including the usual names of
/// change-management exports (ServiceNow and the like).
fn field_for(header: &str) -> Option<&'static str> {
    let h = header.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    Some(match h.as_str() {
        "id" | "number" | "change" | "change_id" | "key" => "id",
        "title" | "short_description" | "summary" => "title",
        "service" | "business_service" | "cmdb_ci" | "application" => "service",
        "status" | "state" | "approval" => "status",
        "owner" | "assigned_to" | "requested_by" | "change_owner" => "owner",
        "target" | "target_date" | "planned_start" | "planned_start_date" | "start_date" => {
            "target"
        }
        "ready" => "ready",
        "approved_by" => "approved_by",
        "approved_at" | "approval_date" => "approved_at",
        "risk" => "risk",
        "link" | "url" => "link",
        "description" => "description",
        _ => return None,
    })
}

fn row_to_change(
    policy: &Policy,
    fields: &BTreeMap<&'static str, String>,
) -> std::result::Result<ChangeRef, String> {
    let get = |k: &str| {
        fields
            .get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let need = |k: &str| get(k).ok_or_else(|| format!("missing `{k}`"));
    let id = need("id")?;
    policy
        .change_pattern()
        .year_of(&id)
        .map_err(|e| e.to_string())?;
    let service = need("service")?;
    if !policy.services.contains_key(&service) {
        return Err(format!("unknown service `{service}`"));
    }
    let status_text = need("status")?;
    let status = ChangeStatus::parse(&status_text).ok_or_else(|| {
        format!(
            "status `{status_text}` is not one of {}",
            ChangeStatus::NAMES
        )
    })?;
    let target_text = need("target")?;
    // Exports often carry a time; the date is what counts.
    let target = chrono::NaiveDate::parse_from_str(
        target_text.get(..10).unwrap_or(&target_text),
        "%Y-%m-%d",
    )
    .map_err(|_| format!("target `{target_text}` is not a date YYYY-MM-DD"))?;
    let ready = match get("ready")
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false" | "no" | "0" | "n") => false,
        Some("true" | "yes" | "1" | "y") => true,
        Some(other) => return Err(format!("ready `{other}` is not true/false")),
    };
    let approved_at = get("approved_at")
        .map(|t| crate::calendar::local_time::parse_local(policy.tz(), &t))
        .transpose()
        .map_err(|e| format!("approved_at: {e}"))?;
    Ok(ChangeRef {
        id,
        title: need("title")?,
        service,
        status,
        owner: {
            let owner = need("owner")?;
            check_owner(&owner).map_err(|e| format!("owner: {e}"))?;
            owner
        },
        target,
        ready,
        approved_by: get("approved_by"),
        approved_at,
        risk: get("risk"),
        link: get("link"),
        description: get("description"),
        release: None,
    })
}

fn import(ctx: &Ctx, a: ChangeImportArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let path = if a.file.is_absolute() {
        a.file.clone()
    } else {
        ctx.cwd.join(&a.file)
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
    // Each row: (its name in messages, its fields).
    let mut rows: Vec<(String, BTreeMap<&'static str, String>)> = vec![];
    match format.as_str() {
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(false)
                .from_reader(text.as_bytes());
            let headers = reader
                .headers()
                .map_err(|e| Error::file(&path, format!("line 1: {e}")))?
                .clone();
            let columns: Vec<Option<&'static str>> = headers.iter().map(field_for).collect();
            for (i, record) in reader.records().enumerate() {
                let line = i + 2;
                let record = record.map_err(|e| Error::file(&path, format!("row {line}: {e}")))?;
                let mut fields = BTreeMap::new();
                for (col, value) in columns.iter().zip(record.iter()) {
                    if let Some(col) = col {
                        fields.insert(*col, value.to_string());
                    }
                }
                rows.push((format!("row {line}"), fields));
            }
        }
        "json" => {
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                Error::file(
                    &path,
                    format!("line {} column {}: {e}", e.line(), e.column()),
                )
            })?;
            let items = match &value {
                serde_json::Value::Array(items) => items.clone(),
                serde_json::Value::Object(o) => match o.get("records").or(o.get("result")) {
                    Some(serde_json::Value::Array(items)) => items.clone(),
                    _ => {
                        return Err(Error::file(
                            &path,
                            "expected an array of changes, or an object with a `records` or `result` array",
                        ));
                    }
                },
                _ => return Err(Error::file(&path, "expected an array of changes")),
            };
            for (i, item) in items.iter().enumerate() {
                let obj = item.as_object().ok_or_else(|| {
                    Error::file(&path, format!("record {}: not an object", i + 1))
                })?;
                let mut fields = BTreeMap::new();
                for (k, v) in obj {
                    if let Some(col) = field_for(k) {
                        let text = match v {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Null => String::new(),
                            other => other.to_string(),
                        };
                        fields.insert(col, text);
                    }
                }
                rows.push((format!("record {}", i + 1), fields));
            }
        }
        other => {
            return Err(Error::usage(format!(
                "--format: `{other}` is not supported; expected csv or json (or a .csv/.json file name)"
            )));
        }
    }
    if rows.is_empty() {
        return Err(Error::file(&path, "no changes to import"));
    }
    let mut changes = vec![];
    let mut seen = std::collections::BTreeSet::new();
    for (name, fields) in &rows {
        let mut change = row_to_change(&policy, fields)
            .map_err(|e| Error::file(&path, format!("{name}: {e}; nothing was imported")))?;
        if !seen.insert(change.id.clone()) {
            return Err(Error::file(
                &path,
                format!("{name}: {} appears twice; nothing was imported", change.id),
            ));
        }
        // Re-importing refreshes a change but keeps the release holding it.
        if let Some(existing) = repo.load_change(&policy, &change.id)? {
            change.release = existing.release.clone();
            if existing == change {
                continue;
            }
        }
        changes.push(change);
    }
    if changes.is_empty() {
        println!("All {} changes are already up to date.", rows.len());
        return Ok(());
    }
    save(
        &repo,
        &policy,
        &changes,
        format!(
            "Import {} changes from {}",
            changes.len(),
            path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
        ),
        "change-import",
    )?;
    if ctx.json() {
        print_json(&changes)
    } else {
        println!(
            "Imported {} changes ({} rows read).",
            changes.len(),
            rows.len()
        );
        Ok(())
    }
}
