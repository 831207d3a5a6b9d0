//! Reading a big JSON Lines export in pieces, so that memory stays bounded however large the
//! file is: only a chunk of lines is held at a time, and each chunk's calls come out exactly as
//! a read of the whole file would give them (same sources, positions, default ids and errors).
//!
//! Only what can be judged from the file's start is streamed: UTF-8 (with or without a BOM)
//! JSON Lines larger than [`STREAM_MIN_BYTES`]. Every other file is read whole by
//! [`super::read_path`], where the `--max-file-bytes` limit guards memory; a streamed file has
//! no size limit, but each of its lines must stay under it.

use super::detect::{self, looks_like_jsonl};
use super::jsonl::{self, Chunk};
use super::{Encoding, InputFormat, RawCall, ReadOptions, check_call, read_path};
use crate::error::InputError;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Files at least this large are streamed when they are UTF-8 JSON Lines; smaller files are
/// read whole (cheaper, and every format and encoding is handled there).
pub const STREAM_MIN_BYTES: u64 = 8 * 1024 * 1024;

/// How much of a file's start decides whether it is streamed.
const PROBE_BYTES: usize = 64 * 1024;

/// A chunk is handed over once it holds this many records or this many bytes.
const CHUNK_RECORDS: usize = 256;
const CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// Reads `path` and hands its calls to `sink` in file order, a chunk at a time; a big UTF-8
/// JSON Lines file is streamed, anything else is read whole ([`read_path`]) and handed over
/// in one piece. `sink` also gets the bytes of the file the piece covers (for progress), and
/// returns false to stop reading.
pub fn read_path_chunked(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Vec<Result<RawCall, InputError>>, u64) -> bool,
) {
    let shown = path.display().to_string();
    if !streamable(path, opts) {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        sink(read_path(path, opts), size);
        return;
    }
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            sink(vec![Err(InputError::file(&shown, format!("cannot read the file: {e}")))], 0);
            return;
        }
    };
    if let Err(e) = stream_lines(&shown, BufReader::with_capacity(1 << 20, file), opts, sink) {
        sink(vec![Err(InputError::file(&shown, format!("cannot read the file: {e}")))], 0);
    }
}

/// Streams JSON Lines from any reader, a chunk at a time, whatever its size (the caller has
/// decided the input is UTF-8 JSON Lines): calls come out as [`super::read_bytes`] of the whole
/// input gives them, except that a line that is not UTF-8 fails alone. `sink` gets each chunk
/// with the bytes it covered, and returns false to stop.
pub fn read_jsonl_chunked(
    source: &str,
    reader: impl BufRead,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Vec<Result<RawCall, InputError>>, u64) -> bool,
) -> std::io::Result<()> {
    stream_lines(source, reader, opts, sink)
}

/// Whether `path` is a big UTF-8 JSON Lines file (judged from its first [`PROBE_BYTES`]).
fn streamable(path: &Path, opts: &ReadOptions) -> bool {
    if !matches!(opts.format, None | Some(InputFormat::Jsonl) | Some(InputFormat::Openai))
        || !matches!(opts.encoding, None | Some(Encoding::Utf8))
    {
        return false;
    }
    let Ok(meta) = std::fs::metadata(path) else { return false };
    if !meta.is_file() || meta.len() < STREAM_MIN_BYTES {
        return false;
    }
    let mut probe = Vec::with_capacity(PROBE_BYTES);
    let Ok(file) = File::open(path) else { return false };
    if file.take(PROBE_BYTES as u64).read_to_end(&mut probe).is_err() {
        return false;
    }
    // A file named or forced as JSON Lines is streamed unless a UTF-16/32 BOM says it is not UTF-8.
    // (A vendor's JSON Lines export, Harper Valley, is read whole by its own reader.)
    let named = opts.format.is_none()
        && super::named_jsonl(&path.display().to_string())
        && super::vendor::detect(String::from_utf8_lossy(&probe).trim_start()).is_none();
    if (named || opts.format == Some(InputFormat::Jsonl))
        && !probe.starts_with(&[0xFF, 0xFE])
        && !probe.starts_with(&[0xFE, 0xFF])
        && !probe.starts_with(&[0, 0, 0xFE, 0xFF])
    {
        return true;
    }
    let body = probe.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&probe);
    // Judge complete, valid lines only (a bad line further on fails alone when streamed); at
    // least two of them, as detection of the whole file would.
    let valid = match std::str::from_utf8(body) {
        Ok(_) => body,
        Err(e) => &body[..e.valid_up_to()],
    };
    let Some(last_newline) = valid.iter().rposition(|&b| b == b'\n') else { return false };
    let Ok(text) = std::str::from_utf8(&valid[..last_newline]) else { return false };
    if text.contains('\0') {
        return false;
    }
    let text = text.replace('\r', "");
    match opts.format {
        Some(_) => looks_like_jsonl(&text) || detect::has_call_line(&text),
        None => matches!(detect::detect(&text), Some(InputFormat::Jsonl)),
    }
}

