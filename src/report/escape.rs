//! Escaping for the formats other than HTML (which has [`super::html::escape`]): text that came
//! from a transcript, a file name or a rubric reaches a terminal, a Markdown page or a
//! spreadsheet only through these functions.
//!
//! - [`terminal`]: control characters (ESC of colour and cursor sequences, OSC, BEL, C1, the
//!   bidirectional overrides that reorder what a reviewer sees) are shown, not obeyed.
//! - [`md_text`] and [`md_code`]: Markdown text and code spans in a table cell or a list item,
//!   where a backtick, a `|`, a link or an image from the input would otherwise render.
//! - [`csv_cell`]: a cell that a spreadsheet would run as a formula is turned into text.

use crate::eval::result::CallResult;
use std::borrow::Cow;

/// Whether `c` changes what a terminal (or a Markdown renderer) shows instead of being shown:
/// C0 controls but tab and newline, DEL, C1 controls, and the Unicode format characters that
/// reorder or hide text (bidirectional overrides and isolates, zero-width joiners).
fn is_hidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// The visible stand-in of a hidden character, one character wide so that columns and
/// spans still line up: the Control Pictures block for C0 (`␛` for ESC, `␇` for BEL), `␡` for
/// DEL, and `�` for the others.
fn picture(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// `s` with every control character made visible (see [`picture`]); tab and newline stay.
/// Borrowed when there is nothing to change, which is almost always.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| if is_hidden(c) { picture(c) } else { c }).collect())
}

/// `s` on one line with its control characters visible: for a table cell or a one-line label.
pub fn terminal_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_hidden(c) || c == '\n' || c == '\t') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c == '\n' || c == '\t' {
                    ' '
                } else if is_hidden(c) {
                    picture(c)
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// A copy of `call` whose every string from the input (id, source, metadata, speakers, turn
/// texts, excerpts, messages, end condition) has its control characters shown, for a terminal.
/// Characters map one to one, so spans still point at the same characters.
pub fn terminal_call(call: &CallResult) -> CallResult {
    let mut c = call.clone();
    let fix = |s: &mut String| {
        if let Cow::Owned(v) = terminal(s) {
            *s = v;
        }
    };
    fix(&mut c.call_id);
    fix(&mut c.source);
    fix(&mut c.end_condition);
    c.meta.values_mut().for_each(fix);
    for t in &mut c.turns {
        fix(&mut t.text);
        fix(&mut t.speaker);
        t.steps.iter_mut().for_each(fix);
    }
    for f in &mut c.findings {
        fix(&mut f.excerpt);
        fix(&mut f.message);
        fix(&mut f.code);
    }
    for s in &mut c.steps {
        fix(&mut s.id);
    }
    for r in &mut c.roles {
        fix(&mut r.speaker);
    }
    if let Some(w) = &mut c.role_warning {
        fix(w);
    }
    c
}

/// Escapes `s` as Markdown text in a table cell or a list item: every ASCII punctuation
/// character that Markdown or GitHub gives a meaning (emphasis, code, links, images, HTML,
/// tables, math, headings, strikethrough) is backslash-escaped, line breaks become spaces and
/// control characters are shown.
pub fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '<' | '>' | '#' | '+' | '!' | '|' | '~'
            | '$' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_hidden(c) => out.push(picture(c)),
            c => out.push(c),
        }
    }
    out
}

/// `s` as a Markdown code span for a table cell: fenced with more backticks than the longest
/// run of backticks inside it (padded with spaces when it starts or ends with one), `|`
/// escaped for the table, line breaks as spaces, control characters shown.
pub fn md_code(s: &str) -> String {
    let body: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if is_hidden(c) => picture(c),
            c => c,
        })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if body.is_empty() {
        return "` `".to_string();
    }
    let pad = if body.starts_with('`') || body.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{}{pad}{fence}", body.replace('|', "\\|"))
}

/// `s` as a CSV cell that a spreadsheet shows as text: a cell starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return (a formula to Excel, LibreOffice and Google Sheets) gets a `'`
/// in front, as OWASP recommends; the CSV writer quotes the rest.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_shown_not_obeyed() {
        let hostile = "id\u{1b}]8;;http://x\u{7}link\u{1b}[2J\u{9b}31m\u{202e}txt";
        let shown = terminal(hostile);
        assert!(!shown.chars().any(is_hidden), "{shown}");
        assert_eq!(shown, "id␛]8;;http://x␇link␛[2J�31m�txt");
        assert_eq!(shown.chars().count(), hostile.chars().count(), "one character for one");
        assert!(matches!(terminal("普通的文本\tand tabs\n"), Cow::Borrowed(_)));
        assert_eq!(terminal_line("a\nb\u{7}"), "a b␇");
    }

    #[test]
    fn markdown_text_cannot_open_a_span_link_or_image() {
        let id = "x` ![i](http://e/x.png) <img src=x> | $x$ **b**";
        assert_eq!(md_text(id), "x\\` \\!\\[i\\]\\(http://e/x.png\\) \\<img src=x\\> \\| \\$x\\$ \\*\\*b\\*\\*");
        assert_eq!(md_text("a_b\nc"), "a\\_b c");
    }

    #[test]
    fn a_code_span_is_fenced_longer_than_any_backtick_run_inside() {
        assert_eq!(md_code("abc"), "`abc`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`a``"), "``` `a`` ```");
        assert_eq!(md_code("a|b"), "`a\\|b`");
        assert_eq!(md_code(""), "` `");
    }

    #[test]
    fn formula_cells_become_text() {
        for s in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "＝1+1"] {
            assert!(csv_cell(s).starts_with('\''), "{s}");
        }
        for s in ["abc", "13800138000", "", "通话"] {
            assert_eq!(csv_cell(s), s);
        }
    }
}
