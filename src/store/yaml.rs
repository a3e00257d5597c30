//! Every YAML call of rel lives here, so the format library can be swapped
//! in one file.

use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parses `text` (the contents of `path`); errors carry file, line, column.
///
/// Text exactly as rel writes it is read back without the general parser
/// (see `yaml_canonical`): that is most records, and most of the time of
/// reading many.
pub fn from_str<T: DeserializeOwned + Serialize>(path: &Path, text: &str) -> Result<T> {
    if let Some(value) = super::yaml_canonical::read::<T>(text) {
        // Test builds also read it the general way: both must be one value
        // (written the same).
        #[cfg(debug_assertions)]
        {
            let general: T = serde_saphyr::from_str(text).unwrap_or_else(|e| {
                panic!(
                    "{}: read as canonical, refused by the parser: {e}",
                    path.display()
                )
            });
            assert_eq!(
                to_string(&general),
                text,
                "{}: read two ways",
                path.display()
            );
        }
        return Ok(value);
    }
    serde_saphyr::from_str(text).map_err(|e| Error::file(path, describe(&e, text)))
}

/// Reads and parses a file.
pub fn load<T: DeserializeOwned + Serialize>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, e.to_string()))?;
    from_str(path, &text)
}

/// Canonical form: the same value always gives the same bytes. Field order
/// is the struct's declaration order and maps are `BTreeMap`s, so nothing
/// depends on hashing or on the order a record was read in.
pub fn to_string<T: Serialize>(value: &T) -> String {
    // Records are plain data (strings, numbers, dates, enums, maps with
    // string keys); serializing them cannot fail.
    serde_saphyr::to_string(value).expect("a record serializes to YAML")
}

/// Whether [`to_string`] of `value` is exactly `text`: written piece by
/// piece against it, stopping at the first piece that differs, with no
/// copy made.
pub fn writes_as<T: Serialize>(value: &T, text: &str) -> bool {
    struct Against<'t>(&'t str);
    impl std::fmt::Write for Against<'_> {
        fn write_str(&mut self, piece: &str) -> std::fmt::Result {
            match self.0.strip_prefix(piece) {
                Some(rest) => {
                    self.0 = rest;
                    Ok(())
                }
                None => Err(std::fmt::Error),
            }
        }
    }
    let mut rest = Against(text);
    serde_saphyr::to_fmt_writer(&mut rest, value).is_ok() && rest.0.is_empty()
}

/// `line L column C: <message>`, the library's one-line message without the
/// source snippet it renders below it, in the record's words where the
/// library speaks of its own internals.
fn describe(e: &serde_saphyr::Error, text: &str) -> String {
    let plain = e.without_snippet().to_string();
    let plain = plain.lines().next().unwrap_or_default().trim();
    match e.location() {
        Some(loc) => {
            let suffix = format!(" at line {}, column {}", loc.line(), loc.column());
            let message = plain.strip_suffix(&suffix).unwrap_or(plain);
            let field = field_at(text, loc.line() as usize, loc.column() as usize);
            format!(
                "line {} column {}: {}",
                loc.line(),
                loc.column(),
                in_record_words(message, field)
            )
        }
        None => plain.to_string(),
    }
}

