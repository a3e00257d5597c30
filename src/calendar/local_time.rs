//! Local wall-clock times read in the policy's IANA zone (SPEC sections 2
//! and 4). A local time that does not exist (DST gap) or happens twice (DST
//! overlap) is refused with a message that says which, never guessed.

use super::file::Point;
use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike,
};
use chrono_tz::Tz;

fn show(local: NaiveDateTime) -> String {
    if local.second() == 0 {
        local.format("%Y-%m-%d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// Reads `local` in `tz`; a DST gap or overlap is an error that says which.
pub fn resolve(tz: Tz, local: NaiveDateTime) -> Result<DateTime<FixedOffset>, String> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.fixed_offset()),
        LocalResult::None => Err(format!(
            "{} does not exist in {} (clocks go forward at the DST change); choose a time outside the gap",
            show(local),
            tz.name()
        )),
        LocalResult::Ambiguous(first, _) => Err(format!(
            "{} is ambiguous in {} (it happens twice when clocks go back); give the offset explicitly, e.g. {}",
            show(local),
            tz.name(),
            first.fixed_offset().format("%Y-%m-%dT%H:%M:%S%:z")
        )),
    }
}

/// Reads `local` in `tz` without refusing: in a DST gap, the first valid
/// instant after the gap; in an overlap, the earlier instant. Used for
/// boundaries people did not type as an instant (recurring windows, dates),
/// where refusing would make a whole week's window disappear.
pub(crate) fn resolve_lenient(tz: Tz, local: NaiveDateTime) -> DateTime<FixedOffset> {
    let mut probe = local;
    // Gaps are at most a few hours; a day bounds the walk in any real zone.
    for _ in 0..=(24 * 60) {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) => return t.fixed_offset(),
            LocalResult::Ambiguous(first, _) => return first.fixed_offset(),
            LocalResult::None => {
                probe = probe
                    .with_second(0)
                    .unwrap_or(probe)
                    .with_nanosecond(0)
                    .unwrap_or(probe)
                    + Duration::minutes(1)
            }
        }
    }
    // Unreachable for real zones; fall back to reading the time as UTC.
    local.and_utc().fixed_offset()
}

/// Parses what people type for a window start: `YYYY-MM-DD HH:MM`,
/// `YYYY-MM-DDTHH:MM` (optionally with `:SS`), read in `tz`; or RFC 3339 with
/// an explicit offset, kept as given.
pub fn parse_local(tz: Tz, text: &str) -> Result<DateTime<FixedOffset>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    // RFC 3339 without seconds but with an offset, e.g. 2025-10-26T01:30+01:00.
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, fmt) {
            return Ok(t);
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, fmt) {
            return resolve(tz, local);
        }
    }
    Err(format!(
        "`{text}` is not a date-time: expected YYYY-MM-DD HH:MM (or YYYY-MM-DDTHH:MM, optionally with :SS) read in {}, or RFC 3339 with an offset such as 2025-03-15T20:00:00+00:00",
        tz.name()
    ))
}

pub fn to_local(tz: Tz, t: DateTime<FixedOffset>) -> DateTime<Tz> {
    t.with_timezone(&tz)
}

/// The local date of an instant in `tz`.
pub(crate) fn local_date(tz: Tz, t: DateTime<FixedOffset>) -> NaiveDate {
    to_local(tz, t).date_naive()
}

/// The local dates that the half-open range [start, end) touches, first and
/// last inclusive. An end exactly at local midnight does not touch the next
/// day; an empty range touches the start's date only.
pub(crate) fn local_dates(
    tz: Tz,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
) -> (NaiveDate, NaiveDate) {
    let first = local_date(tz, start);
    if end <= start {
        return (first, first);
    }
    let end_local = to_local(tz, end);
    let mut last = end_local.date_naive();
    if end_local.time() == NaiveTime::MIN {
        last = last.pred_opt().unwrap_or(last);
    }
    (first, last.max(first))
}

/// Local midnight at the start of `d` (lenient: see `resolve_lenient`).
pub(crate) fn midnight(tz: Tz, d: NaiveDate) -> DateTime<FixedOffset> {
    resolve_lenient(tz, d.and_time(NaiveTime::MIN))
}

/// Where a range beginning at `p` starts: a date means its 00:00.
pub fn point_start(tz: Tz, p: &Point) -> Result<DateTime<FixedOffset>, String> {
    match p {
        Point::Date(d) => resolve(tz, d.and_time(NaiveTime::MIN)),
        Point::DateTime(dt) => resolve(tz, *dt),
    }
}

