//! `rel schema`, `rel completions`, `rel man`: generated from the types and
//! the clap definitions, never written by hand.

use super::Ctx;
use crate::cli::{Cli, CompletionsArgs, SchemaArgs};
use crate::error::{Error, Result};
use clap::CommandFactory;

/// `(file name, JSON Schema)` for each hand-editable file kind.
pub fn schemas() -> Vec<(&'static str, String)> {
    fn one<T: schemars::JsonSchema>() -> String {
        let schema = schemars::schema_for!(T);
        serde_json::to_string_pretty(&schema).expect("schema serialises") + "\n"
    }
    vec![
        ("release.schema.json", one::<crate::model::Release>()),
        ("change.schema.json", one::<crate::model::ChangeRef>()),
        ("policy.schema.json", one::<crate::policy::Policy>()),
        (
            "calendar.schema.json",
            one::<crate::calendar::CalendarFile>(),
        ),
    ]
}

pub fn schema(ctx: &Ctx, a: SchemaArgs) -> Result<()> {
    match a.out {
        Some(dir) => {
            let dir = if dir.is_absolute() {
                dir
            } else {
                ctx.cwd.join(dir)
            };
            for (name, text) in schemas() {
                crate::store::atomic::write(&dir.join(name), text.as_bytes())?;
                println!("wrote {}", dir.join(name).display());
            }
            Ok(())
        }
        None => {
            let all: serde_json::Map<String, serde_json::Value> = schemas()
                .into_iter()
                .map(|(n, t)| (n.to_string(), serde_json::from_str(&t).unwrap_or_default()))
                .collect();
            super::print_json(&all)
        }
    }
}

pub fn completions(a: CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "rel", &mut std::io::stdout());
    Ok(())
}

pub fn man() -> Result<()> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd)
        .render(&mut std::io::stdout())
        .map_err(|e| Error::data(format!("cannot write the man page: {e}")))
}

#[cfg(test)]
mod tests {
    use super::schemas;
    use std::path::Path;

    /// The committed `schemas/*.json` (what editors point at through
    /// `yaml-language-server: $schema=...`) match the types.
    #[test]
    fn committed_schemas_are_up_to_date() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let expected = schemas();
        let mut stale = vec![];
        for (name, text) in &expected {
            match std::fs::read_to_string(dir.join(name)) {
                Ok(committed) if committed == *text => {}
                Ok(_) => stale.push(format!("{name} differs")),
                Err(_) => stale.push(format!("{name} is missing")),
            }
        }
        let mut extra: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".json") && !expected.iter().any(|(e, _)| e == n))
                    .collect()
            })
            .unwrap_or_default();
        extra.sort();
        for n in extra {
            stale.push(format!("{n} is not generated any more"));
        }
        assert!(
            stale.is_empty(),
            "schemas/ is stale ({}); run `cargo run -- schema --out schemas`",
            stale.join(", ")
        );
    }
}
