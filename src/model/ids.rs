//! Record ids. An id is validated here before it is ever turned into a path,
//! so nothing outside the records root can be named by one.

use crate::error::{Error, Result};
use chrono::Datelike;
use std::fmt;

/// `REL-YYYY-MM-NNN`: year and month of the target deployment date, then the
/// next free number in that month.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReleaseId {
    pub year: i32,
    pub month: u32,
    pub number: u32,
}

impl ReleaseId {
    pub fn new(year: i32, month: u32, number: u32) -> ReleaseId {
        ReleaseId {
            year,
            month,
            number,
        }
    }

    pub fn for_date(date: chrono::NaiveDate, number: u32) -> ReleaseId {
        ReleaseId::new(date.year(), date.month(), number)
    }

    pub fn parse(s: &str) -> Result<ReleaseId> {
        let bad = || {
            Error::usage(format!(
                "`{s}` is not a release id: expected REL-YYYY-MM-NNN, for example REL-2025-03-015"
            ))
        };
        let rest = s.strip_prefix("REL-").ok_or_else(bad)?;
        let mut split = rest.split('-');
        let parts = [split.next(), split.next(), split.next()];
        let ([Some(year), Some(month), Some(number)], None) = (parts, split.next()) else {
            return Err(bad());
        };
        let parts = [year, month, number];
        if parts[0].len() != 4
            || parts[1].len() != 2
            || parts[2].len() < 3
            || parts[2].len() > 4
            || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        let year: i32 = parts[0].parse().map_err(|_| bad())?;
        let month: u32 = parts[1].parse().map_err(|_| bad())?;
        let number: u32 = parts[2].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || number == 0 {
            return Err(bad());
        }
        Ok(ReleaseId::new(year, month, number))
    }

    /// Whether `text` is this id as it is written (`REL-2025-03-015`, not
    /// `REL-2025-03-0015`), compared without writing it out.
    pub fn is(&self, text: &str) -> bool {
        displays_as(self, text)
    }
}

/// Whether `value` displays as exactly `text`, compared piece by piece as
/// it is formatted (no string is made).
pub fn displays_as(value: &dyn fmt::Display, text: &str) -> bool {
    struct Rest<'a>(&'a str);
    impl fmt::Write for Rest<'_> {
        fn write_str(&mut self, piece: &str) -> fmt::Result {
            self.0 = self.0.strip_prefix(piece).ok_or(fmt::Error)?;
            Ok(())
        }
    }
    let mut rest = Rest(text);
    fmt::write(&mut rest, format_args!("{value}")).is_ok() && rest.0.is_empty()
}

impl fmt::Display for ReleaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "REL-{:04}-{:02}-{:03}",
            self.year, self.month, self.number
        )
    }
}

/// The pattern change ids follow. `YYYY` stands for the year (used to shard
/// the file), `N` for one digit, `N+` for one or more digits; every other
/// character stands for itself. The default is `CHG-YYYY-NNNN`.
///
/// A pattern without `YYYY` (ServiceNow's `CHGNNNNNNN`, Jira's `CHG-N+`)
/// shards by number instead: the id's digits divided by
/// [`ChangeIdPattern::SHARD_SIZE`], so `CHG0030001` lives in `changes/0030/`
/// and finding a change is still one file read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeIdPattern(pub String);

impl Default for ChangeIdPattern {
    fn default() -> Self {
        ChangeIdPattern("CHG-YYYY-NNNN".to_string())
    }
}

impl ChangeIdPattern {
    /// How many consecutive numbers share a folder when the pattern has no
    /// year: a thousand keeps every folder small at any realistic volume.
    pub const SHARD_SIZE: u64 = 1000;

    /// Whether ids carry their year (and are sharded by it).
    pub fn has_year(&self) -> bool {
        self.0.contains("YYYY")
    }

    /// Checks `id` against the pattern and returns its shard: the year it
    /// carries, or for a pattern without `YYYY` its number divided by
    /// [`Self::SHARD_SIZE`].
    pub fn shard_of(&self, id: &str) -> Result<i32> {
        Self::shard_in(&self.0, id)
    }

