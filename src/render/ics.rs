//! iCalendar (RFC 5545) output. Pure: events in, text out. Lines end in
//! CRLF, are folded at 75 octets and text values are escaped, so any
//! calendar client reads the file; UIDs come from the caller and must be
//! stable so a subscribed client sees updates, not duplicates.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// When an event happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    /// A fixed interval, written in UTC.
    Utc {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// A weekly recurring event starting at a local time in the zone.
    Weekly {
        start: NaiveDateTime,
        duration: Duration,
        /// RFC 5545 day codes: `MO`, `TU`, ... `SU`.
        byday: String,
    },
    /// Whole days, `first` to `last` inclusive.
    AllDay { first: NaiveDate, last: NaiveDate },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub uid: String,
    pub span: Span,
    pub summary: String,
    pub description: Option<String>,
    pub sequence: Option<u32>,
}

/// The whole calendar. `tz` names the zone of `Span::Weekly` events; a
/// VTIMEZONE for it is included when one is used.
pub fn render(events: &[Event], tz: Tz, dtstamp: DateTime<Utc>) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//rel//release calendar//EN".into(),
        "CALSCALE:GREGORIAN".into(),
    ];
    let weekly_years = events
        .iter()
        .filter_map(|e| match &e.span {
            Span::Weekly { start, .. } => Some(start.year()),
            _ => None,
        })
        .min();
    if let Some(year) = weekly_years {
        lines.extend(vtimezone(tz, year, year + 2));
    }
    for e in events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", escape(&e.uid)));
        lines.push(format!("DTSTAMP:{}", utc(dtstamp)));
        match &e.span {
            Span::Utc { start, end } => {
                lines.push(format!("DTSTART:{}", utc(*start)));
                lines.push(format!("DTEND:{}", utc(*end)));
            }
            Span::Weekly {
                start,
                duration,
                byday,
            } => {
                lines.push(format!(
                    "DTSTART;TZID={}:{}",
                    tz.name(),
                    start.format("%Y%m%dT%H%M%S")
                ));
                lines.push(format!("DURATION:{}", ics_duration(*duration)));
                lines.push(format!("RRULE:FREQ=WEEKLY;BYDAY={byday}"));
            }
            Span::AllDay { first, last } => {
                let end = last.succ_opt().unwrap_or(*last);
                lines.push(format!("DTSTART;VALUE=DATE:{}", first.format("%Y%m%d")));
                lines.push(format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
                lines.push("TRANSP:TRANSPARENT".into());
            }
        }
        if let Some(seq) = e.sequence {
            lines.push(format!("SEQUENCE:{seq}"));
        }
        lines.push(format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(d) = &e.description {
            lines.push(format!("DESCRIPTION:{}", escape(d)));
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        out.push_str(&fold(&l));
    }
    out
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `PT12H`, `PT2H30M`, `P1DT2H` (exact time, RFC 5545 3.3.6).
fn ics_duration(d: Duration) -> String {
    let total = d.num_minutes().max(0);
    let (days, hours, minutes) = (total / 1440, (total % 1440) / 60, total % 60);
    let mut s = String::from("P");
    if days > 0 {
        s.push_str(&format!("{days}D"));
    }
    if hours > 0 || minutes > 0 || days == 0 {
        s.push('T');
        if hours > 0 {
            s.push_str(&format!("{hours}H"));
        }
        if minutes > 0 || hours == 0 {
            s.push_str(&format!("{minutes}M"));
        }
    }
    s
}

/// Escapes a TEXT value (RFC 5545 3.3.11).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line at 75 octets (never inside a UTF-8 character) and
/// ends every physical line with CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

/// A VTIMEZONE for `tz` with each offset change from `from_year` to
/// `to_year` inclusive as its own observance (found by scanning the zone),
/// or one STANDARD observance for a zone without changes.
fn vtimezone(tz: Tz, from_year: i32, to_year: i32) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(to_year + 1, 1, 1).unwrap_or_default();
    let at = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc());
    let mut t = start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let stop = end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut found = false;
    while t < stop {
        let next = t + Duration::hours(6);
        let (before, after) = (at(t), at(next));
        if before.fix() != after.fix() {
            // Narrow to the second of the change.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if at(mid).fix() == before.fix() {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let kind = if after.dst_offset().is_zero() {
                "STANDARD"
            } else {
                "DAYLIGHT"
            };
            let local_before =
                hi.naive_utc() + Duration::seconds(i64::from(before.fix().local_minus_utc()));
            lines.push(format!("BEGIN:{kind}"));
            lines.push(format!("DTSTART:{}", local_before.format("%Y%m%dT%H%M%S")));
            lines.push(format!(
                "TZOFFSETFROM:{}",
                offset(before.fix().local_minus_utc())
            ));
            lines.push(format!(
                "TZOFFSETTO:{}",
                offset(after.fix().local_minus_utc())
            ));
            if let Some(name) = after.abbreviation() {
                lines.push(format!("TZNAME:{}", escape(name)));
            }
            lines.push(format!("END:{kind}"));
            found = true;
        }
        t = next;
    }
    if !found {
        let o = at(t);
        let secs = o.fix().local_minus_utc();
        lines.push("BEGIN:STANDARD".into());
        lines.push("DTSTART:19700101T000000".into());
        lines.push(format!("TZOFFSETFROM:{}", offset(secs)));
        lines.push(format!("TZOFFSETTO:{}", offset(secs)));
        if let Some(name) = o.abbreviation() {
            lines.push(format!("TZNAME:{}", escape(name)));
        }
        lines.push("END:STANDARD".into());
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

/// `+0100`, `-0530`.
fn offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.abs() / 60;
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn escapes_text_values() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        for physical in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
        assert_eq!(fold("SHORT"), "SHORT\r\n");
    }

    #[test]
    fn durations() {
        assert_eq!(ics_duration(Duration::hours(12)), "PT12H");
        assert_eq!(ics_duration(Duration::minutes(150)), "PT2H30M");
        assert_eq!(ics_duration(Duration::minutes(0)), "PT0M");
        assert_eq!(ics_duration(Duration::hours(26)), "P1DT2H");
        assert_eq!(ics_duration(Duration::hours(24)), "P1D");
    }

    #[test]
    fn renders_every_kind_of_event() {
        let stamp = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
        let events = vec![
            Event {
                uid: "REL-2025-03-001@rel".into(),
                span: Span::Utc {
                    start: Utc.with_ymd_and_hms(2025, 3, 15, 20, 0, 0).unwrap(),
                    end: Utc.with_ymd_and_hms(2025, 3, 15, 22, 0, 0).unwrap(),
                },
                summary: "REL-2025-03-001: Finance, system".into(),
                description: Some("service: finance\ntype: minor".into()),
                sequence: Some(0),
            },
            Event {
                uid: "window-saturday-evening-sat@rel".into(),
                span: Span::Weekly {
                    start: day("2025-03-15").and_hms_opt(18, 0, 0).unwrap(),
                    duration: Duration::hours(12),
                    byday: "SA".into(),
                },
                summary: "Maintenance window saturday-evening".into(),
                description: None,
                sequence: None,
            },
            Event {
                uid: "blackout-month-end-2025-02-28@rel".into(),
                span: Span::AllDay {
                    first: day("2025-02-28"),
                    last: day("2025-03-02"),
                },
                summary: "Blackout: month-end".into(),
                description: None,
                sequence: None,
            },
        ];
        let text = render(&events, London, stamp);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        for needle in [
            "DTSTART:20250315T200000Z\r\nDTEND:20250315T220000Z\r\n",
            "DTSTAMP:20250301T090000Z\r\n",
            "SUMMARY:REL-2025-03-001: Finance\\, system\r\n",
            "DESCRIPTION:service: finance\\ntype: minor\r\n",
            "DTSTART;TZID=Europe/London:20250315T180000\r\nDURATION:PT12H\r\nRRULE:FREQ=WEEKLY;BYDAY=SA\r\n",
            "DTSTART;VALUE=DATE:20250228\r\nDTEND;VALUE=DATE:20250303\r\n",
            "BEGIN:DAYLIGHT\r\nDTSTART:20250330T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\nEND:DAYLIGHT\r\n",
            "BEGIN:STANDARD\r\nDTSTART:20251026T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\n",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }

    #[test]
    fn zone_without_changes_has_one_standard_observance() {
        let lines = vtimezone(chrono_tz::UTC, 2025, 2025);
        assert!(lines.contains(&"TZOFFSETTO:+0000".to_string()), "{lines:?}");
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:STANDARD").count(), 1);
    }
}
