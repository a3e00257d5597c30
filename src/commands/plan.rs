//! `rel plan`: book a release in stage `plan` (seed, "Plan the release").

use super::plan_refusal::{propose, refusal, too_long};
use super::{Ctx, load_changes, parse_time, print_json};
use crate::calendar::{Calendar, business_days, local_time, timeline};
use crate::cli::PlanArgs;
use crate::error::{Error, Result};
use crate::gates::{self, Evaluation, GateContext, GateStatus};
use crate::model::{
    Booking, Duration, Impact, Release, ReleaseId, ReleaseType, Risk, Stage, Waiver, Window,
    version::Version,
};
use crate::policy::permissions::Subject;
use crate::render::table;
use crate::store::{paths, yaml};
use chrono::Datelike;

/// Gates `rel plan` applies: every plan -> build gate except the approval
/// of the definition, which can only follow the booking.
/// The definition's completeness is a warning at plan (it is completed with
/// `rel amend` before approval), a refusal at approval and at promote.
const NOT_AT_PLAN: &[&str] = &["definition-approved", "definition-complete"];
/// Calendar gates an exception window may waive at plan (seed
/// troubleshooting: "Request exception window with business justification").
const WAIVABLE_AT_PLAN: &[&str] = &["maintenance-window", "blackout"];
/// Gates whose refusal moving the window can cure.
pub(super) const CALENDAR_GATES: &[&str] = &["maintenance-window", "blackout", "conflicts"];
/// How a window start is shown (with the offset when it is ambiguous).
pub(super) const LONG: &str = "%a %d %b %Y %H:%M";
/// How far ahead `--next` and the refusal's proposal search (said in the
/// help of `--next`, src/cli.rs).
pub(super) const HORIZON_DAYS: u32 = 120;

