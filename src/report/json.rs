//! The JSON report: output contract v1.
//!
//! ```json
//! {"schema": "callqa/results/v1", "rubric": {"id": "…", "version": "1"},
//!  "calls": [{"call_id", "source", "score", "verdict", "auto_fail", "criteria": [{"id", "score", "passed"}],
//!             "steps": [{"id", "covered", "turn", "confidence"}], "end_condition",
//!             "findings": [{"code", "criterion", "severity", "turn", "span", "excerpt", "message"}],
//!             "turns": [{"index", "role", "speaker", "text", "steps"}]}],
//!  "errors": [{"source": "file:line:col", "message"}],
//!  "aggregate": {"calls", "passed", "failed", "errors"}}
//! ```
//! - Turn indices are 0-based over all turns in reading order (system messages excluded).
//! - `span` is `[start, end)` in **characters** (not bytes) of that turn's original text.
//! - `score: null` / `passed: null` mean not applicable.
//! - `severity` is `critical` (auto-fail), `major`, `minor` or `info`.
//!
//! Fields are only ever added, never renamed or removed, within v1.

use super::Results;
use crate::eval::result::CallResult;
use std::io::{self, Write};

/// Writes the whole batch as pretty JSON.
pub fn write(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, results)?;
    writeln!(out)
}

/// Writes one call as a single line (`--format jsonl`).
pub fn write_line(call: &CallResult, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, call)?;
    writeln!(out)
}
