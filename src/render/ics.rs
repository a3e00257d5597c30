//! iCalendar (RFC 5545) output. Pure: events in, text out. Lines end in
//! CRLF, are folded at 75 octets and text values are escaped, so any
//! calendar client reads the file; UIDs come from the caller and must be
//! stable so a subscribed client sees updates, not duplicates.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// When an event happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    /// A fixed interval, written in UTC.
    Utc {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// A weekly recurring event in the zone, given as each of its
    /// occurrences (at least one, in order).
    ///
    /// Written as one event with a weekly RRULE up to the last occurrence,
    /// DTSTART and DTEND in the zone's local time. RFC 5545 gives every
    /// instance of a rule the exact length of DTSTART to DTEND, so an
    /// occurrence whose real times differ (the nights clocks change, when a
    /// window from 18:00 to 06:00 lasts 11 or 13 hours) is also written as
    /// an override (RECURRENCE-ID) with its real start and end. An
    /// occurrence whose wall-clock start is repeated or skipped (the
    /// nights clocks change) is taken out of the rule and written as its
    /// own event in UTC (UID: the event's with the day before the `@`),
    /// and the rule after it gets a UID naming that day. A week with no
    /// occurrence splits the rule the same way.
    Weekly {
        /// RFC 5545 day code: `MO`, `TU`, ... `SU`.
        byday: String,
        /// The length on an ordinary day (no DST change inside).
        length: Duration,
        occurrences: Vec<Occurrence>,
    },
    /// Whole days, `first` to `last` inclusive.
    AllDay { first: NaiveDate, last: NaiveDate },
}

/// One occurrence of a weekly event.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// The local date and wall-clock start the rule repeats: what
    /// identifies the occurrence (RECURRENCE-ID).
    pub nominal: NaiveDateTime,
    /// The real instants, [start, end).
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub uid: String,
    pub span: Span,
    pub summary: String,
    pub description: Option<String>,
    /// The revision number (RFC 5545 3.8.7.4): must grow with every
    /// significant revision, or clients keep the stale event.
    pub sequence: u32,
    /// When the information was last revised (RFC 5545 3.8.7.2, in a
    /// calendar without METHOD): from the record, never the export time,
    /// so exporting twice gives the same file.
    pub dtstamp: DateTime<Utc>,
    /// Written as STATUS:CANCELLED, so a subscribed client removes it.
    pub cancelled: bool,
}

