//! The calendar file format (SPEC section 8). Entry-level checks that need
//! nothing but the entry (a `to` before its `from`, `25:00`, an unknown day)
//! happen while deserializing, so the error carries the file's line.

use serde::{Deserialize, Serialize};

/// One `calendars/*.yaml` file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    #[serde(default)]
    pub maintenance_windows: Vec<MaintenanceWindow>,
    #[serde(default)]
    pub blackouts: Vec<Blackout>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default)]
    pub holidays: Vec<chrono::NaiveDate>,
    #[serde(default)]
    pub unavailability: Vec<Unavailability>,
}

/// A weekly maintenance window. An `end` before its `start` crosses midnight
/// into the next day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceWindow {
    pub name: String,
    pub days: Vec<Weekday>,
    pub start: ClockTime,
    pub end: ClockTime,
    /// Only these services may use the window (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
}

/// A blackout: exactly one of `monthly`, `yearly`, or `from`/`to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Blackout {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly: Option<MonthlyRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yearly: Option<YearlyRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<chrono::NaiveDate>,
    /// Only these services are blacked out (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
}

/// Day of month `from_day` to `to_day` inclusive; `to_day < from_day` runs
/// into the next month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthlyRange {
    pub from_day: u32,
    pub to_day: u32,
}

/// `MM-DD` to `MM-DD` inclusive; `to < from` runs into the next year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearlyRange {
    pub from: MonthDay,
    pub to: MonthDay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Infrastructure,
    Organisational,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub name: String,
    pub kind: EventKind,
    pub from: Point,
    pub to: Point,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_deploy: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
}

/// A person away from `from` to `to`, both dates inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unavailability {
    pub person: String,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

/// `mon`..`sun`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// A wall-clock time `HH:MM` (00:00 to 23:59).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(with = "String")]
pub struct ClockTime {
    pub hour: u32,
    pub minute: u32,
}

/// A month and day `MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(with = "String")]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

/// A date (`2025-03-13`, the whole day) or a local date-time
/// (`2025-03-22T18:00`, read in the policy's zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(with = "String")]
pub enum Point {
    Date(chrono::NaiveDate),
    DateTime(chrono::NaiveDateTime),
}

macro_rules! string_serde {
    ($t:ty, $what:literal) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.write(f)
            }
        }
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$t>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_serde!(ClockTime, "time");
string_serde!(MonthDay, "month-day");
string_serde!(Point, "date");

impl ClockTime {
    pub fn parse(text: &str) -> Result<ClockTime, String> {
        let bad = || format!("`{text}` is not a time: expected HH:MM from 00:00 to 23:59");
        let (h, m) = text.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let hour: u32 = h.parse().map_err(|_| bad())?;
        let minute: u32 = m.parse().map_err(|_| bad())?;
        if hour > 23 || minute > 59 {
            return Err(bad());
        }
        Ok(ClockTime { hour, minute })
    }

    fn write(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl MonthDay {
    pub fn parse(text: &str) -> Result<MonthDay, String> {
        let bad = || format!("`{text}` is not a month-day: expected MM-DD such as 12-15");
        let (m, d) = text.split_once('-').ok_or_else(bad)?;
        if m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let month: u32 = m.parse().map_err(|_| bad())?;
        let day: u32 = d.parse().map_err(|_| bad())?;
        // 2000 is a leap year, so 02-29 is accepted.
        chrono::NaiveDate::from_ymd_opt(2000, month, day).ok_or_else(bad)?;
        Ok(MonthDay { month, day })
    }

    fn write(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl Point {
    pub fn parse(text: &str) -> Result<Point, String> {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Point::Date(d));
        }
        for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
            if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(text, fmt) {
                return Ok(Point::DateTime(dt));
            }
        }
        Err(format!(
            "`{text}` is not a date or local date-time: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ))
    }

    fn write(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Point::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Point::DateTime(dt) => write!(f, "{}", dt.format("%Y-%m-%dT%H:%M")),
        }
    }
}
