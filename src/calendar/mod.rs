//! The release calendar (SPEC section 4): maintenance windows, blackouts,
//! events, holidays and unavailability, merged from every `calendars/*.yaml`;
//! business days, the timeline, conflicts and the next free slot.
//!
//! Pure: no disk, no clock. Times come in as `DateTime<FixedOffset>` and are
//! read in the policy's zone (`chrono_tz::Tz`).

pub mod blackouts;
pub mod business_days;
pub mod conflicts;
pub mod file;
pub mod local_time;
pub mod slots;
pub mod timeline;
pub mod windows;

pub use file::{
    Blackout, CalendarFile, ClockTime, Event, EventKind, MaintenanceWindow, MonthDay, Point,
    Unavailability, Weekday,
};

pub use blackouts::BlackoutHit;
pub use windows::WindowOccurrence;

use chrono::NaiveDate;
use std::collections::BTreeSet;

/// Every calendar file merged into one.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub maintenance_windows: Vec<MaintenanceWindow>,
    pub blackouts: Vec<Blackout>,
    pub events: Vec<Event>,
    pub holidays: BTreeSet<NaiveDate>,
    pub unavailability: Vec<Unavailability>,
}

impl Calendar {
    /// Merges calendar files in the order given (callers sort by file name).
    pub fn merge(files: impl IntoIterator<Item = CalendarFile>) -> Calendar {
        let mut cal = Calendar::default();
        for f in files {
            cal.maintenance_windows.extend(f.maintenance_windows);
            cal.blackouts.extend(f.blackouts);
            cal.events.extend(f.events);
            cal.holidays.extend(f.holidays);
            cal.unavailability.extend(f.unavailability);
        }
        cal
    }
}

impl Calendar {
    /// Problems only the policy can reveal: services the policy does not
    /// know (entry-level problems are refused while reading the files).
    pub fn validate(&self, policy: &crate::policy::Policy) -> Vec<String> {
        let known: Vec<&str> = policy.services.keys().map(String::as_str).collect();
        let mut problems = vec![];
        let mut check = |at: String, services: &[String]| {
            for s in services {
                if !policy.services.contains_key(s) {
                    problems.push(format!(
                        "{at}.services: unknown service `{s}`; known services: {}",
                        if known.is_empty() {
                            "(none in policy.yaml)".to_string()
                        } else {
                            known.join(", ")
                        }
                    ));
                }
            }
        };
        for w in &self.maintenance_windows {
            check(format!("maintenance_windows[{}]", w.name), &w.services);
        }
        for b in &self.blackouts {
            check(format!("blackouts[{}]", b.name), &b.services);
        }
        for e in &self.events {
            check(format!("events[{}]", e.name), &e.services);
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_names_unknown_services() {
        let policy: crate::policy::Policy = crate::store::yaml::from_str(
            std::path::Path::new("test.yaml"),
            "timezone: Europe/London\nservices:\n  finance: {}\n  ledger: {}\n",
        )
        .unwrap();
        let file: CalendarFile = crate::store::yaml::from_str(
            std::path::Path::new("test.yaml"),
            "blackouts:\n  - name: audit-week\n    from: 2025-06-02\n    to: 2025-06-06\n    services: [finance, x]\nevents:\n  - name: db\n    kind: infrastructure\n    from: 2025-03-22T18:00\n    to: 2025-03-22T23:00\n    services: [ledger]\n",
        )
        .unwrap();
        let cal = Calendar::merge([file]);
        assert_eq!(
            cal.validate(&policy),
            vec![
                "blackouts[audit-week].services: unknown service `x`; known services: finance, ledger"
                    .to_string()
            ]
        );
    }
}
