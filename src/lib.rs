//! rel: a release manager whose records live in a git repository. Every
//! lifecycle step is checked against a policy and committed, so that git
//! history is the audit trail.

pub mod calendar;
pub mod cli;
pub mod commands;
pub mod error;
pub mod gates;
pub mod model;
pub mod policy;
pub mod render;
pub mod review;
pub mod store;

pub use error::{Error, Result};

/// Runs one command line. `now` is the clock, read once by the binary.
pub fn run(cli: cli::Cli, now: model::Timestamp, cwd: std::path::PathBuf) -> Result<()> {
    commands::run(cli, now, cwd)
}
