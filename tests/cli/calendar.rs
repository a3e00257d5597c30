//! calendar tests: `rel calendar` views and the calendar rules of `rel plan`.
use crate::support::*;
use std::cell::Cell;

thread_local! {
    static NEXT_CHANGE: Cell<u32> = const { Cell::new(1) };
}

/// A fresh approved, ready change aligned with `target`'s date.
fn change_for(repo: &Repo, service: &str, target: &str) -> String {
    let n = NEXT_CHANGE.with(|c| {
        let n = c.get();
        c.set(n + 1);
        n
    });
    let id = format!("CHG-2025-{n:04}");
    repo.change(&id, service, &target[..10]);
    id
}

/// The arguments of `rel plan` with a fresh change.
fn plan_args(repo: &Repo, service: &str, kind: &str, target: &str) -> Vec<String> {
    let change = change_for(repo, service, target);
    let mut args: Vec<String> = [
        "plan",
        "--service",
        service,
        "--type",
        kind,
        "--target",
        target,
        "--change",
        &change,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // An emergency names its incident and says why (SPEC 3.4).
    if kind == "emergency" {
        for a in ["--incident", "INC-42", "--rationale", "Production incident"] {
            args.push(a.to_string());
        }
    }
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Plans and returns the new id.
fn book(repo: &Repo, service: &str, kind: &str, target: &str, extra: &[&str]) -> String {
    let mut args = plan_args(repo, service, kind, target);
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = repo.rel(&strs(&args)).ok();
    run.stdout.lines().next().unwrap().trim().to_string()
}

/// Expects `rel plan` to be refused with `code`; nothing written.
fn refuse(repo: &Repo, code: i32, service: &str, kind: &str, target: &str) -> Run {
    let args = plan_args(repo, service, kind, target);
    repo.refused(code, &strs(&args))
}

/// The `--target "..."` a refusal proposes.
fn proposed(run: &Run) -> String {
    let text = format!("{}{}", run.stdout, run.stderr);
    let at = text
        .find("--target \"")
        .unwrap_or_else(|| panic!("no proposal in:\n{text}"));
    let rest = &text[at + 10..];
    rest[..rest.find('"').unwrap()].to_string()
}

const BOARD_MEETING: &str = "events:\n  - name: board-meeting\n    kind: organisational\n    from: 2025-03-13\n    to: 2025-03-14\n    no_deploy: true\n";

fn figure_4_repo() -> (Repo, String, String) {
    let repo = Repo::new();
    repo.commit_file("calendars/events.yaml", BOARD_MEETING);
    let fin = book(
        &repo,
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["--title", "Finance system", "--version", "2.4.0"],
    );
    let hr = book(
        &repo,
        "hr-portal",
        "patch",
        "2025-03-16 19:00",
        &["--title", "HR portal patch"],
    );
    (repo, fin, hr)
}

#[test]
fn week_grid_of_figure_4() {
    let (mut repo, fin, hr) = figure_4_repo();
    assert_eq!(fin, "REL-2025-03-001");
    assert_eq!(hr, "REL-2025-03-002");
    // The default range is the current week, Monday to Sunday.
    repo.at("2025-03-12T10:00:00+00:00");
    let out = repo.rel(&["calendar"]).ok().stdout;
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    insta::assert_snapshot!(out, @r#"
    Week of 10 March 2025

    +--------+--------+--------+--------+--------+---------------+---------------+
    |  Mon   |  Tue   |  Wed   |  Thu   |  Fri   |      Sat      |      Sun      |
    | 10 Mar | 11 Mar | 12 Mar | 13 Mar | 14 Mar |    15 Mar     |    16 Mar     |
    +--------+--------+--------+--------+--------+---------------+---------------+
    |        |        |        |blocked |blocked |     20:00     |     19:00     |
    |        |        |        |        |        |REL-2025-03-001|REL-2025-03-002|
    |        |        |        |        |        |               |               |
    |        |        |        |        |        |               |               |
    +--------+--------+--------+--------+--------+---------------+---------------+

    Maintenance windows: Sat 18:00-06:00, Sun 18:00-06:00
    Blackouts: none

    Scheduled releases:
      - REL-2025-03-001: Finance system v2.4.0 (Sat 20:00, finance)
      - REL-2025-03-002: HR portal patch (Sun 19:00, hr-portal)

    Blocked windows:
      - Infrastructure maintenance: None this week
      - Organisational events: board-meeting Thu 13 Mar-Fri 14 Mar (no deploy)

    Holidays: None this week

    Conflicts: None this week
    "#);
    // The same week asked for explicitly; --service narrows it.
    assert_eq!(
        repo.rel(&["calendar", "--from", "2025-03-10", "--to", "2025-03-16"])
            .ok()
            .stdout,
        out
    );
    let only_hr = repo
        .rel(&["calendar", "--from", "2025-03-10", "--service", "hr-portal"])
        .ok()
        .stdout;
    assert!(only_hr.contains("Week of 10 March 2025 (hr-portal)"));
    assert!(
        only_hr.contains(&hr) && !only_hr.contains(&fin),
        "{only_hr}"
    );
}

#[test]
fn longer_range_prints_one_grid_per_week_and_month_end_blackout() {
    let repo = Repo::new();
    let out = repo
        .rel(&["calendar", "--from", "2025-02-24", "--to", "2025-03-09"])
        .ok()
        .stdout;
    assert_eq!(out.matches("Week of ").count(), 2, "{out}");
    assert!(out.contains("Week of 24 February 2025"));
    assert!(out.contains("Week of 3 March 2025"));
    assert!(
        out.contains("Blackouts: month-end Fri 28 Feb-Sun 02 Mar"),
        "{out}"
    );
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
}

#[test]
fn bad_ranges_and_services_are_usage_errors() {
    let repo = Repo::new();
    repo.refused(
        2,
        &["calendar", "--from", "2025-03-10", "--to", "2025-03-09"],
    )
    .stderr_has("--to")
    .stderr_has("--from");
    repo.refused(2, &["calendar", "--service", "payroll"])
        .stderr_has("payroll")
        .stderr_has("finance, hr-portal");
    repo.refused(2, &["calendar", "--from", "10/03/2025"])
        .stderr_has("--from");
}

#[test]
fn list_shows_every_kind_of_entry() {
    let (repo, fin, _) = figure_4_repo();
    let out = repo
        .rel(&["calendar", "--from", "2025-03-10", "--list"])
        .ok()
        .stdout;
    for needle in [
        &fin as &str,
        "release",
        "maintenance",
        "saturday-evening",
        "board-meeting",
        "no deploy",
    ] {
        assert!(out.contains(needle), "list lacks {needle}:\n{out}");
    }
}

#[test]
fn json_lists_entries_and_each_conflict_once_with_its_winner() {
    let mut repo = Repo::new();
    let ledger = book(&repo, "ledger", "minor", "2025-03-15 20:00", &[]);
    // finance depends on ledger: a scheduled finance release overlapping is
    // refused, an emergency one wins and is booked.
    // Emergencies are planned at most 72 h ahead.
    repo.at("2025-03-13T09:00:00+00:00");
    let fin = book(&repo, "finance", "emergency", "2025-03-15 21:00", &[]);
    let run = repo
        .rel(&["--json", "calendar", "--from", "2025-03-10"])
        .ok();
    let v = run.json();
    let entries = v["entries"].as_array().unwrap();
    let releases: Vec<&serde_json::Value> =
        entries.iter().filter(|e| e["kind"] == "release").collect();
    assert_eq!(releases.len(), 2);
    assert_eq!(releases[0]["id"], ledger.as_str());
    assert_eq!(releases[0]["service"], "ledger");
    assert_eq!(releases[0]["start"], "2025-03-15T20:00:00Z");
    assert_eq!(releases[0]["end"], "2025-03-15T22:00:00Z");
    assert_eq!(releases[1]["id"], fin.as_str());
    assert!(entries.iter().any(|e| e["kind"] == "maintenance"));
    let conflicts = v["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0]["winner"], fin.as_str());
    let pair = [
        conflicts[0]["release"].as_str().unwrap(),
        conflicts[0]["with"]["id"].as_str().unwrap(),
    ];
    assert!(pair.contains(&ledger.as_str()) && pair.contains(&fin.as_str()));
    // The grid shows the conflict and its winner.
    let grid = repo.rel(&["calendar", "--from", "2025-03-10"]).ok().stdout;
    assert!(grid.contains(&format!("{fin} wins")), "{grid}");
    // A service filter keeps that service's releases only.
    let v = repo
        .rel(&[
            "--json",
            "calendar",
            "--from",
            "2025-03-10",
            "--service",
            "ledger",
        ])
        .ok()
        .json();
    let ids: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "release")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![ledger.as_str()]);
}

#[test]
fn cancelled_releases_are_not_shown() {
    let repo = Repo::new();
    let id = book(&repo, "finance", "minor", "2025-03-15 20:00", &[]);
    repo.rel(&["cancel", &id, "--reason", "not needed"]).ok();
    let out = repo.rel(&["calendar", "--from", "2025-03-10"]).ok().stdout;
    assert!(!out.contains(&id), "{out}");
}

/// What UIDs end in after `@`: the repository's root commit.
pub fn ics_domain(repo: &Repo) -> String {
    let root = repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    format!("{}.rel", &root.trim()[..12])
}

#[test]
fn ics_is_read_back_by_an_independent_parser_with_stable_uids() {
    let (repo, fin, hr) = figure_4_repo();
    let domain = ics_domain(&repo);
    let run = repo
        .rel(&[
            "calendar",
            "--from",
            "2025-02-24",
            "--to",
            "2025-03-16",
            "--ics",
            "cal.ics",
        ])
        .ok();
    assert!(run.stdout.starts_with("wrote "), "{}", run.stdout);
    assert!(run.stdout.contains("events to "), "{}", run.stdout);
    let text = std::fs::read_to_string(repo.path().join("cal.ics")).unwrap();
    assert!(text.contains("\r\n"));
    for physical in text.split("\r\n") {
        assert!(physical.len() <= 75, "{physical:?}");
    }
    let uids = |text: &str| -> Vec<String> {
        let unfolded = icalendar::parser::unfold(text);
        let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
        cal.components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .map(|c| c.find_prop("UID").unwrap().val.to_string())
            .collect()
    };
    let unfolded = icalendar::parser::unfold(&text);
    let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
    let event = cal
        .components
        .iter()
        .find(|c| {
            c.name == "VEVENT"
                && c.find_prop("UID").unwrap().val.as_str() == format!("{fin}@{domain}")
        })
        .expect("the finance release event");
    assert_eq!(
        event.find_prop("DTSTART").unwrap().val.as_str(),
        "20250315T200000Z"
    );
    assert_eq!(
        event.find_prop("DTEND").unwrap().val.as_str(),
        "20250315T220000Z"
    );
    assert_eq!(event.find_prop("SEQUENCE").unwrap().val.as_str(), "0");
    assert_eq!(
        event.find_prop("SUMMARY").unwrap().val.as_str(),
        format!("{fin}: Finance system")
    );
    let first = uids(&text);
    for uid in [
        format!("{fin}@{domain}"),
        format!("{hr}@{domain}"),
        format!("window-saturday-evening-sat@{domain}"),
        format!("window-sunday-evening-sun@{domain}"),
        format!("blackout-month-end-2025-02-28@{domain}"),
    ] {
        assert!(first.contains(&uid), "{uid} missing from {first:?}");
    }
    let window = cal
        .components
        .iter()
        .find(|c| {
            c.name == "VEVENT"
                && c.find_prop("UID").unwrap().val.as_str()
                    == format!("window-saturday-evening-sat@{domain}")
        })
        .unwrap();
    assert!(window.find_prop("DURATION").is_none());
    assert_eq!(
        window.find_prop("DTEND").unwrap().val.as_str(),
        "20250302T060000"
    );
    assert_eq!(
        window.find_prop("RRULE").unwrap().val.as_str(),
        "FREQ=WEEKLY;BYDAY=SA;UNTIL=20250315T180000Z"
    );
    let dtstart = window.find_prop("DTSTART").unwrap();
    assert_eq!(dtstart.val.as_str(), "20250301T180000");
    assert!(text.contains("DTSTART;TZID=Europe/London:20250301T180000\r\n"));
    assert!(text.contains(&format!("UID:blackout-month-end-2025-02-28@{domain}\r\n")));
    assert!(text.contains("DTSTART;VALUE=DATE:20250228\r\nDTEND;VALUE=DATE:20250303\r\n"));
    // A second run writes the same UIDs (nothing random, nothing from the
    // clock).
    let mut repo = repo;
    repo.at("2025-03-05T12:00:00+00:00");
    repo.rel(&[
        "calendar",
        "--from",
        "2025-02-24",
        "--to",
        "2025-03-16",
        "--ics",
        "cal.ics",
    ])
    .ok();
    let again = std::fs::read_to_string(repo.path().join("cal.ics")).unwrap();
    assert_eq!(uids(&again), first);
}

// The calendar rules of `rel plan`, through the binary.

#[test]
fn window_may_end_exactly_at_the_maintenance_window_end() {
    let repo = Repo::new();
    book(&repo, "finance", "minor", "2025-03-16 04:00", &[]);
    let args = {
        let mut a = plan_args(&repo, "hr-portal", "minor", "2025-03-16 04:00");
        a.extend(["--duration".to_string(), "2h1m".to_string()]);
        a
    };
    let run = repo
        .refused(1, &strs(&args))
        .stderr_has("maintenance window");
    let next = proposed(&run);
    // The proposal is accepted when booked.
    let mut args = plan_args(&repo, "hr-portal", "minor", &next);
    args.extend(["--duration".to_string(), "2h1m".to_string()]);
    repo.rel(&strs(&args)).ok();
}

#[test]
fn after_midnight_inside_saturdays_window_is_accepted() {
    let repo = Repo::new();
    book(&repo, "finance", "minor", "2025-03-16 01:00", &[]);
}

#[test]
fn month_end_blackout() {
    // Commands run in time order: rel refuses a clock earlier than the
    // last commit.
    let mut repo = Repo::bare();
    repo.at("2025-01-10T09:00:00+00:00")
        .rel(&["init", "."])
        .ok();
    repo.at("2025-01-20T09:00:00+00:00");
    refuse(&repo, 1, "finance", "minor", "2025-02-01 20:00").stderr_has("month-end");
    repo.at("2025-03-01T09:00:00+00:00");
    refuse(&repo, 1, "finance", "minor", "2025-03-29 20:00").stderr_has("month-end");
    refuse(&repo, 1, "finance", "minor", "2025-03-01 20:00").stderr_has("month-end");
    refuse(&repo, 1, "finance", "minor", "2025-03-02 20:00").stderr_has("month-end");
    book(&repo, "finance", "minor", "2025-03-08 20:00", &[]);
}

#[test]
fn year_end_freeze() {
    let repo = Repo::new();
    refuse(&repo, 1, "finance", "minor", "2025-12-27 20:00").stderr_has("year-end-freeze");
    refuse(&repo, 1, "finance", "minor", "2026-01-04 20:00").stderr_has("year-end-freeze");
    book(&repo, "finance", "minor", "2026-01-10 20:00", &[]);
}

#[test]
fn dst_gap_and_overlap_are_refused_saying_so() {
    let repo = Repo::new();
    refuse(&repo, 2, "finance", "minor", "2025-03-30 01:30").stderr_has("does not exist");
    refuse(&repo, 2, "finance", "minor", "2025-10-26 01:30").stderr_has("ambiguous");
}

#[test]
fn emergency_release_inside_a_blackout_is_accepted() {
    let mut repo = Repo::new();
    repo.at("2025-03-28T09:00:00+00:00");
    book(&repo, "finance", "emergency", "2025-03-29 20:00", &[]);
}

#[test]
fn conflict_through_a_dependency_names_the_other_release() {
    let mut repo = Repo::new();
    let ledger = book(&repo, "ledger", "minor", "2025-03-15 20:00", &[]);
    repo.at("2025-03-02T09:00:00+00:00");
    let run = refuse(&repo, 1, "finance", "minor", "2025-03-15 21:00").stderr_has(&ledger);
    // An unrelated service may overlap.
    book(&repo, "hr-portal", "minor", "2025-03-15 21:00", &[]);
    // The proposed next start is free.
    let next = proposed(&run);
    let id = book(&repo, "finance", "minor", &next, &[]);
    assert!(id.starts_with("REL-2025-03-"), "{id}");
}

#[test]
fn plan_next_books_the_next_free_slot() {
    let mut repo = Repo::new();
    book(&repo, "finance", "minor", "2025-03-15 20:00", &[]);
    repo.at("2025-03-02T09:00:00+00:00");
    let mut args = plan_args(&repo, "finance", "minor", "2025-03-15 20:00");
    args.push("--next".into());
    let run = repo.rel(&strs(&args)).ok();
    let id = run.stdout.lines().next().unwrap().trim().to_string();
    let v = repo.rel(&["--json", "show", &id]).ok().json();
    let start = v["window"]["start"].as_str().unwrap();
    assert_ne!(start, "2025-03-15T20:00:00Z");
    assert!(start >= "2025-03-15T22:00:00", "{start}");
}

/// `rel plan` arguments with `--duration`.
fn plan_args_for(repo: &Repo, service: &str, kind: &str, target: &str, dur: &str) -> Vec<String> {
    let mut args = plan_args(repo, service, kind, target);
    args.extend(["--duration".to_string(), dur.to_string()]);
    args
}

#[test]
fn proposal_sees_releases_filed_under_a_later_month() {
    let mut repo = Repo::new();
    repo.at("2025-07-01T09:00:00+00:00");
    let taken = book(
        &repo,
        "hr-portal",
        "minor",
        "2025-09-06 18:00",
        &["--duration", "1h"],
    );
    assert_eq!(taken, "REL-2025-09-001");
    // Sat 30 Aug is in the month-end blackout; Sat 6 Sep 18:00 is taken
    // (by a release filed under September, booked at the same time).
    let args = plan_args_for(&repo, "hr-portal", "minor", "2025-08-30 20:00", "1h");
    let run = repo.refused(1, &strs(&args)).stderr_has("month-end");
    assert_eq!(proposed(&run), "2025-09-06 19:00");
    // The proposal is accepted as proposed.
    let id = book(
        &repo,
        "hr-portal",
        "minor",
        "2025-09-06 19:00",
        &["--duration", "1h"],
    );
    assert_eq!(id, "REL-2025-09-002");
}

#[test]
fn proposal_sees_releases_of_the_next_year() {
    let mut repo = Repo::new();
    repo.at("2025-11-01T09:00:00+00:00");
    let taken = book(
        &repo,
        "hr-portal",
        "minor",
        "2026-01-10 18:00",
        &["--duration", "1h"],
    );
    assert_eq!(taken, "REL-2026-01-001");
    // Sat 27 Dec is in the year-end freeze (to 5 January). The change
    // targets Sat 3 Jan, a week from both the target and the slot.
    repo.change("CHG-2025-0900", "hr-portal", "2026-01-03");
    let mut args: Vec<String> = [
        "plan",
        "--service",
        "hr-portal",
        "--type",
        "minor",
        "--target",
        "2025-12-27 20:00",
        "--duration",
        "1h",
        "--change",
        "CHG-2025-0900",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = repo.refused(1, &strs(&args)).stderr_has("year-end-freeze");
    assert_eq!(proposed(&run), "2026-01-10 19:00");
    // --next books exactly that slot.
    args.push("--next".into());
    let run = repo.rel(&strs(&args)).ok();
    let id = run.stdout.lines().next().unwrap().trim().to_string();
    assert_eq!(id, "REL-2026-01-002");
    let v = repo.rel(&["--json", "show", &id]).ok().json();
    assert_eq!(v["window"]["start"], "2026-01-10T19:00:00Z");
}

#[test]
fn on_a_tie_the_existing_booking_keeps_its_slot() {
    let mut repo = Repo::new();
    repo.at("2025-08-30T09:00:00+00:00");
    // Two emergencies (no windows, no blackouts) of the same impact booked
    // at the same instant. The new one's id (August) is smaller than the
    // existing one's (September); it must not push the existing one out.
    let existing = book(
        &repo,
        "finance",
        "emergency",
        "2025-09-01 00:00",
        &["--duration", "2h"],
    );
    assert_eq!(existing, "REL-2025-09-001");
    let args = plan_args_for(&repo, "finance", "emergency", "2025-08-31 23:00", "2h");
    let run = repo
        .refused(1, &strs(&args))
        .stderr_has("REL-2025-09-001 wins")
        .stderr_has("REL-2025-09-001 is already booked, so it keeps its slot");
    assert_eq!(proposed(&run), "2025-09-01 02:00");
    // Both on the calendar (a tie made by hand), the calendar breaks the
    // tie by the smaller id and says so.
    let yaml = repo
        .read("releases/2025/09/REL-2025-09-001.yaml")
        .replace("id: REL-2025-09-001", "id: REL-2025-08-001")
        .replace("2025-09-01T00:00:00+01:00", "2025-08-31T23:00:00+01:00");
    repo.commit_file("releases/2025/08/REL-2025-08-001.yaml", &yaml);
    let v = repo
        .rel(&[
            "--json",
            "calendar",
            "--from",
            "2025-08-31",
            "--to",
            "2025-09-01",
        ])
        .ok()
        .json();
    let conflicts = v["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0]["winner"], "REL-2025-08-001");
    let reason = conflicts[0]["reason"].as_str().unwrap();
    assert!(
        reason.ends_with("so the smaller id wins (REL-2025-08-001 over REL-2025-09-001)"),
        "{reason}"
    );
}

#[test]
fn proposal_in_the_repeated_hour_carries_its_offset_and_is_accepted() {
    let repo = Repo::new();
    // Sat 25 Oct 18:00 BST for 7h30m ends at the first 01:30 of Sun 26 Oct
    // (clocks go back at 02:00 BST to 01:00 GMT).
    book(
        &repo,
        "hr-portal",
        "minor",
        "2025-10-25 18:00",
        &["--duration", "7h30m"],
    );
    let args = plan_args_for(&repo, "hr-portal", "minor", "2025-10-25 20:00", "1h");
    let run = repo
        .refused(1, &strs(&args))
        .stderr_has("next start at which it could be booked: Sun 26 Oct 2025 01:30 +01:00");
    let next = proposed(&run);
    assert_eq!(next, "2025-10-26T01:30:00+01:00");
    // Copied as proposed, it is accepted.
    let id = book(&repo, "hr-portal", "minor", &next, &["--duration", "1h"]);
    let v = repo.rel(&["--json", "show", &id]).ok().json();
    assert_eq!(v["window"]["start"], "2025-10-26T01:30:00+01:00");
    // The list tells the two 01:30s apart.
    let out = repo
        .rel(&[
            "calendar",
            "--list",
            "--from",
            "2025-10-26",
            "--to",
            "2025-10-26",
        ])
        .ok()
        .stdout;
    assert!(out.contains("Sun 26 Oct 01:30 +01:00 "), "{out}");
    assert!(out.contains("to 01:30 +00:00 "), "{out}");
    // So does the week grid.
    let grid = repo.rel(&["calendar", "--from", "2025-10-20"]).ok().stdout;
    assert!(
        grid.contains(&format!(
            "{id}: hr-portal minor release (Sun 01:30 +01:00, hr-portal)"
        )),
        "{grid}"
    );
    assert!(grid.contains("| 01:30 +01:00  |"), "{grid}");
    assert!(grid.lines().all(|l| l.chars().count() <= 80), "{grid}");
}

#[test]
fn maintenance_window_refusal_shows_the_real_end_across_a_dst_change() {
    let repo = Repo::new();
    // Autumn: 23:00 BST + 9 h is 07:00 GMT (not 08:00).
    let args = plan_args_for(&repo, "hr-portal", "minor", "2025-10-25 23:00", "9h");
    repo.refused(1, &strs(&args)).stderr_has(
        "window Sat 25 Oct 2025 23:00 BST to Sun 26 Oct 07:00 GMT is not inside any maintenance window",
    );
    // Spring: 23:00 GMT + 7 h is 07:00 BST (not 06:00, which would fit).
    let args = plan_args_for(&repo, "hr-portal", "minor", "2025-03-29 23:00", "7h");
    repo.refused(1, &strs(&args)).stderr_has(
        "window Sat 29 Mar 2025 23:00 GMT to Sun 30 Mar 07:00 BST is not inside any maintenance window",
    );
}

#[test]
fn a_name_used_twice_is_refused_naming_both_places() {
    let repo = Repo::new();
    // calendars/standard.yaml already has a sunday-evening window.
    let standard = repo.read("calendars/standard.yaml");
    let line = standard
        .lines()
        .position(|l| l.contains("name: sunday-evening"))
        .unwrap()
        + 1;
    repo.commit_file(
        "calendars/extra.yaml",
        "maintenance_windows:\n  - name: sunday-evening\n    days: [sun]\n    start: \"08:00\"\n    end: \"10:00\"\n",
    );
    for args in [
        vec!["calendar"],
        vec!["calendar", "--ics", "cal.ics"],
        vec![
            "plan",
            "--service",
            "finance",
            "--type",
            "minor",
            "--target",
            "2025-03-15 20:00",
            "--change",
            "CHG-2025-0001",
        ],
    ] {
        // extra.yaml is read first (file-name order).
        repo.refused(3, &args).stderr_has(&format!(
            "calendars/standard.yaml: line {line}: maintenance_windows: the name `sunday-evening` is already used at calendars/extra.yaml line 2"
        ));
    }
    // Twice in one file.
    repo.commit_file(
        "calendars/extra.yaml",
        "blackouts:\n  - name: audit\n    from: 2025-06-02\n    to: 2025-06-06\n  - name: audit\n    from: 2025-09-01\n    to: 2025-09-05\n",
    );
    repo.refused(3, &["calendar"]).stderr_has(
        "calendars/extra.yaml: line 5: blackouts: the name `audit` is already used at calendars/extra.yaml line 2",
    );
}

/// The instant an iCalendar DATE-TIME property means: UTC (`...Z`) or a
/// local time with a TZID, read with chrono-tz (the earlier of a repeated
/// local time, as RFC 5545 says).
fn ics_instant(prop: &icalendar::parser::Property) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let v = prop.val.as_str();
    let parse = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap();
    if let Some(utc) = v.strip_suffix('Z') {
        return parse(utc).and_utc();
    }
    let tzid = prop
        .params
        .iter()
        .find(|p| p.key == "TZID")
        .and_then(|p| p.val.as_ref())
        .unwrap_or_else(|| panic!("{} {v} has neither Z nor TZID", prop.name.as_str()));
    let tz: chrono_tz::Tz = tzid.as_str().parse().unwrap();
    tz.from_local_datetime(&parse(v))
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// Every VEVENT with `uid`, and the VTIMEZONE observance onsets
/// (`DTSTART` values, local) of `text`.
fn ics_read(text: &str, uid: &str) -> (Vec<Vec<(String, String)>>, Vec<String>) {
    let unfolded = icalendar::parser::unfold(text);
    let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
    let events = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT" && c.find_prop("UID").unwrap().val.as_str() == uid)
        .map(|c| {
            c.properties
                .iter()
                .filter(|p| {
                    ["DTSTART", "DTEND", "RECURRENCE-ID", "DURATION", "RRULE"]
                        .contains(&p.name.as_str())
                })
                .map(|p| {
                    let value = if p.name == "RRULE" || p.name == "DURATION" {
                        p.val.to_string()
                    } else {
                        ics_instant(p).to_rfc3339()
                    };
                    (p.name.to_string(), value)
                })
                .collect()
        })
        .collect();
    let onsets = cal
        .components
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .flat_map(|c| c.components.iter())
        .map(|o| o.find_prop("DTSTART").unwrap().val.to_string())
        .collect();
    (events, onsets)
}

#[test]
fn ics_windows_end_at_their_local_end_across_dst_and_the_zone_covers_them() {
    let repo = Repo::new();
    repo.rel(&[
        "calendar",
        "--from",
        "2025-10-18",
        "--to",
        "2025-11-01",
        "--ics",
        "autumn.ics",
    ])
    .ok();
    let text = repo.read("autumn.ics");
    let (events, onsets) = ics_read(
        &text,
        &format!("window-saturday-evening-sat@{}", ics_domain(&repo)),
    );
    let prop = |e: &Vec<(String, String)>, name: &str| {
        e.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    };
    // The rule: Saturdays 18:00 to 06:00 local (12 h on ordinary nights),
    // up to the range's last Saturday; no exact DURATION.
    let master = events
        .iter()
        .find(|e| prop(e, "RECURRENCE-ID").is_none())
        .unwrap();
    assert_eq!(prop(master, "DURATION"), None);
    assert_eq!(
        prop(master, "DTSTART").unwrap(),
        "2025-10-18T17:00:00+00:00"
    );
    assert_eq!(prop(master, "DTEND").unwrap(), "2025-10-19T05:00:00+00:00");
    assert_eq!(
        prop(master, "RRULE").unwrap(),
        "FREQ=WEEKLY;BYDAY=SA;UNTIL=20251101T180000Z"
    );
    // The night clocks go back, 25 October, is 13 h: 18:00 BST to 06:00 GMT.
    let nights: Vec<_> = events
        .iter()
        .filter(|e| prop(e, "RECURRENCE-ID").is_some())
        .collect();
    assert_eq!(nights.len(), 1, "{events:?}");
    assert_eq!(
        prop(nights[0], "RECURRENCE-ID").unwrap(),
        "2025-10-25T17:00:00+00:00"
    );
    assert_eq!(
        prop(nights[0], "DTSTART").unwrap(),
        "2025-10-25T17:00:00+00:00"
    );
    assert_eq!(
        prop(nights[0], "DTEND").unwrap(),
        "2025-10-26T06:00:00+00:00"
    );
    // Every local time written is covered by an observance that began
    // before it.
    let earliest = "20251018T180000".to_string();
    assert!(onsets.iter().any(|o| *o <= earliest), "{onsets:?}");

    // A range in January: the window starts before the year's first
    // change, and the zone still covers it.
    repo.rel(&[
        "calendar",
        "--from",
        "2025-01-06",
        "--to",
        "2025-01-12",
        "--ics",
        "january.ics",
    ])
    .ok();
    let (events, onsets) = ics_read(
        &repo.read("january.ics"),
        &format!("window-saturday-evening-sat@{}", ics_domain(&repo)),
    );
    assert_eq!(
        prop(&events[0], "DTSTART").unwrap(),
        "2025-01-11T18:00:00+00:00"
    );
    assert!(
        onsets.iter().any(|o| o.as_str() <= "20250111T180000"),
        "{onsets:?}"
    );
}

#[test]
fn releases_running_into_the_range_are_shown() {
    let repo = Repo::new();
    // Sat 13 Dec 22:00 to Sun 14 Dec 02:00.
    let late = book(
        &repo,
        "hr-portal",
        "minor",
        "2025-12-13 22:00",
        &["--duration", "4h", "--title", "Late"],
    );
    let list = |from: &str, to: &str| {
        repo.rel(&["calendar", "--list", "--from", from, "--to", to])
            .ok()
            .stdout
    };
    let out = list("2025-12-14", "2025-12-14");
    assert!(out.contains(&late), "{out}");
    let v = repo
        .rel(&[
            "--json",
            "calendar",
            "--from",
            "2025-12-14",
            "--to",
            "2025-12-14",
        ])
        .ok()
        .json();
    let ids: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "release")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![late.as_str()]);
    // Not once it has ended.
    let out = list("2025-12-15", "2025-12-15");
    assert!(!out.contains(&late), "{out}");
    // The week grid lists a release from Sunday night into Monday in the
    // Monday's week, with its day.
    let sunday = book(
        &repo,
        "finance",
        "minor",
        "2025-03-16 23:00",
        &["--title", "Night"],
    );
    let grid = repo.rel(&["calendar", "--from", "2025-03-17"]).ok().stdout;
    assert!(
        grid.contains(&format!("{sunday}: Night (Sun 16 Mar 23:00, finance)")),
        "{grid}"
    );
}

#[test]
fn list_keeps_ids_and_names_whole_in_80_columns() {
    let repo = Repo::new();
    let id = book(
        &repo,
        "hr-portal",
        "minor",
        "2025-03-15 20:00",
        &[
            "--title",
            "A rather long release title that explains what this release does in detail",
        ],
    );
    let out = repo
        .command(&["calendar", "--list", "--from", "2025-03-10"])
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = String::from_utf8(out.stdout).unwrap();
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}\n{out}");
    }
    for whole in [
        id.as_str(),
        "saturday-evening",
        "sunday-evening",
        "maintenance",
        "hr-portal",
    ] {
        assert!(out.contains(whole), "{whole} is split:\n{out}");
    }
    // The free text wraps instead.
    assert!(
        !out.contains("explains what this release does in detail"),
        "{out}"
    );
    assert!(out.contains("A rather"), "{out}");
}

