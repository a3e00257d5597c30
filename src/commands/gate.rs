//! `rel gate ID`: evaluate the next transition's gates, change nothing.

use super::{Ctx, Loaded, print_json};
use crate::error::{Error, Result};
use crate::render::evaluation;

pub fn run(ctx: &Ctx, id: &str) -> Result<()> {
    let loaded = Loaded::load(ctx, id)?;
    let release = &loaded.release;
    let Some(to) = release.stage.next() else {
        return Err(Error::refused(format!(
            "{} is {}: there is no next stage",
            release.id, release.stage
        )));
    };
    let eval = loaded.evaluate(release, to, ctx.now);
    if ctx.json() {
        print_json(&eval)?;
    } else {
        let text = evaluation::render_with_headline(&eval);
        print!("{}", crate::render::wrap::wrap(&text, ctx.text_width()));
    }
    if eval.allowed {
        Ok(())
    } else {
        Err(Error::Reported(1))
    }
}
