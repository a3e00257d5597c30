//! rel's files and outputs read back by tools nobody here wrote: the JSON
//! Schemas by a real JSON Schema validator (as editors use them), the
//! iCalendar export by an iCalendar parser, GitHub annotations by a parser
//! that reads them as the Actions runner does, and file modes as a shared
//! checkout sees them.

use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// JSON Schemas

/// The schema `name` as `rel init` wrote it into the repository.
fn validator(root: &Path, name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root.join("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name} is not a valid JSON Schema: {e}"))
}

/// A YAML file as the JSON value a YAML language server validates.
fn yaml_value(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
}

/// The validator's complaints about `text`, one line each.
fn schema_errors(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    v.iter_errors(&yaml_value(text))
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Every file under `dir` (relative to `root`), recursively.
fn files_under(root: &Path, dir: &str) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The schema each file is checked against, by the mapping `rel init`
/// writes for editors (`.vscode/settings.json`, `yaml.schemas`).
fn schema_for(settings: &Value, file: &Path) -> Option<String> {
    let file = file.to_string_lossy();
    let map = settings["yaml.schemas"].as_object().unwrap();
    let matching: Vec<String> = map
        .iter()
        .filter(|(_, globs)| {
            globs.as_array().unwrap().iter().any(|g| {
                let g = g.as_str().unwrap();
                match g.split_once('*') {
                    // `releases/**/*.yaml`, `calendars/*.yaml`
                    Some((prefix, _)) => {
                        file.starts_with(prefix)
                            && file.ends_with(".yaml")
                            && (g.contains("**") || !file[prefix.len()..].contains('/'))
                    }
                    None => file == g,
                }
            })
        })
        .map(|(schema, _)| schema.trim_start_matches("./schemas/").to_string())
        .collect();
    assert!(
        matching.len() <= 1,
        "{file} has several schemas: {matching:?}"
    );
    matching.into_iter().next()
}

#[test]
fn init_maps_every_file_kind_to_its_schema_for_editors() {
    let repo = Repo::new();
    let settings = repo.read(".vscode/settings.json");
    insta::assert_snapshot!(settings, @r#"
    {
      "yaml.schemas": {
        "./schemas/release.schema.json": [
          "releases/**/*.yaml"
        ],
        "./schemas/change.schema.json": [
          "changes/**/*.yaml"
        ],
        "./schemas/policy.schema.json": [
          "policy.yaml"
        ],
        "./schemas/calendar.schema.json": [
          "calendars/*.yaml"
        ]
      }
    }
    "#);
    // Committed with the rest of the layout; every schema it names exists.
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let settings: Value = serde_json::from_str(&settings).unwrap();
    for schema in settings["yaml.schemas"].as_object().unwrap().keys() {
        assert!(repo.path().join(schema).is_file(), "{schema}");
    }
}

/// Every file of a repository where a release went from plan to closed
/// (`rel demo`: approvals, build, tests, defects, notifications,
/// readiness, go, deployment, closure) is valid against the schema the
/// editor mapping gives it, and so are the project's examples.
#[test]
fn schemas_accept_every_file_rel_init_writes_and_every_record_rel_writes() {
    let repo = Repo::bare();
    repo.rel(&["demo", "demo"]).ok();
    let root = repo.path().join("demo");
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(".vscode/settings.json")).unwrap())
            .unwrap();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut files = vec![PathBuf::from("policy.yaml")];
    for dir in ["calendars", "releases", "changes"] {
        files.extend(files_under(&root, dir));
    }
    for file in &files {
        let schema = schema_for(&settings, file)
            .unwrap_or_else(|| panic!("{} has no schema", file.display()));
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let errors = schema_errors(&validator(&root, &schema), &text);
        assert!(
            errors.is_empty(),
            "{} against {schema}:\n{}",
            file.display(),
            errors.join("\n")
        );
        *checked.entry(schema).or_default() += 1;
    }
    // Each kind was seen (a closed release, its changes, policy, calendar).
    assert_eq!(checked.len(), 4, "{checked:?}");

    // The project's own examples, which `rel init` copies.
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, schema) in [
        ("policy.example.yaml", "policy.schema.json"),
        ("examples/calendar.example.yaml", "calendar.schema.json"),
    ] {
        let text = std::fs::read_to_string(project.join(file)).unwrap();
        let errors = schema_errors(&validator(&root, schema), &text);
        assert!(errors.is_empty(), "{file}:\n{}", errors.join("\n"));
    }
}

