//! One integration-test binary driving the real `rel` binary in temporary
//! git repositories.

mod support;

mod core;

mod calendar;
mod lifecycle;
mod review;
mod review_history;
mod review_output;
mod sync;
