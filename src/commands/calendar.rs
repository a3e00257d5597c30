//! `rel calendar`: the week grid, the list, conflicts, iCalendar.

use super::calendar_ics::ics_text;
pub(super) use super::calendar_ics::site_ics;
use super::calendar_list::{list, with_text};
use super::{Ctx, parse_date, print_json};
use crate::calendar::conflicts::{self, Conflict, ConflictWith};
use crate::calendar::local_time::{
    is_ambiguous, midnight, point_end_lenient, point_start_lenient, to_local,
};
use crate::calendar::{Calendar, EventKind, Point};
use crate::cli::CalendarArgs;
use crate::error::{Error, Result};
use crate::model::{Release, Stage, Timestamp};
use crate::policy::Policy;
use crate::render::week;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeSet;

/// One thing on the calendar, for `--json` and `--list`.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// `release`, `maintenance`, `blackout`, `event`, `holiday`, `absence`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Services a window, blackout or event is scoped to (all when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    pub start: Timestamp,
    /// Exclusive.
    pub end: Timestamp,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub release_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_deploy: bool,
    /// Whole local dates, first and last inclusive (blackouts, holidays,
    /// absences, date-only events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<NaiveDate>,
}

impl Entry {
    fn new(kind: &'static str, start: Timestamp, end: Timestamp) -> Entry {
        Entry {
            kind,
            id: None,
            name: None,
            title: None,
            service: None,
            services: vec![],
            start,
            end,
            release_type: None,
            stage: None,
            version: None,
            impact: None,
            event_kind: None,
            no_deploy: false,
            first: None,
            last: None,
        }
    }

    fn days(kind: &'static str, tz: Tz, name: &str, first: NaiveDate, last: NaiveDate) -> Entry {
        let mut e = Entry::new(kind, midnight(tz, first), midnight(tz, next(last)));
        e.name = Some(name.to_string());
        e.first = Some(first);
        e.last = Some(last);
        e
    }
}

#[derive(Serialize)]
struct Output<'a> {
    entries: &'a [Entry],
    conflicts: &'a [Conflict],
}

/// What the range holds, read once for every view.
pub(super) struct View {
    pub(super) tz: Tz,
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
    pub(super) service: Option<String>,
    pub(super) releases: Vec<Release>,
    pub(super) entries: Vec<Entry>,
    pub(super) conflicts: Vec<Conflict>,
}

/// The longest range one `rel calendar` shows or exports, in days: five
/// years, so a mistyped range cannot take the machine's memory.
const MAX_DAYS: i64 = 1827;