/// What the calendar as a whole says.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// Shown by clients as the calendar's name (NAME, X-WR-CALNAME).
    pub name: String,
    /// The zone of `Span::Weekly` events.
    pub tz: Tz,
    /// The range exported, for the zone of an export with no event (a
    /// calendar holds at least one component, RFC 5545 3.6).
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The whole calendar. A VTIMEZONE for `meta.tz`, covering every local time
/// written, is included when one is used, and alone when there is no event.
pub fn render(meta: &Meta, events: &[Event]) -> String {
    let tz = meta.tz;
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//rel//release calendar//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("NAME:{}", escape(&meta.name)),
        format!("X-WR-CALNAME:{}", escape(&meta.name)),
    ];
    let mut body: Vec<String> = vec![];
    // Every instant written as a local time in `tz`: the VTIMEZONE must
    // cover them all.
    let mut local_times: Vec<DateTime<Utc>> = vec![];
    for e in events {
        // Each component's own lines, UID first: the event, or the parts
        // it is written as.
        let mut components: Vec<Vec<String>> = vec![];
        match &e.span {
            Span::Utc { start, end } => {
                components.push(vec![
                    format!("UID:{}", escape(&e.uid)),
                    format!("DTSTART:{}", utc(*start)),
                    format!("DTEND:{}", utc(*end)),
                ]);
            }
            Span::Weekly {
                byday,
                length,
                occurrences,
            } => {
                // An occurrence whose wall-clock start is not one instant
                // (the repeated autumn hour, or the spring gap) leaves the
                // rule: readers disagree on which instant a local time
                // there means (RFC 5545 says the earlier; ical.js and
                // vobject take the later), so it is its own event in UTC,
                // and the rule is split around it.
                let rule = Rule {
                    tz,
                    byday,
                    length: *length,
                };
                let mut run: Vec<&Occurrence> = vec![];
                let mut after: Option<NaiveDateTime> = None;
                for o in occurrences {
                    // A week without an occurrence (a window that does not
                    // happen the night the clocks skip it) ends the rule
                    // too: the rule would give it one.
                    let week_before = o.nominal - Duration::weeks(1);
                    if run.last().is_some_and(|l| l.nominal < week_before) {
                        let uid = segment_uid(&e.uid, after);
                        components.extend(rule.components(&uid, &run, &mut local_times));
                        run.clear();
                        after = Some(week_before);
                    }
                    if single_instant(tz, o.nominal) {
                        run.push(o);
                        continue;
                    }
                    let uid = segment_uid(&e.uid, after);
                    components.extend(rule.components(&uid, &run, &mut local_times));
                    run.clear();
                    components.push(vec![
                        format!("UID:{}", escape(&part_uid(&e.uid, &day_tag(o.nominal)))),
                        format!("DTSTART:{}", utc(o.start)),
                        format!("DTEND:{}", utc(o.end)),
                    ]);
                    after = Some(o.nominal);
                }
                let uid = segment_uid(&e.uid, after);
                components.extend(rule.components(&uid, &run, &mut local_times));
            }
            Span::AllDay { first, last } => {
                let end = last.succ_opt().unwrap_or(*last);
                components.push(vec![
                    format!("UID:{}", escape(&e.uid)),
                    format!("DTSTART;VALUE=DATE:{}", first.format("%Y%m%d")),
                    format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")),
                    "TRANSP:TRANSPARENT".into(),
                ]);
            }
        }
        let mut tail = vec![format!("SEQUENCE:{}", e.sequence)];
        if e.cancelled {
            tail.push("STATUS:CANCELLED".into());
        }
        tail.push(format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(d) = &e.description {
            tail.push(format!("DESCRIPTION:{}", escape(d)));
        }
        tail.push("END:VEVENT".into());
        for component in components {
            let mut lines = component.into_iter();
            body.push("BEGIN:VEVENT".into());
            body.extend(lines.next());
            body.push(format!("DTSTAMP:{}", utc(e.dtstamp)));
            body.extend(lines);
            body.extend(tail.iter().cloned());
        }
    }
    if let (Some(first), Some(last)) = (local_times.iter().min(), local_times.iter().max()) {
        lines.extend(vtimezone(tz, first.year() - 1, last.year()));
    } else if body.is_empty() {
        lines.extend(vtimezone(tz, meta.from.year(), meta.to.year()));
    }
    lines.extend(body);
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        out.push_str(&fold(&l));
    }
    out
}

/// A weekly rule in a zone, written as a master and its overrides.
struct Rule<'a> {
    tz: Tz,
    byday: &'a str,
    length: Duration,
}

impl Rule<'_> {
    /// The components of one rule over `run` (occurrences whose
    /// wall-clock start is one instant): the master, with the first
    /// occurrence's start and the ordinary length that every instance of
    /// the rule gets, then an override (RECURRENCE-ID) for each occurrence
    /// whose real times differ. Records every local time written.
    fn components(
        &self,
        uid: &str,
        run: &[&Occurrence],
        local_times: &mut Vec<DateTime<Utc>>,
    ) -> Vec<Vec<String>> {
        let (tz, length) = (self.tz, self.length);
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            return vec![];
        };
        let master_start = rule_instant(tz, first.nominal);
        let mut out = vec![vec![
            format!("UID:{}", escape(uid)),
            format!("DTSTART;TZID={}:{}", tz.name(), local(first.nominal)),
            format!("DTEND{}", when(tz, master_start + length)),
            format!(
                "RRULE:FREQ=WEEKLY;BYDAY={};UNTIL={}",
                self.byday,
                utc(rule_instant(tz, last.nominal))
            ),
        ]];
        local_times.extend([master_start, master_start + length]);
        for o in run {
            let start = rule_instant(tz, o.nominal);
            local_times.push(start);
            if (start, start + length) == (o.start, o.end) {
                continue;
            }
            local_times.extend([o.start, o.end]);
            out.push(vec![
                format!("UID:{}", escape(uid)),
                format!("RECURRENCE-ID;TZID={}:{}", tz.name(), local(o.nominal)),
                format!("DTSTART{}", when(tz, o.start)),
                format!("DTEND{}", when(tz, o.end)),
            ]);
        }
        out
    }
}

/// Whether a local time in `tz` is exactly one instant: not repeated (the
/// autumn hour) and not skipped (the spring gap).
fn single_instant(tz: Tz, t: NaiveDateTime) -> bool {
    matches!(tz.from_local_datetime(&t), LocalResult::Single(_))
}

