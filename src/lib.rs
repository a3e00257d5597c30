//! rel: a release manager whose records live in a git repository. Every
//! lifecycle step is checked against a policy and committed, so that git
//! history is the audit trail.

pub mod calendar;
pub mod error;
pub mod model;
pub mod policy;
pub mod store;

pub use error::{Error, Result};
