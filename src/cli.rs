//! The command line: clap types only. Each subcommand's arguments are turned
//! into work by its file under `commands/`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// A release manager whose records live in git: every lifecycle step is
/// checked against the policy and committed.
#[derive(Debug, Clone, Parser)]
#[command(name = "rel", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// What `rel --help` adds below the commands (the man page says more).
const AFTER_HELP: &str = "\
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
  CI        never prompt, as --no-input";

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The records root (the folder holding policy.yaml).
    #[arg(
        long,
        global = true,
        env = "REL_ROOT",
        value_name = "DIR",
        help_heading = "Global options"
    )]
    pub root: Option<PathBuf>,
    /// Machine-readable output on stdout; diagnostics on stderr.
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
    /// Never prompt (also when stdin is not a terminal or CI is set).
    #[arg(long, global = true, help_heading = "Global options")]
    pub no_input: bool,
    /// Do not fetch from or push to the policy's `sync` remote for this
    /// command; `rel sync` publishes the commit later.
    #[arg(long, global = true, help_heading = "Global options")]
    pub offline: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Create a records repository: policy, calendars, one commit.
    Init(InitArgs),
    /// Change references mirrored from the change-management system.
    #[command(subcommand)]
    Change(ChangeCommand),
    /// Create a release in stage `plan` with its schedule.
    Plan(PlanArgs),
    /// Everything about one release, with what blocks its next step.
    Show(IdArg),
    /// Releases, filtered.
    List(ListArgs),
    /// Evaluate the next transition's gates; changes nothing.
    Gate(IdArg),
    /// Record an approval or sign-off as the current git identity.
    Approve(ApproveArgs),
    /// Record build or test evidence.
    Record(RecordArgs),
    /// Defects found in test (or after deployment).
    Defect(DefectArgs),
    /// Record that a stakeholder notification was sent, or print its text.
    Notify(NotifyArgs),
    /// Record the release readiness review and its checklist.
    Readiness(ReadinessArgs),
    /// Record the go (or no-go) decision on the deployment day.
    Go(GoArgs),
    /// Move to the next stage if its gates pass.
    Promote(PromoteArgs),
    /// Start a fix cycle: back to build.
    Demote(DemoteArgs),
    /// Cancel a release and free its changes.
    Cancel(ReasonArgs),
    /// Record the deployment team's confirmation.
    Deploy(DeployArgs),
    /// Deploy -> closed with closure metrics.
    Close(CloseArgs),
    /// The release calendar and its conflicts.
    Calendar(CalendarArgs),
    /// Correct a release's details after planning (not its service, type,
    /// changes or window: reschedule, or cancel and re-plan, for those).
    Amend(AmendArgs),
    /// Move a release that has not been deployed to a new window (same id).
    Reschedule(RescheduleArgs),
    /// The release definition document (Markdown).
    Definition(IdArg),
    /// The handoff package for the deployment team (Markdown).
    Handoff(IdArg),
    /// Post-implementation reviews: record one, a periodic session, or list.
    Pir(PirArgs),
    /// Release notes (Markdown).
    Notes(IdArg),
    /// The test summary report.
    Report(IdArg),
    /// The audit trail from git history.
    Log(LogArgs),
    /// Validate every record against schema, references and policy.
    Check(CheckArgs),
    /// Delivery metrics over closed releases.
    Metrics(MetricsArgs),
    /// Write the release site: static HTML pages of the calendar, the
    /// releases, their gates and audit trail, and the metrics.
    Site(SiteArgs),
    /// Verify the audit trail in git history.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write JSON Schemas for the record and policy files.
    Schema(SchemaArgs),
    /// Shell completions.
    Completions(CompletionsArgs),
    /// The man page (roff) on stdout, or every page into a folder.
    Man(ManArgs),
    /// Walk a release from plan to closed in a scratch repository.
    ///
    /// With --json, every step runs with --json and the walkthrough is one
    /// JSON document: the folder, the release, and each step's actor,
    /// clock, arguments, exit code, output and diagnostics.
    Demo(DemoArgs),
    /// Publish local rel commits to the shared remote (policy `sync`):
    /// replayed on the remote branch, an id taken there meanwhile renumbered.
    Sync(SyncArgs),
}