/// The schemas refuse what rel refuses: each bad file is invalid for the
/// validator, and `rel check` cannot accept it either (exit 3: the file
/// cannot be read, or exit 1: a finding).
#[test]
fn schemas_refuse_what_rel_refuses() {
    let repo = Repo::new();
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let id = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &["--version", "2.4.0"],
    );
    let release_file = format!("releases/2025/03/{id}.yaml");
    let release = repo.read(&release_file);
    let policy = repo.read("policy.yaml");
    let root = repo.path();
    let calendar = |entries: &str| format!("blackouts:\n{entries}");
    let window = |start: &str| {
        format!(
            "maintenance_windows:\n  - name: late\n    days: [sat]\n    start: \"{start}\"\n    end: \"23:00\"\n"
        )
    };
    let cases: Vec<(&str, String, String)> = vec![
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            window("25:00"),
        ),
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            window("7:00"),
        ),
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            calendar("  - name: x\n    monthly: { from_day: 32, to_day: 2 }\n"),
        ),
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            calendar("  - name: x\n    monthly: { from_day: 0, to_day: 2 }\n"),
        ),
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            calendar("  - name: x\n    yearly: { from: \"13-01\", to: \"01-05\" }\n"),
        ),
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            calendar("  - name: x\n    yearly: { from: \"02-30\", to: \"03-05\" }\n"),
        ),
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            calendar(
                "  - name: x\n    monthly: { from_day: 28, to_day: 2 }\n    from: 2025-06-02\n    to: 2025-06-06\n",
            ),
        ),
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            calendar("  - name: x\n    services: [finance]\n"),
        ),
        (
            "calendars/extra.yaml",
            "calendar.schema.json".into(),
            calendar("  - name: x\n    from: 2025-06-02\n"),
        ),
        (
            "policy.yaml",
            "policy.schema.json".into(),
            policy.replacen("- changes-approved", "- changes-aproved", 1),
        ),
        (
            "policy.yaml",
            "policy.schema.json".into(),
            policy.replacen("- changes-approved", "- { name: changes-aproved }", 1),
        ),
        (
            release_file.as_str(),
            "release.schema.json".into(),
            release.replace("version: \"2.4.0\"", "version: v2"),
        ),
        (
            release_file.as_str(),
            "release.schema.json".into(),
            release.replace("version: \"2.4.0\"", "version: banana"),
        ),
        (
            release_file.as_str(),
            "release.schema.json".into(),
            release.replace(&format!("id: {id}"), "id: REL-2025-3-1"),
        ),
        (
            release_file.as_str(),
            "release.schema.json".into(),
            release.replace("- CHG-2025-0892", "- ../CHG-2025-0892"),
        ),
    ];
    assert!(policy.contains("- changes-approved"));
    for (file, schema, text) in &cases {
        let errors = schema_errors(&validator(root, schema), text);
        assert!(!errors.is_empty(), "{schema} accepts this {file}:\n{text}");
        let before = repo.path().join(file).exists().then(|| repo.read(file));
        repo.write(file, text);
        let run = repo.rel(&["check"]);
        assert!(
            run.code == 1 || run.code == 3,
            "rel check accepts this {file} (exit {}):\n{text}\n{}{}",
            run.code,
            run.stdout,
            run.stderr
        );
        match before {
            Some(old) => repo.write(file, &old),
            None => std::fs::remove_file(repo.path().join(file)).unwrap(),
        }
    }
    repo.rel(&["check"]).ok();

    // Both forms of a gate with a known name are accepted.
    let ok = policy.replacen(
        "- changes-approved",
        "- { name: changes-approved, waivable: true }",
        1,
    );
    let v = validator(root, "policy.schema.json");
    assert_eq!(schema_errors(&v, &ok), Vec::<String>::new());
}

// ---------------------------------------------------------------------------
// rel check runs what loading runs

