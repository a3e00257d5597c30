//! Builds a records repository of 10,000 releases and 50,000 changes and
//! times rel against plain git on it:
//!
//! - `rel promote` against a hand-made `git commit` of the same file;
//! - `rel plan` (with conflict checking) against `git status`;
//! - `rel check` against parsing every record once;
//! - a synced `rel plan` (policy `sync`: fetch, plan, push with a lease)
//!   against a local bare remote, against `git fetch` + `git push` of one
//!   commit by hand (in a small records repository of its own).
//! - `rel site` (every page of the release site) against `rel check`.
//!
//! Run: `cargo build --release && cargo run --release --example bench [-- DIR]`
//! (DIR is reused when it already holds a generated repository).

use rel::model::*;
use rel::store::{paths, yaml};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration as StdDuration, Instant};

const RELEASES: u32 = 10_000;
const CHANGES_PER_RELEASE: u32 = 5;
const RUNS: usize = 7;
const NOW: &str = "2026-01-10T09:00:00+00:00";

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("rel-bench"));
    let exe = std::env::current_exe().unwrap();
    let rel = exe.parent().unwrap().parent().unwrap().join("rel");
    assert!(
        rel.exists(),
        "build the binary first: cargo build --release ({} missing)",
        rel.display()
    );
    if !dir.join("policy.yaml").exists() {
        generate(&dir, &rel);
    }
    let target = "REL-2026-01-001";

    // rel promote vs git commit of the same file.
    let promote = median(|| {
        let t = timed(|| run(&rel, &dir, &["promote", target]));
        git(&dir, &["reset", "-q", "--hard", "HEAD~1"]);
        t
    });
    let release_path = paths::release(&ReleaseId::parse(target).unwrap());
    let original = std::fs::read_to_string(dir.join(&release_path)).unwrap();
    let commit = median(|| {
        std::fs::write(
            dir.join(&release_path),
            original.replace("stage: plan", "stage: build"),
        )
        .unwrap();
        let t = timed(|| {
            git(&dir, &["add", release_path.to_str().unwrap()]);
            git(&dir, &["commit", "-q", "-m", "promote by hand"]);
        });
        git(&dir, &["reset", "-q", "--hard", "HEAD~1"]);
        t
    });

    // rel plan (conflict checking reads only nearby months) vs git status.
    let plan = median(|| {
        let t = timed(|| {
            run(
                &rel,
                &dir,
                &[
                    "plan",
                    "--service",
                    "hr-portal",
                    "--type",
                    "minor",
                    "--target",
                    "2026-01-18 19:00",
                    "--change",
                    "CHG-2026-9001",
                ],
            )
        });
        git(&dir, &["reset", "-q", "--hard", "HEAD~1"]);
        t
    });
    let status = median(|| timed(|| git(&dir, &["status", "--porcelain"])));

    // rel check vs parsing every record once.
    let check = median(|| timed(|| run(&rel, &dir, &["check"])));
    let parse = median(|| timed(|| parse_all(&dir)));

    // rel site vs rel check: the site reads what check reads, and writes a
    // page per release and per month.
    let out = tempfile::tempdir().unwrap();
    let site = median(|| {
        let public = out.path().join("public");
        let _ = std::fs::remove_dir_all(&public);
        timed(|| run(&rel, &dir, &["site", "--out", public.to_str().unwrap()]))
    });
    let pages = count_files(&out.path().join("public"));

    println!(
        "repository: {} ({RELEASES} releases, {} changes)",
        dir.display(),
        RELEASES * CHANGES_PER_RELEASE
    );
    println!("median of {RUNS} runs:");
    println!(
        "  rel promote   {:>9.1} ms   git add+commit of the same file {:>9.1} ms   ratio {:.2}",
        ms(promote),
        ms(commit),
        ratio(promote, commit)
    );
    println!(
        "  rel plan      {:>9.1} ms   git status                       {:>9.1} ms   ratio {:.2}",
        ms(plan),
        ms(status),
        ratio(plan, status)
    );
    println!(
        "  rel check     {:>9.1} ms   parse every record once          {:>9.1} ms   ratio {:.2}",
        ms(check),
        ms(parse),
        ratio(check, parse)
    );
    println!(
        "  rel site      {:>9.1} ms   rel check                        {:>9.1} ms   ratio {:.2}   ({pages} files)",
        ms(site),
        ms(check),
        ratio(site, check)
    );

    let (synced, offline, by_hand) = synced_plan(&rel);
    println!("small repository, local bare remote, median of {RUNS} runs:");
    println!(
        "  rel plan (synced) {:>5.1} ms   git fetch + git push of one commit {:>5.1} ms   ratio {:.2}",
        ms(synced),
        ms(by_hand),
        ratio(synced, by_hand)
    );
    println!(
        "  rel plan --offline {:>4.1} ms   (the same plan without the remote)",
        ms(offline)
    );
}