/// The process umask (Linux), for the mode a new file gets.
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

#[test]
fn ics_file_has_ordinary_permissions_dash_is_stdout_and_a_missing_folder_is_an_error() {
    let repo = Repo::new();
    repo.rel(&["calendar", "--from", "2025-03-10", "--ics", "cal.ics"])
        .ok();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(repo.path().join("cal.ics"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o666 & !umask(), "{mode:o}");
    }
    // `-` writes the calendar to stdout and no file.
    let run = repo
        .refused(0, &["calendar", "--from", "2025-03-10", "--ics", "-"])
        .ok();
    assert!(
        run.stdout.starts_with("BEGIN:VCALENDAR\r\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("END:VCALENDAR\r\n"), "{}", run.stdout);
    assert!(!repo.path().join("-").exists());
    repo.refused(2, &["--json", "calendar", "--ics", "-"])
        .stderr_has("--ics -");
    // A folder that does not exist is not created.
    repo.refused(3, &["calendar", "--ics", "exports/cal.ics"])
        .stderr_has("exports/cal.ics")
        .stderr_has("does not exist");
}

#[test]
fn infrastructure_maintenance_blocks_services_that_depend_on_it() {
    let repo = Repo::new();
    repo.commit_file(
        "calendars/events.yaml",
        "events:\n  - name: db-patching\n    kind: infrastructure\n    from: 2025-03-22T18:00\n    to: 2025-03-22T23:00\n    services: [ledger]\n",
    );
    // finance depends on ledger (policy.yaml).
    let run = refuse(&repo, 1, "finance", "minor", "2025-03-22 20:00")
        .stderr_has("overlaps infrastructure maintenance db-patching")
        .stderr_has("on ledger, which finance depends on (finance -> ledger)");
    assert_eq!(proposed(&run), "2025-03-22 23:00");
    // hr-portal depends on nothing: not blocked.
    book(&repo, "hr-portal", "minor", "2025-03-22 20:00", &[]);
    // The calendar of finance shows the maintenance in its way.
    let out = repo
        .rel(&[
            "calendar",
            "--list",
            "--from",
            "2025-03-22",
            "--to",
            "2025-03-22",
            "--service",
            "finance",
        ])
        .ok()
        .stdout;
    assert!(out.contains("db-patching"), "{out}");
    let out = repo
        .rel(&[
            "calendar",
            "--list",
            "--from",
            "2025-03-22",
            "--to",
            "2025-03-22",
            "--service",
            "hr-portal",
        ])
        .ok()
        .stdout;
    assert!(!out.contains("db-patching"), "{out}");
}

#[test]
fn calendar_errors_name_the_field_and_point_at_its_line() {
    let repo = Repo::new();
    for (text, message) in [
        (
            "holidays: [2025-02-30]\n",
            "calendars/bad.yaml: line 1 column 12: holidays: `2025-02-30` is not a date: February 2025 has 28 days, so there is no day 30",
        ),
        (
            "maintenance_windows:\n  - name: w\n    days: [sat]\n    start: \"18:00\"\n    end: \"25:00\"\n",
            "calendars/bad.yaml: line 5 column 10: end: `25:00` is not a time",
        ),
        (
            "blackouts:\n  - name: b\n    monthly:\n      from_day: 28\n      to_day: 35\n",
            "calendars/bad.yaml: line 5 column 15: monthly.to_day: 35 is not a day of the month (1 to 31)",
        ),
    ] {
        repo.commit_file("calendars/bad.yaml", text);
        repo.refused(3, &["calendar"]).stderr_has(message);
    }
}

#[test]
fn a_window_longer_than_every_maintenance_window_says_so() {
    let repo = Repo::new();
    let args = plan_args_for(&repo, "finance", "minor", "2025-03-15 18:00", "13h30m");
    repo.refused(1, &strs(&args))
        .stderr_has("is not inside any maintenance window")
        .stderr_has("no start can be proposed: a 13h30m window is longer than the longest maintenance window (12h, 13h on the night the clocks go back, saturday-evening) open to finance");
    let mut args = args;
    args.push("--next".into());
    repo.refused(1, &strs(&args))
        .stderr_has("a 13h30m window is longer than the longest maintenance window (12h, 13h");
    // 12h30m fits only the autumn night, which is not within the search
    // from March: refused, but not as longer than every window.
    let args = plan_args_for(&repo, "finance", "minor", "2025-03-15 18:00", "12h30m");
    let run = repo.refused(1, &strs(&args));
    assert!(
        !run.stderr.contains("no start can be proposed"),
        "{}",
        run.stderr
    );
    // On the night the clocks go back, the Saturday window lasts 13 hours.
    book(
        &repo,
        "finance",
        "minor",
        "2025-10-25 18:00",
        &["--duration", "13h"],
    );
    // 12 hours fit.
    book(
        &repo,
        "finance",
        "minor",
        "2025-03-15 18:00",
        &["--duration", "12h"],
    );
}

#[test]
fn calendar_and_plan_help_say_the_range_and_the_search_limit() {
    let repo = Repo::new();
    let help = repo.rel(&["calendar", "--help"]).ok().stdout;
    for needle in [
        "Write the --from/--to range (default: this week, Monday to Sunday)",
        "`-` for stdout",
        "Only this service",
    ] {
        assert!(help.contains(needle), "{needle}:\n{help}");
    }
    let help = repo.rel(&["plan", "--help"]).ok().stdout;
    assert!(help.contains("searched up to 120 days ahead"), "{help}");
}
