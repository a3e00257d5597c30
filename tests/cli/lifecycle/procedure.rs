//! From readiness to review (SPEC 3.5): the readiness checklist, go and
//! no-go, notices, the definition and handoff documents, rescheduling,
//! closing with configuration items, and post-implementation reviews.

use super::*;

/// The first commit (`rel init`): what `check --base` judges from.
fn root_commit(repo: &Repo) -> String {
    repo.git(&["rev-list", "--max-parents=0", "HEAD"])
        .trim()
        .to_string()
}

/// The branch's rel commits are legal rel actions to `check --base` and
/// to `audit verify`.
#[track_caller]
fn history_is_clean(repo: &Repo) {
    let base = root_commit(repo);
    repo.rel(&["check", "--base", &base])
        .ok()
        .stderr_has("no findings");
    repo.rel(&["audit", "verify"]).ok();
}

/// What `rel show` prints, its wrapped lines joined and every run of
/// spaces made one: a phrase reads the same wherever the 80-column wrap
/// breaks it.
fn shown(repo: &Repo, r: &Rel) -> String {
    let out = repo.rel(&["show", &r.id]).ok().stdout;
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Walks to stage with acceptance and the notice, ready for the review.
fn staged(repo: &mut Repo) -> Rel {
    let r = plan(repo, &Plan::seed());
    walk(repo, &r, "stage");
    sign_acceptance(repo, &r, OWNER).ok();
    notify(repo, &r, &r.local(-8, "11:30"));
    r
}

/// Walks to stage and holds the readiness review on entering it, Tuesday
/// 10:00 for a Saturday 20:00 window (106 hours before), then records the
/// acceptance and the notice right after it.
fn reviewed_early(repo: &mut Repo) -> Rel {
    let r = plan(repo, &Plan::seed());
    walk(repo, &r, "stage");
    readiness(repo, &r, &r.t(-4, "10:00"));
    sign_acceptance_at(repo, &r, OWNER, &r.t(-4, "10:10")).ok();
    notify_at(repo, &r, &r.t(-4, "10:20"), &r.local(-8, "11:30"));
    r
}

// ---------------------------------------------------------------------------
// Readiness

#[test]
fn a_readiness_review_missing_one_check_names_it() {
    let mut repo = Repo::new();
    let r = staged(&mut repo);
    let run = repo
        .at(&r.t(-1, "10:00"))
        .by(RM)
        .rel(&readiness_args(&r, &["rollback-tested"]))
        .ok()
        .stdout_has("5 of 6 checks confirmed")
        .stdout_has("[ ] rollback-tested: Rollback procedures documented and tested")
        .stdout_has("[x] package-verified")
        .stderr_has("did not confirm: rollback-tested");
    assert!(
        !run.stdout.contains("[ ] package-verified"),
        "{}",
        run.stdout
    );
    assert_eq!(
        show(&repo, &r)["readiness"]["confirmed"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // Before the go (given on the deployment day, after any review can
    // count), promoting is refused for the unconfirmed check too.
    repo.at(&r.t(-1, "10:30")).by(RM);
    blocked(
        &repo,
        &strs(&enter_args(&r, "deploy", &[])),
        &["readiness-review", "go-decision"],
    )
    .stderr_has("did not confirm: rollback-tested");
    // A later review confirming all six supersedes it.
    readiness(&mut repo, &r, &r.t(-1, "11:00"));
    go(&mut repo, &r, &r.t(0, "12:00"));
    let run = enter(&mut repo, &r, "deploy");
    assert!(
        run.stdout.contains("all six checks confirmed"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unknown_readiness_item_is_a_usage_error() {
    let mut repo = Repo::new();
    let r = staged(&mut repo);
    repo.at(&r.t(-1, "10:00"))
        .by(RM)
        .refused(2, &["readiness", &r.id, "--confirm", "coffee-ready"])
        .stderr_has("--confirm: `coffee-ready` is not accepted; expected one of: package-verified");
}

#[test]
fn a_readiness_review_held_too_early_is_superseded_by_one_in_time() {
    let mut repo = Repo::new();
    let r = reviewed_early(&mut repo);
    // Before the go (on the deployment day), the early review is refused.
    repo.at(&r.t(-4, "10:30")).by(RM);
    blocked(
        &repo,
        &strs(&enter_args(&r, "deploy", &[])),
        &["readiness-review", "go-decision"],
    )
    .stderr_has(
        "more than 72 h before the window at 2025-03-15 20:00 GMT (earliest 2025-03-12 20:00 GMT)",
    );
    // Exactly 72 hours before counts; it supersedes the early one.
    repo.at(&r.t(-3, "20:00"))
        .by(RM)
        .rel(&readiness_args(&r, &[]))
        .ok()
        .stdout_has("superseding the review of Tue 11 Mar 2025 10:00");
    go(&mut repo, &r, &r.t(0, "12:00"));
    enter(&mut repo, &r, "deploy");
    let json = show(&repo, &r);
    assert_eq!(json["readiness"]["at"], "2025-03-12T20:00:00Z");
}

#[test]
fn readiness_max_hours_is_read_from_the_policy() {
    let mut repo = Repo::new();
    let policy = repo
        .read("policy.yaml")
        .replace("readiness_max_hours: 72", "readiness_max_hours: 120");
    repo.commit_file("policy.yaml", &policy);
    let r = reviewed_early(&mut repo);
    go(&mut repo, &r, &r.t(0, "12:00"));
    enter(&mut repo, &r, "deploy").stdout_has("between 120 h and 24 h");
    // And a policy where it could never be met is refused.
    let bad = repo
        .read("policy.yaml")
        .replace("readiness_max_hours: 120", "readiness_max_hours: 12");
    repo.write("policy.yaml", &bad);
    repo.rel(&["show", &r.id])
        .code(3)
        .stderr_has("readiness_max_hours: 12 is less than readiness_hours (24)");
}

// ---------------------------------------------------------------------------
// Go / no-go

#[test]
fn go_needs_a_readiness_review() {
    let mut repo = Repo::new();
    let r = staged(&mut repo);
    repo.at(&r.t(0, "12:00"))
        .by(OWNER)
        .refused(1, &["go", &r.id])
        .stderr_has("has no readiness review for this build and window");
    // `approve --for go` is the same decision and refused alike.
    repo.refused(
        1,
        &["approve", &r.id, "--role", "service-owner", "--for", "go"],
    )
    .stderr_has("has no readiness review");
}

#[test]
fn a_no_go_blocks_deployment_until_a_later_go() {
    let mut repo = Repo::new();
    let r = staged(&mut repo);
    readiness(&mut repo, &r, &r.t(-1, "10:00"));
    repo.at(&r.t(0, "11:00")).by(OWNER);
    repo.refused(2, &["go", &r.id, "--no-go"])
        .stderr_has("--reason");
    repo.rel(&[
        "go",
        &r.id,
        "--no-go",
        "--reason",
        "payment provider incident",
    ])
    .ok()
    .stdout_has("no-go decision: payment provider incident")
    .stdout_has("blocked until a later go");
    enter_blocked(&mut repo, &r, "deploy", &["go-decision"]).stderr_has(
        "no-go by Frances Owner <fo@example.com> at 2025-03-15 11:00 GMT: payment provider incident",
    );
    // The later go is appended; the no-go stays in the history.
    repo.at(&r.t(0, "16:00"))
        .by(OWNER)
        .rel(&["approve", &r.id, "--role", "service-owner", "--for", "go"])
        .ok()
        .stdout_has("go decision");
    let go = show(&repo, &r)["go"].clone();
    assert_eq!(go.as_array().unwrap().len(), 2, "{go}");
    assert_eq!(go[0]["decision"], "no-go");
    assert_eq!(go[0]["reason"], "payment provider incident");
    assert!(go[1].get("decision").is_none(), "a go is the default: {go}");
    assert_eq!(go[1]["by"], "Frances Owner <fo@example.com>");
    // Both ways of giving it make the same commit.
    let subject = repo.git(&["log", "-1", "--format=%s%n%(trailers:key=Rel-Action)"]);
    assert!(
        subject.starts_with(&format!("{}: go decision", r.id)),
        "{subject}"
    );
    assert!(subject.contains("Rel-Action: go"), "{subject}");
    enter(&mut repo, &r, "deploy");
    history_is_clean(&repo);
}

#[test]
fn a_record_with_a_single_go_mapping_reads_as_a_history_of_one() {
    let mut repo = Repo::new();
    let r = staged(&mut repo);
    readiness(&mut repo, &r, &r.t(-1, "10:00"));
    let text = repo.read(&r.path());
    let legacy = format!(
        "{text}go:\n  by: Frances Owner <fo@example.com>\n  at: 2025-03-15T12:00:00+00:00\n"
    );
    repo.commit_file(&r.path(), &legacy);
    let go = show(&repo, &r)["go"].clone();
    assert_eq!(go.as_array().unwrap().len(), 1, "{go}");
    enter(&mut repo, &r, "deploy");
}

// ---------------------------------------------------------------------------
// Notices

#[test]
fn a_draft_notice_writes_nothing() {
    let mut repo = Repo::new();
    let r = plan(
        &mut repo,
        &Plan::seed().arg("--contact", "Riley Manager <rm@example.com>"),
    );
    repo.at(&r.t(-9, "09:00")).by(RM);
    let before = repo.commit_count();
    let run = repo.refused(0, &["notify", &r.id, "--draft"]);
    assert_eq!(repo.commit_count(), before);
    insta::assert_snapshot!(run.stdout, @r"
    To: all-users, leadership, partners
    Subject: Planned deployment of finance 2.4.0 on Sat 15 Mar 2025 20:00 (REL-2025-03-001)

    Date and time: Sat 15 Mar 2025 20:00 (Europe/London)
    Expected duration: 2h (until Sat 15 Mar 2025 22:00)
    Affected services: finance
    User actions required: the service is unavailable during the window; save your work and sign out before it starts
    Contact for questions: Riley Manager <rm@example.com>
    Send by: 2025-03-10 (high impact: 5 business day(s) before)
    ");
    let json = repo
        .refused(
            0,
            &[
                "--json",
                "notify",
                &r.id,
                "--draft",
                "--audience",
                "partners",
            ],
        )
        .json();
    assert_eq!(json["audience"], "partners");
    assert_eq!(json["kind"], "advance");
    let names: Vec<&str> = json["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap())
        .collect();
    for item in [
        "Date and time",
        "Expected duration",
        "Affected services",
        "User actions required",
        "Contact for questions",
    ] {
        assert!(names.contains(&item), "{item} missing from {names:?}");
    }
    assert_eq!(json["missing"].as_array().unwrap().len(), 0);
}

#[test]
fn a_draft_names_missing_contacts_and_affected_dependents() {
    let mut repo = Repo::new();
    let p = Plan::seed();
    add_changes(&mut repo, &p);
    // A ledger release: finance depends on ledger, so it is affected too.
    for (i, id) in ["CHG-2025-0950"].iter().enumerate() {
        repo.at(&format!("2025-03-03T09:1{i}:00+00:00"))
            .rel(&[
                "change",
                "add",
                id,
                "--title",
                "Ledger fix",
                "--service",
                "ledger",
                "--status",
                "approved",
                "--owner",
                "dev@example.com",
                "--target",
                "2025-03-15",
                "--ready",
            ])
            .ok();
    }
    let id = repo.plan(
        "ledger",
        "patch",
        "2025-03-15 20:00",
        &["CHG-2025-0950"],
        &["--impact", "low"],
    );
    let run = repo.refused(0, &["notify", &id, "--draft"]);
    assert!(run.stdout.contains("To: technical-teams"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Affected services: ledger, finance"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("User actions required: none: the deployment is transparent to users"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("missing: contact information"),
        "{}",
        run.stderr
    );
}

#[test]
fn close_is_refused_without_the_completion_notice() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &Plan::seed());
    walk(&mut repo, &r, "deploy");
    // Before the deployment confirmation there is nothing to announce.
    repo.at(&r.t(0, "20:30"))
        .by(RM)
        .refused(
            1,
            &["notify", &r.id, "--completion", "--audience", "all-users"],
        )
        .stderr_has("follows the deployment confirmation");
    repo.refused(1, &["notify", &r.id, "--draft", "--completion"])
        .stderr_has("has no deployment confirmation");
    // An advance notice is not accepted in deploy.
    repo.refused(1, &["notify", &r.id, "--audience", "all-users"])
        .stderr_has("rel notify REL-2025-03-001 --completion");
    repo.at(&r.t(0, "23:30"))
        .by(DEPLOYER)
        .rel(&[
            "deploy",
            &r.id,
            "--status",
            "rolled-back",
            "--started",
            &r.local(0, "20:00"),
            "--duration",
            "1h",
            "--verification",
            "passed",
            "--issue",
            "schema migration timed out",
            "--follow-up",
            "re-plan with a longer window",
        ])
        .ok();
    repo.at(&r.t(1, "09:00")).by(RM);
    blocked(
        &repo,
        &["close", &r.id, "--ci", "finance-app=2.3.9"],
        &["completion-notified"],
    )
    .stderr_has("stakeholders not yet told of the outcome (deployment rolled back, previous version restored)");
    let draft = repo.refused(0, &["notify", &r.id, "--draft", "--completion"]);
    insta::assert_snapshot!(draft.stdout, @r"
    To: all-users, leadership, partners
    Subject: Deployment of finance 2.4.0 rolled back (REL-2025-03-001)

    Outcome: the deployment was rolled back; the previous version is restored and services are operational
    Deployed: Sat 15 Mar 2025 20:00 (Europe/London) for 1h
    Affected services: finance
    Issues encountered: schema migration timed out
    Follow-up actions: re-plan with a longer window
    To report any issues: (missing: no contacts recorded)
    ");
    // A completion notice dated before the deployment started is refused
    // (the record contradicts the date: a refusal, exit 1).
    repo.refused(
        1,
        &[
            "notify",
            &r.id,
            "--completion",
            "--audience",
            "all-users",
            "--sent-at",
            &r.local(0, "19:00"),
        ],
    )
    .stderr_has("before the deployment started");
    repo.rel(&[
        "notify",
        &r.id,
        "--completion",
        "--audience",
        "all-users",
        "--audience",
        "leadership",
        "--audience",
        "partners",
    ])
    .ok()
    .stdout_has("completion notice (rolled-back) to all-users, leadership, partners");
    repo.rel(&["close", &r.id, "--ci", "finance-app=2.3.9"])
        .ok()
        .stdout_has("deployment rolled back, previous version restored: notified all-users, leadership, partners");
    history_is_clean(&repo);
}

// ---------------------------------------------------------------------------
// Documents

/// The seed release with every definition item filled in.
fn complete_plan() -> Plan {
    Plan::seed()
        .arg("--risk", "Export touches every report; tested at full load")
        .arg("--person", "fo@example.com")
        .arg("--resource", "Staging environment finance-stg")
        .arg("--runbook", "https://wiki.example.com/finance/runbook-2.4")
        .arg("--contact", "Riley Manager <rm@example.com>")
        .arg("--contact", "Tess Lead <lead@example.com>")
}

#[test]
fn the_definition_document_holds_every_seed_item() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &complete_plan());
    approve_definition(&mut repo, &r);
    let run = repo.refused(0, &["definition", &r.id]);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(run.stdout, @r#"
    # Release definition: REL-2025-03-001

    ## Release identifier

    - REL-2025-03-001 — Finance system v2.4.0 (finance minor, version 2.4.0)

    ## Release type and classification rationale

    - Type: minor
    - Rationale: Enhancements and non-critical fixes

    ## Included changes

    - CHG-2025-0892: Updated reporting module with export functionality (approved, owner dev1@example.com)
    - CHG-2025-0901: Fixed calculation error in budget summaries (approved, owner dev2@example.com)
    - CHG-2025-0915: Added multi-language support for notifications (approved, owner dev3@example.com)

    ## Target deployment date and window

    - Sat 15 Mar 2025 20:00 to Sat 15 Mar 2025 22:00 (2h, Europe/London)

    ## Environment promotion schedule

    - Planning completion: Wed 05 Mar 2025
    - Build completion: Fri 07 Mar 2025
    - Test completion: Tue 11 Mar 2025
    - Staging acceptance: Thu 13 Mar 2025
    - Production deployment: Sat 15 Mar 2025

    ## Resource requirements (personnel, environments, tools)

    - Personnel: fo@example.com
    - staging environment
    - Staging environment finance-stg

    ## Risk assessment summary

    - high risk: Export touches every report; tested at full load
    - Impact: high

    ## Rollback constraints and time limits

    - Rollback possible within 4h of deployment
    - Procedure: See deployment runbook section 7

    ## Approval

    - service-owner by Frances Owner <fo@example.com> at Tue 04 Mar 2025 09:00
    "#);
    let json = repo.refused(0, &["--json", "definition", &r.id]).json();
    assert_eq!(json["missing"].as_array().unwrap().len(), 0);
    assert_eq!(json["markdown"].as_str().unwrap(), run.stdout);
}

#[test]
fn the_definition_document_names_what_is_missing() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &Plan::seed().no_rollback());
    let run = repo.refused(0, &["definition", &r.id]);
    // The seed plan names an environment and a risk summary (a definition
    // lacking them cannot be approved); it names no personnel or rollback.
    for item in [
        "_Missing: key personnel_",
        "_Missing: rollback window and procedure_",
    ] {
        assert!(run.stdout.contains(item), "{item}:\n{}", run.stdout);
    }
    for present in [
        "_Missing: environments and tools_",
        "_Missing: risk assessment summary_",
    ] {
        assert!(!run.stdout.contains(present), "{present}:\n{}", run.stdout);
    }
    let json = repo.refused(0, &["--json", "definition", &r.id]).json();
    assert_eq!(json["missing"].as_array().unwrap().len(), 2, "{json}");
}

#[test]
fn the_handoff_package_holds_every_seed_item() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &complete_plan());
    walk(&mut repo, &r, "stage");
    repo.at(&r.t(-3, "10:00"))
        .by(RM)
        .rel(&[
            "defect",
            &r.id,
            "add",
            "--severity",
            "low",
            "--title",
            "Export button misaligned in Firefox",
        ])
        .ok();
    repo.rel(&[
        "defect",
        &r.id,
        "resolve",
        "DEF-1",
        "--known-issue",
        "--workaround",
        "Use another browser",
    ])
    .ok();
    evidence_for(&mut repo, &r, "deploy");
    let run = repo.refused(0, &["handoff", &r.id]);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(run.stdout, @r#"
    # Handoff package: REL-2025-03-001 — Finance system v2.4.0

    Window: Sat 15 Mar 2025 20:00 to Sat 15 Mar 2025 22:00 (Europe/London)

    ## 1. Release definition document

    ### Release identifier

    - REL-2025-03-001 — Finance system v2.4.0 (finance minor, version 2.4.0)

    ### Release type and classification rationale

    - Type: minor
    - Rationale: Enhancements and non-critical fixes

    ### Included changes

    - CHG-2025-0892: Updated reporting module with export functionality (approved, owner dev1@example.com)
    - CHG-2025-0901: Fixed calculation error in budget summaries (approved, owner dev2@example.com)
    - CHG-2025-0915: Added multi-language support for notifications (approved, owner dev3@example.com)

    ### Target deployment date and window

    - Sat 15 Mar 2025 20:00 to Sat 15 Mar 2025 22:00 (2h, Europe/London)

    ### Environment promotion schedule

    - Planning completion: Wed 05 Mar 2025
    - Build completion: Fri 07 Mar 2025
    - Test completion: Tue 11 Mar 2025
    - Staging acceptance: Thu 13 Mar 2025
    - Production deployment: Sat 15 Mar 2025

    ### Resource requirements (personnel, environments, tools)

    - Personnel: fo@example.com
    - staging environment
    - Staging environment finance-stg

    ### Risk assessment summary

    - high risk: Export touches every report; tested at full load
    - Impact: high

    ### Rollback constraints and time limits

    - Rollback possible within 4h of deployment
    - Procedure: See deployment runbook section 7

    ### Approval

    - service-owner by Frances Owner <fo@example.com> at Tue 04 Mar 2025 09:00

    ## 2. Deployment runbook

    - Runbook: https://wiki.example.com/finance/runbook-2.4
    - Validated steps: confirmed at the readiness review

    ## 3. Rollback procedures and decision criteria

    - Procedure: See deployment runbook section 7
    - Time limit: rollback possible within 4h of deployment
    - Trigger conditions: post-deployment verification fails, or the deployment cannot complete by the end of the window (Sat 15 Mar 2025 22:00)
    - Rollback tested: confirmed at the readiness review

    ## 4. Test results and acceptance sign-off

    - smoke (required): 10 passed, 0 failed, 0 blocked
    - functional-changed (required): 11 passed, 0 failed, 0 blocked
    - functional-unchanged (required): 12 passed, 0 failed, 0 blocked
    - regression (full-suite): 13 passed, 0 failed, 0 blocked
    - integration (all-interfaces): 14 passed, 0 failed, 0 blocked
    - performance (baseline-comparison): 15 passed, 0 failed, 0 blocked
    - security (vulnerability-scan): 16 passed, 0 failed, 0 blocked
    - Accepted by Frances Owner <fo@example.com> (service-owner) at Thu 13 Mar 2025 15:00

    ## 5. Known issues

    - DEF-1 (low): Export button misaligned in Firefox — workaround: Use another browser

    ## 6. Contacts (release manager and technical leads)

    - Release manager: Riley Manager <rm@example.com>
    - Riley Manager <rm@example.com>
    - Tess Lead <lead@example.com>

    ## Briefing

    ### Sequence dependencies between components

    - No release must be deployed first
    - finance depends on: ledger

    ### Configuration changes requiring coordination

    - Requires database schema v2.4 (included in package)
    - Compatible with API gateway v3.1 or later

    ### Verification checkpoints and expected results

    - Package artifacts://finance/package: build verification passed
    - Smoke tests pass in production; services respond to health checks
    - Monitoring dashboards: configured (readiness review)
    - Report the result: rel deploy REL-2025-03-001 --status successful|partial|rolled-back --started TIME --duration D --verification passed|failed

    ### Rollback trigger conditions and time limits

    - Roll back when verification fails; the decision is taken within 4h of deployment

    ### Escalation path for deployment issues

    1. Release manager: Riley Manager <rm@example.com> (available throughout the window; authorises rollback)
    2. Service owner: fo@example.com
    3. Technical leads: Riley Manager <rm@example.com>, Tess Lead <lead@example.com>
    "#);
    // Booked twelve days ahead, after the first release's go decision.
    let bare = plan(
        &mut repo,
        &Plan::seed()
            .target("2025-04-05 19:00")
            .changes(&["0941", "0942", "0943"])
            .no_rollback(),
    );
    let json = repo.refused(0, &["--json", "handoff", &bare.id]).json();
    let missing: Vec<&str> = json["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for item in [
        "deployment runbook",
        "test results",
        "acceptance sign-off",
        "technical lead contacts",
        "build verification",
    ] {
        assert!(
            missing.iter().any(|m| m.starts_with(item)),
            "{item} not in {missing:?}"
        );
    }
}

#[test]
fn show_prints_every_field_the_record_holds() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &complete_plan());
    repo.at(&r.t(-11, "08:00"))
        .by(RM)
        .rel(&["amend", &r.id, "--notes", "Hand-written remark"])
        .ok();
    walk(&mut repo, &r, "deploy");
    repo.at(&r.t(0, "23:30"))
        .by(DEPLOYER)
        .rel(&[
            "deploy",
            &r.id,
            "--status",
            "partial",
            "--started",
            &r.local(0, "20:00"),
            "--duration",
            "2h",
            "--verification",
            "passed",
            "--issue",
            "report cache cold for 10 minutes",
            "--follow-up",
            "warm the cache",
        ])
        .ok();
    let out = shown(&repo, &r);
    for needle in [
        "risk: high: Export touches every report",
        "resources: staging environment; Staging environment finance-stg",
        "requires: Requires database schema v2.4 (included in package); Compatible",
        "notes: Hand-written remark",
        "runbook: https://wiki.example.com/finance/runbook-2.4",
        "contacts: Riley Manager <rm@example.com>; Tess Lead <lead@example.com>",
        "readiness review by Riley Manager <rm@example.com>: 6 of 6 confirmed",
        "go decision by Frances Owner <fo@example.com>",
        "deployment partial started",
        "verification passed",
        "deployment issue: report cache cold for 10 minutes",
        "deployment follow-up: warm the cache",
        "notified partners by Riley Manager",
    ] {
        assert!(out.contains(needle), "{needle}:\n{out}");
    }
}

// ---------------------------------------------------------------------------
// Reschedule

#[test]
fn a_reschedule_into_a_blackout_is_refused_with_the_next_slot() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &Plan::seed());
    walk(&mut repo, &r, "test");
    repo.at(&r.t(-7, "09:00"));
    repo.by(RM)
        .refused(1, &["reschedule", &r.id, "--target", "2025-03-29 20:00"])
        .stderr_has("cannot reschedule REL-2025-03-001")
        .stderr_has("blackout")
        .stderr_has("month-end")
        .stderr_has("next start at which it could be booked: Sat 05 Apr 2025 18:00");
    // Too far for the id's month folder: cancel and re-plan instead.
    repo.refused(1, &["reschedule", &r.id, "--target", "2025-05-10 20:00"])
        .stderr_has("more than a month away");
    repo.refused(2, &["reschedule", &r.id, "--target", "2025-03-15 20:00"])
        .stderr_has("already booked");
}

