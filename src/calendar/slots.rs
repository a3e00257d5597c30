//! The next start at which a release could be booked (SPEC section 4:
//! "Every refusal explains itself: ... and the next start time at which the
//! release could be booked").

use super::Calendar;
use super::conflicts::{Tie, find_with_escape};
use super::local_time::{midnight, to_local};
use crate::model::Release;
use crate::policy::Policy;
use chrono::{DateTime, Duration, FixedOffset, Timelike};

/// The earliest start >= `after`, in whole minutes, at which `candidate`
/// (with its duration) would be accepted as a new booking: inside one
/// maintenance window occurrence and outside blackouts (non-emergency only),
/// and losing no conflict (on a tie, the releases in `others` win). Searches `horizon_days` ahead; `None` when nothing fits.
///
/// Walks forward by jumps rather than minute by minute: each rule that
/// refuses a start also says the earliest start that escapes it (the end of
/// the release or event in the way, the day after a blackout or absence),
/// and every start before that jump is refused by the same rule, so no
/// acceptable start is skipped.
pub fn next_free(
    candidate: &Release,
    after: DateTime<FixedOffset>,
    others: &[Release],
    cal: &Calendar,
    policy: &Policy,
    horizon_days: u32,
) -> Option<DateTime<FixedOffset>> {
    let tz = policy.tz();
    let dur = candidate.window.duration.to_chrono();
    let limit = after + Duration::days(i64::from(horizon_days));
    let needs_window = !candidate.kind.is_emergency();
    let occurrences = if needs_window {
        cal.window_occurrences(tz, after, limit + dur, Some(&candidate.service))
    } else {
        vec![]
    };
    let mut t = ceil_minute(after);
    let mut moved = candidate.clone();
    while t <= limit {
        if needs_window {
            // The first occurrence that can still hold [t, t + dur).
            let occ = occurrences.iter().find(|o| t.max(o.start) + dur <= o.end)?;
            t = t.max(occ.start);
            if t > limit {
                return None;
            }
            let hits = cal.blackouts_hit(tz, t, t + dur, &candidate.service);
            if let Some(last) = hits.iter().map(|h| h.last).max() {
                t = advance(t, midnight(tz, last.succ_opt()?));
                continue;
            }
        }
        moved.window.start = t;
        let escape = find_with_escape(&moved, others, cal, policy, Tie::ExistingWins)
            .into_iter()
            .filter(|(c, _)| !c.candidate_wins)
            .map(|(_, at)| at)
            .max();
        match escape {
            None => return Some(to_local(tz, t).fixed_offset()),
            Some(at) => t = advance(t, at),
        }
    }
    None
}

/// Moves to `to` rounded up to a whole minute, and always forward.
fn advance(t: DateTime<FixedOffset>, to: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    let to = ceil_minute(to);
    if to > t { to } else { t + Duration::minutes(1) }
}

