//! `rel record ID build|test`: build verification and test results.

use super::{Ctx, Loaded, commit_release, message, print_json};
use crate::cli::{RecordArgs, RecordWhat};
use crate::error::{Error, Result};
use crate::model::{BuildRecord, Release, Stage, TestCategory, TestRun, Verification};

/// Evidence commands act in one stage; anything else is refused with the
/// stage the release is in.
pub fn require_stage(release: &Release, stage: Stage, what: &str) -> Result<()> {
    if release.stage == stage {
        Ok(())
    } else {
        Err(Error::refused(format!(
            "{} is in {}: {what} is recorded in stage `{stage}`",
            release.id, release.stage
        )))
    }
}

pub fn run(ctx: &Ctx, a: RecordArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("record", ctx.now)?;
    let mut release = loaded.release.clone();
    let cycle = release.cycle();
    let action;
    match a.what {
        RecordWhat::Build {
            verification,
            package,
            components,
            version,
        } => {
            require_stage(&release, Stage::Build, "build verification")?;
            let verification = Verification::parse_flag("--verification", &verification)?;
            if let Some(v) = version {
                super::version_flag(&loaded.policy, &release.service, &v)?;
                release.version = Some(v);
            }
            release.build.push(BuildRecord {
                verification,
                package,
                components,
                cycle,
                by: loaded.actor.clone(),
                at: ctx.now,
            });
            action = format!("record build ({verification})");
        }
        RecordWhat::Test {
            category,
            passed,
            failed,
            blocked,
            scope,
        } => {
            require_stage(&release, Stage::Test, "a test result")?;
            let category = TestCategory::parse_flag("--category", &category)?;
            if let Some(s) = &scope {
                let known = crate::gates::known_scopes(&loaded.policy, category);
                if !known.is_empty() && !known.contains(s) {
                    return Err(Error::usage(format!(
                        "--scope: `{s}` is not a scope of {category}; expected one of: {}",
                        known.join(", ")
                    )));
                }
            }
            if passed + failed + blocked == 0 {
                return Err(Error::usage(
                    "--passed, --failed, --blocked: a test run executes at least one case",
                ));
            }
            release.tests.push(TestRun {
                category,
                passed,
                failed,
                blocked,
                scope: scope.clone(),
                cycle,
                by: loaded.actor.clone(),
                at: ctx.now,
            });
            action = format!(
                "record test {category} ({passed} passed, {failed} failed, {blocked} blocked)"
            );
            if let Some((_, needed)) = loaded
                .policy
                .required_tests(release.kind)
                .into_iter()
                .find(|(c, _)| *c == category)
                && !crate::gates::scope_covers(scope.as_deref(), &needed)
            {
                let ran = scope
                    .as_deref()
                    .map(|s| format!("at scope {s}"))
                    .unwrap_or_else(|| "without a scope".to_string());
                ctx.warn(format_args!(
                    "tests-passed: this {category} run is recorded {ran}, below the {needed} a {} release requires; it does not count for the gate",
                    release.kind
                ));
            }
        }
    }
    let msg = message(&release, "record", &action, None, None, &[]);
    commit_release(&loaded.repo, &release, &msg)?;
    if ctx.json() {
        print_json(&release)
    } else {
        println!("{}: {action}", release.id);
        Ok(())
    }
}
