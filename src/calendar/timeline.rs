//! The release timeline, worked backward from the target deployment date
//! (seed: "Calculate the release timeline working backward from the target
//! deployment date"). Intervals are calendar days, not business days: the
//! seed's example counts Saturday to Thursday as 2.

use crate::model::{ReleaseType, Schedule};
use crate::policy::Timeline;
use chrono::{Duration, NaiveDate};

pub fn schedule(target: NaiveDate, kind: ReleaseType, t: &Timeline) -> Schedule {
    let days = |n: u32| -> i64 {
        let n = u64::from(n);
        let n = if kind == ReleaseType::Major {
            // Seed: "For major releases, extend these intervals by 50%";
            // rounded up so an extension never shortens the plan.
            (n * (100 + u64::from(t.major_extension_percent))).div_ceil(100)
        } else {
            n
        };
        n as i64
    };
    let back = |n: u32| target - Duration::days(days(n));
    Schedule {
        planning: back(t.planning_days),
        build: back(t.build_days),
        test: back(t.test_days),
        staging: back(t.staging_days),
        deployment: target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn seed_worked_example() {
        let s = schedule(d(2025, 3, 15), ReleaseType::Minor, &Timeline::default());
        assert_eq!(s.staging, d(2025, 3, 13));
        assert_eq!(s.test, d(2025, 3, 11));
        assert_eq!(s.build, d(2025, 3, 7));
        assert_eq!(s.planning, d(2025, 3, 5));
        assert_eq!(s.deployment, d(2025, 3, 15));
        for kind in [ReleaseType::Patch, ReleaseType::Emergency] {
            assert_eq!(schedule(d(2025, 3, 15), kind, &Timeline::default()), s);
        }
    }

    #[test]
    fn major_extends_each_interval_by_half() {
        let s = schedule(d(2025, 3, 15), ReleaseType::Major, &Timeline::default());
        assert_eq!(s.staging, d(2025, 3, 12)); // 3 days
        assert_eq!(s.test, d(2025, 3, 9)); // 6 days
        assert_eq!(s.build, d(2025, 3, 3)); // 12 days
        assert_eq!(s.planning, d(2025, 2, 28)); // 15 days
        assert_eq!(s.deployment, d(2025, 3, 15));
    }

    #[test]
    fn major_extension_rounds_up() {
        let t = Timeline {
            staging_days: 1,
            test_days: 3,
            build_days: 5,
            planning_days: 7,
            major_extension_percent: 50,
        };
        let s = schedule(d(2025, 3, 15), ReleaseType::Major, &t);
        assert_eq!(s.staging, d(2025, 3, 13)); // 1.5 -> 2
        assert_eq!(s.test, d(2025, 3, 10)); // 4.5 -> 5
        assert_eq!(s.build, d(2025, 3, 7)); // 7.5 -> 8
        assert_eq!(s.planning, d(2025, 3, 4)); // 10.5 -> 11
    }
}
