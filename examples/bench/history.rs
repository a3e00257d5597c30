//! The commands that read history, on generated histories of rel commits
//! (changes added, releases planned, approved, their evidence recorded,
//! promoted to closed, several in flight) of 5,000 and 20,000 commits, against git on
//! the same range in the same run:
//!
//! - `rel check --base HEAD~200` and `HEAD~10` against `git diff` of the
//!   same range (budget: 50 ms + 2 ms per branch commit);
//! - `rel audit verify` against `git log -p`, whole and `--since`;
//! - one `rel change import` of 60,000 changes, and the same 60,000 files
//!   committed by hand, `rel audit verify` against `rel check`.
//!
//! The histories (`lifecycle.rs`: rel's records and commit formats, a
//! hand edit every 97th commit) are written with `git fast-import`, not by
//! running rel 20,000 times. Run: `cargo run --release --example bench -- history [DIR]`.

use super::{change, env, git, median, ms, ratio, run, timed, ts};
use rel::store::{paths, yaml};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

const SIZES: [usize; 2] = [5_000, 20_000];
const IMPORT: usize = 60_000;

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
    let since = &format!("HEAD~{}", 1000.min(n / 2));
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

    fn commit(&mut self, who: &str, time: i64, message: &str, files: &[(String, String)]) {
        let w = &mut self.out;
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
    // rel takes the actor from git config: the release manager.
    git(dir, &["config", "user.name", "Riley Manager"]);
    git(dir, &["config", "user.email", "rm@example.com"]);
    run(rel, dir, &["init", "."]);
}

/// `commits` commits after `rel init`, as a team using rel writes them
/// (see `lifecycle.rs`): three releases a maintenance night, each taken
/// from its changes to closed, ending in the weeks before the benchmark's
/// `REL_NOW`.
fn generate(dir: &Path, rel: &Path, commits: usize) {
    eprintln!("generating {} ...", dir.display());
    // About 5,300 commits a year of maintenance nights.
    let first =
        ts(super::NOW).date_naive() - chrono::Duration::days(30 + commits as i64 * 365 / 5_300);
    // `rel init` a month before the first booking.
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    let mut cmd = Command::new(rel);
    env(&mut cmd, dir);
    let born = format!("{}T09:00:00+00:00", first - chrono::Duration::days(30));
    let out = cmd
        .env("REL_NOW", &born)
        .env("GIT_AUTHOR_DATE", &born)
        .env("GIT_COMMITTER_DATE", &born)
        .args(["init", "."])
        .output()
        .unwrap();
    assert!(out.status.success(), "rel init failed");
    let repo = rel::store::Repo::discover(Some(dir), dir).unwrap();
    let policy = repo.load_policy().unwrap();
    let calendar = repo.load_calendar(&policy).unwrap();
    let mut generator = super::lifecycle::Generator::new(policy, calendar, first);
    let mut import = Import::new(dir);
    for _ in 0..commits {
        let c = generator.next_commit();
        import.commit(&c.author, c.time, &c.message, &c.files);
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
        // An hour after `rel init`, dated by the same clock.
        let time = ts(super::NOW).timestamp() + 3600;
        import.commit(
            "Riley Manager <rm@example.com>",
            time,
            "Migrate changes from the old tracker\n",
            &files,
        );
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