#[test]
fn check_refuses_a_name_reused_across_calendar_files_as_planning_does() {
    let repo = Repo::new();
    let standard = repo.read("calendars/standard.yaml");
    let name = yaml_value(&standard)["blackouts"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    repo.commit_file(
        "calendars/team.yaml",
        &format!("blackouts:\n  - name: {name}\n    from: 2025-06-02\n    to: 2025-06-06\n"),
    );
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let planned = repo.refused(
        3,
        &[
            "plan",
            "--service",
            "finance",
            "--type",
            "minor",
            "--target",
            "2025-03-15 20:00",
            "--change",
            "CHG-2025-0892",
        ],
    );
    let check = repo.refused(3, &["check"]);
    let needle = format!("the name `{name}` is already used at calendars/standard.yaml");
    assert!(planned.stderr.contains(&needle), "{}", planned.stderr);
    assert!(check.stderr.contains(&needle), "{}", check.stderr);
    assert!(
        check.stderr.contains("calendars/team.yaml: line 2"),
        "{}",
        check.stderr
    );
}

#[test]
fn check_refuses_a_version_the_service_cannot_carry() {
    let repo = Repo::new();
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let id = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &["--version", "2.4.0"],
    );
    repo.rel(&["check"]).ok();
    let file = format!("releases/2025/03/{id}.yaml");
    let text = repo.read(&file);
    repo.commit_file(
        &file,
        &text.replace("version: \"2.4.0\"", "version: banana"),
    );
    let run = repo.refused(1, &["check"]);
    insta::assert_snapshot!(run.stdout, @"releases/2025/03/REL-2025-03-001.yaml:4: version: `banana` is not a semantic version X.Y.Z (unexpected character 'b' while parsing major version number)");
}

// ---------------------------------------------------------------------------
// File modes

