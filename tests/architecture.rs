//! The layering of `src/` (README, "How it is built"): each top-level
//! module may use only the modules below it, and the core does no I/O and
//! reads no clock or environment. The same table and rules as the
//! `layers` tool the project's architecture notes name; change both
//! together.

use std::fs;
use std::path::{Path, PathBuf};

/// Module -> the modules it may use (besides itself and `error`); `None`:
/// the edge, which may use everything.
const ALLOWED: &[(&str, Option<&[&str]>)] = &[
    ("model", Some(&[])),
    ("policy", Some(&["model"])),
    ("calendar", Some(&["model", "policy"])),
    ("gates", Some(&["model", "policy", "calendar"])),
    ("review", Some(&["model", "policy", "calendar", "gates"])),
    (
        "render",
        Some(&["model", "policy", "calendar", "gates", "review"]),
    ),
    // It parses their files.
    ("store", Some(&["model", "policy", "calendar"])),
    ("commands", None),
    ("cli", Some(&["model"])),
];

const CORE: &[&str] = &["model", "policy", "calendar", "gates", "review", "render"];

/// Tokens that mean I/O, a clock or the environment, and what they mean.
const IO: &[(&[&str], &str)] = &[
    (
        &["std::fs", "fs_err", "File::open", "File::create"],
        "touches the disk",
    ),
    (&["git2"], "touches git"),
    (&["std::process", "Command::new"], "runs a program"),
    (
        &["Utc::now", "Local::now", "SystemTime::now", "Instant::now"],
        "reads the clock",
    ),
    (&["std::env::var", "env::var"], "reads the environment"),
];

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether `token` occurs in `line` as a whole word (`\btoken\b`).
fn has_token(line: &str, token: &str) -> bool {
    let bytes = line.as_bytes();
    line.match_indices(token).any(|(i, _)| {
        let end = i + token.len();
        (i == 0 || !is_word(bytes[i - 1])) && (end == bytes.len() || !is_word(bytes[end]))
    })
}

/// The modules a line names as `crate::X`.
fn crate_uses(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    line.match_indices("crate::")
        .filter(|(i, _)| *i == 0 || !is_word(bytes[i - 1]))
        .map(|(i, m)| {
            line[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty())
        .collect()
}

/// The text with every `#[cfg(test)] mod x { ... }` block blanked (tests
/// may read files), keeping line numbers.
fn strip_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("#[cfg(test)]") {
        let after = &rest[start + "#[cfg(test)]".len()..];
        let trimmed = after.trim_start();
        let trimmed = trimmed
            .strip_prefix("pub(crate)")
            .or_else(|| trimmed.strip_prefix("pub(super)"))
            .or_else(|| trimmed.strip_prefix("pub"))
            .unwrap_or(trimmed)
            .trim_start();
        let Some(open) = trimmed
            .strip_prefix("mod ")
            .and_then(|m| m.find('{').map(|o| (m, o)))
            .filter(|(m, o)| m[..*o].trim().chars().all(|c| is_word(c as u8)))
            .map(|(m, o)| rest.len() - m.len() + o)
        else {
            out.push_str(&rest[..start + "#[cfg(test)]".len()]);
            rest = after;
            continue;
        };
        out.push_str(&rest[..start]);
        let mut depth = 1;
        let mut end = open + 1;
        for (i, c) in rest[open + 1..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            end = open + 1 + i + c.len_utf8();
            if depth == 0 {
                break;
            }
        }
        out.push_str(&"\n".repeat(rest[start..end].matches('\n').count()));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every violation of the layering in `src`, as `file:line: message`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = vec![];
    rust_files(src, &mut files);
    files.sort();
    let module_of = |path: &Path| {
        let first = path.strip_prefix(src).unwrap().components().next().unwrap();
        let name = first.as_os_str().to_string_lossy().into_owned();
        name.strip_suffix(".rs").map(str::to_string).unwrap_or(name)
    };
    let present: Vec<String> = files.iter().map(|f| module_of(f)).collect();
    let mut out = vec![];
    for path in &files {
        let module = module_of(path);
        let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| *m == module) else {
            continue;
        };
        let text = strip_tests(&fs::read_to_string(path).unwrap());
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let at = format!("{}:{}", path.display(), n + 1);
            if let Some(allowed) = allowed {
                for used in crate_uses(code) {
                    let known = ALLOWED.iter().any(|(m, _)| *m == used) || present.contains(&used);
                    if used == module || used == "error" || allowed.contains(&used.as_str()) {
                        continue;
                    }
                    if known {
                        out.push(format!(
                            "{at}: {module} uses {used} (allowed: {})",
                            if allowed.is_empty() {
                                "nothing".to_string()
                            } else {
                                allowed.join(", ")
                            }
                        ));
                    }
                }
            }
            if CORE.contains(&module.as_str()) {
                for (tokens, what) in IO {
                    if tokens.iter().any(|t| has_token(code, t)) {
                        out.push(format!("{at}: the core ({module}) {what}"));
                    }
                }
            }
        }
    }
    for m in ["gates", "review"] {
        if !present.iter().any(|p| p == m) {
            out.push(format!("{}: no top-level module `{m}`", src.display()));
        }
    }
    out
}

#[test]
fn each_module_uses_only_the_modules_below_it_and_the_core_does_no_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "{} layering violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_must() {
    assert!(has_token("use std::fs;", "std::fs"));
    assert!(!has_token("use std::fsx;", "std::fs"));
    assert!(has_token("let v = std::env::var(\"X\");", "env::var"));
    assert!(!has_token("std::env::var_os(\"X\")", "env::var"));
    assert!(has_token("chrono::Utc::now()", "Utc::now"));
    assert_eq!(
        crate_uses("use crate::store::{Repo}; crate::model::x(); mycrate::no"),
        ["store", "model"]
    );
    let text = "a\n#[cfg(test)]\nmod tests {\n    use std::fs;\n    fn f() { {} }\n}\nb std::fs\n";
    let stripped = strip_tests(text);
    assert_eq!(stripped.lines().count(), text.lines().count());
    assert!(!stripped.contains("use std::fs"));
    assert!(stripped.contains("b std::fs"));
}