#[test]
fn a_reschedule_keeps_the_id_and_build_and_voids_what_was_given_for_the_old_window() {
    let mut repo = Repo::new();
    let r = staged(&mut repo);
    readiness(&mut repo, &r, &r.t(-1, "10:00"));
    let before = show(&repo, &r);
    let commits = repo.commit_count();
    let run = repo
        .at(&r.t(-1, "12:00"))
        .by(RM)
        .rel(&[
            "reschedule",
            &r.id,
            "--target",
            "2025-03-22 20:00",
            "--duration",
            "3h",
            "--reason",
            "payment provider freeze",
        ])
        .ok();
    assert_eq!(repo.commit_count(), commits + 1);
    let out = run.stdout;
    assert!(
        out.contains("reschedule Sat 15 Mar 2025 20:00 (2h) -> Sat 22 Mar 2025 20:00 (3h)"),
        "{out}"
    );
    for void in [
        "no longer counts: definition approval by Frances Owner",
        "no longer counts: acceptance approval by Frances Owner",
        "no longer counts: notification to all-users",
        "no longer counts: readiness review by Riley Manager",
    ] {
        assert!(out.contains(void), "{void}:\n{out}");
    }
    // Same id and file; build and test evidence kept, approvals kept but
    // void.
    let after = show(&repo, &r);
    assert_eq!(after["id"], before["id"]);
    assert!(repo.path().join(r.path()).is_file());
    assert_eq!(after["build"], before["build"]);
    assert_eq!(after["tests"], before["tests"]);
    assert_eq!(after["approvals"], before["approvals"]);
    assert_eq!(after["stage"], "stage");
    assert_eq!(after["window"]["start"], "2025-03-22T20:00:00Z");
    assert_eq!(after["window"]["duration"], "3h");
    assert_eq!(after["schedule"]["staging"], "2025-03-20");
    assert_eq!(
        after["reschedules"][0]["from"]["start"],
        "2025-03-15T20:00:00Z"
    );
    assert_eq!(after["reschedules"][0]["reason"], "payment provider freeze");
    // The gates say what no longer counts.
    repo.at("2025-03-22T19:00:00+00:00");
    let run = blocked(
        &repo,
        &["promote", &r.id],
        &[
            "acceptance-signed",
            "readiness-review",
            "notifications-sent",
            "go-decision",
        ],
    );
    run.stderr_has("the review held on an earlier window no longer counts")
        .stderr_has("3 sent before it was rescheduled no longer count");
    repo.rel(&["--json", "log", &r.id])
        .ok()
        .stdout_has("reschedule Sat 15 Mar 2025 20:00 (2h) -> Sat 22 Mar 2025 20:00 (3h)");
    history_is_clean(&repo);
}