pub use crate::model::node::Seg;
/// serde's messages about enums and types, said as a person editing the
/// file would: which field, what it takes, what it found.
fn in_record_words(message: &str, field: Option<&str>) -> String {
    let field = field.map(|f| format!("`{f}` ")).unwrap_or_default();
    if message.contains("externally tagged enum") || message.contains("unit enum variant") {
        return format!("{field}takes a single word, not a list or a map");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && let Some((value, words)) = rest.split_once(", expected one of ")
    {
        let field = field.trim_end();
        let field = if field.is_empty() {
            String::new()
        } else {
            format!("{field}: ")
        };
        return format!("{field}{value} is not accepted; expected one of: {words}");
    }
    match message {
        "expected string scalar" => return format!("{field}expected text, not a list or a map"),
        "expected mapping start" => return format!("{field}expected a map of fields"),
        "expected sequence start" => return format!("{field}expected a list"),
        _ => {}
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let found = match found {
            "sequence" => "a list",
            "map" => "a map",
            "unit value" => "nothing",
            other => other,
        };
        let expected = match expected {
            "a sequence" => "a list",
            "a map" | "struct" => "a map of fields",
            other if other.starts_with("struct ") => "a map of fields",
            other => other,
        };
        return format!("{field}expected {expected}, found {found}");
    }
    message.to_string()
}

/// The key of the mapping entry whose value is at `line`, `column` (1-based):
/// the key on that line when the value follows it there, else that of the
/// nearest line above it indented less (the value is a block under it).
fn field_at(text: &str, line: usize, column: usize) -> Option<&str> {
    fn key(l: &str) -> Option<&str> {
        let t = l.trim_start().trim_start_matches("- ");
        let (k, _) = t.split_once(':')?;
        let k = k.trim();
        (!k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .then_some(k)
    }
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let at = *lines.get(line.checked_sub(1)?)?;
    let key_column = at.len() - at.trim_start().trim_start_matches("- ").len() + 1;
    if let Some(k) = key(at)
        && column != key_column
    {
        return Some(k);
    }
    let mut min = indent(at);
    for l in lines[..line - 1].iter().rev() {
        if l.trim().is_empty() || indent(l) >= min {
            continue;
        }
        if let Some(k) = key(l) {
            return Some(k);
        }
        min = indent(l);
    }
    None
}

/// A line of block-style YAML: its 1-based number, its indentation and the
/// text after it. The first line of a sequence item is seen as the item's
/// content, indented past the `- `.
#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    no: usize,
    indent: usize,
    text: &'t str,
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// The key of a `key: value` or `key:` line, without quotes.
fn key_of(text: &str) -> Option<&str> {
    let end = text
        .find(": ")
        .or_else(|| text.strip_suffix(':').map(str::len))?;
    Some(text[..end].trim().trim_matches(|c| c == '"' || c == '\''))
}

/// The block of lines that belongs to the node starting at `lines[at]`
/// (whose own indentation is `indent`): the lines after it indented deeper,
/// and for a mapping value also a sequence written at the key's indentation.
fn block<'t>(lines: &[Line<'t>], at: usize, indent: usize, sequence_at_key: bool) -> Vec<Line<'t>> {
    lines[at + 1..]
        .iter()
        .take_while(|l| {
            l.indent > indent || (sequence_at_key && l.indent == indent && is_item(l.text))
        })
        .copied()
        .collect()
}

/// The 1-based line of the node at `path` in `text` (block-style YAML, as
/// rel writes it and people usually edit it). When the path leads further
/// than the document (a flow sequence, a missing entry), the line of the
/// deepest node found; `None` when not even the first step is found.
pub fn line_of(text: &str, path: &[Seg]) -> Option<usize> {
    let mut scope: Vec<Line> = text
        .lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let text = raw.trim_start();
            let trimmed = text.trim_end();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
                return None;
            }
            Some(Line {
                no: i + 1,
                indent: raw.len() - text.len(),
                text: trimmed,
            })
        })
        .collect();
    let mut found = None;
    for seg in path {
        let Some(first) = scope.first() else { break };
        let indent = first.indent;
        let next = match *seg {
            Seg::Key(key) => scope
                .iter()
                .position(|l| l.indent == indent && !is_item(l.text) && key_of(l.text) == Some(key))
                .map(|i| {
                    let value = block(&scope, i, indent, true);
                    (scope[i].no, value)
                }),
            Seg::Index(n) => scope
                .iter()
                .enumerate()
                .filter(|(_, l)| l.indent == indent && is_item(l.text))
                .nth(n)
                .map(|(i, l)| {
                    let content = l.text[1..].trim_start();
                    let mut value = vec![];
                    if !content.is_empty() {
                        value.push(Line {
                            no: l.no,
                            indent: indent + (l.text.len() - content.len()),
                            text: content,
                        });
                    }
                    value.extend(block(&scope, i, indent, false));
                    (l.no, value)
                }),
        };
        let Some((no, value)) = next else { break };
        found = Some(no);
        scope = value;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChangeRef, Release};

    const RELEASE: &str = "\
id: REL-2025-03-015
title: Payments 4.2
service: payments
version: 4.2.0
type: minor
stage: test
changes:
- CHG-2025-0892
- CHG-2025-0893
window:
  start: 2025-03-15T22:00:00+00:00
  duration: 2h30m
