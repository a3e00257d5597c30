//! `rel pir`: post-implementation reviews (seed, "Close the release": "Major
//! releases require formal PIR within 5 business days of deployment. Minor
//! and patch releases aggregate into periodic PIR sessions covering
//! multiple releases"; "Verification": the PIR is scheduled or completed).

use super::{Ctx, Loaded, commit_release, message, parse_date, print_json};
use crate::calendar::local_time::to_local;
use crate::cli::{PirArgs, PirCommand};
use crate::error::{Error, Result};
use crate::model::{Pir, PirStatus, Release, ReleaseId, ReleaseType, Stage, Timestamp};
use crate::policy::Policy;
use crate::render::table;
use crate::store::yaml;

pub fn run(ctx: &Ctx, a: PirArgs) -> Result<()> {
    match a.command {
        Some(PirCommand::Session {
            date,
            releases,
            outcome,
            actions,
        }) => session(ctx, &date, &releases, outcome, actions),
        Some(PirCommand::List { due, overdue }) => list(ctx, due, overdue),
        None => record(ctx, a),
    }
}

fn outcome_flag(text: Option<String>) -> Result<String> {
    text.filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Error::usage("missing --outcome: what the review concluded"))
}

/// Checks the day a review was held against the clock and the deployment.
fn held_day(
    flag: &str,
    policy: &Policy,
    r: &Release,
    held: chrono::NaiveDate,
    now: Timestamp,
) -> Result<()> {
    let today = policy.local_date(now);
    if held > today {
        return Err(Error::usage(format!(
            "{flag}: {held} is in the future (today is {today}); record a review once it is held"
        )));
    }
    if let Some(d) = &r.deployment {
        let deployed = to_local(policy.tz(), d.started).date_naive();
        if held < deployed {
            return Err(Error::usage(format!(
                "{flag}: {held} is before {} was deployed ({deployed}); a review follows the deployment",
                r.id
            )));
        }
    }
    Ok(())
}

/// What refuses a review of `r`: not closed, or already reviewed.
fn reviewable(r: &Release) -> Result<()> {
    if r.stage != Stage::Closed {
        return Err(Error::refused(format!(
            "{} is in {}: a post-implementation review follows close",
            r.id, r.stage
        )));
    }
    if let Some(p) = &r.pir {
        return Err(Error::refused(format!(
            "{} already has a post-implementation review, held {} by {}",
            r.id, p.held, p.by
        )));
    }
    Ok(())
}

fn record(ctx: &Ctx, a: PirArgs) -> Result<()> {
    let Some(id) = a.id else {
        return Err(Error::usage(
            "rel pir ID --held DATE --outcome TEXT records a review; rel pir session ... a periodic session; rel pir list what is due",
        ));
    };
    let loaded = Loaded::load(ctx, &id)?;
    loaded.permit("pir", ctx.now)?;
    let mut release = loaded.release.clone();
    reviewable(&release)?;
    let held = parse_date(
        "--held",
        &a.held.ok_or_else(|| {
            Error::usage("missing --held: the day the review was held (YYYY-MM-DD)")
        })?,
    )?;
    held_day("--held", &loaded.policy, &release, held, ctx.now)?;
    let outcome = outcome_flag(a.outcome)?;
    release.pir = Some(Pir {
        held,
        outcome,
        actions: a.actions,
        session: vec![],
        by: loaded.actor.clone(),
        at: ctx.now,
    });
    let text = format!("post-implementation review held {held}");
    let msg = message(&release, "pir", &text, None, None, &[]);
    commit_release(&loaded.repo, &release, &msg)?;
    if ctx.json() {
        return print_json(&release);
    }
    println!("{}: {text}", release.id);
    Ok(())
}

