//! Framed records: one JSON Lines record per line of a stream, each wrapped with where it came
//! from, so that an engine that moves lines between machines (a Spark `pipe()` stage) gets back
//! exactly the results a read of the original file gives — same sources, positions, default
//! ids and errors:
//!
//! ```json
//! {"source": "day/a.jsonl", "line": 3, "record": 2, "records": 40, "text": "{\"id\": \"c1\", …}"}
//! ```
//! - `text`: the record's line as it is in the file (without its newline).
//! - `error`: instead of `text`, why the line could not be taken from the file (a line that is
//!   not valid UTF-8): the record becomes an error of `source:line` with this message.
//! - `source`: the file's path as a run over the files would name it (default `<stdin>`).
//! - `line`: the line number of the record in that file (default: the frame's line in the stream).
//! - `record`: its number among the file's non-blank lines (default: `line`), and `records`
//!   how many the file holds (default: more than one). Both only matter for a record without
//!   an `id`, whose id is then `STEM#record`, or `STEM` for a file's only record.

use super::jsonl::{self, Chunk};
use super::{RawCall, ReadOptions, check_call};
use crate::error::InputError;
use serde::Deserialize;

/// A frame as it is written on the stream.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Frame {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    line: Option<usize>,
    #[serde(default)]
    record: Option<usize>,
    #[serde(default)]
    records: Option<usize>,
}

/// The source of the frames' stream itself, for errors in a frame (not in its record).
pub const STREAM: &str = "<stdin>";

/// Reads the frame on line `stream_line` (1-based) of the stream into the call its record holds,
/// or the error a read of the original file reports for that record.
pub fn read_frame(frame: &str, stream_line: usize, opts: &ReadOptions) -> Result<RawCall, InputError> {
    let f: Frame = serde_json::from_str(frame).map_err(|e| {
        InputError::at(
            STREAM,
            stream_line,
            e.column().max(1),
            format!(
                "not a frame ({e}); expected {{\"source\": …, \"line\": …, \"text\": \"<the record's line>\"}} \
                 as examples/spark/callqa_spark.py writes"
            ),
        )
    })?;
    let source = f.source.unwrap_or_else(|| STREAM.to_string());
    let line = f.line.unwrap_or(stream_line).max(1);
    let text = match (f.text, f.error) {
        (_, Some(why)) => return Err(InputError::line(&source, line, why)),
        (Some(text), None) => text,
        (None, None) => {
            return Err(InputError::line(
                STREAM,
                stream_line,
                "not a frame: it has neither `text` (the record's line) nor `error`",
            ));
        }
    };
    // A line ends at LF, CRLF or a lone CR, as when a file is decoded.
    let text = text.strip_suffix('\r').unwrap_or(&text);
    if text.contains(['\n', '\r']) {
        return Err(InputError::line(&source, line, "a frame's text holds more than one line: frame each line alone"));
    }
    if text.trim().is_empty() {
        return Err(InputError::line(
            &source,
            line,
            "a frame's text is blank: blank lines are no records, leave them out",
        ));
    }
    let chunk =
        Chunk { first_line: line, first_record: f.record.unwrap_or(line).max(1), total: f.records.unwrap_or(2) };
    let record = jsonl::parse_chunk(&source, text, chunk).pop();
    match record {
        Some(r) => r.and_then(|c| check_call(c, opts)),
        None => {
            Err(InputError::line(&source, line, "a frame's text is blank: blank lines are no records, leave them out"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(source: &str, line: usize, record: usize, records: usize, text: &str) -> String {
        serde_json::json!({"source": source, "line": line, "record": record, "records": records, "text": text})
            .to_string()
    }

    #[test]
    fn a_framed_record_reads_as_the_same_line_of_the_file() {
        let lines = [
            "{\"id\": \"c1\", \"turns\": [{\"speaker\": \"坐席\", \"text\": \"您好\"}]}",
            "",
            "{\"turns\": [{\"speaker\": \"坐席\", \"text\": \"您好\"},]}",
            "{\"turns\": [{\"speaker\": \"客户\", \"text\": \"喂\"}]}\r",
        ];
        let file = lines.join("\n");
        let whole = jsonl::parse("d/day.jsonl", &file);
        let opts = ReadOptions::default();
        let framed: Vec<_> = [(1, 1), (3, 2), (4, 3)]
            .iter()
            .enumerate()
            .map(|(i, &(line, record))| {
                read_frame(&frame("d/day.jsonl", line, record, 3, lines[line - 1]), i + 1, &opts)
            })
            .collect();
        assert_eq!(framed.len(), whole.len());
        for (f, w) in framed.iter().zip(&whole) {
            match (f, w) {
                (Ok(f), Ok(w)) => {
                    assert_eq!((&f.id, &f.source), (&w.id, &w.source));
                    assert_eq!(f.turns[0].pos.line, w.turns[0].pos.line);
                }
                (Err(f), Err(w)) => assert_eq!(f, w),
                _ => panic!("{f:?} vs {w:?}"),
            }
        }
        assert_eq!(framed[2].as_ref().unwrap().id, "day#3");
    }

    #[test]
    fn a_bad_frame_is_an_error_of_the_stream_line() {
        let opts = ReadOptions::default();
        let e = read_frame("not json", 7, &opts).unwrap_err();
        assert!(e.source.starts_with("<stdin>:7:"), "{e}");
        assert!(e.message.contains("not a frame"), "{e}");
        let e = read_frame(&frame("a.jsonl", 2, 1, 2, "  "), 1, &opts).unwrap_err();
        assert_eq!(e.source, "a.jsonl:2");
        for two in ["{}\n{}", "{}\r{}"] {
            let e = read_frame(&frame("a.jsonl", 2, 1, 2, two), 1, &opts).unwrap_err();
            assert!(e.message.contains("more than one line"), "{e}");
        }
        // Only `text` is required; a lone record of a file is named after the file.
        let c =
            read_frame(r#"{"text": "{\"turns\": [{\"speaker\": \"坐席\", \"text\": \"您好\"}]}"}"#, 4, &opts).unwrap();
        assert_eq!((c.id.as_str(), c.source.as_str()), ("<stdin>#4", "<stdin>:4"));
        let one = frame("x/only.jsonl", 1, 1, 1, "{\"turns\": [{\"speaker\": \"坐席\", \"text\": \"您好\"}]}");
        assert_eq!(read_frame(&one, 1, &opts).unwrap().id, "only");
        let e = read_frame(r#"{"source": "a.jsonl", "line": 5, "error": "invalid UTF-8"}"#, 1, &opts).unwrap_err();
        assert_eq!((e.source.as_str(), e.message.as_str()), ("a.jsonl:5", "invalid UTF-8"));
        assert!(read_frame(r#"{"source": "a.jsonl"}"#, 3, &opts).unwrap_err().message.contains("neither"));
    }
}
