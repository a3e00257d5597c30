//! The release site: static HTML pages for stakeholders who never open a
//! terminal (seed: "a centralized release plan provides a single source of
//! truth for all stakeholders"). Pure: the records, the calendar and the
//! audit trail in, pages out. No script: every page works from `file://`
//! and from GitHub or GitLab Pages, prints, and reads on a phone.

mod calendar;
mod html;
mod metrics;
mod release;
mod style;

use crate::gates::Evaluation;
use crate::model::{ChangeRef, Release, Stage, Timestamp};
use chrono::NaiveDate;
use chrono_tz::Tz;
use html::esc;
use std::collections::BTreeMap;

pub use html::Page;

/// One commit of a release's audit trail.
#[derive(Debug, Clone)]
pub struct TrailEntry {
    pub when: Timestamp,
    pub who: String,
    pub email: String,
    pub what: String,
    pub commit: String,
    /// `verified`, `unverified`, `bad` or `-` (not signed).
    pub signature: &'static str,
    /// Changed the record without rel (no rel trailers).
    pub hand_edit: bool,
}

/// What a calendar day shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKind {
    Release,
    Window,
    Blackout,
    Event,
    NoDeploy,
    Holiday,
    Absence,
}

/// One thing on the calendar, in local dates and times.
#[derive(Debug, Clone)]
pub struct CalendarItem {
    pub kind: ItemKind,
    pub first: NaiveDate,
    /// Inclusive.
    pub last: NaiveDate,
    /// `20:00–22:00`, when it has times.
    pub time: Option<String>,
    pub label: String,
    /// The release's id, for a link to its page.
    pub release: Option<String>,
    /// Services it is scoped to, stage, version...
    pub detail: String,
}

/// A calendar conflict and who wins.
#[derive(Debug, Clone)]
pub struct Clash {
    pub release: String,
    pub with: String,
    pub winner: String,
    pub reason: String,
}

/// One month of the calendar.
#[derive(Debug, Clone)]
pub struct Month {
    pub year: i32,
    pub month: u32,
    pub items: Vec<CalendarItem>,
    pub conflicts: Vec<Clash>,
}

/// Everything the site shows.
pub struct SiteInput<'a> {
    pub tz: Tz,
    pub now: Timestamp,
    /// Every release, in id order.
    pub releases: &'a [Release],
    pub changes: &'a BTreeMap<String, ChangeRef>,
    /// The next transition's gates of each release still under way.
    pub evaluations: &'a BTreeMap<String, Evaluation>,
    /// Each release's audit trail, oldest first.
    pub trails: &'a BTreeMap<String, Vec<TrailEntry>>,
    /// Every month from the first to the last with something on it, in order.
    pub months: &'a [Month],
    /// The iCalendar file's name next to index.html.
    pub ics: &'a str,
}

/// The pages of the site, each with its path relative to the site's root.
pub fn render(input: &SiteInput) -> Vec<Page> {
    let mut pages = vec![
        Page::new("style.css", style::CSS.to_string()),
        Page::new("index.html", index(input)),
        Page::new("releases.html", by_stage(input)),
        Page::new("metrics.html", metrics::page(input)),
    ];
    pages.extend(calendar::pages(input));
    for r in input.releases {
        pages.push(Page::new(
            &format!("release/{}.html", r.id),
            release::page(input, r),
        ));
    }
    pages
}

/// The month a page of the calendar is for `date`, as a path from the root.
pub fn month_path(year: i32, month: u32) -> String {
    format!("calendar/{year:04}-{month:02}.html")
}

fn current_month<'a>(input: &'a SiteInput) -> Option<&'a Month> {
    let today = input.now.with_timezone(&input.tz).date_naive();
    use chrono::Datelike;
    input
        .months
        .iter()
        .find(|m| m.year == today.year() && m.month == today.month())
        .or(input.months.last())
}

fn index(input: &SiteInput) -> String {
    let today = input.now.with_timezone(&input.tz);
    let mut body = String::new();
    body.push_str("<h1>Release plan</h1>\n");
    body.push_str(&format!(
        "<p class=\"lede\">Every release, its schedule, its gates and its audit trail, from the records repository. Generated {} ({}).</p>\n",
        esc(&today.format("%a %d %b %Y %H:%M").to_string()),
        esc(input.tz.name())
    ));
    body.push_str("<ul class=\"tiles\">\n");
    if let Some(m) = current_month(input) {
        body.push_str(&format!(
            "<li><a href=\"{}\"><strong>Calendar</strong> <span>{}</span></a></li>\n",
            month_path(m.year, m.month),
            esc(&month_name(m.year, m.month))
        ));
    }
    body.push_str("<li><a href=\"releases.html\"><strong>Releases by stage</strong> <span>what each is waiting for</span></a></li>\n");
    body.push_str("<li><a href=\"metrics.html\"><strong>Metrics</strong> <span>deployments, on-time delivery, failures, lead time, defects</span></a></li>\n");
    body.push_str(&format!(
        "<li><a href=\"{}\"><strong>Subscribe</strong> <span>iCalendar feed of releases, windows and blackouts</span></a></li>\n",
        esc(input.ics)
    ));
    body.push_str("</ul>\n");

    // Coming up: releases not yet closed, soonest first.
    let mut upcoming: Vec<&Release> = input
        .releases
        .iter()
        .filter(|r| r.stage.is_live() && r.window.end() >= input.now)
        .collect();
    upcoming.sort_by_key(|r| r.window.start);
    body.push_str("<section aria-labelledby=\"next\">\n<h2 id=\"next\">Coming up</h2>\n");
    if upcoming.is_empty() {
        body.push_str("<p>No release is scheduled.</p>\n");
    } else {
        body.push_str(&release_table(
            input,
            upcoming.into_iter().take(20),
            "Releases scheduled next",
            "",
        ));
    }
    body.push_str("</section>\n");

    body.push_str("<section aria-labelledby=\"counts\">\n<h2 id=\"counts\">By stage</h2>\n<table>\n<caption>Releases in each stage</caption>\n<thead><tr><th scope=\"col\">Stage</th><th scope=\"col\" class=\"num\">Releases</th></tr></thead>\n<tbody>\n");
    for stage in Stage::ALL.iter() {
        let n = input.releases.iter().filter(|r| r.stage == *stage).count();
        body.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"releases.html#{s}\">{s}</a></th><td class=\"num\">{n}</td></tr>\n",
            s = stage.as_str()
        ));
    }
    body.push_str("</tbody>\n</table>\n</section>\n");
    html::layout("", "Release plan", "home", &body)
}

