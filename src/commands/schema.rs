//! `rel schema`, `rel completions`, `rel man`: generated from the types and
//! the clap definitions, never written by hand.

use super::Ctx;
use crate::cli::{Cli, CompletionsArgs, ManArgs, SchemaArgs};
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
            let mut wrote = vec![];
            for (name, text) in schemas() {
                crate::store::atomic::write(&dir.join(name), text.as_bytes())?;
                wrote.push(dir.join(name));
            }
            print_wrote(ctx, &wrote)
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

/// The script on stdout; with `--json`, `{"shell": ..., "script": ...}`.
pub fn completions(ctx: &Ctx, a: CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    if !ctx.json() {
        clap_complete::generate(a.shell, &mut cmd, "rel", &mut std::io::stdout());
        return Ok(());
    }
    let mut script = vec![];
    clap_complete::generate(a.shell, &mut cmd, "rel", &mut script);
    super::print_json(&serde_json::json!({
        "shell": a.shell.to_string(),
        "script": String::from_utf8_lossy(&script),
    }))
}

/// What the top page adds to clap's sections: exit codes (SPEC section 6),
/// the environment rel reads, and where the subcommands' pages come from.
const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success.
.TP
\fB1\fR
Refused: the command is well formed but the release's state or the policy does not allow it: a gate failed, a stage that is not the release's, something already recorded, a time the record or the clock contradicts, \fBrel check\fR findings, a calendar conflict, an unauthorised actor.
.TP
\fB2\fR
Usage error: the command line is wrong on its own terms: an unknown flag or value, a missing or malformed one, nothing to do.
.TP
\fB3\fR
Bad data or environment: what the command acts on does not exist (a release, change or defect), malformed YAML (with file, line and column), an unknown field, not a records repository, a record with uncommitted edits, a git failure.
.TP
\fB4\fR
Concurrent update: another rel process holds the lock, or HEAD moved. Nothing was written; retry.
.SH ENVIRONMENT
.TP
\fBREL_ROOT\fR
The records root, as \fB\-\-root\fR.
.TP
\fBREL_NOW\fR
The clock, as an RFC 3339 time (for tests and backfills); commits made by rel are dated by it.
.TP
\fBNO_COLOR\fR
Never colour the output (it is coloured only on a terminal anyway).
.TP
\fBCI\fR
When set, rel never prompts, as with \fB\-\-no\-input\fR.
.TP
\fBGIT_AUTHOR_DATE\fR, \fBGIT_COMMITTER_DATE\fR
Dates for the commits rel makes, when set (else \fBREL_NOW\fR or the clock).
.SH "SEE ALSO"
Each subcommand has its own page (\fBrel\-plan\fR(1), \fBrel\-change\-add\fR(1), ...), written with every other page by \fBrel man \-\-out\fR \fIDIR\fR.
"#;

/// A page with a complete title line: `.TH REL-PLAN 1 DATE "rel 0.1.0"
/// "rel Manual"`. clap_mangen leaves the date empty and gives a
/// subcommand's page a source without a version, so roff read the source
/// where the date goes. The date is the day the pages are written
/// (`REL_NOW` fixes it).
fn page(cmd: &clap::Command, date: &str) -> clap_mangen::Man {
    let title = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_uppercase();
    clap_mangen::Man::new(cmd.clone())
        .title(title)
        .date(date)
        .source(format!("rel {}", env!("CARGO_PKG_VERSION")))
        .manual("rel Manual")
}

/// The top page: clap's sections plus exit status and environment.
fn render_top(cmd: &clap::Command, date: &str, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let man = page(cmd, date);
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    man.render_subcommands_section(w)?;
    w.write_all(MAN_EXTRA.as_bytes())?;
    man.render_version_section(w)
}

/// Pages for every subcommand, recursively, named as the top page's
/// SUBCOMMANDS section refers to them (`rel-change-add.1`).
fn write_pages(
    cmd: &clap::Command,
    date: &str,
    dir: &std::path::Path,
    wrote: &mut Vec<std::path::PathBuf>,
) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, date, dir, wrote)?;
        let man = page(sub, date);
        let mut text = vec![];
        man.render(&mut text)?;
        let path = dir.join(man.get_filename());
        std::fs::write(&path, tidy(&text))?;
        wrote.push(path);
    }
    Ok(())
}

/// clap_mangen separates an option's possible values from its description
/// by `.br`, an empty line and `.br`, which mandoc warns about (a break
/// around a blank line); one `.sp` is the same paragraph space.
fn tidy(roff: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(roff)
        .replace("\n.br\n\n.br\n", "\n.sp\n")
        .into_bytes()
}

pub fn man(ctx: &Ctx, a: ManArgs) -> Result<()> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let failed = |e: std::io::Error| Error::data(format!("cannot write the man page: {e}"));
    let date = ctx.now.format("%Y-%m-%d").to_string();
    let Some(dir) = a.out else {
        if !ctx.json() {
            return render_top(&cmd, &date, &mut std::io::stdout()).map_err(failed);
        }
        // With --json: the page as a string, `{"page": "rel.1", "roff": ...}`.
        let mut text = vec![];
        render_top(&cmd, &date, &mut text).map_err(failed)?;
        return super::print_json(&serde_json::json!({
            "page": "rel.1",
            "roff": String::from_utf8_lossy(&text),
        }));
    };
    let dir = ctx.cwd.join(dir);
    std::fs::create_dir_all(&dir).map_err(|e| Error::file(&dir, e.to_string()))?;
    let top = dir.join("rel.1");
    let mut text = vec![];
    render_top(&cmd, &date, &mut text).map_err(failed)?;
    let text = tidy(&text);
    crate::store::atomic::write(&top, &text)?;
    let mut wrote = vec![top];
    write_pages(&cmd, &date, &dir, &mut wrote).map_err(|e| Error::file(&dir, e.to_string()))?;
    wrote.sort();
    print_wrote(ctx, &wrote)
}

/// `wrote PATH` lines, or with `--json` `{"wrote": [PATH, ...]}`.
fn print_wrote(ctx: &Ctx, wrote: &[std::path::PathBuf]) -> Result<()> {
    if ctx.json() {
        let paths: Vec<String> = wrote.iter().map(|p| p.display().to_string()).collect();
        return super::print_json(&serde_json::json!({ "wrote": paths }));
    }
    for path in wrote {
        println!("wrote {}", path.display());
    }
    Ok(())
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