#[test]
fn a_reschedule_in_plan_voids_the_definition_approval_and_respects_other_bookings() {
    let mut repo = Repo::new();
    let first = plan(&mut repo, &Plan::seed());
    let second = plan(
        &mut repo,
        &Plan::seed()
            .target("2025-03-22 20:00")
            .version("2.5.0")
            .changes(&["0921", "0922", "0923"]),
    );
    approve_definition(&mut repo, &second);
    // Onto the first release's window: the booked one keeps it.
    repo.at(&second.t(-11, "10:00"))
        .by(RM)
        .refused(
            1,
            &["reschedule", &second.id, "--target", "2025-03-15 20:30"],
        )
        .stderr_has("conflicts")
        .stderr_has(&first.id)
        .stderr_has("next start at which it could be booked");
    repo.rel(&["reschedule", &second.id, "--target", "2025-03-23 19:00"])
        .ok()
        .stdout_has("no longer counts: definition approval by Frances Owner");
    repo.at(&second.t(-10, "09:00"));
    blocked(&repo, &["promote", &second.id], &["definition-approved"]);
    repo.at(&second.t(-10, "09:10"))
        .by(OWNER)
        .rel(&["approve", &second.id, "--role", "service-owner"])
        .ok();
    repo.at(&second.t(-10, "09:20"))
        .by(RM)
        .rel(&["promote", &second.id])
        .ok();
    history_is_clean(&repo);
}

