//! The calendar by month, like the seed's Figure 4: releases in their day
//! cells with maintenance windows, blackouts and events, conflicts marked
//! in words and by a symbol, never by colour alone.

use super::html::{self, esc};
use super::{CalendarItem, ItemKind, Month, Page, SiteInput, month_name, month_path};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

pub fn pages(input: &SiteInput) -> Vec<Page> {
    let mut pages = vec![Page::new("calendar/index.html", index(input))];
    for (i, m) in input.months.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| input.months.get(j));
        let next = input.months.get(i + 1);
        pages.push(Page::new(
            &month_path(m.year, m.month),
            month(input, m, prev, next),
        ));
    }
    pages
}

fn file_name(m: &Month) -> String {
    format!("{:04}-{:02}.html", m.year, m.month)
}

fn index(input: &SiteInput) -> String {
    let mut body = String::from("<h1>Calendar</h1>\n");
    body.push_str(&format!(
        "<p class=\"lede\">Pick a month. To follow the calendar in your own calendar application, subscribe to <a href=\"../{ics}\">{ics}</a>.</p>\n",
        ics = esc(input.ics)
    ));
    let mut years: BTreeMap<i32, Vec<&Month>> = BTreeMap::new();
    for m in input.months {
        years.entry(m.year).or_default().push(m);
    }
    for (year, months) in years.iter().rev() {
        body.push_str(&format!(
            "<section aria-labelledby=\"y{year}\">\n<h2 id=\"y{year}\">{year}</h2>\n<ul class=\"months\">\n"
        ));
        for m in months {
            let releases = m
                .items
                .iter()
                .filter(|i| i.kind == ItemKind::Release)
                .count();
            let conflicts = if m.conflicts.is_empty() {
                String::new()
            } else {
                format!(
                    ", <span class=\"conflict\">⚠ {} conflict{}</span>",
                    m.conflicts.len(),
                    if m.conflicts.len() == 1 { "" } else { "s" }
                )
            };
            body.push_str(&format!(
                "<li><a href=\"{}\">{}</a> <span class=\"count\">{releases} release{}{conflicts}</span></li>\n",
                file_name(m),
                esc(&month_name(m.year, m.month)),
                if releases == 1 { "" } else { "s" },
            ));
        }
        body.push_str("</ul>\n</section>\n");
    }
    html::layout("../", "Calendar", "calendar", &body)
}

fn symbol(kind: ItemKind) -> (&'static str, &'static str) {
    match kind {
        ItemKind::Release => ("▶", "Release"),
        ItemKind::Window => ("◷", "Maintenance window"),
        ItemKind::Blackout => ("⊘", "Blackout"),
        ItemKind::Event => ("◆", "Event"),
        ItemKind::NoDeploy => ("⊘", "No deploy"),
        ItemKind::Holiday => ("☀", "Holiday"),
        ItemKind::Absence => ("✈", "Away"),
    }
}

fn class(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Release => "release",
        ItemKind::Window => "window",
        ItemKind::Blackout => "blackout",
        ItemKind::Event => "event",
        ItemKind::NoDeploy => "nodeploy",
        ItemKind::Holiday => "holiday",
        ItemKind::Absence => "absence",
    }
}

fn item_html(item: &CalendarItem, conflicted: &BTreeSet<&str>) -> String {
    let (sym, word) = symbol(item.kind);
    let label = match &item.release {
        Some(id) => format!(
            "<a href=\"../release/{id}.html\">{id}</a> {}",
            esc(&item.label),
            id = esc(id)
        ),
        None => esc(&item.label),
    };
    let time = item
        .time
        .as_deref()
        .map(|t| format!("<span class=\"time\">{}</span> ", esc(t)))
        .unwrap_or_default();
    let clash = match &item.release {
        Some(id) if conflicted.contains(id.as_str()) => {
            " <strong class=\"conflict\">⚠ conflict</strong>".to_string()
        }
        _ => String::new(),
    };
    let detail = if item.detail.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"detail\">{}</span>", esc(&item.detail))
    };
    format!(
        "<li class=\"{}\"><span aria-hidden=\"true\">{sym}</span> <span class=\"kind\">{word}:</span> {time}{label}{detail}{clash}</li>",
        class(item.kind)
    )
}

