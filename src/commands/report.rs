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
        // The defect and reason lines wrap as `rel show` wraps its own;
        // the table already fits.
        let text = report::render(&r, ctx.table_width);
        print!("{}", crate::render::wrap::wrap(&text, ctx.text_width()));
        Ok(())
    }
}
