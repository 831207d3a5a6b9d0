//! Reading transcripts: bytes → decoded text → [`RawCall`]s → [`Transcript`]s with roles.
//!
//! Formats are detected from content ([`detect()`]) and can be forced with [`InputFormat`].
//! Every record of a file ends up either as a call or as an [`InputError`] naming
//! `file:line:column`; nothing is dropped.
//!
//! ```
//! use callqa::transcript::{read_bytes, assign_roles, ReadOptions, RoleHints};
//! let calls = read_bytes("h07.txt", "坐席：您好，我是长江移动的客服。\n客户：你好。\n".as_bytes(),
//!                        &ReadOptions::default());
//! let raw = calls.into_iter().next().unwrap().unwrap();
//! assert_eq!(raw.id, "h07");
//! let call = assign_roles(raw, &RoleHints::default()).unwrap();
//! assert_eq!(call.turns[1].role, callqa::transcript::Role::Customer);
//! ```

mod csv;
pub mod decode;
pub mod detect;
pub mod framed;
mod json;
mod jsonl;
pub mod model;
mod openai;
mod plain;
pub mod role_evidence;
pub mod roles;
pub mod stream;
mod vendor;

pub use decode::decode;
pub use detect::detect;
pub use model::*;
pub use roles::{RoleHints, assign_roles};

use crate::error::InputError;
use std::fmt;
use std::str::FromStr;

/// The input formats `callqa` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// One JSON call object `{id?, meta?, turns: [...]}` or an array of them.
    Json,
    /// One call object per line.
    Jsonl,
    /// OpenAI chat `{messages: [{role, content}]}`.
    Openai,
    /// Plain text, one `说话人：内容` line per turn.
    Text,
    /// CSV with a header holding at least `speaker` and `text`.
    Csv,
    /// Aliyun 录音文件识别 results (`Result.Sentences`).
    Aliyun,
    /// Tencent Cloud 录音文件识别 results (`DescribeTaskStatus` `ResultDetail`).
    Tencent,
    /// Amazon Transcribe batch output JSON.
    Transcribe,
    /// WhisperX / faster-whisper JSON (`segments` with `speaker`).
    Whisper,
    /// Gridspace-Stanford Harper Valley Bank transcripts.
    HarperValley,
    /// WebVTT with `<v 坐席>` voice spans or `坐席：` prefixes.
    Vtt,
    /// SRT with `坐席：` prefixes.
    Srt,
}

impl InputFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [InputFormat; 12] = [
        InputFormat::Json,
        InputFormat::Jsonl,
        InputFormat::Openai,
        InputFormat::Text,
        InputFormat::Csv,
        InputFormat::Aliyun,
        InputFormat::Tencent,
        InputFormat::Transcribe,
        InputFormat::Whisper,
        InputFormat::HarperValley,
        InputFormat::Vtt,
        InputFormat::Srt,
    ];

    /// Every name, comma-separated, for messages.
    pub fn names() -> String {
        InputFormat::ALL.map(InputFormat::as_str).join(", ")
    }

    /// The name used on the command line (`json`, `jsonl`, `openai`, `text`, `csv`).
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Json => "json",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Openai => "openai",
            InputFormat::Text => "text",
            InputFormat::Csv => "csv",
            InputFormat::Aliyun => "aliyun",
            InputFormat::Tencent => "tencent",
            InputFormat::Transcribe => "transcribe",
            InputFormat::Whisper => "whisper",
            InputFormat::HarperValley => "harper-valley",
            InputFormat::Vtt => "vtt",
            InputFormat::Srt => "srt",
        }
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        InputFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| format!("unknown input format \"{s}\"; expected one of {}", InputFormat::names()))
    }
}

