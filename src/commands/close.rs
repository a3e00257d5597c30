//! `rel close ID`: deploy -> closed with the closure metrics (seed, "Close
//! the release record with final status and metrics").

use super::promote::transition_with;
use super::{Ctx, Loaded, parse_date};
use crate::calendar::business_days;
use crate::calendar::local_time::to_local;
use crate::cli::CloseArgs;
use crate::error::{Error, Result};
use crate::model::{
    ChangeStatus, Closure, ConfigItem, DefectCounts, DeploymentStatus, Release, ReleaseType,
    Severity, Stage, Timestamp,
};
use crate::policy::Policy;
use crate::store::{paths, yaml};
use std::collections::BTreeSet;

pub fn run(ctx: &Ctx, a: CloseArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("close", ctx.now)?;
    if loaded.release.stage != Stage::Deploy {
        return Err(Error::refused(format!(
            "{} is in {}: close follows deploy",
            loaded.release.id, loaded.release.stage
        )));
    }
    let pir_date = a
        .pir_date
        .as_deref()
        .map(|d| parse_date("--pir-date", d))
        .transpose()?;
    if let (Some(date), Some(d)) = (pir_date, loaded.release.deployment.as_ref()) {
        let deployed_on = to_local(loaded.policy.tz(), d.started).date_naive();
        let today = loaded.policy.local_date(ctx.now);
        if date < deployed_on {
            return Err(Error::refused(format!(
                "--pir-date: {date} is before the deployment on {deployed_on}; a review follows the deployment"
            )));
        }
        if date < today {
            return Err(Error::refused(format!(
                "--pir-date: {date} is in the past (today is {today}); give the date the review will be held"
            )));
        }
    }
    let items = config_items(&a.ci)?;
    if a.config_updated && items.is_empty() {
        ctx.warn(format_args!(
            "--config-updated records no item; name each configuration item updated with --ci NAME=VERSION"
        ));
    }
    let satisfaction = a.satisfaction.filter(|s| !s.trim().is_empty());
    // Seed: the changes shipped; the change references say so in the same
    // commit.
    let mut implemented = vec![];
    for (id, change) in &loaded.changes {
        if let Some(c) = change
            && c.status != ChangeStatus::Implemented
        {
            let mut c = c.clone();
            c.status = ChangeStatus::Implemented;
            let year = loaded.policy.change_shard_of(id)?;
            implemented.push((paths::change(id, year), yaml::to_string(&c)));
        }
    }
    let holidays = loaded.calendar.holidays.clone();
    let policy = loaded.policy.clone();
    let actor = loaded.actor.clone();
    let now = ctx.now;
    transition_with(
        ctx,
        &loaded,
        Stage::Closed,
        &[],
        None,
        |release| {
            release.closure = closure(
                release,
                &policy,
                &holidays,
                a.config_updated,
                pir_date,
                &actor,
                now,
            )
            .map(|c| Closure {
                config_items: items,
                satisfaction,
                ..c
            });
            Ok(())
        },
        implemented,
    )
}

/// `--ci NAME=VERSION` values, each item once.
fn config_items(values: &[String]) -> Result<Vec<ConfigItem>> {
    let mut out: Vec<ConfigItem> = vec![];
    for v in values {
        let (name, version) = v
            .split_once('=')
            .map(|(n, v)| (n.trim(), v.trim()))
            .filter(|(n, v)| !n.is_empty() && !v.is_empty())
            .ok_or_else(|| {
                Error::usage(format!(
                    "--ci: `{v}` is not NAME=VERSION (e.g. --ci finance-app=2.4.0)"
                ))
            })?;
        if out.iter().any(|i| i.name == name) {
            return Err(Error::usage(format!("--ci: {name} is given twice")));
        }
        out.push(ConfigItem {
            name: name.to_string(),
            version: version.to_string(),
        });
    }
    Ok(out)
}

/// The closure record; `None` without a deployment confirmation (the
/// deployment-confirmed gate then says so).
pub fn closure(
    release: &Release,
    policy: &Policy,
    holidays: &BTreeSet<chrono::NaiveDate>,
    config_updated: bool,
    pir_date: Option<chrono::NaiveDate>,
    actor: &str,
    now: Timestamp,
) -> Option<Closure> {
    let d = release.deployment.as_ref()?;
    let mut in_test = DefectCounts::default();
    for defect in release.defects.iter().filter(|d| !d.post_deploy) {
        match defect.severity {
            Severity::Critical => in_test.critical += 1,
            Severity::High => in_test.high += 1,
            Severity::Medium => in_test.medium += 1,
            Severity::Low => in_test.low += 1,
        }
    }
    let deployed_on = to_local(policy.tz(), d.started).date_naive();
    // Seed: major releases need a formal PIR within 5 business days; others
    // join the periodic review unless a date is given.
    let pir_due = match (pir_date, release.kind) {
        (Some(date), _) => Some(date),
        (None, ReleaseType::Major) => Some(business_days::after(
            deployed_on,
            policy.pir_business_days,
            holidays,
        )),
        (None, _) => None,
    };
    let window_end = release.window.end();
    Some(Closure {
        config_updated,
        config_items: vec![],
        pir_due,
        planned_start: release.window.start,
        actual_start: d.started,
        planned_duration: release.window.duration,
        actual_duration: d.duration,
        changes: release.changes.len() as u32,
        defects_in_test: in_test,
        defects_post_deploy: release.defects.iter().filter(|d| d.post_deploy).count() as u32,
        rollback: d.status == DeploymentStatus::RolledBack,
        // On time: started within the booked window.
        on_time: d.started >= release.window.start && d.started < window_end,
        outside_window: release.outside_window(d.started),
        fix_cycles: release.cycle(),
        satisfaction: None,
        by: actor.to_string(),
        at: now,
    })
}
