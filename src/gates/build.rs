//! Build -> test: version, build verification, release notes (seed, "Build
//! the release package").

use super::{GateContext, Outcome};
use crate::model::{ReleaseType, Verification, version::Version};

pub fn version(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let versioning = ctx
        .policy
        .services
        .get(&r.service)
        .map(|s| s.versioning)
        .unwrap_or_default();
    let Some(text) = &r.version else {
        return Outcome::fail(
            "the release has no version",
            format!("rel record {} build --version X.Y.Z ...", r.id),
        );
    };
    let v = match Version::parse(versioning, text) {
        Ok(v) => v,
        Err(e) => {
            return Outcome::fail(e, format!("rel record {} build --version ...", r.id));
        }
    };
    let Some(last) = ctx.last_closed else {
        return Outcome::pass(format!(
            "version {text} (no earlier release of {} in production)",
            r.service
        ));
    };
    let last_text = last.version.clone().unwrap_or_default();
    let Ok(prev) = Version::parse(versioning, &last_text) else {
        return Outcome::pass(format!(
            "version {text} ({} has no comparable version)",
            last.id
        ));
    };
    if v.compare(&prev) != Some(std::cmp::Ordering::Greater) {
        return Outcome::fail(
            format!(
                "version {text} is not greater than {last_text}, the version of {} (the last closed release of {})",
                last.id, r.service
            ),
            format!(
                "rel record {} build --version <a version above {last_text}> ...",
                r.id
            ),
        );
    }
    // Seed: major X.0.0 breaking changes, minor 0.X.0 features, patch 0.0.X
    // fixes. A bump larger than the type says is worth a second look.
    if let Some(bump) = v.bump_from(&prev) {
        let rank = |s: &str| match s {
            "major" => 3,
            "minor" => 2,
            "patch" => 1,
            _ => 0,
        };
        let allowed = match r.kind {
            ReleaseType::Major | ReleaseType::Emergency => 3,
            ReleaseType::Minor => 2,
            ReleaseType::Patch => 1,
        };
        if rank(bump) > allowed {
            return Outcome::warn(format!(
                "{} release bumps the {bump} version ({last_text} -> {text}); check the release type",
                r.kind.with_article()
            ));
        }
    }
    Outcome::pass(format!("version {text} > {last_text} ({})", last.id))
}

pub fn verified(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    match r.current_build() {
        Some(b) if b.verification == Verification::Passed => Outcome::pass(format!(
            "build verification passed ({}{})",
            ctx.policy.time(b.at),
            b.package
                .as_ref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default()
        )),
        Some(_) => Outcome::fail(
            "the latest build verification failed",
            format!(
                "rebuild, then rel record {} build --verification passed",
                r.id
            ),
        ),
        None => Outcome::fail(
            if r.cycle() > 0 {
                format!("no build verification recorded in fix cycle {}", r.cycle())
            } else {
                "no build verification recorded".to_string()
            },
            format!(
                "rel record {} build --verification passed --package URI",
                r.id
            ),
        ),
    }
}

pub fn notes_renderable(ctx: &GateContext) -> Outcome {
    let problems = crate::model::notes::problems(ctx.release, ctx.changes);
    if problems.is_empty() {
        Outcome::pass("release notes render")
    } else {
        Outcome::fail(
            format!("release notes incomplete: {}", problems.join("; ")),
            format!("rel notes {} shows what is missing", ctx.release.id),
        )
    }
}