/// The text encodings `callqa` decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (with or without a BOM).
    Utf8,
    /// UTF-16, little endian.
    Utf16Le,
    /// UTF-16, big endian.
    Utf16Be,
    /// UTF-32, little endian.
    Utf32Le,
    /// UTF-32, big endian.
    Utf32Be,
    /// GB18030, which includes GBK and GB2312.
    Gb18030,
}

impl Encoding {
    /// The canonical name (`utf-8`, `utf-16le`, `utf-16be`, `utf-32le`, `utf-32be`, `gb18030`).
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Utf32Le => "utf-32le",
            Encoding::Utf32Be => "utf-32be",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Encoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "utf-16le" | "utf16le" => Ok(Encoding::Utf16Le),
            "utf-16be" | "utf16be" => Ok(Encoding::Utf16Be),
            "utf-32le" | "utf32le" => Ok(Encoding::Utf32Le),
            "utf-32be" | "utf32be" => Ok(Encoding::Utf32Be),
            // GB18030 is a superset of both, so one decoder serves all three names.
            "gbk" | "gb18030" | "gb2312" => Ok(Encoding::Gb18030),
            _ => Err(format!(
                "unknown encoding \"{s}\"; expected one of utf-8, utf-16le, utf-16be, utf-32le, utf-32be, gbk, gb18030"
            )),
        }
    }
}

/// The default for [`ReadOptions::max_file_bytes`]: 256 MiB.
pub const DEFAULT_MAX_FILE_BYTES: usize = 256 * 1024 * 1024;
/// The default for [`ReadOptions::max_turn_chars`].
pub const DEFAULT_MAX_TURN_CHARS: usize = 20_000;
/// The default for [`ReadOptions::max_turns`]: an hour-long call has a few hundred turns; a call
/// with thousands is usually a concatenated export or failed diarization.
pub const DEFAULT_MAX_TURNS: usize = 5_000;

/// How to read input files; `None` means detect (format, encoding) or use the default (limits).
#[derive(Default, Clone, Debug)]
pub struct ReadOptions {
    /// Force a format instead of detecting it from content.
    pub format: Option<InputFormat>,
    /// Force an encoding instead of detecting it (BOM, UTF-8, else GB18030).
    pub encoding: Option<Encoding>,
    /// Refuse files larger than this many bytes (default [`DEFAULT_MAX_FILE_BYTES`]).
    pub max_file_bytes: Option<usize>,
    /// Refuse calls with a turn longer than this many characters
    /// (default [`DEFAULT_MAX_TURN_CHARS`]).
    pub max_turn_chars: Option<usize>,
    /// Refuse calls with more turns than this (default [`DEFAULT_MAX_TURNS`]): scoring time grows
    /// with a call's turns, and one runaway call must not hold up a batch.
    pub max_turns: Option<usize>,
    /// Speaker labels known besides the built-in ones (the rubric's agent and customer aliases,
    /// `--agent` / `--customer`): in plain text, a label that is not a speaker of the call is text.
    pub speaker_aliases: Vec<String>,
}

impl ReadOptions {
    /// The largest input read, in bytes.
    pub fn file_limit(&self) -> usize {
        self.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES)
    }

    fn turn_limit(&self) -> usize {
        self.max_turn_chars.unwrap_or(DEFAULT_MAX_TURN_CHARS)
    }

    fn turns_limit(&self) -> usize {
        self.max_turns.unwrap_or(DEFAULT_MAX_TURNS)
    }
}

/// Decode + detect + parse. One entry per record; a whole-file failure is a single Err.
///
/// `source` is the path as it should appear in results and errors.
pub fn read_bytes(source: &str, bytes: &[u8], opts: &ReadOptions) -> Vec<Result<RawCall, InputError>> {
    match read_inner(source, bytes, opts) {
        Ok(calls) => calls.into_iter().map(|c| c.and_then(|c| check_call(c, opts))).collect(),
        Err(e) => vec![Err(e)],
    }
}

