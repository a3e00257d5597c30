//! comfy-table with rel's defaults: no colour unless on a terminal and
//! `NO_COLOR` is unset; plain ASCII-free borders that survive copy and paste.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};

pub fn new(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.to_vec());
    if let Some(width) = width() {
        t.set_width(width);
    }
    t
}

/// The terminal width when stdout is one, for wrapping long messages;
/// else `COLUMNS` when set, else 100.
fn width() -> Option<u16> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        None // comfy-table asks the terminal itself
    } else {
        Some(
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse().ok())
                .filter(|c| *c > 0)
                .unwrap_or(100),
        )
    }
}

/// Keeps the words of `columns` whole: each is at least as wide as its
/// longest word, so an id or a name is never split across lines (call
/// after adding the rows). The other columns wrap to fit the width.
pub fn keep_words(t: &mut Table, columns: &[usize]) {
    at_least(t, columns, |text| {
        text.split_whitespace().map(|w| w.chars().count()).max()
    });
}

/// Keeps the lines of `columns` whole, as `keep_words` does words: for
/// cells written as a few short lines on purpose (a start, then `to` an
/// end).
pub fn keep_lines(t: &mut Table, columns: &[usize]) {
    at_least(t, columns, |text| {
        text.lines().map(|l| l.chars().count()).max()
    });
}

fn at_least(t: &mut Table, columns: &[usize], need: impl Fn(&str) -> Option<usize>) {
    for &i in columns {
        let longest = t
            .column_cells_with_header_iter(i)
            .flatten()
            .filter_map(|c| need(&c.content()))
            .max()
            .unwrap_or(0);
        if let Some(col) = t.column_mut(i) {
            // The boundary counts the column's padding too.
            let width = u16::try_from(longest)
                .unwrap_or(u16::MAX)
                .saturating_add(col.padding_width());
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
        }
    }
}

/// Whether to colour output (SPEC section 6).
pub fn colour() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Rows rendered at a time by [`blocks`].
const BLOCK: usize = 1000;

/// The table [`new`] makes of `headers` and `rows`, rendered a block of
/// rows at a time, for lists of many thousands of rows: only one block's
/// cells and text exist at once. When the rows fit the width, the text is
/// the same as [`new`]'s; when they do not, the column `wrap` takes what
/// the others leave (and wraps), and no other column does.
pub fn blocks<'a>(
    headers: &'a [&'a str],
    rows: &'a [Vec<String>],
    wrap: usize,
) -> impl Iterator<Item = String> + 'a {
    blocks_of(headers, rows, wrap, BLOCK)
}

fn blocks_of<'a>(
    headers: &'a [&'a str],
    rows: &'a [Vec<String>],
    wrap: usize,
    size: usize,
) -> impl Iterator<Item = String> + 'a {
    let block = |chunk: &[Vec<String>], header: bool| {
        let mut t = new(headers);
        if !header {
            t = Table::new();
            t.load_style(presets::UTF8_BORDERS_ONLY);
        }
        for r in chunk {
            t.add_row(r.clone());
        }
        t
    };
    // The widest cell of each column, one block at a time.
    let probe = new(headers);
    let padding: Vec<u16> = probe.column_iter().map(|c| c.padding_width()).collect();
    let mut widths = probe.column_max_content_widths();
    for chunk in rows.chunks(size) {
        for (w, m) in widths
            .iter_mut()
            .zip(block(chunk, true).column_max_content_widths())
        {
            *w = (*w).max(m);
        }
    }
    if let Some(limit) = probe.width() {
        // The outer borders, a separator between columns (this style
        // draws it blank), then each column's padding and content.
        let total: usize = 2
            + widths.len().saturating_sub(1)
            + widths
                .iter()
                .zip(&padding)
                .map(|(w, p)| usize::from(*w + *p))
                .sum::<usize>();
        let limit = usize::from(limit);
        if total > limit && wrap < widths.len() {
            let others = total - usize::from(widths[wrap]);
            widths[wrap] = u16::try_from(limit.saturating_sub(others))
                .unwrap_or(u16::MAX)
                .max(10);
        }
    }
    let count = rows.len().div_ceil(size);
    rows.chunks(size).enumerate().map(move |(k, chunk)| {
        let mut t = block(chunk, k == 0);
        t.set_content_arrangement(ContentArrangement::Disabled);
        t.set_constraints(
            widths
                .iter()
                .zip(&padding)
                .map(|(w, p)| ColumnConstraint::Absolute(Width::Fixed(w.saturating_add(*p)))),
        );
        let text = t.to_string();
        let lines: Vec<&str> = text.lines().collect();
        // One table: the top border only above the first block, the
        // bottom border only below the last.
        let from = usize::from(k > 0);
        let to = lines.len() - usize::from(k + 1 < count);
        let mut out = lines[from..to].join("\n");
        if k + 1 < count {
            out.push('\n');
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, title: &str) -> Vec<Vec<String>> {
        (0..n)
            .map(|i| {
                vec![
                    format!("CHG-2025-{i:04}"),
                    "finance".into(),
                    format!("{title} {i}"),
                ]
            })
            .collect()
    }

    #[test]
    fn blocks_read_as_one_table_when_the_rows_fit() {
        let headers = ["ID", "SERVICE", "TITLE"];
        for n in [1, 2, 3, 7] {
            let rows = rows(n, "A change");
            let mut whole = new(&headers);
            for r in &rows {
                whole.add_row(r.clone());
            }
            let streamed: String = blocks_of(&headers, &rows, 2, 3).collect();
            assert_eq!(streamed, whole.to_string(), "{n} rows");
        }
    }

    #[test]
    fn the_wrapped_column_takes_what_the_others_leave() {
        let headers = ["ID", "SERVICE", "TITLE"];
        let rows = rows(5, &"a long title ".repeat(20));
        let streamed: String = blocks_of(&headers, &rows, 2, 2).collect();
        let lines: Vec<&str> = streamed.lines().collect();
        let width = lines[0].chars().count();
        assert!(width <= 100, "{streamed}");
        assert!(
            lines.iter().all(|l| l.chars().count() == width),
            "{streamed}"
        );
        // Ids are whole, titles wrapped, one top and one bottom border.
        assert!(streamed.contains("CHG-2025-0004"), "{streamed}");
        assert_eq!(lines.iter().filter(|l| l.starts_with('┌')).count(), 1);
        assert_eq!(lines.iter().filter(|l| l.starts_with('└')).count(), 1);
        assert!(lines.len() > 5 * 2 + 4, "{streamed}");
    }
}
