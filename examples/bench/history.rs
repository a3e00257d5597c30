//! The commands that read history, on generated histories of rel commits
//! (rel's commit format and trailers: a plan, then promotions to closed,
//! several releases in flight) of 5,000 and 20,000 commits, against git on
//! the same range in the same run:
//!
//! - `rel check --base HEAD~200` and `HEAD~10` against `git diff` of the
//!   same range (budget: 50 ms + 2 ms per branch commit);
//! - `rel audit verify` against `git log -p`, whole and `--since`;
//! - one `rel change import` of 60,000 changes, and the same 60,000 files
//!   committed by hand, `rel audit verify` against `rel check`.
//!
//! The histories are written with `git fast-import`, not by running rel
//! 20,000 times. Run: `cargo run --release --example bench -- history [DIR]`.

use super::{change, env, git, median, ms, ratio, release, run, timed, ts};
use chrono::Datelike;
use rel::model::*;
use rel::store::{paths, yaml};
use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

const SIZES: [usize; 2] = [5_000, 20_000];
const IMPORT: usize = 60_000;
/// Releases in flight at once.
const IN_FLIGHT: usize = 6;
const SERVICES: [&str; 3] = ["finance", "ledger", "hr-portal"];

pub fn main(rel: &Path, root: &Path) {
    std::fs::create_dir_all(root).unwrap();
    println!(
        "median of {} runs, ratios against the baseline of the same run:",
        super::RUNS
    );
    // REL_BENCH_COMMITS=500,1000 for a quick look.
    let sizes: Vec<usize> = std::env::var("REL_BENCH_COMMITS")
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or(SIZES.to_vec());
    for n in sizes {
        let dir = root.join(format!("history-{n}"));
        if !dir.join(".git").exists() {
            generate(&dir, rel, n);
        }
        rows(&dir, rel, n);
    }
    if std::env::var("REL_BENCH_COMMITS").is_err() {
        bulk(root, rel);
    }
}