/// Reads a file and does what [`read_bytes`] does; I/O errors become one `InputError` for the file.
///
/// The size limit holds for anything the path names (a FIFO, `/dev/zero`): no more than
/// `--max-file-bytes` plus one byte is ever read into memory.
pub fn read_path(path: &std::path::Path, opts: &ReadOptions) -> Vec<Result<RawCall, InputError>> {
    let shown = path.display().to_string();
    let limit = opts.file_limit();
    // Check the size before reading so a huge file is never loaded into memory.
    if let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
        && meta.len() > limit as u64
    {
        return vec![Err(too_big(&shown, meta.len(), limit))];
    }
    match std::fs::File::open(path).and_then(|f| read_limited(f, limit)) {
        Ok(Limited::Whole(bytes)) => read_bytes(&shown, &bytes, opts),
        Ok(Limited::TooBig) => vec![Err(over_limit(&shown, limit))],
        Err(e) => vec![Err(InputError::file(&shown, format!("cannot read the file: {e}")))],
    }
}

/// What [`read_limited`] read.
#[derive(Debug, PartialEq, Eq)]
pub enum Limited {
    /// Everything, within the limit.
    Whole(Vec<u8>),
    /// More than the limit: reading stopped one byte past it.
    TooBig,
}

/// Reads `reader` to its end, but never more than `limit` + 1 bytes: the limit is enforced
/// while reading (standard input, a FIFO or a device has no size to check first).
pub fn read_limited(reader: impl std::io::Read, limit: usize) -> std::io::Result<Limited> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok(if bytes.len() > limit { Limited::TooBig } else { Limited::Whole(bytes) })
}

/// The error for an input over `--max-file-bytes` whose length is not known (reading stopped).
pub fn over_limit(source: &str, limit: usize) -> InputError {
    InputError::file(
        source,
        format!("the input is more than the limit of {limit} bytes; raise it with --max-file-bytes"),
    )
}

fn too_big(source: &str, len: u64, limit: usize) -> InputError {
    InputError::file(
        source,
        format!(
            "the file is {len} bytes, more than the limit of {limit} bytes; \
             raise it with --max-file-bytes"
        ),
    )
}

/// JSON Lines that does not decode as a whole (an invalid UTF-8 byte, a NUL in one line) is read
/// line by line, as a streamed file is: a bad line fails alone, whatever the file's size. `None`
/// when it is not JSON Lines (the decoding error then stands for the whole file).
fn jsonl_line_by_line(source: &str, bytes: &[u8], opts: &ReadOptions) -> Option<Vec<Result<RawCall, InputError>>> {
    let lines_format = matches!(opts.format, None | Some(InputFormat::Jsonl) | Some(InputFormat::Openai));
    // A UTF-16/32 byte order mark says the file is not UTF-8 JSON Lines.
    let other_bom =
        bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]);
    if !lines_format || !matches!(opts.encoding, None | Some(Encoding::Utf8)) || other_bom {
        return None;
    }
    // What the file would be if its bad bytes were not there: a NUL becomes U+FFFD too, so UTF-16
    // without a BOM (a NUL beside every ASCII byte) never passes for JSON Lines and keeps its hint.
    let lossy = String::from_utf8_lossy(bytes).replace('\0', "\u{FFFD}");
    let lossy = decode::normalize_newlines(lossy);
    let is_jsonl = match opts.format {
        Some(InputFormat::Jsonl) => true,
        None if named_jsonl(source) => detect_for(source, &lossy) == Some(InputFormat::Jsonl),
        Some(_) => detect::looks_like_jsonl(&lossy) || detect::has_call_line(&lossy),
        None => detect(&lossy) == Some(InputFormat::Jsonl),
    };
    if !is_jsonl {
        return None;
    }
    let mut calls = Vec::new();
    let read = stream::read_jsonl_chunked(source, bytes, opts, &mut |chunk, _| {
        calls.extend(chunk);
        true
    });
    // Reading from memory cannot fail.
    read.ok()?;
    Some(calls)
}

