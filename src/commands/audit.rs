//! `rel audit verify`: did each rel commit change what its trailers say,
//! and which commits edited records by hand? Reads the history of the
//! records and has the review engine judge it (`crate::review::audit`).

use super::check_base::{judged_history, resolve};
use super::{Ctx, end_without_teardown, print_json};
use crate::cli::AuditCommand;
use crate::error::{Error, Result};
use crate::review;
use crate::store::history::{self, HistoryOptions};

pub fn run(ctx: &Ctx, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { since } => verify(ctx, since.as_deref()),
    }
}

fn verify(ctx: &Ctx, since: Option<&str>) -> Result<()> {
    let repo = ctx.repo()?;
    let hide = since.map(|s| resolve(&repo, "--since", s)).transpose()?;
    // Judged as `rel check --base` judges a branch, under the policy and
    // calendars of HEAD; without them, only against the trailers.
    let rules = repo
        .load_policy()
        .and_then(|p| repo.load_calendar(&p).map(|c| (p, c)));
    let (report, history) = match rules {
        Ok((policy, calendar)) => {
            let history = judged_history(&repo, hide, &policy)?;
            let rules = review::BranchRules {
                policy: &policy,
                calendar: &calendar,
                head_policy: None,
            };
            (review::audit_judged(&rules, &history), history)
        }
        Err(e) => {
            eprintln!(
                "note: {e}; commits are verified against their trailers only, not judged by the policy"
            );
            let options = HistoryOptions {
                signatures: false,
                policy: None,
                surroundings: None,
            };
            let history = history::records(&repo, hide, &options)?;
            (review::audit(&history), history)
        }
    };
    if ctx.json() {
        print_json(&report)?;
    } else {
        for h in &report.hand_edits {
            println!(
                "hand edit: {} {}: {} ({}, \"{}\")",
                h.commit, h.file, h.what, h.author, h.subject
            );
        }
        for f in &report.findings {
            println!("finding: {} {}: {}", f.commit, f.file, f.message);
        }
        println!(
            "{} transitions verified, {} rel commits, {} hand edits, {} findings",
            report.transitions,
            report.rel_commits,
            report.hand_edits.len(),
            report.findings.len()
        );
    }
    end_without_teardown((history, repo));
    if report.ok {
        Ok(())
    } else {
        Err(Error::Reported(1))
    }
}