/// Runs `rel` as `repo.rel` would, under `umask`.
#[cfg(unix)]
fn rel_under_umask(repo: &Repo, umask: &str, args: &[&str]) -> Run {
    let rel = repo.command(args);
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(rel.get_program())
        .args(rel.get_args())
        .current_dir(rel.get_current_dir().unwrap())
        .env_clear();
    for (k, v) in rel.get_envs() {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    let out = sh.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

#[cfg(unix)]
fn mode(repo: &Repo, file: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(repo.path().join(file))
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// New files follow the umask as git's own checkout does (0644 under 022,
/// 0664 under 002), and a rewrite keeps the mode the file has.
#[cfg(unix)]
#[test]
fn files_follow_the_umask_and_a_rewrite_keeps_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    for (umask, expected) in [("022", 0o644), ("002", 0o664)] {
        let repo = Repo::bare();
        rel_under_umask(&repo, umask, &["init", "."]).ok();
        for file in [
            "policy.yaml",
            "calendars/standard.yaml",
            "schemas/release.schema.json",
            ".vscode/settings.json",
        ] {
            assert_eq!(mode(&repo, file), expected, "{file} under umask {umask}");
        }
        let change = "changes/2025/CHG-2025-0892.yaml";
        rel_under_umask(
            &repo,
            umask,
            &[
                "change",
                "add",
                "CHG-2025-0892",
                "--title",
                "T",
                "--service",
                "finance",
                "--status",
                "approved",
                "--owner",
                "dev@example.com",
                "--target",
                "2025-03-15",
            ],
        )
        .ok();
        assert_eq!(
            mode(&repo, change),
            expected,
            "{change} under umask {umask}"
        );
        rel_under_umask(&repo, umask, &["schema", "--out", "out"]).ok();
        assert_eq!(mode(&repo, "out/release.schema.json"), expected);

        // A mode someone gave the file is kept when rel rewrites it.
        for kept in [0o664, 0o640] {
            std::fs::set_permissions(
                repo.path().join(change),
                std::fs::Permissions::from_mode(kept),
            )
            .unwrap();
            rel_under_umask(&repo, umask, &["change", "set", "CHG-2025-0892", "--ready"]).ok();
            assert_eq!(mode(&repo, change), kept, "rewrite under umask {umask}");
            rel_under_umask(
                &repo,
                umask,
                &["change", "set", "CHG-2025-0892", "--not-ready"],
            )
            .ok();
        }
    }
}

// ---------------------------------------------------------------------------
// iCalendar, read back with the icalendar crate

fn ics_components(text: &str) -> Vec<String> {
    let unfolded = icalendar::parser::unfold(text);
    let cal = icalendar::parser::read_calendar(&unfolded)
        .unwrap_or_else(|e| panic!("not iCalendar ({e}):\n{text}"));
    cal.components.iter().map(|c| c.name.to_string()).collect()
}

fn ics_uids(text: &str) -> Vec<String> {
    let unfolded = icalendar::parser::unfold(text);
    let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
    cal.components
        .iter()
        .filter_map(|c| c.find_prop("UID").map(|p| p.val.to_string()))
        .collect()
}

/// A range with nothing in it (a Wednesday) is still a calendar with a
/// component (RFC 5545 3.6: at least one), named for clients.
#[test]
fn an_empty_ics_export_is_still_a_named_calendar_with_a_component() {
    let repo = Repo::new();
    let text = repo
        .rel(&[
            "calendar",
            "--from",
            "2025-01-15",
            "--to",
            "2025-01-15",
            "--ics",
            "-",
        ])
        .ok()
        .stdout;
    assert_eq!(ics_components(&text), vec!["VTIMEZONE".to_string()]);
    assert!(text.contains("\r\nNAME:Release calendar\r\nX-WR-CALNAME:Release calendar\r\n"));
    let text = repo
        .rel(&[
            "calendar",
            "--from",
            "2025-01-15",
            "--to",
            "2025-01-15",
            "--service",
            "finance",
            "--ics",
            "-",
        ])
        .ok()
        .stdout;
    assert!(
        text.contains("\r\nX-WR-CALNAME:Release calendar: finance\r\n"),
        "{text}"
    );
}

/// Two repositories never share a UID, even for the same release id and
/// window names; one repository exports the same UIDs every time.
#[test]
fn ics_uids_are_unique_to_the_repository() {
    let export = |now: &str| {
        let mut repo = Repo::bare();
        repo.at(now);
        repo.rel(&["init", "."]).ok();
        repo.change("CHG-2025-0892", "finance", "2025-03-15");
        repo.plan(
            "finance",
            "minor",
            "2025-03-15 20:00",
            &["CHG-2025-0892"],
            &[],
        );
        let args = [
            "calendar",
            "--from",
            "2025-03-10",
            "--to",
            "2025-03-16",
            "--ics",
            "-",
        ];
        let text = repo.rel(&args).ok().stdout;
        repo.at("2025-03-09T10:00:00+00:00");
        assert_eq!(repo.rel(&args).ok().stdout, text, "a second export differs");
        ics_uids(&text)
    };
    let one = export("2025-03-01T09:00:00+00:00");
    let other = export("2025-03-01T09:30:00+00:00");
    assert!(
        one.iter().any(|u| u.starts_with("REL-2025-03-001@")),
        "{one:?}"
    );
    assert!(one.len() > 2, "{one:?}");
    for uid in &one {
        assert!(!other.contains(uid), "{uid} in both repositories");
    }
}

/// How a reader resolves a local time that happens twice (the autumn
/// hour): RFC 5545 and the `icalendar` crate's users take the earlier,
/// ical.js and vobject the later. A time in the spring gap is read with
/// the offset before it (RFC 5545 3.3.5) by both.
#[derive(Clone, Copy, Debug)]
enum Repeated {
    Earlier,
    Later,
}

fn ics_at(prop: &icalendar::parser::Property, reader: Repeated) -> chrono::DateTime<chrono::Utc> {
    use chrono::{LocalResult, TimeZone};
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
    let local = parse(v);
    let t = match (tz.from_local_datetime(&local), reader) {
        (LocalResult::Single(t), _) => t,
        (LocalResult::Ambiguous(t, _), Repeated::Earlier) => t,
        (LocalResult::Ambiguous(_, t), Repeated::Later) => t,
        (LocalResult::None, _) => {
            let before = tz
                .from_local_datetime(&(local - chrono::Duration::days(1)))
                .earliest()
                .unwrap();
            let secs = chrono::Offset::fix(before.offset()).local_minus_utc();
            return (local - chrono::Duration::seconds(i64::from(secs))).and_utc();
        }
    };
    t.with_timezone(&chrono::Utc)
}

/// Every occurrence the calendar holds, as `reader` sees it: (SUMMARY,
/// start, end), sorted. Weekly rules (the only kind rel writes) are
/// expanded on the wall clock up to UNTIL, each instance lasting exactly
/// as long as its master (RFC 5545 3.8.5.3), then replaced by the override
/// whose RECURRENCE-ID names it.
fn ics_occurrences(text: &str, reader: Repeated) -> Vec<(String, String, String)> {
    let unfolded = icalendar::parser::unfold(text);
    let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
    let events: Vec<_> = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    fn prop<'a>(
        c: &'a icalendar::parser::Component<'a>,
        name: &str,
    ) -> Option<(icalendar::parser::Property<'a>, String)> {
        c.find_prop(name).map(|p| (p.clone(), p.val.to_string()))
    }
    let mut out = vec![];
    for e in &events {
        if prop(e, "RECURRENCE-ID").is_some() {
            continue;
        }
        let summary = prop(e, "SUMMARY").unwrap().1;
        let uid = prop(e, "UID").unwrap().1;
        let (dtstart, local) = prop(e, "DTSTART").unwrap();
        let start = ics_at(&dtstart, reader);
        let length = ics_at(&prop(e, "DTEND").unwrap().0, reader) - start;
        let Some((_, rule)) = prop(e, "RRULE") else {
            out.push((summary, start, start + length));
            continue;
        };
        let until = rule.split(";UNTIL=").nth(1).unwrap();
        let until = chrono::NaiveDateTime::parse_from_str(until, "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc();
        let first = chrono::NaiveDateTime::parse_from_str(&local, "%Y%m%dT%H%M%S").unwrap();
        for week in 0.. {
            let wall = first + chrono::Duration::weeks(week);
            let mut instance = dtstart.clone();
            instance.val = wall.format("%Y%m%dT%H%M%S").to_string().into();
            let at = ics_at(&instance, reader);
            if at > until {
                break;
            }
            let over = events.iter().find(|o| {
                prop(o, "UID").unwrap().1 == uid
                    && prop(o, "RECURRENCE-ID").is_some_and(|(p, _)| ics_at(&p, reader) == at)
            });
            out.push(match over {
                Some(o) => (
                    summary.clone(),
                    ics_at(&prop(o, "DTSTART").unwrap().0, reader),
                    ics_at(&prop(o, "DTEND").unwrap().0, reader),
                ),
                None => (summary.clone(), at, at + length),
            });
            assert!(week < 60, "runaway rule {rule}");
        }
    }
    let mut out: Vec<_> = out
        .into_iter()
        .map(|(s, a, b)| (s, a.to_rfc3339(), b.to_rfc3339()))
        .collect();
    out.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    out
}

/// Windows starting in, ending in and clear of the repeated autumn hour
/// (01:00 to 02:00 in London on Sunday 26 October 2025, twice) are read
/// back at rel's own instants by a reader taking the earlier of a repeated
/// time (RFC 5545) and by one taking the later (ical.js, vobject): every
/// instant in that hour is written in UTC, the occurrence starting in it
/// taken out of the weekly rule as its own event.
#[test]
fn ics_windows_in_the_repeated_hour_read_the_same_by_every_reader() {
    let repo = Repo::new();
    let window = |name: &str, day: &str, start: &str, end: &str| {
        format!("  - name: {name}\n    days: [{day}]\n    start: \"{start}\"\n    end: \"{end}\"\n")
    };
    repo.commit_file(
        "calendars/standard.yaml",
        &format!(
            "maintenance_windows:\n{}{}{}{}blackouts: []\n",
            window("early-sunday", "sun", "01:30", "03:00"),
            window("inside-the-hour", "sun", "01:10", "01:50"),
            window("late-saturday", "sat", "22:00", "01:30"),
            window("sunday-morning", "sun", "08:00", "10:00"),
        ),
    );
    // The export of a range, and rel's own calendar of it: every window
    // occurrence starting on a day of the range, (SUMMARY, start, end).
    let export = |from: &str, to: &str| {
        let range = ["--from", from, "--to", to];
        let text = repo
            .rel(&[&["calendar"][..], &range, &["--ics", "-"]].concat())
            .ok()
            .stdout;
        let v = repo
            .rel(&[&["--json", "calendar"][..], &range].concat())
            .ok()
            .json();
        let utc = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc)
                .to_rfc3339()
        };
        let mut own: Vec<(String, String, String)> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "maintenance" && e["start"].as_str().unwrap()[..10] >= *from)
            .map(|e| {
                (
                    format!("Maintenance window: {}", e["name"].as_str().unwrap()),
                    utc(e["start"].as_str().unwrap()),
                    utc(e["end"].as_str().unwrap()),
                )
            })
            .collect();
        own.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        (text, own)
    };
    let (text, own) = export("2025-10-18", "2025-11-02");
    // Three Saturdays and three Sundays in the range: 3 + 3 x 3.
    assert_eq!(own.len(), 12, "{own:?}");
    // The autumn night: starting in the repeated hour (the first 01:30,
    // BST), inside it, ending in it, and clear of it.
    for expected in [
        (
            "early-sunday",
            "2025-10-26T00:30:00+00:00",
            "2025-10-26T03:00:00+00:00",
        ),
        (
            "inside-the-hour",
            "2025-10-26T00:10:00+00:00",
            "2025-10-26T00:50:00+00:00",
        ),
        (
            "late-saturday",
            "2025-10-25T21:00:00+00:00",
            "2025-10-26T00:30:00+00:00",
        ),
        (
            "sunday-morning",
            "2025-10-26T08:00:00+00:00",
            "2025-10-26T10:00:00+00:00",
        ),
    ] {
        let expected = (
            format!("Maintenance window: {}", expected.0),
            expected.1.to_string(),
            expected.2.to_string(),
        );
        assert!(own.contains(&expected), "{expected:?} not in {own:?}");
    }
    // Ranges around that Sunday, starting on it and ending on it, and the
    // spring change, too.
    for (from, to) in [
        ("2025-10-18", "2025-11-02"),
        ("2025-10-26", "2025-11-09"),
        ("2025-10-12", "2025-10-26"),
        // Spring: 01:10 and 01:30 on Sunday 30 March do not exist.
        ("2025-03-22", "2025-04-06"),
    ] {
        let (text, own) = export(from, to);
        for reader in [Repeated::Earlier, Repeated::Later] {
            assert_eq!(
                ics_occurrences(&text, reader),
                own,
                "{reader:?} reader, {from} to {to}:\n{text}"
            );
        }
        // No local time written falls in the repeated hour.
        let unfolded = icalendar::parser::unfold(&text);
        for line in unfolded.lines() {
            assert!(
                !(line.contains("TZID=Europe/London:20251026T01")),
                "a repeated local time: {line}"
            );
        }
    }
    // An occurrence taken out of the rule has its own UID, and so has the
    // rule after it; a range starting on that Sunday gives the same UIDs
    // to the same occurrences.
    let domain = crate::calendar::ics_domain(&repo);
    let later = ics_uids(&export("2025-10-26", "2025-11-09").0);
    let uids = ics_uids(&text);
    for uid in [
        format!("window-early-sunday-sun-20251026@{domain}"),
        format!("window-early-sunday-sun-after-20251026@{domain}"),
        format!("window-inside-the-hour-sun-20251026@{domain}"),
    ] {
        assert!(uids.contains(&uid), "{uid} not in {uids:?}");
        assert!(later.contains(&uid), "{uid} not in {later:?}");
    }
    for uid in [
        format!("window-early-sunday-sun@{domain}"),
        format!("window-late-saturday-sat@{domain}"),
        format!("window-sunday-morning-sun@{domain}"),
    ] {
        assert!(uids.contains(&uid), "{uid} not in {uids:?}");
    }
}

