//! comfy-table with rel's defaults: no colour unless on a terminal and
//! `NO_COLOR` is unset; plain ASCII-free borders that survive copy and paste.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};

/// A table `width` columns wide; `None` lets comfy-table ask the terminal
/// (the command edge decides which, see `commands::Ctx::table_width`).
pub fn new(headers: &[&str], width: Option<u16>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.to_vec());
    if let Some(width) = width {
        t.set_width(width);
    }
    t
}

/// For listings of many columns (releases, changes, the log): no vertical
/// borders and two spaces between columns, so that at 80 columns the
/// free-text column keeps a readable width once ids, names and dates
/// take theirs whole.
pub fn listing(headers: &[&str], width: Option<u16>) -> Table {
    let mut t = new(headers, width);
    // Only a line under the header: no borders, no lines between rows.
    t.load_style(
        comfy_table::TableStyle::new()
            .header_separator(comfy_table::LineStyle::new('═', '═', '═', '═')),
    );
    let last = headers.len().saturating_sub(1);
    for (i, col) in t.column_iter_mut().enumerate() {
        col.set_padding((0, if i == last { 0 } else { 1 }));
    }
    t
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