fn ceil_minute(t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    if t.second() == 0 && t.nanosecond() == 0 {
        return t;
    }
    let floor = t
        .with_nanosecond(0)
        .and_then(|x| x.with_second(0))
        .unwrap_or(t);
    floor + Duration::minutes(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::conflicts::find_for_booking;
    use crate::calendar::conflicts::tests::{policy, release, t};
    use crate::calendar::{CalendarFile, Unavailability};
    use crate::model::{Impact, ReleaseType};
    use chrono::NaiveDate;
    use chrono_tz::Europe::London;

    fn calendar() -> Calendar {
        Calendar::merge([crate::store::yaml::from_str::<CalendarFile>(
            std::path::Path::new("test.yaml"),
            r#"
maintenance_windows:
  - name: saturday-evening
    days: [sat]
    start: "18:00"
    end: "06:00"
blackouts:
  - name: month-end
    monthly: { from_day: 28, to_day: 2 }
events:
  - name: db-patching
    kind: infrastructure
    from: 2025-03-15T18:00
    to: 2025-03-15T21:30
    services: [ledger]
"#,
        )
        .unwrap()])
    }

    /// What `rel plan` checks when it books: window, blackout, conflicts.
    fn accepted(r: &Release, others: &[Release], cal: &Calendar) -> bool {
        let p = policy();
        let (s, e) = (r.window.start, r.window.end());
        let window_ok = r.kind.is_emergency()
            || (cal.containing_window(London, s, e, &r.service).is_some()
                && cal.blackouts_hit(London, s, e, &r.service).is_empty());
        window_ok
            && find_for_booking(r, others, cal, &p)
                .iter()
                .all(|c| c.candidate_wins)
    }

    fn book_at(r: &Release, start: DateTime<FixedOffset>) -> Release {
        let mut r = r.clone();
        r.window.start = start;
        r
    }

    #[test]
    fn skips_blackout_and_booked_release_and_the_slot_is_accepted() {
        let cal = calendar();
        let p = policy();
        // Sat 1 March is inside month-end (28 Feb to 2 Mar); Sat 8 March
        // 18:00-20:00 is taken by an earlier booking on the same service.
        let booked = release(
            "REL-2025-03-001",
            "finance",
            ReleaseType::Minor,
            Impact::Medium,
            "2025-03-08 18:00",
            120,
            "2025-02-01 09:00",
        );
        let cand = release(
            "REL-2025-03-002",
            "finance",
            ReleaseType::Minor,
            Impact::Medium,
            "2025-03-01 18:00",
            120,
            "2025-02-20 09:00",
        );
        let others = vec![booked];
        assert!(!accepted(&cand, &others, &cal));
        let slot = next_free(&cand, t("2025-02-28 10:00"), &others, &cal, &p, 60).unwrap();
        assert_eq!(slot, t("2025-03-08 20:00"));
        assert!(accepted(&book_at(&cand, slot), &others, &cal));
        // A minute earlier is refused.
        let early = book_at(&cand, slot - Duration::minutes(1));
        assert!(!accepted(&early, &others, &cal));
    }

    #[test]
    fn skips_infrastructure_event_and_rounds_to_minutes() {
        let cal = calendar();
        let p = policy();
        let cand = release(
            "REL-2025-03-002",
            "ledger",
            ReleaseType::Patch,
            Impact::Low,
            "2025-03-15 18:00",
            90,
            "2025-03-01 09:00",
        );
        let after = t("2025-03-15 17:59") + Duration::seconds(30);
        let slot = next_free(&cand, after, &[], &cal, &p, 30).unwrap();
        assert_eq!(slot, t("2025-03-15 21:30"));
        assert!(accepted(&book_at(&cand, slot), &[], &cal));
    }

    #[test]
    fn does_not_start_where_the_window_cannot_hold_it() {
        let cal = calendar();
        let p = policy();
        // 3 hours from Sun 04:00 would run past 06:00: next Saturday.
        let cand = release(
            "REL-2025-03-002",
            "hr",
            ReleaseType::Minor,
            Impact::Low,
            "2025-03-16 04:00",
            180,
            "2025-03-01 09:00",
        );
        let slot = next_free(&cand, t("2025-03-16 04:00"), &[], &cal, &p, 30).unwrap();
        assert_eq!(slot, t("2025-03-22 18:00"));
        assert!(accepted(&book_at(&cand, slot), &[], &cal));
        // Ending exactly at 06:00 fits where it is.
        let slot = next_free(&cand, t("2025-03-16 03:00"), &[], &cal, &p, 30).unwrap();
        assert_eq!(slot, t("2025-03-16 03:00"));
    }

    #[test]
    fn emergency_ignores_windows_but_not_conflicts() {
        let mut cal = calendar();
        cal.unavailability.push(Unavailability {
            person: "fo@example.com".into(),
            from: NaiveDate::from_ymd_opt(2025, 3, 4).unwrap(),
            to: NaiveDate::from_ymd_opt(2025, 3, 5).unwrap(),
        });
        let p = policy();
        let mut cand = release(
            "REL-2025-03-009",
            "finance",
            ReleaseType::Emergency,
            Impact::High,
            "2025-03-03 10:00",
            60,
            "2025-03-03 09:00",
        );
        cand.people = vec!["Fo <fo@example.com>".into()];
        // Mon 3 March: Tuesday (the day after) the key person is away, so
        // the first start is Thu 6 March 00:00, blackout or not.
        let slot = next_free(&cand, t("2025-03-03 10:00"), &[], &cal, &p, 30).unwrap();
        assert_eq!(slot, t("2025-03-06 00:00"));
        assert!(accepted(&book_at(&cand, slot), &[], &cal));
        cand.people.clear();
        let slot = next_free(&cand, t("2025-03-01 10:00"), &[], &cal, &p, 30).unwrap();
        assert_eq!(slot, t("2025-03-01 10:00"));
    }

    #[test]
    fn nothing_within_the_horizon() {
        let cal = calendar();
        let p = policy();
        let cand = release(
            "REL-2025-03-002",
            "finance",
            ReleaseType::Minor,
            Impact::Low,
            "2025-03-01 18:00",
            120,
            "2025-03-01 09:00",
        );
        // Within 3 days of Thu 27 Feb only Sat 1 March (blacked out) exists.
        assert_eq!(
            next_free(&cand, t("2025-02-27 10:00"), &[], &cal, &p, 3),
            None
        );
        // A window longer than any occurrence never fits.
        let mut long = cand.clone();
        long.window.duration = crate::model::Duration::hours(13);
        assert_eq!(
            next_free(&long, t("2025-03-03 10:00"), &[], &cal, &p, 60),
            None
        );
    }
}