#[test]
fn a_deployed_release_is_not_rescheduled() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &Plan::seed());
    walk(&mut repo, &r, "deploy");
    repo.at(&r.t(0, "21:00"))
        .by(RM)
        .refused(1, &["reschedule", &r.id, "--target", "2025-03-22 20:00"])
        .stderr_has("only a release that has not been deployed is rescheduled");
}

// ---------------------------------------------------------------------------
// Close and review

#[test]
fn close_records_configuration_items_and_implements_the_changes() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &Plan::seed());
    walk(&mut repo, &r, "deploy");
    evidence_for(&mut repo, &r, "closed");
    repo.at(&r.t(2, "09:00")).by(RM);
    repo.refused(2, &["close", &r.id, "--ci", "finance-app"])
        .stderr_has("--ci: `finance-app` is not NAME=VERSION");
    repo.refused(2, &["close", &r.id, "--ci", "a=1", "--ci", "a=2"])
        .stderr_has("--ci: a is given twice");
    blocked(&repo, &["close", &r.id], &["config-updated"])
        .stderr_has("rel close REL-2025-03-001 --ci NAME=VERSION");
    repo.rel(&[
        "close",
        &r.id,
        "--ci",
        "finance-app=2.4.0",
        "--ci",
        "finance-db-schema=2.4",
        "--satisfaction",
        "4/5",
    ])
    .ok()
    .stdout_has("configuration items updated: finance-app 2.4.0, finance-db-schema 2.4");
    let closure = show(&repo, &r)["closure"].clone();
    assert_eq!(closure["config_items"][0]["name"], "finance-app");
    assert_eq!(closure["config_items"][1]["version"], "2.4");
    assert_eq!(closure["satisfaction"], "4/5");
    // The close commit holds the release and its three changes, now
    // implemented.
    let files = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.lines().count(), 4, "{files}");
    for id in ["CHG-2025-0892", "CHG-2025-0901", "CHG-2025-0915"] {
        assert!(files.contains(id), "{files}");
        let c = repo.rel(&["--json", "change", "show", id]).ok().json();
        assert_eq!(c["status"], "implemented");
    }
    repo.rel(&["show", &r.id])
        .ok()
        .stdout_has("fix cycles 0")
        .stdout_has("configuration items updated: finance-app=2.4.0, finance-db-schema=2.4")
        .stdout_has("stakeholder satisfaction: 4/5");
    history_is_clean(&repo);
}

