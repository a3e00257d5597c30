//! A branch's bookings against the base's ledger (`rel check --base`, the
//! pull-request flow): a release id the branch uses for another release
//! than the base does, and a booking that loses a calendar conflict with a
//! release on the base. The detection is `crate::calendar::ledger`'s; this
//! puts each on the line of the branch's record it concerns.

use super::Finding;
use crate::calendar::Calendar;
use crate::calendar::ledger::{lost_bookings, reused_ids};
use crate::model::Release;
use crate::model::node::Seg::Key;
use crate::policy::Policy;

/// How far ahead the next free start for a lost booking is looked for.
pub const LEDGER_HORIZON_DAYS: u32 = 120;

/// Findings on the branch's records (`record_file` names a release's
/// file): `id` for a reused id, `window` for a lost booking.
pub fn ledger_findings(
    base: &[Release],
    branch: &[Release],
    calendar: &Calendar,
    policy: &Policy,
    record_file: &dyn Fn(&str) -> std::path::PathBuf,
) -> Vec<Finding> {
    let mut out = vec![];
    for r in reused_ids(base, branch) {
        out.push(Finding::new(
            &record_file(&r.id),
            &[Key(r.field)],
            "ledger",
            r.message,
        ));
    }
    for l in lost_bookings(base, branch, calendar, policy, LEDGER_HORIZON_DAYS) {
        out.push(Finding::new(
            &record_file(&l.release),
            &[Key(l.field)],
            "ledger",
            format!("{}: {}", l.release, l.message),
        ));
    }
    out
}
