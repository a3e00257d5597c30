//! `rel init [DIR]`: create a records repository (SPEC section 1).

use super::Ctx;
use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::store::{CommitMessage, Repo, paths};
use std::path::Path;

pub const POLICY_EXAMPLE: &str = include_str!("../../policy.example.yaml");
pub const CALENDAR_EXAMPLE: &str = include_str!("../../examples/calendar.example.yaml");

/// Where editors find which schema checks which file.
pub const EDITOR_SETTINGS: &str = ".vscode/settings.json";

/// The files each schema checks, for the YAML language server (VS Code and
/// every editor using it). Records carry no schema comment of their own:
/// rel rewrites them, and a mapping here keeps their diffs to their content.
/// Policy and calendar files also name their schema in a first-line comment.
pub fn editor_settings() -> String {
    let settings = serde_json::json!({
        "yaml.schemas": {
            "./schemas/release.schema.json": ["releases/**/*.yaml"],
            "./schemas/change.schema.json": ["changes/**/*.yaml"],
            "./schemas/policy.schema.json": ["policy.yaml"],
            "./schemas/calendar.schema.json": ["calendars/*.yaml"],
        }
    });
    serde_json::to_string_pretty(&settings).expect("settings serialise") + "\n"
}

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<()> {
    let dir = match &args.dir {
        Some(d) if d.is_absolute() => d.clone(),
        Some(d) => ctx.cwd.join(d),
        None => ctx.cwd.clone(),
    };
    let root = init_at(&dir, ctx.now)?;
    if ctx.json() {
        super::print_json(&serde_json::json!({ "root": root.display().to_string() }))?;
    } else {
        println!("Initialised a records repository in {}", root.display());
        println!(
            "Next: edit policy.yaml and calendars/standard.yaml, then `rel change add` and `rel plan`."
        );
    }
    Ok(())
}

/// Creates the layout at `dir` (running `git init` when it is not inside a
/// work tree) and commits it. Refuses when `policy.yaml` already exists.
pub fn init_at(dir: &Path, now: crate::model::Timestamp) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::file(dir, format!("cannot create the folder: {e}")))?;
    let dir = dir
        .canonicalize()
        .map_err(|e| Error::file(dir, format!("cannot resolve the folder: {e}")))?;
    if dir.join(paths::POLICY).exists() {
        return Err(Error::data(format!(
            "{} already holds a records repository (policy.yaml exists)",
            dir.display()
        )));
    }
    if git2::Repository::discover(&dir).is_err() {
        git2::Repository::init(&dir)?;
    }
    // The repository exists once policy.yaml does; it is written by the
    // commit below, so a failed init leaves nothing behind but the git init.
    let repo = Repo::create(&dir)?.with_clock(now);
    let mut tx = repo.begin()?;
    tx.write(Path::new(paths::POLICY), POLICY_EXAMPLE.to_string())?;
    tx.write(
        &Path::new(paths::CALENDARS).join("standard.yaml"),
        CALENDAR_EXAMPLE.to_string(),
    )?;
    for (name, text) in crate::commands::schema::schemas() {
        tx.write(&Path::new("schemas").join(name), text)?;
    }
    tx.write(Path::new(EDITOR_SETTINGS), editor_settings())?;
    tx.commit(&CommitMessage {
        subject: "Initialise release records".to_string(),
        body: String::new(),
        trailers: vec![("Rel-Action".to_string(), "init".to_string())],
    })?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::POLICY_EXAMPLE;
    use crate::policy::Policy;
    use crate::policy::permissions::{DEFAULTS, roles_for};
    use std::path::Path;

    /// The policy `rel init` writes lists every action's permission, and
    /// what it lists is rel's default, so reading it tells what an action
    /// left out would get.
    #[test]
    fn the_example_policy_lists_every_permission_default() {
        let policy: Policy =
            crate::store::yaml::from_str(Path::new("policy.example.yaml"), POLICY_EXAMPLE).unwrap();
        assert!(policy.validate().is_empty(), "{:?}", policy.validate());
        let listed: Vec<&str> = policy.permissions.keys().map(String::as_str).collect();
        let mut actions: Vec<&str> = DEFAULTS.iter().map(|(a, _)| *a).collect();
        actions.sort();
        assert_eq!(listed, actions);
        for (action, roles) in DEFAULTS {
            assert_eq!(roles_for(&policy, action), roles.to_vec(), "{action}");
        }
        for role in ["release-team", "deployment-team"] {
            assert!(policy.roles.contains_key(role), "roles.{role}");
        }
    }
}