/// Where a range ending at `p` ends (exclusive): an inclusive date means the
/// next day's 00:00; a date-time is itself (ranges are half-open).
pub fn point_end(tz: Tz, p: &Point) -> Result<DateTime<FixedOffset>, String> {
    match p {
        Point::Date(d) => resolve(tz, next_day(*d).and_time(NaiveTime::MIN)),
        Point::DateTime(dt) => resolve(tz, *dt),
    }
}

pub(crate) fn point_start_lenient(tz: Tz, p: &Point) -> DateTime<FixedOffset> {
    match p {
        Point::Date(d) => midnight(tz, *d),
        Point::DateTime(dt) => resolve_lenient(tz, *dt),
    }
}

pub(crate) fn point_end_lenient(tz: Tz, p: &Point) -> DateTime<FixedOffset> {
    match p {
        Point::Date(d) => midnight(tz, next_day(*d)),
        Point::DateTime(dt) => resolve_lenient(tz, *dt),
    }
}

pub(crate) fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// `Sat 2025-03-15 20:00`-style text for messages (with the offset when
/// the wall time is ambiguous, see `format_local`).
pub(crate) fn fmt_local(tz: Tz, t: DateTime<FixedOffset>) -> String {
    format_local(tz, t, "%a %Y-%m-%d %H:%M")
}

/// Whether the local wall time of `t` happens twice in `tz` (the hour
/// repeated when clocks go back), so that the time alone does not say
/// which instant is meant.
pub fn is_ambiguous(tz: Tz, t: DateTime<FixedOffset>) -> bool {
    matches!(
        tz.from_local_datetime(&to_local(tz, t).naive_local()),
        LocalResult::Ambiguous(..)
    )
}

/// `t` as a local time in `tz` written with `fmt`, followed by its UTC
/// offset (` +01:00`) when the wall time is ambiguous: `01:30 +01:00` and
/// `01:30 +00:00` on the night clocks go back are different instants.
pub fn format_local(tz: Tz, t: DateTime<FixedOffset>, fmt: &str) -> String {
    let local = to_local(tz, t);
    let text = local.format(fmt).to_string();
    if is_ambiguous(tz, t) {
        format!("{text} {}", local.format("%:z"))
    } else {
        text
    }
}

