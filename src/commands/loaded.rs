//! `Loaded`, what a transition of one release reads from the store, and the
//! look-ups behind it: the release's changes, the releases near its window,
//! the last closed release of its service.

use super::{Ctx, permit, release_path};
use crate::calendar::Calendar;
use crate::error::Result;
use crate::gates::{self, Evaluation, GateContext};
use crate::model::{ChangeRef, Release, ReleaseId, Stage, Timestamp};
use crate::policy::Policy;
use crate::policy::permissions::Subject;
use crate::store::{Records, Repo};
use chrono::Datelike;
use std::collections::BTreeMap;
use std::path::PathBuf;

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
    pub fn warn_unless(&self, ctx: &Ctx, release: &Release, name: &str, to: Stage) {
        let now = ctx.now;
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
            ctx.warn(format_args!("{name}: {}", o.message));
        }
    }

    /// Refuses (exit 1, nothing written) unless the current actor may
    /// perform `action` on this release (SPEC 3.1).
    pub fn permit(&self, action: &str, now: Timestamp) -> Result<()> {
        permit(
            &self.policy,
            action,
            &self.actor,
            &Subject::release(&self.release.service),
            now,
        )
    }

    /// The path of the release file, relative to the records root.
    pub fn release_path(&self) -> PathBuf {
        release_path(&self.release)
    }
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
pub(super) fn months_around(start: Timestamp, end: Timestamp) -> Vec<(i32, u32)> {
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
    // Only the candidates are read out of the two months.
    let candidate = |r: &Release| in_production(release, r);
    let mut recent = repo.releases_in_month_where(this.year(), this.month(), &candidate)?;
    let before = this - chrono::Months::new(1);
    recent.extend(repo.releases_in_month_where(before.year(), before.month(), &candidate)?);
    last_closed_among(repo, release, &recent)
}

/// Whether `r` could be the version of `release`'s service in production:
/// another release of the service, closed, not rolled back.
fn in_production(release: &Release, r: &Release) -> bool {
    let rolled_back = r
        .deployment
        .as_ref()
        .is_some_and(|d| d.status == crate::model::DeploymentStatus::RolledBack);
    r.id != release.id && r.service == release.service && r.stage == Stage::Closed && !rolled_back
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
    for m in [this, this - chrono::Months::new(1)] {
        let best = recent
            .iter()
            .filter(|r| {
                ReleaseId::parse(&r.id).is_ok_and(|id| id.year == m.year() && id.month == m.month())
            })
            .filter(|r| in_production(release, r))
            // The latest window; of equal ones, the first in id order.
            .fold(None::<&Release>, |best, r| match best {
                Some(b) if r.window.start <= b.window.start => Some(b),
                _ => Some(r),
            });
        if let Some(best) = best {
            return Ok(Some(best.clone()));
        }
    }
    let m = this - chrono::Months::new(2);
    repo.last_shipped(&crate::store::production_index::Wanted {
        service: &release.service,
        except: &release.id,
        from: (m.year(), m.month()),
        oldest,
    })
}