/// `window-x-sun@domain` with `tag` before the `@`: the UID of a part of a
/// weekly event, as stable as the event's own.
fn part_uid(uid: &str, tag: &str) -> String {
    match uid.rsplit_once('@') {
        Some((name, domain)) => format!("{name}-{tag}@{domain}"),
        None => format!("{uid}-{tag}"),
    }
}

/// The UID of a rule segment: the event's own, or, for the segment after
/// an occurrence taken out of the rule, one naming that occurrence's day
/// (so the segment keeps its UID whatever range is exported).
fn segment_uid(uid: &str, after: Option<NaiveDateTime>) -> String {
    match after {
        None => uid.to_string(),
        Some(t) => part_uid(uid, &format!("after-{}", day_tag(t))),
    }
}

fn day_tag(t: NaiveDateTime) -> String {
    t.format("%Y%m%d").to_string()
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// The instant a client reads a local date-time with TZID as (RFC 5545
/// 3.3.5): the earlier of a repeated time; a time in a gap with the offset
/// before the gap.
fn rule_instant(tz: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => x.with_timezone(&Utc),
        LocalResult::None => {
            // Zones change offset at most once within a day.
            let before = tz
                .offset_from_utc_datetime(&(t - Duration::days(1)))
                .fix()
                .local_minus_utc();
            (t - Duration::seconds(i64::from(before))).and_utc()
        }
    }
}

