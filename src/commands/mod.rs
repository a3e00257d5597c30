//! One file per command: each turns parsed arguments into work on the store
//! and the core, and prints the outcome.

mod amend;
mod approve;
mod audit;
mod calendar;
mod calendar_ics;
mod calendar_list;
mod cancel;
mod change;
mod check;
mod check_base;
mod check_changed;
mod close;
mod defect;
mod definition;
mod demo;
mod demo_to_review;
mod demo_to_test;
mod deploy;
mod evidence;
mod gate;
mod handoff;
mod init;
mod loaded;
mod log;
mod metrics;
mod notes;
mod pir;
mod plan;
mod plan_refusal;
mod progress;
mod promote;
mod record;
mod report;
mod reschedule;
mod schema;
mod show;
mod site;
mod sync;
mod sync_conflict;
mod sync_prepare;

use crate::calendar::local_time;
use crate::cli::{Cli, Command, Global};
use crate::error::{Error, Result};
use crate::gates::{self, Evaluation};
use crate::model::{Release, ReleaseId, Stage, Timestamp};
use crate::policy::Policy;
use crate::policy::permissions::{self, Subject};
use crate::store::{CommitMessage, Repo, paths};
use std::io::IsTerminal;
use std::path::PathBuf;

use loaded::months_around;
pub use loaded::{Loaded, last_closed, last_closed_among, load_changes, nearby_releases};

/// What every command gets besides its own arguments.
pub struct Ctx {
    pub global: Global,
    /// The clock, read once by `main` (`REL_NOW` overrides it).
    pub now: Timestamp,
    pub cwd: PathBuf,
    /// Prompts are allowed: a terminal, no `--no-input`, no `CI`.
    pub interactive: bool,
    /// The width tables wrap to: `None` on a terminal (comfy-table asks it),
    /// else `COLUMNS` when set, else 80.
    pub table_width: Option<u16>,
    /// This attempt of a synced command: its commit is published to the
    /// shared remote with a lease on the tip it fetched.
    pub lease: Option<std::rc::Rc<crate::store::remote::Lease>>,
    /// The command changes records: it takes the lock before reading them
    /// (see [`Repo::lock_for_change`]).
    pub changes: bool,
    /// The clock was set with `REL_NOW`.
    pub clock_forced: bool,
}

/// The width when nothing says otherwise: what a pipe, a CI log or an
/// e-mail reads comfortably.
const DEFAULT_WIDTH: u16 = 80;

fn columns() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|c| *c > 0)
}

/// The width tables wrap to: `None` on a terminal (comfy-table asks it),
/// else `COLUMNS` when set, else 80.
fn table_width() -> Option<u16> {
    if std::io::stdout().is_terminal() {
        None
    } else {
        Some(columns().unwrap_or(DEFAULT_WIDTH))
    }
}

impl Ctx {
    pub fn new(global: Global, now: Timestamp, cwd: PathBuf) -> Ctx {
        let interactive = !global.no_input
            && std::env::var_os("CI").is_none()
            && std::io::stdin().is_terminal()
            && std::io::stderr().is_terminal();
        Ctx {
            global,
            now,
            cwd,
            interactive,
            table_width: table_width(),
            lease: None,
            changes: false,
            clock_forced: std::env::var_os("REL_NOW").is_some(),
        }
    }

    /// The width plain text is wrapped to: the terminal's, else `COLUMNS`,
    /// else 80.
    pub fn text_width(&self) -> usize {
        let terminal = self
            .table_width
            .is_none()
            .then(|| comfy_table::Table::new().width())
            .flatten();
        usize::from(terminal.or_else(columns).unwrap_or(DEFAULT_WIDTH))
    }

    /// A warning on stderr, wrapped to the text width: what the command
    /// did is done, but a person should know this.
    pub fn warn(&self, message: std::fmt::Arguments) {
        let text = crate::render::wrap::wrap(&format!("warning: {message}"), self.text_width());
        eprintln!("{text}");
    }

    pub fn json(&self) -> bool {
        self.global.json
    }

    /// The records repository. For a command that changes records, the
    /// lock is taken (and the committed rules and clock checked) before
    /// anything is read.
    pub fn repo(&self) -> Result<Repo> {
        let repo = Repo::discover(self.global.root.as_deref(), &self.cwd)?
            .with_clock(self.now)
            .with_lease(self.lease.clone());
        // Progress of long reads: on a terminal, never with --json.
        let repo = if !self.json() && std::io::stderr().is_terminal() {
            repo.with_progress(Box::new(progress::Bar::default()))
        } else {
            repo
        };
        repo.clock_forced.set(self.clock_forced);
        if self.changes {
            repo.lock_for_change(self.now)?;
        }
        Ok(repo)
    }

