//! `rel demo [DIR]`: a release from plan to closed in a scratch repository.

use super::Ctx;
use crate::cli::DemoArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, a: DemoArgs) -> Result<()> {
    let _ = (ctx, a);
    Ok(())
}
