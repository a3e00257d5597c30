//! A stress run of rel's concurrency and crash guarantees (SPEC section 5),
//! through the real binary: rounds of N = 8, 16 and 32 parallel `rel notify`
//! (appends to one release) and `rel plan --next` (all for one window, so
//! ids and slots race), then a loop that `kill -9`s `rel notify` at random
//! moments. After every round and
//! every kill it checks each invariant:
//!
//! - every exit code is 0, 1 (refused by policy, for plan) or 4 (lost the
//!   race, nothing written); a killed command's state is repaired by the
//!   next one;
//! - the commits made equal the commands that succeeded (plus killed ones
//!   that got as far as moving the branch);
//! - no lost append: every successful notification is in HEAD, and HEAD
//!   holds exactly as many as succeeded; every planned id and window is
//!   distinct, and every booking is in HEAD;
//! - `git fsck --strict` passes, `git status` is clean, and no lock file
//!   or journal is left behind.
//!
//! Run: `cargo build && cargo run --example stress [-- ROUNDS KILLS]`
//! (defaults 2 rounds per N and 40 kills). Not a timed test: it prints
//! its counts and panics on the first broken invariant.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2025-03-01T09:00:00+00:00";
const RELEASE: &str = "REL-2025-03-001";

struct Env {
    rel: PathBuf,
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Env {
    fn cmd(&self, program: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("REL_NOW", NOW)
            .env("GIT_AUTHOR_DATE", NOW)
            .env("GIT_COMMITTER_DATE", NOW)
            .env("NO_COLOR", "1")
            .args(args);
        c
    }

    fn rel(&self, args: &[&str]) -> Command {
        self.cmd(&self.rel, args)
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.cmd(Path::new("git"), args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.rel(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "rel {args:?} exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn commits(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }

    /// The audiences of the release's notifications, as committed.
    fn audiences(&self) -> Vec<String> {
        let text = self.git(&["show", &format!("HEAD:releases/2025/03/{RELEASE}.yaml")]);
        text.lines()
            .filter_map(|l| l.trim_start().strip_prefix("- audience: "))
            .chain(
                text.lines()
                    .filter_map(|l| l.trim_start().strip_prefix("audience: ")),
            )
            .map(|a| a.trim_matches('\'').trim_matches('"').to_string())
            .collect()
    }

    fn release_files(&self) -> Vec<String> {
        self.git(&["ls-tree", "-r", "--name-only", "HEAD", "releases/"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The window start of each committed release.
    fn window_starts(&self) -> Vec<String> {
        self.release_files()
            .iter()
            .map(|f| {
                let text = self.git(&["show", &format!("HEAD:{f}")]);
                text.lines()
                    .find_map(|l| l.trim_start().strip_prefix("start: "))
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    /// fsck, a clean status, no lock file or journal.
    fn invariants(&self, when: &str) {
        self.git(&["fsck", "--strict", "--no-progress"]);
        let status = self.git(&["status", "--porcelain"]);
        assert_eq!(status, "", "{when}: git status is not clean:\n{status}");
        for f in ["index.lock", "refs/heads/main.lock", "rel-journal"] {
            assert!(
                !self.dir.path().join(".git").join(f).exists(),
                "{when}: .git/{f} left behind"
            );
        }
    }
}

fn setup(rel: &Path) -> Env {
    let env = Env {
        rel: rel.to_path_buf(),
        dir: tempfile::tempdir().unwrap(),
        home: tempfile::tempdir().unwrap(),
    };
    env.git(&["init", "-q", "-b", "main"]);
    env.git(&["config", "user.name", "Riley Manager"]);
    env.git(&["config", "user.email", "rm@example.com"]);
    env.ok(&["init", "."]);
    add_change(&env, "CHG-2025-0001");
    env.ok(&[
        "plan",
        "--service",
        "finance",
        "--type",
        "minor",
        "--target",
        "2025-03-15 20:00",
        "--change",
        "CHG-2025-0001",
    ]);
    env
}

fn add_change(env: &Env, id: &str) {
    env.ok(&[
        "change",
        "add",
        id,
        "--title",
        "Stress",
        "--service",
        "finance",
        "--status",
        "approved",
        "--owner",
        "dev@example.com",
        "--target",
        "2025-03-15",
        "--ready",
    ]);
}

#[derive(Default)]
struct Counts {
    runs: usize,
    ok: usize,
    refused: usize,
    concurrent: usize,
    kills: usize,
    killed_after_commit: usize,
    repaired: usize,
    lost: usize,
}

fn spawn(mut c: Command) -> Child {
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn notify_round(env: &Env, n: usize, round: usize, counts: &mut Counts) {
    let before = env.commits();
    let had = env.audiences();
    let names: Vec<String> = (0..n).map(|i| format!("n{n}-r{round}-{i}")).collect();
    let children: Vec<Child> = names
        .iter()
        .map(|a| spawn(env.rel(&["notify", RELEASE, "--audience", a])))
        .collect();
    let mut appended = vec![];
    for (child, name) in children.into_iter().zip(&names) {
        let out = child.wait_with_output().unwrap();
        counts.runs += 1;
        match out.status.code() {
            Some(0) => {
                counts.ok += 1;
                appended.push(name.clone());
            }
            Some(4) => counts.concurrent += 1,
            code => panic!(
                "notify exited {code:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    let now = env.audiences();
    assert_eq!(
        env.commits(),
        before + appended.len(),
        "commits != successes"
    );
    let lost: Vec<&String> = appended.iter().filter(|a| !now.contains(a)).collect();
    counts.lost += lost.len();
    assert!(lost.is_empty(), "lost appends: {lost:?}");
    assert_eq!(
        now.len(),
        had.len() + appended.len(),
        "notifications != successes"
    );
    env.invariants(&format!("notify N={n}"));
}

fn plan_round(env: &Env, n: usize, round: usize, counts: &mut Counts) {
    let ids: Vec<String> = (0..n)
        .map(|i| format!("CHG-2025-{:04}", 1000 + round * 100 + i))
        .collect();
    for id in &ids {
        add_change(env, id);
    }
    let before = env.commits();
    let files_before = env.release_files().len();
    let children: Vec<Child> = ids
        .iter()
        .map(|id| {
            // All for one window with --next: the ids and the slots race;
            // each booking must get its own.
            let mut c = env.rel(&[
                "plan",
                "--service",
                "finance",
                "--type",
                "minor",
                "--target",
                "2025-03-09 20:00",
                "--duration",
                "1h",
                "--next",
                "--change",
                id,
            ]);
            c.arg("--no-input");
            spawn(c)
        })
        .collect();
    let mut planned = vec![];
    for child in children {
        let out = child.wait_with_output().unwrap();
        counts.runs += 1;
        match out.status.code() {
            Some(0) => {
                counts.ok += 1;
                let id = String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                planned.push(id);
            }
            Some(1) => counts.refused += 1,
            Some(4) => counts.concurrent += 1,
            code => panic!(
                "plan exited {code:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    let mut unique = planned.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        planned.len(),
        "an id was given twice: {planned:?}"
    );
    assert_eq!(
        env.commits(),
        before + planned.len(),
        "commits != successes"
    );
    let files = env.release_files();
    let lost: Vec<&String> = planned
        .iter()
        .filter(|id| !files.iter().any(|f| f.contains(id.as_str())))
        .collect();
    counts.lost += lost.len();
    assert!(lost.is_empty(), "lost bookings: {lost:?}");
    assert_eq!(files.len(), files_before + planned.len());
    let mut starts = env.window_starts();
    let all = starts.len();
    starts.sort();
    starts.dedup();
    assert_eq!(starts.len(), all, "two releases booked the same window");
    env.invariants(&format!("plan N={n}"));
}

/// A small deterministic generator (xorshift), so a run can be repeated.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn kill_loop(env: &Env, kills: usize, counts: &mut Counts) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // How long one notify takes here, to aim the kills inside it.
    let mut spans: Vec<u64> = (0..3)
        .map(|t| {
            let start = Instant::now();
            env.ok(&["notify", RELEASE, "--audience", &format!("timing-{t}")]);
            start.elapsed().as_micros().max(1000) as u64
        })
        .collect();
    spans.sort();
    // Up to one and a half runs: most kills land inside a command, at
    // every step of it, and some after it ended.
    let span = spans[1] * 3 / 2;
    let mut expected = env.audiences().len();
    for i in 0..kills {
        let head = env.head();
        let mut child = spawn(env.rel(&["notify", RELEASE, "--audience", &format!("k{i}")]));
        std::thread::sleep(Duration::from_micros(rng.below(span)));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        counts.runs += 1;
        if out.status.code().is_none() {
            counts.kills += 1;
        } else if out.status.success() {
            counts.ok += 1;
        }
        if env.head() != head {
            expected += 1;
            if out.status.code().is_none() {
                counts.killed_after_commit += 1;
            }
        }
        // The next command repairs whatever the kill left, then appends.
        if std::env::var_os("STRESS_DEBUG").is_some() {
            for f in ["refs/heads/main.lock", "rel-journal", "index.lock"] {
                let p = env.dir.path().join(".git").join(f);
                if let Ok(m) = std::fs::metadata(&p) {
                    eprintln!(
                        "{f}: {:?} {:?}",
                        std::fs::read(&p).map(|b| String::from_utf8_lossy(&b).into_owned()),
                        m.modified()
                    );
                }
            }
        }
        let repair = env.ok(&["notify", RELEASE, "--audience", &format!("after-k{i}")]);
        counts.runs += 1;
        counts.ok += 1;
        if String::from_utf8_lossy(&repair.stderr).contains("interrupted rel command") {
            counts.repaired += 1;
        }
        expected += 1;
        let have = env.audiences().len();
        if have != expected {
            counts.lost += expected.abs_diff(have);
            panic!("after kill {i}: {have} notifications, expected {expected}");
        }
        if i % 10 == 9 || i + 1 == kills {
            env.invariants(&format!("kill {i}"));
        } else {
            let status = env.git(&["status", "--porcelain"]);
            assert_eq!(status, "", "kill {i}: {status}");
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let kills: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(40);
    let exe = std::env::current_exe().unwrap();
    let rel = exe.parent().unwrap().parent().unwrap().join("rel");
    assert!(
        rel.exists(),
        "build the binary first ({} missing)",
        rel.display()
    );

    let mut total = Counts::default();
    for n in [8, 16, 32] {
        let env = setup(&rel);
        let mut c = Counts::default();
        for round in 0..rounds {
            notify_round(&env, n, round, &mut c);
            plan_round(&env, n, round, &mut c);
        }
        println!(
            "N={n:2}: {} runs, {} ok, {} refused by policy (plan), {} exit 4, {} lost updates",
            c.runs, c.ok, c.refused, c.concurrent, c.lost
        );
        total.runs += c.runs;
        total.ok += c.ok;
        total.refused += c.refused;
        total.concurrent += c.concurrent;
        total.lost += c.lost;
    }
    let env = setup(&rel);
    let mut k = Counts::default();
    kill_loop(&env, kills, &mut k);
    println!(
        "kill -9 loop: {} runs, {} killed ({} after the branch moved), {} repaired by the next command, {} lost updates",
        k.runs, k.kills, k.killed_after_commit, k.repaired, k.lost
    );
    println!(
        "total: {} runs, {} kills, {} lost updates; git fsck, status and locks checked after every round",
        total.runs + k.runs,
        k.kills,
        total.lost + k.lost
    );
}
