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

/// Lets the free-text columns (those [`keep_words`] and [`keep_lines`]
/// left alone; call this last) wrap only at spaces: comfy-table cuts a
/// word longer than its column wherever the column ends, so such a word
/// is cut here first, visibly, each piece but the last ending in `-`, and
/// the column keeps the width it had. Nothing changes when every word
/// fits, or when the table has no width to fit.
pub fn fit_free_text(t: &mut Table) {
    let Some(limit) = t.width() else {
        return;
    };
    // A table that fits with every column at its widest content is drawn
    // at those widths, so no word is longer than its column: known
    // without drawing the table twice for each free column.
    if fits_whole(t, limit) {
        debug_assert_eq!(free_text_cuts(t), vec![], "a table that fits whole");
        return;
    }
    let cut = free_text_cuts(t);
    if cut.is_empty() {
        return;
    }
    for row in t.row_iter_mut() {
        let mut cells: Vec<comfy_table::Cell> = row.cell_iter().cloned().collect();
        let mut changed = false;
        for &(i, width) in &cut {
            if let Some(cell) = cells.get_mut(i)
                && too_long(&cell.content(), width)
            {
                *cell = comfy_table::Cell::new(cut_long_words(&cell.content(), width));
                changed = true;
            }
        }
        if changed {
            *row = comfy_table::Row::from(cells);
        }
    }
    for (i, width) in cut {
        if let Some(col) = t.column_mut(i) {
            let fixed = u16::try_from(width)
                .unwrap_or(u16::MAX)
                .saturating_add(col.padding_width());
            col.set_constraint(ColumnConstraint::Absolute(Width::Fixed(fixed)));
        }
    }
}

/// The free-text columns (no constraint) holding a word longer than the
/// width comfy-table gives them, with that width.
fn free_text_cuts(t: &Table) -> Vec<(usize, usize)> {
    let mut cut = vec![];
    for i in 0..t.column_iter().count() {
        if t.column(i).is_none_or(|c| c.constraint().is_some()) {
            continue;
        }
        let Some(width) = free_width(t, i) else {
            continue;
        };
        if t.column_cells_iter(i)
            .flatten()
            .any(|c| too_long(&c.content(), width))
        {
            cut.push((i, width));
        }
    }
    cut
}

fn too_long(text: &str, width: usize) -> bool {
    text.split_whitespace().any(|w| w.chars().count() > width)
}

/// Whether `t` fits in `limit` columns with each column as wide as its
/// widest content (and its padding and its lower boundary), counting a
/// border on each side of every column; `false` when a column has any
/// other constraint.
fn fits_whole(t: &Table, limit: u16) -> bool {
    let content = t.column_max_content_widths();
    let mut total = content.len() + 1;
    for (col, width) in t.column_iter().zip(&content) {
        let whole = usize::from(*width) + usize::from(col.padding_width());
        let boundary = match col.constraint() {
            None => 0,
            Some(ColumnConstraint::LowerBoundary(Width::Fixed(b))) => usize::from(*b),
            Some(_) => return false,
        };
        total += whole.max(boundary);
    }
    total <= usize::from(limit)
}

/// The content width comfy-table gives column `i`, read from copies whose
/// header cell there is a marker of the same width: aligned left, it
/// starts where the content starts; aligned right, it ends where the
/// content ends. Alignment changes no width.
fn free_width(t: &Table, i: usize) -> Option<usize> {
    const MARK: char = '\u{E000}';
    let marked = |align: comfy_table::CellAlignment| -> Option<Vec<char>> {
        let mut probe = t.clone();
        let mut header: Vec<String> = probe.header()?.cell_iter().map(|c| c.content()).collect();
        let len = header.get(i)?.lines().next().unwrap_or("").chars().count();
        header[i] = MARK.to_string().repeat(len.max(1));
        probe.set_header(header);
        probe.column_mut(i)?.set_cell_alignment(align);
        let text = probe.to_string();
        Some(text.lines().find(|l| l.contains(MARK))?.chars().collect())
    };
    let left = marked(comfy_table::CellAlignment::Left)?;
    let right = marked(comfy_table::CellAlignment::Right)?;
    let start = left.iter().position(|c| *c == MARK)?;
    let end = right.iter().rposition(|c| *c == MARK)? + 1;
    end.checked_sub(start).filter(|w| *w > 0)
}

