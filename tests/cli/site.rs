//! `rel site`: the static release site, its pages and links, and the same
//! pages loaded in a real browser (Debian's chromium, headless).

use crate::support::{RM, Repo};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const RM2: (&str, &str) = ("Robin Manager", "rm2@example.com");
const NOW: &str = "2025-03-29T09:00:00+00:00";

/// The demo's closed finance release (full evidence and audit trail), then
/// a ledger release in plan that infrastructure maintenance now overlaps,
/// and an hr-portal patch moved on to build.
fn records() -> Repo {
    let mut repo = Repo::bare();
    repo.rel(&["demo", "."]).ok();
    repo.at(NOW);
    repo.change("CHG-2025-0950", "ledger", "2025-04-12");
    repo.change("CHG-2025-0951", "hr-portal", "2025-04-12");
    let ledger = repo.plan(
        "ledger",
        "minor",
        "2025-04-12 20:00",
        &["CHG-2025-0950"],
        &["--version", "3.1.0"],
    );
    assert_eq!(ledger, "REL-2025-04-001");
    let hr = repo.plan(
        "hr-portal",
        "patch",
        "2025-04-12 20:00",
        &["CHG-2025-0951"],
        &["--version", "1.0.1"],
    );
    assert_eq!(hr, "REL-2025-04-002");
    repo.by(RM2)
        .rel(&["approve", &hr, "--role", "release-manager"])
        .ok();
    repo.by(RM).rel(&["promote", &hr]).ok();
    repo.commit_file(
        "calendars/infrastructure.yaml",
        "events:\n  - name: ledger-db-upgrade\n    kind: infrastructure\n    from: 2025-04-12T19:00\n    to: 2025-04-12T23:00\n    services: [ledger]\n  - name: quarterly-close\n    kind: organisational\n    from: 2025-04-01\n    to: 2025-04-02\n    no_deploy: true\n",
    );
    repo
}

