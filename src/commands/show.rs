//! `rel show ID` and `rel list`.

use super::{Ctx, Loaded, local, print_json};
use crate::cli::ListArgs;
use crate::error::{Error, Result};
use crate::model::digest::Standing;
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
    // Collected, then wrapped to the width at spaces, so no line runs past
    // it and no id, date or address is split.
    let mut out = String::new();
    macro_rules! say {
        ($($arg:tt)*) => {{
            out.push_str(&format!($($arg)*));
            out.push('\n');
        }};
    }
    say!("{}  {}", r.id, r.title);
    say!(
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
        say!("  rationale: {}", r.rationale);
    }
    if let Some(i) = &r.incident {
        say!("  incident: {i}");
    }
    say!(
        "  window: {} for {} ({})",
        local(p, r.window.start),
        r.window.duration,
        p.timezone
    );
    say!(
        "  schedule: planning {}, build {}, test {}, staging {}, deployment {}",
        r.schedule.planning,
        r.schedule.build,
        r.schedule.test,
        r.schedule.staging,
        r.schedule.deployment
    );
    say!("  planned by {} at {}", r.planned_by, local(p, r.booked_at));
    if let Some(risk) = &r.risk {
        say!(
            "  risk: {}{}",
            risk.level,
            if risk.summary.is_empty() {
                String::new()
            } else {
                format!(": {}", risk.summary)
            }
        );
    }
    if let Some(rb) = &r.rollback {
        say!("  rollback: within {} ({})", rb.window, rb.procedure);
    }
    if !r.depends_on.is_empty() {
        say!("  depends on: {}", r.depends_on.join(", "));
    }
    if !r.requires.is_empty() {
        say!("  requires: {}", r.requires.join("; "));
    }
    if !r.people.is_empty() {
        say!("  key people: {}", r.people.join(", "));
    }
    if !r.resources.is_empty() {
        say!("  resources: {}", r.resources.join("; "));
    }
    if let Some(rb) = &r.runbook {
        say!("  runbook: {rb}");
    }
    if !r.contacts.is_empty() {
        say!("  contacts: {}", r.contacts.join("; "));
    }
    if let Some(n) = &r.notes {
        say!("  notes: {}", n.trim_end().replace('\n', "\n         "));
    }
    say!("\nChanges ({}):", r.changes.len());
    for id in &r.changes {
        match loaded.changes.get(id).and_then(Option::as_ref) {
            Some(c) => say!(
                "  {id}  {} [{}{}] {}",
                c.title,
                c.status.as_str(),
                if c.ready { ", ready" } else { "" },
                c.owner
            ),
            None => say!("  {id}  (no change reference)"),
        }
    }
    let mut evidence = vec![];
    let void = |current: bool| if current { "" } else { " (no longer counts)" };
    let note = |n: &Option<String>| n.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
    for a in &r.approvals {
        let delegated = a
            .on_behalf_of
            .as_ref()
            .map(|f| {
                format!(
                    " on behalf of {f}{}",
                    a.delegation_until
                        .map(|u| format!(" (delegation until {u})"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let standing = match r.standing(a) {
            Standing::Counts => String::new(),
            Standing::Legacy => " [recorded without a digest: not bound to content]".to_string(),
            Standing::Void(why) => format!(" [VOID: no longer counts: {why}]"),
        };
        evidence.push((
            a.at,
            format!(
                "{} approval as {} by {}{delegated}{standing}",
                a.purpose, a.role, a.by
            ),
        ));
    }
    for m in &r.amendments {
        evidence.push((m.at, format!("amended {} by {}", m.fields.join(", "), m.by)));
    }
    for b in &r.build {
        evidence.push((
            b.at,
            format!(
                "build verification {} {}{}{}",
                b.verification,
                b.package.clone().unwrap_or_default(),
                if b.components.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", b.components.join(", "))
                },
                if b.cycle > 0 {
                    format!(" (cycle {})", b.cycle)
                } else {
                    String::new()
                }
            ),
        ));
    }
    for t in &r.tests {
        evidence.push((
            t.at,
            format!(
                "test {}{}: {} passed, {} failed, {} blocked (cycle {})",
                t.category,
                t.scope
                    .as_ref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default(),
                t.passed,
                t.failed,
                t.blocked,
                t.cycle
            ),
        ));
    }
    for d in &r.defects {
        evidence.push((
            d.at,
            format!(
                "{} {} [{}]{} {}{}{}",
                d.id,
                d.severity,
                d.status,
                if d.post_deploy { " post-deploy" } else { "" },
                d.title,
                d.workaround
                    .as_ref()
                    .map(|w| format!(" (workaround: {w})"))
                    .unwrap_or_default(),
                d.resolved_by
                    .as_ref()
                    .map(|b| format!(", resolved by {b}"))
                    .unwrap_or_default()
            ),
        ));
    }
    for n in &r.notifications {
        let current = n.completion || r.for_current_window(n.sent_at);
        evidence.push((
            n.sent_at,
            format!(
                "{} {} by {}{}{}",
                if n.completion {
                    "completion notice to"
                } else {
                    "notified"
                },
                n.audience,
                n.by,
                n.recorded_at
                    .map(|t| format!(", recorded {}", local(p, t)))
                    .unwrap_or_default(),
                void(current)
            ),
        ));
    }
    if let Some(s) = &r.readiness {
        let missing = s.unconfirmed();
        evidence.push((
            s.at,
            format!(
                "readiness review by {}: {} of {} confirmed{}{}{}",
                s.by,
                crate::model::ReadinessItem::NAMES.len() - missing.len(),
                crate::model::ReadinessItem::NAMES.len(),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", not {}",
                        missing
                            .iter()
                            .map(|i| i.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                note(&s.note),
                void(r.current_readiness().is_some())
            ),
        ));
    }
    for (i, g) in r.go.iter().enumerate() {
        let latest = i + 1 == r.go.len();
        evidence.push((
            g.at,
            format!(
                "{} decision by {}{}{}{}{}",
                g.decision,
                g.by,
                g.on_behalf_of
                    .as_ref()
                    .map(|f| format!(" on behalf of {f}"))
                    .unwrap_or_default(),
                g.reason
                    .as_ref()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default(),
                note(&g.note),
                if latest {
                    void(r.current_go().is_some())
                } else {
                    " (superseded)"
                }
            ),
        ));
    }
    for m in &r.reschedules {
        evidence.push((
            m.at,
            format!(
                "rescheduled by {} from {} for {}{}",
                m.by,
                local(p, m.from.start),
                m.from.duration,
                m.reason
                    .as_ref()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(d) = &r.deployment {
        evidence.push((
            d.at,
            format!(
                "deployment {} started {} for {} by {}{}{}",
                d.status,
                local(p, d.started),
                d.duration,
                d.by,
                r.outside_window(d.started)
                    .map(|how| format!(" (outside its window: {how})"))
                    .unwrap_or_default(),
                d.verification
                    .map(|v| format!(", verification {v}"))
                    .unwrap_or_else(|| ", not yet verified".to_string())
            ),
        ));
        for i in &d.issues {
            evidence.push((d.at, format!("deployment issue: {i}")));
        }
        for f in &d.follow_up {
            evidence.push((d.at, format!("deployment follow-up: {f}")));
        }
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
        say!("\nEvidence:");
        for (at, text) in evidence {
            say!("  {}  {text}", local(p, at));
        }
    }
    if let Some(c) = &r.closure {
        say!("\nClosure:");
        say!(
            "  planned {} for {}, actual {} for {}",
            local(p, c.planned_start),
            c.planned_duration,
            local(p, c.actual_start),
            c.actual_duration
        );
        say!(
            "  changes {}, defects in test {} ({} critical, {} high, {} medium, {} low), post-deploy {}, rollback {}, on time {}",
            c.changes,
            c.defects_in_test.total(),
            c.defects_in_test.critical,
            c.defects_in_test.high,
            c.defects_in_test.medium,
            c.defects_in_test.low,
            // Counted now, as `rel metrics` does: defects found after close
            // count too.
            r.post_deploy_defects(),
            if c.rollback { "yes" } else { "no" },
            if c.on_time { "yes" } else { "no" }
        );
        say!("  fix cycles {}", c.fix_cycles);
        if let Some(how) = &c.outside_window {
            say!("  deployment outside its window: {how}");
        }
        if !c.config_items.is_empty() {
            say!(
                "  configuration items updated: {}",
                c.config_items
                    .iter()
                    .map(|i| format!("{}={}", i.name, i.version))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        } else if c.config_updated {
            say!("  configuration records updated (items not named)");
        }
        if let Some(s) = &c.satisfaction {
            say!("  stakeholder satisfaction: {s}");
        }
        say!("  closed by {} at {}", c.by, local(p, c.at));
        match (&r.pir, c.pir_due) {
            (Some(_), _) => {}
            (None, Some(due)) => say!("  PIR due {due}"),
            (None, None) => say!("  PIR: awaiting the periodic review session"),
        }
    }
    if let Some(pir) = &r.pir {
        say!("\nPost-implementation review:");
        say!(
            "  held {} (recorded by {}): {}",
            pir.held,
            pir.by,
            pir.outcome
        );
        for a in &pir.actions {
            say!("  action: {a}");
        }
        if !pir.session.is_empty() {
            say!("  periodic session covering {}", pir.session.join(", "));
        }
    }
    if let Some(e) = eval {
        say!("\nNext step:");
        out.push_str(&evaluation::render_with_headline(&e));
    }
    print!("{}", crate::render::wrap::wrap(&out, ctx.text_width()));
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
    // kept: the others are read but not parsed. One file that cannot be
    // read does not hide the others: they are listed, then each unreadable
    // file is named and the exit code is 3.
    let words: Vec<&str> = stage
        .map(Stage::as_str)
        .into_iter()
        .chain(a.service.as_deref())
        .collect();
    let (readable, unreadable) = repo.readable_releases_holding(&words)?;
    let releases: Vec<Release> = readable
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| stage.is_none_or(|s| r.stage == s))
        .filter(|r| a.service.as_ref().is_none_or(|s| &r.service == s))
        .collect();
    let unlisted = || -> Result<()> {
        match unreadable.len() {
            0 => Ok(()),
            n => {
                for e in &unreadable[..n - 1] {
                    eprintln!("error: {e}");
                }
                let last = &unreadable[n - 1];
                Err(Error::data(format!(
                    "{last}\n{} cannot be read and {} not listed",
                    if n == 1 {
                        "1 release file".to_string()
                    } else {
                        format!("{n} release files")
                    },
                    if n == 1 { "is" } else { "are" }
                )))
            }
        }
    };
    if ctx.json() {
        print_json(&releases)?;
        return unlisted();
    }
    if releases.is_empty() {
        println!("No releases.");
        return unlisted();
    }
    let mut t = table::listing(
        &[
            "ID", "SERVICE", "TYPE", "STAGE", "WINDOW", "VERSION", "TITLE",
        ],
        ctx.table_width,
    );
    for r in &releases {
        t.add_row(vec![
            r.id.clone(),
            r.service.clone(),
            r.kind.to_string(),
            r.stage.to_string(),
            crate::calendar::local_time::to_local(policy.tz(), r.window.start)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            r.version.clone().unwrap_or_default(),
            r.title.clone(),
        ]);
    }
    // Ids, names and the start are never split; the title wraps.
    table::keep_words(&mut t, &[0, 1, 2, 3, 5]);
    table::keep_lines(&mut t, &[4]);
    table::fit_free_text(&mut t);
    println!("{t}");
    unlisted()
}