/// A synced `rel plan` against a local bare remote, the same plan with
/// `--offline`, and `git fetch` + `git push` of one hand-made commit; each
/// undone after it is timed.
fn synced_plan(rel: &Path) -> (StdDuration, StdDuration, StdDuration) {
    let scratch = tempfile::tempdir().unwrap();
    let origin = scratch.path().join("origin");
    let remote = scratch.path().join("remote.git");
    let clone = scratch.path().join("clone");
    std::fs::create_dir_all(&origin).unwrap();
    run(rel, &origin, &["init", "."]);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 17).unwrap();
    write(
        &origin,
        &paths::change("CHG-2026-0001", 2026),
        yaml::to_string(&change("CHG-2026-0001", "hr-portal", day, None)),
    );
    // The branch `rel init` made (git's init.defaultBranch) is the ledger.
    let branch = rev_parse(&origin, "--abbrev-ref HEAD");
    let policy = std::fs::read_to_string(origin.join("policy.yaml")).unwrap();
    std::fs::write(
        origin.join("policy.yaml"),
        policy + &format!("\nsync:\n  remote: origin\n  branch: {branch}\n"),
    )
    .unwrap();
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "records"]);
    let (o, r, c) = (
        origin.to_str().unwrap(),
        remote.to_str().unwrap(),
        clone.to_str().unwrap(),
    );
    git(scratch.path(), &["clone", "-q", "--bare", o, r]);
    git(scratch.path(), &["clone", "-q", r, c]);
    git(&clone, &["config", "user.name", "Riley Manager"]);
    git(&clone, &["config", "user.email", "rm@example.com"]);
    let base = rev_parse(&clone, "HEAD");
    let undo = || {
        git(&clone, &["reset", "-q", "--hard", &base]);
        git(
            &clone,
            &[
                "update-ref",
                &format!("refs/remotes/origin/{branch}"),
                &base,
            ],
        );
        git(
            &remote,
            &["update-ref", &format!("refs/heads/{branch}"), &base],
        );
    };
    let plan = [
        "plan",
        "--service",
        "hr-portal",
        "--type",
        "minor",
        "--target",
        "2026-01-17 19:00",
        "--change",
        "CHG-2026-0001",
    ];
    let synced = median(|| {
        let t = timed(|| run(rel, &clone, &plan));
        assert_ne!(
            rev_parse(&remote, &format!("refs/heads/{branch}")),
            base,
            "not pushed"
        );
        undo();
        t
    });
    let mut offline_args = vec!["--offline"];
    offline_args.extend(plan);
    let offline = median(|| {
        let t = timed(|| run(rel, &clone, &offline_args));
        undo();
        t
    });
    let by_hand = median(|| {
        std::fs::write(clone.join("note.txt"), "one commit\n").unwrap();
        git(&clone, &["add", "note.txt"]);
        git(&clone, &["commit", "-q", "-m", "one commit by hand"]);
        let t = timed(|| {
            git(&clone, &["fetch", "-q", "origin"]);
            git(&clone, &["push", "-q", "origin", &branch]);
        });
        undo();
        t
    });
    (synced, offline, by_hand)
}

