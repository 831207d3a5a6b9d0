//! The JSON report: output contract v1.
//!
//! ```json
//! {"schema": "callqa/results/v1", "rubric": {"id": "…", "version": "1"}, "shard"?: "2/8",
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
//! - `roles` says how each speaker's role was decided; when roles were inferred from what the
//!   speakers said, each also has `evidence_score`, `confidence` and `evidence`, and the call
//!   has `role_confidence` (0..1) and, below 0.5, `role_warning` (both absent otherwise).
//!
//! - `shard` is there only in a part of a sharded run (`--shard 2/8`); `merge` requires the
//!   parts of a sharded run to be shards 1..n of the same n, each once.
//!
//! ## JSON Lines (`--format jsonl`)
//!
//! One line per input record, in input order: for a record that was read, its call result (the
//! object of `calls` above); for one that could not be read, an **error record**. Every line also
//! names the rubric it was scored with, so `merge` can refuse streams of different rubrics:
//!
//! ```json
//! {"call_id": "…", "source": "day/a.jsonl:3", …, "rubric": {"id": "…", "version": "1"}}
//! {"error": {"source": "day/a.jsonl:4:17", "message": "…"}, "rubric": {"id": "…", "version": "1"}}
//! ```
//! A line is an error record exactly when it has an `error` key (a call result never does).
//! `callqa merge` takes such streams, as well as `results.json` parts, and writes the results of
//! one run over all of their records.
//!
//! Fields are only ever added, never renamed or removed, within v1.

use super::{Results, RubricRef};
use crate::batch::Shard;
use crate::error::InputError;
use crate::eval::result::CallResult;
use serde::Serialize;
use std::io::{self, Write};

/// Writes the whole batch as pretty JSON.
pub fn write(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, results)?;
    writeln!(out)
}

/// Writes one call as a single line (`--format jsonl`), with the rubric it was scored with.
pub fn write_line(call: &CallResult, rubric: &RubricRef, out: &mut dyn Write) -> io::Result<()> {
    let mut line = serde_json::to_vec(call)?;
    // A call serializes as an object: reopen it to add the rubric as its last field.
    debug_assert_eq!(line.last(), Some(&b'}'));
    line.pop();
    line.extend_from_slice(b",\"rubric\":");
    serde_json::to_writer(&mut line, rubric)?;
    line.extend_from_slice(b"}\n");
    out.write_all(&line)
}

/// An error record of the JSON Lines stream (see the module documentation).
#[derive(Debug, Serialize)]
struct ErrorLine<'a> {
    error: &'a InputError,
    rubric: &'a RubricRef,
}

/// Writes a record that could not be read as an error record line (`--format jsonl`).
pub fn write_error_line(error: &InputError, rubric: &RubricRef, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &ErrorLine { error, rubric })?;
    writeln!(out)
}

/// Writes contract v1 one call at a time, for batches too big to hold: the header first, each
/// call as it comes, then the errors and the aggregate. The bytes are exactly those of
/// [`write`] for the same batch.
pub struct StreamWriter<'w> {
    out: &'w mut (dyn Write + Send),
    calls: usize,
}

/// Pretty JSON of `value`, every line after the first indented by `indent` spaces (JSON
/// strings never hold a raw newline, so this nests it as `to_writer_pretty` would).
fn nested<T: serde::Serialize + ?Sized>(value: &T, indent: usize) -> io::Result<Vec<u8>> {
    let plain = serde_json::to_vec_pretty(value)?;
    let mut out = Vec::with_capacity(plain.len() + plain.len() / 8);
    for &b in &plain {
        out.push(b);
        if b == b'\n' {
            out.extend(std::iter::repeat_n(b' ', indent));
        }
    }
    Ok(out)
}

/// One call as [`StreamWriter::call`] writes it inside the `calls` array.
pub fn render_call(call: &CallResult) -> io::Result<Vec<u8>> {
    nested(call, 4)
}

