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
    #[serde(default, deserialize_with = "named::holidays")]
    pub holidays: Vec<chrono::NaiveDate>,
    #[serde(default)]
    pub unavailability: Vec<Unavailability>,
}

/// A weekly maintenance window. An `end` before its `start` crosses midnight
/// into the next day.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = exactly_one_kind_of_blackout)]
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

/// The schema says what the reader enforces: exactly one of `monthly`,
/// `yearly` or the pair `from`/`to`.
fn exactly_one_kind_of_blackout(schema: &mut schemars::Schema) {
    let only = |required: &[&str], absent: &[&str]| {
        let absent: Vec<serde_json::Value> = absent
            .iter()
            .map(|k| serde_json::json!({ "required": [k] }))
            .collect();
        serde_json::json!({ "required": required, "not": { "anyOf": absent } })
    };
    schema.insert(
        "oneOf".to_string(),
        serde_json::json!([
            only(&["monthly"], &["yearly", "from", "to"]),
            only(&["yearly"], &["monthly", "from", "to"]),
            only(&["from", "to"], &["monthly", "yearly"]),
        ]),
    );
}

/// Day of month `from_day` to `to_day` inclusive; `to_day < from_day` runs
/// into the next month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthlyRange {
    #[serde(deserialize_with = "named::from_day")]
    #[schemars(range(min = 1, max = 31))]
    pub from_day: u32,
    #[serde(deserialize_with = "named::to_day")]
    #[schemars(range(min = 1, max = 31))]
    pub to_day: u32,
}

/// `MM-DD` to `MM-DD` inclusive; `to < from` runs into the next year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearlyRange {
    #[serde(deserialize_with = "named::yearly_from")]
    pub from: MonthDay,
    #[serde(deserialize_with = "named::yearly_to")]
    pub to: MonthDay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Infrastructure,
    Organisational,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unavailability {
    pub person: String,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

/// `mon`..`sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime {
    pub hour: u32,
    pub minute: u32,
}

/// A month and day `MM-DD` (02-29 included: it exists in leap years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

/// A date (`2025-03-13`, the whole day) or a local date-time
/// (`2025-03-22T18:00`, read in the policy's zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A string schema with the pattern the parser accepts, so an editor
/// refuses what rel would.
macro_rules! string_schema {
    ($t:ident, $description:literal, $pattern:literal) => {
        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "description": $description,
                    "type": "string",
                    "pattern": $pattern
                })
            }
        }
    };
}

string_schema!(
    ClockTime,
    "A wall-clock time HH:MM, 00:00 to 23:59.",
    r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
);
string_schema!(
    MonthDay,
    "A month and day MM-DD that exists in some year (02-29 included).",
    r"^((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|[12][0-9]))$"
);
string_schema!(
    Point,
    "A date YYYY-MM-DD (the whole day) or a local date-time YYYY-MM-DDTHH:MM.",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
);

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

/// A date `YYYY-MM-DD`; a well-formed date that does not exist says why
/// (`2025-02-30`: February 2025 has 28 days).
pub fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d);
    }
    Err(format!("`{text}` is not a date: {}", why_not_a_date(text)))
}

/// Why `text` is not a date: a month or day that does not exist, or not
/// the `YYYY-MM-DD` form at all.
fn why_not_a_date(text: &str) -> String {
    let parts: Vec<&str> = text.splitn(3, '-').collect();
    let numbers: Option<Vec<u32>> = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            parts.iter().map(|p| p.parse::<u32>().ok()).collect()
        }
        _ => None,
    };
    match numbers.as_deref() {
        Some([_, m, _]) if !(1..=12).contains(m) => format!("there is no month {m}"),
        Some([y, m, d]) => {
            let first = chrono::NaiveDate::from_ymd_opt(*y as i32, *m, 1);
            let days = first
                .and_then(|f| f.checked_add_months(chrono::Months::new(1)))
                .and_then(|n| n.pred_opt())
                .map(|l| chrono::Datelike::day(&l));
            match (first, days) {
                (Some(f), Some(n)) => {
                    format!("{} has {n} days, so there is no day {d}", f.format("%B %Y"))
                }
                _ => "expected YYYY-MM-DD".to_string(),
            }
        }
        _ => "expected YYYY-MM-DD".to_string(),
    }
}

