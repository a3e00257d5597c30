//! Times rel against plain git (or against the work it cannot avoid) on
//! generated records repositories, and prints each ratio measured in the
//! same run:
//!
//! - 10,000 releases and 50,000 changes: `rel promote` against a hand-made
//!   `git commit` of the same file, `rel plan` against `git status`, and
//!   `rel check`, `rel list`, `rel metrics`, `rel change list` against
//!   parsing every record once on one thread (the parse floor);
//! - histories of 5,000 and 20,000 rel commits (the commit format of
//!   `rel::commands::message`, a hand edit now and then): `rel log ID`
//!   against `git log -- FILE`, `rel log` against `git log`;
//! - 40,000 releases and 200,000 changes: `rel show` of a release in build
//!   whose service has no closed release (the walk back to the oldest
//!   month), first with no cache and then as usual, `rel check` against its
//!   parse floor, and the peak memory of `rel change list`.
//!
//! - `rel site` (every page of the release site) against `rel check`;
//! - `rel change import` of 60,000 rows into a new records repository,
//!   against the same files written and committed by hand (`git add` +
//!   `git commit`) and against `rel check` of the result;
//! - a synced `rel plan` (policy `sync`: fetch, plan, push with a lease)
//!   against a local bare remote, against `git fetch` + `git push` of one
//!   commit by hand (in a small records repository of its own).
//!
//! Run: `cargo build --release && cargo run --release --example bench [-- DIR]`
//! (the repositories are generated under DIR, and reused when present;
//! `REL_BENCH_SMALL=1` divides every size by 20, for a quick trial run).
//!
//! `-- history [DIR]` times the commands that judge history instead
//! (`rel check --base`, `rel audit verify`; see `bench/history.rs`).

#[path = "bench/history.rs"]
mod history;
#[path = "bench/lifecycle.rs"]
mod lifecycle;

use rel::model::*;
use rel::store::{paths, yaml};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration as StdDuration, Instant};

const RELEASES: u32 = 10_000;
const CHANGES_PER_RELEASE: u32 = 5;
/// The large repository: 40,000 releases over 2005..2025, 200,000 changes.
const BIG_RELEASES: u32 = 40_000;
const RUNS: usize = 5;
/// Runs of the commands that take seconds.
const SLOW_RUNS: usize = 3;
const NOW: &str = "2026-01-10T09:00:00+00:00";

