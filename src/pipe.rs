//! The pipe stage (`callqa score --framed --format jsonl -`): framed records in on one stream,
//! exactly one JSON Lines result per frame out, in the same order — the call result, or an
//! error record for a record (or a frame) that could not be read. Nothing goes only to stderr,
//! so an engine that runs callqa on each partition of a day's calls (Spark `pipe()`) loses no
//! record: `lines out = frames in`, and `callqa merge` of the outputs is one run over the files.
//!
//! Records are scored as read, a chunk at a time, in parallel on the current rayon pool; memory
//! is bounded by the chunk and the longest frame allowed. No check spans records (a call id used
//! twice is found by `merge`, which sees every partition).

use crate::engine::Engine;
use crate::error::InputError;
use crate::report::redact::Redactor;
use crate::report::{RubricRef, json};
use crate::transcript::framed::{self, STREAM};
use rayon::prelude::*;
use std::io::{self, BufRead, Write};

/// Frames scored at a time: enough to keep every thread busy, few enough to stay small.
const CHUNK_FRAMES: usize = 256;

/// What went through the stage.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Frames read (non-blank lines), each of which produced one output line.
    pub records: usize,
    /// Of which records that could not be read.
    pub errors: usize,
}

/// One line of the stream, before it is parsed.
enum Line {
    Frame(usize, String),
    Bad(InputError),
}

/// Reads the stream `input`, scores each frame with `engine` and writes one line per frame to
/// `out`, each call and each error record masked by `redactor` (when given: `--show-pii` gives
/// none) like every other output. A frame longer than `max_frame_bytes` is an error record (and
/// is never held whole in memory).
pub fn run(
    engine: &Engine,
    mut input: impl BufRead,
    out: &mut dyn Write,
    rubric: &RubricRef,
    redactor: Option<&Redactor>,
    max_frame_bytes: usize,
) -> io::Result<Counts> {
    let mut counts = Counts::default();
    let mut line_no = 0;
    let mut buf = Vec::new();
    let mut chunk: Vec<Line> = Vec::with_capacity(CHUNK_FRAMES);
    loop {
        buf.clear();
        let Some(whole) = read_capped_line(&mut input, &mut buf, max_frame_bytes)? else { break };
        line_no += 1;
        if !whole {
            chunk.push(Line::Bad(InputError::line(
                STREAM,
                line_no,
                format!("frame longer than the limit of {max_frame_bytes} bytes; raise it with --max-file-bytes"),
            )));
        } else {
            match std::str::from_utf8(&buf) {
                Ok(s) if s.trim().is_empty() => continue,
                Ok(s) => chunk.push(Line::Frame(line_no, s.to_string())),
                Err(e) => chunk.push(Line::Bad(InputError::line(
                    STREAM,
                    line_no,
                    format!("frame is not valid UTF-8 (at byte {} of the line)", e.valid_up_to()),
                ))),
            }
        }
        if chunk.len() >= CHUNK_FRAMES {
            flush(engine, &mut chunk, out, rubric, redactor, &mut counts)?;
        }
    }
    flush(engine, &mut chunk, out, rubric, redactor, &mut counts)?;
    out.flush()?;
    Ok(counts)
}

/// Scores the chunk's frames in parallel and writes their lines in order.
fn flush(
    engine: &Engine,
    chunk: &mut Vec<Line>,
    out: &mut dyn Write,
    rubric: &RubricRef,
    redactor: Option<&Redactor>,
    counts: &mut Counts,
) -> io::Result<()> {
    let rendered: Vec<(bool, io::Result<Vec<u8>>)> = std::mem::take(chunk)
        .into_par_iter()
        .map(|line| {
            let result = match line {
                Line::Frame(n, text) => engine.score_raw(framed::read_frame(&text, n, engine.read_options())),
                Line::Bad(e) => Err(e),
            };
            let mut bytes = Vec::with_capacity(4096);
            match result {
                Ok(mut call) => {
                    if let Some(r) = redactor {
                        r.call(&mut call);
                    }
                    (false, json::write_line(&call, rubric, &mut bytes).map(|()| bytes))
                }
                // An error quotes its record and names its source: masked as every format masks
                // an input error.
                Err(mut e) => {
                    if let Some(r) = redactor {
                        r.error(&mut e);
                    }
                    (true, json::write_error_line(&e, rubric, &mut bytes).map(|()| bytes))
                }
            }
        })
        .collect();
    for (is_error, bytes) in rendered {
        out.write_all(&bytes?)?;
        counts.records += 1;
        counts.errors += usize::from(is_error);
    }
    Ok(())
}

