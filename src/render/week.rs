//! The week grid (seed, Figure 4): seven day columns with the releases of
//! each day, then the maintenance windows, blackouts, scheduled releases,
//! blocked windows, holidays and conflicts of the week. Pure: local times
//! in, text out, at most 80 columns, no colour.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

/// Every line fits in this many columns.
pub const WIDTH: usize = 80;
/// Text width inside a day cell.
const CELL: usize = 8;

/// A release, with its window start in local time.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub id: String,
    pub title: String,
    pub service: String,
    pub version: Option<String>,
    pub start: NaiveDateTime,
    /// The UTC offset (`+01:00`) when the local start happens twice (the
    /// night clocks go back), shown after the time.
    pub offset: Option<String>,
}

impl Release {
    /// `20:00`, or `01:30 +01:00` when that local time is ambiguous.
    fn time(&self, fmt: &str) -> String {
        let t = self.start.format(fmt).to_string();
        match &self.offset {
            Some(o) => format!("{t} {o}"),
            None => t,
        }
    }
}

/// A named range of whole local dates, inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct Days {
    pub name: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Extra words, e.g. the services it applies to.
    pub detail: String,
}

/// An infrastructure maintenance event in local time, [start, end).
#[derive(Debug, Clone, PartialEq)]
pub struct Maintenance {
    pub name: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub services: Vec<String>,
}

/// A conflict and who wins.
#[derive(Debug, Clone, PartialEq)]
pub struct Clash {
    pub release: String,
    pub with: String,
    pub winner: String,
    pub reason: String,
}

/// One week's data, all in the policy's local time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Week {
    pub monday: NaiveDate,
    /// The `--service` filter, shown in the header.
    pub service: Option<String>,
    pub releases: Vec<Release>,
    /// Maintenance window occurrences starting this week, local [start, end).
    pub windows: Vec<(NaiveDateTime, NaiveDateTime)>,
    pub blackouts: Vec<Days>,
    pub infrastructure: Vec<Maintenance>,
    /// Organisational events; `detail` says "no deploy" when they block.
    pub organisational: Vec<Days>,
    pub no_deploy: Vec<Days>,
    pub holidays: Vec<NaiveDate>,
    pub absences: Vec<Days>,
    pub conflicts: Vec<Clash>,
}

