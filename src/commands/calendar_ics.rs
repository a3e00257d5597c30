//! The iCalendar side of `rel calendar`: `--ics` and the release site's
//! calendar file, with the revision numbers and stamps its events carry.

use super::calendar::{View, applies, build, overlapping};
use crate::calendar::local_time::midnight;
use crate::calendar::{Calendar, windows};
use crate::error::Result;
use crate::model::{Release, Stage};
use crate::policy::Policy;
use crate::render::ics;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;

/// The range as iCalendar. Each release's SEQUENCE is the number of
/// commits that changed its record since the one that created it (0 when
/// just planned), its DTSTAMP the date of the latest (every promote,
/// demote, amend or evidence is one); those of windows
/// and blackouts come from the commits that changed `calendars/`: nothing
/// comes from the clock, and a revision always numbers higher. UIDs end in
/// the repository's identity (its root commit), so two repositories'
/// releases never share one.
pub(super) fn ics_text(
    repo: &crate::store::Repo,
    view: &View,
    calendar: &Calendar,
    cancelled: &[Release],
) -> Result<String> {
    let mut paths: Vec<std::path::PathBuf> =
        vec![std::path::PathBuf::from(crate::store::paths::CALENDARS)];
    let all: Vec<&Release> = view.releases.iter().chain(cancelled).collect();
    for r in &all {
        paths.push(super::release_path(r));
    }
    let history = crate::store::revisions::revisions(repo, &paths)?;
    let domain = format!("{}.rel", history.identity.as_deref().unwrap_or("local"));
    let calendars = &history.files[0];
    let calendars_stamp = calendars
        .last
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight(view.tz, view.from).with_timezone(&Utc));
    let mut revised = BTreeMap::new();
    for (r, h) in all.iter().zip(&history.files[1..]) {
        // A record never committed (edited by hand, not yet committed)
        // still gets a stable stamp: its booking time.
        let stamp = h.last.unwrap_or(r.booked_at).with_timezone(&Utc);
        revised.insert(r.id.clone(), (h.count.saturating_sub(1), stamp));
    }
    let events = ics_events(
        view,
        calendar,
        cancelled,
        &Stamps {
            domain: &domain,
            releases: &revised,
            calendars: (calendars.count.saturating_sub(1), calendars_stamp),
        },
    );
    let name = match &view.service {
        Some(s) => format!("Release calendar: {s}"),
        None => "Release calendar".to_string(),
    };
    let meta = ics::Meta {
        name,
        tz: view.tz,
        from: view.from,
        to: view.to,
    };
    Ok(ics::render(&meta, &events))
}

/// What [`ics_events`] numbers and dates events with.
struct Stamps<'a> {
    /// The part of every UID after `@`.
    domain: &'a str,
    /// Release id -> (revisions, last revised).
    releases: &'a BTreeMap<String, (u32, DateTime<Utc>)>,
    /// The same for the calendar files.
    calendars: (u32, DateTime<Utc>),
}

/// The iCalendar events of the range: each release (cancelled ones marked
/// so), each maintenance window as a weekly event over its occurrences
/// starting in the range, each blackout occurrence as all-day events. UIDs
/// hold names and dates only, so a rerun gives the same UIDs.
fn ics_events(
    view: &View,
    calendar: &Calendar,
    cancelled: &[Release],
    stamps: &Stamps,
) -> Vec<ics::Event> {
    let domain = stamps.domain;
    let (calendar_sequence, calendar_stamp) = stamps.calendars;
    let mut out = vec![];
    let mut releases: Vec<&Release> = view.releases.iter().chain(cancelled).collect();
    releases.sort_by(|a, b| (a.window.start, &a.id).cmp(&(b.window.start, &b.id)));
    for r in releases {
        let (sequence, dtstamp) = stamps
            .releases
            .get(&r.id)
            .copied()
            .unwrap_or((0, r.booked_at.with_timezone(&Utc)));
        let mut description = format!(
            "Service: {}\nType: {}\nStage: {}\nImpact: {}",
            r.service, r.kind, r.stage, r.impact
        );
        if let Some(v) = &r.version {
            description.push_str(&format!("\nVersion: {v}"));
        }
        out.push(ics::Event {
            uid: format!("{}@{domain}", r.id),
            span: ics::Span::Utc {
                start: r.window.start.with_timezone(&Utc),
                end: r.window.end().with_timezone(&Utc),
            },
            summary: format!("{}: {}", r.id, r.title),
            description: Some(description),
            sequence,
            dtstamp,
            cancelled: r.stage == Stage::Cancelled,
        });
    }
    let svc = view.service.as_deref();
    for w in &calendar.maintenance_windows {
        if !applies(&w.services, svc) {
            continue;
        }
        for day in &w.days {
            // Every occurrence starting on a day of the range, with its
            // real instants (11 or 13 hours on the nights clocks change).
            let mut occurrences = vec![];
            let mut d = view.from;
            while d <= view.to {
                if d.weekday() == day.to_chrono()
                    && let Some(o) = windows::occurrence_on(view.tz, w, d)
                {
                    occurrences.push(ics::Occurrence {
                        nominal: d.and_time(w.start.to_naive()),
                        start: o.start.with_timezone(&Utc),
                        end: o.end.with_timezone(&Utc),
                    });
                }
                d += Duration::days(1);
            }
            if occurrences.is_empty() {
                continue;
            }
            let code = &day.to_chrono().to_string()[..2];
            out.push(ics::Event {
                uid: format!("window-{}-{}@{domain}", w.name, day_name(*day)),
                span: ics::Span::Weekly {
                    byday: code.to_uppercase(),
                    length: w.ordinary_length(),
                    occurrences,
                },
                summary: format!("Maintenance window: {}", w.name),
                description: scope_text(&w.services),
                sequence: calendar_sequence,
                dtstamp: calendar_stamp,
                cancelled: false,
            });
        }
    }
    for (hit, services) in calendar.blackout_ranges(view.from, view.to) {
        if !applies(&services, svc) {
            continue;
        }
        out.push(ics::Event {
            uid: format!("blackout-{}-{}@{domain}", hit.name, hit.first),
            span: ics::Span::AllDay {
                first: hit.first,
                last: hit.last,
            },
            summary: format!("Blackout: {}", hit.name),
            description: scope_text(&services),
            sequence: calendar_sequence,
            dtstamp: calendar_stamp,
            cancelled: false,
        });
    }
    out
}

fn day_name(d: crate::calendar::Weekday) -> &'static str {
    crate::calendar::Weekday::NAMES[crate::calendar::Weekday::ALL
        .iter()
        .position(|x| *x == d)
        .unwrap_or(0)]
}

fn scope_text(services: &[String]) -> Option<String> {
    if services.is_empty() {
        Some("All services".into())
    } else {
        Some(format!("Services: {}", services.join(", ")))
    }
}

/// The iCalendar text of `from..=to` for another view (the release site),
/// as `rel calendar --ics` writes it: `releases` of every stage, cancelled
/// ones marked so.
pub(super) fn site_ics(
    repo: &crate::store::Repo,
    policy: &Policy,
    calendar: &Calendar,
    releases: Vec<Release>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<String> {
    let (cancelled, live): (Vec<Release>, Vec<Release>) = releases
        .into_iter()
        .partition(|r| r.stage == Stage::Cancelled);
    let view = build(policy, calendar, live, from, to, None);
    let cancelled = overlapping(policy.tz(), &cancelled, from, to, None);
    ics_text(repo, &view, calendar, &cancelled)
}