/// `rel` that may find something (exit 0 or 1), its stdout.
fn rel_out(rel: &Path, dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(rel);
    env(&mut cmd, dir);
    let out = cmd.args(args).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "rel {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn git_out(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    env(&mut cmd, dir);
    let out = cmd.args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn row(what: &str, rel: StdDuration, base: &str, git: StdDuration) -> String {
    format!(
        "  {what:<44} {:>9.1} ms   {base:<34} {:>8.1} ms   ratio {:>6.2}",
        ms(rel),
        ms(git),
        ratio(rel, git)
    )
}

fn rows(dir: &Path, rel: &Path, n: usize) {
    let mut out = Out;
    out.push(format!("history of {n} rel commits ({}):", dir.display()));
    for back in [200, 10] {
        let base = format!("HEAD~{back}");
        let summary = rel_out(rel, dir, &["check", "--base", &base]);
        let t = median(super::RUNS, || {
            timed(|| drop(rel_out(rel, dir, &["check", "--base", &base])))
        });
        let g = median(super::RUNS, || {
            timed(|| drop(git_out(dir, &["diff", &base])))
        });
        out.push(row(
            &format!("rel check --base {base}"),
            t,
            &format!("git diff {base}"),
            g,
        ));
        out.push(format!(
            "    budget 50 ms + 2 ms x {back} = {} ms: {}; {} output lines",
            50 + 2 * back,
            if ms(t) <= (50 + 2 * back) as f64 {
                "within"
            } else {
                "OVER"
            },
            summary.lines().count()
        ));
    }
    let check = median(super::RUNS, || {
        timed(|| drop(rel_out(rel, dir, &["check"])))
    });
    out.push(format!(
        "  {:<44} {:>9.1} ms   (the whole-repository part of check --base)",
        "rel check",
        ms(check)
    ));
    let summary = rel_out(rel, dir, &["audit", "verify"]);
    let t = median(super::RUNS, || {
        timed(|| drop(rel_out(rel, dir, &["audit", "verify"])))
    });
    let g = median(super::RUNS, || timed(|| drop(git_out(dir, &["log", "-p"]))));
    out.push(row("rel audit verify", t, "git log -p", g));
    out.push(format!(
        "    {}",
        summary.lines().last().unwrap_or_default()
    ));
    let since = "HEAD~1000";
    let t = median(super::RUNS, || {
        timed(|| drop(rel_out(rel, dir, &["audit", "verify", "--since", since])))
    });
    let range = format!("{since}..HEAD");
    let g = median(super::RUNS, || {
        timed(|| drop(git_out(dir, &["log", "-p", &range])))
    });
    out.push(row(
        &format!("rel audit verify --since {since}"),
        t,
        &format!("git log -p {range}"),
        g,
    ));
}

/// Prints each line as soon as it is measured.
struct Out;

impl Out {
    fn push(&mut self, line: String) {
        println!("{line}");
    }
}

/// A fast-import stream of commits on `main`, after `from`.
struct Import {
    child: std::process::Child,
    out: std::io::BufWriter<std::process::ChildStdin>,
    from: Option<String>,
}

impl Import {
    fn new(dir: &Path) -> Import {
        let from = git_out(dir, &["rev-parse", "HEAD"]).trim().to_string();
        let mut child = Command::new("git")
            .args(["fast-import", "--quiet"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let out = std::io::BufWriter::new(child.stdin.take().unwrap());
        Import {
            child,
            out,
            from: Some(from),
        }
    }

    fn commit(&mut self, time: i64, message: &str, files: &[(String, String)]) {
        let w = &mut self.out;
        let who = "Riley Manager <rm@example.com>";
        writeln!(w, "commit refs/heads/main").unwrap();
        writeln!(w, "author {who} {time} +0000").unwrap();
        writeln!(w, "committer {who} {time} +0000").unwrap();
        writeln!(w, "data {}\n{message}", message.len()).unwrap();
        if let Some(from) = self.from.take() {
            writeln!(w, "from {from}").unwrap();
        }
        for (path, text) in files {
            writeln!(w, "M 100644 inline {path}\ndata {}\n{text}", text.len()).unwrap();
        }
        writeln!(w).unwrap();
    }

    fn finish(self, dir: &Path) {
        drop(self.out);
        let mut child = self.child;
        assert!(child.wait().unwrap().success());
        git(dir, &["reset", "-q", "--hard"]);
    }
}

fn init(dir: &Path, rel: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    run(rel, dir, &["init", "."]);
}

/// `commits` rel commits after `rel init`: each release planned with two
/// changes, then promoted build, test, stage, deploy and closed, about
/// six in flight at once, an hour apart.
fn generate(dir: &Path, rel: &Path, commits: usize) {
    eprintln!("generating {} ...", dir.display());
    init(dir, rel);
    let mut import = Import::new(dir);
    let mut time = ts("2019-01-01T08:00:00+00:00").timestamp();
    let mut flight: VecDeque<Release> = VecDeque::new();
    let mut per_month: BTreeMap<(i32, u32), u32> = BTreeMap::new();
    let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
    let mut planned = 0usize;
    for _ in 0..commits {
        time += 3600;
        let now = chrono::DateTime::from_timestamp(time, 0)
            .unwrap()
            .fixed_offset();
        if flight.len() < IN_FLIGHT {
            let start = (now + chrono::Duration::days(12))
                .date_naive()
                .and_hms_opt(20, 0, 0)
                .unwrap()
                .and_utc()
                .fixed_offset();
            let (y, m) = (start.year(), start.month());
            let k = per_month.entry((y, m)).or_default();
            *k += 1;
            let id = ReleaseId::new(y, m, *k).to_string();
            let service = SERVICES[planned % SERVICES.len()];
            planned += 1;
            let mut files = vec![];
            let mut ids = vec![];
            for _ in 0..2 {
                let c = per_year.entry(y).or_default();
                *c += 1;
                let cid = format!("CHG-{y:04}-{c:04}");
                let text = yaml::to_string(&change(&cid, service, start.date_naive(), Some(&id)));
                files.push((paths::change(&cid, y).display().to_string(), text));
                ids.push(cid);
            }
            let mut r = release(&id, service, start, Stage::Plan, ids);
            r.booked_at = now;
            let path = paths::release(&ReleaseId::parse(&id).unwrap());
            files.push((path.display().to_string(), yaml::to_string(&r)));
            let msg = rel::commands::message(&r, "plan", "plan", None, None, &[]).render();
            import.commit(time, &msg, &files);
            flight.push_back(r);
        } else {
            let mut r = flight.pop_front().unwrap();
            let from = r.stage;
            let (to, action) = match from {
                Stage::Plan => (Stage::Build, "promote"),
                Stage::Build => (Stage::Test, "promote"),
                Stage::Test => (Stage::Stage, "promote"),
                Stage::Stage => (Stage::Deploy, "promote"),
                _ => (Stage::Closed, "close"),
            };
            r.stage = to;
            let path = paths::release(&ReleaseId::parse(&r.id).unwrap());
            let msg = rel::commands::message(
                &r,
                action,
                action,
                Some((from, to)),
                None,
                &[("Rel-Gates", "4 passed".to_string())],
            )
            .render();
            import.commit(
                time,
                &msg,
                &[(path.display().to_string(), yaml::to_string(&r))],
            );
            if to != Stage::Closed {
                flight.push_back(r);
            }
        }
    }
    import.finish(dir);
    eprintln!("generated.");
}

/// 60,000 changes: imported by `rel change import` (one rel commit), and
/// committed by hand in one commit (a migration).
fn bulk(root: &Path, rel: &Path) {
    let id = |i: usize| format!("CHG-{}-{:04}", 2016 + i / 7500, 1 + i % 7500);
    let mut out = Out;
    out.push(format!("{IMPORT} changes in one commit:"));
    let imported = root.join("import-60k");
    if !imported.join(".git").exists() {
        init(&imported, rel);
        let mut csv = String::from("id,title,service,status,owner,target,ready\n");
        for i in 0..IMPORT {
            csv.push_str(&format!(
                "{},Imported {i},finance,approved,dev@example.com,2025-03-15,yes\n",
                id(i)
            ));
        }
        let file = root.join("import-60k.csv");
        std::fs::write(&file, csv).unwrap();
        let t = timed(|| {
            run(
                rel,
                &imported,
                &["change", "import", file.to_str().unwrap()],
            )
        });
        eprintln!("rel change import of {IMPORT} rows: {:.1} ms", ms(t));
    }
    let migrated = root.join("migration-60k");
    if !migrated.join(".git").exists() {
        init(&migrated, rel);
        let mut import = Import::new(&migrated);
        let files: Vec<(String, String)> = (0..IMPORT)
            .map(|i| {
                let c = change(
                    &id(i),
                    "finance",
                    ts("2025-03-15T00:00:00+00:00").date_naive(),
                    None,
                );
                let year = 2016 + (i / 7500) as i32;
                (
                    paths::change(&c.id, year).display().to_string(),
                    yaml::to_string(&c),
                )
            })
            .collect();
        let time = ts("2025-03-01T09:00:00+00:00").timestamp();
        import.commit(time, "Migrate changes from the old tracker\n", &files);
        import.finish(&migrated);
    }
    for (dir, what) in [(&imported, "rel change import"), (&migrated, "hand commit")] {
        let summary = rel_out(rel, dir, &["audit", "verify"]);
        let t = median(super::RUNS, || {
            timed(|| drop(rel_out(rel, dir, &["audit", "verify"])))
        });
        let c = median(super::RUNS, || {
            timed(|| drop(rel_out(rel, dir, &["check"])))
        });
        out.push(row(
            &format!("rel audit verify ({what})"),
            t,
            "rel check",
            c,
        ));
        out.push(format!(
            "    {} output lines; {}",
            summary.lines().count(),
            summary.lines().last().unwrap_or_default()
        ));
    }
}