pub fn render(week: &Week) -> String {
    let mut out: Vec<String> = vec![];
    let days: Vec<NaiveDate> = (0..7).map(|i| week.monday + Duration::days(i)).collect();
    let mut header = format!("Week of {}", long_date(week.monday));
    if let Some(s) = &week.service {
        header.push_str(&format!(" ({s})"));
    }
    out.push(header);
    out.push(String::new());

    // The grid: each day's column as wide as its lines need (a release id
    // is never split), narrow days giving way, within WIDTH.
    let (cells, widths, pad) = match layout(
        &days
            .iter()
            .map(|d| cell(week, *d, false))
            .collect::<Vec<_>>(),
    ) {
        Some((w, pad, cells)) => (cells, w, pad),
        // Too many days with releases for whole ids: ids break at dashes.
        None => (
            days.iter().map(|d| cell(week, *d, true)).collect(),
            vec![CELL; 7],
            1,
        ),
    };
    let border = format!(
        "+{}",
        widths
            .iter()
            .map(|w| format!("{}+", "-".repeat(w + 2 * pad)))
            .collect::<String>()
    );
    let row = |texts: Vec<String>| {
        let mut s = String::from("|");
        for (t, w) in texts.iter().zip(&widths) {
            s.push_str(&format!("{0:pad$}{t:^w$}{0:pad$}|", ""));
        }
        s
    };
    out.push(border.clone());
    out.push(row(days
        .iter()
        .map(|d| d.format("%a").to_string())
        .collect()));
    out.push(row(days
        .iter()
        .map(|d| d.format("%d %b").to_string())
        .collect()));
    out.push(border.clone());
    let height = cells.iter().map(Vec::len).max().unwrap_or(0).max(4);
    for i in 0..height {
        out.push(row(cells
            .iter()
            .map(|c| c.get(i).cloned().unwrap_or_default())
            .collect()));
    }
    out.push(border);
    out.push(String::new());

    // Underneath.
    let windows: Vec<String> = dedup(
        week.windows
            .iter()
            .map(|(s, e)| {
                format!(
                    "{} {}-{}",
                    s.format("%a"),
                    s.format("%H:%M"),
                    e.format("%H:%M")
                )
            })
            .collect(),
    );
    push_wrapped(
        &mut out,
        &format!("Maintenance windows: {}", or_none(&windows.join(", "))),
    );
    let blackouts: Vec<String> = week.blackouts.iter().map(days_text).collect();
    push_wrapped(
        &mut out,
        &format!("Blackouts: {}", or_none(&blackouts.join("; "))),
    );
    out.push(String::new());

    out.push("Scheduled releases:".into());
    if week.releases.is_empty() {
        out.push("  None this week".into());
    }
    for r in &week.releases {
        let version = r
            .version
            .as_ref()
            .map(|v| format!(" v{v}"))
            .unwrap_or_default();
        // A release that began before the week says on which day.
        let start = if r.start.date() < week.monday {
            r.time("%a %d %b %H:%M")
        } else {
            r.time("%a %H:%M")
        };
        push_item(
            &mut out,
            &format!("{}: {}{} ({start}, {})", r.id, r.title, version, r.service),
        );
    }
    out.push(String::new());

    out.push("Blocked windows:".into());
    let infra: Vec<String> = week
        .infrastructure
        .iter()
        .map(|m| {
            let end = if m.end.date() == m.start.date() {
                m.end.format("%H:%M").to_string()
            } else {
                m.end.format("%a %d %b %H:%M").to_string()
            };
            let services = if m.services.is_empty() {
                String::new()
            } else {
                format!(" on {}", m.services.join(", "))
            };
            format!(
                "{} {}-{}{services}",
                m.name,
                m.start.format("%a %d %b %H:%M"),
                end
            )
        })
        .collect();
    push_item(
        &mut out,
        &format!(
            "Infrastructure maintenance: {}",
            or_none_week(&infra.join("; "))
        ),
    );
    let org: Vec<String> = week.organisational.iter().map(days_text).collect();
    push_item(
        &mut out,
        &format!("Organisational events: {}", or_none_week(&org.join("; "))),
    );
    if !week.absences.is_empty() {
        let away: Vec<String> = week.absences.iter().map(days_text).collect();
        push_item(&mut out, &format!("Unavailable: {}", away.join("; ")));
    }
    out.push(String::new());

    let holidays: Vec<String> = week
        .holidays
        .iter()
        .map(|d| d.format("%a %d %b").to_string())
        .collect();
    push_wrapped(
        &mut out,
        &format!("Holidays: {}", or_none_week(&holidays.join(", "))),
    );
    out.push(String::new());

    if week.conflicts.is_empty() {
        out.push("Conflicts: None this week".into());
    } else {
        out.push("Conflicts:".into());
        for c in &week.conflicts {
            push_item(
                &mut out,
                &format!("{} vs {}: {} wins", c.release, c.with, c.winner),
            );
            for l in wrap(&c.reason, WIDTH - 4) {
                out.push(format!("    {l}"));
            }
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// What a day's cell holds: for each release starting that day its start
/// time and id (the id broken at dashes when `split_ids`), then markers
/// for blackout, no-deploy and holiday days.
fn cell(week: &Week, day: NaiveDate, split_ids: bool) -> Vec<String> {
    let mut lines = vec![];
    let mut releases: Vec<&Release> = week
        .releases
        .iter()
        .filter(|r| r.start.date() == day)
        .collect();
    releases.sort_by_key(|r| (r.start, r.id.clone()));
    for r in releases {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(r.time("%H:%M"));
        if split_ids {
            lines.extend(wrap_id(&r.id));
        } else {
            lines.push(r.id.clone());
        }
    }
    let mut marks = vec![];
    let on = |d: &Days| d.first <= day && day <= d.last;
    if week.blackouts.iter().any(on) {
        marks.push("blackout");
    }
    if week.no_deploy.iter().any(on) {
        marks.push("blocked");
    }
    if week.holidays.contains(&day) {
        marks.push("holiday");
    }
    if !marks.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(marks.iter().map(|m| m.to_string()));
    }
    lines
}

/// Column widths and the padding either side of a cell's text so that
/// every line of every cell fits whole within WIDTH: each column as wide as
/// its longest line (at least the `10 Mar` of its heading), the narrow ones
/// then widened together towards CELL while the grid still fits. The
/// padding drops to none before giving up; `None` when even that is too
/// wide.
fn layout(cells: &[Vec<String>]) -> Option<(Vec<usize>, usize, Vec<Vec<String>>)> {
    let need: Vec<usize> = cells
        .iter()
        .map(|c| {
            c.iter()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0)
                .max(6)
        })
        .collect();
    for pad in [1, 0] {
        let total = |w: &[usize]| 1 + w.iter().map(|x| x + 2 * pad + 1).sum::<usize>();
        let mut w = need.clone();
        if total(&w) > WIDTH {
            continue;
        }
        loop {
            let narrow: Vec<usize> = (0..w.len()).filter(|&i| w[i] < CELL).collect();
            if narrow.is_empty() || total(&w) + narrow.len() > WIDTH {
                break;
            }
            for i in narrow {
                w[i] += 1;
            }
        }
        return Some((w, pad, cells.to_vec()));
    }
    None
}

/// An id broken before dashes so that each piece fits a cell.
fn wrap_id(id: &str) -> Vec<String> {
    let mut lines = vec![];
    let mut cur = String::new();
    let mut pieces: Vec<&str> = vec![];
    let mut from = 0;
    for (i, _) in id.match_indices('-').filter(|(i, _)| *i > 0) {
        pieces.push(&id[from..i]);
        from = i;
    }
    pieces.push(&id[from..]);
    for piece in pieces {
        if !cur.is_empty() && cur.chars().count() + piece.chars().count() > CELL {
            lines.push(std::mem::take(&mut cur));
        }
        cur.push_str(piece);
        while cur.chars().count() > CELL {
            let head: String = cur.chars().take(CELL).collect();
            let rest: String = cur.chars().skip(CELL).collect();
            lines.push(head);
            cur = rest;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `10 March 2025`.
fn long_date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), d.format("%B"), d.year())
}

fn days_text(d: &Days) -> String {
    let span = if d.first == d.last {
        d.first.format("%a %d %b").to_string()
    } else {
        format!(
            "{}-{}",
            d.first.format("%a %d %b"),
            d.last.format("%a %d %b")
        )
    };
    if d.detail.is_empty() {
        format!("{} {span}", d.name)
    } else {
        format!("{} {span} ({})", d.name, d.detail)
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s.into()
    }
}

fn or_none_week(s: &str) -> String {
    if s.is_empty() {
        "None this week".into()
    } else {
        s.into()
    }
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// A line wrapped at 80 columns, continuation lines indented by 4.
fn push_wrapped(out: &mut Vec<String>, text: &str) {
    let mut lines = wrap(text, WIDTH).into_iter();
    if let Some(first) = lines.next() {
        out.push(first);
    }
    let rest: Vec<String> = lines.collect();
    if !rest.is_empty() {
        for l in wrap(&rest.join(" "), WIDTH - 4) {
            out.push(format!("    {l}"));
        }
    }
}

/// `  - text`, wrapped with continuation lines indented by 4.
fn push_item(out: &mut Vec<String>, text: &str) {
    let mut lines = wrap(text, WIDTH - 4).into_iter();
    if let Some(first) = lines.next() {
        out.push(format!("  - {first}"));
    }
    for l in lines {
        out.push(format!("    {l}"));
    }
}

/// Greedy word wrap; a word longer than `width` is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![];
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            lines.push(word.chars().take(width).collect());
            word = word.chars().skip(width).collect();
        }
        let need = if cur.is_empty() { 0 } else { 1 } + word.chars().count();
        if cur.chars().count() + need > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn figure_4() -> Week {
        Week {
            monday: day("2025-03-10"),
            service: None,
            releases: vec![
                Release {
                    id: "REL-2025-03-015".into(),
                    title: "Finance system".into(),
                    service: "finance".into(),
                    version: Some("2.4.0".into()),
                    start: at("2025-03-15 20:00"),
                    offset: None,
                },
                Release {
                    id: "REL-2025-03-016".into(),
                    title: "HR portal patch".into(),
                    service: "hr-portal".into(),
                    version: None,
                    start: at("2025-03-16 19:00"),
                    offset: None,
                },
            ],
            windows: vec![
                (at("2025-03-15 18:00"), at("2025-03-16 06:00")),
                (at("2025-03-16 18:00"), at("2025-03-17 06:00")),
            ],
            organisational: vec![Days {
                name: "board-meeting".into(),
                first: day("2025-03-13"),
                last: day("2025-03-14"),
                detail: "no deploy".into(),
            }],
            no_deploy: vec![Days {
                name: "board-meeting".into(),
                first: day("2025-03-13"),
                last: day("2025-03-14"),
                detail: String::new(),
            }],
            ..Week::default()
        }
    }

    #[test]
    fn figure_4_week() {
        let out = render(&figure_4());
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
        insta::assert_snapshot!(out, @r#"
        Week of 10 March 2025

        +--------+--------+--------+--------+--------+---------------+---------------+
        |  Mon   |  Tue   |  Wed   |  Thu   |  Fri   |      Sat      |      Sun      |
        | 10 Mar | 11 Mar | 12 Mar | 13 Mar | 14 Mar |    15 Mar     |    16 Mar     |
        +--------+--------+--------+--------+--------+---------------+---------------+
        |        |        |        |blocked |blocked |     20:00     |     19:00     |
        |        |        |        |        |        |REL-2025-03-015|REL-2025-03-016|
        |        |        |        |        |        |               |               |
        |        |        |        |        |        |               |               |
        +--------+--------+--------+--------+--------+---------------+---------------+

        Maintenance windows: Sat 18:00-06:00, Sun 18:00-06:00
        Blackouts: none

        Scheduled releases:
          - REL-2025-03-015: Finance system v2.4.0 (Sat 20:00, finance)
          - REL-2025-03-016: HR portal patch (Sun 19:00, hr-portal)

        Blocked windows:
          - Infrastructure maintenance: None this week
          - Organisational events: board-meeting Thu 13 Mar-Fri 14 Mar (no deploy)

        Holidays: None this week

        Conflicts: None this week
        "#);
    }

    #[test]
    fn long_text_wraps_inside_80_columns() {
        let mut w = figure_4();
        w.releases[0].title = "A very long release title ".repeat(8);
        w.conflicts.push(Clash {
            release: "REL-2025-03-016".into(),
            with: "REL-2025-03-015".into(),
            winner: "REL-2025-03-015".into(),
            reason: "overlaps ".repeat(30),
        });
        w.blackouts = (0..6)
            .map(|i| Days {
                name: format!("blackout-number-{i}"),
                first: day("2025-03-10"),
                last: day("2025-03-12"),
                detail: String::new(),
            })
            .collect();
        let out = render(&w);
        for l in out.lines() {
            assert!(l.chars().count() <= WIDTH, "{l:?} is too wide");
        }
        assert!(out.contains("REL-2025-03-016 vs REL-2025-03-015: REL-2025-03-015 wins"));
    }

    /// The grid's lines (between the heading and the first blank line
    /// after it).
    fn grid(out: &str) -> Vec<&str> {
        out.lines().skip(2).take_while(|l| !l.is_empty()).collect()
    }

    #[test]
    fn one_release_day_keeps_the_padding_and_the_id_whole() {
        let mut w = figure_4();
        w.releases.truncate(1);
        w.no_deploy.clear();
        let out = render(&w);
        let g = grid(&out);
        assert!(g.iter().all(|l| l.chars().count() <= WIDTH), "{out}");
        assert_eq!(
            g[0],
            "+---------+---------+---------+---------+---------+-----------------+---------+"
        );
        assert_eq!(
            g[4],
            "|         |         |         |         |         |      20:00      |         |"
        );
        assert_eq!(
            g[5],
            "|         |         |         |         |         | REL-2025-03-015 |         |"
        );
    }

    #[test]
    fn two_releases_on_a_day_and_a_dense_week() {
        let mut w = figure_4();
        w.releases.push(Release {
            id: "REL-2025-03-017".into(),
            title: "Ledger".into(),
            service: "ledger".into(),
            version: None,
            start: at("2025-03-15 18:00"),
            offset: None,
        });
        let out = render(&w);
        let g = grid(&out);
        assert!(g.iter().all(|l| l.chars().count() <= WIDTH), "{out}");
        // In start order, each with its time, the ids whole.
        let sat: Vec<String> = g[4..]
            .iter()
            .map(|l| l.split('|').nth(6).unwrap_or("").trim().to_string())
            .collect();
        assert_eq!(
            sat[..5],
            ["18:00", "REL-2025-03-017", "", "20:00", "REL-2025-03-015"]
        );
        // Releases on four days cannot all be whole in 80 columns: the ids
        // break at dashes and the grid still fits.
        for (i, day) in ["2025-03-10", "2025-03-11", "2025-03-12"]
            .iter()
            .enumerate()
        {
            w.releases.push(Release {
                id: format!("REL-2025-03-02{i}"),
                title: "More".into(),
                service: "hr".into(),
                version: None,
                start: at(&format!("{day} 10:00")),
                offset: None,
            });
        }
        let out = render(&w);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
        assert!(out.contains("| REL-2025 |"), "{out}");
        assert!(out.contains("| -03-020  |"), "{out}");
    }

    #[test]
    fn ids_wrap_at_dashes() {
        assert_eq!(wrap_id("REL-2025-03-015"), vec!["REL-2025", "-03-015"]);
        assert_eq!(wrap_id("ABCDEFGHIJKL"), vec!["ABCDEFGH", "IJKL"]);
    }
}
