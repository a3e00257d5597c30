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
        let parts: Vec<&str> = rest.split('-').collect();
        if parts.len() != 3
            || parts[0].len() != 4
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeIdPattern(pub String);

impl Default for ChangeIdPattern {
    fn default() -> Self {
        ChangeIdPattern("CHG-YYYY-NNNN".to_string())
    }
}

impl ChangeIdPattern {
    /// Checks `id` against the pattern and returns the year it carries.
    pub fn year_of(&self, id: &str) -> Result<i32> {
        let bad = || {
            Error::usage(format!(
                "`{id}` is not a change id: expected the pattern {} (YYYY a year, N a digit)",
                self.0
            ))
        };
        let pat = self.0.as_bytes();
        let s = id.as_bytes();
        let (mut i, mut j) = (0, 0);
        let mut year = None;
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
                i += 2;
            } else if pat[i] == b'N' {
                if !s.get(j).is_some_and(u8::is_ascii_digit) {
                    return Err(bad());
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
        year.ok_or_else(|| {
            Error::data(format!(
                "policy.yaml: ids.change pattern `{}` has no YYYY to shard by",
                self.0
            ))
        })
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
        assert_eq!(p.year_of("CHG-2025-0892").unwrap(), 2025);
        for bad in [
            "CHG-2025-892",
            "../CHG-2025-0892",
            "/tmp/x",
            "CHG-2025-08920",
        ] {
            assert!(p.year_of(bad).is_err(), "{bad}");
        }
        let p = ChangeIdPattern("CR-YYYY-N+".into());
        assert_eq!(p.year_of("CR-2024-7").unwrap(), 2024);
    }
}
