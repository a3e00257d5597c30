//! `rel show ID` and `rel list`.

use super::{Ctx, Loaded, local, print_json};
use crate::cli::ListArgs;
use crate::error::{Error, Result};
use crate::model::{Release, Stage};
use crate::render::{evaluation, table};

pub fn show(ctx: &Ctx, id: &str) -> Result<()> {
    let loaded = Loaded::load(ctx, id)?;
    let r = &loaded.release;
    let eval = r.stage.next().map(|to| loaded.evaluate(r, to, ctx.now));
    if ctx.json() {
        let mut value = serde_json::to_value(r).unwrap_or_default();
        if let Some(e) = &eval {
            value["next"] = serde_json::to_value(e).unwrap_or_default();
        }
        return print_json(&value);
    }
    let p = &loaded.policy;
    println!("{}  {}", r.id, r.title);
    println!(
        "  {} {} release{}, {} impact, stage {}",
        r.service,
        r.kind,
        r.version
            .as_ref()
            .map(|v| format!(" v{v}"))
            .unwrap_or_default(),
        r.impact,
        r.stage
    );
    if !r.rationale.is_empty() {
        println!("  rationale: {}", r.rationale);
    }
    println!(
        "  window: {} for {} ({})",
        local(p, r.window.start),
        r.window.duration,
        p.timezone
    );
    println!(
        "  schedule: planning {}, build {}, test {}, staging {}, deployment {}",
        r.schedule.planning,
        r.schedule.build,
        r.schedule.test,
        r.schedule.staging,
        r.schedule.deployment
    );
    println!("  planned by {} at {}", r.planned_by, local(p, r.booked_at));
    if let Some(rb) = &r.rollback {
        println!("  rollback: within {} ({})", rb.window, rb.procedure);
    }
    if !r.depends_on.is_empty() {
        println!("  depends on: {}", r.depends_on.join(", "));
    }
    if !r.people.is_empty() {
        println!("  key people: {}", r.people.join(", "));
    }
    println!("\nChanges ({}):", r.changes.len());
    for id in &r.changes {
        match loaded.changes.get(id).and_then(Option::as_ref) {
            Some(c) => println!(
                "  {id}  {} [{}{}] {}",
                c.title,
                c.status.as_str(),
                if c.ready { ", ready" } else { "" },
                c.owner
            ),
            None => println!("  {id}  (no change reference)"),
        }
    }
    let mut evidence = vec![];
    for a in &r.approvals {
        evidence.push((
            a.at,
            format!("{} approval as {} by {}", a.purpose, a.role, a.by),
        ));
    }
    for b in &r.build {
        evidence.push((
            b.at,
            format!(
                "build verification {} {}",
                b.verification,
                b.package.clone().unwrap_or_default()
            ),
        ));
    }
    for t in &r.tests {
        evidence.push((
            t.at,
            format!(
                "test {}: {} passed, {} failed, {} blocked (cycle {})",
                t.category, t.passed, t.failed, t.blocked, t.cycle
            ),
        ));
    }
    for d in &r.defects {
        evidence.push((
            d.at,
            format!(
                "{} {} [{}] {}{}",
                d.id,
                d.severity,
                d.status,
                d.title,
                d.workaround
                    .as_ref()
                    .map(|w| format!(" (workaround: {w})"))
                    .unwrap_or_default()
            ),
        ));
    }
    for n in &r.notifications {
        evidence.push((n.sent_at, format!("notified {}", n.audience)));
    }
    if let Some(s) = &r.readiness {
        evidence.push((s.at, format!("readiness review by {}", s.by)));
    }
    if let Some(s) = &r.go {
        evidence.push((s.at, format!("go decision by {}", s.by)));
    }
    if let Some(d) = &r.deployment {
        evidence.push((
            d.at,
            format!(
                "deployment {} started {} for {}",
                d.status,
                local(p, d.started),
                d.duration
            ),
        ));
    }
    for f in &r.fix_cycles {
        evidence.push((f.at, format!("fix cycle: {}", f.reason)));
    }
    for w in &r.waivers {
        evidence.push((
            w.at,
            format!("waived {} (-> {}) by {}: {}", w.gate, w.to, w.by, w.reason),
        ));
    }
    if let Some(c) = &r.cancellation {
        evidence.push((c.at, format!("cancelled by {}: {}", c.by, c.reason)));
    }
    evidence.sort_by_key(|(at, _)| *at);
    if !evidence.is_empty() {
        println!("\nEvidence:");
        for (at, text) in evidence {
            println!("  {}  {text}", local(p, at));
        }
    }
    if let Some(c) = &r.closure {
        println!("\nClosure:");
        println!(
            "  planned {} for {}, actual {} for {}",
            local(p, c.planned_start),
            c.planned_duration,
            local(p, c.actual_start),
            c.actual_duration
        );
        println!(
            "  changes {}, defects in test {} ({} critical, {} high, {} medium, {} low), post-deploy {}, rollback {}, on time {}",
            c.changes,
            c.defects_in_test.total(),
            c.defects_in_test.critical,
            c.defects_in_test.high,
            c.defects_in_test.medium,
            c.defects_in_test.low,
            c.defects_post_deploy,
            if c.rollback { "yes" } else { "no" },
            if c.on_time { "yes" } else { "no" }
        );
        if let Some(pir) = c.pir_due {
            println!("  PIR due {pir}");
        }
    }
    if let Some(e) = eval {
        println!("\nNext step:");
        print!("{}", evaluation::render_with_headline(&e));
    }
    Ok(())
}

pub fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    if let Some(s) = &a.service {
        super::change::check_service(&policy, "--service", s)?;
    }
    let stage = a
        .stage
        .as_deref()
        .map(|s| {
            Stage::parse(s).ok_or_else(|| {
                Error::usage(format!(
                    "--stage: `{s}` is not a stage; expected plan, build, test, stage, deploy, closed or cancelled"
                ))
            })
        })
        .transpose()?;
    // Only records that spell the stage and the service asked for can be
    // kept: the others are read but not parsed.
    let words: Vec<&str> = stage
        .map(Stage::as_str)
        .into_iter()
        .chain(a.service.as_deref())
        .collect();
    let releases: Vec<Release> = repo
        .releases_holding(&words)?
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| stage.is_none_or(|s| r.stage == s))
        .filter(|r| a.service.as_ref().is_none_or(|s| &r.service == s))
        .collect();
    if ctx.json() {
        return print_json(&releases);
    }
    if releases.is_empty() {
        println!("No releases.");
        return Ok(());
    }
    let mut t = table::new(&[
        "ID", "SERVICE", "TYPE", "STAGE", "WINDOW", "VERSION", "TITLE",
    ]);
    for r in &releases {
        t.add_row(vec![
            r.id.clone(),
            r.service.clone(),
            r.kind.to_string(),
            r.stage.to_string(),
            local(&policy, r.window.start),
            r.version.clone().unwrap_or_default(),
            r.title.clone(),
        ]);
    }
    println!("{t}");
    Ok(())
}
