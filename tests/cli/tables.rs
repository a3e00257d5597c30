//! Tables and `rel show` as a pipe, a CI log or an e-mail reads them: at
//! most 80 columns when the width is unknown, with ids, dates and
//! addresses never split across lines; free text wraps instead.

use crate::support::*;

/// A repository where a release went from plan to closed.
fn demo() -> Repo {
    let repo = Repo::bare();
    repo.rel(&["demo", "demo"]).ok();
    repo
}

fn run(repo: &Repo, args: &[&str]) -> String {
    let mut all = vec!["--root", "demo"];
    all.extend_from_slice(args);
    repo.rel(&all).ok().stdout
}

/// Every line fits 80 columns, and every id, date and address that
/// `tokens` holds appears whole on one line.
#[track_caller]
fn fits(out: &str, tokens: &[&str]) {
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}\n{out}");
    }
    for t in tokens {
        assert!(out.contains(t), "`{t}` is split or missing:\n{out}");
    }
}

#[test]
fn listings_fit_80_columns_and_keep_ids_dates_and_addresses_whole() {
    let repo = demo();
    let list = run(&repo, &["list"]);
    fits(
        &list,
        &["REL-2025-03-001", "2025-03-15 20:00", "finance", "closed"],
    );
    insta::assert_snapshot!(list, @r#"
         ID               SERVICE  TYPE   STAGE   WINDOW            VERSION  TITLE   
        ═════════════════════════════════════════════════════════════════════════════
         REL-2025-03-001  finance  minor  closed  2025-03-15 20:00  2.4.0    Finance 
                                                                             system  
                                                                             v2.4.0
        "#);

    let changes = run(&repo, &["change", "list"]);
    fits(
        &changes,
        &[
            "CHG-2025-0892",
            "CHG-2025-0901",
            "REL-2025-03-001",
            "2025-03-15",
            "implemented",
        ],
    );
    insta::assert_snapshot!(changes, @r#"
     ID             SERVICE  STATUS       TARGET      RELEASE          TITLE        
    ════════════════════════════════════════════════════════════════════════════════
     CHG-2025-0892  finance  implemented  2025-03-15  REL-2025-03-001  Updated      
                             ready                                     reporting    
                                                                       module with  
                                                                       export       
                                                                       functionali- 
                                                                       ty           
     CHG-2025-0901  finance  implemented  2025-03-15  REL-2025-03-001  Fixed        
                             ready                                     calculation  
                                                                       error in     
                                                                       budget       
                                                                       summaries    
     CHG-2025-0915  finance  implemented  2025-03-14  REL-2025-03-001  Added        
                             ready                                     multi-langu- 
                                                                       age support  
                                                                       for          
                                                                       notificatio- 
                                                                       ns
    "#);

    let log = run(&repo, &["log", "REL-2025-03-001"]);
    fits(
        &log,
        &[
            "<rm@example.com>",
            "<fo@example.com>",
            "<ops@example.com>",
            "2025-03-15 22:30",
        ],
    );
    // Commit ids differ with the library's version of git objects; the
    // first lines show the layout.
    let head: String = log.lines().take(8).map(|l| format!("{l}\n")).collect();
    let head = head
        .split(' ')
        .map(|w| {
            if w.len() == 10 && w.chars().all(|c| c.is_ascii_hexdigit()) {
                "<commit10>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    insta::assert_snapshot!(head, @r#"
     WHEN              WHO                  WHAT                 SIGNED  COMMIT     
    ════════════════════════════════════════════════════════════════════════════════
     2025-03-28 16:00  Riley Manager        REL-2025-03-001:     -       <commit10> 
                       <rm@example.com>     periodic review                         
                                            session 2025-03-28                      
                                            (1 release) (note:                      
                                            clock set by                            
                                            REL_NOW)                                
    "#);
}

#[test]
fn show_wraps_at_80_columns_without_splitting_a_token() {
    let repo = demo();
    let out = run(&repo, &["show", "REL-2025-03-001"]);
    fits(
        &out,
        &[
            "<fo@example.com>",
            "2025-03-05,",
            "2025-03-15",
            "CHG-2025-0915",
            "artifacts://finance/2.4.0",
        ],
    );
    insta::assert_snapshot!(out, @r#"
    REL-2025-03-001  Finance system v2.4.0
      finance minor release v2.4.0, high impact, stage closed
      rationale: Enhancements and non-critical fixes
      window: Sat 15 Mar 2025 20:00 GMT for 2h (Europe/London)
      schedule: planning 2025-03-05, build 2025-03-07, test 2025-03-11, staging
        2025-03-13, deployment 2025-03-15
      planned by Riley Manager <rm@example.com> at Mon 03 Mar 2025 10:00 GMT
      risk: high: Medium: reporting and budget calculations change; every change
        reversible
      rollback: within 4h (See deployment runbook section 7)
      requires: Requires database schema v2.4 (included in package); Compatible with
        API gateway v3.1 or later
      resources: staging environment; QA team (2 testers)
      runbook: https://wiki.example.com/finance/runbook-2.4
      contacts: Riley Manager <rm@example.com>

    Changes (3):
      CHG-2025-0892  Updated reporting module with export functionality
                     [implemented, ready] dev1@example.com
      CHG-2025-0901  Fixed calculation error in budget summaries [implemented,
                     ready] dev2@example.com
      CHG-2025-0915  Added multi-language support for notifications [implemented,
                     ready] dev3@example.com

    Evidence:
      Tue 04 Mar 2025 09:00 GMT  definition approval as service-owner by Frances
                                 Owner <fo@example.com>
      Fri 07 Mar 2025 11:00 GMT  build verification passed artifacts://finance/2.4.0
                                 [finance-api, reports]
      Fri 07 Mar 2025 11:30 GMT  notified all-users by Riley Manager
                                 <rm@example.com>
      Fri 07 Mar 2025 11:30 GMT  notified leadership by Riley Manager
                                 <rm@example.com>
      Fri 07 Mar 2025 11:30 GMT  notified partners by Riley Manager <rm@example.com>
      Mon 10 Mar 2025 09:00 GMT  DEF-1 high [fixed] Budget summary totals off by one
                                 cent, resolved by Riley Manager <rm@example.com>
      Mon 10 Mar 2025 09:10 GMT  fix cycle: DEF-1: rounding fix
      Mon 10 Mar 2025 12:00 GMT  build verification passed
                                 artifacts://finance/2.4.0-2 (cycle 1)
      Mon 10 Mar 2025 16:00 GMT  test smoke: 12 passed, 0 failed, 0 blocked (cycle
                                 1)
      Mon 10 Mar 2025 16:10 GMT  test functional-changed: 48 passed, 0 failed, 0
                                 blocked (cycle 1)
      Mon 10 Mar 2025 16:20 GMT  test functional-unchanged: 120 passed, 0 failed, 0
                                 blocked (cycle 1)
      Mon 10 Mar 2025 16:30 GMT  test regression (full-suite): 310 passed, 0 failed,
                                 0 blocked (cycle 1)
      Mon 10 Mar 2025 16:40 GMT  test integration (all-interfaces): 25 passed, 0
                                 failed, 0 blocked (cycle 1)
      Mon 10 Mar 2025 16:50 GMT  test performance (baseline-comparison): 4 passed, 0
                                 failed, 0 blocked (cycle 1)
      Mon 10 Mar 2025 17:00 GMT  test security (vulnerability-scan): 1 passed, 0
                                 failed, 0 blocked (cycle 1)
      Mon 10 Mar 2025 17:10 GMT  DEF-2 medium [known-issue] Export to PDF fails for
                                 reports exceeding 500 pages (workaround: export in
                                 batches), resolved by Quinn Tester <qa@example.com>
      Thu 13 Mar 2025 15:00 GMT  acceptance approval as service-owner by Frances
                                 Owner <fo@example.com>
      Fri 14 Mar 2025 10:00 GMT  readiness review by Riley Manager <rm@example.com>:
                                 6 of 6 confirmed
      Sat 15 Mar 2025 12:00 GMT  go decision by Frances Owner <fo@example.com>
      Sat 15 Mar 2025 22:30 GMT  deployment successful started Sat 15 Mar 2025 20:00
                                 GMT for 2h15m by Dana Deployer <ops@example.com>,
                                 verification passed
      Sat 15 Mar 2025 22:45 GMT  completion notice to all-users by Riley Manager
                                 <rm@example.com>
      Sat 15 Mar 2025 22:45 GMT  completion notice to leadership by Riley Manager
                                 <rm@example.com>
      Sat 15 Mar 2025 22:45 GMT  completion notice to partners by Riley Manager
                                 <rm@example.com>

    Closure:
      planned Sat 15 Mar 2025 20:00 GMT for 2h, actual Sat 15 Mar 2025 20:00 GMT for
        2h15m
      changes 3, defects in test 2 (0 critical, 1 high, 1 medium, 0 low),
        post-deploy 0, rollback no, on time yes
      fix cycles 1
      configuration items updated: finance-api=2.4.0, finance-reports=2.4.0
      stakeholder satisfaction: 4/5
      closed by Riley Manager <rm@example.com> at Mon 17 Mar 2025 09:00 GMT

    Post-implementation review:
      held 2025-03-28 (recorded by Riley Manager <rm@example.com>): On time; one fix
        cycle for a rounding defect
      action: Add rounding cases to the regression suite
      periodic session covering REL-2025-03-001
    "#);
}

/// `rel gate` piped wraps its gate lines as `rel show` does: messages and
/// remedies hang under their column, no token split.
#[test]
fn gate_wraps_at_80_columns_as_show_does() {
    let repo = Repo::new();
    repo.change("CHG-2025-0892", "finance", "2025-03-15");
    let id = repo.plan(
        "finance",
        "minor",
        "2025-03-15 20:00",
        &["CHG-2025-0892"],
        &[],
    );
    let run = repo.rel(&["gate", &id]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    fits(
        &run.stdout,
        &[&id, "definition-approved", "saturday-evening"],
    );
    insta::assert_snapshot!(run.stdout, @r#"
    REL-2025-03-001 is blocked: plan -> build (10 passed, 1 failed)
      ok     changes-approved         the change is approved
      ok     changes-unique           no change is in another release
      ok     changes-ready            every change owner confirmed readiness
      ok     changes-target           change targets within 7 days of 2025-03-15
      ok     changes-service          every change is for finance
      ok     change-count             1 change
      ok     definition-complete      release definition complete
      FAIL   definition-approved      definition of this minor release still needs
                                      approval by service-owner (0 of 1); the
                                      planner may not approve
                                      -> rel approve REL-2025-03-001 --role
                                        service-owner (each as a holder of that
                                        role)
      ok     maintenance-window       inside maintenance window saturday-evening
                                      (Sat 15 Mar 18:00 GMT to Sun 16 Mar 06:00 GMT)
      ok     blackout                 no blackout
      ok     conflicts                no calendar conflict
    "#);
}

/// The free-text column of `out` (from `header`'s column to the end of
/// each line), its lines joined, with a cut marked `-` at a line's end
/// joined back: where a word cut by the table is found whole again.
fn rejoined(out: &str, header: &str) -> String {
    let start = out
        .lines()
        .find_map(|l| l.find(header))
        .unwrap_or_else(|| panic!("no {header} in\n{out}"));
    let text: Vec<String> = out
        .lines()
        .filter_map(|l| l.get(start..))
        .map(|l| l.trim().to_string())
        .collect();
    text.join(" ").replace("- ", "")
}

#[test]
fn free_text_wraps_at_spaces_and_a_word_wider_than_its_column_is_cut_visibly() {
    let mut repo = demo();
    repo.at("2025-03-29T09:00:00+00:00");
    let word = "Internationalisation";
    let title = format!("{word} of the reporting exports");
    run(
        &repo,
        &[
            "change",
            "add",
            "CHG-2025-0950",
            "--title",
            &title,
            "--service",
            "finance",
            "--status",
            "approved",
            "--owner",
            "dev1@example.com",
            "--target",
            "2025-04-12",
            "--approved-by",
            "fo@example.com",
            "--ready",
        ],
    );
    run(
        &repo,
        &[
            "plan",
            "--service",
            "finance",
            "--type",
            "minor",
            "--target",
            "2025-04-12 20:00",
            "--change",
            "CHG-2025-0950",
            "--title",
            &title,
        ],
    );
    let changes = run(&repo, &["change", "list"]);
    fits(
        &changes,
        &["CHG-2025-0950", "REL-2025-04-001", "2025-04-12"],
    );
    assert!(
        rejoined(&changes, "TITLE").contains("export functionality"),
        "{changes}"
    );
    assert!(rejoined(&changes, "TITLE").contains(word), "{changes}");
    insta::assert_snapshot!(changes, @r#"
     ID             SERVICE  STATUS       TARGET      RELEASE          TITLE        
    ════════════════════════════════════════════════════════════════════════════════
     CHG-2025-0892  finance  implemented  2025-03-15  REL-2025-03-001  Updated      
                             ready                                     reporting    
                                                                       module with  
                                                                       export       
                                                                       functionali- 
                                                                       ty           
     CHG-2025-0901  finance  implemented  2025-03-15  REL-2025-03-001  Fixed        
                             ready                                     calculation  
                                                                       error in     
                                                                       budget       
                                                                       summaries    
     CHG-2025-0915  finance  implemented  2025-03-14  REL-2025-03-001  Added        
                             ready                                     multi-langu- 
                                                                       age support  
                                                                       for          
                                                                       notificatio- 
                                                                       ns           
     CHG-2025-0950  finance  approved     2025-04-12  REL-2025-04-001  Internation- 
                             ready                                     alisation of 
                                                                       the          
                                                                       reporting    
                                                                       exports
    "#);
    let list = run(&repo, &["list"]);
    fits(&list, &["REL-2025-04-001", "2025-04-12 20:00"]);
    assert!(rejoined(&list, "TITLE").contains(word), "{list}");
    insta::assert_snapshot!(list, @r#"
     ID               SERVICE  TYPE   STAGE   WINDOW            VERSION  TITLE      
    ════════════════════════════════════════════════════════════════════════════════
     REL-2025-03-001  finance  minor  closed  2025-03-15 20:00  2.4.0    Finance    
                                                                         system     
                                                                         v2.4.0     
     REL-2025-04-001  finance  minor  plan    2025-04-12 20:00           Internati- 
                                                                         onalisati- 
                                                                         on of the  
                                                                         reporting  
                                                                         exports
    "#);
    let calendar = run(
        &repo,
        &[
            "calendar",
            "--list",
            "--from",
            "2025-04-12",
            "--to",
            "2025-04-13",
        ],
    );
    fits(&calendar, &["REL-2025-04-001"]);
    assert!(rejoined(&calendar, "DETAIL").contains(word), "{calendar}");
    insta::assert_snapshot!(calendar, @r#"
    Calendar Sat 12 Apr 2025 to Sun 13 Apr 2025
     WHEN                 KIND         NAME              SERVICE  DETAIL            
    ════════════════════════════════════════════════════════════════════════════════
     Sat 12 Apr 18:00     maintenance  saturday-evening  all                        
     to Sun 13 Apr 06:00                                                            
     Sat 12 Apr 20:00     release      REL-2025-04-001   finance  Internationalisa- 
     to 22:00                                                     tion of the       
                                                                  reporting         
                                                                  exports; minor,   
                                                                  plan              
     Sun 13 Apr 18:00     maintenance  sunday-evening    all                        
     to Mon 14 Apr 06:00                                                            
    No conflicts
    "#);
    let report = run(&repo, &["report", "REL-2025-03-001"]);
    fits(&report, &["baseline-comparison", "vulnerability-scan"]);
    insta::assert_snapshot!(report, @r#"
    Test summary report: REL-2025-03-001 (fix cycle 1)

    Execution: 520 cases, 520 passed, 0 failed, 0 blocked

     CATEGORY              SCOPE                RUNS  PASS  FAIL  BLOCKED  RESULT 
    ══════════════════════════════════════════════════════════════════════════════
     smoke                 -                    1     12    0     0        passed 
     functional-changed    -                    1     48    0     0        passed 
     functional-unchanged  -                    1     120   0     0        passed 
     regression            full-suite           1     310   0     0        passed 
     integration           all-interfaces       1     25    0     0        passed 
     performance           baseline-comparison  1     4     0     0        passed 
     security              vulnerability-scan   1     1     0     0        passed 

    Defects by severity:
      critical  0 found, 0 open
      high      1 found, 0 open
      medium    1 found, 0 open
      low       0 found, 0 open

    Known issues:
      - DEF-2 Export to PDF fails for reports exceeding 500 pages (medium risk;
        workaround: export in batches)

    Coverage: 7 of 7 required categories passed for a minor release
    Recommendation: PROCEED to staging
    "#);
    let metrics = run(&repo, &["metrics"]);
    fits(&metrics, &[]);
    insta::assert_snapshot!(metrics, @r#"
    ┌────────────────────────────────────────────────────────────────┐
    │ METRIC                          VALUE                          │
    ╞════════════════════════════════════════════════════════════════╡
    │ Closed releases                 1                              │
    │ On-time delivery                100 % (1 of 1)                 │
    │ Started outside the window      0                              │
    │ Change failure rate             0 % (0 partial, 0 rolled back) │
    │ Mean duration overrun           15.0 min                       │
    │ Defects found in test           2                              │
    │ Defects escaped to production   0                              │
    │ Fix cycles                      1 (mean 1.0)                   │
    │ Post-implementation reviews     1 held, 0 overdue              │
    └────────────────────────────────────────────────────────────────┘
    "#);
}
