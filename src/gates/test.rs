//! Test -> stage: the seed's test matrix and defect rules ("Acceptable
//! results means no critical or high defects open, and medium/low defects
//! documented as known issues with workarounds").

use super::{GateContext, Outcome, list};
use crate::model::{DefectStatus, Severity, TestCategory, TestRun};

/// The latest run of each category in the current fix cycle.
fn latest<'a>(ctx: &'a GateContext, category: crate::model::TestCategory) -> Option<&'a TestRun> {
    ctx.release
        .current_tests()
        .filter(|t| t.category == category)
        .last()
}

/// Scopes of the seed's test matrix, narrowest first, per category: a run
/// at a wider scope covers a narrower requirement.
const SCOPE_LADDERS: &[&[&str]] = &[
    &["sample", "required"],
    &["critical-paths", "full-suite"],
    &["affected-interfaces", "all-interfaces"],
    &["baseline-comparison", "full-load-test"],
    &["vulnerability-scan", "penetration-test"],
];

/// Whether a run recorded at scope `ran` meets the policy's `needed` scope.
/// A run that names no scope counts only where the requirement is plain
/// `required` (SPEC 3): a run cannot claim a scope it did not state.
pub fn scope_covers(ran: Option<&str>, needed: &str) -> bool {
    let Some(ran) = ran else {
        return needed == "required";
    };
    if ran == needed {
        return true;
    }
    match SCOPE_LADDERS
        .iter()
        .find(|l| l.contains(&ran) && l.contains(&needed))
    {
        Some(l) => {
            let at = |s: &str| l.iter().position(|x| *x == s);
            at(ran) >= at(needed)
        }
        // `required` with no ladder of its own: any scope of that category.
        None => needed == "required",
    }
}

/// The scopes a run of `category` may be recorded at: those the policy's
/// matrix names for it and the seed's ladder they belong to.
pub fn known_scopes(policy: &crate::policy::Policy, category: TestCategory) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for row in policy.test_matrix.values() {
        if let Some(scope) = row.get(&category) {
            let ladder = SCOPE_LADDERS.iter().find(|l| l.contains(&scope.as_str()));
            let names: Vec<String> = match ladder {
                Some(l) => l.iter().map(|s| s.to_string()).collect(),
                None => vec![scope.clone()],
            };
            for n in names {
                if n != "not-required" && !out.contains(&n) {
                    out.push(n);
                }
            }
        }
    }
    out
}

pub fn required_passed(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let required = ctx.policy.required_tests(r.kind);
    let mut missing = vec![];
    let mut failing = vec![];
    for (category, scope) in &required {
        match latest(ctx, *category) {
            None => missing.push(format!("{category} ({scope})")),
            Some(t) if t.failed > 0 || t.blocked > 0 || t.passed == 0 => failing.push(format!(
                "{category}: {} passed, {} failed, {} blocked",
                t.passed, t.failed, t.blocked
            )),
            Some(t) if !scope_covers(t.scope.as_deref(), scope) => failing.push(match &t.scope {
                Some(ran) => format!("{category}: run at scope {ran}, the policy requires {scope}"),
                None => format!(
                    "{category}: run without a scope, the policy requires {scope} (record it with --scope {scope})"
                ),
            }),
            Some(_) => {}
        }
    }
    if missing.is_empty() && failing.is_empty() {
        return Outcome::pass(match required.len() {
            1 => format!(
                "the required category passed for {} release",
                r.kind.with_article()
            ),
            n => format!(
                "{n} required categories passed for {} release",
                r.kind.with_article()
            ),
        });
    }
    let mut parts = vec![];
    if !missing.is_empty() {
        parts.push(format!("not run: {}", list(&missing)));
    }
    if !failing.is_empty() {
        parts.push(format!("not passing: {}", list(&failing)));
    }
    let next = missing
        .first()
        .or(failing.first())
        .and_then(|s| s.split([' ', ':']).next())
        .unwrap_or("CATEGORY")
        .to_string();
    let scope = required
        .iter()
        .find(|(c, _)| c.as_str() == next)
        .map(|(_, s)| s.as_str())
        .filter(|s| *s != "required")
        .map(|s| format!(" --scope {s}"))
        .unwrap_or_default();
    Outcome::fail(
        parts.join("; "),
        format!(
            "rel record {} test --category {next}{scope} --passed N --failed 0",
            r.id
        ),
    )
}

pub fn no_blocking_defects(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let blocking: Vec<String> = r
        .open_defects()
        .filter(|d| matches!(d.severity, Severity::Critical | Severity::High))
        .map(|d| format!("{} {} ({})", d.id, d.title, d.severity))
        .collect();
    if blocking.is_empty() {
        Outcome::pass("no open critical or high defect")
    } else {
        Outcome::fail(
            format!("open blocking defects: {}", list(&blocking)),
            format!(
                "fix them in a fix cycle (`rel demote {} --to build --reason ...`), then `rel defect {} resolve DEF-N --fixed`",
                r.id, r.id
            ),
        )
    }
}

pub fn known_issues_documented(ctx: &GateContext) -> Outcome {
    let r = ctx.release;
    let undocumented: Vec<String> = r
        .defects
        .iter()
        .filter(|d| !d.post_deploy && matches!(d.severity, Severity::Medium | Severity::Low))
        .filter(|d| match d.status {
            DefectStatus::Open => true,
            DefectStatus::KnownIssue => d.workaround.as_deref().unwrap_or("").trim().is_empty(),
            DefectStatus::Fixed => false,
        })
        .map(|d| format!("{} {} ({})", d.id, d.title, d.severity))
        .collect();
    if undocumented.is_empty() {
        let known = r
            .defects
            .iter()
            .filter(|d| d.status == DefectStatus::KnownIssue)
            .count();
        Outcome::pass(match known {
            0 => "no known issues".to_string(),
            1 => "1 known issue, with a workaround".to_string(),
            n => format!("{n} known issues, each with a workaround"),
        })
    } else {
        Outcome::fail(
            format!(
                "medium/low defects not documented as known issues: {}",
                list(&undocumented)
            ),
            format!(
                "rel defect {} resolve DEF-N --known-issue --workaround \"...\" (or --fixed)",
                r.id
            ),
        )
    }
}