    /// [`Self::shard_of`] for the pattern `pattern`, not copied into a
    /// [`ChangeIdPattern`] first.
    pub fn shard_in(pattern: &str, id: &str) -> Result<i32> {
        let bad = || {
            Error::usage(format!(
                "`{id}` is not a change id: expected the pattern {} (YYYY a year, N a digit)",
                pattern
            ))
        };
        let pat = pattern.as_bytes();
        let s = id.as_bytes();
        let (mut i, mut j) = (0, 0);
        let mut year = None;
        // The digits are only gathered to shard by when there is no year.
        let yearly = pattern.contains("YYYY");
        let mut digits = String::new();
        while i < pat.len() {
            if pat[i..].starts_with(b"YYYY") {
                let y = s.get(j..j + 4).ok_or_else(bad)?;
                if !y.iter().all(u8::is_ascii_digit) {
                    return Err(bad());
                }
                year = Some(std::str::from_utf8(y).unwrap().parse::<i32>().unwrap());
                i += 4;
                j += 4;
            } else if pat[i..].starts_with(b"N+") {
                let start = j;
                while j < s.len() && s[j].is_ascii_digit() {
                    j += 1;
                }
                if j == start {
                    return Err(bad());
                }
                if !yearly {
                    digits.push_str(std::str::from_utf8(&s[start..j]).unwrap_or_default());
                }
                i += 2;
            } else if pat[i] == b'N' {
                if !s.get(j).is_some_and(u8::is_ascii_digit) {
                    return Err(bad());
                }
                if !yearly {
                    digits.push(char::from(s[j]));
                }
                i += 1;
                j += 1;
            } else {
                if s.get(j) != Some(&pat[i]) {
                    return Err(bad());
                }
                i += 1;
                j += 1;
            }
        }
        if j != s.len() {
            return Err(bad());
        }
        // Whatever the pattern, an id becomes a file name: only a safe
        // alphabet is ever accepted.
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad());
        }
        if let Some(year) = year {
            return Ok(year);
        }
        // No year: shard by number. Leading zeros do not matter; a number
        // too long for u64 is refused rather than wrapped.
        let trimmed = digits.trim_start_matches('0');
        let number: u64 = if trimmed.is_empty() {
            if digits.is_empty() {
                return Err(Error::data(format!(
                    "policy.yaml: ids.change pattern `{}` has neither YYYY nor N to shard by",
                    pattern
                )));
            }
            0
        } else {
            trimmed.parse().map_err(|_| bad())?
        };
        // Shard folders have four digits, as year folders do: numbers up to
        // 9,999,999 (ServiceNow's seven digits).
        let shard = number / ChangeIdPattern::SHARD_SIZE;
        if shard > 9999 {
            return Err(Error::usage(format!(
                "`{id}`: change numbers above 9999999 cannot be sharded (pattern {} has no YYYY)",
                pattern
            )));
        }
        Ok(shard as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_ids_round_trip_and_refuse_paths() {
        let id = ReleaseId::parse("REL-2025-03-015").unwrap();
        assert_eq!(id.to_string(), "REL-2025-03-015");
        for bad in [
            "../x",
            "/etc/passwd",
            "REL-2025-13-001",
            "REL-2025-03-000",
            "REL-2025-3-015",
            "REL-2025-03-015/..",
            "",
        ] {
            assert!(ReleaseId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn change_pattern() {
        let p = ChangeIdPattern::default();
        assert_eq!(p.shard_of("CHG-2025-0892").unwrap(), 2025);
        for bad in [
            "CHG-2025-892",
            "../CHG-2025-0892",
            "/tmp/x",
            "CHG-2025-08920",
        ] {
            assert!(p.shard_of(bad).is_err(), "{bad}");
        }
        let p = ChangeIdPattern("CR-YYYY-N+".into());
        assert_eq!(p.shard_of("CR-2024-7").unwrap(), 2024);
    }

    #[test]
    fn yearless_patterns_shard_by_number() {
        let p = ChangeIdPattern("CHGNNNNNNN".into());
        assert!(!p.has_year());
        assert_eq!(p.shard_of("CHG0030001").unwrap(), 30);
        assert_eq!(p.shard_of("CHG0000999").unwrap(), 0);
        assert_eq!(p.shard_of("CHG0001000").unwrap(), 1);
        assert!(p.shard_of("CHG003000").is_err());
        assert!(p.shard_of("chg0030001").is_err());
        let p = ChangeIdPattern("CHG-N+".into());
        assert_eq!(p.shard_of("CHG-1234").unwrap(), 1);
        assert_eq!(p.shard_of("CHG-7").unwrap(), 0);
        assert_eq!(p.shard_of("CHG-9999999").unwrap(), 9999);
        assert!(p.shard_of("CHG-10000000").is_err());
        assert!(p.shard_of("CHG-99999999999999999999999").is_err());
        assert!(p.shard_of("CHG-").is_err());
        assert!(ChangeIdPattern("CHANGE".into()).shard_of("CHANGE").is_err());
    }
}
