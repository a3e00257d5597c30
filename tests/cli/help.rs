//! What `--help`, the man pages and completions say: snapshots of the help
//! a person reads, and the man pages' title lines as man, mandoc and groff
//! read them.

use crate::support::*;

fn help(args: &[&str]) -> String {
    let repo = Repo::bare();
    let mut all = args.to_vec();
    all.push("--help");
    repo.rel(&all).ok().stdout
}

#[test]
fn top_help_says_exit_codes_and_environment() {
    let text = help(&[]);
    let tail = &text[text.find("Exit status:").expect("exit status")..];
    insta::assert_snapshot!(tail, @r#"
        Exit status:
          0  success
          1  refused: a gate, the release's stage, the policy, an unauthorised actor,
             check findings
          2  usage error: an unknown, missing or malformed flag or value
          3  bad data or environment: no such record, a file rel cannot read, not a
             records repository, git
          4  another rel command changed the records at the same time: nothing was
             written; retry

        Environment:
          REL_ROOT  the records root, as --root
          REL_NOW   the clock, as an RFC 3339 time (tests and backfills)
          NO_COLOR  never colour the output (it is coloured only on a terminal)
          CI        never prompt, as --no-input
        "#);
    for line in tail.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
}

#[test]
fn plan_help_says_which_flags_are_required_and_the_values_of_each_word_flag() {
    insta::assert_snapshot!(help(&["plan"]), @r#"
    Create a release in stage `plan` with its schedule

    Usage: rel plan [OPTIONS]

    Options:
          --service <SERVICE>
              The service released, a key of `services` in policy.yaml (required)
          --type <TYPE>
              The release type (required) [possible values: major, minor, patch, emergency]
          --target <TARGET>
              Window start, "YYYY-MM-DD HH:MM" in the policy's time zone (required)
          --duration <DURATION>
              Window length, e.g. 2h or 2h30m [default: 2h]
          --change <ID>
              A change to include; at least one is required (repeat for several)
          --title <TITLE>
              A title (default: "<service> <type> release")
          --version <VERSION>
              The version it will carry: X.Y.Z, or YYYY.MM.DD for a date-versioned service (may also come with the build)
          --impact <IMPACT>
              The impact on users; sets the notification lead time [default: medium] [possible values: low, medium, high]
          --rationale <RATIONALE>
              Why this release type
          --person <EMAIL>
              Key personnel (repeat)
          --resource <RESOURCES>
              Resources needed (repeat)
          --depends-on <ID>
              A release that must be deployed first (repeat)
          --requires <TEXT>
              A dependency line for the release notes, e.g. "Compatible with API gateway v3.1 or later" (repeat)
          --rollback-window <ROLLBACK_WINDOW>
              How long after deployment a rollback is possible, e.g. 4h
          --rollback-procedure <ROLLBACK_PROCEDURE>
              How to roll back (a runbook reference or the steps)
          --risk <RISK>
              Risk assessment summary
          --runbook <RUNBOOK>
              The deployment runbook (a URL or document reference)
          --contact <CONTACT>
              A contact for questions: release manager, technical lead (repeat)
          --next
              Book the next free slot at or after --target instead of refusing (searched up to 120 days ahead; beyond that, nothing is booked)
          --incident <INCIDENT>
              The incident an emergency release answers (required for --type emergency)
          --waive <WAIVE>
              Book an exception window: waive a waivable calendar gate (maintenance-window, blackout) that refuses it, as a holder of the waiver role (repeat); needs --reason
          --reason <REASON>
              The business justification of the exception (recorded with the waiver)
      -h, --help
              Print help

    Global options:
          --root <DIR>  The records root (the folder holding policy.yaml) [env: REL_ROOT=]
          --json        Machine-readable output on stdout; diagnostics on stderr
          --no-input    Never prompt (also when stdin is not a terminal or CI is set)
          --offline     Do not fetch from or push to the policy's `sync` remote for this command; `rel sync` publishes the commit later
    "#);
}

#[test]
fn change_help_describes_every_option() {
    for cmd in [
        &["change", "add"][..],
        &["change", "set"],
        &["change", "list"],
        &["amend"],
        &["log"],
    ] {
        let text = help(cmd);
        // Every option and argument has a description after its name.
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            let t = line.trim_start();
            let names_only = (t.starts_with("--") || t.starts_with('[') || t.starts_with('<'))
                && !t.contains("  ");
            if names_only && !t.starts_with("-h") {
                let next = lines.peek().copied().unwrap_or_default();
                assert!(
                    next.starts_with("          "),
                    "rel {} --help: `{t}` has no description:\n{text}",
                    cmd.join(" ")
                );
            }
        }
    }
    insta::assert_snapshot!(help(&["change", "set"]), @r#"
    Update a change reference

    Usage: rel change set [OPTIONS] <ID>

    Arguments:
      <ID>  Change id, e.g. CHG-2025-0892

    Options:
          --title <TITLE>              A new title
          --service <SERVICE>          A new service, a key of `services` in policy.yaml
          --status <STATUS>            A new status [possible values: draft, assessing, approved, rejected, implemented, cancelled]
          --owner <OWNER>              A new owner, email or `Name <email>`
          --target <TARGET>            A new target date, YYYY-MM-DD
          --ready                      The owner confirms the change is ready
          --not-ready                  The change is not ready after all
          --approved-by <APPROVED_BY>  Who approved it in the source system
          --approved-at <APPROVED_AT>  When it was approved: RFC 3339 or YYYY-MM-DD HH:MM (policy time zone)
          --risk <RISK>                Its risk, as the source system assessed it
          --link <LINK>                URL of the change in the source system
          --description <DESCRIPTION>  What the change does
      -h, --help                       Print help

    Global options:
          --root <DIR>  The records root (the folder holding policy.yaml) [env: REL_ROOT=]
          --json        Machine-readable output on stdout; diagnostics on stderr
          --no-input    Never prompt (also when stdin is not a terminal or CI is set)
          --offline     Do not fetch from or push to the policy's `sync` remote for this command; `rel sync` publishes the commit later
    "#);
}

#[test]
fn approve_go_and_readiness_help() {
    let approve = help(&["approve"]);
    assert!(approve.contains("emergency-cab"), "{approve}");
    let go = help(&["go"]);
    let readiness = help(&["readiness"]);
    assert!(!go.contains("who attended"), "{go}");
    insta::assert_snapshot!(format!("{approve}\n---\n{go}"), @r#"
    Record an approval or sign-off as the current git identity

    Usage: rel approve [OPTIONS] --role <ROLE> <ID>

    Arguments:
      <ID>  Release id, REL-YYYY-MM-NNN

    Options:
          --role <ROLE>    The role approved in: service-owner, or a role under `roles` in policy.yaml (release-manager, cab, emergency-cab, ...)
          --for <PURPOSE>  What is approved (default: what the stage needs: definition in plan, acceptance in stage) [possible values: definition, acceptance, go]
      -h, --help           Print help

    Global options:
          --root <DIR>  The records root (the folder holding policy.yaml) [env: REL_ROOT=]
          --json        Machine-readable output on stdout; diagnostics on stderr
          --no-input    Never prompt (also when stdin is not a terminal or CI is set)
          --offline     Do not fetch from or push to the policy's `sync` remote for this command; `rel sync` publishes the commit later

    ---
    Record the go (or no-go) decision on the deployment day

    Usage: rel go [OPTIONS] <ID>

    Arguments:
      <ID>  Release id, REL-YYYY-MM-NNN

    Options:
          --no-go            A no-go: deployment is blocked until a later go (needs --reason)
          --reason <REASON>  Why (required with --no-go)
          --note <NOTE>      A remark kept with the decision (who decided, what it rests on)
      -h, --help             Print help

    Global options:
          --root <DIR>  The records root (the folder holding policy.yaml) [env: REL_ROOT=]
          --json        Machine-readable output on stdout; diagnostics on stderr
          --no-input    Never prompt (also when stdin is not a terminal or CI is set)
          --offline     Do not fetch from or push to the policy's `sync` remote for this command; `rel sync` publishes the commit later
    "#);
    assert!(readiness.contains("--note"));
}

/// Every word-valued flag offers its words to every shell's completion.
#[test]
fn completions_offer_the_values_of_word_flags() {
    let repo = Repo::bare();
    for shell in ["bash", "zsh", "fish"] {
        let script = repo.rel(&["completions", shell]).ok().stdout;
        for words in [
            "major minor patch emergency",
            "low medium high",
            "draft assessing approved rejected implemented cancelled",
            "critical high medium low",
            "smoke functional-changed functional-unchanged regression integration performance security",
            "plan build test stage deploy closed cancelled",
            "definition acceptance go",
            "passed failed",
            "successful partial rolled-back",
            "csv json",
        ] {
            let found = match shell {
                "bash" => script.contains(words),
                // zsh: `(major minor ...)`; fish: one `-a "major\t''..."`
                // entry per word.
                "zsh" => {
                    script.contains(&format!("({words})"))
                        || words.split(' ').all(|w| {
                            script.contains(&format!("'{w}:"))
                                || script.contains(&format!("{w}\\:"))
                        })
                }
                _ => words
                    .split(' ')
                    .all(|w| script.contains(&format!("{w}\\t"))),
            };
            assert!(found, "{shell} completion lacks `{words}`");
        }
    }
}

/// `.TH TITLE SECTION DATE SOURCE MANUAL`: the date is a date on every
/// page (it was the command's name on the subcommands' pages), and no page
/// breaks around a blank line (mandoc warned on each).
#[test]
fn man_pages_have_a_dated_title_line() {
    let mut repo = Repo::bare();
    repo.at("2025-03-01T09:00:00+00:00");
    repo.rel(&["man", "--out", "man"]).ok();
    let mut pages = 0;
    for e in std::fs::read_dir(repo.path().join("man")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().to_uppercase();
        let th = text.lines().find(|l| l.starts_with(".TH ")).unwrap();
        assert_eq!(
            th,
            format!(
                ".TH {name} 1 2025-03-01 \"rel {}\" \"rel Manual\"",
                env!("CARGO_PKG_VERSION")
            ),
            "{}",
            path.display()
        );
        assert!(!text.contains(".br\n\n.br"), "{}", path.display());
        pages += 1;
    }
    assert!(pages > 30, "{pages}");
}