// ---------------------------------------------------------------------------
// GitHub annotations, parsed as the Actions runner parses workflow commands

/// A workflow command: its name, its properties, its data.
type Command = (String, Vec<(String, String)>, String);

/// One workflow command as the runner reads a line (its `TryParseV2`): the
/// command up to the first space, properties split at `,` and then at the
/// first `=`, the data after the next `::`; then its unescaping, `%25` last.
fn runner_parse(line: &str) -> Option<Command> {
    let line = line.trim();
    let rest = line.strip_prefix("::")?;
    let end = rest.find("::")?;
    let (info, data) = (&rest[..end], &rest[end + 2..]);
    let (command, props) = info.split_once(' ').unwrap_or((info, ""));
    let unescape_data = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%25", "%")
    };
    let unescape_property = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), unescape_property(v)))
        .collect();
    Some((command.to_string(), props, unescape_data(data)))
}

#[test]
fn github_annotations_survive_the_runners_parser() {
    let repo = Repo::new();
    repo.write("releases/notes, v1: 100%.yaml", "id: x\n");
    repo.write(
        "changes/2025/CHG-2025-0001.yaml",
        "id: CHG-2025-0001\ntitle: T\nservice: \"pay%0Aments: 100%\\nnow\"\nstatus: approved\nowner: dev@example.com\ntarget: 2025-03-15\n",
    );
    let run = repo.refused(1, &["check", "--format", "github"]);
    let annotations: Vec<_> = run
        .stdout
        .lines()
        .map(|l| runner_parse(l).unwrap())
        .collect();
    assert_eq!(annotations.len(), 2, "{}", run.stdout);
    let file = |a: &Command| {
        a.1.iter()
            .find(|(k, _)| k == "file")
            .map(|(_, v)| v.clone())
    };
    let stray = annotations
        .iter()
        .find(|a| file(a).as_deref() == Some("releases/notes, v1: 100%.yaml"))
        .unwrap_or_else(|| panic!("the stray file's path is not read back:\n{}", run.stdout));
    assert_eq!(stray.0, "error");
    let service = annotations
        .iter()
        .find(|a| file(a).as_deref() == Some("changes/2025/CHG-2025-0001.yaml"))
        .unwrap();
    assert_eq!(
        service.2, "service: unknown service `pay%0Aments: 100%\nnow`",
        "{}",
        run.stdout
    );
    assert!(service.1.contains(&("line".to_string(), "3".to_string())));
}