fn session(
    ctx: &Ctx,
    date: &str,
    ids: &[String],
    outcome: String,
    actions: Vec<String>,
) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let actor = repo.actor()?;
    let held = parse_date("--date", date)?;
    let outcome = outcome_flag(Some(outcome))?;
    let mut releases: Vec<Release> = vec![];
    for id in ids {
        let rid = ReleaseId::parse(id).map_err(|e| Error::usage(format!("--release: {e}")))?;
        let r = repo.load_release(&rid)?;
        if releases.iter().any(|o| o.id == r.id) {
            return Err(Error::usage(format!("--release: {} is given twice", r.id)));
        }
        super::permit(
            &policy,
            "pir",
            &actor,
            &crate::policy::permissions::Subject::release(&r.service),
            ctx.now,
        )?;
        reviewable(&r)?;
        if r.kind == ReleaseType::Major {
            return Err(Error::refused(format!(
                "{} is a major release: it needs its own formal review (rel pir {} --held DATE --outcome ...)",
                r.id, r.id
            )));
        }
        held_day("--date", &policy, &r, held, ctx.now)?;
        releases.push(r);
    }
    let covered: Vec<String> = releases.iter().map(|r| r.id.clone()).collect();
    let mut tx = repo.begin()?;
    for r in &mut releases {
        r.pir = Some(Pir {
            held,
            outcome: outcome.clone(),
            actions: actions.clone(),
            session: covered.clone(),
            by: actor.clone(),
            at: ctx.now,
        });
        tx.write(&super::release_path(r), yaml::to_string(&*r))?;
    }
    let text = match covered.len() {
        1 => format!("periodic review session {held} (1 release)"),
        n => format!("periodic review session {held} ({n} releases)"),
    };
    let msg = message(
        &releases[0],
        "pir",
        &text,
        None,
        None,
        &[("Rel-Releases", covered.join(", "))],
    );
    tx.commit(&msg)?;
    if ctx.json() {
        return print_json(&releases);
    }
    println!("{text}: {}", covered.join(", "));
    Ok(())
}

#[derive(serde::Serialize)]
struct Row {
    release: String,
    service: String,
    #[serde(rename = "type")]
    kind: ReleaseType,
    deployed: Option<chrono::NaiveDate>,
    status: &'static str,
    due: Option<chrono::NaiveDate>,
    held: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<String>,
}

fn list(ctx: &Ctx, due: bool, overdue: bool) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let today = policy.local_date(ctx.now);
    let mut rows = vec![];
    for (_, r) in repo.all_releases()? {
        let Some(status) = r.pir_status(today) else {
            continue;
        };
        let keep = match status {
            PirStatus::Held(_) => !due && !overdue,
            PirStatus::Overdue(_) => true,
            PirStatus::Due(_) | PirStatus::Session => !overdue,
        };
        if !keep {
            continue;
        }
        rows.push(Row {
            release: r.id.clone(),
            service: r.service.clone(),
            kind: r.kind,
            deployed: r
                .deployment
                .as_ref()
                .map(|d| to_local(policy.tz(), d.started).date_naive()),
            status: status.as_str(),
            due: r.closure.as_ref().and_then(|c| c.pir_due),
            held: r.pir.as_ref().map(|p| p.held),
            outcome: r.pir.as_ref().map(|p| p.outcome.clone()),
        });
    }
    if ctx.json() {
        return print_json(&rows);
    }
    if rows.is_empty() {
        println!(
            "No post-implementation reviews{}.",
            if overdue {
                " overdue"
            } else if due {
                " due"
            } else {
                ""
            }
        );
        return Ok(());
    }
    let mut t = table::listing(
        &["ID", "SERVICE", "TYPE", "DEPLOYED", "PIR", "DATE"],
        ctx.table_width,
    );
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for r in &rows {
        t.add_row(vec![
            r.release.clone(),
            r.service.clone(),
            r.kind.to_string(),
            day(r.deployed),
            r.status.to_string(),
            match r.status {
                "held" => day(r.held),
                "awaiting-session" => "next session".to_string(),
                _ => day(r.due),
            },
        ]);
    }
    // Ids, names and dates are never split; "next session" may wrap.
    table::keep_words(&mut t, &[0, 1, 2, 3, 4]);
    table::keep_lines(&mut t, &[5]);
    println!("{t}");
    Ok(())
}
