//! Errors that point at a place in an input file.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A problem with one input record or file: where (`file:line:column`) and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputError {
    /// `path`, `path:line` or `path:line:column` (1-based; columns count characters).
    pub source: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl InputError {
    /// An error at `path:line:column`.
    pub fn at(path: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        InputError { source: format!("{path}:{line}:{column}"), message: message.into() }
    }

    /// An error at `path:line`, for records whose column says nothing (a CSV row).
    pub fn line(path: &str, line: usize, message: impl Into<String>) -> Self {
        InputError { source: format!("{path}:{line}"), message: message.into() }
    }

    /// An error about a whole file.
    pub fn file(path: &str, message: impl Into<String>) -> Self {
        InputError { source: path.to_string(), message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

impl std::error::Error for InputError {}
