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
            "approved",
        ],
    );
    insta::assert_snapshot!(changes, @r#"
         ID             SERVICE  STATUS    TARGET      RELEASE          TITLE           
        ════════════════════════════════════════════════════════════════════════════════
         CHG-2025-0892  finance  approved  2025-03-15  REL-2025-03-001  Updated         
                                 ready                                  reporting       
                                                                        module with     
                                                                        export          
                                                                        functionality   
         CHG-2025-0901  finance  approved  2025-03-15  REL-2025-03-001  Fixed           
                                 ready                                  calculation     
                                                                        error in budget 
                                                                        summaries       
         CHG-2025-0915  finance  approved  2025-03-14  REL-2025-03-001  Added           
                                 ready                                  multi-language  
                                                                        support for     
                                                                        notifications
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
         2025-03-17 09:00  Riley Manager        REL-2025-03-001:     -       <commit10> 
                           <rm@example.com>     close deploy ->                         
                                                closed                                  
         2025-03-15 22:30  Dana Deployer        REL-2025-03-001:     -       <commit10> 
                           <ops@example.com>    deployment                              
                                                successful, 2h15m
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
          rollback: within 4h (See deployment runbook section 7)

        Changes (3):
          CHG-2025-0892  Updated reporting module with export functionality [approved,
                         ready] dev1@example.com
          CHG-2025-0901  Fixed calculation error in budget summaries [approved, ready]
                         dev2@example.com
          CHG-2025-0915  Added multi-language support for notifications [approved,
                         ready] dev3@example.com

        Evidence:
          Tue 04 Mar 2025 09:00 GMT  definition approval as service-owner by Frances
                                     Owner <fo@example.com>
          Fri 07 Mar 2025 11:00 GMT  build verification passed artifacts://finance/2.4.0
          Fri 07 Mar 2025 11:30 GMT  notified All users, leadership, partners
          Mon 10 Mar 2025 16:00 GMT  test smoke: 12 passed, 0 failed, 0 blocked (cycle
                                     0)
          Mon 10 Mar 2025 16:10 GMT  test functional-changed: 48 passed, 0 failed, 0
                                     blocked (cycle 0)
          Mon 10 Mar 2025 16:20 GMT  test functional-unchanged: 120 passed, 0 failed, 0
                                     blocked (cycle 0)
          Mon 10 Mar 2025 16:30 GMT  test regression: 310 passed, 0 failed, 0 blocked
                                     (cycle 0)
          Mon 10 Mar 2025 16:40 GMT  test integration: 25 passed, 0 failed, 0 blocked
                                     (cycle 0)
          Mon 10 Mar 2025 16:50 GMT  test performance: 4 passed, 0 failed, 0 blocked
                                     (cycle 0)
          Mon 10 Mar 2025 17:00 GMT  test security: 1 passed, 0 failed, 0 blocked (cycle
                                     0)
          Mon 10 Mar 2025 17:10 GMT  DEF-1 medium [known-issue] Export to PDF fails for
                                     reports exceeding 500 pages (workaround: export in
                                     batches)
          Thu 13 Mar 2025 15:00 GMT  acceptance approval as service-owner by Frances
                                     Owner <fo@example.com>
          Fri 14 Mar 2025 10:00 GMT  readiness review by Riley Manager <rm@example.com>
          Sat 15 Mar 2025 12:00 GMT  go decision by Frances Owner <fo@example.com>
          Sat 15 Mar 2025 22:30 GMT  deployment successful started Sat 15 Mar 2025 20:00
                                     GMT for 2h15m

        Closure:
          planned Sat 15 Mar 2025 20:00 GMT for 2h, actual Sat 15 Mar 2025 20:00 GMT for
            2h15m
          changes 3, defects in test 1 (0 critical, 0 high, 1 medium, 0 low),
            post-deploy 0, rollback no, on time yes
        "#);
}
