//! Where in a record file something is: the path to a YAML node, which the
//! store turns into a line of the file.

/// One step of a path to a node of a YAML document: a mapping key or a
/// sequence index (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}
