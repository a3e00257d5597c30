//! The second half of `rel demo`'s walkthrough: the release from stage
//! through deployment and closing to its post-implementation review.

use super::demo::{DEPLOYER, OWNER, RM, Step, step};

/// The steps that take release `id` from stage to its review.
pub(super) fn steps(id: &'static str) -> Vec<Step> {
    vec![
        step(
            &RM,
            "2025-03-11T09:30:00+00:00",
            "",
            &["promote", id, "--to", "stage"],
        ),
        step(
            &OWNER,
            "2025-03-13T15:00:00+00:00",
            "Acceptance sign-off by the service owner.",
            &[
                "approve",
                id,
                "--role",
                "service-owner",
                "--for",
                "acceptance",
            ],
        ),
        // The readiness checklist: a review that leaves an item open, then
        // one that confirms all six and supersedes it.
        step(
            &RM,
            "2025-03-13T17:00:00+00:00",
            "Readiness review, 24 to 72 hours before the window: one check open.",
            &[
                "readiness",
                id,
                "--confirm",
                "package-verified",
                "--confirm",
                "runbook-validated",
                "--confirm",
                "rollback-tested",
                "--confirm",
                "on-call-identified",
                "--confirm",
                "communications-prepared",
            ],
        ),
        step(
            &RM,
            "2025-03-14T10:00:00+00:00",
            "Dashboards ready: a new review confirms all six checks.",
            &[
                "readiness",
                id,
                "--confirm",
                "package-verified",
                "--confirm",
                "runbook-validated",
                "--confirm",
                "rollback-tested",
                "--confirm",
                "on-call-identified",
                "--confirm",
                "monitoring-configured",
                "--confirm",
                "communications-prepared",
            ],
        ),
        step(
            &OWNER,
            "2025-03-15T12:00:00+00:00",
            "Go decision on the deployment day.",
            &["go", id],
        ),
        step(
            &RM,
            "2025-03-15T19:00:00+00:00",
            "Hand off to deployment.",
            &["promote", id, "--to", "deploy"],
        ),
        step(
            &DEPLOYER,
            "2025-03-15T22:30:00+00:00",
            "The deployment team confirms.",
            &[
                "deploy",
                id,
                "--status",
                "successful",
                "--started",
                "2025-03-15 20:00",
                "--duration",
                "2h15m",
                "--verification",
                "passed",
            ],
        ),
        // Close the release: tell stakeholders how it ended, then record
        // the configuration items updated.
        step(
            &RM,
            "2025-03-15T22:40:00+00:00",
            "The completion notice, worded for a successful deployment.",
            &["notify", id, "--draft", "--completion"],
        ),
        step(
            &RM,
            "2025-03-15T22:45:00+00:00",
            "",
            &[
                "notify",
                id,
                "--completion",
                "--audience",
                "all-users",
                "--audience",
                "leadership",
                "--audience",
                "partners",
            ],
        ),
        step(
            &RM,
            "2025-03-17T09:00:00+00:00",
            "Configuration items updated: close; the changes become implemented.",
            &[
                "close",
                id,
                "--ci",
                "finance-api=2.4.0",
                "--ci",
                "finance-reports=2.4.0",
                "--satisfaction",
                "4/5",
            ],
        ),
        step(
            &RM,
            "2025-03-17T09:05:00+00:00",
            "The release record.",
            &["show", id],
        ),
        step(
            &RM,
            "2025-03-17T09:06:00+00:00",
            "Release notes.",
            &["notes", id],
        ),
        step(
            &RM,
            "2025-03-17T09:07:00+00:00",
            "The audit trail is git history.",
            &["log", id],
        ),
        step(
            &RM,
            "2025-03-17T09:08:00+00:00",
            "Delivery metrics.",
            &["metrics"],
        ),
        // A minor release joins the periodic post-implementation review.
        step(
            &RM,
            "2025-03-28T15:00:00+00:00",
            "Post-implementation reviews: what is due.",
            &["pir", "list"],
        ),
        step(
            &RM,
            "2025-03-28T16:00:00+00:00",
            "The periodic review session covers the minor release.",
            &[
                "pir",
                "session",
                "--date",
                "2025-03-28",
                "--release",
                id,
                "--outcome",
                "On time; one fix cycle for a rounding defect",
                "--action",
                "Add rounding cases to the regression suite",
            ],
        ),
    ]
}
