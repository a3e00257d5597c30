//! `rel report ID`: the test summary report.

use super::{Ctx, print_json};
use crate::error::Result;
use crate::model::ReleaseId;
use crate::render::report;

pub fn run(ctx: &Ctx, id: &str) -> Result<()> {
    let id = ReleaseId::parse(id)?;
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let release = repo.load_release(&id)?;
    let r = report::build(&release, &policy);
    if ctx.json() {
        print_json(&r)
    } else {
        print!("{}", report::render(&r, ctx.table_width));
        Ok(())
    }
}
