//! Writing a generated site: plain files under one folder outside the
//! records, with ordinary permissions (they are meant to be published).

use crate::error::{Error, Result};
use std::path::{Component, Path};

/// Writes each `(path, contents)` under `out`, creating folders as needed.
/// Paths are relative and may not leave `out`. A folder holding a
/// policy.yaml (a records root) is refused: the site is not written among
/// the records.
pub fn write<'a>(
    out: &Path,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<usize> {
    if out.is_file() {
        return Err(Error::file(out, "--out: is a file; give a folder"));
    }
    if out.join(super::paths::POLICY).exists() {
        return Err(Error::usage(format!(
            "--out: {} holds a policy.yaml (a records repository); write the site into a folder of its own, e.g. --out public",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::file(out, format!("cannot create: {e}")))?;
    let mut n = 0;
    let mut made = std::collections::BTreeSet::new();
    for (rel, contents) in files {
        let rel = Path::new(rel);
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(Error::data(format!(
                "site page `{}` is not a plain relative path",
                rel.display()
            )));
        }
        let path = out.join(rel);
        if let Some(dir) = path.parent()
            && made.insert(dir.to_path_buf())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::file(dir, format!("cannot create: {e}")))?;
        }
        std::fs::write(&path, contents)
            .map_err(|e| Error::file(&path, format!("cannot write: {e}")))?;
        n += 1;
    }
    Ok(n)
}
