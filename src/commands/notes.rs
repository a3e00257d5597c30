//! `rel notes ID`: release notes as Markdown.

use super::{Ctx, load_changes, print_json};
use crate::calendar::local_time::to_local;
use crate::error::Result;
use crate::model::ReleaseId;
use crate::render::notes;

pub fn run(ctx: &Ctx, id: &str) -> Result<()> {
    let id = ReleaseId::parse(id)?;
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let release = repo.load_release(&id)?;
    let changes = load_changes(&repo, &policy, &release.changes)?;
    let date = to_local(policy.tz(), release.window.start).date_naive();
    let text = notes::render(&release, &changes, date);
    let problems = notes::problems(&release, &changes);
    if ctx.json() {
        return print_json(&serde_json::json!({
            "release": release.id,
            "markdown": text,
            "problems": problems,
        }));
    }
    print!("{text}");
    for p in problems {
        ctx.warn(format_args!("{p}"));
    }
    Ok(())
}
