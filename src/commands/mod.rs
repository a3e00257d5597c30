//! One file per command: each turns parsed arguments into work on the store
//! and the core, and prints the outcome.

mod amend;
mod approve;
mod audit;
mod calendar;
mod cancel;
mod change;
mod check;
mod close;
mod defect;
mod demo;
mod deploy;
mod evidence;
mod gate;
mod init;
mod log;
mod metrics;
mod notes;
mod plan;
mod progress;
mod promote;
mod record;
mod report;
mod schema;
mod show;

use crate::calendar::{Calendar, local_time};
use crate::cli::{Cli, Command, Global};
use crate::error::{Error, Result};
use crate::model::{ChangeRef, Release, ReleaseId, Stage, Timestamp};
use crate::policy::Policy;
use crate::policy::gates::{self, Evaluation, GateContext};
use crate::store::{CommitMessage, Records, Repo, paths};
use chrono::Datelike;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

/// What every command gets besides its own arguments.
pub struct Ctx {
    pub global: Global,
    /// The clock, read once by `main` (`REL_NOW` overrides it).
    pub now: Timestamp,
    pub cwd: PathBuf,
    /// Prompts are allowed: a terminal, no `--no-input`, no `CI`.
    pub interactive: bool,
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
        }
    }

    pub fn json(&self) -> bool {
        self.global.json
    }

    pub fn repo(&self) -> Result<Repo> {
        let repo = Repo::discover(self.global.root.as_deref(), &self.cwd)?.with_clock(self.now);
        // Progress of long reads: on a terminal, never with --json.
        Ok(if !self.json() && std::io::stderr().is_terminal() {
            repo.with_progress(Box::new(progress::Bar::default()))
        } else {
            repo
        })
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
            "missing {flag} ({prompt}); pass it on the command line"
        )))
    }
}