pub fn run(ctx: &Ctx, a: PlanArgs) -> Result<()> {
    ctx.require_flags(
        "plan",
        &[
            ("--service", a.service.is_some()),
            ("--type", a.kind.is_some()),
            ("--target", a.target.is_some()),
            ("--change", !a.changes.is_empty()),
        ],
    )?;
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let calendar = repo.load_calendar(&policy)?;
    let actor = repo.actor()?;

    let service = ctx.require(a.service, "--service", "Service")?;
    if !policy.services.contains_key(&service) {
        return Err(Error::usage(format!(
            "--service: unknown service `{service}`; services in policy.yaml: {}",
            policy
                .services
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    super::permit(
        &policy,
        "plan",
        &actor,
        &Subject::release(&service),
        ctx.now,
    )?;
    let kind = ReleaseType::parse_flag(
        "--type",
        &ctx.require(
            a.kind,
            "--type",
            "Release type (major, minor, patch, emergency)",
        )?,
    )?;
    let target_text = ctx.require(a.target, "--target", "Window start (YYYY-MM-DD HH:MM)")?;
    let start = parse_time(&policy, "--target", &target_text)?;
    if start <= ctx.now {
        return Err(Error::refused(format!(
            "--target: {} is not in the future (now {}); a window is booked ahead of time (REL_NOW sets the clock for a backfill)",
            super::local(&policy, start),
            super::local(&policy, ctx.now)
        )));
    }
    // SPEC 3.4: an emergency answers an incident, says why, and is not a
    // way around the calendar by being booked far ahead.
    if kind.is_emergency() {
        if a.incident.as_deref().is_none_or(|i| i.trim().is_empty()) {
            return Err(Error::usage(
                "missing --incident: an emergency release names the production incident it answers",
            ));
        }
        if a.rationale.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(Error::usage(
                "missing --rationale: an emergency release says why it cannot wait for a scheduled window",
            ));
        }
        let max = policy.emergency.max_lead_hours;
        if start - ctx.now > chrono::Duration::hours(i64::from(max)) {
            return Err(Error::refused(format!(
                "an emergency release is deployed within {max} h of planning (policy emergency.max_lead_hours); {} is {} h away: plan a scheduled release, with an exception window (--waive ... --reason) if the calendar refuses it",
                super::local(&policy, start),
                (start - ctx.now).num_hours()
            )));
        }
    } else if a.incident.is_some() {
        return Err(Error::usage(
            "--incident: only an emergency release (--type emergency) names an incident",
        ));
    }
    let duration =
        Duration::parse(&a.duration).map_err(|e| Error::usage(format!("--duration: {e}")))?;
    if duration.minutes <= 0 {
        return Err(Error::usage("--duration: must be longer than zero"));
    }
    let impact = Impact::parse_flag("--impact", &a.impact)?;
    if a.changes.is_empty() {
        return Err(Error::usage(
            "missing --change: a release includes at least one approved change (repeat --change ID)",
        ));
    }
    for id in &a.changes {
        policy.change_shard_of(id)?;
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = a.changes.iter().find(|c| !seen.insert(*c)) {
        return Err(Error::usage(format!("--change: {dup} is given twice")));
    }
    if let Some(v) = &a.version {
        super::version_flag(&policy, &service, v)?;
    }
    let depends_on = super::depends_on_flag(&repo, &a.depends_on, None)?;
    let rollback = super::rollback_flags(a.rollback_window, a.rollback_procedure, None)?;

    let changes = load_changes(&repo, &policy, &a.changes)?;
    let mut release = Release {
        version: a.version,
        rationale: a.rationale.unwrap_or_default(),
        incident: a.incident,
        risk: a.risk.map(|summary| Risk {
            level: impact,
            summary,
        }),
        rollback,
        people: a.people,
        resources: a.resources,
        depends_on,
        requires: a.requires,
        runbook: a.runbook.filter(|r| !r.trim().is_empty()),
        contacts: a.contacts,
        ..Release::booked(Booking {
            id: String::new(),
            title: a
                .title
                .unwrap_or_else(|| format!("{service} {kind} release")),
            service: service.clone(),
            kind,
            changes: a.changes.clone(),
            window: Window { start, duration },
            schedule: timeline::schedule(
                local_time::to_local(policy.tz(), start).date_naive(),
                kind,
                &policy.timeline,
            ),
            impact,
            planned_by: actor.clone(),
            booked_at: ctx.now,
        })
    };
    assign_id(&repo, &policy, &mut release)?;
    version_above_production(&repo, &policy, &release)?;

    // Releases that may stand in the way: those of the months around the
    // window (and those depended on). Only a calendar refusal reads further,
    // up to the search horizon, to propose the next free start.
    let mut others = super::nearby_releases(&repo, &release)?;
    for dep in &release.depends_on {
        if !others.iter().any(|r| &r.id == dep) {
            others.push(repo.load_release(&ReleaseId::parse(dep)?)?);
        }
    }

    let mut eval = evaluate(&release, &changes, &others, &policy, &calendar, ctx);
    let calendar_refused = eval
        .failures()
        .any(|g| CALENDAR_GATES.contains(&g.name.as_str()));
    let other_refused = eval
        .failures()
        .any(|g| !CALENDAR_GATES.contains(&g.name.as_str()));
    let proposal = if calendar_refused {
        propose(&repo, &policy, &calendar, &release, start, &mut others)?
    } else {
        None
    };
    if calendar_refused && a.next && !other_refused {
        let Some(slot) = proposal else {
            return Err(Error::refused(
                match too_long(&release, &calendar, policy.tz()) {
                    Some(why) => why,
                    None => format!(
                        "no free slot for a {} window within {HORIZON_DAYS} days of {}",
                        duration,
                        local_time::format_local(policy.tz(), start, LONG)
                    ),
                },
            ));
        };
        release.window.start = slot;
        release.schedule = timeline::schedule(
            local_time::to_local(policy.tz(), slot).date_naive(),
            kind,
            &policy.timeline,
        );
        assign_id(&repo, &policy, &mut release)?;
        eval = evaluate(&release, &changes, &others, &policy, &calendar, ctx);
    }

    if !a.waive.is_empty() {
        waive(
            &policy,
            &actor,
            &mut release,
            &eval,
            &a.waive,
            a.reason.as_deref(),
            ctx,
        )?;
        eval = evaluate(&release, &changes, &others, &policy, &calendar, ctx);
    }
    if !eval.allowed {
        let text = refusal(
            "cannot plan this release",
            ", or add --next",
            &eval,
            proposal,
            &release,
            &calendar,
            &policy,
        );
        return super::plan_refusal::refuse(ctx, text, &eval, proposal);
    }

    // One commit: the release and each change it now holds.
    let mut tx = repo.begin()?;
    tx.write(&super::release_path(&release), yaml::to_string(&release))?;
    for (id, change) in &changes {
        let mut change = change.clone().expect("changes-approved passed");
        change.release = Some(release.id.clone());
        let year = policy.change_shard_of(id)?;
        tx.write(&paths::change(id, year), yaml::to_string(&change))?;
    }
    let what = format!("plan {} {} release", release.service, release.kind);
    let msg = super::message(&release, "plan", &what, None, Some(&eval), &[]);
    tx.commit(&msg)?;

    if ctx.json() {
        return print_json(&release);
    }
    println!("{}", release.id);
    // The default title already says the service and type.
    let what = if release.title == format!("{} {} release", release.service, release.kind) {
        format!("{} impact", release.impact)
    } else {
        format!(
            "{} {}, {} impact",
            release.service, release.kind, release.impact
        )
    };
    println!(
        "Planned {} ({what}), window {} for {}",
        release.title,
        local_time::format_local(policy.tz(), release.window.start, LONG),
        release.window.duration
    );
    let s = &release.schedule;
    let mut t = table::new(&["MILESTONE", "DATE"], ctx.table_width);
    for (name, date) in [
        ("Planning completion", s.planning),
        ("Build completion", s.build),
        ("Test completion", s.test),
        ("Staging acceptance", s.staging),
        ("Deployment", s.deployment),
    ] {
        t.add_row(vec![
            name.to_string(),
            date.format("%a %d %b %Y").to_string(),
        ]);
    }
    println!("{t}");
    // Seed, "Define the release schedule": the milestones work back from
    // the target; one already behind us means a compressed timeline.
    let today = policy.local_date(ctx.now);
    let passed: Vec<String> = [
        ("planning completion", s.planning),
        ("build completion", s.build),
        ("test completion", s.test),
        ("staging acceptance", s.staging),
    ]
    .iter()
    .filter(|(_, d)| *d < today)
    .map(|(n, d)| format!("{n} {d}"))
    .collect();
    if !passed.is_empty() && !release.kind.is_emergency() {
        ctx.warn(format_args!(
            "timeline: already past today ({today}): {}; the schedule is compressed",
            passed.join(", ")
        ));
    }
    for g in eval.gates.iter().filter(|g| g.status == GateStatus::Warn) {
        ctx.warn(format_args!("{}: {}", g.name, g.message));
    }
    notice_warning(&policy, &calendar, &release, ctx);
    let missing = gates::definition_complete::missing_parts(&release);
    if !missing.is_empty() {
        ctx.warn(format_args!(
            "definition-complete: the definition lacks {}; complete it with rel amend {} before it is approved",
            missing.join("; "),
            release.id
        ));
    }
    let roles = policy
        .approvals
        .definition
        .get(&release.kind)
        .cloned()
        .unwrap_or_default();
    // An incomplete definition cannot be approved: completing it comes
    // first.
    let mut steps = vec![];
    if !missing.is_empty() {
        steps.push(format!(
            "complete the definition (rel amend {} with the missing parts)",
            release.id
        ));
    }
    if !roles.is_empty() {
        steps.push(format!(
            "the definition needs approval by {} (rel approve {} --role {})",
            roles.join(" and "),
            release.id,
            roles[0]
        ));
    }
    steps.push(format!("rel promote {}", release.id));
    let next = format!("Next: {}", steps.join(", then "));
    println!("{}", crate::render::wrap::wrap(&next, ctx.text_width()));
    Ok(())
}

/// SPEC 3.3: a version not above production's is refused at plan, not first
/// after the build.
fn version_above_production(
    repo: &crate::store::Repo,
    policy: &crate::policy::Policy,
    release: &Release,
) -> Result<()> {
    let Some(text) = &release.version else {
        return Ok(());
    };
    let Some(last) = super::last_closed(repo, release)? else {
        return Ok(());
    };
    let versioning = policy
        .services
        .get(&release.service)
        .map(|s| s.versioning)
        .unwrap_or_default();
    let (Ok(v), Some(Ok(prev))) = (
        Version::parse(versioning, text),
        last.version
            .as_deref()
            .map(|p| Version::parse(versioning, p)),
    ) else {
        return Ok(());
    };
    if v.compare(&prev) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::refused(format!(
            "--version: {text} is not greater than {}, the version of {} in production (the last closed release of {}); nothing was planned",
            last.version.as_deref().unwrap_or(""),
            last.id,
            release.service
        )));
    }
    Ok(())
}

/// Warns when the notice the impact needs can no longer be given before the
/// window (the latest send date is already past).
fn notice_warning(
    policy: &crate::policy::Policy,
    calendar: &Calendar,
    release: &Release,
    ctx: &Ctx,
) {
    if release.kind.is_emergency() {
        return;
    }
    let days = policy.lead_days(release.impact);
    let deploy_day = local_time::to_local(policy.tz(), release.window.start).date_naive();
    let latest = business_days::before(deploy_day, days, &calendar.holidays);
    let today = policy.local_date(ctx.now);
    if latest < today {
        ctx.warn(format_args!(
            "notifications-sent: {} impact needs {days} business days' notice to {} (by {latest}); today is {today}, so the notice period can no longer be met",
            release.impact,
            policy.audiences(release.impact).join(", ")
        ));
    }
}

/// `--waive GATE --reason R` at plan: an exception window (SPEC 3.4). Only a
/// waivable calendar gate that refuses this booking, by a holder of the
/// waiver role; the waiver is recorded for plan -> build.
fn waive(
    policy: &crate::policy::Policy,
    actor: &str,
    release: &mut Release,
    eval: &Evaluation,
    gates_named: &[String],
    reason: Option<&str>,
    ctx: &Ctx,
) -> Result<()> {
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| Error::usage("--waive needs --reason with the business justification"))?;
    for gate in gates_named {
        if !WAIVABLE_AT_PLAN.contains(&gate.as_str()) {
            return Err(Error::refused(format!(
                "--waive {gate}: at plan only the calendar gates {} may be waived (an exception window)",
                WAIVABLE_AT_PLAN.join(" and ")
            )));
        }
        let spec_waivable = policy
            .gates
            .get(&Stage::Build)
            .is_some_and(|g| g.iter().any(|s| &s.name == gate && s.waivable));
        if !spec_waivable {
            return Err(Error::refused(format!(
                "gate {gate} is not waivable (policy.yaml gates.build: mark it `waivable: true` to allow exception windows)"
            )));
        }
        super::promote::may_waive(policy, actor, &release.service, ctx.now)?;
        super::promote::waived_gate_fails(eval, gate, release.kind, "refuse this booking")?;
        release.waivers.push(Waiver {
            gate: gate.clone(),
            to: Stage::Build,
            reason: reason.to_string(),
            by: actor.to_string(),
            at: ctx.now,
        });
    }
    Ok(())
}

/// The next free number in the month of the window's local date.
fn assign_id(
    repo: &crate::store::Repo,
    policy: &crate::policy::Policy,
    release: &mut Release,
) -> Result<()> {
    let day = local_time::to_local(policy.tz(), release.window.start).date_naive();
    let taken = repo.release_ids_in_month(day.year(), day.month())?;
    let number = taken.iter().map(|i| i.number).max().unwrap_or(0) + 1;
    release.id = ReleaseId::for_date(day, number).to_string();
    Ok(())
}

pub(super) fn evaluate(
    release: &Release,
    changes: &std::collections::BTreeMap<String, Option<crate::model::ChangeRef>>,
    others: &[Release],
    policy: &crate::policy::Policy,
    calendar: &Calendar,
    ctx: &Ctx,
) -> Evaluation {
    let context = GateContext {
        release,
        changes,
        nearby: others,
        last_closed: None,
        policy,
        calendar,
        now: ctx.now,
        to: Stage::Build,
    };
    let mut eval = gates::evaluate(&context);
    eval.gates
        .retain(|g| !NOT_AT_PLAN.contains(&g.name.as_str()));
    // The release is being booked: on a tie, the releases already booked
    // keep their slots (the gate as run for a booked release would let the
    // smaller id win, and ids follow months, not the order of booking).
    for g in eval.gates.iter_mut().filter(|g| g.name == "conflicts") {
        let outcome = gates::calendar::booking_conflicts(&context);
        g.status = outcome.status;
        g.message = outcome.message;
        g.remedy = outcome.remedy;
    }
    // The release does not exist yet: the way to an exception window is
    // this plan with --waive, not a promote of it.
    let promote = format!("rel promote {} --waive", release.id);
    for g in eval.gates.iter_mut() {
        if let Some(r) = g.remedy.as_mut() {
            *r = r.replace(&promote, "rel plan ... --waive");
        }
    }
    eval.allowed = eval.gates.iter().all(|g| g.status != GateStatus::Fail);
    eval.to = Stage::Plan;
    eval
}

#[cfg(test)]
mod tests {
    use super::HORIZON_DAYS;
    use clap::CommandFactory;

    #[test]
    fn the_help_of_next_names_the_search_limit() {
        let cli = crate::cli::Cli::command();
        let plan = cli.find_subcommand("plan").unwrap();
        let next = plan.get_arguments().find(|a| a.get_id() == "next").unwrap();
        let help = next.get_help().unwrap().to_string();
        assert!(help.contains(&format!("{HORIZON_DAYS} days")), "{help}");
    }
}