/// Whether `source` is named as JSON Lines (`*.jsonl`, `*.ndjson`): such a file is read line by
/// line whatever its content, so that every line is accounted for even when none is good.
pub(crate) fn named_jsonl(source: &str) -> bool {
    std::path::Path::new(source)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"))
}

/// [`detect()`], except that a file named as JSON Lines is JSON Lines unless it is a vendor's
/// JSON Lines export (Harper Valley).
fn detect_for(source: &str, text: &str) -> Option<InputFormat> {
    let found = detect(text);
    let generic = matches!(
        found,
        None | Some(
            InputFormat::Json | InputFormat::Jsonl | InputFormat::Openai | InputFormat::Text | InputFormat::Csv
        )
    );
    if named_jsonl(source) && generic { Some(InputFormat::Jsonl) } else { found }
}

/// Whether more of the lines holding non-ASCII bytes are valid UTF-8 than not: a UTF-8 export
/// with a few damaged lines, where a GBK export has (almost) no valid UTF-8 line with Chinese.
fn mostly_utf8_lines(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_ascii()) {
        if std::str::from_utf8(line).is_ok() { valid += 1 } else { invalid += 1 }
    }
    valid > invalid
}

/// The message for a file with nothing but whitespace in it.
const EMPTY_FILE: &str = "empty file: expected at least one call (json, jsonl, openai, text or csv)";

fn read_inner(source: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Vec<Result<RawCall, InputError>>, InputError> {
    if bytes.len() > opts.file_limit() {
        return Err(too_big(source, bytes.len() as u64, opts.file_limit()));
    }
    let (text, _) = match decode(source, bytes, opts.encoding) {
        // Mostly UTF-8 with a few bad lines that happen to decode as GB18030 as a whole: read as
        // UTF-8 line by line (as a streamed file is), not as GB18030 mojibake.
        Ok((_, Encoding::Gb18030)) if opts.encoding.is_none() && mostly_utf8_lines(bytes) => {
            match jsonl_line_by_line(source, bytes, opts) {
                Some(calls) => return Ok(calls),
                None => decode(source, bytes, opts.encoding)?,
            }
        }
        Ok(decoded) => decoded,
        Err(e) => return jsonl_line_by_line(source, bytes, opts).ok_or(e),
    };
    if text.trim().is_empty() {
        return Err(InputError::file(source, EMPTY_FILE));
    }
    let format = match opts.format.or_else(|| detect_for(source, &text)) {
        Some(f) => f,
        None => {
            // Point at the first line with content: that is what failed to look like anything.
            let at = text.len() - text.trim_start().len();
            let pos = LineIndex::new(&text).position(at);
            let first = text.trim_start().lines().next().unwrap_or_default();
            return Err(InputError::at(
                source,
                pos.line,
                pos.column,
                format!(
                    "cannot detect the input format; expected one of json, jsonl, openai, text, csv \
                     (JSON starting with {{ or [, a CSV header with speaker and text columns, or \
                     speaker lines like \"坐席：您好\"), found \"{}\" (use --input-format)",
                    excerpt(first.trim_end(), 30)
                ),
            ));
        }
    };
    let calls = match format {
        InputFormat::Json => json::parse(source, &text),
        InputFormat::Jsonl => jsonl::parse(source, &text),
        // OpenAI chat comes as one JSON document or as JSONL (fine-tuning sets); both parsers
        // accept the `messages` shape.
        InputFormat::Openai if detect::looks_like_jsonl(&text) => jsonl::parse(source, &text),
        InputFormat::Openai => json::parse(source, &text),
        InputFormat::Text => vec![plain::parse(source, &text, &opts.speaker_aliases)],
        InputFormat::Csv => self::csv::parse(source, &text),
        vendor_format => vendor::parse(vendor_format, source, &text).unwrap_or_default(),
    };
    if calls.is_empty() {
        return Err(InputError::file(source, format!("no calls found in this {format} file")));
    }
    Ok(calls)
}

/// Checks every format shares: at least one turn, no turn over the length limit.
fn check_call(call: RawCall, opts: &ReadOptions) -> Result<RawCall, InputError> {
    if call.turns.is_empty() {
        return Err(InputError::file(&call.source, format!("call \"{}\" has no turns", call.id)));
    }
    let most = opts.turns_limit();
    if let Some(over) = call.turns.get(most) {
        return Err(InputError::at(
            file_of(&call.source),
            over.pos.line,
            over.pos.column,
            format!(
                "call \"{}\" has {} turns, more than the limit of {most}; raise it with --max-turns",
                call.id,
                call.turns.len()
            ),
        ));
    }
    let limit = opts.turn_limit();
    for turn in &call.turns {
        let n = turn.text.chars().count();
        if n > limit {
            return Err(InputError::at(
                file_of(&call.source),
                turn.pos.line,
                turn.pos.column,
                format!(
                    "turn of \"{}\" has {n} characters, more than the limit of {limit}; \
                     raise it with --max-turn-chars",
                    turn.speaker
                ),
            ));
        }
    }
    Ok(call)
}

/// The file part of a call source (`path:LINE` or `path:LINE:COLUMN` → `path`); turn positions
/// are file-relative.
fn file_of(source: &str) -> &str {
    crate::report::source_key(source).0
}

// ---- helpers shared by the format parsers ----

/// The file name without its extension, used for call ids when the file has none.
pub(crate) fn file_stem(source: &str) -> String {
    std::path::Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| source.to_string())
}