// ---------------------------------------------------------------------------
// Messages a person reads when a record is wrong

/// serde's internals ("externally tagged enum expected scalar or mapping")
/// are said in the record's words, naming the field.
#[test]
fn malformed_records_are_described_in_the_records_words() {
    let repo = Repo::new();
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let id = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &[],
    );
    let file = format!("releases/2025/03/{id}.yaml");
    let good = repo.read(&file);
    let mut out = String::new();
    for (from, to) in [
        ("type: minor", "type: [minor]"),
        ("type: minor", "type: {minor: 1}"),
        ("stage: plan", "stage:\n  - plan"),
        ("title: finance minor release", "title:\n  first: finance"),
        ("changes:\n- CHG-2025-0892", "changes: CHG-2025-0892"),
        ("impact: medium", "impact: severe"),
    ] {
        assert!(good.contains(from), "{from}");
        repo.commit_file(&file, &good.replacen(from, to, 1));
        let run = repo.refused(3, &["show", &id]);
        out.push_str(run.stderr.trim());
        out.push('\n');
    }
    assert!(!out.contains("enum"), "{out}");
    insta::assert_snapshot!(out, @r#"
    error: releases/2025/03/REL-2025-03-001.yaml: line 5 column 7: `type` takes a single word, not a list or a map
    error: releases/2025/03/REL-2025-03-001.yaml: line 5 column 15: `type` takes a single word, not a list or a map
    error: releases/2025/03/REL-2025-03-001.yaml: line 8 column 3: `stage` takes a single word, not a list or a map
    error: releases/2025/03/REL-2025-03-001.yaml: line 3 column 3: `title` expected text, not a list or a map
    error: releases/2025/03/REL-2025-03-001.yaml: line 8 column 10: `changes` expected a list
    error: releases/2025/03/REL-2025-03-001.yaml: line 19 column 9: `impact`: `severe` is not accepted; expected one of: low, medium, high
    "#);
}

