//! What people read: tables, gate evaluations, release notes, reports, the
//! calendar grid and iCalendar. Pure: values in, text out.

pub mod definition;
pub mod evaluation;
pub mod handoff;
pub mod ics;
pub mod notes;
pub mod notice;
pub mod report;
pub mod site;
pub mod table;
pub mod week;
