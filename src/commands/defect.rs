//! `rel defect ID add|resolve`: defects found in test, with the seed's
//! severities ("Critical and high defects trigger a fix cycle").

use super::{Ctx, Loaded, commit_release, message, print_json};
use crate::cli::{DefectArgs, DefectWhat};
use crate::error::{Error, Result};
use crate::model::{Defect, DefectStatus, Severity, Stage};

pub fn run(ctx: &Ctx, a: DefectArgs) -> Result<()> {
    let loaded = Loaded::load(ctx, &a.id)?;
    loaded.permit("defect", ctx.now)?;
    let mut release = loaded.release.clone();
    let text;
    match a.what {
        DefectWhat::Add {
            severity,
            title,
            post_deploy,
        } => {
            let severity = Severity::parse_flag("--severity", &severity)?;
            let ok = if post_deploy {
                matches!(release.stage, Stage::Deploy | Stage::Closed)
            } else {
                matches!(release.stage, Stage::Build | Stage::Test | Stage::Stage)
            };
            if !ok {
                return Err(Error::refused(format!(
                    "{} is in {}: defects found in test are recorded in build, test or stage; after deployment use --post-deploy",
                    release.id, release.stage
                )));
            }
            let id = format!("DEF-{}", release.defects.len() + 1);
            release.defects.push(Defect {
                id: id.clone(),
                severity,
                title: title.clone(),
                status: DefectStatus::Open,
                workaround: None,
                post_deploy,
                by: loaded.actor.clone(),
                at: ctx.now,
                resolved_by: None,
                resolved_at: None,
            });
            text = format!("add defect {id} ({severity}): {title}");
        }
        DefectWhat::Resolve {
            defect,
            fixed,
            known_issue,
            workaround,
        } => {
            if !fixed && !known_issue {
                return Err(Error::usage(
                    "resolve needs --fixed or --known-issue --workaround \"...\"",
                ));
            }
            let release_id = release.id.clone();
            let fixed_build = fixed_build_after(&release, &defect);
            let known: Vec<String> = release.defects.iter().map(|d| d.id.clone()).collect();
            let d = release
                .defects
                .iter_mut()
                .find(|d| d.id == defect)
                .ok_or_else(|| {
                    Error::data(format!(
                        "{release_id} has no defect {defect}; its defects: {}",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ))
                })?;
            if d.status != DefectStatus::Open {
                return Err(Error::refused(format!(
                    "{defect} is already resolved ({})",
                    d.status
                )));
            }
            if known_issue {
                if matches!(d.severity, Severity::Critical | Severity::High) {
                    return Err(Error::refused(format!(
                        "{defect} is {}: critical and high defects must be fixed before release, not documented as known issues",
                        d.severity
                    )));
                }
                let w = workaround.unwrap_or_default();
                if w.trim().is_empty() {
                    return Err(Error::usage("--workaround: describe the workaround"));
                }
                d.status = DefectStatus::KnownIssue;
                d.workaround = Some(w);
            } else {
                // Seed, "Test the release": critical and high defects
                // trigger a fix cycle; they are fixed by a new build.
                if matches!(d.severity, Severity::Critical | Severity::High)
                    && !d.post_deploy
                    && !fixed_build
                {
                    return Err(Error::refused(format!(
                        "{defect} is {}: it is fixed through a fix cycle and a new build: rel demote {release_id} --to build --reason \"fix {defect}\", rel record {release_id} build --verification passed ..., then rel defect {release_id} resolve {defect} --fixed",
                        d.severity
                    )));
                }
                d.status = DefectStatus::Fixed;
            }
            d.resolved_by = Some(loaded.actor.clone());
            d.resolved_at = Some(ctx.now);
            text = format!("resolve defect {defect} as {}", d.status);
        }
    }
    let msg = message(&release, "defect", &text, None, None, &[]);
    commit_release(&loaded.repo, &release, &msg)?;
    if ctx.json() {
        print_json(&release)
    } else {
        println!("{}: {text}", release.id);
        Ok(())
    }
}

/// A fix cycle began after `defect` was found and its build is recorded.
fn fixed_build_after(release: &crate::model::Release, defect: &str) -> bool {
    let Some(found) = release
        .defects
        .iter()
        .find(|d| d.id == defect)
        .map(|d| d.at)
    else {
        return false;
    };
    release.fix_cycles.last().is_some_and(|f| f.at >= found) && release.current_build().is_some()
}
