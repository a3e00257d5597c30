//! One integration-test binary driving the real `rel` binary in temporary
//! git repositories.

mod support;

mod core;

mod calendar;
mod import;
mod lifecycle;
mod reliability;
mod review;
mod review_history;
mod review_output;
mod site;
mod sync;
