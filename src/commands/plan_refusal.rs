//! What a refused booking says (`rel plan`, `rel reschedule`): the failing
//! gates, the next start that could be booked, or why none ever can.

use super::plan::{CALENDAR_GATES, HORIZON_DAYS, LONG};
use crate::calendar::{Calendar, local_time, slots};
use crate::error::{Error, Result};
use crate::gates::Evaluation;
use crate::model::{Duration, Release};

/// The next start at or after `start` at which `release` could be booked,
/// within the search horizon. The search may walk into later months: it
/// reads each month the proposal lands near into `others`, and searches
/// again until every release that could meet the proposed window has been
/// read. Releases only add constraints, so each pass proposes the same
/// start or a later one, and the months between the window and the
/// proposal need not be read at all.
pub(super) fn propose(
    repo: &crate::store::Repo,
    policy: &crate::policy::Policy,
    calendar: &Calendar,
    release: &Release,
    start: crate::model::Timestamp,
    others: &mut Vec<Release>,
) -> Result<Option<crate::model::Timestamp>> {
    let dur = release.window.duration.to_chrono();
    let mut read: std::collections::BTreeSet<(i32, u32)> =
        super::months_around(release.window.start, release.window.end())
            .into_iter()
            .collect();
    loop {
        let proposal = slots::next_free(release, start, others, calendar, policy, HORIZON_DAYS);
        let Some(p) = proposal else {
            return Ok(None);
        };
        let missing: Vec<(i32, u32)> = super::months_around(p, p + dur)
            .into_iter()
            .filter(|m| !read.contains(m))
            .collect();
        if missing.is_empty() {
            return Ok(Some(p));
        }
        for (y, m) in missing {
            read.insert((y, m));
            for r in repo.releases_in_month(y, m)? {
                if r.id != release.id && !others.iter().any(|o| o.id == r.id) {
                    others.push(r);
                }
            }
        }
    }
}

/// What a refused booking says: `headline`, each failing gate with its
/// remedy, and for a calendar refusal the next start that could be booked
/// (`hint` adds another way to take it).
pub(super) fn refusal(
    headline: &str,
    hint: &str,
    eval: &Evaluation,
    proposal: Option<crate::model::Timestamp>,
    release: &Release,
    calendar: &Calendar,
    policy: &crate::policy::Policy,
) -> String {
    let calendar_refused = eval
        .failures()
        .any(|g| CALENDAR_GATES.contains(&g.name.as_str()));
    let mut text = format!(
        "{headline}: {} gate(s) refuse it\n",
        eval.failures().count()
    );
    for g in eval.failures() {
        text.push_str(&format!("  {}: {}\n", g.name, g.message));
        if let Some(r) = &g.remedy {
            text.push_str(&format!("    -> {r}\n"));
        }
    }
    if calendar_refused {
        match proposal {
            Some(p) => text.push_str(&format!(
                "next start at which it could be booked: {} (--target \"{}\"{})\n",
                local_time::format_local(policy.tz(), p, LONG),
                local_time::target_text(policy.tz(), p),
                hint
            )),
            None => text.push_str(&format!(
                "{}\n",
                too_long(release, calendar, policy.tz())
                    .unwrap_or_else(|| format!("no free slot within {HORIZON_DAYS} days"))
            )),
        }
    }
    text
}

/// Why no start can ever fit, when the window is longer than every
/// maintenance window open to its service (emergencies need none). A
/// window that holds the night the clocks go back is longer by the hour
/// given back, so that is the longest it can be.
pub(super) fn too_long(
    release: &Release,
    calendar: &Calendar,
    tz: chrono_tz::Tz,
) -> Option<String> {
    if release.kind.is_emergency() {
        return None;
    }
    let given_back = longest_clock_change_back(tz, release.window.start);
    match calendar.longest_window(&release.service) {
        None => Some(format!(
            "no start can be proposed: no maintenance window is open to {}",
            release.service
        )),
        Some((name, longest)) if release.window.duration.to_chrono() > longest + given_back => {
            let ordinary = Duration::minutes(longest.num_minutes());
            let length = if given_back > chrono::Duration::zero() {
                format!(
                    "{ordinary}, {} on the night the clocks go back",
                    Duration::minutes((longest + given_back).num_minutes())
                )
            } else {
                ordinary.to_string()
            };
            Some(format!(
                "no start can be proposed: a {} window is longer than the longest maintenance window ({length}, {name}) open to {}",
                release.window.duration, release.service
            ))
        }
        Some(_) => None,
    }
}

/// The most a local night is lengthened by a change of `tz`'s offset in the
/// year from `from` (one hour where summer time ends; none in a zone
/// without changes).
fn longest_clock_change_back(tz: chrono_tz::Tz, from: crate::model::Timestamp) -> chrono::Duration {
    use chrono::{Offset, TimeZone};
    let offset = |t: chrono::DateTime<chrono::Utc>| {
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    };
    let mut t = from.with_timezone(&chrono::Utc);
    let end = t + chrono::Duration::days(366);
    let mut most = 0;
    while t < end {
        let next = t + chrono::Duration::hours(6);
        most = most.max(offset(t) - offset(next));
        t = next;
    }
    chrono::Duration::seconds(i64::from(most))
}

/// The refused booking as the command's answer: with `--json` the gates and
/// the proposed start on stdout (and the text on stderr), else the text as
/// the error. Always exit 1, nothing written.
pub(super) fn refuse(
    ctx: &super::Ctx,
    text: String,
    eval: &Evaluation,
    proposal: Option<crate::model::Timestamp>,
) -> Result<()> {
    if ctx.json() {
        let mut value = serde_json::to_value(eval).unwrap_or_default();
        if let Some(p) = proposal {
            value["next_start"] = serde_json::Value::String(p.to_rfc3339());
        }
        super::print_json(&value)?;
        eprint!("{text}");
        return Err(Error::Reported(1));
    }
    Err(Error::refused(text.trim_end().to_string()))
}