    /// A required value: the flag's value, else a prompt on a terminal, else
    /// a usage error naming the flag.
    pub fn require(&self, value: Option<String>, flag: &str, prompt: &str) -> Result<String> {
        if let Some(v) = value {
            return Ok(v);
        }
        if self.interactive {
            return dialoguer::Input::<String>::new()
                .with_prompt(prompt)
                .interact_text()
                .map_err(|e| Error::usage(format!("{flag}: {e}")));
        }
        Err(Error::usage(format!(
            "missing {flag}: pass it on the command line"
        )))
    }

    /// When prompting is not allowed, every required flag of `command`
    /// that is missing (`(flag, given)`), named in one error rather than
    /// one run at a time.
    pub fn require_flags(&self, command: &str, flags: &[(&str, bool)]) -> Result<()> {
        if self.interactive {
            return Ok(());
        }
        let missing: Vec<&str> = flags
            .iter()
            .filter(|(_, given)| !given)
            .map(|(flag, _)| *flag)
            .collect();
        let (list, pronoun) = match missing.as_slice() {
            [] => return Ok(()),
            [one] => (one.to_string(), "it"),
            [rest @ .., last] => (format!("{} and {last}", rest.join(", ")), "them"),
        };
        Err(Error::usage(format!(
            "missing {list}: pass {pronoun} on the command line (see `rel {command} --help`)"
        )))
    }
}

pub fn run(cli: Cli, now: Timestamp, cwd: PathBuf) -> Result<()> {
    if let Command::Sync(_) = cli.command {
        return sync::run(&Ctx::new(cli.global, now, cwd));
    }
    if changes_records(&cli.command) && !cli.global.offline {
        let probe = Ctx::new(cli.global.clone(), now, cwd.clone());
        if let Some(target) = sync_prepare::target(&probe)? {
            return run_synced(&cli, now, &cwd, &target);
        }
    }
    dispatch(Ctx::new(cli.global, now, cwd), cli.command)
}

/// How many times a synced command starts again after the remote moved
/// under it, before it gives up with exit 4.
const SYNC_ATTEMPTS: u32 = 6;

/// A changing command on the shared remote's branch (SPEC section 5.1):
/// fetch and fast-forward, run the command on that state, and let its
/// transaction publish the commit with a lease on the fetched tip. When the
/// remote moved meanwhile the push is refused, nothing is committed locally,
/// and the whole command runs again on the new state (a new id, the
/// calendar and change rules applied again), a bounded number of times with
/// a random pause so that racing clones spread out.
fn run_synced(
    cli: &Cli,
    now: Timestamp,
    cwd: &std::path::Path,
    target: &crate::store::remote::Target,
) -> Result<()> {
    use crate::store::remote::Lease;
    for attempt in 1..=SYNC_ATTEMPTS {
        let tip = sync_prepare::prepare(
            &Ctx::new(cli.global.clone(), now, cwd.to_path_buf()),
            target,
        )?;
        let lease = std::rc::Rc::new(Lease::new(target.clone(), tip));
        let mut ctx = Ctx::new(cli.global.clone(), now, cwd.to_path_buf());
        ctx.lease = Some(lease.clone());
        match dispatch(ctx, cli.command.clone()) {
            Err(_) if lease.rejected() => {
                if attempt == SYNC_ATTEMPTS {
                    return Err(Error::Concurrent(format!(
                        "{} moved under each of {attempt} attempts (others are publishing); nothing was committed; retry",
                        target.name()
                    )));
                }
                eprintln!(
                    "note: {} moved while rel was working; starting again on its new state",
                    target.name()
                );
                std::thread::sleep(sync_prepare::backoff(attempt));
            }
            other => return other,
        }
    }
    unreachable!("the last attempt returns")
}

/// Commands that change records: they take the lock before reading what
/// they decide on and, synced, publish their commit. Drafts, dry runs and
/// listings only read.
fn changes_records(command: &Command) -> bool {
    use crate::cli::{ChangeCommand, PirCommand};
    match command {
        Command::Change(c) => match c {
            ChangeCommand::Add(_) | ChangeCommand::Set(_) => true,
            ChangeCommand::Import(a) => !a.dry_run,
            _ => false,
        },
        Command::Notify(a) => !a.draft,
        Command::Pir(a) => !matches!(a.command, Some(PirCommand::List { .. })),
        Command::Plan(_)
        | Command::Approve(_)
        | Command::Record(_)
        | Command::Defect(_)
        | Command::Readiness(_)
        | Command::Go(_)
        | Command::Promote(_)
        | Command::Demote(_)
        | Command::Cancel(_)
        | Command::Deploy(_)
        | Command::Close(_)
        | Command::Reschedule(_)
        | Command::Amend(_) => true,
        _ => false,
    }
}

