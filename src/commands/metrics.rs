//! `rel metrics`: delivery metrics over closed releases (seed,
//! "Release metrics are captured for trend analysis").

use super::{Ctx, parse_date, print_json};
use crate::calendar::local_time::to_local;
use crate::cli::MetricsArgs;
use crate::error::Result;
use crate::model::{DeploymentStatus, PirStatus, Release, Stage};
use serde::Serialize;

#[derive(Debug, Serialize, Default)]
pub struct Metrics {
    pub releases: u32,
    pub on_time: u32,
    pub on_time_rate: Option<f64>,
    /// Releases whose deployment started outside the booked window.
    pub outside_window: Vec<String>,
    /// Partial or rolled-back deployments over all deployments.
    pub change_failure_rate: Option<f64>,
    pub partial: u32,
    pub rolled_back: u32,
    /// Mean of actual minus planned duration, in minutes.
    pub mean_duration_overrun_minutes: Option<f64>,
    pub defects_in_test: u32,
    pub defects_escaped: u32,
    pub fix_cycles: u32,
    pub mean_fix_cycles: Option<f64>,
    /// Post-implementation reviews held (formal or in a session).
    pub pirs_held: u32,
    /// Reviews past their due date and not held.
    pub pirs_overdue: u32,
}

pub fn compute<'a>(
    releases: impl IntoIterator<Item = &'a Release>,
    today: chrono::NaiveDate,
) -> Metrics {
    let mut m = Metrics::default();
    let mut overrun = 0i64;
    for r in releases {
        let Some(c) = &r.closure else { continue };
        m.releases += 1;
        m.on_time += u32::from(c.on_time);
        let started = r.deployment.as_ref().map(|d| d.started);
        if let Some(how) = started.and_then(|s| r.outside_window(s)) {
            m.outside_window.push(format!("{} ({how})", r.id));
        }
        match r.deployment.as_ref().map(|d| d.status) {
            Some(DeploymentStatus::Partial) => m.partial += 1,
            Some(DeploymentStatus::RolledBack) => m.rolled_back += 1,
            _ => {}
        }
        overrun += c.actual_duration.minutes - c.planned_duration.minutes;
        m.defects_in_test += c.defects_in_test.total();
        m.defects_escaped += r.post_deploy_defects();
        m.fix_cycles += c.fix_cycles;
        match r.pir_status(today) {
            Some(PirStatus::Held(_)) => m.pirs_held += 1,
            Some(PirStatus::Overdue(_)) => m.pirs_overdue += 1,
            _ => {}
        }
    }
    if m.releases > 0 {
        let n = f64::from(m.releases);
        m.on_time_rate = Some(f64::from(m.on_time) / n);
        m.change_failure_rate = Some(f64::from(m.partial + m.rolled_back) / n);
        m.mean_duration_overrun_minutes = Some(overrun as f64 / n);
        m.mean_fix_cycles = Some(f64::from(m.fix_cycles) / n);
    }
    m
}

pub fn run(ctx: &Ctx, a: MetricsArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    if let Some(s) = &a.service {
        super::change::check_service(&policy, "--service", s)?;
    }
    let tz = policy.tz();
    let since = a
        .since
        .as_deref()
        .map(|d| parse_date("--since", d))
        .transpose()?;
    // Only closed releases count: records that do not spell `closed` (and
    // the service asked for) are not parsed.
    let words: Vec<&str> = std::iter::once(Stage::Closed.as_str())
        .chain(a.service.as_deref())
        .collect();
    let releases: Vec<Release> = repo
        .releases_holding(&words)?
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| r.stage == Stage::Closed)
        .filter(|r| a.service.as_ref().is_none_or(|s| &r.service == s))
        .filter(|r| {
            // The deployment date in the policy's zone, whatever offset the
            // time was recorded with.
            since.is_none_or(|s| {
                let started = r.deployment.as_ref().map_or(r.window.start, |d| d.started);
                to_local(tz, started).date_naive() >= s
            })
        })
        .collect();
    let m = compute(&releases, policy.local_date(ctx.now));
    if ctx.json() {
        return print_json(&m);
    }
    let pct = |v: Option<f64>| {
        v.map(|x| format!("{:.0} %", x * 100.0))
            .unwrap_or_else(|| "-".into())
    };
    let num = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into());
    let mut t = crate::render::table::new(&["METRIC", "VALUE"], ctx.table_width);
    for (k, v) in [
        ("Closed releases", m.releases.to_string()),
        (
            "On-time delivery",
            format!("{} ({} of {})", pct(m.on_time_rate), m.on_time, m.releases),
        ),
        (
            "Started outside the window",
            if m.outside_window.is_empty() {
                "0".to_string()
            } else {
                format!(
                    "{}: {}",
                    m.outside_window.len(),
                    m.outside_window.join(", ")
                )
            },
        ),
        (
            "Change failure rate",
            format!(
                "{} ({} partial, {} rolled back)",
                pct(m.change_failure_rate),
                m.partial,
                m.rolled_back
            ),
        ),
        (
            "Mean duration overrun",
            format!("{} min", num(m.mean_duration_overrun_minutes)),
        ),
        ("Defects found in test", m.defects_in_test.to_string()),
        (
            "Defects escaped to production",
            m.defects_escaped.to_string(),
        ),
        (
            "Fix cycles",
            format!("{} (mean {})", m.fix_cycles, num(m.mean_fix_cycles)),
        ),
        (
            "Post-implementation reviews",
            format!("{} held, {} overdue", m.pirs_held, m.pirs_overdue),
        ),
    ] {
        t.add_row(vec![k.to_string(), v]);
    }
    crate::render::table::fit_free_text(&mut t);
    println!("{t}");
    Ok(())
}
