//! One integration-test binary driving the real `rel` binary in temporary
//! git repositories.

mod support;

mod core;
mod exit_codes;
mod help;

mod bulk;
mod calendar;
mod clients;
mod import;
mod lifecycle;
mod reads;
mod reliability;
mod review;
mod review_history;
mod review_output;
mod review_scope;
mod site;
mod sync;
mod tables;
mod trust;
