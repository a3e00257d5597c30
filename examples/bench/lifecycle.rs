//! A history as a team using rel writes it, for the history benchmarks:
//! changes added with `change add`, each release planned, its definition
//! approved by the service owner, promoted through every stage with the
//! evidence each gate asks for recorded first (build, notices, the test
//! matrix, acceptance, readiness, go, deployment, completion notice) and
//! closed, each step one commit by the person the policy lets do it, in
//! rel's record and commit formats. The records are built with rel's model
//! types, approvals carry `digest::of`, and each promotion's message holds
//! the gates evaluated by `gates::evaluate` as `rel promote` does, so the
//! history follows the formats when they change. Windows fall on the
//! maintenance windows of `rel init`'s calendar, outside its blackouts,
//! never overlapping on related services. Every 97th commit from the first
//! closed release on is a hand edit (a dependency added to a closed
//! release), which `rel audit verify` reports.

use rel::calendar::Calendar;
use rel::calendar::local_time;
use rel::gates::{self, GateContext, GateStatus};
use rel::model::*;
use rel::policy::Policy;
use rel::store::{CommitMessage, paths, yaml};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Who does what: the roles of `rel init`'s policy.
const RM: &str = "Riley Manager <rm@example.com>";
const QA: &str = "Quinn Tester <qa@example.com>";
const OPS: &str = "Dana Deployer <ops@example.com>";

/// Services, their owners, and the local start of their window on a
/// maintenance night: finance depends on ledger, so their windows follow
/// each other; hr-portal is unrelated.
const SERVICES: [(&str, &str, u32, u32); 3] = [
    ("finance", "Frances Owner <fo@example.com>", 18, 0),
    ("ledger", "Lee Owner <lo@example.com>", 20, 30),
    ("hr-portal", "Harper Owner <ho@example.com>", 18, 0),
];
const CHANGES_PER_RELEASE: usize = 2;

/// One commit for the fast-import stream: author, time, message, files.
pub struct Commit {
    pub author: String,
    pub time: i64,
    pub message: String,
    pub files: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug)]
enum Step {
    AddChange(usize),
    Plan,
    ApproveDefinition,
    Promote(Stage),
    RecordBuild,
    Notify,
    Test(usize),
    ApproveAcceptance,
    Readiness,
    Go,
    Deploy,
    NotifyCompletion,
}

/// When each step happens, in minutes from the window's start.
fn steps(tests: usize) -> Vec<(i64, Step)> {
    let day = 24 * 60;
    let mut s = vec![];
    for i in 0..CHANGES_PER_RELEASE {
        s.push((-21 * day - 8 * 60 + i as i64, Step::AddChange(i)));
    }
    s.push((-21 * day - 7 * 60, Step::Plan));
    s.push((-20 * day - 8 * 60, Step::ApproveDefinition));
    s.push((-19 * day - 8 * 60, Step::Promote(Stage::Build)));
    s.push((-15 * day - 8 * 60, Step::RecordBuild));
    s.push((-14 * day - 8 * 60, Step::Notify));
    s.push((-14 * day - 6 * 60, Step::Promote(Stage::Test)));
    for i in 0..tests {
        s.push((-10 * day - 8 * 60 + 10 * i as i64, Step::Test(i)));
    }
    s.push((-9 * day - 8 * 60, Step::Promote(Stage::Stage)));
    s.push((-3 * day - 6 * 60, Step::ApproveAcceptance));
    s.push((-2 * day, Step::Readiness));
    s.push((-6 * 60, Step::Go));
    s.push((-60, Step::Promote(Stage::Deploy)));
    s.push((2 * 60 + 10, Step::Deploy));
    s.push((2 * 60 + 20, Step::NotifyCompletion));
    s.push((2 * day, Step::Promote(Stage::Closed)));
    s
}

/// A release being worked on: its record, its changes, its owner.
struct Work {
    release: Release,
    changes: Vec<ChangeRef>,
    owner: &'static str,
    service: usize,
    /// `rel plan` has written it.
    planned: bool,
    /// Hand-edited once already.
    edited: bool,
}

