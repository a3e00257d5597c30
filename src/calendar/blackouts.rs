//! Blackout periods (SPEC section 4; seed "Release calendar management":
//! "Month-end blackouts protect financial close processes. Year-end freezes
//! (from mid-December through early January) prevent changes"). Blackouts
//! are whole local dates, inclusive at both ends.

use super::local_time::local_dates;
use super::windows::applies_to;
use super::{Blackout, Calendar, MonthDay};
use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate};
use chrono_tz::Tz;
use serde::Serialize;

/// The concrete dates of one blackout occurrence, inclusive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlackoutHit {
    pub name: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Calendar {
    /// Every blackout occurrence that a local date of [start, end) falls in,
    /// for `service` (scoped blackouts apply only to their services). Dates
    /// are taken in `tz`; a window ending exactly at midnight does not touch
    /// the next day.
    pub fn blackouts_hit(
        &self,
        tz: Tz,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
        service: &str,
    ) -> Vec<BlackoutHit> {
        let (first, last) = local_dates(tz, start, end);
        let mut out: Vec<BlackoutHit> = self
            .blackouts
            .iter()
            .filter(|b| applies_to(&b.services, Some(service)))
            .flat_map(|b| {
                occurrences(b, first, last)
                    .into_iter()
                    .map(|(f, l)| BlackoutHit {
                        name: b.name.clone(),
                        first: f,
                        last: l,
                    })
            })
            .collect();
        sort(&mut out);
        out
    }

    /// Concrete blackout date ranges overlapping [from, to] (inclusive),
    /// each with its service scope (empty: all services), for views.
    pub fn blackout_ranges(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<(BlackoutHit, Vec<String>)> {
        let mut out: Vec<(BlackoutHit, Vec<String>)> = self
            .blackouts
            .iter()
            .flat_map(|b| {
                occurrences(b, from, to).into_iter().map(|(f, l)| {
                    (
                        BlackoutHit {
                            name: b.name.clone(),
                            first: f,
                            last: l,
                        },
                        b.services.clone(),
                    )
                })
            })
            .collect();
        out.sort_by(|a, b| (a.0.first, &a.0.name).cmp(&(b.0.first, &b.0.name)));
        out
    }
}

fn sort(hits: &mut [BlackoutHit]) {
    hits.sort_by(|a, b| (a.first, &a.name).cmp(&(b.first, &b.name)));
}

/// The last day of the month `first` is in.
fn month_len(first: NaiveDate) -> u32 {
    (first + Months::new(1))
        .pred_opt()
        .map(|d| d.day())
        .unwrap_or(28)
}

/// Day `day` of the month starting at `first`, clamped to the month's last
/// day: a `from_day` of 30 in February means the 28th (29th in a leap
/// year), so the blackout still happens that month rather than skipping it.
fn day_in(first: NaiveDate, day: u32) -> NaiveDate {
    first.with_day(day.min(month_len(first))).unwrap_or(first)
}

/// `MM-DD` in `year`; 02-29 is the 28th in a year without it.
fn month_day_in(year: i32, md: MonthDay) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, md.month, md.day)
        .or_else(|| NaiveDate::from_ymd_opt(year, md.month, md.day - 1))
}