#[test]
fn show_and_metrics_agree_on_post_deploy_defects() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &Plan::seed());
    walk(&mut repo, &r, "closed");
    repo.at(&r.t(3, "09:00"))
        .by(RM)
        .rel(&[
            "defect",
            &r.id,
            "add",
            "--severity",
            "medium",
            "--title",
            "Totals rounded in PDF export",
            "--post-deploy",
        ])
        .ok();
    repo.rel(&["show", &r.id]).ok().stdout_has("post-deploy 1");
    let m = repo.rel(&["--json", "metrics"]).ok().json();
    assert_eq!(m["defects_escaped"], 1);
}

#[test]
fn a_major_release_pir_is_due_then_overdue_then_held() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &Plan::seed().kind("major").version("3.0.0"));
    walk(&mut repo, &r, "closed");
    // Deployed Sat 15 March: due five business days later, Fri 21 March.
    repo.at("2025-03-18T09:00:00+00:00").by(RM);
    let list = repo.rel(&["pir", "list", "--due"]).ok().stdout;
    assert!(
        list.contains(&r.id) && list.contains("due") && list.contains("2025-03-21"),
        "{list}"
    );
    repo.rel(&["pir", "list", "--overdue"])
        .ok()
        .stdout_has("No post-implementation reviews overdue.");
    repo.at("2025-03-24T09:00:00+00:00");
    let json = repo
        .rel(&["--json", "pir", "list", "--overdue"])
        .ok()
        .json();
    assert_eq!(json[0]["release"], r.id.as_str());
    assert_eq!(json[0]["status"], "overdue");
    assert_eq!(json[0]["due"], "2025-03-21");
    let m = repo.rel(&["--json", "metrics"]).ok().json();
    assert_eq!(m["pirs_overdue"], 1);
    assert_eq!(m["pirs_held"], 0);
    // Refusals: a future date, a missing outcome, before the deployment.
    repo.refused(2, &["pir", &r.id, "--held", "2025-03-25", "--outcome", "x"])
        .stderr_has("in the future");
    repo.refused(2, &["pir", &r.id, "--held", "2025-03-24"])
        .stderr_has("missing --outcome");
    repo.refused(2, &["pir", &r.id, "--held", "2025-03-10", "--outcome", "x"])
        .stderr_has("before REL-2025-03-001 was deployed");
    repo.rel(&[
        "pir",
        &r.id,
        "--held",
        "2025-03-24",
        "--outcome",
        "Delivered as planned; export slower than expected",
        "--action",
        "Add export timing to the load test",
    ])
    .ok()
    .stdout_has("post-implementation review held 2025-03-24");
    repo.refused(
        1,
        &["pir", &r.id, "--held", "2025-03-24", "--outcome", "again"],
    )
    .stderr_has("already has a post-implementation review");
    let json = repo.rel(&["--json", "pir", "list"]).ok().json();
    assert_eq!(json[0]["status"], "held");
    assert_eq!(json[0]["held"], "2025-03-24");
    let m = repo.rel(&["--json", "metrics"]).ok().json();
    assert_eq!(m["pirs_overdue"], 0);
    assert_eq!(m["pirs_held"], 1);
    let out = shown(&repo, &r);
    for needle in [
        "held 2025-03-24 (recorded by Riley Manager <rm@example.com>): Delivered as planned",
        "action: Add export timing to the load test",
    ] {
        assert!(out.contains(needle), "{needle}:\n{out}");
    }
    history_is_clean(&repo);
}