pub struct Generator {
    policy: Policy,
    calendar: Calendar,
    work: Vec<Work>,
    /// (time, order, work index, step index), earliest first.
    queue: BinaryHeap<Reverse<(i64, usize, usize, usize)>>,
    order: usize,
    plan: Vec<(i64, Step)>,
    nights: Nights,
    per_month: BTreeMap<(i32, u32), u32>,
    per_year: BTreeMap<i32, u32>,
    versions: [u32; 3],
    last_closed: [Option<usize>; 3],
    commits: usize,
    last_time: i64,
}

/// The maintenance nights of `rel init`'s calendar (Saturday and Sunday
/// evenings) outside its blackouts (the 28th to the 2nd, 15 December to
/// 5 January).
struct Nights {
    day: chrono::NaiveDate,
}

impl Iterator for Nights {
    type Item = chrono::NaiveDate;
    fn next(&mut self) -> Option<chrono::NaiveDate> {
        use chrono::Datelike;
        loop {
            let d = self.day;
            self.day = d.succ_opt()?;
            let weekend = matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
            // The window ends after midnight: the next day counts too.
            let blackout = |d: chrono::NaiveDate| {
                d.day() >= 28
                    || d.day() <= 2
                    || (d.month() == 12 && d.day() >= 15)
                    || (d.month() == 1 && d.day() <= 5)
            };
            if weekend && !blackout(d) && d.succ_opt().is_some_and(|n| !blackout(n)) {
                return Some(d);
            }
        }
    }
}

fn at(t: i64) -> Timestamp {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .fixed_offset()
}

impl Generator {
    /// Releases whose windows start on the maintenance nights from `first`.
    pub fn new(policy: Policy, calendar: Calendar, first: chrono::NaiveDate) -> Generator {
        let tests = policy.required_tests(ReleaseType::Minor).len();
        Generator {
            policy,
            calendar,
            work: vec![],
            queue: BinaryHeap::new(),
            order: 0,
            plan: steps(tests),
            nights: Nights { day: first },
            per_month: BTreeMap::new(),
            per_year: BTreeMap::new(),
            versions: [0; 3],
            last_closed: [None; 3],
            commits: 0,
            last_time: 0,
        }
    }

    /// Books the releases of the next maintenance night.
    fn next_night(&mut self) {
        let night = self.nights.next().unwrap();
        for (s, (service, owner, hour, minute)) in SERVICES.iter().enumerate() {
            let local = night.and_hms_opt(*hour, *minute, 0).unwrap();
            let start = local_time::resolve(self.policy.tz(), local).unwrap();
            self.book(s, service, owner, start);
        }
    }

    fn book(&mut self, s: usize, service: &str, owner: &'static str, start: Timestamp) {
        use chrono::Datelike;
        let local = self.policy.local_date(start);
        let k = self
            .per_month
            .entry((local.year(), local.month()))
            .or_default();
        *k += 1;
        let id = ReleaseId::new(local.year(), local.month(), *k).to_string();
        let booked = at(start.timestamp() + 60 * self.plan[CHANGES_PER_RELEASE].0);
        let changes: Vec<ChangeRef> = (0..CHANGES_PER_RELEASE)
            .map(|i| {
                let c = self.per_year.entry(local.year()).or_default();
                *c += 1;
                let cid = format!("CHG-{:04}-{:04}", local.year(), c);
                ChangeRef {
                    id: cid.clone(),
                    title: format!("{service}: change {}", i + 1),
                    service: service.to_string(),
                    status: ChangeStatus::Approved,
                    owner: "dev@example.com".into(),
                    target: local,
                    ready: true,
                    approved_by: None,
                    approved_at: None,
                    risk: None,
                    link: Some(format!("https://itsm.example.com/change/{cid}")),
                    description: None,
                    release: None,
                }
            })
            .collect();
        self.versions[s] += 1;
        let version = format!("1.{}.0", self.versions[s]);
        let schedule =
            rel::calendar::timeline::schedule(local, ReleaseType::Minor, &self.policy.timeline);
        let release = Release {
            version: Some(version.clone()),
            rationale: "New features, no breaking change".into(),
            risk: Some(Risk {
                level: Impact::Medium,
                summary: "Medium: every change reversible".into(),
            }),
            rollback: Some(Rollback {
                window: Duration::hours(1),
                procedure: "Redeploy the previous version".into(),
            }),
            resources: vec!["staging environment".into()],
            ..Release::booked(Booking {
                id,
                title: format!("{service} {version}"),
                service: service.to_string(),
                kind: ReleaseType::Minor,
                changes: changes.iter().map(|c| c.id.clone()).collect(),
                window: Window {
                    start,
                    duration: Duration::hours(2),
                },
                schedule,
                impact: Impact::Medium,
                planned_by: RM.into(),
                booked_at: booked,
            })
        };
        let w = self.work.len();
        self.work.push(Work {
            release,
            changes,
            owner,
            service: s,
            planned: false,
            edited: false,
        });
        for (i, (offset, _)) in self.plan.iter().enumerate() {
            self.order += 1;
            self.queue
                .push(Reverse((start.timestamp() + 60 * offset, self.order, w, i)));
        }
    }

