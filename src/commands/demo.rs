//! `rel demo [DIR]`: the seed's worked example, a finance release from plan
//! to closed in a scratch repository, run step by step through the real
//! binary so each step prints what a release manager would see.

use super::Ctx;
use crate::cli::DemoArgs;
use crate::error::{Error, Result};
use std::path::Path;
use std::process::Command;

pub(super) struct Person {
    name: &'static str,
    email: &'static str,
}

pub(super) const RM: Person = Person {
    name: "Riley Manager",
    email: "rm@example.com",
};
pub(super) const OWNER: Person = Person {
    name: "Frances Owner",
    email: "fo@example.com",
};
pub(super) const TESTER: Person = Person {
    name: "Quinn Tester",
    email: "qa@example.com",
};
pub(super) const DEPLOYER: Person = Person {
    name: "Dana Deployer",
    email: "ops@example.com",
};

/// One step: who, when (`REL_NOW`), the arguments, and whether it is
/// expected to be refused (to show what a refusal looks like).
pub(super) struct Step {
    pub(super) who: &'static Person,
    pub(super) now: &'static str,
    pub(super) args: Vec<&'static str>,
    pub(super) refused: bool,
    pub(super) say: &'static str,
}

pub(super) fn step(
    who: &'static Person,
    now: &'static str,
    say: &'static str,
    args: &[&'static str],
) -> Step {
    Step {
        who,
        now,
        args: args.to_vec(),
        refused: false,
        say,
    }
}

pub fn run(ctx: &Ctx, a: DemoArgs) -> Result<()> {
    let scratch;
    let dir = match a.dir {
        Some(d) if d.is_absolute() => d,
        Some(d) => ctx.cwd.join(d),
        None => {
            scratch = tempfile::Builder::new()
                .prefix("rel-demo-")
                .tempdir()
                .map_err(|e| Error::data(format!("cannot create a scratch folder: {e}")))?;
            scratch.keep()
        }
    };
    if dir.join("policy.yaml").exists() {
        return Err(Error::data(format!(
            "{} already holds a records repository; give an empty folder",
            dir.display()
        )));
    }
    let exe = std::env::current_exe()
        .map_err(|e| Error::data(format!("cannot find the rel executable: {e}")))?;
    let json = ctx.json();
    if !json {
        println!("Scratch records repository: {}\n", dir.display());
    }
    let id = "REL-2025-03-001";
    let mut steps = super::demo_to_test::steps(id);
    steps.extend(super::demo_to_review::steps(id));
    std::fs::create_dir_all(&dir).map_err(|e| Error::file(&dir, e.to_string()))?;
    // Under --json every step runs with --json too, and the walkthrough is
    // one document: what each step ran and answered.
    let mut record: Vec<StepRecord> = vec![];
    let mut stopped = None;
    for s in steps.drain(..) {
        if !json {
            if !s.say.is_empty() {
                print!("{}", fit(&format!("# {}", s.say)));
            }
            println!("# as {} at {}", s.who.email, s.now);
            print!("{}", command_line(&s.args));
        }
        if s.args[0] != "init" {
            set_identity(&dir, s.who)?;
        }
        let mut cmd = Command::new(&exe);
        if json {
            cmd.arg("--json");
        }
        let out = cmd
            .args(&s.args)
            .current_dir(&dir)
            .env("REL_NOW", s.now)
            .env("NO_COLOR", "1")
            .env("COLUMNS", WIDTH.to_string())
            .env_remove("REL_ROOT")
            .env("GIT_AUTHOR_NAME", s.who.name)
            .env("GIT_AUTHOR_EMAIL", s.who.email)
            .env("GIT_COMMITTER_NAME", s.who.name)
            .env("GIT_COMMITTER_EMAIL", s.who.email)
            .env("GIT_AUTHOR_DATE", s.now)
            .env("GIT_COMMITTER_DATE", s.now)
            .output()
            .map_err(|e| Error::data(format!("cannot run {}: {e}", exe.display())))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap_or(-1);
        if json {
            record.push(StepRecord::of(&s, code, &stdout, &stderr));
        } else {
            print!("{}", fit(&stdout));
            print!("{}", fit(&stderr));
        }
        if out.status.success() == s.refused {
            stopped = Some(format!(
                "the walkthrough stopped: `rel {}` exited with {code}",
                quote(&s.args)
            ));
            break;
        }
        if s.args[0] == "init" {
            set_identity(&dir, s.who)?;
        }
        if !json {
            println!();
        }
    }
    if json {
        super::print_json(&Walkthrough {
            directory: dir.display().to_string(),
            release: id,
            completed: stopped.is_none(),
            steps: record,
        })?;
    }
    if let Some(why) = stopped {
        return Err(Error::data(why));
    }
    if !json {
        print!(
            "{}",
            fit(&format!(
                "Done: {id} went from plan to closed. Explore it with `cd {} && git log`.",
                dir.display()
            ))
        );
    }
    Ok(())
}

/// `rel --json demo`: the scratch repository, the release walked, and
/// every step run.
#[derive(serde::Serialize)]
struct Walkthrough {
    directory: String,
    release: &'static str,
    /// False when a step did not end as expected (the last one listed).
    completed: bool,
    steps: Vec<StepRecord>,
}

#[derive(serde::Serialize)]
struct StepRecord {
    /// What the step shows, when the walkthrough says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    say: Option<&'static str>,
    actor: Actor,
    /// The clock the step ran at (`REL_NOW`).
    at: &'static str,
    args: Vec<&'static str>,
    /// Whether the step is meant to be refused, to show a refusal.
    expect_refusal: bool,
    exit_code: i32,
    /// Its stdout, parsed, when it is JSON; else `stdout` holds the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stdout: Option<String>,
    stderr: String,
}

#[derive(serde::Serialize)]
struct Actor {
    name: &'static str,
    email: &'static str,
}

impl StepRecord {
    fn of(s: &Step, exit_code: i32, stdout: &str, stderr: &str) -> StepRecord {
        let output = serde_json::from_str(stdout).ok();
        StepRecord {
            say: (!s.say.is_empty()).then_some(s.say),
            actor: Actor {
                name: s.who.name,
                email: s.who.email,
            },
            at: s.now,
            args: s.args.clone(),
            expect_refusal: s.refused,
            exit_code,
            stdout: (output.is_none() && !stdout.is_empty()).then(|| stdout.to_string()),
            output,
            stderr: stderr.to_string(),
        }
    }
}

fn set_identity(dir: &Path, who: &Person) -> Result<()> {
    let repo = git2::Repository::discover(dir)?;
    let mut config = repo.config()?.open_level(git2::ConfigLevel::Local)?;
    config.set_str("user.name", who.name)?;
    config.set_str("user.email", who.email)?;
    Ok(())
}

/// The walkthrough fits an 80-column terminal.
const WIDTH: usize = 80;

/// `$ rel ARGS`, continued with ` \` over lines of at most WIDTH.
fn command_line(args: &[&str]) -> String {
    let mut out = String::new();
    let mut line = "$ rel".to_string();
    for a in args {
        let word = quote(&[a]);
        if line.chars().count() + 1 + word.chars().count() + 2 > WIDTH {
            out.push_str(&line);
            out.push_str(" \\\n");
            line = format!("   {word}");
        } else {
            line.push(' ');
            line.push_str(&word);
        }
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// Wraps each line longer than WIDTH at its last space that fits,
/// continuing under the line's last column (after two spaces) in its
/// first half, or past its indentation.
fn fit(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        if chars.len() <= WIDTH {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = chars.iter().take_while(|c| **c == ' ').count();
        let column = (1..WIDTH / 2)
            .rev()
            .find(|&i| chars[i] != ' ' && chars[i - 1] == ' ' && i >= 2 && chars[i - 2] == ' ')
            .filter(|&i| i > indent);
        let hang = column.unwrap_or((indent + 4).min(WIDTH / 2));
        let mut rest: &[char] = &chars;
        let mut prefix = 0;
        while prefix + rest.len() > WIDTH {
            let room = WIDTH - prefix;
            // The last space that fits, past the start of the text.
            let cut = (1..=room.min(rest.len() - 1))
                .rev()
                .find(|&i| rest[i] == ' ' && rest[..i].iter().any(|c| *c != ' '));
            let (head, tail) = match cut {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (&rest[..room], &rest[room..]),
            };
            out.push_str(&" ".repeat(prefix));
            out.push_str(head.iter().collect::<String>().trim_end());
            out.push('\n');
            let skip = tail.iter().take_while(|c| **c == ' ').count();
            rest = &tail[skip..];
            prefix = hang;
        }
        out.push_str(&" ".repeat(prefix));
        out.push_str(&rest.iter().collect::<String>());
        out.push('\n');
    }
    out
}

fn quote(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.contains(' ') || a.is_empty() {
                format!("\"{a}\"")
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
