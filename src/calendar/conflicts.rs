//! Calendar conflicts of one release (seed: "Check the release calendar for
//! conflicts": another release on the same or dependent services,
//! infrastructure maintenance, organisational events, key personnel away)
//! and who wins (seed "Release calendar management": "emergency releases take
//! precedence over scheduled releases; higher-impact releases take
//! precedence over lower-impact releases; earlier-scheduled releases take
//! precedence over later requests").

use super::local_time::{
    fmt_local, local_date, local_dates, midnight, point_end_lenient, point_start_lenient, to_local,
};
use super::{Calendar, EventKind, Point};
use crate::model::{Release, Stage};
use crate::policy::Policy;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::Serialize;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ConflictWith {
    Release { id: String },
    Infrastructure { event: String },
    Organisational { event: String },
    Person { person: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    /// The candidate's id.
    pub release: String,
    pub with: ConflictWith,
    pub candidate_wins: bool,
    /// The winning release id, event name or person.
    pub winner: String,
    /// What overlaps when, and why the winner wins.
    pub reason: String,
}

/// How a tie between two releases of the same type, impact and booking
/// time is broken. Ids cannot order bookings (an id follows the window's
/// month, not the order of booking), and with a pinned clock booking times
/// can be equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tie {
    /// The candidate is being booked now and every other release is already
    /// on the calendar: the existing booking keeps its slot.
    ExistingWins,
    /// Both releases are on the calendar and neither was booked first: the
    /// smaller id wins, so that every view agrees.
    SmallerId,
}