impl Point {
    pub fn parse(text: &str) -> Result<Point, String> {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Point::Date(d));
        }
        if text.len() == 10 {
            return Err(format!("`{text}` is not a date: {}", why_not_a_date(text)));
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

/// The sections whose entries are named, as written in the file.
pub const NAMED_SECTIONS: [&str; 3] = ["maintenance_windows", "blackouts", "events"];

impl CalendarFile {
    /// Every named entry: its section, its name, and the line (1-based) of
    /// its `name:` in `text` when that can be found (block-style YAML; a
    /// name written in flow style has no line).
    pub fn named_entries(&self, text: &str) -> Vec<(&'static str, &str, Option<usize>)> {
        let names: [Vec<&str>; 3] = [
            self.maintenance_windows
                .iter()
                .map(|w| w.name.as_str())
                .collect(),
            self.blackouts.iter().map(|b| b.name.as_str()).collect(),
            self.events.iter().map(|e| e.name.as_str()).collect(),
        ];
        let mut out = vec![];
        for (section, names) in NAMED_SECTIONS.iter().zip(names) {
            let lines = name_lines(text, section);
            // Only trust the lines when there is one for every entry.
            let lines_fit = lines.len() == names.len();
            for (i, name) in names.into_iter().enumerate() {
                let line = if lines_fit { Some(lines[i]) } else { None };
                out.push((*section, name, line));
            }
        }
        out
    }
}

/// The lines (1-based) of the `name:` keys of the items of a top-level
/// `section` in block-style YAML, in order.
fn name_lines(text: &str, section: &str) -> Vec<usize> {
    let mut out = vec![];
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let starts_key = !line.starts_with([' ', '\t', '-', '#']) && !line.trim().is_empty();
        if starts_key {
            inside = line
                .strip_prefix(section)
                .is_some_and(|rest| rest.trim_start().starts_with(':'));
            continue;
        }
        if !inside {
            continue;
        }
        let item = line.trim_start();
        let key = item.strip_prefix('-').map(str::trim_start).unwrap_or(item);
        if key.starts_with("name:") {
            out.push(i + 1);
        }
    }
    out
}

// Entry-level validation. Each entry is read into a plain `Raw` twin and
// checked before it becomes the public type, so a bad entry fails while the
// YAML is read and the error carries its line and the field's name.

impl Weekday {
    pub const NAMES: [&'static str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    pub fn parse(text: &str) -> Result<Weekday, String> {
        Weekday::NAMES
            .iter()
            .position(|n| *n == text)
            .map(|i| Weekday::ALL[i])
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a day: expected one of {}",
                    Weekday::NAMES.join(", ")
                )
            })
    }

    pub fn to_chrono(self) -> chrono::Weekday {
        match self {
            Weekday::Mon => chrono::Weekday::Mon,
            Weekday::Tue => chrono::Weekday::Tue,
            Weekday::Wed => chrono::Weekday::Wed,
            Weekday::Thu => chrono::Weekday::Thu,
            Weekday::Fri => chrono::Weekday::Fri,
            Weekday::Sat => chrono::Weekday::Sat,
            Weekday::Sun => chrono::Weekday::Sun,
        }
    }
}

impl<'de> Deserialize<'de> for Weekday {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Weekday::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl ClockTime {
    pub fn to_naive(self) -> chrono::NaiveTime {
        // Validated to 00:00..=23:59 by `parse`.
        chrono::NaiveTime::from_hms_opt(self.hour, self.minute, 0).unwrap_or(chrono::NaiveTime::MIN)
    }
}

impl Point {
    /// The first local date-time the point covers (a date: its 00:00).
    pub fn start_naive(&self) -> chrono::NaiveDateTime {
        match self {
            Point::Date(d) => d.and_time(chrono::NaiveTime::MIN),
            Point::DateTime(dt) => *dt,
        }
    }