/// One release file that cannot be read does not hide the others: `rel
/// list` lists them, names the file, and exits 3.
#[test]
fn list_shows_every_readable_release_and_names_the_unreadable_file() {
    let repo = Repo::new();
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    repo.change("CHG-2025-0893", "finance", "2025-03-22");
    let one = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &[],
    );
    let two = repo.plan(
        "finance",
        "minor",
        "2025-03-22 20:00",
        &["CHG-2025-0893"],
        &[],
    );
    let file = format!("releases/2025/03/{one}.yaml");
    repo.commit_file(
        &file,
        &repo.read(&file).replace("stage: plan", "stage: [plan]"),
    );
    let run = repo.refused(3, &["list"]);
    assert!(run.stdout.contains(&two), "{}", run.stdout);
    assert!(!run.stdout.contains(&one), "{}", run.stdout);
    insta::assert_snapshot!(run.stderr, @r#"
    error: releases/2025/03/REL-2025-03-001.yaml: line 7 column 8: `stage` takes a single word, not a list or a map
    1 release file cannot be read and is not listed
    "#);
    let json = repo.refused(3, &["--json", "list"]);
    assert_eq!(json.json().as_array().unwrap().len(), 1);
}

// ---------------------------------------------------------------------------
// `rel --json demo`, read by a CI job