    /// The next commit.
    pub fn next_commit(&mut self) -> Commit {
        // Book nights until the next step is one of a booked release: every
        // step of a later night comes after its booking.
        while self
            .queue
            .peek()
            .is_none_or(|Reverse((t, ..))| self.next_booking() <= *t)
        {
            self.next_night();
        }
        self.commits += 1;
        if self.commits.is_multiple_of(97)
            && let Some(c) = self.hand_edit()
        {
            return c;
        }
        let Reverse((time, _, w, i)) = self.queue.pop().unwrap();
        self.last_time = time;
        let step = self.plan[i].1;
        self.step(w, step, time)
    }

    /// When the next night's first release is booked.
    fn next_booking(&self) -> i64 {
        let night = self.nights.clone_day();
        let local = night.and_hms_opt(0, 0, 0).unwrap();
        let start = local_time::resolve(self.policy.tz(), local).unwrap();
        start.timestamp() + 60 * self.plan[0].0
    }

    /// A dependency recorded by hand: the release closed last is made to
    /// depend on one closed before it. No rel command changes the
    /// definition after plan, so the audit reports it; nothing later reads
    /// a closed release's dependencies.
    fn hand_edit(&mut self) -> Option<Commit> {
        let closed = |w: &Work| w.planned && w.release.stage == Stage::Closed;
        let w = self.work.iter().rposition(|w| closed(w) && !w.edited)?;
        let earlier = self.work[..w].iter().rposition(closed)?;
        let id = self.work[earlier].release.id.clone();
        self.work[w].edited = true;
        let r = &mut self.work[w].release;
        r.depends_on.push(id);
        let time = self.last_time;
        Some(Commit {
            author: RM.into(),
            time,
            message: "Record a dependency that was missed at planning\n".into(),
            files: vec![release_file(r)],
        })
    }

    /// The gates of the move to `to` as rel evaluates them now; `booking`:
    /// as `rel plan` does, without the definition's gates.
    fn evaluate(&self, w: usize, to: Stage, now: Timestamp, booking: bool) -> gates::Evaluation {
        let work = &self.work[w];
        let changes: BTreeMap<String, Option<ChangeRef>> = work
            .changes
            .iter()
            .map(|c| (c.id.clone(), Some(c.clone())))
            .collect();
        let nearby: Vec<Release> = self
            .work
            .iter()
            .enumerate()
            .filter(|(i, o)| *i != w && o.planned && o.release.stage.is_live())
            .map(|(_, o)| o.release.clone())
            .collect();
        let last_closed = self.last_closed[work.service].map(|i| &self.work[i].release);
        let context = GateContext {
            release: &work.release,
            changes: &changes,
            nearby: &nearby,
            last_closed,
            policy: &self.policy,
            calendar: &self.calendar,
            now,
            to,
        };
        let mut eval = gates::evaluate(&context);
        if booking {
            // `rel plan`: the booking's gates, without the definition's.
            eval.gates.retain(|g| {
                !matches!(
                    g.name.as_str(),
                    "definition-approved" | "definition-complete"
                )
            });
            for g in eval.gates.iter_mut().filter(|g| g.name == "conflicts") {
                let outcome = gates::calendar::booking_conflicts(&context);
                g.status = outcome.status;
                g.message = outcome.message;
                g.remedy = outcome.remedy;
            }
        }
        let failed: Vec<String> = eval
            .gates
            .iter()
            .filter(|g| g.status == GateStatus::Fail)
            .map(|g| format!("{}: {}", g.name, g.message))
            .collect();
        assert!(
            failed.is_empty(),
            "generated {} fails {to} gates: {failed:?}",
            work.release.id
        );
        eval
    }

