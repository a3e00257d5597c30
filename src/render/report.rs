//! The test summary report (seed, "Generate the test summary report":
//! statistics, defects by severity, known issues, coverage, recommendation).

use crate::model::{DefectStatus, Release, Severity, TestCategory};
use crate::policy::Policy;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CategoryLine {
    pub category: TestCategory,
    pub required: Option<String>,
    /// The scope the runs of this line were recorded at (none stated: null).
    pub scope: Option<String>,
    /// Runs at this scope; the counts are the latest run's, not a sum (a
    /// re-run executes the same cases again).
    pub runs: u32,
    pub passed: u32,
    pub failed: u32,
    pub blocked: u32,
    pub result: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SeverityLine {
    pub severity: Severity,
    pub found: u32,
    pub open: u32,
}

#[derive(Debug, Serialize)]
pub struct TestReport {
    pub release: String,
    pub fix_cycle: u32,
    pub total: u32,
    pub passed: u32,
    pub failed: u32,
    pub blocked: u32,
    pub categories: Vec<CategoryLine>,
    pub defects: Vec<SeverityLine>,
    pub known_issues: Vec<String>,
    pub coverage: String,
    pub proceed: bool,
    pub reasons: Vec<String>,
}

pub fn build(release: &Release, policy: &Policy) -> TestReport {
    let required = policy.required_tests(release.kind);
    let mut categories = vec![];
    let (mut total, mut passed, mut failed, mut blocked) = (0, 0, 0, 0);
    let mut reasons = vec![];
    let mut covered = 0;
    for category in TestCategory::NAMES
        .iter()
        .filter_map(|n| TestCategory::parse(n))
    {
        let runs: Vec<_> = release
            .current_tests()
            .filter(|t| t.category == category)
            .collect();
        let req = required
            .iter()
            .find(|(c, _)| *c == category)
            .map(|(_, s)| s.clone());
        if runs.is_empty() && req.is_none() {
            continue;
        }
        let verdict = |t: &crate::model::TestRun| {
            if req
                .as_deref()
                .is_some_and(|r| !crate::gates::scope_covers(t.scope.as_deref(), r))
            {
                if t.scope.is_none() {
                    "no scope stated"
                } else {
                    "scope too narrow"
                }
            } else if t.failed == 0 && t.blocked == 0 && t.passed > 0 {
                "passed"
            } else {
                "failing"
            }
        };
        // The category's standing is its latest run's, as the gate reads it.
        let result = runs.last().map(|t| verdict(t)).unwrap_or("not run");
        if req.is_some() {
            if result == "passed" {
                covered += 1;
            } else {
                reasons.push(format!("{category} {result}"));
            }
        }
        if runs.is_empty() {
            categories.push(CategoryLine {
                category,
                required: req.clone(),
                scope: None,
                runs: 0,
                passed: 0,
                failed: 0,
                blocked: 0,
                result,
            });
            continue;
        }
        // One line per scope, in the order the scopes were first run.
        let mut scopes: Vec<Option<String>> = vec![];
        for t in &runs {
            if !scopes.contains(&t.scope) {
                scopes.push(t.scope.clone());
            }
        }
        for scope in scopes {
            let at: Vec<_> = runs.iter().filter(|t| t.scope == scope).collect();
            let last = at.last().expect("a scope comes from a run");
            total += last.passed + last.failed + last.blocked;
            passed += last.passed;
            failed += last.failed;
            blocked += last.blocked;
            categories.push(CategoryLine {
                category,
                required: req.clone(),
                scope,
                runs: at.len() as u32,
                passed: last.passed,
                failed: last.failed,
                blocked: last.blocked,
                result: verdict(last),
            });
        }
    }
    let mut defects = vec![];
    for severity in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ] {
        let of: Vec<_> = release
            .defects
            .iter()
            .filter(|d| d.severity == severity && !d.post_deploy)
            .collect();
        let open = of.iter().filter(|d| d.status == DefectStatus::Open).count() as u32;
        if open > 0 {
            reasons.push(format!(
                "{open} open {severity} defect{}",
                if open == 1 { "" } else { "s" }
            ));
        }
        defects.push(SeverityLine {
            severity,
            found: of.len() as u32,
            open,
        });
    }
    let known_issues = release
        .defects
        .iter()
        .filter(|d| d.status == DefectStatus::KnownIssue)
        .map(|d| {
            format!(
                "{} {} ({} risk; workaround: {})",
                d.id,
                d.title,
                d.severity,
                d.workaround.as_deref().unwrap_or("none")
            )
        })
        .collect();
    TestReport {
        release: release.id.clone(),
        fix_cycle: release.cycle(),
        total,
        passed,
        failed,
        blocked,
        categories,
        defects,
        known_issues,
        coverage: format!(
            "{covered} of {} required categories passed for {} release",
            required.len(),
            release.kind.with_article()
        ),
        proceed: reasons.is_empty(),
        reasons,
    }
}

/// `width`: the table width (see `table::new`).
pub fn render(report: &TestReport, width: Option<u16>) -> String {
    let mut out = format!(
        "Test summary report: {} (fix cycle {})\n\n",
        report.release, report.fix_cycle
    );
    out.push_str(&format!(
        "Execution: {} cases, {} passed, {} failed, {} blocked\n\n",
        report.total, report.passed, report.failed, report.blocked
    ));
    // The scope recorded, with what the policy requires under it when that
    // differs: one column, so that every word stays whole at 80 columns.
    let mut t = super::table::listing(
        &[
            "CATEGORY", "SCOPE", "RUNS", "PASS", "FAIL", "BLOCKED", "RESULT",
        ],
        width,
    );
    for c in &report.categories {
        let scope = c.scope.clone().unwrap_or_else(|| "-".to_string());
        let scope = match c.required.as_deref() {
            None => format!("{scope}\n(optional)"),
            Some(r) if r == scope || (r == "required" && scope == "-") => scope,
            Some(r) => format!("{scope}\n(needs {r})"),
        };
        t.add_row(vec![
            c.category.to_string(),
            scope,
            c.runs.to_string(),
            c.passed.to_string(),
            c.failed.to_string(),
            c.blocked.to_string(),
            c.result.to_string(),
        ]);
    }
    super::table::keep_words(&mut t, &[0, 1, 2, 3, 4, 5, 6]);
    out.push_str(&format!("{t}\n\nDefects by severity:\n"));
    for d in &report.defects {
        out.push_str(&format!(
            "  {:<9} {} found, {} open\n",
            d.severity.as_str(),
            d.found,
            d.open
        ));
    }
    out.push_str("\nKnown issues:\n");
    if report.known_issues.is_empty() {
        out.push_str("  none\n");
    }
    for k in &report.known_issues {
        out.push_str(&format!("  - {k}\n"));
    }
    out.push_str(&format!("\nCoverage: {}\n", report.coverage));
    if report.proceed {
        out.push_str("Recommendation: PROCEED to staging\n");
    } else {
        out.push_str(&format!(
            "Recommendation: HALT ({})\n",
            report.reasons.join("; ")
        ));
    }
    out
}
