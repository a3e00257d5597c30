//! A branch's bookings judged against the base's ledger (SPEC section 5.1,
//! the pull-request flow): two clones that each booked without seeing the
//! other merge cleanly in git, so these are found by comparing the records.
//!
//! - a release id the base already holds for another release (both clones
//!   took the next free number of the month);
//! - a booking on the branch that conflicts with a release on the base and
//!   loses to it (precedence as in SPEC section 4; on a tie the base's
//!   booking, already on the calendar, keeps its slot).
//!
//! Pure: the caller reads the base's releases, calendar and policy and the
//! branch's releases, and turns what is returned into findings on the
//! record's line (`field` names the line).

use super::{Calendar, conflicts, slots};
use crate::model::{Release, Stage, Timestamp};
use crate::policy::Policy;
use serde::Serialize;

/// A release id the branch uses for another release than the base does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdReuse {
    pub id: String,
    /// The record field the finding belongs on (`id`).
    pub field: &'static str,
    /// What the base holds under the id, and what the branch does.
    pub base: String,
    pub branch: String,
    pub message: String,
}

/// A booking on the branch that loses a calendar conflict with a release
/// on the base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LostBooking {
    /// The branch's release.
    pub release: String,
    /// The record field the finding belongs on (`window`).
    pub field: &'static str,
    /// The base's release that wins.
    pub winner: String,
    /// What overlaps when, and why the winner wins.
    pub reason: String,
    /// The next start at which the branch's release could be booked.
    pub next_start: Option<Timestamp>,
    pub message: String,
}

/// Two versions of one release, as far as a booking is concerned: what
/// `rel plan` fixes once (service, type, who booked it and when). A branch
/// that rescheduled or amended a release is still the same release
/// (`rel reschedule` books the new window anew, and records the move).
pub fn same_release(a: &Release, b: &Release) -> bool {
    a.service == b.service
        && a.kind == b.kind
        && a.planned_by == b.planned_by
        && (a.booked_at == b.booked_at || moved(a, b) || moved(b, a))
}

/// `new` is `old` rescheduled: its reschedules continue `old`'s, the first
/// further one from `old`'s window.
fn moved(old: &Release, new: &Release) -> bool {
    let n = old.reschedules.len();
    new.reschedules.len() > n
        && new.reschedules[..n] == old.reschedules[..]
        && new.reschedules[n].from == old.window
}

fn describe(r: &Release) -> String {
    format!(
        "{} {} release booked by {} at {}",
        r.service,
        r.kind,
        r.planned_by,
        r.booked_at.to_rfc3339()
    )
}

/// Every release id the branch holds for another release than the base
/// holds under it.
pub fn reused_ids(base: &[Release], branch: &[Release]) -> Vec<IdReuse> {
    let mut out = vec![];
    for b in branch {
        let Some(theirs) = base.iter().find(|r| r.id == b.id) else {
            continue;
        };
        if same_release(theirs, b) {
            continue;
        }
        out.push(IdReuse {
            id: b.id.clone(),
            field: "id",
            base: describe(theirs),
            branch: describe(b),
            message: format!(
                "{} is already another release on the base ({}); this branch uses it for a {}: plan it again on the base (`rel plan` gives it the next free id) or run `rel sync` where the base is the shared remote",
                b.id,
                describe(theirs),
                describe(b)
            ),
        });
    }
    out
}