/// Reads one line (without its `\n`) into `buf`, keeping at most `cap` bytes of it: Some(true)
/// for a whole line, Some(false) for a longer line (the rest is skipped), None at the end.
fn read_capped_line(input: &mut impl BufRead, buf: &mut Vec<u8>, cap: usize) -> io::Result<Option<bool>> {
    let mut seen = false;
    let mut whole = true;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(seen.then_some(whole));
        }
        seen = true;
        let (part, used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        if whole && buf.len() + part.len() <= cap {
            buf.extend_from_slice(part);
        } else {
            whole = false;
            buf.clear();
        }
        input.consume(used);
        if done {
            return Ok(Some(whole));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::new(crate::rubric::default_rubric().unwrap(), crate::Options::default())
    }

    fn rubric() -> RubricRef {
        RubricRef::new("r", "1")
    }

    #[test]
    fn every_frame_gives_one_line_in_order() {
        let good = r#"{"id": "c1", "turns": [{"speaker": "坐席", "text": "您好，我是长江移动的李明"}, {"speaker": "客户", "text": "不需要"}]}"#;
        let input = [
            serde_json::json!({"source": "d/a.jsonl", "line": 1, "text": good}).to_string(),
            "junk that is no frame".to_string(),
            String::new(),
            serde_json::json!({"source": "d/a.jsonl", "line": 2, "text": "{\"id\": \"c2\", \"turns\": ["}).to_string(),
            serde_json::json!({"source": "d/b.jsonl", "line": 9, "text": good.replace("c1", "c3")}).to_string(),
            "x".repeat(500),
        ]
        .join("\n");
        let mut out = Vec::new();
        let counts = run(&engine(), input.as_bytes(), &mut out, &rubric(), None, 400).unwrap();
        assert_eq!(counts, Counts { records: 5, errors: 3 });
        let lines: Vec<serde_json::Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 5);
        assert_eq!((lines[0]["call_id"].as_str(), lines[0]["source"].as_str()), (Some("c1"), Some("d/a.jsonl:1")));
        assert!(lines[1]["error"]["source"].as_str().unwrap().starts_with("<stdin>:2:"));
        assert!(lines[2]["error"]["source"].as_str().unwrap().starts_with("d/a.jsonl:2:"));
        assert_eq!(lines[3]["source"], "d/b.jsonl:9");
        assert_eq!(lines[4]["error"]["source"], "<stdin>:6");
        assert!(lines[4]["error"]["message"].as_str().unwrap().contains("limit of 400 bytes"));
        assert!(lines.iter().all(|l| l["rubric"]["id"] == "r"));
    }

    #[test]
    fn an_empty_stream_writes_nothing() {
        let mut out = Vec::new();
        assert_eq!(run(&engine(), &b"\n\n"[..], &mut out, &rubric(), None, 100).unwrap(), Counts::default());
        assert!(out.is_empty());
    }

    #[test]
    fn capped_lines_skip_the_rest_of_a_long_line() {
        let mut input = io::BufReader::with_capacity(4, &b"abcdefgh\nab\nabc"[..]);
        let mut buf = Vec::new();
        assert_eq!(read_capped_line(&mut input, &mut buf, 3).unwrap(), Some(false));
        buf.clear();
        assert_eq!(read_capped_line(&mut input, &mut buf, 3).unwrap(), Some(true));
        assert_eq!(buf, b"ab");
        buf.clear();
        assert_eq!(read_capped_line(&mut input, &mut buf, 3).unwrap(), Some(true));
        assert_eq!(buf, b"abc");
        assert_eq!(read_capped_line(&mut input, &mut buf, 3).unwrap(), None);
    }
}