fn month(input: &SiteInput, m: &Month, prev: Option<&Month>, next: Option<&Month>) -> String {
    let title = month_name(m.year, m.month);
    let first = NaiveDate::from_ymd_opt(m.year, m.month, 1).unwrap_or_default();
    let next_first = first + chrono::Months::new(1);
    let last = next_first - Duration::days(1);
    let conflicted: BTreeSet<&str> = m.conflicts.iter().map(|c| c.release.as_str()).collect();
    let today = input.now.with_timezone(&input.tz).date_naive();

    let mut body = format!("<h1>{}</h1>\n", esc(&title));
    body.push_str("<nav aria-label=\"Months\" class=\"pager\"><ul>");
    if let Some(p) = prev {
        body.push_str(&format!(
            "<li><a href=\"{}\" rel=\"prev\">← {}</a></li>",
            file_name(p),
            esc(&month_name(p.year, p.month))
        ));
    }
    body.push_str("<li><a href=\"index.html\">All months</a></li>");
    if let Some(n) = next {
        body.push_str(&format!(
            "<li><a href=\"{}\" rel=\"next\">{} →</a></li>",
            file_name(n),
            esc(&month_name(n.year, n.month))
        ));
    }
    body.push_str("</ul></nav>\n");
    body.push_str("<p class=\"legend\">Key: ▶ release, ◷ maintenance window, ⊘ blackout or no-deploy day, ◆ event, ☀ holiday, ✈ someone away, ⚠ conflict.</p>\n");

    // Items by day: a multi-day item shows on each of its days in the month.
    let mut by_day: BTreeMap<NaiveDate, Vec<&CalendarItem>> = BTreeMap::new();
    for item in &m.items {
        let mut d = item.first.max(first);
        while d <= item.last.min(last) {
            by_day.entry(d).or_default().push(item);
            d += Duration::days(1);
        }
    }
    body.push_str(&format!(
        "<table class=\"month\">\n<caption>{} (times in {})</caption>\n<thead><tr>",
        esc(&title),
        esc(input.tz.name())
    ));
    for (short, long) in [
        ("Mon", "Monday"),
        ("Tue", "Tuesday"),
        ("Wed", "Wednesday"),
        ("Thu", "Thursday"),
        ("Fri", "Friday"),
        ("Sat", "Saturday"),
        ("Sun", "Sunday"),
    ] {
        body.push_str(&format!(
            "<th scope=\"col\"><abbr title=\"{long}\">{short}</abbr></th>"
        ));
    }
    body.push_str("</tr></thead>\n<tbody>\n");
    let mut day = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
    while day <= last {
        body.push_str("<tr>");
        for _ in 0..7 {
            if day.month() != m.month {
                body.push_str("<td class=\"outside\" aria-hidden=\"true\"></td>");
            } else {
                let items = by_day.get(&day).map(Vec::as_slice).unwrap_or(&[]);
                let mut classes = vec![];
                if items
                    .iter()
                    .any(|i| matches!(i.kind, ItemKind::Blackout | ItemKind::NoDeploy))
                {
                    classes.push("closed");
                }
                if day == today {
                    classes.push("today");
                }
                let has_release = items.iter().any(|i| i.kind == ItemKind::Release);
                if !has_release && items.iter().all(|i| i.kind == ItemKind::Window) {
                    classes.push("quiet");
                }
                body.push_str(&format!(
                    "<td id=\"d{}\" class=\"{}\"><p class=\"date\"><span class=\"wd\">{} </span>{}{}</p>",
                    day.format("%Y-%m-%d"),
                    classes.join(" "),
                    day.format("%A"),
                    day.day(),
                    if day == today {
                        " <span class=\"tag\">today</span>"
                    } else {
                        ""
                    }
                ));
                if !items.is_empty() {
                    let mut sorted: Vec<&&CalendarItem> = items.iter().collect();
                    sorted.sort_by(|a, b| (a.kind, &a.time).cmp(&(b.kind, &b.time)));
                    body.push_str("<ul>");
                    for item in sorted {
                        body.push_str(&item_html(item, &conflicted));
                    }
                    body.push_str("</ul>");
                }
                body.push_str("</td>");
            }
            day += Duration::days(1);
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</tbody>\n</table>\n");

    body.push_str("<section aria-labelledby=\"conflicts\">\n<h2 id=\"conflicts\">Conflicts</h2>\n");
    if m.conflicts.is_empty() {
        body.push_str("<p>No conflicts this month.</p>\n");
    } else {
        body.push_str("<table>\n<caption>Conflicts this month and who wins</caption>\n<thead><tr><th scope=\"col\">Release</th><th scope=\"col\">With</th><th scope=\"col\">Winner</th><th scope=\"col\">Why</th></tr></thead>\n<tbody>\n");
        for c in &m.conflicts {
            body.push_str(&format!(
                "<tr><th scope=\"row\"><span aria-hidden=\"true\">⚠</span> <a href=\"../release/{id}.html\">{id}</a></th><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&c.with),
                esc(&c.winner),
                esc(&c.reason),
                id = esc(&c.release)
            ));
        }
        body.push_str("</tbody>\n</table>\n");
    }
    body.push_str("</section>\n");
    html::layout("../", &title, "calendar", &body)
}