fn dispatch(mut ctx: Ctx, command: Command) -> Result<()> {
    ctx.changes = changes_records(&command);
    match command {
        Command::Init(a) => init::run(&ctx, a),
        Command::Change(c) => change::run(&ctx, c),
        Command::Plan(a) => plan::run(&ctx, a),
        Command::Show(a) => show::show(&ctx, &a.id),
        Command::List(a) => show::list(&ctx, a),
        Command::Gate(a) => gate::run(&ctx, &a.id),
        Command::Approve(a) => approve::run(&ctx, a),
        Command::Record(a) => record::run(&ctx, a),
        Command::Defect(a) => defect::run(&ctx, a),
        Command::Notify(a) => evidence::notify(&ctx, a),
        Command::Readiness(a) => evidence::readiness(&ctx, a),
        Command::Go(a) => evidence::go(&ctx, a),
        Command::Promote(a) => promote::run(&ctx, a),
        Command::Demote(a) => cancel::demote(&ctx, a),
        Command::Cancel(a) => cancel::cancel(&ctx, a),
        Command::Deploy(a) => deploy::run(&ctx, a),
        Command::Close(a) => close::run(&ctx, a),
        Command::Calendar(a) => calendar::run(&ctx, a),
        Command::Amend(a) => amend::run(&ctx, a),
        Command::Reschedule(a) => reschedule::run(&ctx, a),
        Command::Definition(a) => definition::run(&ctx, &a.id),
        Command::Handoff(a) => handoff::run(&ctx, &a.id),
        Command::Pir(a) => pir::run(&ctx, a),
        Command::Notes(a) => notes::run(&ctx, &a.id),
        Command::Report(a) => report::run(&ctx, &a.id),
        Command::Log(a) => log::run(&ctx, a),
        Command::Check(a) => check::run(&ctx, a),
        Command::Metrics(a) => metrics::run(&ctx, a),
        Command::Site(a) => site::run(&ctx, a),
        Command::Audit(a) => audit::run(&ctx, a),
        Command::Schema(a) => schema::schema(&ctx, a),
        Command::Completions(a) => schema::completions(&ctx, a),
        Command::Man(a) => schema::man(&ctx, a),
        Command::Demo(a) => demo::run(&ctx, a),
        Command::Sync(_) => sync::run(&ctx),
    }
}

/// Refuses (exit 1) unless `actor` may perform `action` on `subject`.
pub fn permit(
    policy: &Policy,
    action: &str,
    actor: &str,
    subject: &Subject,
    now: Timestamp,
) -> Result<()> {
    permissions::may(policy, action, actor, subject, now)
        .map(|_| ())
        .map_err(|refusal| Error::refused(refusal.to_string()))
}

/// A line for each approval that counted in `before` and does not in
/// `after` (an amendment, a fix cycle): whose, for what, why, and what to
/// do (SPEC 3.2: the command that changed the content says so).
pub fn voided_approvals(before: &Release, after: &Release) -> Vec<String> {
    after
        .approvals
        .iter()
        .filter(|a| before.approval_current(a))
        .filter_map(|a| match after.standing(a) {
            crate::model::digest::Standing::Void(why) => Some(format!(
                "{} approval by {} as {} no longer counts: {why}; approve again with rel approve {} --role {} --for {}",
                a.purpose, a.by, a.role, after.id, a.role, a.purpose
            )),
            _ => None,
        })
        .collect()
}