/// The id of record `n` (1-based) of `total` in a file: its own id, else the file stem for a
/// single-call file, else `stem#n`.
pub(crate) fn record_id(own: Option<String>, source: &str, n: usize, total: usize) -> String {
    match own {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        _ if total == 1 => file_stem(source),
        _ => format!("{}#{n}", file_stem(source)),
    }
}

/// Whether a character belongs to CJK text, where words are not separated by spaces.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x31FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Appends a continuation (a line, a content part) to a turn's text: no separator when CJK
/// meets CJK or either side is CJK, one space between two non-CJK words.
pub(crate) fn push_continuation(buf: &mut String, next: &str) {
    let next = next.trim();
    if next.is_empty() {
        return;
    }
    if let (Some(last), Some(first)) = (buf.chars().last(), next.chars().next())
        && !is_cjk(last)
        && !is_cjk(first)
    {
        buf.push(' ');
    }
    buf.push_str(next);
}

/// Parses a time (seconds, `mm:ss` or `hh:mm:ss`, optional fraction) into seconds: what a
/// rubric example's `[start-end]` prefix holds.
pub fn parse_time_secs(s: &str) -> Option<f64> {
    parse_time(s)
}

/// Parses a time: seconds (`65`, `65.5`) or a clock `mm:ss` / `hh:mm:ss` with optional
/// fraction (`.5` or SRT's `,500`). Returns seconds.
pub(crate) fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if !s.contains(':') {
        return s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
    }
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let mut total = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let part = if last { part.replace(',', ".") } else { part.to_string() };
        let ok = !part.is_empty()
            && part.chars().all(|c| c.is_ascii_digit() || (last && c == '.'))
            && part.chars().next().is_some_and(|c| c.is_ascii_digit());
        if !ok {
            return None;
        }
        let v: f64 = part.parse().ok()?;
        if i > 0 && v >= 60.0 {
            return None;
        }
        total = total * 60.0 + v;
    }
    Some(total)
}

