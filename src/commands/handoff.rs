//! `rel handoff ID`: the handoff package for the deployment team (Markdown).

use super::{Ctx, load_changes};
use crate::error::Result;
use crate::model::ReleaseId;
use crate::render::handoff;

pub fn run(ctx: &Ctx, id: &str) -> Result<()> {
    let id = ReleaseId::parse(id)?;
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let release = repo.load_release(&id)?;
    let changes = load_changes(&repo, &policy, &release.changes)?;
    let doc = handoff::render(&release, &changes, &policy);
    super::print_document(ctx, &doc, &doc.markdown, &doc.missing)
}
