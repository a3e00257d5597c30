//! Weekly maintenance windows (SPEC section 4; seed: "Production deployments
//! for non-emergency releases occur during defined maintenance windows").

use super::local_time::{local_date, resolve_lenient};
use super::{Calendar, MaintenanceWindow};
use chrono::{DateTime, Datelike, Duration, FixedOffset};
use chrono_tz::Tz;
use serde::Serialize;

/// One concrete occurrence of a weekly window: [start, end).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowOccurrence {
    pub name: String,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

pub(crate) fn applies_to(services: &[String], service: Option<&str>) -> bool {
    match service {
        None => true,
        Some(s) => services.is_empty() || services.iter().any(|x| x == s),
    }
}

impl Calendar {
    /// Every occurrence of every weekly window overlapping [from, to),
    /// sorted by start. Start and end are local wall-clock times resolved in
    /// `tz`, so a window spanning a DST change has its real length (Sat 18:00
    /// to Sun 06:00 across the autumn change is 13 h). A boundary that falls
    /// in a DST gap moves to the first valid instant after the gap; one in an
    /// overlap takes the earlier instant: a recurring window should shift,
    /// not vanish for the week.
    pub fn window_occurrences(
        &self,
        tz: Tz,
        from: DateTime<FixedOffset>,
        to: DateTime<FixedOffset>,
        service: Option<&str>,
    ) -> Vec<WindowOccurrence> {
        let mut out = vec![];
        if to <= from {
            return out;
        }
        // An occurrence starting the day before `from` may still run into it.
        let first = local_date(tz, from) - Duration::days(1);
        let last = local_date(tz, to);
        for w in &self.maintenance_windows {
            if !applies_to(&w.services, service) {
                continue;
            }
            let mut day = first;
            while day <= last {
                if let Some(occ) = occurrence_on(tz, w, day)
                    && occ.start < to
                    && occ.end > from
                {
                    out.push(occ);
                }
                day += Duration::days(1);
            }
        }
        out.sort_by(|a, b| (a.start, &a.name).cmp(&(b.start, &b.name)));
        out
    }

    /// The longest maintenance window open to `service`, by its length on
    /// an ordinary day (the nights clocks change add or take an hour), with
    /// its name (the first listed of equally long ones); `None` when no
    /// window is open to it.
    pub fn longest_window(&self, service: &str) -> Option<(String, Duration)> {
        let mut best: Option<(String, Duration)> = None;
        for w in &self.maintenance_windows {
            let length = w.ordinary_length();
            if applies_to(&w.services, Some(service)) && best.as_ref().is_none_or(|b| length > b.1)
            {
                best = Some((w.name.clone(), length));
            }
        }
        best
    }

    /// The occurrence that holds the whole release window [start, end), if
    /// any (SPEC section 4: "must lie entirely inside one maintenance
    /// window"). Ending exactly at the occurrence's end is inside.
    pub fn containing_window(
        &self,
        tz: Tz,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
        service: &str,
    ) -> Option<WindowOccurrence> {
        // Query a little wider so a zero-length window still finds its
        // occurrence.
        self.window_occurrences(
            tz,
            start - Duration::minutes(1),
            end + Duration::minutes(1),
            Some(service),
        )
        .into_iter()
        .find(|o| o.start <= start && end <= o.end)
    }
}

/// The occurrence of `w` that starts on local date `day`, if `w` runs that
/// weekday.
pub fn occurrence_on(
    tz: Tz,
    w: &MaintenanceWindow,
    day: chrono::NaiveDate,
) -> Option<WindowOccurrence> {
    if !w.days.iter().any(|d| d.to_chrono() == day.weekday()) {
        return None;
    }
    // An end at or before the start crosses midnight (SPEC section 8).
    let end_day = if w.end <= w.start {
        day.succ_opt()?
    } else {
        day
    };
    let start = resolve_lenient(tz, day.and_time(w.start.to_naive()));
    let end = resolve_lenient(tz, end_day.and_time(w.end.to_naive()));
    if end <= start {
        return None;
    }
    Some(WindowOccurrence {
        name: w.name.clone(),
        start,
        end,
    })
}