/// Maps byte offsets of a text to 1-based line and character column.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Lines of the file before `text` (a streamed chunk starts mid-file).
    lines_before: usize,
    /// The last position asked for: (byte offset, characters from its line's start). Readers
    /// ask in file order, so a column is counted from there instead of from the line's start —
    /// on a one-line JSON file of 20k turns, counting from the start was quadratic.
    last: std::cell::Cell<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text` (lines end at `\n`; decoding already turned CR into LF).
    pub(crate) fn new(text: &'a str) -> Self {
        Self::starting_at(text, 1)
    }

    /// As [`LineIndex::new`] for a `text` whose first line is line `first_line` of its file.
    pub(crate) fn starting_at(text: &'a str, first_line: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts, lines_before: first_line.saturating_sub(1), last: std::cell::Cell::new((0, 0)) }
    }

    /// The position of byte offset `at` (clamped to the text).
    pub(crate) fn position(&self, at: usize) -> Position {
        let at = at.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= at).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let (last_at, last_chars) = self.last.get();
        // Resume from the last position when it is on this line, before `at`, on a char boundary.
        let (from, before) = if start <= last_at && last_at <= at && self.text.is_char_boundary(last_at) {
            (last_at, last_chars)
        } else {
            (start, 0)
        };
        let chars = before + self.text.get(from..).map_or(0, |rest| chars_before(rest, at - from));
        if self.text.is_char_boundary(at) {
            self.last.set((at, chars));
        }
        let column = chars + 1;
        Position { line: line + self.lines_before, column }
    }

    /// The byte offset of 1-based `line` plus a byte column (as serde_json reports it).
    pub(crate) fn offset(&self, line: usize, byte_column: usize) -> usize {
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len());
        (start + byte_column.saturating_sub(1)).min(self.text.len())
    }
}

/// How many characters of `s` start before byte offset `at` (safe for any `at`).
pub(crate) fn chars_before(s: &str, at: usize) -> usize {
    let at = at.min(s.len());
    let mut floor = at;
    while !s.is_char_boundary(floor) {
        floor -= 1;
    }
    // `str::chars().count()` counts fast (it is vectorized); a char that straddles `at` starts
    // before it and counts too.
    s[..floor].chars().count() + usize::from(floor < at)
}

/// The first `n` characters of `s`, for quoting input in error messages.
pub(crate) fn excerpt(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chars_before_counts_chars_starting_before_the_offset() {
        let s = "a坐席b";
        let naive = |at: usize| s.char_indices().take_while(|(i, _)| *i < at).count();
        for at in 0..=s.len() + 3 {
            assert_eq!(chars_before(s, at), naive(at), "at {at}");
        }
    }

    fn read(source: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
        read_bytes(source, text.as_bytes(), &ReadOptions::default())
    }

    #[test]
    fn names_round_trip() {
        for f in InputFormat::ALL {
            assert_eq!(f.to_string().parse::<InputFormat>(), Ok(f));
        }
        assert!("xml".parse::<InputFormat>().unwrap_err().contains("json, jsonl"));
        assert_eq!("GBK".parse::<Encoding>(), Ok(Encoding::Gb18030));
        assert_eq!("utf8".parse::<Encoding>(), Ok(Encoding::Utf8));
        for e in [
            Encoding::Utf8,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
            Encoding::Utf32Le,
            Encoding::Utf32Be,
            Encoding::Gb18030,
        ] {
            assert_eq!(e.to_string().parse::<Encoding>(), Ok(e));
        }
        assert!("latin1".parse::<Encoding>().is_err());
    }

    #[test]
    fn empty_and_blank_files() {
        for text in ["", "  \n\n \t"] {
            let out = read("x.txt", text);
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].as_ref().unwrap_err().message, EMPTY_FILE);
            assert!(EMPTY_FILE.starts_with("empty file: expected"));
        }
    }

    #[test]
    fn undetectable_format() {
        let out = read("x.txt", "just some prose without any speaker\nmore prose\n");
        let e = out[0].as_ref().unwrap_err();
        assert!(e.message.contains("cannot detect the input format"), "{e}");
        assert!(e.message.contains("--input-format"));
    }

    /// Issue #5: the error points at the first line with content and quotes it.
    #[test]
    fn undetectable_format_points_at_the_first_line() {
        let out = read("x.txt", "\n\n   这是一段没有说话人标签的文字。\n第二行\n");
        let e = out[0].as_ref().unwrap_err();
        assert_eq!(e.source, "x.txt:3:4");
        assert!(e.message.contains("found \"这是一段没有说话人标签的文字。\""), "{e}");
        assert!(e.message.contains("speaker lines like"), "{e}");
    }

    #[test]
    fn forced_format_overrides_detection() {
        let opts = ReadOptions { format: Some(InputFormat::Csv), ..Default::default() };
        let out = read_bytes("x.txt", "坐席：你好\n".as_bytes(), &opts);
        assert!(out[0].as_ref().unwrap_err().message.contains("speaker"));
    }

    #[test]
    fn file_limit() {
        let opts = ReadOptions { max_file_bytes: Some(4), ..Default::default() };
        let out = read_bytes("x.txt", "坐席：你好\n".as_bytes(), &opts);
        let e = out[0].as_ref().unwrap_err();
        assert!(e.message.contains("--max-file-bytes") && e.message.contains("limit of 4"), "{e}");
    }

    #[test]
    fn turn_limit_points_at_the_turn() {
        let opts = ReadOptions { max_turn_chars: Some(3), ..Default::default() };
        let out = read_bytes("x.txt", "坐席：你好\n客户：你好你好\n".as_bytes(), &opts);
        let e = out[0].as_ref().unwrap_err();
        assert_eq!(e.source, "x.txt:2:1");
        assert!(e.message.contains("--max-turn-chars") && e.message.contains("limit of 3"), "{e}");
    }

    #[test]
    fn turn_limit_in_jsonl_names_the_file_position() {
        let opts = ReadOptions { max_turn_chars: Some(3), ..Default::default() };
        let text = "{\"turns\":[{\"speaker\":\"A\",\"text\":\"ok\"}]}\n\
                    {\"turns\":[{\"speaker\":\"A\",\"text\":\"too long\"}]}\n";
        let out = read_bytes("d/x.jsonl", text.as_bytes(), &opts);
        assert!(out[0].is_ok());
        assert_eq!(out[1].as_ref().unwrap_err().source, "d/x.jsonl:2:11");
    }

    #[test]
    fn zero_turns_is_an_error() {
        let out = read("x.json", r#"{"id": "c1", "turns": []}"#);
        assert!(out[0].as_ref().unwrap_err().message.contains("no turns"));
        let out = read("x.json", "[]");
        assert!(out[0].as_ref().unwrap_err().message.contains("no calls"));
    }

    #[test]
    fn gbk_crlf_text_with_generic_labels_end_to_end() {
        let text = "# id: g1\r\n[00:00:01] A：喂，哪位\r\n[00:00:03] B：您好，我是长江移动的客服，\r\n\
                    请问是张先生吗\r\n[00:00:09] A：是我\r\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let raw = read_bytes("calls/g1.txt", &bytes, &ReadOptions::default()).remove(0).unwrap();
        assert_eq!(raw.id, "g1");
        assert_eq!(raw.turns[1].text, "您好，我是长江移动的客服，请问是张先生吗");
        assert_eq!(raw.turns[2].start, Some(9.0));
        assert_eq!(raw.turns[2].pos, Position { line: 5, column: 1 });
        let call = assign_roles(raw, &RoleHints::default()).unwrap();
        let roles: Vec<_> = call.roles.iter().map(|r| (r.speaker.as_str(), r.role, r.source)).collect();
        assert_eq!(roles, [("A", Role::Customer, RoleSource::Inferred), ("B", Role::Agent, RoleSource::Inferred)]);
    }

    #[test]
    fn read_path_reports_io_errors() {
        let out = read_path(std::path::Path::new("/nonexistent/dir/x.txt"), &ReadOptions::default());
        let e = out[0].as_ref().unwrap_err();
        assert_eq!(e.source, "/nonexistent/dir/x.txt");
        assert!(e.message.contains("cannot read"));
    }

    /// Random splices of the fragments every parser cares about: reading and role assignment
    /// must return, never panic.
    #[test]
    fn never_panics_on_random_input() {
        const PIECES: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b":",
            "：".as_bytes(),
            b",",
            b"\n",
            b"\r",
            b" ",
            b"\\",
            b"turns",
            b"messages",
            b"speaker",
            b"text",
            b"role",
            b"assistant",
            b"start",
            b"0",
            b"00:01:05",
            b"#",
            b"id",
            "坐席".as_bytes(),
            "你好".as_bytes(),
            b"A",
            b"call_id",
            &[0xFF],
            &[0xFE],
            &[0xEF, 0xBB, 0xBF],
            &[0x81],
            &[0xE4, 0xBD],
            b"\0",
            b"http://x",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..4000 {
            let len = (next() % 40) as usize;
            let mut bytes = Vec::new();
            for _ in 0..len {
                bytes.extend_from_slice(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            let format = match next() % 14 {
                n @ 0..=11 => Some(InputFormat::ALL[n as usize]),
                _ => None,
            };
            let opts = ReadOptions { format, max_turn_chars: Some(8), ..Default::default() };
            for call in read_bytes("fuzz.txt", &bytes, &opts).into_iter().flatten() {
                let _ = assign_roles(call, &RoleHints::default());
            }
        }
    }

    #[test]
    fn time_parsing() {
        assert_eq!(parse_time("00:01:05"), Some(65.0));
        assert_eq!(parse_time("01:05"), Some(65.0));
        assert_eq!(parse_time("00:00:01,500"), Some(1.5));
        assert_eq!(parse_time("12.5"), Some(12.5));
        assert_eq!(parse_time("1:75"), None);
        assert_eq!(parse_time("-3"), None);
        assert_eq!(parse_time("a:b"), None);
        assert_eq!(parse_time("NaN"), None);
    }

    #[test]
    fn continuation_joining() {
        let mut s = String::from("您好");
        push_continuation(&mut s, "我是李明");
        assert_eq!(s, "您好我是李明");
        let mut s = String::from("hello");
        push_continuation(&mut s, "world");
        assert_eq!(s, "hello world");
        let mut s = String::from("套餐30GB");
        push_continuation(&mut s, "流量");
        assert_eq!(s, "套餐30GB流量");
    }

    #[test]
    fn line_index_counts_characters() {
        let text = "ab\n你好x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(9), Position { line: 2, column: 3 });
        // An offset inside a multi-byte character never panics.
        assert_eq!(idx.position(4).line, 2);
        assert_eq!(idx.position(999).line, 3);
        // Positions asked in any order, resumed or not, agree with counting from the line start.
        let text = "a你b好\nxy你\n";
        let idx = LineIndex::new(text);
        for at in (0..=text.len()).chain((0..=text.len()).rev()).chain([3, 1, 7, 2, 9]) {
            let fresh = LineIndex::new(text).position(at);
            assert_eq!(idx.position(at), fresh, "at {at}");
        }
    }

    #[test]
    fn ids() {
        assert_eq!(record_id(None, "calls/h07.jsonl", 2, 3), "h07#2");
        assert_eq!(record_id(None, "calls/h07.jsonl", 1, 1), "h07");
        assert_eq!(record_id(Some("c9".into()), "calls/h07.jsonl", 1, 3), "c9");
        assert_eq!(file_of("a/b.jsonl:12"), "a/b.jsonl");
        assert_eq!(file_of("C:/x.txt"), "C:/x.txt");
        assert_eq!(file_of("a/b.json:1:62"), "a/b.json");
    }
}
