//! The review engine: the pure judge of records and of their history.
//! `rel check` judges the records as they are, `rel check --base` every
//! change to them along a branch, `rel audit verify` each commit against
//! its trailers. It is given plain data (records, and the versions of each
//! record file along the commits, see `crate::model::history`) and returns
//! findings; reading them from disk and git is the store's work, printing
//! them the command's.

mod audit;
mod branch;
mod evidence;
mod records;

pub use audit::{AuditFinding, AuditReport, HandEdit, audit};
pub use branch::{BranchRules, judge_branch};
pub use records::check_records;

use crate::model::node::Seg;
use serde::Serialize;
use std::cmp::Ordering;
use std::path::Path;

/// One thing a check found, in one file: what every output format renders.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub file: String,
    /// `null` in JSON when the finding concerns the file as a whole.
    pub line: Option<usize>,
    pub message: String,
    /// The rule that found it (`stage-move`, `append-only`, ...).
    #[serde(skip)]
    pub rule: &'static str,
    /// The YAML node it concerns, for the command to turn into `line`.
    #[serde(skip)]
    pub at: Vec<Seg>,
}

impl Finding {
    pub fn new(file: &Path, at: &[Seg], rule: &'static str, message: String) -> Finding {
        Finding {
            file: file.display().to_string(),
            line: None,
            message,
            rule,
            at: at.to_vec(),
        }
    }

    /// A finding on a whole file, or on a line already known.
    pub fn on_file(
        file: &str,
        line: Option<usize>,
        rule: &'static str,
        message: String,
    ) -> Finding {
        Finding {
            file: file.to_string(),
            line,
            message,
            rule,
            at: vec![],
        }
    }

    fn key(&self) -> (&str, Option<usize>, &str) {
        (&self.file, self.line, &self.message)
    }
}

// Findings are told apart, sorted and deduplicated by what a person reads.
impl PartialEq for Finding {
    fn eq(&self, other: &Finding) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Finding {}

impl PartialOrd for Finding {
    fn partial_cmp(&self, other: &Finding) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Finding {
    fn cmp(&self, other: &Finding) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// What a check concluded.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Refused by policy: exit 1.
    pub findings: Vec<Finding>,
    /// Files rel cannot read (malformed YAML, an unknown field): exit 3.
    pub errors: Vec<Finding>,
    /// Worth knowing, not refused (for example: the branch edits the policy).
    pub notes: Vec<Finding>,
}

impl Outcome {
    /// A file that cannot be read, with the parser's message: `line L
    /// column C: ...` in the message becomes the line.
    pub fn unreadable(&mut self, file: &Path, message: &str) {
        let (line, message) = split_line(message);
        self.errors.push(Finding::on_file(
            &file.display().to_string(),
            line,
            "readable",
            message,
        ));
    }

    /// Sorted, each once.
    pub fn tidy(&mut self) {
        for list in [&mut self.findings, &mut self.errors, &mut self.notes] {
            list.sort();
            list.dedup();
        }
    }
}

/// `line 5 column 7: msg` -> (5, `column 7: msg`); `line 5: msg` -> (5, `msg`).
fn split_line(message: &str) -> (Option<usize>, String) {
    let Some(rest) = message.strip_prefix("line ") else {
        return (None, message.to_string());
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(line) = digits.parse() else {
        return (None, message.to_string());
    };
    let rest = &rest[digits.len()..];
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    (Some(line), rest.to_string())
}