    /// The exclusive end when the point ends a range (a date is inclusive,
    /// so it ends at the next day's 00:00).
    pub fn end_naive(&self) -> chrono::NaiveDateTime {
        match self {
            Point::Date(d) => d.succ_opt().unwrap_or(*d).and_time(chrono::NaiveTime::MIN),
            Point::DateTime(dt) => *dt,
        }
    }
}

/// Deserializers for single fields whose errors name the field, raised
/// while the field's value is read so the error points at its line:
/// `start: \`25:00\` is not a time`, `monthly.to_day: 35 is not a day`.
mod named {
    use super::{ClockTime, MonthDay, Point, Weekday, parse_date};
    use serde::de::{Deserialize, Deserializer, Error};

    fn text<'de, D: Deserializer<'de>, T>(
        d: D,
        field: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(|e| D::Error::custom(format!("{field}: {e}")))
    }

    /// A list whose items are read one at a time, so an error points at
    /// the item.
    fn list<'de, D: Deserializer<'de>, T: Item>(d: D) -> Result<Vec<T::Value>, D::Error> {
        Ok(Vec::<T>::deserialize(d)?
            .into_iter()
            .map(Item::value)
            .collect())
    }

    pub trait Item: for<'de> Deserialize<'de> {
        type Value;
        fn value(self) -> Self::Value;
    }

    macro_rules! item {
        ($name:ident, $field:literal, $t:ty, $parse:expr) => {
            pub struct $name($t);
            impl<'de> Deserialize<'de> for $name {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    text(d, $field, $parse).map($name)
                }
            }
            impl Item for $name {
                type Value = $t;
                fn value(self) -> $t {
                    self.0
                }
            }
        };
    }

    item!(Holiday, "holidays", chrono::NaiveDate, parse_date);
    item!(Day, "days", Weekday, Weekday::parse);

    fn day_of_month<'de, D: Deserializer<'de>>(d: D, field: &str) -> Result<u32, D::Error> {
        let day = u32::deserialize(d)?;
        if !(1..=31).contains(&day) {
            return Err(D::Error::custom(format!(
                "{field}: {day} is not a day of the month (1 to 31)"
            )));
        }
        Ok(day)
    }

    macro_rules! field {
        ($name:ident, $field:literal, $t:ty, $how:ident, $parse:expr) => {
            pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                $how(d, $field, $parse)
            }
        };
    }

    pub fn holidays<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<chrono::NaiveDate>, D::Error> {
        list::<D, Holiday>(d)
    }

    pub fn days<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        list::<D, Day>(d)
    }
    field!(start, "start", ClockTime, text, ClockTime::parse);
    field!(end, "end", ClockTime, text, ClockTime::parse);
    field!(yearly_from, "yearly.from", MonthDay, text, MonthDay::parse);
    field!(yearly_to, "yearly.to", MonthDay, text, MonthDay::parse);
    field!(from_point, "from", Point, text, Point::parse);
    field!(to_point, "to", Point, text, Point::parse);
    field!(from_date, "from", chrono::NaiveDate, text, parse_date);
    field!(to_date, "to", chrono::NaiveDate, text, parse_date);
    field!(
        from_date_opt,
        "from",
        Option<chrono::NaiveDate>,
        text,
        |t: &str| parse_date(t).map(Some)
    );
    field!(
        to_date_opt,
        "to",
        Option<chrono::NaiveDate>,
        text,
        |t: &str| parse_date(t).map(Some)
    );

    pub fn from_day<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        day_of_month(d, "monthly.from_day")
    }

    pub fn to_day<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        day_of_month(d, "monthly.to_day")
    }
}