/// What to give `--target` (or any flag read by `parse_local`) to mean
/// exactly `t`: `YYYY-MM-DD HH:MM` in `tz` when that reads back as `t`,
/// else RFC 3339 with the offset (an ambiguous local time, or seconds).
pub fn target_text(tz: Tz, t: DateTime<FixedOffset>) -> String {
    let local = to_local(tz, t);
    let short = local.format("%Y-%m-%d %H:%M").to_string();
    match parse_local(tz, &short) {
        Ok(back) if back == t => short,
        _ => local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn ndt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn ordinary_time_resolves_with_its_offset() {
        let t = resolve(London, ndt("2025-03-15 20:00")).unwrap();
        assert_eq!(t.to_rfc3339(), "2025-03-15T20:00:00+00:00");
        let t = resolve(London, ndt("2025-06-15 20:00")).unwrap();
        assert_eq!(t.to_rfc3339(), "2025-06-15T20:00:00+01:00");
    }

    #[test]
    fn spring_forward_gap_is_refused_as_a_gap() {
        let e = resolve(London, ndt("2025-03-30 01:30")).unwrap_err();
        assert_eq!(
            e,
            "2025-03-30 01:30 does not exist in Europe/London (clocks go forward at the DST change); choose a time outside the gap"
        );
        // Either side of the gap is fine.
        assert!(resolve(London, ndt("2025-03-30 00:59")).is_ok());
        assert!(resolve(London, ndt("2025-03-30 02:00")).is_ok());
    }

    #[test]
    fn autumn_overlap_is_refused_as_ambiguous() {
        let e = resolve(London, ndt("2025-10-26 01:30")).unwrap_err();
        assert_eq!(
            e,
            "2025-10-26 01:30 is ambiguous in Europe/London (it happens twice when clocks go back); give the offset explicitly, e.g. 2025-10-26T01:30:00+01:00"
        );
        assert!(resolve(London, ndt("2025-10-26 02:00")).is_ok());
        assert!(resolve(London, ndt("2025-10-26 00:59")).is_ok());
    }

    #[test]
    fn lenient_resolution_picks_gap_end_and_earlier_overlap() {
        let t = resolve_lenient(London, ndt("2025-03-30 01:30"));
        assert_eq!(t.to_rfc3339(), "2025-03-30T02:00:00+01:00");
        let t = resolve_lenient(London, ndt("2025-10-26 01:30"));
        assert_eq!(t.to_rfc3339(), "2025-10-26T01:30:00+01:00");
    }

    #[test]
    fn parse_local_forms() {
        for text in [
            "2025-03-15 20:00",
            "2025-03-15T20:00",
            "2025-03-15 20:00:00",
            "2025-03-15T20:00:00",
            "2025-03-15T20:00:00+00:00",
            "2025-03-15T20:00:00Z",
        ] {
            let t = parse_local(London, text).unwrap();
            assert_eq!(t.to_rfc3339(), "2025-03-15T20:00:00+00:00", "{text}");
        }
        // An explicit offset is kept as given, even in the overlap.
        let t = parse_local(London, "2025-10-26T01:30:00+00:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-10-26T01:30:00+00:00");
        assert!(
            parse_local(London, "2025-10-26 01:30")
                .unwrap_err()
                .contains("ambiguous")
        );
        assert!(
            parse_local(London, "2025-03-30T01:30")
                .unwrap_err()
                .contains("does not exist")
        );
        let e = parse_local(London, "next saturday").unwrap_err();
        assert!(e.contains("expected YYYY-MM-DD HH:MM"), "{e}");
    }

    #[test]
    fn ambiguous_times_carry_their_offset() {
        let first = parse_local(London, "2025-10-26T01:30:00+01:00").unwrap();
        let second = parse_local(London, "2025-10-26T01:30:00+00:00").unwrap();
        assert!(is_ambiguous(London, first) && is_ambiguous(London, second));
        assert_eq!(
            format_local(London, first, "%a %d %b %H:%M"),
            "Sun 26 Oct 01:30 +01:00"
        );
        assert_eq!(format_local(London, second, "%H:%M"), "01:30 +00:00");
        assert_eq!(target_text(London, first), "2025-10-26T01:30:00+01:00");
        assert_eq!(target_text(London, second), "2025-10-26T01:30:00+00:00");
        for t in [first, second] {
            assert_eq!(parse_local(London, &target_text(London, t)).unwrap(), t);
        }
        // Unambiguous times stay short, and read back as themselves.
        let t = parse_local(London, "2025-10-26 02:00").unwrap();
        assert!(!is_ambiguous(London, t));
        assert_eq!(format_local(London, t, "%H:%M"), "02:00");
        assert_eq!(target_text(London, t), "2025-10-26 02:00");
        let t = parse_local(London, "2025-10-26T00:30:00Z").unwrap();
        assert_eq!(target_text(London, t), "2025-10-26T01:30:00+01:00");
    }

    #[test]
    fn points_as_start_and_end() {
        let d = Point::parse("2025-03-13").unwrap();
        assert_eq!(
            point_start(London, &d).unwrap().to_rfc3339(),
            "2025-03-13T00:00:00+00:00"
        );
        assert_eq!(
            point_end(London, &d).unwrap().to_rfc3339(),
            "2025-03-14T00:00:00+00:00"
        );
        let dt = Point::parse("2025-03-22T18:00").unwrap();
        assert_eq!(
            point_end(London, &dt).unwrap().to_rfc3339(),
            "2025-03-22T18:00:00+00:00"
        );
        let gap = Point::parse("2025-03-30T01:30").unwrap();
        assert!(point_start(London, &gap).is_err());
    }

    #[test]
    fn local_dates_of_a_range() {
        let s = resolve(London, ndt("2025-03-15 22:00")).unwrap();
        let midnight = resolve(London, ndt("2025-03-16 00:00")).unwrap();
        let d15 = NaiveDate::from_ymd_opt(2025, 3, 15).unwrap();
        let d16 = NaiveDate::from_ymd_opt(2025, 3, 16).unwrap();
        assert_eq!(local_dates(London, s, midnight), (d15, d15));
        assert_eq!(
            local_dates(London, s, midnight + Duration::minutes(1)),
            (d15, d16)
        );
        assert_eq!(to_local(London, s).date_naive(), d15);
    }
}
