//! `rel log [ID]`: the audit trail from git history (who, when, what).

use super::{Ctx, parse_date, print_json};
use crate::cli::LogArgs;
use crate::error::Result;
use crate::model::ReleaseId;
use crate::store::{Signature, history};

pub fn run(ctx: &Ctx, a: LogArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let id =
        a.id.as_deref()
            .map(ReleaseId::parse)
            .transpose()?
            .map(|i| i.to_string());
    let since = a
        .since
        .as_deref()
        .map(|d| parse_date("--since", d))
        .transpose()?;
    let until = a
        .until
        .as_deref()
        .map(|d| parse_date("--until", d))
        .transpose()?;
    let tz = policy.tz();
    let entries: Vec<_> = history::log(&repo, id.as_deref())?
        .into_iter()
        .filter(|e| {
            a.actor.as_ref().is_none_or(|who| {
                let who = who.to_ascii_lowercase();
                e.author.to_ascii_lowercase().contains(&who)
                    || e.email.to_ascii_lowercase().contains(&who)
            })
        })
        .filter(|e| {
            let day = e.time.with_timezone(&tz).date_naive();
            since.is_none_or(|s| day >= s) && until.is_none_or(|u| day <= u)
        })
        .collect();
    if ctx.json() {
        return print_json(&entries);
    }
    if entries.is_empty() {
        println!(
            "No rel commits{}.",
            id.map(|i| format!(" for {i}")).unwrap_or_default()
        );
        return Ok(());
    }
    let mut t = crate::render::table::new(&["WHEN", "WHO", "WHAT", "SIGNED", "COMMIT"]);
    for e in &entries {
        t.add_row(vec![
            e.time
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            format!("{} <{}>", e.author, e.email),
            e.subject.clone(),
            match e.signature {
                Signature::None => "-",
                Signature::Good => "verified",
                Signature::Bad => "BAD",
                Signature::Unknown => "unverified",
            }
            .to_string(),
            e.commit.chars().take(10).collect(),
        ]);
    }
    println!("{t}");
    Ok(())
}
