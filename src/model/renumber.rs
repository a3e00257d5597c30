//! Renumbering a release id in text: the record, the change references
//! that name it, the commit message that made it. Used when work published
//! late finds its id taken on the shared remote (SPEC section 5.1).

use std::collections::BTreeMap;

/// `text` with every whole occurrence of an id in `map` replaced by its new
/// id. Whole: not part of a longer id (`REL-2025-04-002` is not replaced
/// inside `REL-2025-04-0021` or `XREL-2025-04-002`), and each position is
/// replaced once, so a chain (002 -> 003, 003 -> 004) cannot cascade.
pub fn rename_ids(text: &str, map: &BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < text.len() {
        let before_ok = i == 0 || !is_id_char(bytes[i - 1]);
        if before_ok {
            for (from, to) in map {
                if text[i..].starts_with(from.as_str()) {
                    let end = i + from.len();
                    let after_ok = end == text.len() || !is_id_char(bytes[end]);
                    if after_ok {
                        out.push_str(to);
                        i = end;
                        continue 'scan;
                    }
                }
            }
        }
        let ch = text[i..].chars().next().expect("inside the text");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn replaces_whole_ids_only() {
        let m = map(&[("REL-2025-04-002", "REL-2025-04-003")]);
        assert_eq!(
            rename_ids(
                "id: REL-2025-04-002\ndepends_on:\n- REL-2025-04-0021\n- XREL-2025-04-002\n- REL-2025-04-002\n",
                &m
            ),
            "id: REL-2025-04-003\ndepends_on:\n- REL-2025-04-0021\n- XREL-2025-04-002\n- REL-2025-04-003\n"
        );
        assert_eq!(
            rename_ids("REL-2025-04-002: plan finance minor release", &m),
            "REL-2025-04-003: plan finance minor release"
        );
        assert_eq!(
            rename_ids("Rel-Release: REL-2025-04-002\n", &m),
            "Rel-Release: REL-2025-04-003\n"
        );
    }

    #[test]
    fn a_chain_of_renumberings_does_not_cascade() {
        let m = map(&[
            ("REL-2025-04-002", "REL-2025-04-003"),
            ("REL-2025-04-003", "REL-2025-04-004"),
        ]);
        assert_eq!(
            rename_ids("REL-2025-04-002 REL-2025-04-003 é", &m),
            "REL-2025-04-003 REL-2025-04-004 é"
        );
    }

    #[test]
    fn an_empty_map_changes_nothing() {
        assert_eq!(
            rename_ids("REL-2025-04-002", &BTreeMap::new()),
            "REL-2025-04-002"
        );
    }
}