/// The steps of `walk` after entering test (the tests, then each later
/// stage's evidence and entry), each at the time it records.
type Step<'a> = (String, Box<dyn Fn(&mut Repo) + 'a>);

fn steps_after_test(r: &Rel) -> Vec<Step<'_>> {
    let mut steps: Vec<Step<'_>> = vec![(
        r.t(-5, "16:00"),
        Box::new(move |repo: &mut Repo| record_tests_except(repo, r, -5, &[])),
    )];
    for stage in ["stage", "deploy", "closed"] {
        if stage == "deploy" {
            steps.push((
                r.t(-2, "15:00"),
                Box::new(move |repo: &mut Repo| {
                    sign_acceptance(repo, r, OWNER).ok();
                }),
            ));
            steps.push((
                r.t(-2, "15:10"),
                Box::new(move |repo: &mut Repo| notify(repo, r, &r.local(-8, "11:30"))),
            ));
            steps.push((
                r.t(-1, "10:00"),
                Box::new(move |repo: &mut Repo| readiness(repo, r, &r.t(-1, "10:00"))),
            ));
            steps.push((
                r.t(0, "12:00"),
                Box::new(move |repo: &mut Repo| go(repo, r, &r.t(0, "12:00"))),
            ));
        }
        if stage == "closed" {
            steps.push((
                r.t(0, "23:30"),
                Box::new(move |repo: &mut Repo| {
                    deploy(repo, r, "successful", &r.local(0, "20:00"), "2h15m")
                }),
            ));
        }
        steps.push((
            entry_time(r, stage),
            Box::new(move |repo: &mut Repo| {
                enter(repo, r, stage);
            }),
        ));
    }
    steps
}