/// `;TZID=zone:local` when a client reads that local time back as `t`,
/// else `:utcZ`. A local time that is repeated (the autumn hour) is always
/// written in UTC: RFC 5545 reads it as the earlier, but ical.js and
/// vobject read the later, an hour late.
fn when(tz: Tz, t: DateTime<Utc>) -> String {
    let wall = t.with_timezone(&tz).naive_local();
    let repeated = matches!(tz.from_local_datetime(&wall), LocalResult::Ambiguous(..));
    if !repeated && rule_instant(tz, wall) == t {
        format!(";TZID={}:{}", tz.name(), local(wall))
    } else {
        format!(":{}", utc(t))
    }
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

/// A VTIMEZONE for `tz` from 1 January of `from_year` to the end of
/// `to_year`: an observance holding the offset in force at the start (so
/// a time before the first change is covered too), then each offset change
/// as its own observance (found by scanning the zone).
fn vtimezone(tz: Tz, from_year: i32, to_year: i32) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(to_year + 1, 1, 1).unwrap_or_default();
    let at = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc());
    let mut t = start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let stop = end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    {
        let o = at(t);
        let secs = o.fix().local_minus_utc();
        let kind = if o.dst_offset().is_zero() {
            "STANDARD"
        } else {
            "DAYLIGHT"
        };
        let wall = t.naive_utc() + Duration::seconds(i64::from(secs));
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", local(wall)));
        lines.push(format!("TZOFFSETFROM:{}", offset(secs)));
        lines.push(format!("TZOFFSETTO:{}", offset(secs)));
        if let Some(name) = o.abbreviation() {
            lines.push(format!("TZNAME:{}", escape(name)));
        }
        lines.push(format!("END:{kind}"));
    }
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
        }
        t = next;
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

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    /// A Saturday 18:00 to Sunday 06:00 occurrence starting on `day`, with
    /// its real instants in London.
    fn saturday(day: &str) -> Occurrence {
        let start = at(&format!("{day} 18:00"));
        let end = start + Duration::hours(12);
        let real = |t: NaiveDateTime| London.from_local_datetime(&t).unwrap().with_timezone(&Utc);
        Occurrence {
            nominal: start,
            start: real(start),
            end: real(end),
        }
    }

    fn weekly(days: &[&str]) -> Event {
        Event {
            uid: "window-saturday-evening-sat@rel".into(),
            span: Span::Weekly {
                byday: "SA".into(),
                length: Duration::hours(12),
                occurrences: days.iter().map(|d| saturday(d)).collect(),
            },
            summary: "Maintenance window: saturday-evening".into(),
            description: None,
            sequence: 0,
            dtstamp: stamp(),
            cancelled: false,
        }
    }

    fn stamp() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
    }

    fn meta() -> Meta {
        Meta {
            name: "Release calendar".into(),
            tz: London,
            from: day("2025-03-10"),
            to: day("2025-03-16"),
        }
    }

    #[test]
    fn weekly_window_ends_at_its_local_end_on_the_nights_clocks_change() {
        // Autumn: the night of 25 October lasts 13 hours.
        let text = render(
            &meta(),
            &[weekly(&["2025-10-18", "2025-10-25", "2025-11-01"])],
        );
        assert!(!text.contains("DURATION"), "{text}");
        for needle in [
            "DTSTART;TZID=Europe/London:20251018T180000\r\nDTEND;TZID=Europe/London:20251019T060000\r\nRRULE:FREQ=WEEKLY;BYDAY=SA;UNTIL=20251101T180000Z\r\n",
            "RECURRENCE-ID;TZID=Europe/London:20251025T180000\r\nDTSTART;TZID=Europe/London:20251025T180000\r\nDTEND;TZID=Europe/London:20251026T060000\r\n",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        assert_eq!(text.matches("RECURRENCE-ID").count(), 1, "{text}");
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2, "{text}");
        // Spring: the night of 29 March lasts 11 hours.
        let text = render(&meta(), &[weekly(&["2025-03-22", "2025-03-29"])]);
        assert!(
            text.contains("RECURRENCE-ID;TZID=Europe/London:20250329T180000\r\nDTSTART;TZID=Europe/London:20250329T180000\r\nDTEND;TZID=Europe/London:20250330T060000\r\n"),
            "{text}"
        );
        // No change in range: no override.
        let text = render(&meta(), &[weekly(&["2025-03-08", "2025-03-15"])]);
        assert!(!text.contains("RECURRENCE-ID"), "{text}");
    }

    #[test]
    fn weekly_starting_on_the_night_clocks_change_keeps_the_ordinary_length() {
        // The rule's length is the ordinary 12 hours; the first night is an
        // override with its real end.
        let text = render(&meta(), &[weekly(&["2025-10-25", "2025-11-01"])]);
        assert!(
            text.contains("DTSTART;TZID=Europe/London:20251025T180000\r\nDTEND;TZID=Europe/London:20251026T050000\r\n"),
            "{text}"
        );
        assert!(
            text.contains("RECURRENCE-ID;TZID=Europe/London:20251025T180000\r\nDTSTART;TZID=Europe/London:20251025T180000\r\nDTEND;TZID=Europe/London:20251026T060000\r\n"),
            "{text}"
        );
        assert_eq!(text.matches("RECURRENCE-ID").count(), 1, "{text}");
    }

    #[test]
    fn both_of_a_repeated_hour_are_written_in_utc() {
        let before = London
            .with_ymd_and_hms(2025, 10, 26, 0, 30, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(when(London, before), ";TZID=Europe/London:20251026T003000");
        // 00:30 UTC is the first 01:30 (BST): ical.js and vobject would
        // read a local 01:30 as the second.
        let first = Utc.with_ymd_and_hms(2025, 10, 26, 0, 30, 0).unwrap();
        assert_eq!(when(London, first), ":20251026T003000Z");
        // 01:30 GMT, the second 01:30.
        let second = Utc.with_ymd_and_hms(2025, 10, 26, 1, 30, 0).unwrap();
        assert_eq!(when(London, second), ":20251026T013000Z");
        let first_0130 = Utc.with_ymd_and_hms(2025, 10, 26, 0, 30, 0).unwrap();
        assert_eq!(rule_instant(London, at("2025-10-26 01:30")), first_0130);
        // In the spring gap, the offset before the gap: 01:30 GMT.
        assert_eq!(
            rule_instant(London, at("2025-03-30 01:30")),
            Utc.with_ymd_and_hms(2025, 3, 30, 1, 30, 0).unwrap()
        );
    }

    #[test]
    fn an_occurrence_starting_in_the_repeated_hour_leaves_the_rule() {
        // Sundays 01:30 to 03:00: on 26 October 01:30 happens twice (rel
        // takes the first, BST) and the night lasts 2h30.
        let real = |t: NaiveDateTime| {
            London
                .from_local_datetime(&t)
                .earliest()
                .unwrap()
                .with_timezone(&Utc)
        };
        let occurrences = ["2025-10-19", "2025-10-26", "2025-11-02"]
            .iter()
            .map(|d| Occurrence {
                nominal: at(&format!("{d} 01:30")),
                start: real(at(&format!("{d} 01:30"))),
                end: real(at(&format!("{d} 03:00"))),
            })
            .collect();
        let mut event = weekly(&[]);
        event.span = Span::Weekly {
            byday: "SU".into(),
            length: Duration::minutes(90),
            occurrences,
        };
        let text = render(&meta(), &[event]);
        for needle in [
            "UID:window-saturday-evening-sat@rel\r\nDTSTAMP:20250301T090000Z\r\nDTSTART;TZID=Europe/London:20251019T013000\r\nDTEND;TZID=Europe/London:20251019T030000\r\nRRULE:FREQ=WEEKLY;BYDAY=SU;UNTIL=20251019T003000Z\r\n",
            "UID:window-saturday-evening-sat-20251026@rel\r\nDTSTAMP:20250301T090000Z\r\nDTSTART:20251026T003000Z\r\nDTEND:20251026T030000Z\r\n",
            "UID:window-saturday-evening-sat-after-20251026@rel\r\nDTSTAMP:20250301T090000Z\r\nDTSTART;TZID=Europe/London:20251102T013000\r\nDTEND;TZID=Europe/London:20251102T030000\r\nRRULE:FREQ=WEEKLY;BYDAY=SU;UNTIL=20251102T013000Z\r\n",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        assert!(!text.contains("RECURRENCE-ID"), "{text}");
        assert!(!text.contains("20251026T01"), "{text}");
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 3, "{text}");
    }

    #[test]
    fn vtimezone_covers_a_start_before_the_first_change_of_its_year() {
        // A January start: an observance must begin before it.
        let text = render(&meta(), &[weekly(&["2025-01-11", "2025-01-18"])]);
        let tz_part =
            &text[text.find("BEGIN:VTIMEZONE").unwrap()..text.find("END:VTIMEZONE").unwrap()];
        let onsets: Vec<&str> = tz_part
            .split("\r\n")
            .filter_map(|l| l.strip_prefix("DTSTART:"))
            .collect();
        assert!(onsets.iter().any(|o| *o <= "20250111T180000"), "{tz_part}");
        assert!(
            tz_part.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nBEGIN:STANDARD\r\nDTSTART:20240101T000000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\n"),
            "{tz_part}"
        );
    }

    #[test]
    fn renders_every_kind_of_event() {
        let stamp = stamp();
        let events = vec![
            Event {
                uid: "REL-2025-03-001@rel".into(),
                span: Span::Utc {
                    start: Utc.with_ymd_and_hms(2025, 3, 15, 20, 0, 0).unwrap(),
                    end: Utc.with_ymd_and_hms(2025, 3, 15, 22, 0, 0).unwrap(),
                },
                summary: "REL-2025-03-001: Finance, system".into(),
                description: Some("service: finance\ntype: minor".into()),
                sequence: 4,
                dtstamp: stamp,
                cancelled: true,
            },
            weekly(&["2025-03-15", "2025-03-22"]),
            Event {
                uid: "blackout-month-end-2025-02-28@rel".into(),
                span: Span::AllDay {
                    first: day("2025-02-28"),
                    last: day("2025-03-02"),
                },
                summary: "Blackout: month-end".into(),
                description: None,
                sequence: 0,
                dtstamp: stamp,
                cancelled: false,
            },
        ];
        let text = render(&meta(), &events);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        for needle in [
            "DTSTART:20250315T200000Z\r\nDTEND:20250315T220000Z\r\n",
            "DTSTAMP:20250301T090000Z\r\n",
            "SEQUENCE:4\r\nSTATUS:CANCELLED\r\nSUMMARY:REL-2025-03-001",
            "NAME:Release calendar\r\nX-WR-CALNAME:Release calendar\r\n",
            "SUMMARY:REL-2025-03-001: Finance\\, system\r\n",
            "DESCRIPTION:service: finance\\ntype: minor\r\n",
            "DTSTART;TZID=Europe/London:20250315T180000\r\nDTEND;TZID=Europe/London:20250316T060000\r\nRRULE:FREQ=WEEKLY;BYDAY=SA;UNTIL=20250322T180000Z\r\n",
            "DTSTART;VALUE=DATE:20250228\r\nDTEND;VALUE=DATE:20250303\r\n",
            "BEGIN:DAYLIGHT\r\nDTSTART:20250330T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\nEND:DAYLIGHT\r\n",
            "BEGIN:STANDARD\r\nDTSTART:20251026T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\n",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }

    #[test]
    fn an_empty_calendar_still_holds_a_component() {
        let text = render(&meta(), &[]);
        assert!(!text.contains("BEGIN:VEVENT"), "{text}");
        assert!(
            text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"),
            "{text}"
        );
    }

    #[test]
    fn zone_without_changes_has_one_standard_observance() {
        let lines = vtimezone(chrono_tz::UTC, 2025, 2025);
        assert!(lines.contains(&"TZOFFSETTO:+0000".to_string()), "{lines:?}");
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:STANDARD").count(), 1);
    }
}