pub fn run(ctx: &Ctx, a: CalendarArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let calendar = repo.load_calendar(&policy)?;
    let tz = policy.tz();

    let today = to_local(tz, ctx.now).date_naive();
    let from = match &a.from {
        Some(t) => parse_date("--from", t)?,
        None => today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
    };
    let to = match &a.to {
        Some(t) => parse_date("--to", t)?,
        None => from + Duration::days(6),
    };
    if ctx.json() && a.ics.as_deref().is_some_and(|p| p.as_os_str() == "-") {
        return Err(Error::usage(
            "--ics - writes the calendar to stdout, where --json writes too; give --ics a file name, or leave out --json",
        ));
    }
    if to < from {
        return Err(Error::usage(format!(
            "--to {to} is before --from {from}; give a --to on or after --from"
        )));
    }
    for (flag, date) in [("--from", from), ("--to", to)] {
        if !(1900..=2999).contains(&date.year()) {
            return Err(Error::usage(format!(
                "{flag} {date} is out of range; calendars cover the years 1900 to 2999"
            )));
        }
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(Error::usage(format!(
            "--from {from} --to {to} spans {} days; at most {MAX_DAYS} (five years) are shown or exported at once, so ask for a shorter range",
            (to - from).num_days() + 1
        )));
    }
    if let Some(s) = &a.service
        && !policy.services.contains_key(s)
    {
        return Err(Error::usage(format!(
            "--service: unknown service `{s}`; services in policy.yaml: {}",
            policy
                .services
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }

    // The grid shows whole weeks.
    let (from, to) = if a.list || ctx.json() || a.ics.is_some() {
        (from, to)
    } else {
        (
            from - Duration::days(i64::from(from.weekday().num_days_from_monday())),
            to + Duration::days(i64::from(6 - to.weekday().num_days_from_monday())),
        )
    };

    // Only the month folders the range touches, and one either side for
    // windows and conflicts crossing a month's edge.
    let mut loaded: Vec<Release> = vec![];
    let mut m = from.with_day(1).unwrap_or(from) - chrono::Months::new(1);
    let last_month = to.with_day(1).unwrap_or(to) + chrono::Months::new(1);
    while m <= last_month {
        loaded.extend(repo.releases_in_month(m.year(), m.month())?);
        m = m + chrono::Months::new(1);
    }
    // Cancelled releases take no part in the calendar, but a client that
    // showed one must be told it is cancelled (iCalendar only).
    let (cancelled, loaded): (Vec<Release>, Vec<Release>) = loaded
        .into_iter()
        .partition(|r| r.stage == Stage::Cancelled);

    let view = build(&policy, &calendar, loaded, from, to, a.service.clone());

    if let Some(path) = &a.ics {
        let cancelled = overlapping(tz, &cancelled, from, to, a.service.as_deref());
        let text = ics_text(&repo, &view, &calendar, &cancelled)?;
        let n = text.matches("BEGIN:VEVENT").count();
        // `-`: the calendar itself on stdout, nothing else.
        if path.as_os_str() == "-" {
            print!("{text}");
            return Ok(());
        }
        let path = if path.is_absolute() {
            path.clone()
        } else {
            ctx.cwd.join(path)
        };
        // Meant to be published: ordinary permissions, and a mistyped
        // folder is an error rather than created.
        crate::store::atomic::write_public(&path, text.as_bytes())?;
        let summary = format!("wrote {n} events to {}", path.display());
        if ctx.json() {
            eprintln!("{summary}");
            return print_json(&Output {
                entries: &view.entries,
                conflicts: &view.conflicts,
            });
        }
        println!("{summary}");
        return Ok(());
    }
    if ctx.json() {
        return print_json(&Output {
            entries: &view.entries,
            conflicts: &view.conflicts,
        });
    }
    if a.list {
        print!("{}", list(&view, ctx.table_width));
        return Ok(());
    }
    let mut monday = from;
    let mut grids = vec![];
    while monday <= to {
        grids.push(week::render(&week_of(&view, monday)));
        monday += Duration::days(7);
    }
    print!("{}", grids.join("\n"));
    Ok(())
}

fn next(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// Every release whose window overlaps the range, including one that
/// starts the evening before and runs into it, in start order.
pub(super) fn overlapping(
    tz: Tz,
    releases: &[Release],
    from: NaiveDate,
    to: NaiveDate,
    service: Option<&str>,
) -> Vec<Release> {
    let (start, end) = (midnight(tz, from), midnight(tz, next(to)));
    let mut out: Vec<Release> = releases
        .iter()
        .filter(|r| r.window.start < end && start < r.window.end())
        .filter(|r| service.is_none_or(|s| r.service == s))
        .cloned()
        .collect();
    out.sort_by(|a, b| (a.window.start, &a.id).cmp(&(b.window.start, &b.id)));
    out
}

pub(super) fn build(
    policy: &Policy,
    calendar: &Calendar,
    loaded: Vec<Release>,
    from: NaiveDate,
    to: NaiveDate,
    service: Option<String>,
) -> View {
    let tz = policy.tz();
    let (start, end) = (midnight(tz, from), midnight(tz, next(to)));
    let svc = service.as_deref();
    let in_range = |d: NaiveDate| from <= d && d <= to;

    let releases = overlapping(tz, &loaded, from, to, svc);

    let mut entries = vec![];
    for r in &releases {
        let mut e = Entry::new("release", r.window.start, r.window.end());
        e.id = Some(r.id.clone());
        e.title = Some(r.title.clone());
        e.service = Some(r.service.clone());
        e.release_type = Some(r.kind.to_string());
        e.stage = Some(r.stage.to_string());
        e.version = r.version.clone();
        e.impact = Some(r.impact.to_string());
        entries.push(e);
    }
    for w in calendar.window_occurrences(tz, start, end, svc) {
        let services = calendar
            .maintenance_windows
            .iter()
            .find(|m| m.name == w.name)
            .map(|m| m.services.clone())
            .unwrap_or_default();
        let mut e = Entry::new("maintenance", w.start, w.end);
        e.name = Some(w.name);
        e.services = services;
        entries.push(e);
    }
    for (hit, services) in calendar.blackout_ranges(from, to) {
        if !applies(&services, svc) {
            continue;
        }
        let mut e = Entry::days("blackout", tz, &hit.name, hit.first, hit.last);
        e.services = services;
        entries.push(e);
    }
    for ev in &calendar.events {
        let (es, ee) = (
            point_start_lenient(tz, &ev.from),
            point_end_lenient(tz, &ev.to),
        );
        // Infrastructure maintenance on a service the filtered one depends
        // on blocks it too, so it is shown with it.
        let shown = applies(&ev.services, svc)
            || (ev.kind == EventKind::Infrastructure
                && svc.is_some_and(|s| {
                    conflicts::dependency_path(policy, s, &ev.services).is_some()
                }));
        if !(es < end && start < ee && shown) {
            continue;
        }
        let mut e = Entry::new("event", es, ee);
        e.name = Some(ev.name.clone());
        e.services = ev.services.clone();
        e.event_kind = Some(match ev.kind {
            EventKind::Infrastructure => "infrastructure",
            EventKind::Organisational => "organisational",
        });
        e.no_deploy = ev.no_deploy;
        if let (Point::Date(f), Point::Date(l)) = (ev.from, ev.to) {
            e.first = Some(f);
            e.last = Some(l);
        }
        entries.push(e);
    }
    for d in calendar.holidays.iter().filter(|d| in_range(**d)) {
        entries.push(Entry::days("holiday", tz, "holiday", *d, *d));
    }
    for u in &calendar.unavailability {
        if u.to < from || u.from > to {
            continue;
        }
        entries.push(Entry::days("absence", tz, &u.person, u.from, u.to));
    }
    entries.sort_by_key(|e| e.start);

    // Conflicts of each release in range against everything loaded, one
    // per pair.
    let mut conflicts = vec![];
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for r in releases.iter().filter(|r| r.stage != Stage::Closed) {
        for c in conflicts::find(r, &loaded, calendar, policy) {
            let other = match &c.with {
                ConflictWith::Release { id } => id.clone(),
                ConflictWith::Infrastructure { event } | ConflictWith::Organisational { event } => {
                    format!("event:{event}")
                }
                ConflictWith::Person { person } => format!("person:{person}"),
            };
            let key = if other < c.release {
                (other, c.release.clone())
            } else {
                (c.release.clone(), other)
            };
            if seen.insert(key) {
                conflicts.push(c);
            }
        }
    }

    View {
        tz,
        from,
        to,
        service,
        releases,
        entries,
        conflicts,
    }
}

pub(super) fn applies(services: &[String], service: Option<&str>) -> bool {
    service.is_none_or(|s| services.is_empty() || services.iter().any(|x| x == s))
}

fn week_of(view: &View, monday: NaiveDate) -> week::Week {
    let tz = view.tz;
    let sunday = monday + Duration::days(6);
    let local = |t: Timestamp| to_local(tz, t).naive_local();
    let this_week = |d: NaiveDate| monday <= d && d <= sunday;
    let overlaps = |f: NaiveDate, l: NaiveDate| f <= sunday && monday <= l;
    let days = |e: &Entry, detail: String| week::Days {
        name: e.name.clone().unwrap_or_default(),
        first: e.first.unwrap_or(monday),
        last: e.last.unwrap_or(sunday),
        detail,
    };
    let mut w = week::Week {
        monday,
        service: view.service.clone(),
        ..week::Week::default()
    };
    // Releases whose window overlaps the week: a cell shows those starting
    // that day, the list underneath all of them.
    let (week_start, week_end) = (
        midnight(tz, monday),
        midnight(tz, sunday + Duration::days(1)),
    );
    for r in &view.releases {
        let start = local(r.window.start);
        if r.window.start < week_end && week_start < r.window.end() {
            w.releases.push(week::Release {
                id: r.id.clone(),
                title: r.title.clone(),
                service: r.service.clone(),
                version: r.version.clone(),
                start,
                offset: is_ambiguous(tz, r.window.start)
                    .then(|| to_local(tz, r.window.start).format("%:z").to_string()),
            });
        }
    }
    for e in &view.entries {
        let (s, en) = (local(e.start), local(e.end));
        let last_day = if en.time() == NaiveTime::MIN && en.date() > s.date() {
            en.date() - Duration::days(1)
        } else {
            en.date()
        };
        match e.kind {
            "maintenance" if this_week(s.date()) => w.windows.push((s, en)),
            "blackout" if overlaps(s.date(), last_day) => {
                let scope = if e.services.is_empty() {
                    String::new()
                } else {
                    e.services.join(", ")
                };
                w.blackouts.push(days(e, scope));
            }
            "event" if overlaps(s.date(), last_day) => {
                if e.event_kind == Some("infrastructure") {
                    w.infrastructure.push(week::Maintenance {
                        name: e.name.clone().unwrap_or_default(),
                        start: s,
                        end: en,
                        services: e.services.clone(),
                    });
                } else {
                    let d = week::Days {
                        name: e.name.clone().unwrap_or_default(),
                        first: s.date(),
                        last: last_day,
                        detail: if e.no_deploy {
                            "no deploy".into()
                        } else {
                            String::new()
                        },
                    };
                    if e.no_deploy {
                        w.no_deploy.push(d.clone());
                    }
                    w.organisational.push(d);
                }
            }
            "holiday" if this_week(s.date()) => w.holidays.push(s.date()),
            "absence" if overlaps(s.date(), last_day) => w.absences.push(days(e, String::new())),
            _ => {}
        }
    }
    let ids: BTreeSet<&str> = w.releases.iter().map(|r| r.id.as_str()).collect();
    for c in &view.conflicts {
        if ids.contains(c.release.as_str()) {
            w.conflicts.push(week::Clash {
                release: c.release.clone(),
                with: with_text(c),
                winner: c.winner.clone(),
                reason: c.reason.clone(),
            });
        }
    }
    w
}

/// The calendar of `from..=to` for another view (the release site): every
/// entry and conflict, as `rel calendar --json` gives them. `releases`
/// should hold the range's months and one on either side.
pub(super) fn range(
    policy: &Policy,
    calendar: &Calendar,
    releases: Vec<Release>,
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<Entry>, Vec<Conflict>) {
    let view = build(policy, calendar, releases, from, to, None);
    (view.entries, view.conflicts)
}