/// Prints a release document: JSON with `--json`, else its Markdown, with
/// each missing item named on stderr.
pub fn print_document<T: serde::Serialize>(
    ctx: &Ctx,
    doc: &T,
    markdown: &str,
    missing: &[String],
) -> Result<()> {
    if ctx.json() {
        return print_json(doc);
    }
    print!("{markdown}");
    for m in missing {
        ctx.warn(format_args!("missing: {m}"));
    }
    Ok(())
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::data(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

pub fn release_path(release: &Release) -> PathBuf {
    // The id was validated when the release was loaded or created.
    paths::release(&ReleaseId::parse(&release.id).expect("validated release id"))
}
/// Builds the commit for a change to one release: the subject says `what`
/// happened (and the transition), the `Rel-Action` trailer names the
/// command in one word for scripts.
pub fn message(
    release: &Release,
    action: &str,
    what: &str,
    transition: Option<(Stage, Stage)>,
    eval: Option<&Evaluation>,
    extra: &[(&str, String)],
) -> CommitMessage {
    let subject = match transition {
        Some((from, to)) => format!("{}: {what} {from} -> {to}", release.id),
        None => format!("{}: {what}", release.id),
    };
    let mut trailers = vec![
        ("Rel-Action".to_string(), action.to_string()),
        ("Rel-Release".to_string(), release.id.clone()),
    ];
    if let Some((from, to)) = transition {
        trailers.push(("Rel-From".to_string(), from.to_string()));
        trailers.push(("Rel-To".to_string(), to.to_string()));
    }
    let mut body = String::new();
    if let Some(eval) = eval {
        trailers.push(("Rel-Gates".to_string(), eval.summary()));
        let waived: Vec<&str> = eval
            .gates
            .iter()
            .filter(|g| g.status == gates::GateStatus::Waived)
            .map(|g| g.name.as_str())
            .collect();
        if !waived.is_empty() {
            trailers.push(("Rel-Waived".to_string(), waived.join(", ")));
        }
        for g in &eval.gates {
            body.push_str(&format!(
                "{:<7} {}: {}\n",
                g.status.as_str(),
                g.name,
                g.message
            ));
        }
    }
    for (k, v) in extra {
        trailers.push((k.to_string(), v.clone()));
    }
    CommitMessage {
        subject,
        body: body.trim_end().to_string(),
        trailers,
    }
}

/// Reads a time given on the command line in the policy's zone.
pub fn parse_time(policy: &Policy, flag: &str, text: &str) -> Result<Timestamp> {
    local_time::parse_local(policy.tz(), text).map_err(|e| Error::usage(format!("{flag}: {e}")))
}

pub fn parse_date(flag: &str, text: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        Error::usage(format!(
            "{flag}: `{text}` is not a date; expected YYYY-MM-DD"
        ))
    })
}

/// Saves one release in its own commit.
pub fn commit_release(repo: &Repo, release: &Release, message: &CommitMessage) -> Result<String> {
    let mut tx = repo.begin()?;
    tx.write(
        &release_path(release),
        crate::store::yaml::to_string(release),
    )?;
    tx.commit(message)
}

/// `--version` for a release of `service`: semver, or YYYY.MM.DD where the
/// policy marks the service as date-versioned.
pub fn version_flag(policy: &Policy, service: &str, version: &str) -> Result<()> {
    let versioning = policy
        .services
        .get(service)
        .map(|s| s.versioning)
        .unwrap_or_default();
    crate::model::version::Version::parse(versioning, version)
        .map(|_| ())
        .map_err(|e| Error::usage(format!("--version: {e}")))
}

/// `--depends-on` values: ids of releases that exist, each once, never
/// `own` (the release itself, when amending).
pub fn depends_on_flag(repo: &Repo, ids: &[String], own: Option<&str>) -> Result<Vec<String>> {
    let mut out: Vec<String> = vec![];
    for d in ids {
        let id = ReleaseId::parse(d).map_err(|e| Error::usage(format!("--depends-on: {e}")))?;
        let text = id.to_string();
        if own == Some(text.as_str()) {
            return Err(Error::usage(
                "--depends-on: a release cannot depend on itself",
            ));
        }
        if !repo.exists(&paths::release(&id))? {
            return Err(Error::usage(format!("--depends-on: no release {text}")));
        }
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Ok(out)
}

/// `--rollback-window` and `--rollback-procedure` over the release's
/// `current` rollback (none when planning): a procedure alone keeps the
/// window it has, and needs one.
pub fn rollback_flags(
    window: Option<String>,
    procedure: Option<String>,
    current: Option<&crate::model::Rollback>,
) -> Result<Option<crate::model::Rollback>> {
    if window.is_none() && procedure.is_none() {
        return Ok(current.cloned());
    }
    let window = match window {
        Some(w) => crate::model::Duration::parse(&w)
            .map_err(|e| Error::usage(format!("--rollback-window: {e}")))?,
        None => match current {
            Some(old) => old.window,
            None => return Err(Error::usage("--rollback-procedure needs --rollback-window")),
        },
    };
    let procedure = procedure
        .or_else(|| current.map(|old| old.procedure.clone()))
        .unwrap_or_default();
    Ok(Some(crate::model::Rollback { window, procedure }))
}

/// The local time of `t` in the policy's zone, as people read it, labelled
/// with the zone's abbreviation (as gate messages are).
pub fn local(policy: &Policy, t: Timestamp) -> String {
    local_time::to_local(policy.tz(), t)
        .format("%a %d %b %Y %H:%M %Z")
        .to_string()
}

/// The command is over and the process ends: freeing what a walk of
/// history read (libgit2's caches of every commit and tree, the record
/// versions parsed), one allocation at a time, is a sixth of `rel log` and
/// of `rel audit verify` on a long history, and work the exit does at no
/// cost, as git itself leaves it. Only for what holds no lock and has
/// nothing left to write.
pub(crate) fn end_without_teardown<T>(read: T) {
    std::mem::forget(read);
}
