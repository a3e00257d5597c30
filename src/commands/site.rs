//! `rel site --out DIR`: the release site for stakeholders. Reads every
//! record once and the git history in one walk, evaluates the gates of
//! every release under way through the gate engine, and writes static
//! pages (rendered by `render::site`) through the store.

use super::{Ctx, calendar, print_json};
use crate::calendar::Calendar;
use crate::calendar::conflicts::{Conflict, ConflictWith};
use crate::calendar::local_time::to_local;
use crate::cli::SiteArgs;
use crate::error::Result;
use crate::gates::{self, Evaluation, GateContext};
use crate::model::{ChangeRef, DeploymentStatus, Release, Stage, Timestamp};
use crate::policy::Policy;
use crate::render::site::{self, CalendarItem, Clash, ItemKind, Month, SiteInput, TrailEntry};
use crate::store::record_path::{RecordPath, classify};
use crate::store::{Signature, history};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::BTreeMap;

const ICS: &str = "calendar.ics";

pub fn run(ctx: &Ctx, a: SiteArgs) -> Result<()> {
    let repo = ctx.repo()?;
    let policy = repo.load_policy()?;
    let calendar = repo.load_calendar(&policy)?;
    let tz = policy.tz();
    let releases: Vec<Release> = repo.all_releases()?.into_iter().map(|(_, r)| r).collect();
    let changes: BTreeMap<String, ChangeRef> = repo
        .all_changes()?
        .into_iter()
        .map(|(_, c)| (c.id.clone(), c))
        .collect();

    // Releases by the month of their window's start, for the calendar and
    // for each gate evaluation's neighbours.
    let mut by_month: BTreeMap<(i32, u32), Vec<&Release>> = BTreeMap::new();
    for r in &releases {
        let d = r.window.start.date_naive();
        by_month.entry((d.year(), d.month())).or_default().push(r);
    }

    let evaluations = evaluate(&policy, &calendar, &releases, &by_month, &changes, ctx.now);
    let trails = trails(&repo)?;

    // The calendar: every month from the first release's to the last
    // release's or this one, whichever is later.
    let today = to_local(tz, ctx.now).date_naive();
    let first = by_month
        .keys()
        .next()
        .copied()
        .unwrap_or((today.year(), today.month()));
    let last = by_month
        .keys()
        .next_back()
        .copied()
        .unwrap_or(first)
        .max((today.year(), today.month()));
    let first_day = NaiveDate::from_ymd_opt(first.0, first.1, 1).unwrap_or(today);
    let mut months = vec![];
    let mut m = first_day;
    while (m.year(), m.month()) <= last {
        let next = m + chrono::Months::new(1);
        let nearby: Vec<Release> = [m - chrono::Months::new(1), m, next]
            .iter()
            .flat_map(|d| by_month.get(&(d.year(), d.month())).into_iter().flatten())
            .filter(|r| r.stage != Stage::Cancelled)
            .map(|r| (*r).clone())
            .collect();
        let (entries, conflicts) =
            calendar::range(&policy, &calendar, nearby, m, next - Duration::days(1));
        months.push(Month {
            year: m.year(),
            month: m.month(),
            items: entries.iter().filter_map(|e| item(&policy, e)).collect(),
            conflicts: conflicts.iter().map(clash).collect(),
        });
        m = next;
    }
    let last_day = m - Duration::days(1);
    let ics = calendar::site_ics(
        &repo,
        &policy,
        &calendar,
        releases.clone(),
        first_day,
        last_day,
    )?;

    let pages = site::render(&SiteInput {
        tz,
        now: ctx.now,
        releases: &releases,
        changes: &changes,
        evaluations: &evaluations,
        trails: &trails,
        months: &months,
        ics: ICS,
    });
    let out = if a.out.is_absolute() {
        a.out.clone()
    } else {
        ctx.cwd.join(&a.out)
    };
    let files = pages
        .iter()
        .map(|p| (p.path.as_str(), p.body.as_bytes()))
        .chain([(ICS, ics.as_bytes())]);
    let n = crate::store::site::write(&out, files)?;
    if ctx.json() {
        return print_json(&serde_json::json!({
            "out": out,
            "files": n,
            "releases": releases.len(),
            "months": months.len(),
            "index": out.join("index.html"),
        }));
    }
    println!(
        "Wrote {n} files to {} ({} releases, {} months of calendar); open {}",
        out.display(),
        releases.len(),
        months.len(),
        out.join("index.html").display()
    );
    Ok(())
}