/// Writes the site of `repo` into a new folder and returns it.
fn site(repo: &Repo) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    repo.rel(&["site", "--out", out.to_str().unwrap()])
        .ok()
        .stdout_has("Wrote ");
    (dir, out)
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn pages(root: &Path) -> Vec<PathBuf> {
    files(root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect()
}

/// The values of `attr="..."` in `html`.
fn attributes<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Every link and resource of every page that does not lead to a file of
/// the site, or to an element id of its page (`#id`).
fn broken_links(root: &Path) -> Vec<String> {
    let mut broken = vec![];
    for page in pages(root) {
        let html = std::fs::read_to_string(&page).unwrap();
        let dir = page.parent().unwrap();
        for link in attributes(&html, "href")
            .into_iter()
            .chain(attributes(&html, "src"))
        {
            if link.starts_with("https://") || link.starts_with("http://") {
                continue;
            }
            let (file, fragment) = link.split_once('#').unwrap_or((link, ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                dir.join(file)
            };
            let ok = match std::fs::canonicalize(&target) {
                Ok(t) if t.starts_with(std::fs::canonicalize(root).unwrap()) && t.is_file() => {
                    fragment.is_empty()
                        || std::fs::read_to_string(&t)
                            .unwrap()
                            .contains(&format!("id=\"{fragment}\""))
                }
                _ => false,
            };
            if !ok {
                broken.push(format!(
                    "{}: {link}",
                    page.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    broken
}

#[test]
fn the_site_has_every_page_and_no_broken_link() {
    let repo = records();
    let (_dir, out) = site(&repo);
    for f in [
        "index.html",
        "releases.html",
        "metrics.html",
        "style.css",
        "calendar.ics",
        "calendar/index.html",
        "calendar/2025-03.html",
        "calendar/2025-04.html",
        "release/REL-2025-03-001.html",
        "release/REL-2025-04-001.html",
        "release/REL-2025-04-002.html",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert_eq!(broken_links(&out), Vec::<String>::new());
    for page in pages(&out) {
        let html = std::fs::read_to_string(&page).unwrap();
        let name = page.display().to_string();
        // No script at all: works from file:// and any static host.
        assert!(!html.contains("<script"), "{name}");
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(html.contains("<html lang=\"en\">"), "{name}");
        assert!(html.contains("name=\"viewport\""), "{name}");
        assert!(html.contains("<main id=\"main\">"), "{name}");
        assert_eq!(html.matches("<h1").count(), 1, "{name}");
        // Every id once.
        let ids = attributes(&html, "id");
        let unique: BTreeSet<&&str> = ids.iter().collect();
        assert_eq!(ids.len(), unique.len(), "duplicate id in {name}");
    }
    let ics = std::fs::read_to_string(out.join("calendar.ics")).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    // UIDs end in the repository's own domain (its root commit).
    let domain = crate::calendar::ics_domain(&repo);
    assert!(ics.contains(&format!("UID:REL-2025-04-001@{domain}\r\n")));
    assert!(ics.contains(&format!("UID:REL-2025-03-001@{domain}\r\n")));
    let css = std::fs::read_to_string(out.join("style.css")).unwrap();
    assert!(css.contains("@media print"));
    assert!(css.contains("@media (max-width: 40rem)"));
}

#[test]
fn releases_by_stage_say_what_each_waits_for() {
    let repo = records();
    let (_dir, out) = site(&repo);
    let html = std::fs::read_to_string(out.join("releases.html")).unwrap();
    let row = |id: &str| {
        let start = html
            .find(&format!("release/{id}.html\">{id}</a></th>"))
            .unwrap();
        let end = start + html[start..].find("</tr>").unwrap();
        html[start..end].to_string()
    };
    // In plan: the owner's approval is missing and the maintenance clashes.
    let ledger = row("REL-2025-04-001");
    assert!(ledger.contains("definition-approved"), "{ledger}");
    assert!(ledger.contains("✗ conflicts</strong>"), "{ledger}");
    assert!(ledger.contains("ledger-db-upgrade"), "{ledger}");
    assert!(!ledger.contains("changes-approved"), "{ledger}");
    // In build: waiting for its build verification.
    let hr = row("REL-2025-04-002");
    assert!(hr.contains("build-verified"), "{hr}");
    let plan = html.find("<h2 id=\"plan\">").unwrap();
    let build = html.find("<h2 id=\"build\">").unwrap();
    let closed = html.find("<h2 id=\"closed\">").unwrap();
    assert!(plan < html.find("REL-2025-04-001").unwrap());
    assert!(build < html.find("REL-2025-04-002").unwrap());
    assert!(closed < html.rfind("REL-2025-03-001").unwrap());
}

#[test]
fn the_calendar_marks_conflicts_blackouts_and_events_in_words() {
    let repo = records();
    let (_dir, out) = site(&repo);
    let html = std::fs::read_to_string(out.join("calendar/2025-04.html")).unwrap();
    let day = |d: &str| {
        let start = html.find(&format!("<td id=\"d{d}\"")).unwrap();
        let end = start + html[start..].find("</td>").unwrap();
        html[start..end].to_string()
    };
    let sat = day("2025-04-12");
    assert!(sat.contains("REL-2025-04-001"), "{sat}");
    assert!(sat.contains("REL-2025-04-002"), "{sat}");
    assert!(sat.contains("ledger-db-upgrade"), "{sat}");
    assert!(sat.contains("⚠ conflict"), "{sat}");
    assert!(sat.contains("Maintenance window:"), "{sat}");
    // The no-deploy event on both its days, in words; the month-end blackout.
    assert!(day("2025-04-01").contains("No deploy:</span> quarterly-close"));
    assert!(day("2025-04-02").contains("quarterly-close"));
    assert!(!day("2025-04-03").contains("quarterly-close"));
    assert!(day("2025-04-30").contains("Blackout:</span> month-end"));
    assert!(html.contains("<h2 id=\"conflicts\">Conflicts</h2>"));
    assert!(html.contains("ledger-db-upgrade (infrastructure)"));
    // March: the closed release on its day, no conflicts.
    let march = std::fs::read_to_string(out.join("calendar/2025-03.html")).unwrap();
    assert!(march.contains("No conflicts this month."));
    assert!(march.contains("REL-2025-03-001"));
}

#[test]
fn a_release_page_shows_its_evidence_gates_and_audit_trail() {
    let repo = records();
    let (_dir, out) = site(&repo);
    let html = std::fs::read_to_string(out.join("release/REL-2025-03-001.html")).unwrap();
    for needle in [
        "<h2 id=\"definition\">Definition</h2>",
        "<h2 id=\"changes\">Changes</h2>",
        "CHG-2025-0892",
        "<h2 id=\"schedule\">Schedule</h2>",
        "Staging acceptance",
        "<h2 id=\"evidence\">Evidence</h2>",
        "Build verification",
        "Test: regression",
        "Go decision",
        "successful, started Sat 15 Mar 2025 20:00",
        "<h2 id=\"gates\">Gate status</h2>",
        "No next stage: the release is closed.",
        "<h2 id=\"trail\">Audit trail</h2>",
        "REL-2025-03-001: plan finance minor release",
        "Dana Deployer &lt;ops@example.com&gt;",
    ] {
        assert!(html.contains(needle), "lacks {needle:?}");
    }
    // Oldest first: planning comes before the deployment.
    let trail = &html[html.find("<h2 id=\"trail\">").unwrap()..];
    assert!(trail.find("plan finance minor").unwrap() < trail.find("Dana Deployer &lt;").unwrap());
    let ledger = std::fs::read_to_string(out.join("release/REL-2025-04-001.html")).unwrap();
    assert!(ledger.contains("✗ Blocked</strong> from moving"));
    assert!(ledger.contains("rel approve REL-2025-04-001"));
}

#[test]
fn the_audit_trail_shows_hand_edits_of_the_record_and_only_of_it() {
    let repo = records();
    let file = "releases/2025/04/REL-2025-04-001.yaml";
    repo.hand_commit(
        file,
        |t| {
            t.replace(
                "title: ledger minor release",
                "title: ledger spring release",
            )
        },
        "Retitle the ledger release",
    );
    repo.hand_commit(
        "calendars/infrastructure.yaml",
        |t| t.replace("ledger-db-upgrade", "ledger-db-upgrade-2"),
        "Rename an infrastructure event",
    );
    let (_dir, out) = site(&repo);
    let ledger = std::fs::read_to_string(out.join("release/REL-2025-04-001.html")).unwrap();
    let trail = &ledger[ledger.find("<h2 id=\"trail\">").unwrap()..];
    assert!(
        trail.contains("Retitle the ledger release <strong>(edited by hand, not by rel)</strong>"),
        "{trail}"
    );
    // Oldest first: the plan, then the hand edit.
    assert!(
        trail.find("plan ledger minor").unwrap() < trail.find("Retitle").unwrap(),
        "{trail}"
    );
    assert!(!trail.contains("Rename an infrastructure event"), "{trail}");
    // A release the hand commit did not touch does not show it.
    let closed = std::fs::read_to_string(out.join("release/REL-2025-03-001.html")).unwrap();
    assert!(!closed.contains("Retitle the ledger release"));
    assert!(!closed.contains("edited by hand"));
}

#[test]
fn the_metrics_page_draws_every_chart_with_its_numbers() {
    let repo = records();
    let (_dir, out) = site(&repo);
    let html = std::fs::read_to_string(out.join("metrics.html")).unwrap();
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 5);
    assert_eq!(html.matches("role=\"img\"").count(), 5);
    for (id, title) in [
        ("deployments", "Deployments per week"),
        ("on-time", "On-time delivery"),
        ("failure-rate", "Change failure rate"),
        ("lead-time", "Lead time from plan to deployment"),
        ("defects-escaped", "Defects escaped to production"),
    ] {
        // The chart is named for screen readers, and its section by a heading.
        assert!(
            html.contains(&format!("<title id=\"{id}-title\">{title}</title>")),
            "{title}"
        );
        assert!(
            html.contains(&format!("<h2 id=\"{id}\">{title}</h2>")),
            "{title}"
        );
    }
    // The demo's release, deployed on time in March, 12 days after booking.
    assert!(html.contains("<tr><th scope=\"row\">Mar 2025</th><td class=\"num\">100%</td></tr>"));
    assert!(
        html.contains("<title>Mar 2025: 12.4 d</title>"),
        "lead time"
    );
    // No release closed in February: no rate, rather than 0 %.
    assert!(
        html.contains("<tr><th scope=\"row\">Feb 2025</th><td class=\"num\">no data</td></tr>")
    );
    // Change failure rate in March: the one deployment succeeded.
    assert!(html.contains("<title>Mar 2025: 0%</title>"));
    assert!(
        html.contains("<tr><th scope=\"row\">On-time delivery</th><td>100 % (1 of 1)</td></tr>")
    );
}

#[test]
fn the_site_is_not_written_among_the_records() {
    let repo = records();
    repo.refused(2, &["site", "--out", "."])
        .stderr_has("holds a policy.yaml");
}

// ---------------------------------------------------------------------------
// In a real browser

const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
];

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// What chromium made of one page: the DOM it built and the problems it
/// logged (console errors, resources it could not load).
struct Loaded {
    dom: String,
    problems: Vec<String>,
}

fn load(chromium: &Path, url: &str, extra: &[&str]) -> Loaded {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .env("HOME", profile.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed on {url}");
    let log = String::from_utf8_lossy(&out.stderr);
    let problems = log
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.contains("ERR_FILE_NOT_FOUND")
                || l.contains("Failed to load resource")
        })
        .map(str::to_string)
        .collect();
    Loaded {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        problems,
    }
}

/// Width and height of a PNG (its IHDR chunk).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn chromium_loads_every_page_without_errors_and_draws_them() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "SKIPPED chromium_loads_every_page_without_errors_and_draws_them: no chromium on PATH. \
             Install it with `apt-get install -y chromium` (.ci/run does when it runs as root)."
        );
        return;
    };
    // The detector itself: a page with a console error and a missing
    // stylesheet is caught.
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(
        bad.path().join("bad.html"),
        "<!DOCTYPE html><html lang=\"en\"><head><title>x</title><link rel=\"stylesheet\" href=\"missing.css\"></head><body><script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let control = load(
        &chromium,
        &format!("file://{}", bad.path().join("bad.html").display()),
        &["--dump-dom"],
    );
    assert!(
        !control.problems.is_empty(),
        "the console check cannot see errors"
    );

    let repo = records();
    let (_dir, out) = site(&repo);
    let all = pages(&out);
    assert_eq!(all.len(), 9, "{all:?}");
    for page in &all {
        let url = format!("file://{}", page.display());
        let loaded = load(&chromium, &url, &["--dump-dom"]);
        assert!(
            loaded.problems.is_empty(),
            "{url}:\n{}",
            loaded.problems.join("\n")
        );
        assert!(
            loaded.dom.contains("<main id=\"main\">"),
            "{url} not rendered"
        );
        assert!(loaded.dom.contains("</html>"), "{url} not rendered");
    }
    assert_eq!(broken_links(&out), Vec::<String>::new());

    // Screenshots for a reviewer, compared with the references in size:
    // the same dimensions, and a drawing neither blank nor wildly different.
    let references = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/screenshots");
    let update = std::env::var_os("REL_UPDATE_SCREENSHOTS").is_some();
    let shots = tempfile::tempdir().unwrap();
    for (name, page, size) in [
        ("calendar", "calendar/2025-04.html", "1280,1400"),
        ("release", "release/REL-2025-03-001.html", "1280,2000"),
        ("metrics", "metrics.html", "1280,2000"),
        ("calendar-phone", "calendar/2025-04.html", "390,1400"),
    ] {
        let file = shots.path().join(format!("{name}.png"));
        let url = format!("file://{}", out.join(page).display());
        let loaded = load(
            &chromium,
            &url,
            &[
                &format!("--screenshot={}", file.display()),
                &format!("--window-size={size}"),
            ],
        );
        assert!(loaded.problems.is_empty(), "{url}: {:?}", loaded.problems);
        let png = std::fs::read(&file).unwrap();
        let reference = references.join(format!("{name}.png"));
        if update {
            std::fs::create_dir_all(&references).unwrap();
            std::fs::write(&reference, &png).unwrap();
            continue;
        }
        let expected = std::fs::read(&reference).unwrap_or_else(|_| {
            panic!(
                "no reference {}: run with REL_UPDATE_SCREENSHOTS=1 to write it",
                reference.display()
            )
        });
        assert_eq!(png_size(&png), png_size(&expected), "{name}: dimensions");
        let (w, h) = png_size(&png);
        assert_eq!(
            format!("{w},{h}"),
            size,
            "{name}: the screenshot is not the window's size"
        );
        let ratio = png.len() as f64 / expected.len() as f64;
        assert!(
            (0.5..2.0).contains(&ratio),
            "{name}: {} bytes against the reference's {} (a blank or broken page?)",
            png.len(),
            expected.len()
        );
    }
}

#[test]
fn a_repository_without_releases_gets_a_site_too() {
    let repo = Repo::new();
    let (_dir, out) = site(&repo);
    // This month's calendar, and nothing broken.
    assert!(out.join("calendar/2025-03.html").is_file());
    assert_eq!(broken_links(&out), Vec::<String>::new());
    let releases = std::fs::read_to_string(out.join("releases.html")).unwrap();
    assert!(releases.contains("<h2 id=\"plan\">plan <span class=\"count\">(0)</span></h2>"));
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("No release is scheduled."));
}
