//! Durations as people write them: `2h`, `30m`, `2h30m`, `1d`.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration {
    pub minutes: i64,
}

impl Duration {
    pub fn minutes(minutes: i64) -> Duration {
        Duration { minutes }
    }

    pub fn hours(hours: i64) -> Duration {
        Duration {
            minutes: hours * 60,
        }
    }

    pub fn to_chrono(self) -> chrono::Duration {
        chrono::Duration::minutes(self.minutes)
    }

    pub fn parse(s: &str) -> Result<Duration> {
        let bad = || {
            Error::usage(format!(
                "`{s}` is not a duration: expected hours and minutes such as 2h, 45m, 2h30m or 1d"
            ))
        };
        let s = s.trim();
        if s.is_empty() {
            return Err(bad());
        }
        let mut minutes: i64 = 0;
        let mut digits = String::new();
        let mut last_unit = 0u8; // d=1, h=2, m=3: units must descend
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let (unit, factor) = match c {
                'd' => (1, 24 * 60),
                'h' => (2, 60),
                'm' => (3, 1),
                _ => return Err(bad()),
            };
            if digits.is_empty() || unit <= last_unit || digits.len() > 6 {
                return Err(bad());
            }
            minutes += digits.parse::<i64>().map_err(|_| bad())? * factor;
            digits.clear();
            last_unit = unit;
        }
        if !digits.is_empty() {
            return Err(bad());
        }
        Ok(Duration { minutes })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.minutes / 60;
        let m = self.minutes % 60;
        match (h, m) {
            (0, m) => write!(f, "{m}m"),
            (h, 0) => write!(f, "{h}h"),
            (h, m) => write!(f, "{h}h{m}m"),
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Duration::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^([0-9]+d)?([0-9]+h)?([0-9]+m)?$",
            "description": "a duration such as 2h, 45m or 2h30m"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(Duration::parse("2h30m").unwrap().minutes, 150);
        assert_eq!(Duration::parse("90m").unwrap().to_string(), "1h30m");
        assert_eq!(Duration::parse("1d").unwrap().to_string(), "24h");
        for bad in ["", "2", "h", "2x", "30m2h", "-1h"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }
}
