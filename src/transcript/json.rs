//! JSON call records: one object `{id?, call_id?, meta?, turns}` (or OpenAI `{messages}`), or a
//! top-level array of them. Also parses the single records JSONL hands over.
//!
//! serde_json reports positions only for errors, so a tiny scanner over the (already valid)
//! text finds where each record and each turn starts; every call and turn then carries a real
//! `line:column`, and a bad record in an array fails alone.

use super::{LineIndex, Position, RawCall, RawTurn, openai, record_id, roles::role_from_name};
use crate::error::InputError;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Parses a whole JSON document: one call object, or an array of call objects.
pub(crate) fn parse(source: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    let index = LineIndex::new(text);
    // Validate the syntax once, so the scanner below only ever walks well-formed JSON.
    if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
        let mut err = serde_error(source, &index, text, 0, &e);
        if e.to_string().starts_with("trailing characters") {
            err.message.push_str(" (several JSON values: if this is JSON Lines, use --input-format jsonl)");
        }
        return vec![Err(err)];
    }
    let bytes = text.as_bytes();
    let start = skip_ws(bytes, 0);
    match bytes.get(start) {
        Some(b'[') => {
            let Some(records) = array_elements(bytes, start) else {
                return vec![Err(InputError::file(source, "cannot scan the JSON array"))];
            };
            let total = records.len();
            let starts: Vec<Position> = records.iter().map(|&(s, _)| index.position(s)).collect();
            records
                .into_iter()
                .enumerate()
                .map(|(i, (s, e))| {
                    // `path:LINE`, plus `:COLUMN` when several records start on the line (a
                    // one-line array): a source names one record, and sorting by it keeps the
                    // file's order in every output.
                    let pos = starts[i];
                    let shared = |j: usize| j != i && starts[j].line == pos.line;
                    let neighbours = [i.wrapping_sub(1), i + 1];
                    let record_source = if neighbours.iter().any(|&j| j < starts.len() && shared(j)) {
                        format!("{source}:{}:{}", pos.line, pos.column)
                    } else {
                        format!("{source}:{}", pos.line)
                    };
                    parse_record(
                        &Record { file: source, source: &record_source, text, index: &index, start: s, end: e },
                        i + 1,
                        total,
                    )
                })
                .collect()
        }
        Some(b'{') => {
            let end = skip_value(bytes, start).unwrap_or(bytes.len());
            vec![parse_record(&Record { file: source, source, text, index: &index, start, end }, 1, 1)]
        }
        _ => {
            let pos = index.position(start);
            vec![Err(InputError::at(
                source,
                pos.line,
                pos.column,
                format!("expected {EXPECTED_CALL} or an array of them"),
            ))]
        }
    }
}

const EXPECTED_CALL: &str = "a call object with \"turns\" (or \"messages\" for OpenAI chat)";

/// Where one record sits: `text[start..end]` of the file `file`; `source` names the call.
pub(crate) struct Record<'a> {
    pub(crate) file: &'a str,
    pub(crate) source: &'a str,
    pub(crate) text: &'a str,
    pub(crate) index: &'a LineIndex<'a>,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Record<'_> {
    fn error_at(&self, offset: usize, message: impl Into<String>) -> InputError {
        let pos = self.index.position(offset);
        InputError::at(self.file, pos.line, pos.column, message)
    }
}

