//! Business days: Monday to Friday minus calendar holidays (SPEC section 4).
//! Counted on dates, never timestamps, so DST cannot shift a day.

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::BTreeSet;

pub fn is_business_day(d: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&d)
}

/// "N business days before D": walk back from D, counting only business
/// days, until N have been counted (SPEC section 4: Sat 15 March 2025,
/// N = 5 gives Mon 10 March). N = 0 is D itself.
pub fn before(d: NaiveDate, n: u32, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
    walk(d, n, holidays, |d| d.pred_opt())
}

/// N business days after D, walking forward (the PIR due date: seed "Close
/// the release", within 5 business days of deployment).
pub fn after(d: NaiveDate, n: u32, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
    walk(d, n, holidays, |d| d.succ_opt())
}

fn walk(
    mut d: NaiveDate,
    n: u32,
    holidays: &BTreeSet<NaiveDate>,
    step: impl Fn(NaiveDate) -> Option<NaiveDate>,
) -> NaiveDate {
    let mut counted = 0;
    while counted < n {
        match step(d) {
            Some(next) => d = next,
            None => break,
        }
        if is_business_day(d, holidays) {
            counted += 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekends_and_holidays_are_not_business_days() {
        let hol = BTreeSet::from([d(2025, 4, 18)]);
        assert!(is_business_day(d(2025, 3, 14), &hol));
        assert!(!is_business_day(d(2025, 3, 15), &hol));
        assert!(!is_business_day(d(2025, 3, 16), &hol));
        assert!(!is_business_day(d(2025, 4, 18), &hol));
    }

    #[test]
    fn before_spec_example() {
        let none = BTreeSet::new();
        assert_eq!(before(d(2025, 3, 15), 5, &none), d(2025, 3, 10));
        assert_eq!(before(d(2025, 3, 15), 1, &none), d(2025, 3, 14));
        assert_eq!(before(d(2025, 3, 15), 3, &none), d(2025, 3, 12));
        assert_eq!(before(d(2025, 3, 12), 1, &none), d(2025, 3, 11));
        assert_eq!(before(d(2025, 3, 12), 0, &none), d(2025, 3, 12));
        // Monday minus one crosses the weekend.
        assert_eq!(before(d(2025, 3, 10), 1, &none), d(2025, 3, 7));
    }

    #[test]
    fn before_skips_holidays() {
        // Easter 2025: Good Friday 18 April, Easter Monday 21 April.
        let hol = BTreeSet::from([d(2025, 4, 18), d(2025, 4, 21)]);
        assert_eq!(before(d(2025, 4, 22), 1, &hol), d(2025, 4, 17));
        assert_eq!(before(d(2025, 4, 22), 2, &hol), d(2025, 4, 16));
        assert_eq!(before(d(2025, 4, 22), 1, &BTreeSet::new()), d(2025, 4, 21));
    }

    #[test]
    fn after_pir_example_and_holidays() {
        let none = BTreeSet::new();
        assert_eq!(after(d(2025, 3, 14), 5, &none), d(2025, 3, 21));
        assert_eq!(after(d(2025, 3, 15), 1, &none), d(2025, 3, 17));
        let hol = BTreeSet::from([d(2025, 4, 18), d(2025, 4, 21)]);
        // Thu 17 April + 1 skips Good Friday, the weekend and Easter Monday.
        assert_eq!(after(d(2025, 4, 17), 1, &hol), d(2025, 4, 22));
        assert_eq!(after(d(2025, 4, 17), 1, &none), d(2025, 4, 18));
    }
}