/// The next transition's gates of every release under way, through the
/// gate engine, with the same inputs `rel gate` reads (its changes, the
/// releases near its window and those it depends on, the last closed
/// release of its service), taken from the records already in memory.
fn evaluate(
    policy: &Policy,
    calendar: &Calendar,
    releases: &[Release],
    by_month: &BTreeMap<(i32, u32), Vec<&Release>>,
    changes: &BTreeMap<String, ChangeRef>,
    now: Timestamp,
) -> BTreeMap<String, Evaluation> {
    let by_id: BTreeMap<&str, &Release> = releases.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut out = BTreeMap::new();
    for r in releases {
        let Some(to) = r.stage.next() else { continue };
        if r.stage == Stage::Cancelled {
            continue;
        }
        let own: BTreeMap<String, Option<ChangeRef>> = r
            .changes
            .iter()
            .map(|id| (id.clone(), changes.get(id).cloned()))
            .collect();
        let start = r.window.start.date_naive();
        let end = r.window.end().date_naive();
        let mut nearby: Vec<Release> = vec![];
        let mut m = start.with_day(1).unwrap_or(start) - chrono::Months::new(1);
        let last = end.with_day(1).unwrap_or(end) + chrono::Months::new(1);
        while m <= last {
            for x in by_month.get(&(m.year(), m.month())).into_iter().flatten() {
                if x.id != r.id {
                    nearby.push((*x).clone());
                }
            }
            m = m + chrono::Months::new(1);
        }
        for dep in &r.depends_on {
            if !nearby.iter().any(|x| &x.id == dep)
                && let Some(x) = by_id.get(dep.as_str())
            {
                nearby.push((*x).clone());
            }
        }
        // As `rel gate` finds it: walking months back from the release's
        // own, the latest closed, not rolled back release of its service.
        let month_of = |x: &Release| {
            let d = x.window.start.date_naive();
            (d.year(), d.month())
        };
        let last_closed = releases
            .iter()
            .filter(|x| {
                x.id != r.id
                    && x.service == r.service
                    && x.stage == Stage::Closed
                    && month_of(x) <= month_of(r)
                    && x.deployment
                        .as_ref()
                        .is_none_or(|d| d.status != DeploymentStatus::RolledBack)
            })
            .max_by_key(|x| (month_of(x), x.window.start));
        let eval = gates::evaluate(&GateContext {
            release: r,
            changes: &own,
            nearby: &nearby,
            last_closed,
            policy,
            calendar,
            now,
            to,
        });
        out.insert(r.id.clone(), eval);
    }
    out
}

/// Every release's audit trail from one walk of the history: the rel
/// commits naming it (`Rel-Release`), oldest first.
/// Each release's audit trail, oldest first: the rel commits that name it
/// and the commits that edited its record by hand.
fn trails(repo: &crate::store::Repo) -> Result<BTreeMap<String, Vec<TrailEntry>>> {
    let mut out: BTreeMap<String, Vec<TrailEntry>> = BTreeMap::new();
    let entry = |e: &history::LogEntry| TrailEntry {
        when: e.time,
        who: e.author.clone(),
        email: e.email.clone(),
        what: e.subject.clone(),
        commit: e.commit.clone(),
        signature: match e.signature {
            Signature::None => "-",
            Signature::Good => "verified",
            Signature::Bad => "bad",
            Signature::Unknown => "unverified",
        },
        hand_edit: e.hand_edit,
    };
    for (e, files) in history::release_commits(repo)? {
        let named = e.trailer("Rel-Release").unwrap_or_default();
        let named = named.split(',').map(str::trim).filter(|s| !s.is_empty());
        let edited = files.iter().filter_map(|f| match classify(f, None) {
            Ok(RecordPath::Release(id)) => Some(id.to_string()),
            _ => None,
        });
        let ids: Vec<String> = named.map(str::to_string).chain(edited).collect();
        for id in ids {
            out.entry(id).or_default().push(entry(&e));
        }
    }
    // The walk is newest first.
    for trail in out.values_mut() {
        trail.reverse();
    }
    Ok(out)
}