impl<'w> StreamWriter<'w> {
    /// Writes the header (`schema`, `rubric`, `shard` when given) and opens the `calls` array.
    pub fn begin(out: &'w mut (dyn Write + Send), rubric: &RubricRef, shard: Option<Shard>) -> io::Result<Self> {
        write!(out, "{{\n  \"schema\": ")?;
        out.write_all(&nested(super::SCHEMA, 2)?)?;
        write!(out, ",\n  \"rubric\": ")?;
        out.write_all(&nested(rubric, 2)?)?;
        if let Some(s) = shard {
            write!(out, ",\n  \"shard\": ")?;
            out.write_all(&nested(&s, 2)?)?;
        }
        write!(out, ",\n  \"calls\": [")?;
        Ok(StreamWriter { out, calls: 0 })
    }

    /// Writes one call.
    pub fn call(&mut self, call: &CallResult) -> io::Result<()> {
        self.call_rendered(&render_call(call)?)
    }

    /// Writes one call rendered by [`render_call`] (so that the rendering can run on the
    /// thread that scored the call, in parallel, and only the bytes cross to the writer).
    pub fn call_rendered(&mut self, rendered: &[u8]) -> io::Result<()> {
        self.out.write_all(if self.calls == 0 { b"\n    " } else { b",\n    " })?;
        self.out.write_all(rendered)?;
        self.calls += 1;
        Ok(())
    }

    /// Closes the calls and writes the errors and the aggregate.
    pub fn finish(self, errors: &[InputError], aggregate: &super::Aggregate) -> io::Result<()> {
        self.out.write_all(if self.calls == 0 { b"]" } else { b"\n  ]" })?;
        write!(self.out, ",\n  \"errors\": ")?;
        self.out.write_all(&nested(errors, 2)?)?;
        write!(self.out, ",\n  \"aggregate\": ")?;
        self.out.write_all(&nested(aggregate, 2)?)?;
        writeln!(self.out, "\n}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Results, RubricRef};

    fn results(n: usize) -> Results {
        let engine = crate::Engine::new(crate::rubric::default_rubric().unwrap(), crate::Options::default());
        let text = "坐席：您好，我是长江移动的李明，给您推荐首月半价的套餐\n客户：不需要，谢谢\n";
        let calls: Vec<CallResult> = (0..n)
            .flat_map(|i| engine.score_bytes(&format!("c{i}.txt"), text.as_bytes()))
            .map(Result::unwrap)
            .collect();
        let errors = vec![crate::error::InputError::at("bad.json", 3, 7, "expected \"turns\"")];
        Results::new(RubricRef::new("r", "1"), calls, errors, Some("team"))
    }

    #[test]
    fn streaming_writes_the_same_bytes() {
        for n in [0, 1, 3] {
            let mut r = results(n);
            r.shard = (n == 1).then(|| "2/3".parse().unwrap());
            let mut whole = Vec::new();
            write(&r, &mut whole).unwrap();
            let mut streamed = Vec::new();
            let mut w = StreamWriter::begin(&mut streamed, &r.rubric, r.shard).unwrap();
            for c in &r.calls {
                w.call(c).unwrap();
            }
            w.finish(&r.errors, &r.aggregate).unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole).unwrap(), "{n} calls");
        }
    }

    #[test]
    fn a_jsonl_line_is_the_call_plus_its_rubric_and_an_error_line_is_tagged() {
        let r = results(1);
        let mut line = Vec::new();
        write_line(&r.calls[0], &r.rubric, &mut line).unwrap();
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["rubric"], serde_json::json!({"id": "r", "version": "1"}));
        assert_eq!(v["call_id"], "c0");
        assert!(v.get("error").is_none());
        let back: CallResult = serde_json::from_value(v).unwrap();
        assert_eq!(back, r.calls[0]);
        let mut err = Vec::new();
        write_error_line(&r.errors[0], &r.rubric, &mut err).unwrap();
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "{\"error\":{\"source\":\"bad.json:3:7\",\"message\":\"expected \\\"turns\\\"\"},\"rubric\":{\"id\":\"r\",\"version\":\"1\"}}\n"
        );
    }
}