#[derive(Debug, Clone, Args)]
pub struct IdArg {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Where to create it (default: the current directory).
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ChangeCommand {
    /// Record a change reference.
    Add(ChangeAddArgs),
    /// Update a change reference.
    Set(ChangeSetArgs),
    /// List change references.
    List(ChangeListArgs),
    /// Show one change reference.
    Show(ChangeIdArg),
    /// Import a CSV or JSON export of a change-management system (one commit).
    Import(ChangeImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ChangeIdArg {
    /// Change id, e.g. CHG-2025-0892.
    pub id: String,
}

#[derive(Debug, Clone, Args)]
pub struct ChangeAddArgs {
    /// Change id, e.g. CHG-2025-0892.
    pub id: String,
    /// The change's title, as the change-management system has it
    /// (required).
    #[arg(long)]
    pub title: Option<String>,
    /// The service it changes, a key of `services` in policy.yaml
    /// (required).
    #[arg(long)]
    pub service: Option<String>,
    /// The change's status in the change-management system (required).
    #[arg(long, value_parser = OneOf(change_statuses))]
    pub status: Option<String>,
    /// The change owner, email or `Name <email>` (required).
    #[arg(long)]
    pub owner: Option<String>,
    /// Target date, YYYY-MM-DD (required).
    #[arg(long)]
    pub target: Option<String>,
    /// The owner confirms the change is ready.
    #[arg(long)]
    pub ready: bool,
    /// Who approved it in the source system (email or `Name <email>`).
    #[arg(long)]
    pub approved_by: Option<String>,
    /// When it was approved: RFC 3339 or YYYY-MM-DD HH:MM (policy time
    /// zone).
    #[arg(long)]
    pub approved_at: Option<String>,
    /// Its risk, as the source system assessed it.
    #[arg(long)]
    pub risk: Option<String>,
    /// URL of the change in the source system.
    #[arg(long)]
    pub link: Option<String>,
    /// What the change does.
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ChangeSetArgs {
    /// Change id, e.g. CHG-2025-0892.
    pub id: String,
    /// A new title.
    #[arg(long)]
    pub title: Option<String>,
    /// A new service, a key of `services` in policy.yaml.
    #[arg(long)]
    pub service: Option<String>,
    /// A new status.
    #[arg(long, value_parser = OneOf(change_statuses))]
    pub status: Option<String>,
    /// A new owner, email or `Name <email>`.
    #[arg(long)]
    pub owner: Option<String>,
    /// A new target date, YYYY-MM-DD.
    #[arg(long)]
    pub target: Option<String>,
    /// The owner confirms the change is ready.
    #[arg(long, conflicts_with = "not_ready")]
    pub ready: bool,
    /// The change is not ready after all.
    #[arg(long)]
    pub not_ready: bool,
    /// Who approved it in the source system.
    #[arg(long)]
    pub approved_by: Option<String>,
    /// When it was approved: RFC 3339 or YYYY-MM-DD HH:MM (policy time
    /// zone).
    #[arg(long)]
    pub approved_at: Option<String>,
    /// Its risk, as the source system assessed it.
    #[arg(long)]
    pub risk: Option<String>,
    /// URL of the change in the source system.
    #[arg(long)]
    pub link: Option<String>,
    /// What the change does.
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ChangeListArgs {
    /// Only changes with this status.
    #[arg(long, value_parser = OneOf(change_statuses))]
    pub status: Option<String>,
    /// Only changes of this service.
    #[arg(long)]
    pub service: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ChangeImportArgs {
    /// A .csv or .json file.
    pub file: PathBuf,
    /// The file's format (default: from the file's extension).
    #[arg(long, value_parser = OneOf(import_formats))]
    pub format: Option<String>,
    /// The product the export comes from: servicenow (CSV export or Table
    /// API JSON) or jira (Jira Service Management CSV export). Default:
    /// `import.preset` in policy.yaml, else rel's own column names.
    #[arg(long)]
    pub preset: Option<String>,
    /// Show what would be added, updated, unchanged and skipped, and write
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// The service released, a key of `services` in policy.yaml
    /// (required).
    #[arg(long)]
    pub service: Option<String>,
    /// The release type (required).
    #[arg(long = "type", value_name = "TYPE", value_parser = OneOf(release_types))]
    pub kind: Option<String>,
    /// Window start, "YYYY-MM-DD HH:MM" in the policy's time zone
    /// (required).
    #[arg(long)]
    pub target: Option<String>,
    /// Window length, e.g. 2h or 2h30m.
    #[arg(long, default_value = "2h")]
    pub duration: String,
    /// A change to include; at least one is required (repeat for
    /// several).
    #[arg(long = "change", value_name = "ID")]
    pub changes: Vec<String>,
    /// A title (default: "<service> <type> release").
    #[arg(long)]
    pub title: Option<String>,
    /// The version it will carry: X.Y.Z, or YYYY.MM.DD for a date-versioned
    /// service (may also come with the build).
    #[arg(long)]
    pub version: Option<String>,
    /// The impact on users; sets the notification lead time.
    #[arg(long, default_value = "medium", value_parser = OneOf(impacts))]
    pub impact: String,
    /// Why this release type.
    #[arg(long)]
    pub rationale: Option<String>,
    /// Key personnel (repeat).
    #[arg(long = "person", value_name = "EMAIL")]
    pub people: Vec<String>,
    /// Resources needed (repeat).
    #[arg(long = "resource")]
    pub resources: Vec<String>,
    /// A release that must be deployed first (repeat).
    #[arg(long = "depends-on", value_name = "ID")]
    pub depends_on: Vec<String>,
    /// A dependency line for the release notes, e.g. "Compatible with API
    /// gateway v3.1 or later" (repeat).
    #[arg(long = "requires", value_name = "TEXT")]
    pub requires: Vec<String>,
    /// How long after deployment a rollback is possible, e.g. 4h.
    #[arg(long)]
    pub rollback_window: Option<String>,
    /// How to roll back (a runbook reference or the steps).
    #[arg(long)]
    pub rollback_procedure: Option<String>,
    /// Risk assessment summary.
    #[arg(long)]
    pub risk: Option<String>,
    /// The deployment runbook (a URL or document reference).
    #[arg(long)]
    pub runbook: Option<String>,
    /// A contact for questions: release manager, technical lead (repeat).
    #[arg(long = "contact", value_name = "CONTACT")]
    pub contacts: Vec<String>,
    /// Book the next free slot at or after --target instead of refusing
    /// (searched up to 120 days ahead; beyond that, nothing is booked).
    #[arg(long)]
    pub next: bool,
    /// The incident an emergency release answers (required for --type
    /// emergency).
    #[arg(long)]
    pub incident: Option<String>,
    /// Book an exception window: waive a waivable calendar gate
    /// (maintenance-window, blackout) that refuses it, as a holder of the
    /// waiver role (repeat); needs --reason.
    #[arg(long, requires = "reason")]
    pub waive: Vec<String>,
    /// The business justification of the exception (recorded with the
    /// waiver).
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct AmendArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// A new title.
    #[arg(long)]
    pub title: Option<String>,
    /// Why this release type.
    #[arg(long)]
    pub rationale: Option<String>,
    /// The impact on users; sets the notification lead time.
    #[arg(long, value_parser = OneOf(impacts))]
    pub impact: Option<String>,
    /// Risk summary (its level follows the impact).
    #[arg(long)]
    pub risk: Option<String>,
    /// How long after deployment a rollback is possible, e.g. 4h.
    #[arg(long)]
    pub rollback_window: Option<String>,
    /// How to roll back (a runbook reference or the steps).
    #[arg(long)]
    pub rollback_procedure: Option<String>,
    /// Releases to deploy first; replaces the list (repeat).
    #[arg(long = "depends-on", value_name = "ID")]
    pub depends_on: Vec<String>,
    /// Depends on no other release.
    #[arg(long, conflicts_with = "depends_on")]
    pub no_depends_on: bool,
    /// Key personnel; replaces the list (repeat).
    #[arg(long = "person", value_name = "EMAIL")]
    pub people: Vec<String>,
    /// Resources needed; replaces the list (repeat).
    #[arg(long = "resource")]
    pub resources: Vec<String>,
    /// A requirement for the release notes' dependencies; replaces the list
    /// (repeat).
    #[arg(long = "requires", value_name = "TEXT")]
    pub requires: Vec<String>,
    /// Hand-written release notes text (kept apart from the generated part).
    #[arg(long)]
    pub notes: Option<String>,
    /// The version the release will carry.
    #[arg(long)]
    pub version: Option<String>,
    /// The deployment runbook (a URL or document reference).
    #[arg(long)]
    pub runbook: Option<String>,
    /// Contacts for questions; replaces the list (repeat).
    #[arg(long = "contact", value_name = "CONTACT")]
    pub contacts: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct RescheduleArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// New window start, "YYYY-MM-DD HH:MM" in the policy's time zone.
    #[arg(long)]
    pub target: Option<String>,
    /// New window length, e.g. 2h (default: the current length).
    #[arg(long)]
    pub duration: Option<String>,
    /// Why the window moves (recorded).
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PirArgs {
    #[command(subcommand)]
    pub command: Option<PirCommand>,
    /// Release id, REL-YYYY-MM-NNN: record its review.
    pub id: Option<String>,
    /// The day the review was held, YYYY-MM-DD.
    #[arg(long)]
    pub held: Option<String>,
    /// What the review concluded.
    #[arg(long)]
    pub outcome: Option<String>,
    /// An action the review agreed (repeat).
    #[arg(long = "action", value_name = "TEXT")]
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PirCommand {
    /// A periodic session reviewing minor and patch releases together.
    Session {
        /// The day the session was held, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// A release it covered (repeat).
        #[arg(long = "release", value_name = "ID", required = true)]
        releases: Vec<String>,
        /// What the session concluded.
        #[arg(long)]
        outcome: String,
        /// An action the session agreed (repeat).
        #[arg(long = "action", value_name = "TEXT")]
        actions: Vec<String>,
    },
    /// Reviews due, overdue and held.
    List {
        /// Only reviews not yet held (due, overdue, or awaiting a session).
        #[arg(long, conflicts_with = "overdue")]
        due: bool,
        /// Only reviews past their due date and not held.
        #[arg(long)]
        overdue: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only releases in this stage.
    #[arg(long, value_parser = OneOf(stages))]
    pub stage: Option<String>,
    /// Only releases of this service (a key of `services` in policy.yaml).
    #[arg(long)]
    pub service: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ApproveArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// The role approved in: service-owner, or a role under `roles` in
    /// policy.yaml (release-manager, cab, emergency-cab, ...).
    #[arg(long)]
    pub role: String,
    /// What is approved (default: what the stage needs: definition in
    /// plan, acceptance in stage).
    #[arg(long = "for", value_parser = OneOf(purposes))]
    pub purpose: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct RecordArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    #[command(subcommand)]
    pub what: RecordWhat,
}

#[derive(Debug, Clone, Subcommand)]
pub enum RecordWhat {
    /// Build verification result.
    Build {
        /// The build verification's outcome.
        #[arg(long, value_parser = OneOf(verifications))]
        verification: String,
        /// Where the package is stored.
        #[arg(long)]
        package: Option<String>,
        /// A component checked (repeat).
        #[arg(long = "component")]
        components: Vec<String>,
        /// The package version (sets the release's version).
        #[arg(long)]
        version: Option<String>,
    },
    /// A test run's result for one category.
    Test {
        /// The test category (the policy's test matrix says which a type
        /// requires).
        #[arg(long, value_parser = OneOf(test_categories))]
        category: String,
        /// Cases passed.
        #[arg(long)]
        passed: u32,
        /// Cases failed.
        #[arg(long)]
        failed: u32,
        /// Cases that could not run.
        #[arg(long, default_value_t = 0)]
        blocked: u32,
        /// Scope run, as the policy's test matrix names it (e.g.
        /// critical-paths, full-suite).
        #[arg(long)]
        scope: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DefectArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    #[command(subcommand)]
    pub what: DefectWhat,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DefectWhat {
    /// Record a defect.
    Add {
        /// Critical and high block the release until fixed.
        #[arg(long, value_parser = OneOf(severities))]
        severity: String,
        /// What is wrong, as the release notes' known issues would say it.
        #[arg(long)]
        title: String,
        /// Found in production after deployment.
        #[arg(long)]
        post_deploy: bool,
    },
    /// Resolve a defect as fixed or as a known issue with a workaround.
    Resolve {
        /// DEF-N
        defect: String,
        /// Fixed (critical and high: by a new build after a fix cycle).
        #[arg(long, conflicts_with = "known_issue")]
        fixed: bool,
        /// Ships as a known issue (medium and low only), with --workaround.
        #[arg(long, requires = "workaround")]
        known_issue: bool,
        /// The workaround users are given.
        #[arg(long)]
        workaround: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct NotifyArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// Who was notified: an audience the policy's `notifications` names for
    /// an impact level, e.g. all-users (repeat for several sent together;
    /// with --draft: who the text is for, default the audiences the impact
    /// needs).
    #[arg(long)]
    pub audience: Vec<String>,
    /// When it was sent, "YYYY-MM-DD HH:MM" (policy time zone) or RFC 3339
    /// (default: now).
    #[arg(long, conflicts_with = "draft")]
    pub sent_at: Option<String>,
    /// Print the notification's text; record nothing.
    #[arg(long)]
    pub draft: bool,
    /// The notice of deployment completion (after `rel deploy`).
    #[arg(long)]
    pub completion: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ReadinessArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// A checklist item the review confirmed (repeat): package-verified,
    /// runbook-validated, rollback-tested, on-call-identified,
    /// monitoring-configured, communications-prepared.
    #[arg(long = "confirm", value_name = "ITEM")]
    pub confirm: Vec<String>,
    /// A remark kept with the record (who took part, what was said).
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GoArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// A no-go: deployment is blocked until a later go (needs --reason).
    #[arg(long, requires = "reason")]
    pub no_go: bool,
    /// Why (required with --no-go).
    #[arg(long)]
    pub reason: Option<String>,
    /// A remark kept with the decision (who decided, what it rests on).
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct PromoteArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// The expected next stage; refused if it is not.
    #[arg(long, value_parser = OneOf(stages))]
    pub to: Option<String>,
    /// Waive a waivable gate (repeat); needs --reason.
    #[arg(long, requires = "reason")]
    pub waive: Vec<String>,
    /// Why the gate is waived (recorded with the waiver).
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoteArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// Only `build` (a fix cycle).
    #[arg(long)]
    pub to: String,
    /// What the fix cycle fixes (recorded).
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Clone, Args)]
pub struct ReasonArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// Why the release is cancelled (recorded).
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// The outcome (required for the confirmation).
    #[arg(long, value_parser = OneOf(deployment_statuses))]
    pub status: Option<String>,
    /// Actual start, "YYYY-MM-DD HH:MM" (policy time zone) or RFC 3339
    /// (required for the confirmation).
    #[arg(long)]
    pub started: Option<String>,
    /// Actual duration, e.g. 2h15m (required for the confirmation).
    #[arg(long)]
    pub duration: Option<String>,
    /// Post-deployment verification. May be given later
    /// on its own, once, to complete a confirmation recorded without it.
    #[arg(long, value_parser = OneOf(verifications))]
    pub verification: Option<String>,
    /// An issue encountered and its resolution (repeat).
    #[arg(long = "issue")]
    pub issues: Vec<String>,
    /// A post-deployment action required (repeat).
    #[arg(long = "follow-up")]
    pub follow_up: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CloseArgs {
    /// Release id, REL-YYYY-MM-NNN.
    pub id: String,
    /// A configuration item updated in the CMDB, NAME=VERSION (repeat).
    #[arg(long = "ci", value_name = "NAME=VERSION")]
    pub ci: Vec<String>,
    /// Configuration records were updated, items not named (kept for
    /// older scripts; prefer --ci).
    #[arg(long)]
    pub config_updated: bool,
    /// Stakeholder satisfaction, as measured (e.g. 4/5).
    #[arg(long)]
    pub satisfaction: Option<String>,
    /// Post-implementation review date, YYYY-MM-DD (major: default and
    /// latest is 5 business days after deployment).
    #[arg(long)]
    pub pir_date: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CalendarArgs {
    /// First day shown, YYYY-MM-DD (default: this week's Monday).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day shown, YYYY-MM-DD (default: six days after --from, so one
    /// week).
    #[arg(long)]
    pub to: Option<String>,
    /// Only this service: its releases, the windows, blackouts and events
    /// that apply to it, and maintenance on services it depends on.
    #[arg(long)]
    pub service: Option<String>,
    /// A list instead of the week grid.
    #[arg(long)]
    pub list: bool,
    /// Write the --from/--to range (default: this week, Monday to Sunday)
    /// as RFC 5545 iCalendar to FILE, `-` for stdout: releases,
    /// maintenance windows and blackouts, with stable UIDs.
    #[arg(long, value_name = "FILE")]
    pub ics: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Only the entries of this release, REL-YYYY-MM-NNN (default: all).
    pub id: Option<String>,
    /// Only entries by this actor (email or name, substring).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only entries at or after this date.
    #[arg(long)]
    pub since: Option<String>,
    /// Only entries at or before this date.
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Judge the changes between REF and HEAD (a pull request).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// How findings are printed.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
}

/// How `rel check` prints findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// `file:line: message`, paths relative to the records root.
    Human,
    /// GitHub Actions `::error` annotations, paths relative to the top of
    /// the git work tree.
    Github,
}

#[derive(Debug, Clone, Args)]
pub struct MetricsArgs {
    /// Only releases deployed on or after this date, YYYY-MM-DD.
    #[arg(long)]
    pub since: Option<String>,
    /// Only releases of this service.
    #[arg(long)]
    pub service: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SiteArgs {
    /// The folder to write the site into (created if missing), e.g. public.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Check that each rel commit changed exactly what its trailers say.
    Verify {
        /// Only commits after REF.
        #[arg(long)]
        since: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// Write the schemas into this folder (default: print them).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Write rel.1 and a page for every subcommand (rel-plan.1,
    /// rel-change-add.1, ...) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell, elvish.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Where to create the scratch repository (default: a new temporary folder).
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {}
/// A flag whose value is one of a fixed list of words: every shell's
/// completion offers them, help lists them, and a wrong one is refused
/// naming the flag and the words it accepts (exit 2).
#[derive(Clone)]
pub struct OneOf(pub fn() -> Vec<&'static str>);

impl clap::builder::TypedValueParser for OneOf {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let words = (self.0)();
        let text = value.to_string_lossy();
        if words.contains(&text.as_ref()) {
            return Ok(text.into_owned());
        }
        let flag = arg
            .and_then(|a| a.get_long().map(|l| format!("--{l}")))
            .unwrap_or_else(|| "value".to_string());
        let mut e = clap::Error::raw(
            clap::error::ErrorKind::InvalidValue,
            format!(
                "{flag}: `{text}` is not accepted; expected one of: {}\n",
                words.join(", ")
            ),
        );
        e = e.with_cmd(cmd);
        Err(e)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

fn change_statuses() -> Vec<&'static str> {
    crate::model::ChangeStatus::NAMES.split(", ").collect()
}
fn release_types() -> Vec<&'static str> {
    crate::model::ReleaseType::NAMES.to_vec()
}
fn impacts() -> Vec<&'static str> {
    crate::model::Impact::NAMES.to_vec()
}
fn stages() -> Vec<&'static str> {
    crate::model::Stage::ALL
        .iter()
        .map(|s| s.as_str())
        .collect()
}
fn purposes() -> Vec<&'static str> {
    crate::model::Purpose::NAMES.to_vec()
}
fn verifications() -> Vec<&'static str> {
    crate::model::Verification::NAMES.to_vec()
}
fn test_categories() -> Vec<&'static str> {
    crate::model::TestCategory::NAMES.to_vec()
}
fn severities() -> Vec<&'static str> {
    crate::model::Severity::NAMES.to_vec()
}
fn deployment_statuses() -> Vec<&'static str> {
    crate::model::DeploymentStatus::NAMES.to_vec()
}
fn import_formats() -> Vec<&'static str> {
    vec!["csv", "json"]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