macro_rules! validated_deserialize {
    ($t:ty, $raw:ty) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <$raw>::deserialize(d)?;
                <$t>::try_from(raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MaintenanceWindowRaw {
    name: String,
    #[serde(deserialize_with = "named::days")]
    days: Vec<Weekday>,
    #[serde(deserialize_with = "named::start")]
    start: ClockTime,
    #[serde(deserialize_with = "named::end")]
    end: ClockTime,
    #[serde(default)]
    services: Vec<String>,
}

impl TryFrom<MaintenanceWindowRaw> for MaintenanceWindow {
    type Error = String;
    fn try_from(r: MaintenanceWindowRaw) -> Result<Self, String> {
        let at = format!("maintenance_windows[{}]", r.name);
        if r.days.is_empty() {
            return Err(format!(
                "{at}.days: no days given; list at least one of {}",
                Weekday::NAMES.join(", ")
            ));
        }
        if r.start == r.end {
            return Err(format!(
                "{at}: `start` and `end` are both {}; a window needs a length (an end before the start runs into the next day)",
                r.start
            ));
        }
        Ok(MaintenanceWindow {
            name: r.name,
            days: r.days,
            start: r.start,
            end: r.end,
            services: r.services,
        })
    }
}
validated_deserialize!(MaintenanceWindow, MaintenanceWindowRaw);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlackoutRaw {
    name: String,
    #[serde(default)]
    monthly: Option<MonthlyRange>,
    #[serde(default)]
    yearly: Option<YearlyRange>,
    #[serde(default, deserialize_with = "named::from_date_opt")]
    from: Option<chrono::NaiveDate>,
    #[serde(default, deserialize_with = "named::to_date_opt")]
    to: Option<chrono::NaiveDate>,
    #[serde(default)]
    services: Vec<String>,
}

impl TryFrom<BlackoutRaw> for Blackout {
    type Error = String;
    fn try_from(r: BlackoutRaw) -> Result<Self, String> {
        let at = format!("blackouts[{}]", r.name);
        let one_off = r.from.is_some() || r.to.is_some();
        let kinds = [r.monthly.is_some(), r.yearly.is_some(), one_off]
            .iter()
            .filter(|k| **k)
            .count();
        if kinds != 1 {
            return Err(format!(
                "{at}: give exactly one of `monthly`, `yearly`, or `from` and `to` (found {kinds})"
            ));
        }
        // Days of the month (1 to 31) are checked as they are read.
        if one_off {
            match (r.from, r.to) {
                (Some(from), Some(to)) if to < from => {
                    return Err(format!("{at}: `to` {to} is before `from` {from}"));
                }
                (Some(_), Some(_)) => {}
                (None, _) => return Err(format!("{at}: `to` without `from`")),
                (_, None) => return Err(format!("{at}: `from` without `to`")),
            }
        }
        Ok(Blackout {
            name: r.name,
            monthly: r.monthly,
            yearly: r.yearly,
            from: r.from,
            to: r.to,
            services: r.services,
        })
    }
}
validated_deserialize!(Blackout, BlackoutRaw);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventRaw {
    name: String,
    kind: EventKind,
    #[serde(deserialize_with = "named::from_point")]
    from: Point,
    #[serde(deserialize_with = "named::to_point")]
    to: Point,
    #[serde(default)]
    no_deploy: bool,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    environments: Vec<String>,
}

impl TryFrom<EventRaw> for Event {
    type Error = String;
    fn try_from(r: EventRaw) -> Result<Self, String> {
        let at = format!("events[{}]", r.name);
        let (start, end) = (r.from.start_naive(), r.to.end_naive());
        if end < start || (end == start && r.to.start_naive() < r.from.start_naive()) {
            return Err(format!("{at}: `to` {} is before `from` {}", r.to, r.from));
        }
        if end == start {
            // Only two equal date-times get here: half-open, so empty.
            return Err(format!(
                "{at}: `to` {} equals `from`; a date-time range is half-open [from, to), so it would be empty",
                r.to
            ));
        }
        Ok(Event {
            name: r.name,
            kind: r.kind,
            from: r.from,
            to: r.to,
            no_deploy: r.no_deploy,
            services: r.services,
            environments: r.environments,
        })
    }
}
validated_deserialize!(Event, EventRaw);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnavailabilityRaw {
    person: String,
    #[serde(deserialize_with = "named::from_date")]
    from: chrono::NaiveDate,
    #[serde(deserialize_with = "named::to_date")]
    to: chrono::NaiveDate,
}

impl TryFrom<UnavailabilityRaw> for Unavailability {
    type Error = String;
    fn try_from(r: UnavailabilityRaw) -> Result<Self, String> {
        if r.to < r.from {
            return Err(format!(
                "unavailability[{}]: `to` {} is before `from` {}",
                r.person, r.to, r.from
            ));
        }
        Ok(Unavailability {
            person: r.person,
            from: r.from,
            to: r.to,
        })
    }
}
validated_deserialize!(Unavailability, UnavailabilityRaw);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<CalendarFile, String> {
        crate::store::yaml::from_str::<CalendarFile>(std::path::Path::new("test.yaml"), yaml)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn spec_example_file_parses() {
        let f = parse(
            r#"
maintenance_windows:
  - name: saturday-evening
    days: [sat]
    start: "18:00"
    end: "06:00"
blackouts:
  - name: month-end
    monthly: { from_day: 28, to_day: 2 }
  - name: year-end-freeze
    yearly: { from: "12-15", to: "01-05" }
  - name: audit-week
    from: 2025-06-02
    to: 2025-06-06
    services: [finance]
events:
  - name: board-meeting
    kind: organisational
    from: 2025-03-13
    to: 2025-03-14
    no_deploy: true
  - name: db-patching
    kind: infrastructure
    from: 2025-03-22T18:00
    to: 2025-03-22T23:00
    services: [ledger]
holidays: [2025-04-18, 2025-04-21]
unavailability:
  - person: fo@example.com
    from: 2025-03-15
    to: 2025-03-16
"#,
        )
        .unwrap();
        assert_eq!(f.maintenance_windows[0].days, vec![Weekday::Sat]);
        assert_eq!(f.blackouts.len(), 3);
        assert_eq!(f.events.len(), 2);
        assert_eq!(f.unavailability.len(), 1);
    }

    #[test]
    fn one_off_to_before_from_is_refused_with_the_field() {
        let e =
            parse("blackouts:\n  - name: audit-week\n    from: 2025-06-06\n    to: 2025-06-01\n")
                .unwrap_err();
        assert!(
            e.contains("blackouts[audit-week]: `to` 2025-06-01 is before `from` 2025-06-06"),
            "{e}"
        );
        assert!(e.contains("line"), "{e}");
    }

    #[test]
    fn blackout_needs_exactly_one_kind() {
        let e = parse("blackouts:\n  - name: x\n").unwrap_err();
        assert!(e.contains("exactly one of"), "{e}");
        let e = parse(
            "blackouts:\n  - name: x\n    monthly: { from_day: 1, to_day: 2 }\n    from: 2025-01-01\n    to: 2025-01-02\n",
        )
        .unwrap_err();
        assert!(e.contains("exactly one of"), "{e}");
        let e = parse("blackouts:\n  - name: x\n    from: 2025-01-01\n").unwrap_err();
        assert!(e.contains("`from` without `to`"), "{e}");
    }

    #[test]
    fn monthly_days_are_checked() {
        let e = parse("blackouts:\n  - name: x\n    monthly: { from_day: 0, to_day: 2 }\n")
            .unwrap_err();
        assert!(
            e.contains("line 3 column 26: monthly.from_day: 0 is not a day of the month (1 to 31)"),
            "{e}"
        );
        // The field's own line, not the entry's.
        let e =
            parse("blackouts:\n  - name: x\n    monthly:\n      from_day: 28\n      to_day: 32\n")
                .unwrap_err();
        assert!(e.contains("line 5 column 15: monthly.to_day: 32"), "{e}");
        assert!(
            parse("blackouts:\n  - name: x\n    monthly: { from_day: 31, to_day: 1 }\n").is_ok()
        );
    }

    #[test]
    fn events_and_unavailability_ranges_are_checked() {
        let e = parse(
            "events:\n  - name: ev\n    kind: organisational\n    from: 2025-03-14\n    to: 2025-03-13\n",
        )
        .unwrap_err();
        assert!(
            e.contains("events[ev]: `to` 2025-03-13 is before `from` 2025-03-14"),
            "{e}"
        );
        // One whole day is fine.
        assert!(
            parse("events:\n  - name: ev\n    kind: organisational\n    from: 2025-03-14\n    to: 2025-03-14\n")
                .is_ok()
        );
        let e = parse(
            "events:\n  - name: ev\n    kind: infrastructure\n    from: 2025-03-22T18:00\n    to: 2025-03-22T18:00\n",
        )
        .unwrap_err();
        assert!(e.contains("half-open"), "{e}");
        let e = parse(
            "unavailability:\n  - person: a@example.com\n    from: 2025-03-16\n    to: 2025-03-15\n",
        )
        .unwrap_err();
        assert!(
            e.contains("`to` 2025-03-15 is before `from` 2025-03-16"),
            "{e}"
        );
    }

    #[test]
    fn named_entries_have_their_lines() {
        let text = "# note\nmaintenance_windows:\n  - name: a\n    days: [sat]\n    start: \"18:00\"\n    end: \"06:00\"\n  -\n    name: b\n    days: [sun]\n    start: \"18:00\"\n    end: \"06:00\"\nblackouts:\n  - { name: x, from: 2025-01-01, to: 2025-01-02 }\nevents:\n  - kind: organisational\n    name: a\n    from: 2025-03-13\n    to: 2025-03-14\n";
        let f = parse(text).unwrap();
        assert_eq!(
            f.named_entries(text),
            vec![
                ("maintenance_windows", "a", Some(3)),
                ("maintenance_windows", "b", Some(8)),
                ("blackouts", "x", None),
                ("events", "a", Some(16)),
            ]
        );
    }

    #[test]
    fn windows_are_checked() {
        let e = parse(
            "maintenance_windows:\n  - name: w\n    days: []\n    start: \"18:00\"\n    end: \"06:00\"\n",
        )
        .unwrap_err();
        assert!(e.contains("maintenance_windows[w].days: no days"), "{e}");
        let e = parse(
            "maintenance_windows:\n  - name: w\n    days: [sat]\n    start: \"18:00\"\n    end: \"18:00\"\n",
        )
        .unwrap_err();
        assert!(e.contains("both 18:00"), "{e}");
        let e = parse(
            "maintenance_windows:\n  - name: w\n    days: [saturday]\n    start: \"18:00\"\n    end: \"06:00\"\n",
        )
        .unwrap_err();
        assert!(
            e.contains(
                "`saturday` is not a day: expected one of mon, tue, wed, thu, fri, sat, sun"
            ),
            "{e}"
        );
        let e = parse(
            "maintenance_windows:\n  - name: w\n    days: [sat]\n    start: \"25:00\"\n    end: \"06:00\"\n",
        )
        .unwrap_err();
        assert!(
            e.contains("line 4 column 12: start: `25:00` is not a time"),
            "{e}"
        );
        let e = parse(
            "maintenance_windows:\n  - name: w\n    days: [sat]\n    start: \"05:00\"\n    end: \"6:00\"\n",
        )
        .unwrap_err();
        assert!(
            e.contains("line 5 column 10: end: `6:00` is not a time"),
            "{e}"
        );
    }

    #[test]
    fn dates_that_do_not_exist_say_why_and_name_the_field() {
        let e = parse("holidays: [2025-02-30]\n").unwrap_err();
        assert!(
            e.contains("line 1 column 12: holidays: `2025-02-30` is not a date: February 2025 has 28 days, so there is no day 30"),
            "{e}"
        );
        let e = parse("holidays:\n  - 2024-02-29\n  - 2025-13-01\n").unwrap_err();
        assert!(
            e.contains(
                "line 3 column 5: holidays: `2025-13-01` is not a date: there is no month 13"
            ),
            "{e}"
        );
        let e = parse("holidays: [next-friday]\n").unwrap_err();
        assert!(e.contains("expected YYYY-MM-DD"), "{e}");
        let e = parse(
            "unavailability:\n  - person: a@example.com\n    from: 2025-04-31\n    to: 2025-05-02\n",
        )
        .unwrap_err();
        assert!(
            e.contains(
                "line 3 column 11: from: `2025-04-31` is not a date: April 2025 has 30 days"
            ),
            "{e}"
        );
        let e = parse(
            "events:\n  - name: e\n    kind: organisational\n    from: 2025-03-13\n    to: 2025-02-29\n",
        )
        .unwrap_err();
        assert!(
            e.contains(
                "line 5 column 9: to: `2025-02-29` is not a date: February 2025 has 28 days"
            ),
            "{e}"
        );
        let e = parse("blackouts:\n  - name: b\n    yearly: { from: \"12-32\", to: \"01-05\" }\n")
            .unwrap_err();
        assert!(e.contains("yearly.from: `12-32` is not a month-day"), "{e}");
    }
}
