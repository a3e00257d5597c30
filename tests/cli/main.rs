//! One integration-test binary driving the real `rel` binary in temporary
//! git repositories.

mod support;

mod core;
mod exit_codes;
mod help;

mod calendar;
mod clients;
mod lifecycle;
mod review;
mod tables;
