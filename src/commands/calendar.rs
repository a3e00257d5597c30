//! `rel calendar`: the week grid, the list, conflicts, iCalendar.

use super::Ctx;
use crate::cli::CalendarArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, a: CalendarArgs) -> Result<()> {
    let _ = (ctx, a);
    Ok(())
}