/// The concrete occurrences of `b` that overlap [from, to], inclusive.
pub(crate) fn occurrences(
    b: &Blackout,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = vec![];
    let mut push = |f: NaiveDate, l: NaiveDate| {
        if f <= to && l >= from {
            out.push((f, l));
        }
    };
    if let Some(m) = &b.monthly {
        // Start one month early: the previous month's occurrence may run
        // into this one when `to_day < from_day` (28 to 2).
        let Some(mut month) = from
            .with_day(1)
            .and_then(|d| d.checked_sub_months(Months::new(1)))
        else {
            return out;
        };
        while month <= to {
            let first = day_in(month, m.from_day);
            let last = if m.to_day >= m.from_day {
                day_in(month, m.to_day)
            } else {
                day_in(month + Months::new(1), m.to_day)
            };
            push(first, last);
            month = month + Months::new(1);
        }
    } else if let Some(y) = &b.yearly {
        // `to < from` (12-15 to 01-05) runs into the next year, so the
        // previous year's occurrence may reach `from`.
        let crosses = (y.to.month, y.to.day) < (y.from.month, y.from.day);
        for year in from.year() - 1..=to.year() {
            let last_year = if crosses { year + 1 } else { year };
            if let (Some(f), Some(l)) = (month_day_in(year, y.from), month_day_in(last_year, y.to))
            {
                push(f, l);
            }
        }
    } else if let (Some(f), Some(l)) = (b.from, b.to) {
        push(f, l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::file::{MonthlyRange, YearlyRange};
    use crate::calendar::local_time::parse_local;
    use chrono_tz::Europe::London;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(s: &str) -> DateTime<FixedOffset> {
        parse_local(London, s).unwrap()
    }

    fn monthly(name: &str, from_day: u32, to_day: u32) -> Blackout {
        Blackout {
            name: name.into(),
            monthly: Some(MonthlyRange { from_day, to_day }),
            yearly: None,
            from: None,
            to: None,
            services: vec![],
        }
    }

    fn cal(blackouts: Vec<Blackout>) -> Calendar {
        Calendar {
            blackouts,
            ..Calendar::default()
        }
    }

    fn year_end() -> Blackout {
        Blackout {
            name: "year-end-freeze".into(),
            monthly: None,
            yearly: Some(YearlyRange {
                from: MonthDay::parse("12-15").unwrap(),
                to: MonthDay::parse("01-05").unwrap(),
            }),
            from: None,
            to: None,
            services: vec![],
        }
    }

    /// Hits for a window on local date `day`, 20:00 to 22:00.
    fn hits_on(c: &Calendar, day: NaiveDate) -> Vec<BlackoutHit> {
        let s = t(&format!("{day} 20:00"));
        let e = t(&format!("{day} 22:00"));
        c.blackouts_hit(London, s, e, "finance")
    }

    fn hit(name: &str, first: NaiveDate, last: NaiveDate) -> Vec<BlackoutHit> {
        vec![BlackoutHit {
            name: name.into(),
            first,
            last,
        }]
    }

    #[test]
    fn month_end_crosses_into_next_month() {
        let c = cal(vec![monthly("month-end", 28, 2)]);
        let march = hit("month-end", d(2025, 3, 28), d(2025, 4, 2));
        assert_eq!(hits_on(&c, d(2025, 3, 27)), vec![]);
        assert_eq!(hits_on(&c, d(2025, 3, 28)), march);
        assert_eq!(hits_on(&c, d(2025, 4, 1)), march);
        assert_eq!(hits_on(&c, d(2025, 4, 2)), march);
        assert_eq!(hits_on(&c, d(2025, 4, 3)), vec![]);
    }

    #[test]
    fn month_end_in_february() {
        let c = cal(vec![monthly("month-end", 28, 2)]);
        // Non-leap 2025.
        let feb = hit("month-end", d(2025, 2, 28), d(2025, 3, 2));
        assert_eq!(hits_on(&c, d(2025, 2, 27)), vec![]);
        assert_eq!(hits_on(&c, d(2025, 2, 28)), feb);
        assert_eq!(hits_on(&c, d(2025, 3, 1)), feb);
        assert_eq!(hits_on(&c, d(2025, 3, 2)), feb);
        assert_eq!(hits_on(&c, d(2025, 3, 3)), vec![]);
        // Leap 2024: the 29th is inside too.
        let feb = hit("month-end", d(2024, 2, 28), d(2024, 3, 2));
        assert_eq!(hits_on(&c, d(2024, 2, 27)), vec![]);
        assert_eq!(hits_on(&c, d(2024, 2, 28)), feb);
        assert_eq!(hits_on(&c, d(2024, 2, 29)), feb);
        assert_eq!(hits_on(&c, d(2024, 3, 1)), feb);
        assert_eq!(hits_on(&c, d(2024, 3, 2)), feb);
        assert_eq!(hits_on(&c, d(2024, 3, 3)), vec![]);
    }

    #[test]
    fn from_day_past_february_end_is_clamped() {
        let c = cal(vec![monthly("late", 30, 2)]);
        assert_eq!(hits_on(&c, d(2025, 2, 27)), vec![]);
        assert_eq!(
            hits_on(&c, d(2025, 2, 28)),
            hit("late", d(2025, 2, 28), d(2025, 3, 2))
        );
        assert_eq!(hits_on(&c, d(2024, 2, 28)), vec![]);
        assert_eq!(
            hits_on(&c, d(2024, 2, 29)),
            hit("late", d(2024, 2, 29), d(2024, 3, 2))
        );
        // Other months are unaffected.
        assert_eq!(hits_on(&c, d(2025, 3, 29)), vec![]);
        assert_eq!(
            hits_on(&c, d(2025, 3, 30)),
            hit("late", d(2025, 3, 30), d(2025, 4, 2))
        );
    }

    #[test]
    fn year_end_freeze_both_sides_of_new_year() {
        let c = cal(vec![year_end()]);
        let this = hit("year-end-freeze", d(2025, 12, 15), d(2026, 1, 5));
        assert_eq!(hits_on(&c, d(2025, 12, 14)), vec![]);
        assert_eq!(hits_on(&c, d(2025, 12, 15)), this);
        assert_eq!(hits_on(&c, d(2025, 12, 31)), this);
        assert_eq!(hits_on(&c, d(2026, 1, 5)), this);
        assert_eq!(hits_on(&c, d(2026, 1, 6)), vec![]);
        // Early January belongs to the freeze that began the year before.
        assert_eq!(
            hits_on(&c, d(2025, 1, 5)),
            hit("year-end-freeze", d(2024, 12, 15), d(2025, 1, 5))
        );
    }

    #[test]
    fn window_across_new_year_midnight_hits_the_freeze_once() {
        let c = cal(vec![year_end()]);
        let h = c.blackouts_hit(London, t("2025-12-31 23:00"), t("2026-01-01 01:00"), "x");
        assert_eq!(h, hit("year-end-freeze", d(2025, 12, 15), d(2026, 1, 5)));
    }

    #[test]
    fn window_ending_at_midnight_does_not_touch_the_next_day() {
        let c = cal(vec![monthly("month-end", 28, 2)]);
        let s = t("2025-03-27 22:00");
        assert!(
            c.blackouts_hit(London, s, t("2025-03-28 00:00"), "x")
                .is_empty()
        );
        assert_eq!(
            c.blackouts_hit(London, s, t("2025-03-28 00:01"), "x").len(),
            1
        );
    }

    #[test]
    fn one_off_and_scoped_blackouts() {
        let audit = Blackout {
            name: "audit-week".into(),
            monthly: None,
            yearly: None,
            from: Some(d(2025, 6, 2)),
            to: Some(d(2025, 6, 6)),
            services: vec!["finance".into()],
        };
        let c = cal(vec![audit]);
        let (s, e) = (t("2025-06-06 20:00"), t("2025-06-06 22:00"));
        assert_eq!(
            c.blackouts_hit(London, s, e, "finance"),
            hit("audit-week", d(2025, 6, 2), d(2025, 6, 6))
        );
        assert!(c.blackouts_hit(London, s, e, "ledger").is_empty());
        let (s, e) = (t("2025-06-07 20:00"), t("2025-06-07 22:00"));
        assert!(c.blackouts_hit(London, s, e, "finance").is_empty());
        let (s, e) = (t("2025-06-01 20:00"), t("2025-06-01 22:00"));
        assert!(c.blackouts_hit(London, s, e, "finance").is_empty());
    }

    #[test]
    fn ranges_for_views() {
        let mut audit = monthly("unused", 1, 1);
        audit.monthly = None;
        audit.name = "audit-week".into();
        audit.from = Some(d(2025, 6, 2));
        audit.to = Some(d(2025, 6, 6));
        audit.services = vec!["finance".into()];
        let c = cal(vec![monthly("month-end", 28, 2), year_end(), audit]);
        let r = c.blackout_ranges(d(2025, 5, 1), d(2025, 6, 30));
        let names: Vec<_> = r
            .iter()
            .map(|(h, s)| (h.name.as_str(), h.first, h.last, s.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("month-end", d(2025, 4, 28), d(2025, 5, 2), vec![]),
                ("month-end", d(2025, 5, 28), d(2025, 6, 2), vec![]),
                (
                    "audit-week",
                    d(2025, 6, 2),
                    d(2025, 6, 6),
                    vec!["finance".to_string()]
                ),
                ("month-end", d(2025, 6, 28), d(2025, 7, 2), vec![]),
            ]
        );
        let r = c.blackout_ranges(d(2026, 1, 3), d(2026, 1, 3));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0.first, d(2025, 12, 15));
    }
}
