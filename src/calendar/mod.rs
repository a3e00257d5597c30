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
pub mod ledger;
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

/// Where a named entry was written: a file, and the line of its name when
/// known.
#[derive(Debug, Clone, PartialEq)]
pub struct NameAt {
    pub file: String,
    pub line: Option<usize>,
}

impl std::fmt::Display for NameAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} line {l}", self.file),
            None => write!(f, "{}", self.file),
        }
    }
}

/// Names identify entries (conflicts name the event, iCalendar UIDs are
/// built from names), so within a section a name may be used once across
/// every calendar file. Returns the first reuse: section, name, where it
/// was first used, and where again.
pub fn first_reused_name<'a>(
    entries: impl IntoIterator<Item = (&'static str, &'a str, NameAt)>,
) -> Option<(&'static str, &'a str, NameAt, NameAt)> {
    let mut seen: std::collections::BTreeMap<(&'static str, &'a str), NameAt> =
        std::collections::BTreeMap::new();
    for (section, name, at) in entries {
        if let Some(first) = seen.get(&(section, name)) {
            return Some((section, name, first.clone(), at));
        }
        seen.insert((section, name), at);
    }
    None
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
    fn a_name_reused_within_a_section_is_found_with_both_places() {
        let at = |file: &str, line| NameAt {
            file: file.into(),
            line,
        };
        let entries = vec![
            ("maintenance_windows", "a", at("calendars/a.yaml", Some(3))),
            ("blackouts", "a", at("calendars/a.yaml", Some(9))),
            ("events", "b", at("calendars/a.yaml", None)),
            ("maintenance_windows", "a", at("calendars/b.yaml", Some(2))),
        ];
        let (section, name, first, again) = first_reused_name(entries.clone()).unwrap();
        assert_eq!((section, name), ("maintenance_windows", "a"));
        assert_eq!(first.to_string(), "calendars/a.yaml line 3");
        assert_eq!(again.to_string(), "calendars/b.yaml line 2");
        // The same name in different sections is fine.
        assert_eq!(first_reused_name(entries[..3].to_vec()), None);
    }

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