pub fn run(cli: Cli, now: Timestamp, cwd: PathBuf) -> Result<()> {
    let ctx = Ctx::new(cli.global, now, cwd);
    match cli.command {
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
        Command::Notes(a) => notes::run(&ctx, &a.id),
        Command::Report(a) => report::run(&ctx, &a.id),
        Command::Log(a) => log::run(&ctx, a),
        Command::Check(a) => check::run(&ctx, a),
        Command::Metrics(a) => metrics::run(&ctx, a),
        Command::Audit(a) => audit::run(&ctx, a),
        Command::Schema(a) => schema::schema(&ctx, a),
        Command::Completions(a) => schema::completions(a),
        Command::Man(a) => schema::man(&ctx, a),
        Command::Demo(a) => demo::run(&ctx, a),
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::data(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Everything a transition of one release needs, read from the store: the
/// release, its changes, the releases near its window, the last closed
/// release of its service. Nothing else is read.
pub struct Loaded {
    pub repo: Repo,
    pub policy: Policy,
    pub calendar: Calendar,
    pub actor: String,
    pub release: Release,
    pub changes: BTreeMap<String, Option<ChangeRef>>,
    pub nearby: Vec<Release>,
    pub last_closed: Option<Release>,
}

impl Loaded {
    pub fn load(ctx: &Ctx, id: &str) -> Result<Loaded> {
        let id = ReleaseId::parse(id)?;
        let repo = ctx.repo()?;
        let policy = repo.load_policy()?;
        let calendar = repo.load_calendar(&policy)?;
        let release = repo.load_release(&id)?;
        let changes = load_changes(&repo, &policy, &release.changes)?;
        let nearby = nearby_releases(&repo, &release)?;
        // Only the version gate compares with the last closed release, and
        // finding it may walk far back: read it only when that gate runs.
        let needs_version = release.stage.next().is_some_and(|to| {
            policy
                .gates
                .get(&to)
                .is_some_and(|g| g.iter().any(|s| s.name == "version"))
        });
        let last_closed = if needs_version {
            last_closed_among(&repo, &release, &nearby)?
        } else {
            None
        };
        let actor = repo.actor()?;
        Ok(Loaded {
            repo,
            policy,
            calendar,
            actor,
            release,
            changes,
            nearby,
            last_closed,
        })
    }

    /// Evaluates the gates for entering `to` with `release` as it would be.
    pub fn evaluate(&self, release: &Release, to: Stage, now: Timestamp) -> Evaluation {
        gates::evaluate(&self.gate_context(release, to, now))
    }

    fn gate_context<'a>(
        &'a self,
        release: &'a Release,
        to: Stage,
        now: Timestamp,
    ) -> GateContext<'a> {
        GateContext {
            release,
            changes: &self.changes,
            nearby: &self.nearby,
            last_closed: self.last_closed.as_ref(),
            policy: &self.policy,
            calendar: &self.calendar,
            now,
            to,
        }
    }

    /// Warns on stderr when the gate `name`, if the policy lists it for
    /// `to`, would fail for `release`: evidence being recorded that cannot
    /// satisfy it is still recorded (it is what happened), but not silently.
    pub fn warn_unless(&self, release: &Release, name: &str, to: Stage, now: Timestamp) {
        let listed = self.policy.gates.get(&to).is_some_and(|g| {
            g.iter()
                .any(|s| s.name == name && s.applies_to(release.kind))
        });
        if !listed {
            return;
        }
        if let Some(o) = gates::run_one(name, &self.gate_context(release, to, now))
            && o.status == gates::GateStatus::Fail
        {
            eprintln!("warning: {name}: {}", o.message);
        }
    }

    /// The path of the release file, relative to the records root.
    pub fn release_path(&self) -> PathBuf {
        release_path(&self.release)
    }
}

pub fn release_path(release: &Release) -> PathBuf {
    // The id was validated when the release was loaded or created.
    paths::release(&ReleaseId::parse(&release.id).expect("validated release id"))
}

pub fn load_changes(
    repo: &impl Records,
    policy: &Policy,
    ids: &[String],
) -> Result<BTreeMap<String, Option<ChangeRef>>> {
    let mut map = BTreeMap::new();
    for id in ids {
        map.insert(id.clone(), repo.find_change(policy, id)?);
    }
    Ok(map)
}

/// Months whose folders may hold releases overlapping a window: the
/// window's own months and one on either side (windows are hours long,
/// folders are by target month).
fn months_around(start: Timestamp, end: Timestamp) -> Vec<(i32, u32)> {
    let mut out = vec![];
    let first = start.date_naive().with_day(1).unwrap();
    let mut m = first - chrono::Months::new(1);
    let last = end.date_naive().with_day(1).unwrap() + chrono::Months::new(1);
    while m <= last {
        out.push((m.year(), m.month()));
        m = m + chrono::Months::new(1);
    }
    out
}

/// Releases near `release`'s window, plus those it depends on.
pub fn nearby_releases(repo: &impl Records, release: &Release) -> Result<Vec<Release>> {
    let mut out: Vec<Release> = vec![];
    for (y, m) in months_around(release.window.start, release.window.end()) {
        out.extend(
            repo.releases_in_month(y, m)?
                .into_iter()
                .filter(|r| r.id != release.id),
        );
    }
    for dep in &release.depends_on {
        if out.iter().any(|r| &r.id == dep) {
            continue;
        }
        let id = ReleaseId::parse(dep)?;
        if let Some(r) = repo.find_release(&id)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// The latest closed release of the same service before this one whose
/// deployment was not rolled back (the version in production), found by
/// walking month folders backwards from the release's own month.
pub fn last_closed(repo: &impl Records, release: &Release) -> Result<Option<Release>> {
    let this = month_of(release);
    let mut recent = repo.releases_in_month(this.year(), this.month())?;
    let before = this - chrono::Months::new(1);
    recent.extend(repo.releases_in_month(before.year(), before.month())?);
    last_closed_among(repo, release, &recent)
}

/// The first day of the month folder a release's window starts in.
fn month_of(release: &Release) -> chrono::NaiveDate {
    release.window.start.date_naive().with_day(1).unwrap()
}

/// [`last_closed`], given the releases already read of the release's own
/// month and the one before (`recent`, as [`nearby_releases`] reads them;
/// others in it are ignored). Those two months are taken as read, edits in
/// the work tree included; earlier months as committed, from summaries of
/// their folders' git trees, so that the walk back costs a lookup per month
/// and one parse for the release it finds, however long the history.
pub fn last_closed_among(
    repo: &impl Records,
    release: &Release,
    recent: &[Release],
) -> Result<Option<Release>> {
    let years = repo.release_years()?;
    let Some(&oldest) = years.first() else {
        return Ok(None);
    };
    let this = month_of(release);
    let in_production = |r: &&Release| {
        let rolled_back = r
            .deployment
            .as_ref()
            .is_some_and(|d| d.status == crate::model::DeploymentStatus::RolledBack);
        r.id != release.id
            && r.service == release.service
            && r.stage == Stage::Closed
            && !rolled_back
    };
    for m in [this, this - chrono::Months::new(1)] {
        let best = recent
            .iter()
            .filter(|r| {
                ReleaseId::parse(&r.id).is_ok_and(|id| id.year == m.year() && id.month == m.month())
            })
            .filter(in_production)
            // The latest window; of equal ones, the first in id order.
            .fold(None::<&Release>, |best, r| match best {
                Some(b) if r.window.start <= b.window.start => Some(b),
                _ => Some(r),
            });
        if let Some(best) = best {
            return Ok(Some(best.clone()));
        }
    }
    let mut m = this - chrono::Months::new(2);
    while m.year() >= oldest {
        let shipped = repo.shipped_in_month(m.year(), m.month())?;
        let best = shipped
            .iter()
            .filter(|s| s.service == release.service && s.id.to_string() != release.id)
            .fold(None::<&crate::store::Shipped>, |best, s| match best {
                Some(b) if s.start <= b.start => Some(b),
                _ => Some(s),
            });
        if let Some(best) = best.and_then(|s| repo.read_shipped(s)) {
            return Ok(Some(best));
        }
        m = m - chrono::Months::new(1);
    }
    Ok(None)
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
        if !repo.root.join(paths::release(&id)).exists() {
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

/// The local time of `t` in the policy's zone, as people read it.
pub fn local(policy: &Policy, t: Timestamp) -> String {
    local_time::to_local(policy.tz(), t)
        .format("%a %d %b %Y %H:%M")
        .to_string()
}