fn main() {
    let exe = std::env::current_exe().unwrap();
    let rel = exe.parent().unwrap().parent().unwrap().join("rel");
    assert!(
        rel.exists(),
        "build the binary first: cargo build --release ({} missing)",
        rel.display()
    );
    if std::env::args().nth(1).as_deref() == Some("history") {
        let dir = std::env::args()
            .nth(2)
            .map(PathBuf::from)
            // Named after the generator (`bench/lifecycle.rs`): histories
            // an older generator left under another name are not reused.
            .unwrap_or_else(|| std::env::temp_dir().join("rel-bench-lifecycle"));
        return history::main(&rel, &dir);
    }
    let top = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("rel-bench"));
    let dir = top.join("records-10k");
    if !dir.join("policy.yaml").exists() {
        generate(&dir, &rel, size(RELEASES), 2016, "finance");
    }
    // rel takes the actor from git config: the release manager, who may
    // promote and plan.
    git(&dir, &["config", "user.name", "Riley Manager"]);
    git(&dir, &["config", "user.email", "rm@example.com"]);
    let target = "REL-2026-01-001";
    let mut table = Report::default();

    // rel promote vs git commit of the same file.
    let promote = median(RUNS, || {
        let t = timed(|| run(&rel, &dir, &["promote", target]));
        git(&dir, &["reset", "-q", "--hard", "HEAD~1"]);
        t
    });
    let release_path = paths::release(&ReleaseId::parse(target).unwrap());
    let original = std::fs::read_to_string(dir.join(&release_path)).unwrap();
    let commit = median(RUNS, || {
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
    table.row(
        "rel promote",
        promote,
        "git add + commit of the file",
        commit,
    );

    // rel plan (conflict checking reads only nearby months) vs git status.
    let plan = median(RUNS, || {
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
    let status = median(RUNS, || timed(|| git(&dir, &["status", "--porcelain"])));
    table.row("rel plan", plan, "git status", status);

    // Whole-repository reads vs parsing every record once on one thread.
    // (Each row's runs alternate with the floor's, so that both see the
    // same load on a shared machine.)
    for args in [
        &["check"][..],
        &["list"],
        &["list", "--stage", "closed"],
        &["metrics"],
        &["change", "list"],
        &["change", "list", "--service", "ledger"],
    ] {
        let (t, floor) = paired(
            RUNS,
            || timed(|| run(&rel, &dir, args)),
            || timed(|| parse_all(&dir)),
        );
        table.row(
            &format!("rel {} (10k/50k)", args.join(" ")),
            t,
            "one-thread parse floor",
            floor,
        );
    }

    // rel site vs rel check: the site reads what check reads, and writes a
    // page per release and per month.
    let out = tempfile::tempdir().unwrap();
    let (site, check) = paired(
        RUNS,
        || {
            let public = out.path().join("public");
            let _ = std::fs::remove_dir_all(&public);
            timed(|| run(&rel, &dir, &["site", "--out", public.to_str().unwrap()]))
        },
        || timed(|| run(&rel, &dir, &["check"])),
    );
    let pages = count_files(&out.path().join("public"));
    table.row(
        &format!("rel site (10k, {pages} files)"),
        site,
        "rel check",
        check,
    );

    // History: rel log vs git log.
    for commits in [size(5_000), size(20_000)] {
        let dir = top.join(format!("history-{commits}"));
        if !dir.join("policy.yaml").exists() {
            history(&dir, &rel, commits);
        }
        let (id, file) = history_target(commits);
        let file = file.to_str().unwrap().to_string();
        let (log_id, git_file) = paired(
            RUNS,
            || timed(|| run(&rel, &dir, &["log", &id])),
            || timed(|| git(&dir, &["log", "--", &file])),
        );
        table.row(
            &format!("rel log ID ({commits} commits)"),
            log_id,
            "git log -- FILE",
            git_file,
        );
        let (log, git_all) = paired(
            RUNS,
            || timed(|| run(&rel, &dir, &["log"])),
            || timed(|| git(&dir, &["log"])),
        );
        table.row(
            &format!("rel log ({commits} commits)"),
            log,
            "git log",
            git_all,
        );
    }

    // 40,000 releases: the version in production, and the big reads.
    let big = top.join("records-40k");
    if !big.join("policy.yaml").exists() {
        generate(&big, &rel, size(BIG_RELEASES), 2005, "hr-portal");
        run(&rel, &big, &["promote", target]);
    }
    // The month summaries and the index built from them.
    let caches = ["production", "production-index"].map(|f| big.join(".git/rel").join(f));
    let cold = median(RUNS, || {
        for cache in &caches {
            let _ = std::fs::remove_file(cache);
        }
        timed(|| run(&rel, &big, &["show", target]))
    });
    table.row(
        "rel show, no closed release (40k), no cache",
        cold,
        "20 ms",
        StdDuration::from_millis(20),
    );
    let show = median(RUNS, || timed(|| run(&rel, &big, &["show", target])));
    table.row(
        "rel show, no closed release (40k)",
        show,
        "20 ms",
        StdDuration::from_millis(20),
    );
    let (check, floor) = paired(
        SLOW_RUNS,
        || timed(|| run(&rel, &big, &["check"])),
        || timed(|| parse_all(&big)),
    );
    table.row(
        "rel check (40k/200k)",
        check,
        "one-thread parse floor",
        floor,
    );
    let mut peak = 0;
    let list = median(SLOW_RUNS, || {
        let (t, kib) = timed_peak(&rel, &big, &["change", "list"]);
        peak = peak.max(kib);
        t
    });
    table.row(
        "rel change list (200k)",
        list,
        "one-thread parse floor",
        floor,
    );

    // rel change import of 60,000 rows into a new repository vs the same
    // files written and committed by hand, and vs rel check of the result.
    import_rows(&top, &rel, &mut table);

    let (synced, offline, by_hand) = synced_plan(&rel);
    table.row(
        "rel plan, synced (small, local bare remote)",
        synced,
        "git fetch + git push of one commit",
        by_hand,
    );
    table.row(
        "rel plan --offline (the same plan)",
        offline,
        "rel plan, synced",
        synced,
    );

    println!("repositories under {}", top.display());
    println!("medians ({RUNS} runs, {SLOW_RUNS} for the 40k repository's whole reads):");
    table.print();
    println!(
        "  rel change list (200k) peak memory {:.0} MiB",
        peak as f64 / 1024.0
    );
}

/// Rows of the CSV `rel change import` reads, and the change records they
/// become.
const IMPORT_ROWS: usize = 60_000;

/// `rel change import` of [`IMPORT_ROWS`] rows into a new records
/// repository (after `rel init`) against the same files written and
/// committed by hand (`git add -A` + `git commit`), and `rel check` of the
/// imported repository.
fn import_rows(top: &Path, rel: &Path, table: &mut Report) {
    let rows = size(IMPORT_ROWS as u32) as usize;
    let id = |i: usize| format!("CHG-{}-{:04}", 2016 + i / 7500, 1 + i % 7500);
    let csv = top.join(format!("import-{rows}.csv"));
    let mut text = String::from("id,title,service,status,owner,target,ready\n");
    for i in 0..rows {
        text.push_str(&format!(
            "{},Imported {i},finance,approved,dev@example.com,2025-03-15,yes\n",
            id(i)
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let target = ts("2025-03-15T00:00:00+00:00").date_naive();
    let files: Vec<(PathBuf, String)> = (0..rows)
        .map(|i| {
            let c = change(&id(i), "finance", target, None);
            let year = 2016 + (i / 7500) as i32;
            (paths::change(&c.id, year), yaml::to_string(&c))
        })
        .collect();
    let scratch = top.join("import-scratch");
    let fresh = |name: &str| {
        let dir = scratch.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "-q", "-b", "main"]);
        git(&dir, &["config", "user.name", "Riley Manager"]);
        git(&dir, &["config", "user.email", "rm@example.com"]);
        run(rel, &dir, &["init", "."]);
        dir
    };
    let (import, by_hand) = paired(
        SLOW_RUNS,
        || {
            let dir = fresh("rel");
            timed(|| run(rel, &dir, &["change", "import", csv.to_str().unwrap()]))
        },
        || {
            let dir = fresh("git");
            timed(|| {
                for (path, text) in &files {
                    write(&dir, path, text.clone());
                }
                git(&dir, &["add", "-A"]);
                git(&dir, &["commit", "-q", "-m", "import by hand"]);
            })
        },
    );
    table.row(
        &format!("rel change import ({rows} rows)"),
        import,
        "the files by hand + git add + commit",
        by_hand,
    );
    let imported = scratch.join("rel");
    let check = median(SLOW_RUNS, || timed(|| run(rel, &imported, &["check"])));
    table.row(
        &format!("rel change import ({rows} rows)"),
        import,
        "rel check of the result",
        check,
    );
    let _ = std::fs::remove_dir_all(&scratch);
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
    let synced = median(RUNS, || {
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
    let offline = median(RUNS, || {
        let t = timed(|| run(rel, &clone, &offline_args));
        undo();
        t
    });
    let by_hand = median(RUNS, || {
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

/// Rows of `rel` timings against their baselines.
#[derive(Default)]
struct Report(Vec<(String, StdDuration, String, StdDuration)>);

impl Report {
    fn row(&mut self, what: &str, t: StdDuration, base: &str, b: StdDuration) {
        eprintln!("  {what}: {:.1} ms ({base} {:.1} ms)", ms(t), ms(b));
        self.0.push((what.to_string(), t, base.to_string(), b));
    }

    fn print(&self) {
        for (what, t, base, b) in &self.0 {
            println!(
                "  {what:<44} {:>9.1} ms   {base:<30} {:>9.1} ms   ratio {:.2}",
                ms(*t),
                ms(*b),
                ratio(*t, *b)
            );
        }
    }
}

/// Runs rel once, returning its time and peak resident memory (KiB).
// The child is reaped by `wait4`, which also reports its peak memory.
#[allow(clippy::zombie_processes)]
fn timed_peak(rel: &Path, dir: &Path, args: &[&str]) -> (StdDuration, i64) {
    let mut cmd = Command::new(rel);
    env(&mut cmd, dir);
    cmd.args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let start = Instant::now();
    let child = cmd.spawn().unwrap();
    let mut status = 0;
    // SAFETY: plain FFI call on a child this process spawned and has not
    // waited for; `usage` is a valid, writable struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let done = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let t = start.elapsed();
    assert_eq!(done, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "rel {args:?} failed"
    );
    (t, usage.ru_maxrss)
}

/// `n`, or a twentieth of it for a trial run.
fn size(n: u32) -> u32 {
    if std::env::var_os("REL_BENCH_SMALL").is_some() {
        n / 20
    } else {
        n
    }
}

fn ms(d: StdDuration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(a: StdDuration, b: StdDuration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// The medians of `runs` runs of `f` and of `g`, run in turn.
fn paired(
    runs: usize,
    mut f: impl FnMut() -> StdDuration,
    mut g: impl FnMut() -> StdDuration,
) -> (StdDuration, StdDuration) {
    let mut a = vec![];
    let mut b = vec![];
    for _ in 0..runs {
        a.push(f());
        b.push(g());
    }
    a.sort();
    b.sort();
    (a[runs / 2], b[runs / 2])
}

fn median(runs: usize, mut f: impl FnMut() -> StdDuration) -> StdDuration {
    let mut v: Vec<StdDuration> = (0..runs).map(|_| f()).collect();
    v.sort();
    v[runs / 2]
}

fn timed(f: impl FnOnce()) -> StdDuration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn env(cmd: &mut Command, dir: &Path) {
    cmd.current_dir(dir)
        .env("REL_NOW", NOW)
        // Commits made by hand (the generated records, the baselines) are
        // dated as rel's are: rel refuses a clock earlier than HEAD's.
        .env("GIT_AUTHOR_DATE", NOW)
        .env("GIT_COMMITTER_DATE", NOW)
        .env("GIT_AUTHOR_NAME", "Riley Manager")
        .env("GIT_AUTHOR_EMAIL", "rm@example.com")
        .env("GIT_COMMITTER_NAME", "Riley Manager")
        .env("GIT_COMMITTER_EMAIL", "rm@example.com")
        .env("NO_COLOR", "1");
}

fn run(rel: &Path, dir: &Path, args: &[&str]) {
    let mut cmd = Command::new(rel);
    cmd.stdout(std::process::Stdio::piped());
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

/// `count` releases from `first_year` to 2025, five changes each: of
/// finance's and ledger's, nine in ten closed with their deployment and
/// closure (one in twenty of those partial or rolled back, one in eight
/// late), one in ten cancelled; hr-portal's all cancelled (a service with
/// no version in production); then one planned release of
/// `target_service` ready to promote.
fn generate(dir: &Path, rel: &Path, count: u32, first_year: i32, target_service: &str) {
    eprintln!("generating {} ...", dir.display());
    std::fs::create_dir_all(dir).unwrap();
    run(rel, dir, &["init", "."]);
    let services = ["finance", "ledger", "hr-portal"];
    let per_year = count.div_ceil((2026 - first_year) as u32);
    let mut counters = std::collections::BTreeMap::new();
    let mut change_no: std::collections::BTreeMap<i32, u32> = Default::default();
    for i in 0..count {
        let year = first_year + (i / per_year) as i32;
        let k = i % per_year;
        let month = 1 + k * 12 / per_year;
        let day = 3 + (k % 24);
        let start = ts(&format!("{year:04}-{month:02}-{day:02}T20:00:00+00:00"));
        let n = counters.entry((year, month)).or_insert(0u32);
        *n += 1;
        let id = ReleaseId::new(year, month, *n).to_string();
        let service = services[(i % 3) as usize];
        let closed = service != "hr-portal" && i % 10 != 0;
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
            // Versions rise with time, below the promoted release's 30.0.0.
            r.version = Some(format!("{}.{k}.0", year - 2000));
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
                outside_window: None,
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
                target_service,
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
        target_service,
        ts("2026-01-17T20:00:00+00:00"),
        Stage::Plan,
        ids,
    );
    r.version = Some("30.0.0".into());
    r.booked_at = ts("2026-01-02T09:00:00+00:00");
    // A complete definition, approved as it stands.
    r.rationale = "Enhancements".into();
    r.risk = Some(Risk {
        level: Impact::Medium,
        summary: "Reversible".into(),
    });
    r.resources = vec!["staging environment".into()];
    r.rollback = Some(Rollback {
        window: rel::model::Duration::parse("4h").unwrap(),
        procedure: "runbook section 7".into(),
    });
    let owner = if target_service == "hr-portal" {
        "Harriet Owner <ho@example.com>"
    } else {
        "Frances Owner <fo@example.com>"
    };
    r.approvals.push(Approval {
        role: "service-owner".into(),
        purpose: Purpose::Definition,
        by: owner.into(),
        at: ts("2026-01-05T09:00:00+00:00"),
        on_behalf_of: None,
        delegation_until: None,
        digest: Some(digest::of(&r, Purpose::Definition)),
    });
    write(
        dir,
        &paths::release(&ReleaseId::parse("REL-2026-01-001").unwrap()),
        yaml::to_string(&r),
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "generated records"]);
    eprintln!("generated.");
}

/// Releases of a generated history: 40 a month from January 2020.
fn history_release(k: u32) -> (String, PathBuf, Timestamp) {
    let month0 = k / 40;
    let year = 2020 + (month0 / 12) as i32;
    let month = 1 + month0 % 12;
    let id = ReleaseId::new(year, month, k % 40 + 1);
    let start = ts(&format!(
        "{year:04}-{month:02}-{:02}T20:00:00+00:00",
        3 + k % 24
    ));
    (id.to_string(), paths::release(&id), start)
}

/// The release `rel log ID` is timed on: one in the middle of the history.
fn history_target(commits: u32) -> (String, PathBuf) {
    let (id, path, _) = history_release(commits / 6 / 2);
    (id, path)
}

/// A history of `commits` commits as rel makes them: each release planned,
/// promoted through every stage and closed, one commit a step, with rel's
/// subjects and trailers (`rel::commands::message`); every 97th commit is
/// a hand edit without trailers. Written with `git fast-import`.
fn history(dir: &Path, rel: &Path, commits: u32) {
    eprintln!("generating {} ...", dir.display());
    std::fs::create_dir_all(dir).unwrap();
    run(rel, dir, &["init", "."]);
    let head = {
        let out = Command::new("git")
            .current_dir(dir)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = std::io::BufWriter::new(child.stdin.take().unwrap());
    let stages = [
        Stage::Plan,
        Stage::Build,
        Stage::Test,
        Stage::Stage,
        Stage::Deploy,
        Stage::Closed,
    ];
    let services = ["finance", "ledger", "hr-portal"];
    let mut time: i64 = 1_577_869_200; // 2020-01-01 09:00 UTC
    for n in 0..commits {
        let k = n / 6;
        let step = (n % 6) as usize;
        let (id, path, start) = history_release(k);
        let service = services[(k % 3) as usize];
        let mut r = release(&id, service, start, stages[step], vec![]);
        r.version = Some(format!("1.{k}.0"));
        let message = if n % 97 == 96 {
            "Fix a typo in a release record\n".to_string()
        } else if step == 0 {
            rel::commands::message(
                &r,
                "plan",
                &format!("plan {service} minor release"),
                None,
                None,
                &[],
            )
            .render()
        } else {
            let (action, what) = if step == 5 {
                ("close", "close")
            } else {
                ("promote", "promote")
            };
            let mut m = rel::commands::message(
                &r,
                action,
                what,
                Some((stages[step - 1], stages[step])),
                None,
                &[],
            );
            m.trailers.push(("Rel-Gates".into(), "6 passed".into()));
            m.body =
                "pass    window: inside a maintenance window\npass    blackout: no blackout".into();
            m.render()
        };
        let content = yaml::to_string(&r);
        use std::io::Write;
        writeln!(w, "commit refs/heads/main").unwrap();
        for who in ["author", "committer"] {
            writeln!(w, "{who} Riley Manager <rm@example.com> {time} +0000").unwrap();
        }
        write!(w, "data {}\n{message}\n", message.len()).unwrap();
        if n == 0 {
            writeln!(w, "from {head}").unwrap();
        }
        writeln!(w, "M 100644 inline {}", path.display()).unwrap();
        write!(w, "data {}\n{content}\n", content.len()).unwrap();
        time += 600;
    }
    drop(w);
    assert!(child.wait().unwrap().success(), "git fast-import failed");
    git(dir, &["reset", "-q", "--hard", "main"]);
    eprintln!("generated.");
}