/// Bookings the branch makes (a release the base does not have, one under
/// a reused id, or one whose window the branch moved) that conflict with a
/// release on the base and lose to it. `horizon_days` bounds the search for
/// the next free start.
pub fn lost_bookings(
    base: &[Release],
    branch: &[Release],
    calendar: &Calendar,
    policy: &Policy,
    horizon_days: u32,
) -> Vec<LostBooking> {
    let mut out = vec![];
    for b in branch {
        if matches!(b.stage, Stage::Cancelled | Stage::Closed) {
            continue;
        }
        let on_base = base.iter().find(|r| r.id == b.id);
        let booking = match on_base {
            None => true,
            Some(r) if !same_release(r, b) => true,
            Some(r) => r.window != b.window,
        };
        if !booking {
            continue;
        }
        // The base's own version of this release is not in its way; under a
        // reused id, the base's release is another one and is.
        let others: Vec<Release> = base
            .iter()
            .filter(|r| !(r.id == b.id && same_release(r, b)))
            .cloned()
            .collect();
        let mut candidate = b.clone();
        if on_base.is_some_and(|r| !same_release(r, b)) {
            // The conflict search leaves out releases with the candidate's
            // own id; this one is another release.
            candidate.id = format!("{} (this branch)", b.id);
        }
        let lost: Vec<conflicts::Conflict> =
            conflicts::find_for_booking(&candidate, &others, calendar, policy)
                .into_iter()
                .filter(|c| {
                    !c.candidate_wins && matches!(c.with, conflicts::ConflictWith::Release { .. })
                })
                .collect();
        if lost.is_empty() {
            continue;
        }
        let next_start = slots::next_free(
            &candidate,
            candidate.window.start,
            &others,
            calendar,
            policy,
            horizon_days,
        );
        for c in lost {
            let mut message = format!(
                "booking loses a calendar conflict with {} on the base: {}",
                c.winner, c.reason
            );
            match next_start {
                Some(p) => message.push_str(&format!(
                    "; next free start {} (`rel reschedule` or plan again with --target \"{}\")",
                    super::local_time::format_local(policy.tz(), p, "%a %d %b %Y %H:%M"),
                    super::local_time::target_text(policy.tz(), p)
                )),
                None => message.push_str(&format!("; no free start within {horizon_days} days")),
            }
            out.push(LostBooking {
                release: b.id.clone(),
                field: "window",
                winner: c.winner.clone(),
                reason: c.reason.clone(),
                next_start,
                message,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarFile;
    use crate::calendar::conflicts::tests::{policy, release, t};
    use crate::model::{Impact, ReleaseType};

    fn saturday_evenings() -> Calendar {
        Calendar::merge([crate::store::yaml::from_str::<CalendarFile>(
            std::path::Path::new("test.yaml"),
            "maintenance_windows:\n  - name: sat\n    days: [sat]\n    start: \"18:00\"\n    end: \"06:00\"\n",
        )
        .unwrap()])
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

    #[test]
    fn an_id_held_for_another_release_is_reuse_and_the_same_release_is_not() {
        let base = vec![minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        )];
        // Another clone booked hr under the same id.
        let theirs = minor(
            "REL-2025-03-001",
            "hr",
            "2025-03-15 20:00",
            "2025-03-01 09:05",
        );
        let found = reused_ids(&base, std::slice::from_ref(&theirs));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "REL-2025-03-001");
        assert_eq!(found[0].field, "id");
        assert!(
            found[0].message.contains("finance minor release"),
            "{found:?}"
        );
        assert!(found[0].message.contains("hr minor release"), "{found:?}");

        // The base's own release, amended and moved on the branch: no reuse.
        let mut moved = base[0].clone();
        moved.window.start = t("2025-03-22 20:00");
        moved.title = "renamed".into();
        assert!(reused_ids(&base, &[moved]).is_empty());
        // Same service and type, booked at another time by someone else.
        let mut other = base[0].clone();
        other.planned_by = "Other <o@example.com>".into();
        assert_eq!(reused_ids(&base, &[other]).len(), 1);
    }

    #[test]
    fn a_new_booking_losing_to_the_base_names_the_winner_and_the_next_start() {
        let p = policy();
        let cal = saturday_evenings();
        let base = vec![minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        )];
        // Booked later, overlapping, on a dependent service: loses.
        let branch = vec![
            base[0].clone(),
            minor(
                "REL-2025-03-002",
                "ledger",
                "2025-03-15 21:00",
                "2025-03-01 10:00",
            ),
        ];
        let lost = lost_bookings(&base, &branch, &cal, &p, 120);
        assert_eq!(lost.len(), 1, "{lost:?}");
        assert_eq!(lost[0].release, "REL-2025-03-002");
        assert_eq!(lost[0].winner, "REL-2025-03-001");
        assert_eq!(lost[0].field, "window");
        assert_eq!(lost[0].next_start, Some(t("2025-03-15 22:00")));
        assert!(
            lost[0].message.contains("--target \"2025-03-15 22:00\""),
            "{lost:?}"
        );

        // Unrelated service: no conflict. Ending exactly at the start: none.
        let fine = vec![
            minor(
                "REL-2025-03-002",
                "hr",
                "2025-03-15 21:00",
                "2025-03-01 10:00",
            ),
            minor(
                "REL-2025-03-003",
                "finance",
                "2025-03-15 22:00",
                "2025-03-01 10:00",
            ),
        ];
        assert!(lost_bookings(&base, &fine, &cal, &p, 120).is_empty());
    }

    #[test]
    fn a_branch_booking_that_wins_by_precedence_is_not_lost() {
        let p = policy();
        let cal = saturday_evenings();
        let base = vec![minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        )];
        let mut emergency = minor(
            "REL-2025-03-002",
            "finance",
            "2025-03-15 20:00",
            "2025-03-02 09:00",
        );
        emergency.kind = ReleaseType::Emergency;
        assert!(lost_bookings(&base, &[emergency], &cal, &p, 120).is_empty());
        // Same type, impact and booking time: the base's booking keeps it.
        let tie = minor(
            "REL-2025-03-002",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        );
        assert_eq!(lost_bookings(&base, &[tie], &cal, &p, 120).len(), 1);
    }

    #[test]
    fn a_reused_id_that_also_overlaps_is_both_reuse_and_a_lost_booking() {
        let p = policy();
        let cal = saturday_evenings();
        let base = vec![minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        )];
        let theirs = vec![minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:30",
            "2025-03-01 09:30",
        )];
        assert_eq!(reused_ids(&base, &theirs).len(), 1);
        let lost = lost_bookings(&base, &theirs, &cal, &p, 120);
        assert_eq!(lost.len(), 1, "{lost:?}");
        assert_eq!(lost[0].release, "REL-2025-03-001");
        assert_eq!(lost[0].winner, "REL-2025-03-001");
    }

    #[test]
    fn unchanged_cancelled_and_closed_releases_are_not_bookings() {
        let p = policy();
        let cal = saturday_evenings();
        let base = vec![minor(
            "REL-2025-03-001",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 09:00",
        )];
        let mut cancelled = minor(
            "REL-2025-03-002",
            "finance",
            "2025-03-15 20:00",
            "2025-03-01 10:00",
        );
        cancelled.stage = Stage::Cancelled;
        let mut promoted = base[0].clone();
        promoted.stage = Stage::Build;
        assert!(lost_bookings(&base, &[cancelled, promoted], &cal, &p, 120).is_empty());
    }
}
