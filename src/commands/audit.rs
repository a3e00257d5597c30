//! `rel audit verify`: did each rel commit change what its trailers say,
//! and which commits edited records by hand? Reads the history of the
//! records and has the review engine judge it (`crate::review::audit`).

use super::check_base::resolve;
use super::{Ctx, print_json};
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
    let options = HistoryOptions {
        signatures: false,
        policy: None,
        surroundings: None,
    };
    let report = review::audit(&history::records(&repo, hide, &options)?);
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
    if report.ok {
        Ok(())
    } else {
        Err(Error::Reported(1))
    }
}