    fn step(&mut self, w: usize, step: Step, time: i64) -> Commit {
        let now = at(time);
        let tz = self.policy.tz();
        let when = local_time::format_local(tz, now, "%a %d %b %Y %H:%M %Z");
        let owner = self.work[w].owner;
        let audiences = self.policy.audiences(Impact::Medium);
        let mut author = RM;
        let mut files = vec![];
        let message = match step {
            Step::AddChange(i) => {
                let c = &self.work[w].changes[i];
                files.push(change_file(c));
                CommitMessage {
                    subject: format!("{}: add change", c.id),
                    body: String::new(),
                    trailers: vec![
                        ("Rel-Action".into(), "change-add".into()),
                        ("Rel-Changes".into(), c.id.clone()),
                    ],
                }
            }
            Step::Plan => {
                let eval = self.evaluate(w, Stage::Build, now, true);
                let work = &mut self.work[w];
                work.planned = true;
                for c in work.changes.iter_mut() {
                    c.release = Some(work.release.id.clone());
                    files.push(change_file(c));
                }
                let r = &work.release;
                let what = format!("plan {} {} release", r.service, r.kind);
                rel::commands::message(r, "plan", &what, None, Some(&eval), &[])
            }
            Step::Promote(to) => {
                let from = self.work[w].release.stage;
                if to == Stage::Closed {
                    // `rel close` judges the closure it writes.
                    let r = &mut self.work[w].release;
                    r.closure = Some(closure(r, now));
                }
                let eval = self.evaluate(w, to, now, false);
                let work = &mut self.work[w];
                let action = if to == Stage::Closed {
                    for c in work.changes.iter_mut() {
                        c.status = ChangeStatus::Implemented;
                        files.push(change_file(c));
                    }
                    self.last_closed[work.service] = Some(w);
                    "close"
                } else {
                    "promote"
                };
                work.release.stage = to;
                rel::commands::message(
                    &work.release,
                    action,
                    action,
                    Some((from, to)),
                    Some(&eval),
                    &[],
                )
            }
            Step::ApproveDefinition | Step::ApproveAcceptance => {
                let purpose = if matches!(step, Step::ApproveDefinition) {
                    Purpose::Definition
                } else {
                    Purpose::Acceptance
                };
                author = owner;
                let r = &mut self.work[w].release;
                let digest = Some(digest::of(r, purpose));
                r.approvals.push(Approval {
                    role: "service-owner".into(),
                    purpose,
                    by: owner.into(),
                    at: now,
                    on_behalf_of: None,
                    delegation_until: None,
                    digest,
                });
                let what = format!("approve {purpose} (service-owner)");
                rel::commands::message(
                    r,
                    "approve",
                    &what,
                    None,
                    None,
                    &[("Rel-Role", "service-owner".into())],
                )
            }
            Step::RecordBuild => {
                author = QA;
                let r = &mut self.work[w].release;
                r.build.push(BuildRecord {
                    verification: Verification::Passed,
                    package: Some(format!(
                        "artifacts://{}/{}",
                        r.service,
                        r.version.clone().unwrap_or_default()
                    )),
                    components: vec![],
                    cycle: 0,
                    by: QA.into(),
                    at: now,
                });
                rel::commands::message(r, "record", "record build (passed)", None, None, &[])
            }
            Step::Test(i) => {
                author = QA;
                let (category, needed) = self.policy.required_tests(ReleaseType::Minor)[i].clone();
                let r = &mut self.work[w].release;
                let passed = 20 + 7 * i as u32;
                r.tests.push(TestRun {
                    category,
                    passed,
                    failed: 0,
                    blocked: 0,
                    scope: (needed != "required").then_some(needed),
                    cycle: 0,
                    by: QA.into(),
                    at: now,
                });
                let what = format!("record test {category} ({passed} passed, 0 failed, 0 blocked)");
                rel::commands::message(r, "record", &what, None, None, &[])
            }
            Step::Notify | Step::NotifyCompletion => {
                let completion = matches!(step, Step::NotifyCompletion);
                let r = &mut self.work[w].release;
                for a in &audiences {
                    r.notifications.push(Notification {
                        audience: a.clone(),
                        sent_at: now,
                        by: RM.into(),
                        recorded_at: None,
                        completion,
                    });
                }
                let what = if completion {
                    format!(
                        "completion notice (successful) to {} ({when})",
                        audiences.join(", ")
                    )
                } else {
                    format!("notify {} ({when})", audiences.join(", "))
                };
                rel::commands::message(r, "notify", &what, None, None, &[])
            }
            Step::Readiness => {
                let r = &mut self.work[w].release;
                r.readiness = Some(Readiness {
                    confirmed: ReadinessItem::all().collect(),
                    by: RM.into(),
                    at: now,
                    note: None,
                });
                let hours = (r.window.start - now).num_minutes() as f64 / 60.0;
                let what = format!(
                    "readiness review, 6 of 6 checks confirmed ({hours:.1} h before the window)"
                );
                rel::commands::message(r, "readiness", &what, None, None, &[])
            }
            Step::Go => {
                author = owner;
                let r = &mut self.work[w].release;
                r.go.push(GoDecision {
                    decision: Decision::Go,
                    reason: None,
                    by: owner.into(),
                    at: now,
                    note: None,
                    on_behalf_of: None,
                });
                rel::commands::message(r, "go", "go decision", None, None, &[])
            }
            Step::Deploy => {
                author = OPS;
                let r = &mut self.work[w].release;
                r.deployment = Some(Deployment {
                    status: DeploymentStatus::Successful,
                    started: r.window.start,
                    duration: r.window.duration,
                    verification: Some(Verification::Passed),
                    issues: vec![],
                    follow_up: vec![],
                    by: OPS.into(),
                    at: now,
                });
                let what = format!("deployment successful, {}", r.window.duration);
                rel::commands::message(r, "deploy", &what, None, None, &[])
            }
        };
        if !matches!(step, Step::AddChange(_)) {
            files.push(release_file(&self.work[w].release));
        }
        Commit {
            author: author.into(),
            time,
            message: message.render(),
            files,
        }
    }
}

