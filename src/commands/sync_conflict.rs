//! Whether a booking that `rel sync` replays on the remote's state loses a
//! calendar conflict there, and the next free start it could take instead.

use crate::calendar::{conflicts, local_time, slots};
use crate::error::Result;
use crate::model::{ReleaseId, Stage};
use crate::store::{Records, Repo};
use git2::Oid;

/// How far ahead the next free start is searched for a booking left out.
const HORIZON_DAYS: u32 = 120;

/// Whether release `id`, as booked in `commit`, loses a calendar conflict
/// there (the releases it meets were booked first, SPEC section 4): the
/// reason naming the winner (`loses a calendar conflict: ...`), and the
/// next free start.
pub(super) fn loses(
    repo: &Repo,
    commit: Oid,
    id: &str,
) -> Result<Option<(String, Option<String>)>> {
    let rev = repo.revision(commit)?;
    let Some(policy) = rev.policy()? else {
        return Ok(None);
    };
    let calendar = rev.calendar(&policy)?;
    let Ok(rid) = ReleaseId::parse(id) else {
        return Ok(None);
    };
    let Some(release) = rev.find_release(&rid)? else {
        return Ok(None);
    };
    if matches!(release.stage, Stage::Cancelled | Stage::Closed) {
        return Ok(None);
    }
    let mut others = super::nearby_releases(&rev, &release)?;
    let lost: Vec<String> = conflicts::find_for_booking(&release, &others, &calendar, &policy)
        .into_iter()
        .filter(|c| !c.candidate_wins)
        .map(|c| c.reason)
        .collect();
    if lost.is_empty() {
        return Ok(None);
    }
    // The proposal may land in later months: read those too.
    let mut next = slots::next_free(
        &release,
        release.window.start,
        &others,
        &calendar,
        &policy,
        HORIZON_DAYS,
    );
    if let Some(p) = next {
        let mut probe = release.clone();
        probe.window.start = p;
        for r in super::nearby_releases(&rev, &probe)? {
            if r.id != release.id && !others.iter().any(|o| o.id == r.id) {
                others.push(r);
            }
        }
        next = slots::next_free(
            &release,
            release.window.start,
            &others,
            &calendar,
            &policy,
            HORIZON_DAYS,
        );
    }
    let tz = policy.tz();
    let mut reason = format!("loses a calendar conflict: {}", lost.join("; "));
    match next {
        Some(p) => reason.push_str(&format!(
            "; next free start {} (rel plan ... --target \"{}\")",
            local_time::format_local(tz, p, "%a %d %b %Y %H:%M"),
            local_time::target_text(tz, p)
        )),
        None => reason.push_str(&format!("; no free start within {HORIZON_DAYS} days")),
    }
    Ok(Some((reason, next.map(|p| p.to_rfc3339()))))
}
