//! What people read: tables, gate evaluations, release notes, reports, the
//! calendar grid and iCalendar. Pure: values in, text out.

pub mod annotation;
pub mod evaluation;
pub mod ics;
pub mod notes;
pub mod report;
pub mod table;
pub mod week;
pub mod wrap;