impl MaintenanceWindow {
    /// Its length on a day without a DST change: `start` to `end`, an end
    /// at or before the start being the next day's.
    pub fn ordinary_length(&self) -> Duration {
        let minutes = |c: super::ClockTime| i64::from(c.hour * 60 + c.minute);
        let mut m = minutes(self.end) - minutes(self.start);
        if m <= 0 {
            m += 24 * 60;
        }
        Duration::minutes(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::local_time::parse_local;
    use crate::calendar::{ClockTime, Weekday};
    use chrono_tz::Europe::London;

    fn t(s: &str) -> DateTime<FixedOffset> {
        parse_local(London, s).unwrap()
    }

    fn window(name: &str, days: &[Weekday], start: &str, end: &str) -> MaintenanceWindow {
        MaintenanceWindow {
            name: name.into(),
            days: days.to_vec(),
            start: ClockTime::parse(start).unwrap(),
            end: ClockTime::parse(end).unwrap(),
            services: vec![],
        }
    }

    fn saturday_evening() -> Calendar {
        Calendar {
            maintenance_windows: vec![window(
                "saturday-evening",
                &[Weekday::Sat],
                "18:00",
                "06:00",
            )],
            ..Calendar::default()
        }
    }

    #[test]
    fn occurrences_cross_midnight_and_are_sorted() {
        let mut cal = saturday_evening();
        cal.maintenance_windows
            .push(window("sunday-evening", &[Weekday::Sun], "18:00", "06:00"));
        // From Monday 06:00: the previous Sunday's window has just ended.
        let occ =
            cal.window_occurrences(London, t("2025-03-10 06:00"), t("2025-03-17 00:00"), None);
        assert_eq!(occ.len(), 2);
        assert_eq!(occ[0].name, "saturday-evening");
        assert_eq!(occ[0].start, t("2025-03-15 18:00"));
        assert_eq!(occ[0].end, t("2025-03-16 06:00"));
        assert_eq!(occ[1].name, "sunday-evening");
        assert_eq!(occ[1].start, t("2025-03-16 18:00"));
        // The previous Saturday's window ends before `from`; the range's own
        // end excludes an occurrence starting exactly there.
        let occ =
            cal.window_occurrences(London, t("2025-03-16 06:00"), t("2025-03-16 18:00"), None);
        assert!(occ.is_empty());
    }

    #[test]
    fn window_across_autumn_change_has_its_real_length() {
        let cal = saturday_evening();
        let occ =
            cal.window_occurrences(London, t("2025-10-25 00:00"), t("2025-10-27 00:00"), None);
        assert_eq!(occ.len(), 1);
        assert_eq!(occ[0].end - occ[0].start, Duration::hours(13));
        // And spring: 11 h.
        let occ =
            cal.window_occurrences(London, t("2025-03-29 00:00"), t("2025-03-31 00:00"), None);
        assert_eq!(occ[0].end - occ[0].start, Duration::hours(11));
    }

    #[test]
    fn boundary_in_gap_or_overlap_is_resolved_not_dropped() {
        // 01:30 does not exist on 30 March 2025 and happens twice on 26 Oct.
        let cal = Calendar {
            maintenance_windows: vec![window("night", &[Weekday::Sun], "01:30", "04:00")],
            ..Calendar::default()
        };
        let occ =
            cal.window_occurrences(London, t("2025-03-30 00:00"), t("2025-03-31 00:00"), None);
        assert_eq!(occ[0].start.to_rfc3339(), "2025-03-30T02:00:00+01:00");
        let occ =
            cal.window_occurrences(London, t("2025-10-26 00:00"), t("2025-10-27 00:00"), None);
        assert_eq!(occ[0].start.to_rfc3339(), "2025-10-26T01:30:00+01:00");
    }

    #[test]
    fn longest_window_open_to_a_service() {
        let mut cal = saturday_evening();
        let mut w = window("ledger-long", &[Weekday::Wed], "20:00", "10:00");
        w.services = vec!["ledger".into()];
        cal.maintenance_windows.push(w);
        assert_eq!(
            cal.longest_window("finance"),
            Some(("saturday-evening".to_string(), Duration::hours(12)))
        );
        assert_eq!(
            cal.longest_window("ledger"),
            Some(("ledger-long".to_string(), Duration::hours(14)))
        );
        assert_eq!(Calendar::default().longest_window("finance"), None);
    }

    #[test]
    fn scoped_windows_apply_only_to_their_services() {
        let mut cal = saturday_evening();
        let mut w = window("ledger-only", &[Weekday::Wed], "20:00", "22:00");
        w.services = vec!["ledger".into()];
        cal.maintenance_windows.push(w);
        let (from, to) = (t("2025-03-10 00:00"), t("2025-03-17 00:00"));
        assert_eq!(cal.window_occurrences(London, from, to, None).len(), 2);
        assert_eq!(
            cal.window_occurrences(London, from, to, Some("ledger"))
                .len(),
            2
        );
        assert_eq!(
            cal.window_occurrences(London, from, to, Some("finance"))
                .len(),
            1
        );
        let (s, e) = (t("2025-03-12 20:00"), t("2025-03-12 21:00"));
        assert!(cal.containing_window(London, s, e, "ledger").is_some());
        assert!(cal.containing_window(London, s, e, "finance").is_none());
    }

    #[test]
    fn ending_exactly_at_the_window_end_is_inside_one_minute_past_is_not() {
        let cal = saturday_evening();
        let occ = cal
            .containing_window(
                London,
                t("2025-03-16 04:00"),
                t("2025-03-16 06:00"),
                "finance",
            )
            .unwrap();
        assert_eq!(occ.start, t("2025-03-15 18:00"));
        assert!(
            cal.containing_window(
                London,
                t("2025-03-16 04:00"),
                t("2025-03-16 06:01"),
                "finance"
            )
            .is_none()
        );
        // Starting exactly at the window start is inside; a minute early is not.
        assert!(
            cal.containing_window(London, t("2025-03-15 18:00"), t("2025-03-15 20:00"), "x")
                .is_some()
        );
        assert!(
            cal.containing_window(London, t("2025-03-15 17:59"), t("2025-03-15 20:00"), "x")
                .is_none()
        );
    }

    #[test]
    fn after_midnight_inside_saturday_window_belongs_to_saturday() {
        let cal = saturday_evening();
        let occ = cal
            .containing_window(
                London,
                t("2025-03-16 01:00"),
                t("2025-03-16 03:00"),
                "finance",
            )
            .unwrap();
        assert_eq!(occ.name, "saturday-evening");
        assert_eq!(occ.start, t("2025-03-15 18:00"));
        // Sunday 01:00 with no Saturday window before it is outside.
        let cal = Calendar {
            maintenance_windows: vec![window("sunday", &[Weekday::Sun], "18:00", "06:00")],
            ..Calendar::default()
        };
        assert!(
            cal.containing_window(London, t("2025-03-16 01:00"), t("2025-03-16 03:00"), "x")
                .is_none()
        );
    }
}
