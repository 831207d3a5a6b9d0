//! Rubric errors with `file:line:column` and a hint.

use std::fmt;

/// A 1-based line and column (characters) in the rubric file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// Byte offset, resolved to line/column once the source is known.
    offset: usize,
}

impl Span {
    /// The span of a spanned value; line/column are filled in by [`RubricError::locate`].
    pub fn of<T>(v: &toml::Spanned<T>) -> Option<Span> {
        Some(Span { line: 0, column: 0, offset: v.span().start })
    }

    /// A span at a byte offset.
    pub fn at_offset(offset: usize) -> Span {
        Span { line: 0, column: 0, offset }
    }
}

/// One problem in a rubric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricError {
    /// The rubric file (or `<embedded default>`).
    pub path: String,
    /// Where in the file, when known.
    pub span: Option<Span>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl RubricError {
    /// A new error; the path is filled in by the loader.
    pub fn new(span: Option<Span>, message: String, hint: &str) -> Self {
        RubricError { path: String::new(), span, message, hint: hint.to_string() }
    }

    /// Resolves the byte offset into line and column against `source`.
    pub fn locate(mut self, path: &str, source: &str) -> Self {
        self.path = path.to_string();
        if let Some(s) = &mut self.span {
            (s.line, s.column) = line_column(source, s.offset);
        }
        self
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset);
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for RubricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.span {
            Some(s) => write!(f, "{}:{}:{}: {}", self.path, s.line, s.column, self.message)?,
            None => write!(f, "{}: {}", self.path, self.message)?,
        }
        if !self.hint.is_empty() {
            write!(f, "\n  help: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Every problem found in a rubric, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricErrors(pub Vec<RubricError>);

impl fmt::Display for RubricErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.0.len() > 1 {
            write!(f, "\n{} problems in the rubric", self.0.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for RubricErrors {}
