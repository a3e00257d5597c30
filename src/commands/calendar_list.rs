//! `rel calendar --list`: the range as a table, then its conflicts.

use super::calendar::View;
use crate::calendar::conflicts::{Conflict, ConflictWith};
use crate::calendar::local_time::{format_local, to_local};
use crate::render::table;
use chrono::{Datelike, NaiveDate};

pub(super) fn with_text(c: &Conflict) -> String {
    match &c.with {
        ConflictWith::Release { id } => id.clone(),
        ConflictWith::Infrastructure { event } => format!("{event} (infrastructure)"),
        ConflictWith::Organisational { event } => format!("{event} (organisational)"),
        ConflictWith::Person { person } => format!("{person} (away)"),
    }
}

pub(super) fn list(view: &View, width: Option<u16>) -> String {
    let mut t = table::listing(&["WHEN", "KIND", "NAME", "SERVICE", "DETAIL"], width);
    for e in &view.entries {
        // The heading gives the year; a date shows its own only when the
        // range spans years or the date is in another year.
        let day = |d: NaiveDate| {
            if view.from.year() == view.to.year() && d.year() == view.from.year() {
                d.format("%a %d %b").to_string()
            } else {
                d.format("%a %d %b %Y").to_string()
            }
        };
        let when = match (e.first, e.last) {
            (Some(f), Some(l)) if f == l => day(f),
            (Some(f), Some(l)) => format!("{}\nto {}", day(f), day(l)),
            _ => {
                let (s, en) = (to_local(view.tz, e.start), to_local(view.tz, e.end));
                // The end's day is shown when it is not the start's.
                let end_day = if s.date_naive() == en.date_naive() {
                    String::new()
                } else {
                    format!("{} ", day(en.date_naive()))
                };
                format!(
                    "{} {}\nto {end_day}{}",
                    day(s.date_naive()),
                    format_local(view.tz, e.start, "%H:%M"),
                    format_local(view.tz, e.end, "%H:%M")
                )
            }
        };
        let kind = match e.event_kind {
            Some(k) => format!("event ({k})"),
            None => e.kind.to_string(),
        };
        let name = match (&e.id, &e.name) {
            (Some(id), _) => id.clone(),
            (None, Some(n)) => n.clone(),
            _ => String::new(),
        };
        let service = match &e.service {
            Some(s) => s.clone(),
            None if e.services.is_empty() => "all".into(),
            None => e.services.join(", "),
        };
        let detail = match e.kind {
            "release" => {
                let mut d = format!(
                    "{}; {}, {}",
                    e.title.clone().unwrap_or_default(),
                    e.release_type.clone().unwrap_or_default(),
                    e.stage.clone().unwrap_or_default()
                );
                if let Some(v) = &e.version {
                    d.push_str(&format!(", v{v}"));
                }
                d
            }
            "event" if e.no_deploy => "no deploy".into(),
            _ => String::new(),
        };
        t.add_row(vec![when, kind, name, service, detail]);
    }
    // Times, ids, names, kinds and services stay whole; the detail wraps.
    table::keep_lines(&mut t, &[0]);
    table::keep_words(&mut t, &[1, 2, 3]);
    table::fit_free_text(&mut t);
    let mut out = format!(
        "Calendar {} to {}\n{t}\n",
        view.from.format("%a %d %b %Y"),
        view.to.format("%a %d %b %Y")
    );
    if view.conflicts.is_empty() {
        out.push_str("No conflicts\n");
    } else {
        let mut c = table::new(&["RELEASE", "WITH", "WINNER", "WHY"], width);
        for x in &view.conflicts {
            c.add_row(vec![
                x.release.clone(),
                with_text(x),
                x.winner.clone(),
                x.reason.clone(),
            ]);
        }
        table::keep_words(&mut c, &[0, 1, 2]);
        table::fit_free_text(&mut c);
        out.push_str(&format!("Conflicts\n{c}\n"));
    }
    out
}
