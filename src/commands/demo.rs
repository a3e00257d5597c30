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
        return Err(Error::usage(format!(
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
                "DEF-1",
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
        step(
            &RM,
            "2025-03-14T10:00:00+00:00",
            "Readiness review, more than 24 hours before the window.",
            &["readiness", id],
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
        step(
            &RM,
            "2025-03-17T09:00:00+00:00",
            "Configuration records updated: close with the metrics.",
            &["close", id, "--config-updated"],
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
    ];
    std::fs::create_dir_all(&dir).map_err(|e| Error::file(&dir, e.to_string()))?;
    for s in steps.drain(..) {
        if !s.say.is_empty() {
            println!("# {}", s.say);
        }
        println!("$ rel {}   ({} at {})", quote(&s.args), s.who.email, s.now);
        if s.args[0] != "init" {
            set_identity(&dir, s.who)?;
        }
        let out = Command::new(&exe)
            .args(&s.args)
            .current_dir(&dir)
            .env("REL_NOW", s.now)
            .env("NO_COLOR", "1")
            .env_remove("REL_ROOT")
            .env("GIT_AUTHOR_NAME", s.who.name)
            .env("GIT_AUTHOR_EMAIL", s.who.email)
            .env("GIT_COMMITTER_NAME", s.who.name)
            .env("GIT_COMMITTER_EMAIL", s.who.email)
            .env("GIT_AUTHOR_DATE", s.now)
            .env("GIT_COMMITTER_DATE", s.now)
            .output()
            .map_err(|e| Error::data(format!("cannot run {}: {e}", exe.display())))?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        print!("{}", String::from_utf8_lossy(&out.stderr));
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
    println!(
        "Done: {id} went from plan to closed. Explore it with `cd {} && git log`.",
        dir.display()
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
