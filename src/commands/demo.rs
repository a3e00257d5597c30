//! `rel demo [DIR]`: the seed's worked example, a finance release from plan
//! to closed in a scratch repository, run step by step through the real
//! binary so each step prints what a release manager would see.

use super::Ctx;
use crate::cli::DemoArgs;
use crate::error::{Error, Result};
use std::path::Path;
use std::process::Command;

struct Person {
    name: &'static str,
    email: &'static str,
}

const RM: Person = Person {
    name: "Riley Manager",
    email: "rm@example.com",
};
const OWNER: Person = Person {
    name: "Frances Owner",
    email: "fo@example.com",
};
const TESTER: Person = Person {
    name: "Quinn Tester",
    email: "qa@example.com",
};
const DEPLOYER: Person = Person {
    name: "Dana Deployer",
    email: "ops@example.com",
};

/// One step: who, when (`REL_NOW`), the arguments, and whether it is
/// expected to be refused (to show what a refusal looks like).
struct Step {
    who: &'static Person,
    now: &'static str,
    args: Vec<&'static str>,
    refused: bool,
    say: &'static str,
}

fn step(who: &'static Person, now: &'static str, say: &'static str, args: &[&'static str]) -> Step {
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
    println!("Scratch records repository: {}\n", dir.display());
    let id = "REL-2025-03-001";
    let mut steps = vec![
        step(
            &RM,
            "2025-03-01T09:00:00+00:00",
            "Create the records repository (policy, calendars, one commit).",
            &["init", "."],
        ),
        step(
            &RM,
            "2025-03-01T09:05:00+00:00",
            "Mirror the approved changes from the change-management system.",
            &[
                "change",
                "add",
                "CHG-2025-0892",
                "--title",
                "Updated reporting module with export functionality",
                "--service",
                "finance",
                "--status",
                "approved",
                "--owner",
                "dev1@example.com",
                "--target",
                "2025-03-15",
                "--ready",
            ],
        ),
        step(
            &RM,
            "2025-03-01T09:06:00+00:00",
            "",
            &[
                "change",
                "add",
                "CHG-2025-0901",
                "--title",
                "Fixed calculation error in budget summaries",
                "--service",
                "finance",
                "--status",
                "approved",
                "--owner",
                "dev2@example.com",
                "--target",
                "2025-03-15",
                "--ready",
            ],
        ),
        step(
            &RM,
            "2025-03-01T09:07:00+00:00",
            "",
            &[
                "change",
                "add",
                "CHG-2025-0915",
                "--title",
                "Added multi-language support for notifications",
                "--service",
                "finance",
                "--status",
                "approved",
                "--owner",
                "dev3@example.com",
                "--target",
                "2025-03-14",
                "--ready",
            ],
        ),
        // The calendar refuses a Friday evening outside every maintenance
        // window and proposes the next start it could book.
        Step {
            refused: true,
            ..step(
                &RM,
                "2025-03-03T09:55:00+00:00",
                "A Friday evening is outside the maintenance windows: refused, with the next slot.",
                &[
                    "plan",
                    "--service",
                    "finance",
                    "--type",
                    "minor",
                    "--target",
                    "2025-03-14 20:00",
                    "--change",
                    "CHG-2025-0892",
                    "--change",
                    "CHG-2025-0901",
                    "--change",
                    "CHG-2025-0915",
                ],
            )
        },
        step(
            &RM,
            "2025-03-03T10:00:00+00:00",
            "Plan the release; the schedule is worked back from the target.",
            &[
                "plan",
                "--service",
                "finance",
                "--type",
                "minor",
                "--title",
                "Finance system v2.4.0",
                "--target",
                "2025-03-15 20:00",
                "--duration",
                "2h",
                "--version",
                "2.4.0",
                "--impact",
                "high",
                "--change",
                "CHG-2025-0892",
                "--change",
                "CHG-2025-0901",
                "--change",
                "CHG-2025-0915",
                "--rationale",
                "Enhancements and non-critical fixes",
                "--risk",
                "Medium: reporting and budget calculations change; every change reversible",
                "--resource",
                "staging environment",
                "--resource",
                "QA team (2 testers)",
                "--rollback-window",
                "4h",
                "--rollback-procedure",
                "See deployment runbook section 7",
                "--requires",
                "Requires database schema v2.4 (included in package)",
                "--requires",
                "Compatible with API gateway v3.1 or later",
                "--runbook",
                "https://wiki.example.com/finance/runbook-2.4",
                "--contact",
                "Riley Manager <rm@example.com>",
            ],
        ),
        Step {
            refused: true,
            ..step(
                &RM,
                "2025-03-03T10:05:00+00:00",
                "What blocks the build stage? (a refusal: exit 1, nothing written)",
                &["gate", id],
            )
        },
        step(
            &OWNER,
            "2025-03-04T09:00:00+00:00",
            "The service owner approves the release definition.",
            &["approve", id, "--role", "service-owner"],
        ),
        Step {
            refused: true,
            ..step(
                &OWNER,
                "2025-03-04T09:10:00+00:00",
                "Promotion is the release manager's: the owner is refused (exit 1, nothing written).",
                &["promote", id],
            )
        },
        step(
            &RM,
            "2025-03-05T09:00:00+00:00",
            "Planning complete: promote to build.",
            &["promote", id],
        ),
        step(
            &RM,
            "2025-03-07T11:00:00+00:00",
            "Build verification passed; the package is stored.",
            &[
                "record",
                id,
                "build",
                "--verification",
                "passed",
                "--package",
                "artifacts://finance/2.4.0",
                "--component",
                "finance-api",
                "--component",
                "reports",
            ],
        ),
        step(
            &RM,
            "2025-03-07T11:25:00+00:00",
            "The notification's text (written nowhere).",
            &["notify", id, "--draft"],
        ),
        step(
            &RM,
            "2025-03-07T11:30:00+00:00",
            "High impact: notify each audience 5 business days ahead.",
            &[
                "notify",
                id,
                "--audience",
                "all-users",
                "--audience",
                "leadership",
                "--audience",
                "partners",
            ],
        ),
        step(
            &RM,
            "2025-03-07T12:00:00+00:00",
            "",
            &["promote", id, "--to", "test"],
        ),
        // A fix cycle: a high defect found in test goes back to build, and
        // testing restarts from build verification.
        step(
            &RM,
            "2025-03-10T09:00:00+00:00",
            "A high defect in the smoke tests blocks the release.",
            &[
                "defect",
                id,
                "add",
                "--severity",
                "high",
                "--title",
                "Budget summary totals off by one cent",
            ],
        ),
        step(
            &RM,
            "2025-03-10T09:10:00+00:00",
            "Fix cycle: back to build for a corrected package.",
            &[
                "demote",
                id,
                "--to",
                "build",
                "--reason",
                "DEF-1: rounding fix",
            ],
        ),
        step(
            &RM,
            "2025-03-10T12:00:00+00:00",
            "",
            &[
                "record",
                id,
                "build",
                "--verification",
                "passed",
                "--package",
                "artifacts://finance/2.4.0-2",
            ],
        ),
        step(
            &RM,
            "2025-03-10T12:10:00+00:00",
            "",
            &["defect", id, "resolve", "DEF-1", "--fixed"],
        ),
        step(
            &RM,
            "2025-03-10T12:20:00+00:00",
            "",
            &["promote", id, "--to", "test"],
        ),
        step(
            &TESTER,
            "2025-03-10T16:00:00+00:00",
            "The release team records results per category of the seed's matrix (minor release).",
            &[
                "record",
                id,
                "test",
                "--category",
                "smoke",
                "--passed",
                "12",
                "--failed",
                "0",
            ],
        ),
        step(
            &TESTER,
            "2025-03-10T16:10:00+00:00",
            "",
            &[
                "record",
                id,
                "test",
                "--category",
                "functional-changed",
                "--passed",
                "48",
                "--failed",
                "0",
            ],
        ),
        step(
            &TESTER,
            "2025-03-10T16:20:00+00:00",
            "",
            &[
                "record",
                id,
                "test",
                "--category",
                "functional-unchanged",
                "--passed",
                "120",
                "--failed",
                "0",
            ],
        ),
        step(
            &TESTER,
            "2025-03-10T16:30:00+00:00",
            "",
            &[
                "record",
                id,
                "test",
                "--category",
                "regression",
                "--passed",
                "310",
                "--failed",
                "0",
                "--scope",
                "full-suite",
            ],
        ),
        step(
            &TESTER,
            "2025-03-10T16:40:00+00:00",
            "",
            &[
                "record",
                id,
                "test",
                "--category",
                "integration",
                "--passed",
                "25",
                "--failed",
                "0",
                "--scope",
                "all-interfaces",
            ],
        ),
        step(
            &TESTER,
            "2025-03-10T16:50:00+00:00",
            "",
            &[
                "record",
                id,
                "test",
                "--category",
                "performance",
                "--passed",
                "4",
                "--failed",
                "0",
                "--scope",
                "baseline-comparison",
            ],
        ),
        step(
            &TESTER,
            "2025-03-10T17:00:00+00:00",
            "",
            &[
                "record",
                id,
                "test",
                "--category",
                "security",
                "--passed",
                "1",
                "--failed",
                "0",
                "--scope",
                "vulnerability-scan",
            ],
        ),
        step(
            &TESTER,
            "2025-03-10T17:10:00+00:00",
            "A medium defect: acceptable as a known issue with a workaround.",
            &[
                "defect",
                id,
                "add",
                "--severity",
                "medium",
                "--title",
                "Export to PDF fails for reports exceeding 500 pages",
            ],
        ),
        step(
            &TESTER,
            "2025-03-10T17:20:00+00:00",
            "",
            &[
                "defect",
                id,
                "resolve",
                "DEF-2",
                "--known-issue",
                "--workaround",
                "export in batches",
            ],
        ),
        step(
            &RM,
            "2025-03-11T09:00:00+00:00",
            "The test summary report.",
            &["report", id],
        ),
        step(
            &RM,
            "2025-03-11T09:30:00+00:00",
            "",
            &["promote", id, "--to", "stage"],
        ),
        step(
            &OWNER,
            "2025-03-13T15:00:00+00:00",
            "Acceptance sign-off by the service owner.",
            &[
                "approve",
                id,
                "--role",
                "service-owner",
                "--for",
                "acceptance",
            ],
        ),
        // The readiness checklist: a review that leaves an item open, then
        // one that confirms all six and supersedes it.
        step(
            &RM,
            "2025-03-13T17:00:00+00:00",
            "Readiness review, 24 to 72 hours before the window: one check open.",
            &[
                "readiness",
                id,
                "--confirm",
                "package-verified",
                "--confirm",
                "runbook-validated",
                "--confirm",
                "rollback-tested",
                "--confirm",
                "on-call-identified",
                "--confirm",
                "communications-prepared",
            ],
        ),
        step(
            &RM,
            "2025-03-14T10:00:00+00:00",
            "Dashboards ready: a new review confirms all six checks.",
            &[
                "readiness",
                id,
                "--confirm",
                "package-verified",
                "--confirm",
                "runbook-validated",
                "--confirm",
                "rollback-tested",
                "--confirm",
                "on-call-identified",
                "--confirm",
                "monitoring-configured",
                "--confirm",
                "communications-prepared",
            ],
        ),
        step(
            &OWNER,
            "2025-03-15T12:00:00+00:00",
            "Go decision on the deployment day.",
            &["go", id],
        ),
        step(
            &RM,
            "2025-03-15T19:00:00+00:00",
            "Hand off to deployment.",
            &["promote", id, "--to", "deploy"],
        ),
        step(
            &DEPLOYER,
            "2025-03-15T22:30:00+00:00",
            "The deployment team confirms.",
            &[
                "deploy",
                id,
                "--status",
                "successful",
                "--started",
                "2025-03-15 20:00",
                "--duration",
                "2h15m",
                "--verification",
                "passed",
            ],
        ),
        // Close the release: tell stakeholders how it ended, then record
        // the configuration items updated.
        step(
            &RM,
            "2025-03-15T22:40:00+00:00",
            "The completion notice, worded for a successful deployment.",
            &["notify", id, "--draft", "--completion"],
        ),
        step(
            &RM,
            "2025-03-15T22:45:00+00:00",
            "",
            &[
                "notify",
                id,
                "--completion",
                "--audience",
                "all-users",
                "--audience",
                "leadership",
                "--audience",
                "partners",
            ],
        ),
        step(
            &RM,
            "2025-03-17T09:00:00+00:00",
            "Configuration items updated: close; the changes become implemented.",
            &[
                "close",
                id,
                "--ci",
                "finance-api=2.4.0",
                "--ci",
                "finance-reports=2.4.0",
                "--satisfaction",
                "4/5",
            ],
        ),
        step(
            &RM,
            "2025-03-17T09:05:00+00:00",
            "The release record.",
            &["show", id],
        ),
        step(
            &RM,
            "2025-03-17T09:06:00+00:00",
            "Release notes.",
            &["notes", id],
        ),
        step(
            &RM,
            "2025-03-17T09:07:00+00:00",
            "The audit trail is git history.",
            &["log", id],
        ),
        step(
            &RM,
            "2025-03-17T09:08:00+00:00",
            "Delivery metrics.",
            &["metrics"],
        ),
        // A minor release joins the periodic post-implementation review.
        step(
            &RM,
            "2025-03-28T15:00:00+00:00",
            "Post-implementation reviews: what is due.",
            &["pir", "list"],
        ),
        step(
            &RM,
            "2025-03-28T16:00:00+00:00",
            "The periodic review session covers the minor release.",
            &[
                "pir",
                "session",
                "--date",
                "2025-03-28",
                "--release",
                id,
                "--outcome",
                "On time; one fix cycle for a rounding defect",
                "--action",
                "Add rounding cases to the regression suite",
            ],
        ),
    ];
    std::fs::create_dir_all(&dir).map_err(|e| Error::file(&dir, e.to_string()))?;
    for s in steps.drain(..) {
        if !s.say.is_empty() {
            print!("{}", fit(&format!("# {}", s.say)));
        }
        println!("# as {} at {}", s.who.email, s.now);
        print!("{}", command_line(&s.args));
        if s.args[0] != "init" {
            set_identity(&dir, s.who)?;
        }
        let out = Command::new(&exe)
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
        print!("{}", fit(&String::from_utf8_lossy(&out.stdout)));
        print!("{}", fit(&String::from_utf8_lossy(&out.stderr)));
        let ok = out.status.success();
        if ok == s.refused {
            return Err(Error::data(format!(
                "the walkthrough stopped: `rel {}` exited with {}",
                quote(&s.args),
                out.status.code().unwrap_or(-1)
            )));
        }
        if s.args[0] == "init" {
            set_identity(&dir, s.who)?;
        }
        println!();
    }
    print!(
        "{}",
        fit(&format!(
            "Done: {id} went from plan to closed. Explore it with `cd {} && git log`.",
            dir.display()
        ))
    );
    Ok(())
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
