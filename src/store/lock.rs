//! The repository lock.
