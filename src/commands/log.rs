//! `rel log [ID]`: the audit trail from git history (who, when, what). For
//! one release, every commit that changed its record, the ones made
//! without rel marked as hand edits.

use super::{Ctx, end_without_teardown, print_json};
use crate::cli::LogArgs;
use crate::error::{Error, Result};
use crate::model::{ReleaseId, Timestamp};
use crate::policy::Policy;
use crate::store::{Signature, history, paths};

/// A `--since`/`--until` bound: a whole day in the policy's time zone, or
/// an instant.
enum Bound {
    Day(chrono::NaiveDate),
    Time(Timestamp),
}

fn bound(policy: &Policy, flag: &str, text: &str) -> Result<Bound> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(Bound::Day(day));
    }
    crate::calendar::local_time::parse_local(policy.tz(), text)
        .map(Bound::Time)
        .map_err(|_| {
            Error::usage(format!(
                "{flag}: `{text}` is not a date or a date-time; expected YYYY-MM-DD, YYYY-MM-DD HH:MM (in {}) or RFC 3339",
                policy.timezone
            ))
        })
}

pub fn run(ctx: &Ctx, a: LogArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let id = a.id.as_deref().map(ReleaseId::parse).transpose()?;
    let since = a
        .since
        .as_deref()
        .map(|d| bound(&policy, "--since", d))
        .transpose()?;
    let until = a
        .until
        .as_deref()
        .map(|d| bound(&policy, "--until", d))
        .transpose()?;
    let tz = policy.tz();
    let file = id.as_ref().map(paths::release);
    let name = id.as_ref().map(|i| i.to_string());
    let release = name.as_deref().zip(file.as_deref());
    let entries = history::log(&repo, release)?;
    if let (Some(name), Some(file)) = (&name, &file)
        && entries.is_empty()
        && !repo.root.join(file).is_file()
    {
        return Err(Error::data(format!(
            "no release {name} ({}) and no commit in history changed it",
            file.display()
        )));
    }
    let entries: Vec<_> = entries
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
            let after = match &since {
                None => true,
                Some(Bound::Day(d)) => day >= *d,
                Some(Bound::Time(t)) => e.time >= *t,
            };
            let before = match &until {
                None => true,
                Some(Bound::Day(d)) => day <= *d,
                Some(Bound::Time(t)) => e.time <= *t,
            };
            after && before
        })
        .collect();
    if ctx.json() {
        print_json(&entries)?;
        end_without_teardown(repo);
        return Ok(());
    }
    if entries.is_empty() {
        println!(
            "No rel commits{}.",
            name.map(|i| format!(" for {i}")).unwrap_or_default()
        );
        return Ok(());
    }
    let mut t = crate::render::table::listing(
        &["WHEN", "WHO", "WHAT", "SIGNED", "COMMIT"],
        ctx.table_width,
    );
    for e in &entries {
        t.add_row(vec![
            e.time
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            format!("{} <{}>", e.author, e.email),
            {
                let what = if e.hand_edit {
                    format!("hand edit: {}", e.subject)
                } else {
                    e.subject.clone()
                };
                // A note, not a finding: tests and backfills set the clock.
                match e.trailer("Rel-Clock") {
                    Some(source) => format!("{what} (note: clock set by {source})"),
                    None => what,
                }
            },
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
    // The time, the author's address and the commit are never split; what
    // happened wraps.
    crate::render::table::keep_lines(&mut t, &[0]);
    crate::render::table::keep_words(&mut t, &[1, 3, 4]);
    crate::render::table::fit_free_text(&mut t);
    println!("{t}");
    end_without_teardown(repo);
    Ok(())
}