/// Cuts each word of `text` longer than `width` into pieces of `width`
/// (the `-` that marks a cut included), so a table never cuts one
/// unmarked.
fn cut_long_words(text: &str, width: usize) -> String {
    let width = width.max(2);
    text.lines()
        .map(|line| {
            line.split(' ')
                .map(|word| {
                    let chars: Vec<char> = word.chars().collect();
                    if chars.len() <= width {
                        return word.to_string();
                    }
                    let mut pieces = vec![];
                    let mut rest: &[char] = &chars;
                    while rest.len() > width {
                        let (head, tail) = rest.split_at(width - 1);
                        pieces.push(format!("{}-", head.iter().collect::<String>()));
                        rest = tail;
                    }
                    pieces.push(rest.iter().collect());
                    pieces.join(" ")
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether to colour output (SPEC section 6).
pub fn colour() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Rows rendered at a time by [`listing_blocks`].
const BLOCK: usize = 1000;

/// The listing [`listing`] makes of `headers` and `rows` (with the words
/// of `keep` whole, as [`keep_words`]), rendered a block of rows at a
/// time for lists of many thousands of rows: only one block's cells and
/// text exist at once. A list of one block is exactly [`listing`]'s
/// table; a longer one gives every block the same column widths: each
/// column's widest cell, the last column taking what the others leave
/// (and wrapping) when they do not fit `width`.
pub fn listing_blocks<'a>(
    headers: &'a [&'a str],
    rows: &'a [Vec<String>],
    width: Option<u16>,
    keep: &'a [usize],
) -> Box<dyn Iterator<Item = String> + 'a> {
    listing_blocks_of(headers, rows, width, keep, BLOCK)
}

fn listing_blocks_of<'a>(
    headers: &'a [&'a str],
    rows: &'a [Vec<String>],
    width: Option<u16>,
    keep: &'a [usize],
    size: usize,
) -> Box<dyn Iterator<Item = String> + 'a> {
    // A block of rows as a table of its own: laid out as one (`whole`), or
    // only holding the rows as they are.
    let block = move |chunk: &[Vec<String>], whole: bool| {
        let mut t = listing(headers, width);
        for r in chunk {
            t.add_row(r.clone());
        }
        if whole {
            keep_words(&mut t, keep);
            fit_free_text(&mut t);
        }
        t
    };
    if rows.len() <= size {
        return Box::new(std::iter::once(format!("{}\n", block(rows, true))));
    }
    let probe = listing(headers, width);
    let padding: Vec<u16> = probe.column_iter().map(|c| c.padding_width()).collect();
    let fixed = move |t: &mut Table, widths: &[u16]| {
        t.set_content_arrangement(ContentArrangement::Disabled);
        t.set_constraints(
            widths
                .iter()
                .zip(&padding)
                .map(|(w, p)| ColumnConstraint::Absolute(Width::Fixed(w.saturating_add(*p)))),
        );
    };
    let last = headers.len().saturating_sub(1);
    let limit = width.or_else(|| probe.width()).map(usize::from);
    // The widest cell of each column, one block at a time: as each block
    // alone would have it (`cut`), or as the rows are.
    let widest = |cut: bool| {
        let mut widths = probe.column_max_content_widths();
        for chunk in rows.chunks(size) {
            let t = block(chunk, cut);
            for (w, m) in widths.iter_mut().zip(t.column_max_content_widths()) {
                *w = (*w).max(m);
            }
        }
        widths
    };
    // What the header takes at `widths` (whatever the style draws between
    // columns), beyond the limit.
    let over = |widths: &[u16]| {
        let mut header = listing(headers, None);
        fixed(&mut header, widths);
        let total = header
            .to_string()
            .lines()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
        limit.map_or(0, |limit| total.saturating_sub(limit))
    };
    // The widths, the last column cut back to the limit.
    let fit = |mut widths: Vec<u16>| {
        let over = over(&widths);
        if over > 0 && !widths.is_empty() {
            let over = u16::try_from(over).unwrap_or(u16::MAX);
            widths[last] = widths[last].saturating_sub(over).max(10);
        }
        widths
    };
    // A block's own layout cuts the long words of its free-text columns,
    // which can only widen those columns, and takes drawing the block
    // twice more. When the last column is the only free one and the rows
    // as they are already pass the limit, the last column is cut back to
    // the limit whatever its width: the same widths, without the cut.
    let last_alone = (0..last).all(|i| keep.contains(&i));
    let uncut = widest(false);
    let widths = if last_alone && over(&uncut) > 0 {
        let widths = fit(uncut);
        debug_assert_eq!(widths, fit(widest(true)), "the cut changes no width");
        widths
    } else {
        fit(widest(true))
    };
    Box::new(rows.chunks(size).enumerate().map(move |(k, chunk)| {
        let mut t = listing(headers, None);
        if k > 0 {
            // One table: the header only above the first block.
            t = Table::new();
            t.load_style(
                comfy_table::TableStyle::new()
                    .header_separator(comfy_table::LineStyle::new('═', '═', '═', '═')),
            );
        }
        for r in chunk {
            // Words too long for the last column are cut visibly, as
            // `fit_free_text` does.
            let mut r = r.clone();
            if let Some(text) = r.get_mut(last) {
                *text = cut_long_words(text, usize::from(widths[last]));
            }
            t.add_row(r);
        }
        for (i, col) in t.column_iter_mut().enumerate() {
            col.set_padding((0, if i == last { 0 } else { 1 }));
        }
        fixed(&mut t, &widths);
        let mut text = t.to_string();
        text.push('\n');
        text
    }))
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
    fn only_a_word_longer_than_the_width_is_cut_and_visibly() {
        assert_eq!(
            cut_long_words("export functionality", 13),
            "export functionality"
        );
        assert_eq!(
            cut_long_words("export functionality", 10),
            "export functiona- lity"
        );
        assert_eq!(cut_long_words("abcdefghij\nx", 4), "abc- def- ghij\nx");
    }

    #[test]
    fn free_text_is_cut_only_where_the_column_cannot_hold_a_word() {
        let render = |title: &str, width: u16| {
            let mut t = listing(&["ID", "SERVICE", "TITLE"], Some(width));
            t.add_row(vec![
                "CHG-2025-0001".into(),
                "finance".into(),
                title.to_string(),
            ]);
            keep_words(&mut t, &[0, 1]);
            fit_free_text(&mut t);
            t.to_string()
        };
        // 40 columns leave the title 14.
        let out = render("Updated reporting with Internationalisation", 40);
        for line in out.lines() {
            assert!(line.chars().count() <= 40, "{line:?}\n{out}");
        }
        assert!(out.contains(" reporting with"), "{out}");
        assert!(out.contains(" International-"), "{out}");
        assert!(out.contains(" isation"), "{out}");
        // A free column between kept ones, in a bordered table.
        let mut t = new(&["ID", "WHAT", "COMMIT"], Some(40));
        t.add_row(vec![
            "REL-2025-03-001".to_string(),
            "Internationalisation done".into(),
            "0123456789".into(),
        ]);
        keep_words(&mut t, &[0, 2]);
        let before = t.to_string();
        fit_free_text(&mut t);
        let out = t.to_string();
        assert_eq!(
            out.lines().map(|l| l.chars().count()).max(),
            before.lines().map(|l| l.chars().count()).max(),
            "{before}\n{out}"
        );
        assert!(!out.contains("Internationalisation"), "{out}");
        assert!(out.contains(" Inte- ") && out.contains(" lisa- "), "{out}");
        assert!(
            out.contains("0123456789") && out.contains("REL-2025-03-001"),
            "{out}"
        );
        // Every word fits: the text is only wrapped, as before.
        let mut plain = listing(&["ID", "SERVICE", "TITLE"], Some(40));
        plain.add_row(vec![
            "CHG-2025-0001".to_string(),
            "finance".into(),
            "Updated reporting module".into(),
        ]);
        keep_words(&mut plain, &[0, 1]);
        assert_eq!(render("Updated reporting module", 40), plain.to_string());
    }

    #[test]
    fn blocks_read_as_one_listing_when_the_rows_fit() {
        let headers = ["ID", "SERVICE", "TITLE"];
        for n in [1, 2, 3, 7] {
            let rows = rows(n, "A change");
            let mut whole = listing(&headers, Some(100));
            for r in &rows {
                whole.add_row(r.clone());
            }
            keep_words(&mut whole, &[0, 1]);
            let streamed: String =
                listing_blocks_of(&headers, &rows, Some(100), &[0, 1], 3).collect();
            assert_eq!(
                streamed.trim_end_matches('\n'),
                whole.to_string(),
                "{n} rows"
            );
        }
    }

    #[test]
    fn the_last_column_takes_what_the_others_leave() {
        let headers = ["ID", "SERVICE", "TITLE"];
        let rows = rows(5, &"a long title ".repeat(20));
        let streamed: String = listing_blocks_of(&headers, &rows, Some(80), &[0, 1], 2).collect();
        let lines: Vec<&str> = streamed.lines().collect();
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{streamed}");
        // Ids are whole, titles wrapped, one header.
        assert!(streamed.contains("CHG-2025-0004"), "{streamed}");
        assert_eq!(lines.iter().filter(|l| l.contains("SERVICE")).count(), 1);
        assert!(lines.len() > 5 * 2 + 2, "{streamed}");
    }

    #[test]
    fn a_word_too_long_for_the_last_column_is_cut_in_every_block() {
        let headers = ["ID", "SERVICE", "TITLE"];
        let mut rows = rows(5, "short");
        rows[3][2] = format!("x{}y", "-".repeat(100));
        // The last column is the only free one and the rows pass the limit
        // (the blocks' own cut is left out), and with a free column before
        // it (the blocks' own cut is taken). Test builds also work out the
        // widths the other way and compare.
        for keep in [&[0, 1][..], &[0][..]] {
            let streamed: String = listing_blocks_of(&headers, &rows, Some(60), keep, 2).collect();
            assert!(
                streamed.lines().all(|l| l.chars().count() <= 60),
                "{streamed}"
            );
            assert!(
                streamed.contains(" x--") && streamed.contains("-y"),
                "{streamed}"
            );
            assert!(streamed.contains("CHG-2025-0004 "), "{streamed}");
        }
    }

    #[test]
    fn a_table_fits_whole_up_to_its_widest_content_with_a_border_per_column() {
        let table = |limit: u16| {
            let mut t = listing(&["ID", "SERVICE", "TITLE"], Some(limit));
            t.add_row(vec!["CHG-2025-0001", "finance", "Reporting export"]);
            keep_words(&mut t, &[0, 1]);
            t
        };
        // Content 13 + 7 + 16, padding 1 + 1 + 0, and 4 borders at most.
        let whole = 13 + 7 + 16 + 2 + 4;
        assert!(fits_whole(&table(whole), whole));
        assert!(!fits_whole(&table(whole - 1), whole - 1));
        // Nothing is cut either way when every word fits its column.
        for limit in [whole - 1, whole] {
            let mut t = table(limit);
            let before = t.to_string();
            fit_free_text(&mut t);
            assert_eq!(t.to_string(), before);
        }
        // Any constraint but a lower boundary leaves it to the probe.
        let mut t = table(200);
        t.column_mut(2)
            .unwrap()
            .set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(8)));
        assert!(!fits_whole(&t, 200));
    }
}