fn rev_parse(dir: &Path, name: &str) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .arg("rev-parse")
        .args(name.split(' '))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn count_files(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                n += 1;
            }
        }
    }
    n
}

fn ms(d: StdDuration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(a: StdDuration, b: StdDuration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn median(mut f: impl FnMut() -> StdDuration) -> StdDuration {
    let mut v: Vec<StdDuration> = (0..RUNS).map(|_| f()).collect();
    v.sort();
    v[RUNS / 2]
}

fn timed(f: impl FnOnce()) -> StdDuration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn env(cmd: &mut Command, dir: &Path) {
    cmd.current_dir(dir)
        .env("REL_NOW", NOW)
        .env("GIT_AUTHOR_NAME", "Riley Manager")
        .env("GIT_AUTHOR_EMAIL", "rm@example.com")
        .env("GIT_COMMITTER_NAME", "Riley Manager")
        .env("GIT_COMMITTER_EMAIL", "rm@example.com")
        .env("NO_COLOR", "1");
}

fn run(rel: &Path, dir: &Path, args: &[&str]) {
    let mut cmd = Command::new(rel);
    env(&mut cmd, dir);
    let out = cmd.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "rel {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn git(dir: &Path, args: &[&str]) {
    let mut cmd = Command::new("git");
    env(&mut cmd, dir);
    let out = cmd.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn parse_all(dir: &Path) {
    for top in ["releases", "changes"] {
        let mut stack = vec![dir.join(top)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if top == "releases" {
                    let _: Release = yaml::load(&p).unwrap();
                } else {
                    let _: ChangeRef = yaml::load(&p).unwrap();
                }
            }
        }
    }
}

fn ts(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).unwrap()
}

fn release(
    id: &str,
    service: &str,
    start: Timestamp,
    stage: Stage,
    changes: Vec<String>,
) -> Release {
    let day = start.date_naive();
    Release {
        stage,
        rollback: Some(Rollback {
            window: Duration::hours(4),
            procedure: "runbook".into(),
        }),
        ..Release::booked(Booking {
            id: id.to_string(),
            title: format!("{service} release"),
            service: service.to_string(),
            kind: ReleaseType::Minor,
            changes,
            window: Window {
                start,
                duration: Duration::hours(2),
            },
            schedule: Schedule {
                planning: day - chrono::Duration::days(10),
                build: day - chrono::Duration::days(8),
                test: day - chrono::Duration::days(4),
                staging: day - chrono::Duration::days(2),
                deployment: day,
            },
            impact: Impact::Medium,
            planned_by: "Riley Manager <rm@example.com>".into(),
            booked_at: start - chrono::Duration::days(20),
        })
    }
}

fn change(id: &str, service: &str, target: chrono::NaiveDate, release: Option<&str>) -> ChangeRef {
    ChangeRef {
        id: id.to_string(),
        title: format!("Change {id}"),
        service: service.to_string(),
        status: ChangeStatus::Approved,
        owner: "dev@example.com".into(),
        target,
        ready: true,
        approved_by: None,
        approved_at: None,
        risk: None,
        link: None,
        description: None,
        release: release.map(str::to_string),
    }
}

fn write(dir: &Path, rel_path: &Path, text: String) {
    let p = dir.join(rel_path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// 10,000 releases over 2016..2025 (about 83 a month), five changes each:
/// nine in ten closed with their deployment and closure (one in twenty of
/// those partial or rolled back, one in eight late), one in ten cancelled;
/// then one planned release ready to promote.
fn generate(dir: &Path, rel: &Path) {
    eprintln!("generating {} ...", dir.display());
    std::fs::create_dir_all(dir).unwrap();
    run(rel, dir, &["init", "."]);
    let services = ["finance", "ledger", "hr-portal"];
    let mut counters = std::collections::BTreeMap::new();
    let mut change_no: std::collections::BTreeMap<i32, u32> = Default::default();
    for i in 0..RELEASES {
        let year = 2016 + (i / 1000) as i32;
        let month = 1 + (i / 84) % 12;
        let day = 3 + (i % 24);
        let start = ts(&format!("{year:04}-{month:02}-{day:02}T20:00:00+00:00"));
        let n = counters.entry((year, month)).or_insert(0u32);
        *n += 1;
        let id = ReleaseId::new(year, month, *n).to_string();
        let service = services[(i % 3) as usize];
        let closed = i % 10 != 0;
        let mut ids = vec![];
        for _ in 0..CHANGES_PER_RELEASE {
            let c = change_no.entry(year).or_insert(0);
            *c += 1;
            let cid = format!("CHG-{year:04}-{c:04}");
            let mut ch = change(
                &cid,
                service,
                start.date_naive(),
                closed.then_some(id.as_str()),
            );
            if closed {
                ch.status = ChangeStatus::Implemented;
            }
            write(dir, &paths::change(&cid, year), yaml::to_string(&ch));
            ids.push(cid);
        }
        let mut r = release(
            &id,
            service,
            start,
            if closed {
                Stage::Closed
            } else {
                Stage::Cancelled
            },
            ids,
        );
        if closed {
            let status = match i % 40 {
                1 => DeploymentStatus::Partial,
                21 => DeploymentStatus::RolledBack,
                _ => DeploymentStatus::Successful,
            };
            let late = i % 8 == 3;
            let started = start + chrono::Duration::minutes(if late { 45 } else { 0 });
            let took = Duration::minutes(if late { 170 } else { 110 });
            r.deployment = Some(Deployment {
                status,
                started,
                duration: took,
                verification: Some(Verification::Passed),
                issues: vec![],
                follow_up: vec![],
                by: "Dana Deployer <ops@example.com>".into(),
                at: started + took.to_chrono(),
            });
            r.closure = Some(Closure {
                config_updated: true,
                config_items: vec![],
                satisfaction: None,
                pir_due: None,
                planned_start: start,
                actual_start: started,
                planned_duration: r.window.duration,
                actual_duration: took,
                changes: CHANGES_PER_RELEASE,
                defects_in_test: DefectCounts::default(),
                defects_post_deploy: 0,
                rollback: status == DeploymentStatus::RolledBack,
                on_time: !late,
                fix_cycles: 0,
                by: r.planned_by.clone(),
                at: start + chrono::Duration::days(1),
            });
        } else {
            r.cancellation = Some(Reasoned {
                reason: "generated".into(),
                by: r.planned_by.clone(),
                at: start,
            });
        }
        write(
            dir,
            &paths::release(&ReleaseId::parse(&id).unwrap()),
            yaml::to_string(&r),
        );
    }
    // The release the benchmark promotes, and a free change for `rel plan`.
    let target_day = chrono::NaiveDate::from_ymd_opt(2026, 1, 17).unwrap();
    let mut ids = vec![];
    for k in 1..=3 {
        let cid = format!("CHG-2026-{k:04}");
        write(
            dir,
            &paths::change(&cid, 2026),
            yaml::to_string(&change(
                &cid,
                "finance",
                target_day,
                Some("REL-2026-01-001"),
            )),
        );
        ids.push(cid);
    }
    write(
        dir,
        &paths::change("CHG-2026-9001", 2026),
        yaml::to_string(&change("CHG-2026-9001", "hr-portal", target_day, None)),
    );
    let mut r = release(
        "REL-2026-01-001",
        "finance",
        ts("2026-01-17T20:00:00+00:00"),
        Stage::Plan,
        ids,
    );
    r.booked_at = ts("2026-01-02T09:00:00+00:00");
    r.approvals.push(Approval {
        role: "service-owner".into(),
        purpose: Purpose::Definition,
        by: "Frances Owner <fo@example.com>".into(),
        at: ts("2026-01-05T09:00:00+00:00"),
        on_behalf_of: None,
    });
    write(
        dir,
        &paths::release(&ReleaseId::parse("REL-2026-01-001").unwrap()),
        yaml::to_string(&r),
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "generated history"]);
    eprintln!("generated.");
}