/// Parses one call object (record `n` of `total` in its file).
pub(crate) fn parse_record(rec: &Record<'_>, n: usize, total: usize) -> Result<RawCall, InputError> {
    let slice = rec.text.get(rec.start..rec.end).unwrap_or_default();
    if !slice.trim_start().starts_with('{') {
        let at = rec.start + (slice.len() - slice.trim_start().len());
        return Err(rec.error_at(at, format!("expected {EXPECTED_CALL}")));
    }
    let doc: CallDoc =
        serde_json::from_str(slice).map_err(|e| serde_error(rec.file, rec.index, rec.text, rec.start, &e))?;
    let bytes = rec.text.as_bytes();
    let key = if doc.messages.is_some() { "messages" } else { "turns" };
    // Scanner positions; if they ever disagree with serde, fall back to the record's start.
    let offsets: Vec<usize> = object_member(bytes, rec.start, key)
        .and_then(|v| array_elements(bytes, v))
        .map(|elems| elems.into_iter().map(|(s, _)| s).collect())
        .unwrap_or_default();
    let positions = |count: usize| -> Vec<Position> {
        (0..count).map(|i| rec.index.position(offsets.get(i).copied().unwrap_or(rec.start))).collect()
    };
    let turns = match (doc.turns, doc.messages) {
        (Some(_), Some(_)) => {
            return Err(rec.error_at(rec.start, "a call has either \"turns\" or \"messages\", not both"));
        }
        (Some(turns), None) => {
            let pos = positions(turns.len());
            turns.into_iter().zip(pos).map(|(t, p)| t.into_raw(rec.file, p)).collect::<Result<_, _>>()?
        }
        (None, Some(messages)) => {
            let pos = positions(messages.len());
            openai::to_turns(rec.file, messages, &pos)?
        }
        (None, None) => return Err(rec.error_at(rec.start, format!("expected {EXPECTED_CALL}"))),
    };
    let own_id = doc.call_id.or(doc.id).map(|s| s.0);
    let meta = doc
        .meta
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect::<BTreeMap<_, _>>();
    Ok(RawCall { id: record_id(own_id, rec.file, n, total), source: rec.source.to_string(), meta, turns })
}

/// A serde_json error at `line:column` of a slice starting at byte `base` → file position.
/// serde_json counts columns in bytes; the contract counts characters.
pub(crate) fn serde_error(
    file: &str,
    index: &LineIndex<'_>,
    text: &str,
    base: usize,
    e: &serde_json::Error,
) -> InputError {
    let mut message = strip_position(&e.to_string());
    if e.is_eof() {
        message.push_str(
            ": the JSON ends before the call is complete (a truncated export?); expected the rest \
             of the call object and its closing brackets",
        );
    }
    if e.line() == 0 {
        let pos = index.position(base);
        return InputError::at(file, pos.line, pos.column, message);
    }
    let slice = text.get(base..).unwrap_or_default();
    let offset = base + LineIndex::new(slice).offset(e.line(), e.column());
    let pos = index.position(offset);
    InputError::at(file, pos.line, pos.column, message)
}

/// serde_json appends " at line L column C"; the position is already in `source`.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[derive(Deserialize)]
#[serde(expecting = "a call object with \"turns\" (or \"messages\" for OpenAI chat)")]
struct CallDoc {
    id: Option<Scalar>,
    call_id: Option<Scalar>,
    #[serde(alias = "metadata")]
    meta: Option<Map<String, Value>>,
    turns: Option<Vec<TurnDoc>>,
    messages: Option<Vec<openai::MessageDoc>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a turn object like {\"speaker\": \"坐席\", \"text\": \"您好\"}")]
struct TurnDoc {
    speaker: Option<Scalar>,
    #[serde(alias = "content")]
    text: Option<String>,
    start: Option<Seconds>,
    end: Option<Seconds>,
    role: Option<String>,
}

impl TurnDoc {
    fn into_raw(self, file: &str, pos: Position) -> Result<RawTurn, InputError> {
        let err = |m: String| InputError::at(file, pos.line, pos.column, m);
        let role_hint = match &self.role {
            None => None,
            Some(r) => Some(role_from_name(r).ok_or_else(|| {
                err(format!("unknown role \"{r}\"; expected agent or customer (or an alias such as 坐席 / 客户, assistant / user)"))
            })?),
        };
        // Datasets like CrossWOZ only give a role; then the role is the speaker label too.
        let speaker = match (self.speaker, &self.role) {
            (Some(s), _) if !s.0.trim().is_empty() => s.0.trim().to_string(),
            (_, Some(r)) => r.trim().to_string(),
            _ => return Err(err("the turn has no \"speaker\"".into())),
        };
        let text = self.text.ok_or_else(|| err("the turn has no \"text\"".into()))?;
        Ok(RawTurn {
            speaker,
            text: text.trim().to_string(),
            start: self.start.map(|s| s.0),
            end: self.end.map(|s| s.0),
            role_hint,
            pos,
            sentences: Vec::new(),
            meta: Default::default(),
        })
    }
}

