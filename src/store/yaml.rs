//! Every YAML call of rel lives here, so the format library can be swapped
//! in one file.

use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parses `text` (the contents of `path`); errors carry file, line, column.
pub fn from_str<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    serde_saphyr::from_str(text).map_err(|e| Error::file(path, describe(&e)))
}

/// Reads and parses a file.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T> {
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

/// `line L column C: <message>`, the library's one-line message without the
/// source snippet it renders below it.
fn describe(e: &serde_saphyr::Error) -> String {
    let plain = e.without_snippet().to_string();
    let plain = plain.lines().next().unwrap_or_default().trim();
    match e.location() {
        Some(loc) => {
            let suffix = format!(" at line {}, column {}", loc.line(), loc.column());
            let message = plain.strip_suffix(&suffix).unwrap_or(plain);
            format!("line {} column {}: {message}", loc.line(), loc.column())
        }
        None => plain.to_string(),
    }
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
}