/// A table of releases; `root` leads from the page to the site's root.
fn release_table<'a>(
    input: &SiteInput,
    releases: impl Iterator<Item = &'a Release>,
    caption: &str,
    root: &str,
) -> String {
    let mut out = format!(
        "<table class=\"releases\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">Release</th><th scope=\"col\">Title</th><th scope=\"col\">Service</th><th scope=\"col\">Version</th><th scope=\"col\">Window</th><th scope=\"col\">Stage</th></tr></thead>\n<tbody>\n",
        esc(caption)
    );
    for r in releases {
        out.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"{root}release/{id}.html\">{id}</a></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&r.title),
            esc(&r.service),
            esc(r.version.as_deref().unwrap_or("–")),
            esc(&window_text(input.tz, r)),
            html::stage_badge(r.stage),
            id = esc(&r.id),
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn window_text(tz: Tz, r: &Release) -> String {
    let s = r.window.start.with_timezone(&tz);
    let e = r.window.end().with_timezone(&tz);
    if s.date_naive() == e.date_naive() {
        format!(
            "{} {}–{}",
            s.format("%a %d %b %Y"),
            s.format("%H:%M"),
            e.format("%H:%M")
        )
    } else {
        format!(
            "{} {} – {} {}",
            s.format("%a %d %b %Y"),
            s.format("%H:%M"),
            e.format("%a %d %b"),
            e.format("%H:%M")
        )
    }
}

fn month_name(year: i32, month: u32) -> String {
    NaiveDate::from_ymd_opt(year, month, 1)
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_default()
}

/// Releases by stage, each under way with what it waits for: the failing
/// gates of its next transition.
fn by_stage(input: &SiteInput) -> String {
    let mut body = String::from("<h1>Releases by stage</h1>\n");
    body.push_str("<p class=\"lede\">A release under way waits for the gates of its next stage that do not pass yet; each is listed with what would satisfy it.</p>\n");
    body.push_str("<nav aria-label=\"Stages\" class=\"inline\"><ul>\n");
    for stage in Stage::ALL.iter() {
        body.push_str(&format!(
            "<li><a href=\"#{s}\">{s}</a></li>\n",
            s = stage.as_str()
        ));
    }
    body.push_str("</ul></nav>\n");
    for stage in Stage::ALL.iter() {
        let releases: Vec<&Release> = input
            .releases
            .iter()
            .filter(|r| r.stage == *stage)
            .collect();
        let s = stage.as_str();
        body.push_str(&format!(
            "<section aria-labelledby=\"{s}\">\n<h2 id=\"{s}\">{s} <span class=\"count\">({})</span></h2>\n",
            releases.len()
        ));
        if releases.is_empty() {
            body.push_str("<p>None.</p>\n</section>\n");
            continue;
        }
        let done = matches!(stage, Stage::Closed | Stage::Cancelled);
        if done {
            body.push_str(&format!(
                "<details><summary>Show the {} {s} releases</summary>\n",
                releases.len()
            ));
            body.push_str(&release_table(
                input,
                releases.into_iter(),
                &format!("Releases {s}"),
                "",
            ));
            body.push_str("</details>\n</section>\n");
            continue;
        }
        body.push_str(&format!(
            "<table class=\"releases\">\n<caption>Releases in {s}, with what each waits for</caption>\n<thead><tr><th scope=\"col\">Release</th><th scope=\"col\">Title</th><th scope=\"col\">Service</th><th scope=\"col\">Window</th><th scope=\"col\">Waiting for</th></tr></thead>\n<tbody>\n"
        ));
        for r in releases {
            body.push_str(&format!(
                "<tr><th scope=\"row\"><a href=\"release/{id}.html\">{id}</a></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&r.title),
                esc(&r.service),
                esc(&window_text(input.tz, r)),
                waiting_for(input.evaluations.get(&r.id)),
                id = esc(&r.id)
            ));
        }
        body.push_str("</tbody>\n</table>\n</section>\n");
    }
    html::layout("", "Releases by stage", "releases", &body)
}

fn waiting_for(eval: Option<&Evaluation>) -> String {
    let Some(eval) = eval else {
        return "–".to_string();
    };
    let failing: Vec<_> = eval.failures().collect();
    if failing.is_empty() {
        return format!(
            "<span class=\"ok\">✓ Nothing: every gate to {} passes</span>",
            esc(eval.to.as_str())
        );
    }
    let mut out = format!(
        "<span class=\"sr-label\">{} gate{} to {}:</span><ul class=\"gates\">",
        failing.len(),
        if failing.len() == 1 { "" } else { "s" },
        esc(eval.to.as_str())
    );
    for g in failing {
        out.push_str(&format!(
            "<li><strong>✗ {}</strong>: {}</li>",
            esc(&g.name),
            esc(&g.message)
        ));
    }
    out.push_str("</ul>");
    out
}
