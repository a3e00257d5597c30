//! Wrapping plain lines of text to a width at spaces, never inside a word:
//! an id, a date or an address stays whole on one line, even when it is
//! longer than the width.

/// Wraps each line of `text` longer than `width` columns. A continuation
/// is indented to where the line's text starts after its leading label:
/// past a first run of two spaces (`  Tue 04 Mar 2025 09:00  text`), else
/// two more than the line's own indent.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&wrap_line(line, width));
    }
    out
}

fn wrap_line(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let indent = line.len() - line.trim_start().len();
    // The label is everything up to the last run of two or more spaces in
    // the line's first half: a date, or a mark and a gate name in columns.
    let mut label_end = None;
    let bytes = line.as_bytes();
    let mut i = indent;
    while i + 1 < bytes.len() {
        if bytes[i] == b' ' && bytes[i + 1] == b' ' {
            let mut end = i;
            while end < bytes.len() && bytes[end] == b' ' {
                end += 1;
            }
            if line[..end].chars().count() > width / 2 {
                break;
            }
            label_end = Some(end);
            i = end;
        } else {
            i += 1;
        }
    }
    let (head, body) = line.split_at(label_end.unwrap_or(indent));
    let hang = if head.len() > indent {
        head.chars().count()
    } else {
        indent + 2
    };
    let mut out = String::new();
    let mut current = head.to_string();
    let mut used = head.chars().count();
    let mut empty = true;
    for word in body.split(' ').filter(|w| !w.is_empty()) {
        let n = word.chars().count();
        if !empty && used + 1 + n > width {
            out.push_str(current.trim_end());
            out.push('\n');
            current = " ".repeat(hang);
            used = hang;
            empty = true;
        }
        if !empty {
            current.push(' ');
            used += 1;
        }
        current.push_str(word);
        used += n;
        empty = false;
    }
    out.push_str(&current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_with_a_hanging_indent_and_keeps_words_whole() {
        let line = "  Tue 04 Mar 2025 09:00  definition approval as service-owner by Frances Owner <fo@example.com>";
        assert_eq!(
            wrap(line, 60),
            "  Tue 04 Mar 2025 09:00  definition approval as\n                         service-owner by Frances Owner\n                         <fo@example.com>"
        );
        let line = "  schedule: planning 2025-03-05, build 2025-03-07, test 2025-03-11, staging 2025-03-13";
        assert_eq!(
            wrap(line, 40),
            "  schedule: planning 2025-03-05, build\n    2025-03-07, test 2025-03-11, staging\n    2025-03-13"
        );
        // A word longer than the width stays whole.
        assert_eq!(wrap("x verylongword", 5), "x\n  verylongword");
        assert_eq!(wrap("short\n\nlines", 5), "short\n\nlines");
        for l in wrap(&"word ".repeat(50), 20).lines() {
            assert!(l.chars().count() <= 20, "{l:?}");
        }
    }

    #[test]
    fn a_gate_line_keeps_its_columns_and_hangs_under_its_message() {
        let line = "  FAIL   config-updated           configuration records not confirmed as updated after the deployment";
        assert_eq!(
            wrap(line, 70),
            "  FAIL   config-updated           configuration records not confirmed\n                                  as updated after the deployment"
        );
        // Two spaces inside the message, past the first half, are text.
        let line = "  ok     version                  2.4.0 above 2.3.9  (production) and more words to wrap here";
        assert!(
            wrap(line, 70)
                .starts_with("  ok     version                  2.4.0 above 2.3.9 (production)")
        );
    }
}
