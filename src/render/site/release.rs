//! A page per release: its definition, changes, schedule, evidence, gate
//! status and audit trail.

use super::html::{self, esc};
use super::{SiteInput, window_text};
use crate::gates::GateStatus;
use crate::model::{Release, Timestamp};
use chrono_tz::Tz;

fn at(tz: Tz, t: Timestamp) -> String {
    t.with_timezone(&tz).format("%a %d %b %Y %H:%M").to_string()
}

fn row(out: &mut String, key: &str, value: &str) {
    out.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(key), value));
}

fn section(out: &mut String, id: &str, title: &str) {
    out.push_str(&format!(
        "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>\n",
        esc(title)
    ));
}

fn table_head(out: &mut String, caption: &str, cols: &[&str]) {
    out.push_str(&format!(
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        esc(caption)
    ));
    for c in cols {
        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(c)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

fn cells(out: &mut String, values: &[String]) {
    out.push_str("<tr>");
    for (i, v) in values.iter().enumerate() {
        if i == 0 {
            out.push_str(&format!("<th scope=\"row\">{v}</th>"));
        } else {
            out.push_str(&format!("<td>{v}</td>"));
        }
    }
    out.push_str("</tr>\n");
}

pub fn page(input: &SiteInput, r: &Release) -> String {
    let tz = input.tz;
    let mut b = format!(
        "<h1><span class=\"id\">{}</span> {}</h1>\n<p class=\"lede\">{} · {} {} · {}</p>\n",
        esc(&r.id),
        esc(&r.title),
        esc(&r.service),
        esc(r.kind.as_str()),
        r.version
            .as_deref()
            .map(|v| format!("version {}", esc(v)))
            .unwrap_or_else(|| "version not set".into()),
        html::stage_badge(r.stage)
    );

    section(&mut b, "definition", "Definition");
    b.push_str("<dl class=\"facts\">\n");
    row(&mut b, "Window", &esc(&window_text(tz, r)));
    row(&mut b, "Duration", &esc(&r.window.duration.to_string()));
    row(&mut b, "Type", &esc(r.kind.as_str()));
    if !r.rationale.is_empty() {
        row(&mut b, "Why this type", &esc(&r.rationale));
    }
    row(&mut b, "Impact", &esc(r.impact.as_str()));
    if let Some(risk) = &r.risk {
        row(
            &mut b,
            "Risk",
            &format!("{}: {}", esc(risk.level.as_str()), esc(&risk.summary)),
        );
    }
    if let Some(rb) = &r.rollback {
        row(
            &mut b,
            "Rollback",
            &format!(
                "within {}: {}",
                esc(&rb.window.to_string()),
                esc(&rb.procedure)
            ),
        );
    }
    if !r.people.is_empty() {
        row(&mut b, "Key people", &esc(&r.people.join(", ")));
    }
    if !r.resources.is_empty() {
        row(&mut b, "Resources", &esc(&r.resources.join(", ")));
    }
    if !r.depends_on.is_empty() {
        let links: Vec<String> = r
            .depends_on
            .iter()
            .map(|d| {
                if input.releases.iter().any(|x| &x.id == d) {
                    format!("<a href=\"{id}.html\">{id}</a>", id = esc(d))
                } else {
                    esc(d)
                }
            })
            .collect();
        row(&mut b, "Depends on", &links.join(", "));
    }
    if !r.requires.is_empty() {
        row(&mut b, "Requires", &esc(&r.requires.join("; ")));
    }
    row(
        &mut b,
        "Planned by",
        &format!(
            "{}, booked {}",
            esc(&r.planned_by),
            esc(&at(tz, r.booked_at))
        ),
    );
    if let Some(c) = &r.cancellation {
        row(
            &mut b,
            "Cancelled",
            &format!(
                "{} by {}: {}",
                esc(&at(tz, c.at)),
                esc(&c.by),
                esc(&c.reason)
            ),
        );
    }
    b.push_str("</dl>\n</section>\n");

    section(&mut b, "changes", "Changes");
    if r.changes.is_empty() {
        b.push_str("<p>No changes.</p>\n");
    } else {
        table_head(
            &mut b,
            &match r.changes.len() {
                1 => "The change in this release".to_string(),
                n => format!("The {n} changes in this release"),
            },
            &["Change", "Title", "Status", "Owner ready", "Owner"],
        );
        for id in &r.changes {
            match input.changes.get(id) {
                Some(c) => {
                    let idtext = match &c.link {
                        Some(l) if l.starts_with("https://") || l.starts_with("http://") => {
                            format!("<a href=\"{}\">{}</a>", esc(l), esc(id))
                        }
                        _ => esc(id),
                    };
                    cells(
                        &mut b,
                        &[
                            idtext,
                            esc(&c.title),
                            esc(c.status.as_str()),
                            if c.ready { "✓ yes" } else { "✗ no" }.to_string(),
                            esc(&c.owner),
                        ],
                    );
                }
                None => cells(
                    &mut b,
                    &[
                        esc(id),
                        "<em>no change record</em>".into(),
                        "–".into(),
                        "–".into(),
                        "–".into(),
                    ],
                ),
            }
        }
        b.push_str("</tbody>\n</table>\n");
    }
    b.push_str("</section>\n");

    section(&mut b, "schedule", "Schedule");
    table_head(
        &mut b,
        "Milestones worked back from the target",
        &["Milestone", "Date"],
    );
    for (name, d) in [
        ("Planning complete", r.schedule.planning),
        ("Build complete", r.schedule.build),
        ("Testing complete", r.schedule.test),
        ("Staging acceptance", r.schedule.staging),
        ("Deployment", r.schedule.deployment),
    ] {
        cells(
            &mut b,
            &[esc(name), esc(&d.format("%a %d %b %Y").to_string())],
        );
    }
    b.push_str("</tbody>\n</table>\n</section>\n");

    section(&mut b, "evidence", "Evidence");
    let mut any = false;
    let mut ev = String::new();
    table_head(
        &mut ev,
        "What was recorded, by whom and when",
        &["Evidence", "Detail", "By", "When"],
    );
    let mut add = |what: String, detail: String, by: &str, when: Timestamp| {
        any = true;
        cells(&mut ev, &[what, detail, esc(by), esc(&at(tz, when))]);
    };
    for a in &r.approvals {
        add(
            format!("Approval ({})", esc(a.purpose.as_str())),
            format!(
                "as {}{}",
                esc(&a.role),
                a.on_behalf_of
                    .as_deref()
                    .map(|o| format!(" for {}", esc(o)))
                    .unwrap_or_default()
            ),
            &a.by,
            a.at,
        );
    }
    for x in &r.build {
        add(
            "Build verification".into(),
            format!(
                "{}{}",
                esc(x.verification.as_str()),
                x.package
                    .as_deref()
                    .map(|p| format!(", package {}", esc(p)))
                    .unwrap_or_default()
            ),
            &x.by,
            x.at,
        );
    }
    for t in &r.tests {
        add(
            format!("Test: {}", esc(t.category.as_str())),
            format!(
                "{} passed, {} failed, {} blocked{}",
                t.passed,
                t.failed,
                t.blocked,
                t.scope
                    .as_deref()
                    .map(|s| format!(" ({})", esc(s)))
                    .unwrap_or_default()
            ),
            &t.by,
            t.at,
        );
    }
    for d in &r.defects {
        add(
            format!("Defect {}", esc(&d.id)),
            format!(
                "{}, {}: {}{}",
                esc(d.severity.as_str()),
                esc(d.status.as_str()),
                esc(&d.title),
                d.workaround
                    .as_deref()
                    .map(|w| format!(" (workaround: {})", esc(w)))
                    .unwrap_or_default()
            ),
            &d.by,
            d.at,
        );
    }
    for n in &r.notifications {
        add(
            "Notification".into(),
            format!("to {}", esc(&n.audience)),
            &n.by,
            n.sent_at,
        );
    }
    if let Some(s) = &r.readiness {
        add(
            "Readiness review".into(),
            esc(s.note.as_deref().unwrap_or("held")),
            &s.by,
            s.at,
        );
    }
    for s in &r.go {
        let what = match (&s.reason, &s.note) {
            (Some(reason), _) => format!("{}: {reason}", s.decision),
            (None, Some(note)) => format!("{}: {note}", s.decision),
            (None, None) => s.decision.to_string(),
        };
        add("Go decision".into(), esc(&what), &s.by, s.at);
    }
    if let Some(d) = &r.deployment {
        add(
            "Deployment".into(),
            format!(
                "{}, started {}, took {}",
                esc(d.status.as_str()),
                esc(&at(tz, d.started)),
                esc(&d.duration.to_string())
            ),
            &d.by,
            d.at,
        );
    }
    if let Some(c) = &r.closure {
        add(
            "Closure".into(),
            format!(
                "{}; configuration records {}",
                if c.on_time { "on time" } else { "late" },
                if c.config_updated {
                    "updated"
                } else {
                    "not updated"
                }
            ),
            &c.by,
            c.at,
        );
    }
    for f in &r.fix_cycles {
        add("Fix cycle".into(), esc(&f.reason), &f.by, f.at);
    }
    for w in &r.waivers {
        add(
            format!("Waiver: {}", esc(&w.gate)),
            format!("to {}: {}", esc(w.to.as_str()), esc(&w.reason)),
            &w.by,
            w.at,
        );
    }
    if any {
        b.push_str(&ev);
        b.push_str("</tbody>\n</table>\n");
    } else {
        b.push_str("<p>Nothing recorded yet.</p>\n");
    }
    b.push_str("</section>\n");

    section(&mut b, "gates", "Gate status");
    match input.evaluations.get(&r.id) {
        None => b.push_str(&format!(
            "<p>No next stage: the release is {}.</p>\n",
            esc(r.stage.as_str())
        )),
        Some(eval) => {
            b.push_str(&format!(
                "<p>{} to {}: {}.</p>\n",
                if eval.allowed {
                    "<strong class=\"ok\">✓ Ready</strong> to move"
                } else {
                    "<strong class=\"fail\">✗ Blocked</strong> from moving"
                },
                esc(eval.to.as_str()),
                esc(&eval.summary())
            ));
            table_head(
                &mut b,
                &format!("Gates to {}", eval.to.as_str()),
                &["Gate", "Result", "Why", "What would satisfy it"],
            );
            for g in &eval.gates {
                let (sym, class) = match g.status {
                    GateStatus::Pass => ("✓", "ok"),
                    GateStatus::Fail => ("✗", "fail"),
                    GateStatus::Warn => ("!", "warn"),
                    GateStatus::Waived => ("~", "warn"),
                    GateStatus::Skipped => ("–", "muted"),
                };
                cells(
                    &mut b,
                    &[
                        esc(&g.name),
                        format!(
                            "<span class=\"{class}\"><span aria-hidden=\"true\">{sym}</span> {}</span>",
                            g.status.as_str()
                        ),
                        esc(&g.message),
                        g.remedy.as_deref().map(esc).unwrap_or_default(),
                    ],
                );
            }
            b.push_str("</tbody>\n</table>\n");
        }
    }
    b.push_str("</section>\n");

    section(&mut b, "trail", "Audit trail");
    match input.trails.get(&r.id) {
        Some(trail) if !trail.is_empty() => {
            table_head(
                &mut b,
                "Every commit that recorded a step of this release or edited its record by hand",
                &["When", "Who", "What", "Signature", "Commit"],
            );
            for e in trail {
                cells(
                    &mut b,
                    &[
                        esc(&at(tz, e.when)),
                        format!("{} &lt;{}&gt;", esc(&e.who), esc(&e.email)),
                        if e.hand_edit {
                            format!(
                                "{} <strong>(edited by hand, not by rel)</strong>",
                                esc(&e.what)
                            )
                        } else {
                            esc(&e.what)
                        },
                        esc(e.signature),
                        format!(
                            "<code>{}</code>",
                            esc(&e.commit.chars().take(10).collect::<String>())
                        ),
                    ],
                );
            }
            b.push_str("</tbody>\n</table>\n");
        }
        _ => b.push_str(
            "<p>No commit names or edits this release (it may have been imported in bulk).</p>\n",
        ),
    }
    b.push_str("</section>\n");
    html::layout("../", &format!("{} {}", r.id, r.title), "releases", &b)
}