/// A label or id given as a string or a number (`"speaker": 1` is common in diarization output).
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A time in seconds, given as a number or a `hh:mm:ss` string.
struct Seconds(f64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds or a \"hh:mm:ss\" time")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Seconds, E> {
                if v.is_finite() && v >= 0.0 {
                    Ok(Seconds(v))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seconds, E> {
                Ok(Seconds(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seconds, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Seconds, E> {
                super::parse_time(v).map(Seconds).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

// ---- a minimal scanner over valid JSON: byte offsets of values ----
// Structural characters are ASCII, so every offset it returns is a UTF-8 char boundary.

pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// `b[i]` is `"`; returns the offset just past the closing quote.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        match b.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// Returns the offset just past the value starting at `i`.
pub(crate) fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(b.get(j), None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')) {
                j += 1;
            }
            Some(j)
        }
    }
}

/// `b[i]` is `[`; returns `(start, end)` of each element.
pub(crate) fn array_elements(b: &[u8], i: usize) -> Option<Vec<(usize, usize)>> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&b']') {
        return Some(out);
    }
    loop {
        let end = skip_value(b, j)?;
        out.push((j, end));
        j = skip_ws(b, end);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            b']' => return Some(out),
            _ => return None,
        }
    }
}

/// `b[i]` is `{`; returns the offset of the value of member `key` (compared unescaped-raw).
pub(crate) fn object_member(b: &[u8], i: usize, key: &str) -> Option<usize> {
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut j = skip_ws(b, i + 1);
    loop {
        if b.get(j)? != &b'"' {
            return None;
        }
        let key_end = skip_string(b, j)?;
        let name = b.get(j + 1..key_end - 1)?;
        j = skip_ws(b, key_end);
        if b.get(j)? != &b':' {
            return None;
        }
        let value = skip_ws(b, j + 1);
        if name == key.as_bytes() {
            return Some(value);
        }
        j = skip_ws(b, skip_value(b, value)?);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Role;

    #[test]
    fn single_object() {
        let text = r#"{
  "id": "h07",
  "meta": {"agent": "李明", "version": 3, "tags": ["a"]},
  "turns": [
    {"speaker": "坐席", "text": " 您好 ", "start": 1.5, "end": "00:00:03"},
    {"speaker": 2, "text": "嗯", "role": "customer"}
  ]
}"#;
        let calls = parse("calls/x.json", text);
        let call = calls[0].as_ref().unwrap();
        assert_eq!(call.id, "h07");
        assert_eq!(call.source, "calls/x.json");
        assert_eq!(call.meta["agent"], "李明");
        assert_eq!(call.meta["version"], "3");
        assert_eq!(call.meta["tags"], "[\"a\"]");
        assert_eq!(call.turns[0].text, "您好");
        assert_eq!((call.turns[0].start, call.turns[0].end), (Some(1.5), Some(3.0)));
        assert_eq!(call.turns[0].pos, Position { line: 5, column: 5 });
        assert_eq!(call.turns[1].speaker, "2");
        assert_eq!(call.turns[1].role_hint, Some(Role::Customer));
    }

    #[test]
    fn id_falls_back_to_stem() {
        let calls = parse("d/h09.json", r#"{"turns": [{"speaker": "A", "text": "hi"}]}"#);
        assert_eq!(calls[0].as_ref().unwrap().id, "h09");
        let calls = parse("d/h09.json", r#"{"call_id": 12, "turns": [{"speaker": "A", "text": "hi"}]}"#);
        assert_eq!(calls[0].as_ref().unwrap().id, "12");
    }

    #[test]
    fn array_of_calls_fails_per_record() {
        let text = "[\n {\"turns\": [{\"speaker\": \"A\", \"text\": \"hi\"}]},\n {\"turns\": [{\"speaker\": \"A\"}]},\n {\"id\": \"c3\", \"turns\": [{\"speaker\": \"B\", \"text\": \"yo\"}]}\n]";
        let calls = parse("d/batch.json", text);
        assert_eq!(calls.len(), 3);
        let first = calls[0].as_ref().unwrap();
        assert_eq!((first.id.as_str(), first.source.as_str()), ("batch#1", "d/batch.json:2"));
        let e = calls[1].as_ref().unwrap_err();
        assert_eq!(e.source, "d/batch.json:3:13");
        assert!(e.message.contains("no \"text\""), "{e}");
        assert_eq!(calls[2].as_ref().unwrap().id, "c3");
    }

    /// Issue 18: records of a one-line array each get a source of their own (with the column),
    /// so that ordering by source keeps the file's order instead of sorting them by id.
    #[test]
    fn one_line_array_sources_name_each_record() {
        let rec = |id: &str| format!("{{\"id\": \"{id}\", \"turns\": [{{\"speaker\": \"A\", \"text\": \"hi\"}}]}}");
        let text = format!("[{}, {},\n {}]", rec("zz"), rec("aa"), rec("mm"));
        let calls: Vec<RawCall> = parse("d/b.json", &text).into_iter().map(Result::unwrap).collect();
        let sources: Vec<&str> = calls.iter().map(|c| c.source.as_str()).collect();
        assert_eq!(sources, ["d/b.json:1:2", "d/b.json:1:59", "d/b.json:2"]);
        let mut sorted = sources.clone();
        sorted.sort_by_key(|s| crate::report::source_key(s));
        assert_eq!(sorted, sources);
    }

    #[test]
    fn syntax_error_with_character_column() {
        let text = "{\"turns\": [\n  {\"speaker\": \"坐席\", \"text\": \"你好\",}\n]}";
        let e = parse("x.json", text).remove(0).unwrap_err();
        // Character column 34 (the stray `}`); serde_json alone would say byte column 40.
        assert_eq!(e.source, "x.json:2:34");
        assert!(!e.message.contains(" at line "), "{e}");
    }

    /// Issue #5: a truncated export names where it ends and what was expected.
    #[test]
    fn truncated_json_says_so() {
        let text = "{\"id\": \"c1\", \"turns\": [\n  {\"speaker\": \"坐席\", \"text\": \"您好";
        let e = parse("x.json", text).remove(0).unwrap_err();
        assert_eq!(e.source, "x.json:2:32");
        assert!(e.message.starts_with("EOF while parsing a string: the JSON ends before"), "{e}");
        assert!(e.message.contains("truncated"), "{e}");
        // Syntax errors that are not at the end get no such note.
        let e = parse("x.json", "{\"turns\": [}]}").remove(0).unwrap_err();
        assert!(!e.message.contains("truncated"), "{e}");
    }

    #[test]
    fn type_errors_and_bad_roles() {
        let e = parse("x.json", r#"{"turns": [{"speaker": "A", "text": 5}]}"#).remove(0).unwrap_err();
        assert!(e.message.contains("invalid type"), "{e}");
        let e = parse("x.json", r#"{"turns": [{"speaker": "A", "text": "x", "role": "boss"}]}"#).remove(0).unwrap_err();
        assert!(e.message.contains("unknown role \"boss\""), "{e}");
        assert_eq!(e.source, "x.json:1:12");
        let e = parse("x.json", r#"{"id": "a"}"#).remove(0).unwrap_err();
        assert!(e.message.contains("\"turns\""), "{e}");
        let e = parse("x.json", r#""hello""#).remove(0).unwrap_err();
        assert!(e.message.contains("array of them"), "{e}");
        let e = parse("x.json", "{\"turns\": []}\n{\"turns\": []}").remove(0).unwrap_err();
        assert!(e.message.contains("jsonl"), "{e}");
    }

    #[test]
    fn role_only_turns_like_crosswoz() {
        let t = r#"{"id": "2303", "type": "单领域", "turns": [{"role": "usr", "text": "你好"}, {"role": "sys", "text": "您好"}]}"#;
        let call = parse("x.json", t).remove(0).unwrap();
        assert_eq!(call.turns[0].speaker, "usr");
        assert_eq!(call.turns[0].role_hint, Some(Role::Customer));
        assert_eq!(call.turns[1].role_hint, Some(Role::Agent));
    }

    #[test]
    fn scanner() {
        let t = r#"{"a": "x\"]}", "turns": [ {"b": [1, {"c": "}"}]}, 2 , "s" ]}"#;
        let b = t.as_bytes();
        let v = object_member(b, 0, "turns").unwrap();
        let elems = array_elements(b, v).unwrap();
        let got: Vec<&str> = elems.iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(got, [r#"{"b": [1, {"c": "}"}]}"#, "2", "\"s\""]);
        assert_eq!(object_member(b, 0, "zzz"), None);
    }

    #[test]
    fn garbage_never_panics() {
        for t in ["{", "[", "[{}", "{\"turns\": [{}]}", "[1, \"x\", null]", "{\"turns\": null}", "\u{feff}"] {
            let _ = parse("x.json", t);
        }
    }
}