schedule:
  planning: 2025-02-14
  build: 2025-02-24
  test: 2025-03-03
  staging: 2025-03-10
  deployment: 2025-03-15
impact: medium
rollback:
  window: 1h
  procedure: Redeploy 4.1.3 from the artefact store.
planned_by: Ana <ana@example.com>
booked_at: 2025-02-14T09:30:00+00:00
notes: |
  First line: with a colon.
  Second line, 'quoted' and \"double\".
";

    #[test]
    fn resaving_an_unchanged_record_is_byte_identical() {
        let path = Path::new("releases/2025/03/REL-2025-03-015.yaml");
        let release: Release = from_str(path, RELEASE).unwrap();
        let once = to_string(&release);
        let again: Release = from_str(path, &once).unwrap();
        assert_eq!(again, release);
        let twice = to_string(&again);
        assert_eq!(once, twice);
        assert_eq!(to_string(&release), once, "deterministic");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let text = "id: CHG-2025-0001\ntitle: x\nservice: s\nstatus: draft\nowner: o\ntarget: 2025-03-01\nbogus: 1\n";
        let err =
            from_str::<ChangeRef>(Path::new("changes/2025/CHG-2025-0001.yaml"), text).unwrap_err();
        let Error::File { path, message } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, Path::new("changes/2025/CHG-2025-0001.yaml"));
        assert!(
            message.starts_with("line 7 column 1: unknown field `bogus`, expected one of"),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
        assert_eq!(err.exit_code(), 3);

        let err = from_str::<ChangeRef>(Path::new("a.yaml"), "id: [\n").unwrap_err();
        assert!(
            err.to_string().starts_with("a.yaml: line 1 column 5: "),
            "{err}"
        );
    }

    #[test]
    fn load_names_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.yaml");
        let err = load::<ChangeRef>(&path).unwrap_err();
        assert!(err.to_string().contains("nope.yaml"), "{err}");
    }

    #[test]
    fn line_of_finds_keys_and_sequence_entries() {
        let text = "\
id: REL-2025-03-001
window:
  start: \"2025-03-15T20:00:00Z\"
  duration: 2h
changes:
- CHG-2025-0892
- CHG-2025-0901
planned_by: Riley Manager <rm@example.com>
approvals:
- role: service-owner
  for: definition
  by: Frances Owner <fo@example.com>
  at: \"2025-03-04T09:00:00Z\"
- role: service-owner
  for: acceptance
  by: Frances Owner <fo@example.com>
  at: \"2025-03-13T15:00:00Z\"
readiness:
  by: Riley Manager <rm@example.com>
";
        use Seg::{Index, Key};
        assert_eq!(line_of(text, &[Key("id")]), Some(1));
        assert_eq!(line_of(text, &[Key("window"), Key("start")]), Some(3));
        assert_eq!(line_of(text, &[Key("changes"), Index(1)]), Some(7));
        assert_eq!(line_of(text, &[Key("approvals"), Index(1)]), Some(14));
        assert_eq!(
            line_of(text, &[Key("approvals"), Index(1), Key("by")]),
            Some(16)
        );
        assert_eq!(
            line_of(text, &[Key("approvals"), Index(0), Key("at")]),
            Some(13)
        );
        assert_eq!(line_of(text, &[Key("readiness"), Key("by")]), Some(19));
        // Beyond the document: the deepest node found.
        assert_eq!(
            line_of(text, &[Key("approvals"), Index(5), Key("by")]),
            Some(9)
        );
        assert_eq!(line_of(text, &[Key("nope")]), None);
        // A key inside an entry is not a top-level key.
        assert_eq!(line_of(text, &[Key("by")]), None);

        // Sequences indented under their key, and flow sequences.
        let hand = "changes: [CHG-1, CHG-2]\napprovals:\n  - role: cab\n    by: x\n  - role: so\n    by: y\n";
        assert_eq!(line_of(hand, &[Key("changes"), Index(1)]), Some(1));
        assert_eq!(
            line_of(hand, &[Key("approvals"), Index(1), Key("by")]),
            Some(6)
        );
    }
}