#[test]
fn a_periodic_session_reviews_two_minor_releases_in_one_commit() {
    let mut repo = Repo::new();
    // Two releases a week apart, each step at its time: the second is
    // booked while the first is in test.
    let first = plan(&mut repo, &Plan::seed());
    walk(&mut repo, &first, "test");
    let second = plan(
        &mut repo,
        &Plan::seed()
            .target("2025-03-22 20:00")
            .version("2.5.0")
            .changes(&["0921", "0922", "0923"]),
    );
    let mut rest = steps_after_test(&first);
    // The second's definition approval and its entries into build and test
    // fall between the first's steps.
    rest.push((
        second.t(-11, "09:00"),
        Box::new(|repo: &mut Repo| evidence_for(repo, &second, "build")),
    ));
    rest.push((
        entry_time(&second, "build"),
        Box::new(|repo: &mut Repo| {
            enter(repo, &second, "build");
        }),
    ));
    rest.push((
        second.t(-8, "11:00"),
        Box::new(|repo: &mut Repo| {
            evidence_for(repo, &second, "test");
            enter(repo, &second, "test");
        }),
    ));
    rest.extend(steps_after_test(&second));
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, step) in rest {
        step(&mut repo);
    }
    // Booked twelve days ahead, once the second release is closed.
    let major = plan(
        &mut repo,
        &Plan::seed()
            .kind("major")
            .target("2025-04-05 19:00")
            .version("3.0.0")
            .changes(&["0931", "0932", "0933"]),
    );
    repo.at("2025-03-31T10:00:00+00:00").by(RM);
    let table = repo.rel(&["pir", "list"]).ok().stdout;
    insta::assert_snapshot!(table, @r#"
     ID               SERVICE  TYPE   DEPLOYED    PIR               DATE         
    ═════════════════════════════════════════════════════════════════════════════
     REL-2025-03-001  finance  minor  2025-03-15  awaiting-session  next session 
     REL-2025-03-002  finance  minor  2025-03-22  awaiting-session  next session
    "#);
    // Not closed, a major release, a release given twice: refused.
    repo.refused(
        1,
        &[
            "pir",
            "session",
            "--date",
            "2025-03-31",
            "--release",
            &first.id,
            "--release",
            &major.id,
            "--outcome",
            "x",
        ],
    )
    .stderr_has("is in plan");
    repo.refused(
        2,
        &[
            "pir",
            "session",
            "--date",
            "2025-03-31",
            "--release",
            &first.id,
            "--release",
            &first.id,
            "--outcome",
            "x",
        ],
    )
    .stderr_has("given twice");
    repo.refused(
        2,
        &[
            "pir",
            "session",
            "--date",
            "2025-04-30",
            "--release",
            &first.id,
            "--outcome",
            "x",
        ],
    )
    .stderr_has("--date: 2025-04-30 is in the future");
    let commits = repo.commit_count();
    repo.rel(&[
        "pir",
        "session",
        "--date",
        "2025-03-31",
        "--release",
        &first.id,
        "--release",
        &second.id,
        "--outcome",
        "Both on time; no escaped defects",
    ])
    .ok()
    .stdout_has("periodic review session 2025-03-31 (2 releases)");
    assert_eq!(repo.commit_count(), commits + 1);
    for r in [&first, &second] {
        let pir = show(&repo, r)["pir"].clone();
        assert_eq!(pir["held"], "2025-03-31");
        assert_eq!(pir["session"][0], first.id.as_str());
        assert_eq!(pir["session"][1], second.id.as_str());
    }
    repo.rel(&["pir", "list", "--due"])
        .ok()
        .stdout_has("No post-implementation reviews due.");
    history_is_clean(&repo);
}

