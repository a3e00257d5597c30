//! The only code that touches disk and git: repository discovery, sharded
//! paths, YAML load/save, atomic writes, the lock, and one commit per command.

pub mod atomic;
pub mod branch_diff;
pub mod bulk;
pub mod durable;
mod guard;
pub mod history;
mod index_file;
pub mod index_lock;
pub mod interrupted;
pub mod journal;
pub mod lock;
pub mod parallel;
pub mod paths;
pub mod pause;
pub mod production;
pub mod production_index;
pub mod record_path;
pub mod remote;
pub mod repo;
pub mod revision;
pub mod revisions;
pub mod site;
pub mod transaction;
pub mod trees;
mod walk_parallel;
pub mod yaml;
mod yaml_canonical;

pub use history::{LogEntry, Signature};
pub use production::Shipped;
pub use repo::Repo;
pub use revision::{Records, Revision};
pub use transaction::{CommitMessage, Transaction};

#[cfg(test)]
mod testing;
