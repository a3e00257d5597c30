//! comfy-table with rel's defaults: no colour unless on a terminal and
//! `NO_COLOR` is unset; plain ASCII-free borders that survive copy and paste.

use comfy_table::{ContentArrangement, Table, presets};

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

/// The terminal width when stdout is one, for wrapping long messages.
fn width() -> Option<u16> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        None // comfy-table asks the terminal itself
    } else {
        Some(100)
    }
}

/// Whether to colour output (SPEC section 6).
pub fn colour() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}