/// Under --json the walkthrough is one JSON document on stdout: the
/// scratch folder, the release, and each step with its actor, clock,
/// arguments, exit code and its own --json answer; nothing on stderr.
#[test]
fn json_demo_is_one_document_of_every_step() {
    let repo = Repo::bare();
    for (dir, args) in [
        ("one", vec!["--json", "demo", "one"]),
        ("two", vec!["demo", "two", "--json"]),
    ] {
        let run = repo.rel(&args).ok();
        assert_eq!(run.stderr, "", "{args:?}");
        let v = run.json();
        assert_eq!(v["release"], "REL-2025-03-001");
        assert_eq!(v["completed"], true);
        let root = repo.path().join(dir);
        assert_eq!(
            std::path::Path::new(v["directory"].as_str().unwrap()),
            root.as_path()
        );
        assert!(root.join("policy.yaml").exists());
        let steps = v["steps"].as_array().unwrap();
        assert!(steps.len() > 40, "{}", steps.len());
        for s in steps {
            let code = s["exit_code"].as_i64().unwrap();
            if s["expect_refusal"] == true {
                assert_ne!(code, 0, "{s}");
            } else {
                assert_eq!(code, 0, "{s}");
            }
            assert!(
                s["actor"]["email"]
                    .as_str()
                    .unwrap()
                    .ends_with("@example.com")
            );
            assert!(s["at"].as_str().unwrap().starts_with("2025-03-"), "{s}");
        }
        assert_eq!(steps[0]["args"][0], "init");
        // A refusal is shown: the plan outside a window, with its gates.
        let refused = steps
            .iter()
            .find(|s| s["args"][0] == "plan" && s["expect_refusal"] == true)
            .unwrap();
        assert_eq!(refused["exit_code"], 1);
        assert!(refused["stderr"].as_str().unwrap().contains("cannot plan"));
        // Each step's own --json answer: the release closed.
        let close = steps.iter().find(|s| s["args"][0] == "close").unwrap();
        assert_eq!(close["actor"]["name"], "Riley Manager");
        assert_eq!(close["output"]["to"], "closed", "{close}");
        assert_eq!(close["output"]["allowed"], true, "{close}");
    }
}

/// Commands that print a script or a page, or write files, answer --json
/// with JSON too: the text as a string, or the files written.
#[test]
fn generated_text_and_written_files_answer_json() {
    let repo = Repo::new();
    let v = repo.rel(&["--json", "completions", "bash"]).ok().json();
    assert_eq!(v["shell"], "bash");
    assert!(v["script"].as_str().unwrap().contains("_rel()"), "{v}");
    let v = repo.rel(&["man", "--json"]).ok().json();
    assert_eq!(v["page"], "rel.1");
    assert!(
        v["roff"].as_str().unwrap().contains(".TH REL 1 2025-03-01"),
        "{v}"
    );
    for args in [
        ["--json", "schema", "--out", "out"],
        ["--json", "man", "--out", "pages"],
    ] {
        let run = repo.rel(&args).ok();
        assert_eq!(run.stderr, "", "{args:?}");
        let wrote = run.json()["wrote"].as_array().unwrap().clone();
        assert!(wrote.len() >= 4, "{args:?}: {wrote:?}");
        for path in wrote {
            assert!(std::path::Path::new(path.as_str().unwrap()).is_file());
        }
    }
}
