//! The release calendar (SPEC section 4): maintenance windows, blackouts,
//! events, holidays and unavailability, merged from every `calendars/*.yaml`;
//! business days, the timeline, conflicts and the next free slot.
//!
//! Pure: no disk, no clock. Times come in as `DateTime<FixedOffset>` and are
//! read in the policy's zone (`chrono_tz::Tz`).

pub mod business_days;
pub mod conflicts;
pub mod file;
pub mod local_time;
pub mod slots;
pub mod timeline;

pub use file::{
    Blackout, CalendarFile, ClockTime, Event, EventKind, MaintenanceWindow, MonthDay, Point,
    Unavailability, Weekday,
};

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
