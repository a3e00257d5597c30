//! One integration-test binary driving the real `rel` binary in temporary
//! git repositories.

mod support;

mod core;

mod calendar;
mod lifecycle;
mod reads;
mod review;