#[test]
fn a_major_release_is_not_reviewed_in_a_session() {
    let mut repo = Repo::new();
    let r = plan(&mut repo, &Plan::seed().kind("major").version("3.0.0"));
    walk(&mut repo, &r, "closed");
    repo.at("2025-03-18T09:00:00+00:00")
        .by(RM)
        .refused(
            1,
            &[
                "pir",
                "session",
                "--date",
                "2025-03-18",
                "--release",
                &r.id,
                "--outcome",
                "x",
            ],
        )
        .stderr_has("needs its own formal review");
}

// ---------------------------------------------------------------------------
// The walkthrough

#[test]
fn the_walkthrough_shows_the_procedure_in_80_columns() {
    let repo = Repo::bare();
    let dir = repo.path().join("demo");
    let run = repo.rel(&["demo", dir.to_str().unwrap()]).ok();
    for needle in [
        // a calendar refusal and its proposal
        "next start at which it could be booked: Sat 15 Mar 2025 18:00",
        // a fix cycle
        "$ rel demote REL-2025-03-001 --to build --reason \"DEF-1: rounding fix\"",
        // the readiness checklist
        "[ ] monitoring-configured",
        "6 of 6 checks confirmed",
        // the completion notice
        "Subject: Deployment of finance 2.4.0 completed (REL-2025-03-001)",
        "completion-notified",
        // a PIR
        "periodic review session 2025-03-28 (1 release): REL-2025-03-001",
        "went from plan to closed",
    ] {
        assert!(run.stdout.contains(needle), "{needle}:\n{}", run.stdout);
    }
    for line in run.stdout.lines() {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
}

#[test]
fn the_go_history_is_append_only_in_review() {
    let mut repo = Repo::new();
    let r = staged(&mut repo);
    readiness(&mut repo, &r, &r.t(-1, "10:00"));
    repo.at(&r.t(0, "11:00"))
        .by(OWNER)
        .rel(&["go", &r.id, "--no-go", "--reason", "incident"])
        .ok();
    go(&mut repo, &r, &r.t(0, "12:00"));
    history_is_clean(&repo);
    // A hand edit dropping the no-go from the history.
    let text = repo.read(&r.path());
    let start = text.find("- decision: no-go").unwrap();
    let end = text[start..].find("- by:").unwrap() + start;
    let edited = format!("{}{}", &text[..start], &text[end..]);
    repo.commit_file(&r.path(), &edited);
    assert_eq!(show(&repo, &r)["go"].as_array().unwrap().len(), 1);
    let base = root_commit(&repo);
    repo.rel(&["check", "--base", &base])
        .code(1)
        .stdout_has("go: entry 1 rewritten")
        .stdout_has("evidence is append-only");
}