/// Lines gathered for one parse.
#[derive(Default)]
struct Pending {
    /// The chunk's lines, joined by `\n` (a line that failed to decode is left empty).
    text: String,
    /// File line number of the first line.
    first_line: usize,
    /// Lines in it, and the records among them (non-blank lines that decoded).
    lines: usize,
    records: usize,
    /// Lines that could not be decoded, as errors in their place.
    errors: Vec<Result<RawCall, InputError>>,
    /// Bytes of the file the lines took.
    bytes: u64,
}

/// Reads lines into chunks and parses each chunk as the whole file's parse would.
fn stream_lines(
    source: &str,
    mut reader: impl BufRead,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Vec<Result<RawCall, InputError>>, u64) -> bool,
) -> std::io::Result<()> {
    let line_limit = opts.file_limit();
    let mut records_before = 0usize;
    // Parses a chunk; `total` is the file's record count, or usize::MAX for "more than one".
    let mut flush = |chunk: Pending, records_before: &mut usize, total: usize| -> bool {
        let mut calls = jsonl::parse_chunk(
            source,
            &chunk.text,
            Chunk { first_line: chunk.first_line, first_record: *records_before + 1, total },
        );
        *records_before += chunk.records;
        if !chunk.errors.is_empty() {
            calls.extend(chunk.errors);
            calls.sort_by_key(|r| match r {
                Ok(c) => crate::report::source_key(&c.source).1,
                Err(e) => crate::report::source_key(&e.source).1,
            });
        }
        sink(calls.into_iter().map(|c| c.and_then(|c| check_call(c, opts))).collect(), chunk.bytes)
    };
    let mut current = Pending { first_line: 1, ..Pending::default() };
    // A full chunk waits until the next record shows up: a record's default id depends on
    // whether it is the file's only one.
    let mut full: Option<Pending> = None;
    let mut line = Vec::new();
    let (mut line_no, mut offset) = (0usize, 0u64);
    loop {
        line.clear();
        // Never hold more of one line than the limit allows.
        let n = reader.by_ref().take(line_limit as u64 + 2).read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        let mut skipped = 0;
        if line.last() != Some(&b'\n') && n > line_limit {
            skipped = reader.skip_until(b'\n')?;
        }
        let line_start = offset;
        offset += (n + skipped) as u64;
        let mut bytes: &[u8] = &line;
        if line_no == 0 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let too_long = bytes.len() + skipped > line_limit;
        // A lone CR ends a line too, as when a whole file is decoded.
        let mut segments: Vec<&[u8]> = if too_long { vec![bytes] } else { bytes.split(|&b| b == b'\r').collect() };
        if segments.is_empty() {
            segments.push(bytes);
        }
        for (k, bytes) in segments.into_iter().enumerate() {
            line_no += 1;
            let start_offset = line_start + (bytes.as_ptr() as usize - line.as_ptr() as usize) as u64;
            let mut column = 1;
            let text = if too_long {
                Err(format!(
                    "the line is over {line_limit} bytes, the limit for one line of a streamed JSON Lines \
                     file; raise it with --max-file-bytes"
                ))
            } else {
                match std::str::from_utf8(bytes) {
                    Ok(t) => match t.find('\0') {
                        Some(at) => Err(format!("NUL byte at byte offset {}: not text", start_offset + at as u64)),
                        None => Ok(t),
                    },
                    Err(e) => {
                        let valid = &bytes[..e.valid_up_to()];
                        column += std::str::from_utf8(valid).map_or(0, |v| v.chars().count());
                        Err(format!(
                            "invalid UTF-8 at byte offset {}; fix the line or convert the file to UTF-8",
                            start_offset + valid.len() as u64
                        ))
                    }
                }
            };
            let is_record = text.as_ref().map_or(true, |t| !t.trim().is_empty());
            if is_record
                && let Some(chunk) = full.take()
                && !flush(chunk, &mut records_before, usize::MAX)
            {
                return Ok(());
            }
            if current.lines == 0 {
                current.first_line = line_no;
            } else {
                current.text.push('\n');
            }
            current.lines += 1;
            if k == 0 {
                current.bytes += (n + skipped) as u64;
            }
            // A line that cannot be decoded stays a blank line of the chunk (so the lines after
            // it keep their numbers) and becomes an error in its place; it is not numbered as a
            // record.
            match text {
                Ok(t) => {
                    current.text.push_str(t);
                    current.records += usize::from(is_record);
                }
                Err(message) => current.errors.push(Err(InputError::at(source, line_no, column, message))),
            }
            if full.is_none() && (current.records >= CHUNK_RECORDS || current.text.len() >= CHUNK_BYTES) {
                full = Some(std::mem::take(&mut current));
            }
        }
    }
    let total = records_before + full.as_ref().map_or(0, |c| c.records) + current.records;
    if let Some(chunk) = full.take()
        && !flush(chunk, &mut records_before, total)
    {
        return Ok(());
    }
    if current.records > 0 || !current.errors.is_empty() {
        flush(current, &mut records_before, total);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> Vec<Result<RawCall, InputError>> {
        super::super::read_bytes("x.jsonl", text.as_bytes(), &ReadOptions::default())
    }

    fn streamed(bytes: &[u8]) -> Vec<Result<RawCall, InputError>> {
        let mut out = Vec::new();
        stream_lines("x.jsonl", bytes, &ReadOptions::default(), &mut |c, _| {
            out.extend(c);
            true
        })
        .unwrap();
        out
    }

    fn line(i: usize) -> String {
        format!(
            "{{\"turns\": [{{\"speaker\": \"坐席\", \"text\": \"您好{i}\"}}, {{\"speaker\": \"客户\", \"text\": \"喂\"}}]}}"
        )
    }

    #[test]
    fn streaming_gives_what_the_whole_file_gives() {
        let mut lines: Vec<String> = (0..600).map(line).collect();
        lines[3] = String::new();
        lines[300] = "{\"turns\": [}".into();
        lines[599] = "   ".into();
        let text = lines.join("\r\n");
        let a = streamed(text.as_bytes());
        assert_eq!(a.len(), 598);
        assert_eq!(a, whole(&text));
        assert_eq!(a[297].as_ref().unwrap().id, "x#298");
    }

    #[test]
    fn a_single_record_keeps_the_file_stem_as_id() {
        // (Such a file is not streamed, detection needs two records; the ids agree anyway.)
        let text = format!("\n{}\n\n", line(1));
        assert_eq!(streamed(text.as_bytes())[0].as_ref().unwrap().id, "x");
        assert_eq!(whole(&text)[0].as_ref().unwrap().id, "x");
    }

    #[test]
    fn a_bad_line_fails_alone_with_its_byte_offset() {
        let mut bytes = format!("{}\n", line(1)).into_bytes();
        let bad_at = bytes.len() + 6;
        bytes.extend(b"{\"id\":\xFF}\n");
        bytes.extend(format!("{}\n", line(3)).into_bytes());
        let out = streamed(&bytes);
        assert_eq!(out.len(), 3);
        let e = out[1].as_ref().unwrap_err();
        assert_eq!(e.source, "x.jsonl:2:7");
        assert!(e.message.contains(&format!("byte offset {bad_at}")), "{e}");
        assert_eq!(out[2].as_ref().unwrap().source, "x.jsonl:3");
    }
}