impl Nights {
    fn clone_day(&self) -> chrono::NaiveDate {
        Nights { day: self.day }.next().unwrap()
    }
}

/// The closure `rel close` writes for a release deployed on time, with
/// no defect, the configuration items named.
fn closure(r: &Release, now: Timestamp) -> Closure {
    let d = r.deployment.as_ref().expect("deployed before closed");
    Closure {
        config_updated: false,
        config_items: vec![ConfigItem {
            name: format!("{}-app", r.service),
            version: r.version.clone().unwrap_or_default(),
        }],
        pir_due: None,
        planned_start: r.window.start,
        actual_start: d.started,
        planned_duration: r.window.duration,
        actual_duration: d.duration,
        changes: r.changes.len() as u32,
        defects_in_test: DefectCounts::default(),
        defects_post_deploy: 0,
        rollback: false,
        on_time: true,
        outside_window: None,
        fix_cycles: 0,
        satisfaction: None,
        by: RM.into(),
        at: now,
    }
}

fn release_file(r: &Release) -> (String, String) {
    let id = ReleaseId::parse(&r.id).unwrap();
    (
        paths::release(&id).display().to_string(),
        yaml::to_string(r),
    )
}

fn change_file(c: &ChangeRef) -> (String, String) {
    let year: i32 = c.id[4..8].parse().unwrap();
    (
        paths::change(&c.id, year).display().to_string(),
        yaml::to_string(c),
    )
}