/// Every conflict of `candidate`, a release already on the calendar, with
/// the other releases and the calendar. Emergency releases still get
/// conflicts: they bypass windows and blackouts only (SPEC section 3).
pub fn find(
    candidate: &Release,
    others: &[Release],
    cal: &Calendar,
    policy: &Policy,
) -> Vec<Conflict> {
    find_with_escape(candidate, others, cal, policy, Tie::SmallerId)
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

/// As `find`, for a release being booked: on a tie, the releases already
/// booked win (`rel plan` must not push out an existing booking).
pub fn find_for_booking(
    candidate: &Release,
    others: &[Release],
    cal: &Calendar,
    policy: &Policy,
) -> Vec<Conflict> {
    find_with_escape(candidate, others, cal, policy, Tie::ExistingWins)
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

/// As `find`, each conflict with the earliest start at which the candidate
/// (same duration) would no longer meet that conflict; `slots` jumps there.
pub(crate) fn find_with_escape(
    candidate: &Release,
    others: &[Release],
    cal: &Calendar,
    policy: &Policy,
    tie: Tie,
) -> Vec<(Conflict, DateTime<FixedOffset>)> {
    let tz = policy.tz();
    let (start, end) = (candidate.window.start, candidate.window.end());
    let (first_day, last_day) = local_dates(tz, start, end);
    let span = describe_span(tz, start, end);
    let mut out = vec![];

    // (a) Other releases on the same or a related service.
    let related = policy.related_services(&candidate.service);
    for o in others {
        if o.id == candidate.id || matches!(o.stage, Stage::Cancelled | Stage::Closed) {
            continue;
        }
        let (os, oe) = (o.window.start, o.window.end());
        // Half-open windows: back to back is not an overlap.
        let overlaps = start < oe && os < end;
        if !overlaps || !related.contains(&o.service) {
            continue;
        }
        let link = if o.service == candidate.service {
            format!("both on {}", o.service)
        } else {
            format!(
                "{} and {} are related through depends_on",
                candidate.service, o.service
            )
        };
        let (candidate_wins, rule) = precedence(candidate, o, tie);
        let winner = if candidate_wins { &candidate.id } else { &o.id };
        out.push((
            Conflict {
                release: candidate.id.clone(),
                with: ConflictWith::Release { id: o.id.clone() },
                candidate_wins,
                winner: winner.clone(),
                reason: format!(
                    "{} ({span}) overlaps {} ({}), {link}; {winner} wins: {rule}",
                    candidate.id,
                    o.id,
                    describe_span(tz, os, oe)
                ),
            },
            oe,
        ));
    }

    for e in &cal.events {
        match e.kind {
            // (b) Infrastructure maintenance on the candidate's service, or
            // on a service it depends on (policy `depends_on`, transitively:
            // "conflicts propagate along these edges").
            EventKind::Infrastructure => {
                let on = if e.services.is_empty() || e.services.contains(&candidate.service) {
                    candidate.service.clone()
                } else if let Some(path) = dependency_path(policy, &candidate.service, &e.services)
                {
                    format!(
                        "{}, which {} depends on ({})",
                        path.last().map(String::as_str).unwrap_or_default(),
                        candidate.service,
                        path.join(" -> ")
                    )
                } else {
                    continue;
                };
                let (es, ee) = (
                    point_start_lenient(tz, &e.from),
                    point_end_lenient(tz, &e.to),
                );
                if !(start < ee && es < end) {
                    continue;
                }
                out.push((
                    Conflict {
                        release: candidate.id.clone(),
                        with: ConflictWith::Infrastructure {
                            event: e.name.clone(),
                        },
                        candidate_wins: false,
                        winner: e.name.clone(),
                        reason: format!(
                            "{} ({span}) overlaps infrastructure maintenance {} ({}) on {on}; the maintenance wins: a release does not deploy onto infrastructure being maintained",
                            candidate.id,
                            e.name,
                            describe_span(tz, es, ee),
                        ),
                    },
                    ee,
                ));
            }
            // (c) Organisational no-deploy days touching any date of the window.
            EventKind::Organisational => {
                if !e.no_deploy {
                    continue;
                }
                let (ef, el) = (first_date(&e.from), last_date(&e.to));
                if !(ef <= last_day && first_day <= el) {
                    continue;
                }
                out.push((
                    Conflict {
                        release: candidate.id.clone(),
                        with: ConflictWith::Organisational {
                            event: e.name.clone(),
                        },
                        candidate_wins: false,
                        winner: e.name.clone(),
                        reason: format!(
                            "{} ({span}) falls on {}, a no-deploy organisational event ({} to {}); the event wins: no deployments on those days",
                            candidate.id, e.name, ef, el
                        ),
                    },
                    midnight(tz, el.succ_opt().unwrap_or(el)),
                ));
            }
        }
    }

    // (d) Key personnel away during the deployment or the day after (seed:
    // "during deployment or immediate post-deployment period").
    let after_day = last_day.succ_opt().unwrap_or(last_day);
    for person in &candidate.people {
        let email = email_of(person);
        for u in &cal.unavailability {
            if email_of(&u.person) != email || !(u.from <= after_day && first_day <= u.to) {
                continue;
            }
            out.push((
                Conflict {
                    release: candidate.id.clone(),
                    with: ConflictWith::Person {
                        person: person.clone(),
                    },
                    candidate_wins: false,
                    winner: person.clone(),
                    reason: format!(
                        "{person} is unavailable {} to {}, during {} ({span}) or the day after; the absence wins: key personnel must be available for the deployment and the day after",
                        u.from, u.to, candidate.id
                    ),
                },
                midnight(tz, u.to.succ_opt().unwrap_or(u.to)),
            ));
        }
    }
    out
}

/// Does the candidate win against `o`, and by which rule.
fn precedence(c: &Release, o: &Release, tie: Tie) -> (bool, String) {
    let (ce, oe) = (c.kind.is_emergency(), o.kind.is_emergency());
    if ce != oe {
        return (
            ce,
            "emergency releases take precedence over scheduled releases".to_string(),
        );
    }
    if c.impact != o.impact {
        let (hi, lo) = if c.impact > o.impact {
            (c.impact, o.impact)
        } else {
            (o.impact, c.impact)
        };
        return (
            c.impact > o.impact,
            format!("higher impact takes precedence ({hi} over {lo})"),
        );
    }
    match c.booked_at.cmp(&o.booked_at) {
        Ordering::Less | Ordering::Greater => {
            let (early, late) = if c.booked_at < o.booked_at {
                (c, o)
            } else {
                (o, c)
            };
            (
                c.booked_at < o.booked_at,
                format!(
                    "the earlier booking takes precedence ({} booked {}, {} booked {})",
                    early.id,
                    early.booked_at.to_rfc3339(),
                    late.id,
                    late.booked_at.to_rfc3339()
                ),
            )
        }
        Ordering::Equal => match tie {
            Tie::ExistingWins => (
                false,
                format!(
                    "same type, impact and booking time, and {} is already booked, so it keeps its slot",
                    o.id
                ),
            ),
            Tie::SmallerId => {
                let (small, large) = if c.id < o.id {
                    (&c.id, &o.id)
                } else {
                    (&o.id, &c.id)
                };
                (
                    c.id < o.id,
                    format!(
                        "same type, impact and booking time and neither was booked first, so the smaller id wins ({small} over {large})"
                    ),
                )
            }
        },
    }
}

/// The shortest chain of `depends_on` edges from `service` to one of
/// `targets`, both ends included (`finance -> ledger -> core`); `None` when
/// `service` depends on none of them. Ties go to the first edge listed.
pub fn dependency_path(policy: &Policy, service: &str, targets: &[String]) -> Option<Vec<String>> {
    let mut came_from: std::collections::BTreeMap<String, String> = Default::default();
    let mut queue = std::collections::VecDeque::from([service.to_string()]);
    while let Some(s) = queue.pop_front() {
        if s != service && targets.contains(&s) {
            let mut path = vec![s.clone()];
            let mut at = s;
            while let Some(prev) = came_from.get(&at) {
                path.push(prev.clone());
                at = prev.clone();
            }
            path.reverse();
            return Some(path);
        }
        for d in policy
            .services
            .get(&s)
            .map(|x| x.depends_on.as_slice())
            .unwrap_or_default()
        {
            if d != service && !came_from.contains_key(d) {
                came_from.insert(d.clone(), s.clone());
                queue.push_back(d.clone());
            }
        }
    }
    None
}

/// The email part of `Name <email>` or a bare email, lower-cased.
fn email_of(person: &str) -> String {
    let p = person.trim();
    let email = match (p.rfind('<'), p.rfind('>')) {
        (Some(a), Some(b)) if a < b => &p[a + 1..b],
        _ => p,
    };
    email.trim().to_lowercase()
}

fn first_date(p: &Point) -> NaiveDate {
    match p {
        Point::Date(d) => *d,
        Point::DateTime(dt) => dt.date(),
    }
}

/// The last date a range ending at `p` touches: a date-time at midnight is
/// exclusive, so the day before.
fn last_date(p: &Point) -> NaiveDate {
    match p {
        Point::Date(d) => *d,
        Point::DateTime(dt) if dt.time() == NaiveTime::MIN => {
            dt.date().pred_opt().unwrap_or(dt.date())
        }
        Point::DateTime(dt) => dt.date(),
    }
}

/// `Sat 2025-03-15 20:00 to 22:00 Europe/London` (the end's date is shown
/// when it differs).
fn describe_span(tz: Tz, start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> String {
    let s = fmt_local(tz, start);
    let e = if local_date(tz, start) == local_date(tz, end) {
        to_local(tz, end).format("%H:%M").to_string()
    } else {
        fmt_local(tz, end)
    };
    format!("{s} to {e} {}", tz.name())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::calendar::local_time::parse_local;
    use crate::calendar::{CalendarFile, Unavailability};
    use crate::model::{Booking, Duration as Dur, Impact, ReleaseType, Schedule, Window};
    use chrono_tz::Europe::London;

    pub(crate) fn t(s: &str) -> DateTime<FixedOffset> {
        parse_local(London, s).unwrap()
    }

    /// A release in stage plan with a window of `minutes` from `start`.
    pub(crate) fn release(
        id: &str,
        service: &str,
        kind: ReleaseType,
        impact: Impact,
        start: &str,
        minutes: i64,
        booked_at: &str,
    ) -> Release {
        let day = t(start).date_naive();
        Release::booked(Booking {
            id: id.into(),
            title: format!("{service} release"),
            service: service.into(),
            kind,
            changes: vec![],
            window: Window {
                start: t(start),
                duration: Dur::minutes(minutes),
            },
            schedule: Schedule {
                planning: day,
                build: day,
                test: day,
                staging: day,
                deployment: day,
            },
            impact,
            planned_by: "Rm <rm@example.com>".into(),
            booked_at: t(booked_at),
        })
    }

    pub(crate) fn policy() -> Policy {
        // finance -> ledger -> core; hr unrelated.
        crate::store::yaml::from_str(
            std::path::Path::new("test.yaml"),
            "timezone: Europe/London\nservices:\n  finance:\n    depends_on: [ledger]\n  ledger:\n    depends_on: [core]\n  core: {}\n  hr: {}\n",
        )
        .unwrap()
    }

    fn minor(id: &str, service: &str, start: &str, booked: &str) -> Release {
        release(
            id,
            service,
            ReleaseType::Minor,
            Impact::Medium,
            start,
            120,
            booked,
        )
    }

    fn calendar(yaml: &str) -> Calendar {
        Calendar::merge([crate::store::yaml::from_str::<CalendarFile>(
            std::path::Path::new("test.yaml"),
            yaml,
        )
        .unwrap()])
    }

    #[test]
    fn transitive_dependency_conflicts_unrelated_does_not() {
        let p = policy();
        let cal = Calendar::default();
        let a = minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        );
        let b = minor(
            "REL-2025-03-002",
            "core",
            "2025-03-15 21:00",
            "2025-03-02 09:00",
        );
        let c = minor(
            "REL-2025-03-003",
            "hr",
            "2025-03-15 21:00",
            "2025-03-01 08:00",
        );
        let found = find(&b, &[a.clone(), b.clone(), c.clone()], &cal, &p);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].with,
            ConflictWith::Release {
                id: "REL-2025-03-001".into()
            }
        );
        assert!(!found[0].candidate_wins);
        assert_eq!(found[0].winner, "REL-2025-03-001");
        assert!(
            found[0].reason.contains("related through depends_on"),
            "{}",
            found[0].reason
        );
        assert!(
            found[0].reason.contains("earlier booking"),
            "{}",
            found[0].reason
        );
        assert_eq!(
            found[0].reason,
            "REL-2025-03-002 (Sat 2025-03-15 21:00 to 23:00 Europe/London) overlaps REL-2025-03-001 (Sat 2025-03-15 20:00 to 22:00 Europe/London), core and finance are related through depends_on; REL-2025-03-001 wins: the earlier booking takes precedence (REL-2025-03-001 booked 2025-03-01T09:00:00+00:00, REL-2025-03-002 booked 2025-03-02T09:00:00+00:00)"
        );
        // Seen from a, a wins.
        let found = find(&a, std::slice::from_ref(&b), &cal, &p);
        assert!(found[0].candidate_wins);
        // hr overlaps in time but is unrelated.
        assert!(find(&c, &[a, b], &cal, &p).is_empty());
    }

    #[test]
    fn emergency_beats_earlier_booked_scheduled() {
        let p = policy();
        let sched = release(
            "REL-2025-03-001",
            "finance",
            ReleaseType::Major,
            Impact::High,
            "2025-03-15 20:00",
            120,
            "2025-02-01 09:00",
        );
        let em = release(
            "REL-2025-03-002",
            "finance",
            ReleaseType::Emergency,
            Impact::Low,
            "2025-03-15 21:00",
            60,
            "2025-03-15 08:00",
        );
        let f = find(&em, std::slice::from_ref(&sched), &Calendar::default(), &p);
        assert!(f[0].candidate_wins);
        assert!(f[0].reason.contains("emergency"), "{}", f[0].reason);
        let f = find(&sched, &[em], &Calendar::default(), &p);
        assert!(!f[0].candidate_wins);
        assert_eq!(f[0].winner, "REL-2025-03-002");
    }

    #[test]
    fn high_impact_beats_low_impact_booked_earlier() {
        let p = policy();
        let low = release(
            "REL-2025-03-001",
            "finance",
            ReleaseType::Minor,
            Impact::Low,
            "2025-03-15 20:00",
            120,
            "2025-02-01 09:00",
        );
        let high = release(
            "REL-2025-03-002",
            "ledger",
            ReleaseType::Minor,
            Impact::High,
            "2025-03-15 21:00",
            120,
            "2025-03-10 09:00",
        );
        let f = find(&high, &[low], &Calendar::default(), &p);
        assert!(f[0].candidate_wins);
        assert!(
            f[0].reason
                .contains("higher impact takes precedence (high over low)"),
            "{}",
            f[0].reason
        );
    }

    #[test]
    fn earlier_booking_then_smaller_id_wins() {
        let p = policy();
        let a = minor(
            "REL-2025-03-002",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        );
        let b = minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:30",
            "2025-03-01 09:05",
        );
        let f = find(&b, std::slice::from_ref(&a), &Calendar::default(), &p);
        assert!(!f[0].candidate_wins);
        assert_eq!(f[0].winner, "REL-2025-03-002");
        // Same booking time: the smaller id wins.
        let b = minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:30",
            "2025-03-01 09:00",
        );
        let f = find(&b, std::slice::from_ref(&a), &Calendar::default(), &p);
        assert!(f[0].candidate_wins);
        assert!(
            f[0].reason.ends_with(
                "neither was booked first, so the smaller id wins (REL-2025-03-001 over REL-2025-03-002)"
            ),
            "{}",
            f[0].reason
        );
        // Being booked, the same release loses the tie: the existing
        // booking keeps its slot, whatever the ids.
        let f = find_for_booking(&b, &[a], &Calendar::default(), &p);
        assert!(!f[0].candidate_wins);
        assert_eq!(f[0].winner, "REL-2025-03-002");
        assert!(
            f[0].reason
                .ends_with("REL-2025-03-002 is already booked, so it keeps its slot"),
            "{}",
            f[0].reason
        );
    }

    #[test]
    fn non_overlapping_back_to_back_cancelled_and_closed_do_not_conflict() {
        let p = policy();
        let cal = Calendar::default();
        let a = minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        );
        // Back to back: b starts when a ends.
        let b = minor(
            "REL-2025-03-002",
            "finance",
            "2025-03-15 22:00",
            "2025-03-02 09:00",
        );
        assert!(find(&b, std::slice::from_ref(&a), &cal, &p).is_empty());
        // One minute earlier overlaps.
        let b2 = minor(
            "REL-2025-03-002",
            "finance",
            "2025-03-15 21:59",
            "2025-03-02 09:00",
        );
        assert_eq!(find(&b2, std::slice::from_ref(&a), &cal, &p).len(), 1);
        // A different day does not.
        let b3 = minor(
            "REL-2025-03-002",
            "finance",
            "2025-03-22 20:00",
            "2025-03-02 09:00",
        );
        assert!(find(&b3, std::slice::from_ref(&a), &cal, &p).is_empty());
        // Its own record, a cancelled release and a closed one are skipped.
        let mut gone = a.clone();
        gone.stage = Stage::Cancelled;
        let mut done = a.clone();
        done.stage = Stage::Closed;
        assert!(find(&b2, &[gone, done, b2.clone()], &cal, &p).is_empty());
    }

    #[test]
    fn infrastructure_event_on_the_service_wins() {
        let p = policy();
        let cal = calendar(
            "events:\n  - name: db-patching\n    kind: infrastructure\n    from: 2025-03-22T18:00\n    to: 2025-03-22T23:00\n    services: [ledger]\n",
        );
        let r = minor(
            "REL-2025-03-001",
            "ledger",
            "2025-03-22 22:00",
            "2025-03-01 09:00",
        );
        let f = find(&r, &[], &cal, &p);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].with,
            ConflictWith::Infrastructure {
                event: "db-patching".into()
            }
        );
        assert!(!f[0].candidate_wins);
        assert_eq!(f[0].winner, "db-patching");
        // At the event's end: no overlap.
        let r = minor(
            "REL-2025-03-001",
            "ledger",
            "2025-03-22 23:00",
            "2025-03-01 09:00",
        );
        assert!(find(&r, &[], &cal, &p).is_empty());
        // A service depending on ledger is affected, and told why.
        let r = minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-22 22:00",
            "2025-03-01 09:00",
        );
        let f = find(&r, &[], &cal, &p);
        assert_eq!(f.len(), 1);
        assert!(!f[0].candidate_wins);
        assert!(
            f[0].reason.contains(
                "infrastructure maintenance db-patching (Sat 2025-03-22 18:00 to 23:00 Europe/London) on ledger, which finance depends on (finance -> ledger); the maintenance wins"
            ),
            "{}",
            f[0].reason
        );
        // What ledger depends on, and unrelated services, are not.
        for service in ["core", "hr"] {
            let r = minor(
                "REL-2025-03-001",
                service,
                "2025-03-22 22:00",
                "2025-03-01 09:00",
            );
            assert!(find(&r, &[], &cal, &p).is_empty(), "{service}");
        }
        // An emergency still gets the conflict.
        let mut r = minor(
            "REL-2025-03-001",
            "ledger",
            "2025-03-22 19:00",
            "2025-03-01 09:00",
        );
        r.kind = ReleaseType::Emergency;
        assert_eq!(find(&r, &[], &cal, &p).len(), 1);
    }

    #[test]
    fn dependency_paths_follow_depends_on_transitively() {
        let p = policy();
        let path = |from: &str, to: &str| dependency_path(&p, from, &[to.to_string()]);
        assert_eq!(
            path("finance", "core"),
            Some(vec!["finance".into(), "ledger".into(), "core".into()])
        );
        assert_eq!(path("finance", "ledger").unwrap().len(), 2);
        assert_eq!(path("core", "finance"), None);
        assert_eq!(path("hr", "core"), None);
        assert_eq!(path("finance", "finance"), None);
    }

    #[test]
    fn organisational_no_deploy_days() {
        let p = policy();
        let cal = calendar(
            "events:\n  - name: board-meeting\n    kind: organisational\n    from: 2025-03-13\n    to: 2025-03-14\n    no_deploy: true\n  - name: town-hall\n    kind: organisational\n    from: 2025-03-12\n    to: 2025-03-12\n",
        );
        let r = minor(
            "REL-2025-03-001",
            "hr",
            "2025-03-14 20:00",
            "2025-03-01 09:00",
        );
        let f = find(&r, &[], &cal, &p);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].with,
            ConflictWith::Organisational {
                event: "board-meeting".into()
            }
        );
        assert!(!f[0].candidate_wins);
        // A window from Wed 23:00 into Thu touches Thursday.
        let r = minor(
            "REL-2025-03-001",
            "hr",
            "2025-03-12 23:00",
            "2025-03-01 09:00",
        );
        assert_eq!(find(&r, &[], &cal, &p).len(), 1);
        // Ending exactly at Thursday's midnight does not; town-hall has no no_deploy.
        let r = minor(
            "REL-2025-03-001",
            "hr",
            "2025-03-12 22:00",
            "2025-03-01 09:00",
        );
        assert!(find(&r, &[], &cal, &p).is_empty());
        let r = minor(
            "REL-2025-03-001",
            "hr",
            "2025-03-15 00:00",
            "2025-03-01 09:00",
        );
        assert!(find(&r, &[], &cal, &p).is_empty());
    }

    #[test]
    fn unavailable_key_person_during_or_day_after() {
        let p = policy();
        let mut cal = Calendar::default();
        cal.unavailability.push(Unavailability {
            person: "FO@example.com".into(),
            from: d(2025, 3, 16),
            to: d(2025, 3, 17),
        });
        let mut r = minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        );
        r.people = vec![
            "Finance Owner <fo@Example.com>".into(),
            "x@example.com".into(),
        ];
        // Away the day after the deployment: conflict.
        let f = find(&r, &[], &cal, &p);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].with,
            ConflictWith::Person {
                person: "Finance Owner <fo@Example.com>".into()
            }
        );
        assert!(!f[0].candidate_wins);
        // Two days before the absence: none.
        r.window.start = t("2025-03-14 20:00");
        assert!(find(&r, &[], &cal, &p).is_empty());
        // Back the day after the absence: none.
        r.window.start = t("2025-03-18 20:00");
        assert!(find(&r, &[], &cal, &p).is_empty());
        // Not listed in people: none.
        r.window.start = t("2025-03-16 20:00");
        r.people = vec!["x@example.com".into()];
        assert!(find(&r, &[], &cal, &p).is_empty());
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn conflict_with_serializes_tagged_by_kind() {
        let v = serde_json::to_value(ConflictWith::Release {
            id: "REL-2025-03-001".into(),
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "release", "id": "REL-2025-03-001"})
        );
        let v = serde_json::to_value(ConflictWith::Organisational {
            event: "board-meeting".into(),
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "organisational", "event": "board-meeting"})
        );
    }

    #[test]
    fn email_part_is_compared() {
        assert_eq!(email_of("Finance Owner <FO@example.com>"), "fo@example.com");
        assert_eq!(email_of(" fo@example.com "), "fo@example.com");
    }
}