fn item(policy: &Policy, e: &calendar::Entry) -> Option<CalendarItem> {
    let tz = policy.tz();
    let (s, en) = (to_local(tz, e.start), to_local(tz, e.end));
    // The last day an interval touches ([start, end): an end at midnight
    // belongs to the day before).
    let last_day = if en.time() == chrono::NaiveTime::MIN && en.date_naive() > s.date_naive() {
        en.date_naive() - Duration::days(1)
    } else {
        en.date_naive()
    };
    let times = Some(format!("{}–{}", s.format("%H:%M"), en.format("%H:%M")));
    let scope = |services: &[String]| {
        if services.is_empty() {
            "all services".to_string()
        } else {
            services.join(", ")
        }
    };
    let (first, last) = match (e.first, e.last) {
        (Some(f), Some(l)) => (f, l),
        _ => (s.date_naive(), last_day),
    };
    Some(match e.kind {
        "release" => CalendarItem {
            kind: ItemKind::Release,
            first: s.date_naive(),
            last: s.date_naive(),
            time: times,
            label: {
                let title = e.title.clone().unwrap_or_default();
                match &e.version {
                    Some(v) if !title.contains(v.as_str()) => format!("{title} ({v})"),
                    _ => title,
                }
            },
            release: e.id.clone(),
            detail: format!(
                "{}, {}",
                e.service.clone().unwrap_or_default(),
                e.stage.clone().unwrap_or_default()
            ),
        },
        "maintenance" => CalendarItem {
            kind: ItemKind::Window,
            first: s.date_naive(),
            last: s.date_naive(),
            time: times,
            label: e.name.clone().unwrap_or_default(),
            release: None,
            detail: if e.services.is_empty() {
                String::new()
            } else {
                e.services.join(", ")
            },
        },
        "blackout" => CalendarItem {
            kind: ItemKind::Blackout,
            first,
            last,
            time: None,
            label: e.name.clone().unwrap_or_default(),
            release: None,
            detail: scope(&e.services),
        },
        "event" => CalendarItem {
            kind: if e.no_deploy {
                ItemKind::NoDeploy
            } else {
                ItemKind::Event
            },
            first,
            last,
            time: e.first.is_none().then_some(times).flatten(),
            label: e.name.clone().unwrap_or_default(),
            release: None,
            detail: match e.event_kind {
                Some("infrastructure") => format!("infrastructure: {}", scope(&e.services)),
                Some(k) => k.to_string(),
                None => String::new(),
            },
        },
        "holiday" => CalendarItem {
            kind: ItemKind::Holiday,
            first,
            last,
            time: None,
            label: "holiday".into(),
            release: None,
            detail: String::new(),
        },
        "absence" => CalendarItem {
            kind: ItemKind::Absence,
            first,
            last,
            time: None,
            label: e.name.clone().unwrap_or_default(),
            release: None,
            detail: "away".into(),
        },
        _ => return None,
    })
}

fn clash(c: &Conflict) -> Clash {
    Clash {
        release: c.release.clone(),
        with: match &c.with {
            ConflictWith::Release { id } => id.clone(),
            ConflictWith::Infrastructure { event } => format!("{event} (infrastructure)"),
            ConflictWith::Organisational { event } => format!("{event} (organisational)"),
            ConflictWith::Person { person } => format!("{person} (away)"),
        },
        winner: c.winner.clone(),
        reason: c.reason.clone(),
    }
}
