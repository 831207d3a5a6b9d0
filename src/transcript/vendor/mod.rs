//! Speech-recognition exports read as the services return them: one file per reader, each
//! registered by one line in [`READERS`].
//!
//! A reader sniffs its shape from content (the keys its vendor documents), then turns every
//! timed sentence into a [`Timed`]; [`into_call`] orders them by start time and merges
//! consecutive sentences of one speaker into one turn whose [`Sentence`]s keep their own
//! times. Times are checked (finite, not negative, end not before start) and a bad one is an
//! error at the sentence's `file:line:column`.

mod aliyun;
mod harper;
mod srt;
mod subtitle;
mod tencent;
mod transcribe;
mod vtt;
mod whisper;

use super::json::{array_elements, object_member, serde_error, skip_ws};
use super::{InputFormat, LineIndex, Position, RawCall, RawTurn, Sentence, push_continuation, record_id};
use crate::error::InputError;
use serde::de::{DeserializeOwned, IgnoredAny};
use std::collections::BTreeMap;

/// One vendor reader: the format it reads, how it recognises a file, how it parses one.
pub(crate) struct Reader {
    /// The format's name on the command line.
    pub(crate) format: InputFormat,
    /// Whether `text` (decoded, leading whitespace trimmed) has this reader's shape.
    pub(crate) sniff: fn(&str) -> bool,
    /// Parses a whole file.
    pub(crate) parse: fn(&str, &str) -> Vec<Result<RawCall, InputError>>,
}

/// Every vendor reader, in the order their shapes are tried.
pub(crate) const READERS: &[Reader] = &[
    aliyun::READER,
    tencent::READER,
    transcribe::READER,
    // Before WhisperX: compact Harper Valley lines also have `segments`.
    harper::READER,
    whisper::READER,
    vtt::READER,
    srt::READER,
];

/// The vendor format `text` has, if any.
pub(crate) fn detect(text: &str) -> Option<InputFormat> {
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    READERS.iter().find(|r| (r.sniff)(trimmed)).map(|r| r.format)
}

/// Parses `text` with the reader of `format`, or `None` when `format` is not a vendor format.
pub(crate) fn parse(format: InputFormat, source: &str, text: &str) -> Option<Vec<Result<RawCall, InputError>>> {
    READERS.iter().find(|r| r.format == format).map(|r| (r.parse)(source, text))
}

/// One timed sentence as a reader found it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timed {
    /// The speaker or channel label (`channel 0`, `spk_1`, `SPEAKER_00` …).
    pub(crate) speaker: String,
    /// The recognised text.
    pub(crate) text: String,
    /// Start, seconds.
    pub(crate) start: f64,
    /// End, seconds.
    pub(crate) end: f64,
    /// Where the sentence is in the file.
    pub(crate) pos: Position,
    /// Vendor fields kept in the turn's meta.
    pub(crate) meta: Vec<(&'static str, String)>,
}

/// Checks a sentence's times (seconds); the message names the fields as the export does.
pub(crate) fn check_times(start: f64, end: f64, start_name: &str, end_name: &str) -> Result<(), String> {
    if !start.is_finite() || start < 0.0 {
        return Err(format!("{start_name} {start} is not a time: expected a number of seconds or ms ≥ 0"));
    }
    if !end.is_finite() || end < 0.0 {
        return Err(format!("{end_name} {end} is not a time: expected a number of seconds or ms ≥ 0"));
    }
    if end < start {
        return Err(format!("{end_name} is before {start_name}: the sentence ends before it starts"));
    }
    Ok(())
}

/// Builds one call from its sentences: ordered by start (exports of two channels interleave
/// them), empty sentences dropped, consecutive sentences of one speaker merged into one turn.
pub(crate) fn into_call(
    file: &str,
    own_id: Option<String>,
    meta: BTreeMap<String, String>,
    mut sentences: Vec<Timed>,
    role_hint: fn(&str) -> Option<super::Role>,
) -> RawCall {
    sentences.retain(|s| !s.text.trim().is_empty());
    // Stable: sentences starting together keep the export's order.
    sentences.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut turns: Vec<RawTurn> = Vec::new();
    let mut parts: Vec<Vec<(&'static str, String, f64)>> = Vec::new();
    for s in sentences {
        let duration = s.end - s.start;
        let same = turns.last().is_some_and(|t| t.speaker == s.speaker);
        if !same {
            turns.push(RawTurn {
                role_hint: role_hint(&s.speaker),
                speaker: s.speaker,
                text: String::new(),
                start: Some(s.start),
                end: Some(s.end),
                pos: s.pos,
                sentences: Vec::new(),
                meta: BTreeMap::new(),
            });
            parts.push(Vec::new());
        }
        let (Some(turn), Some(part)) = (turns.last_mut(), parts.last_mut()) else {
            continue;
        };
        let from = turn.text.chars().count();
        push_continuation(&mut turn.text, &s.text);
        let to = turn.text.chars().count();
        // A space joining two non-CJK words belongs to neither sentence.
        let from =
            if from > 0 && to > from { from + usize::from(turn.text.chars().nth(from) == Some(' ')) } else { from };
        turn.sentences.push(Sentence { start: s.start, end: s.end, span: [from, to] });
        turn.end = Some(turn.end.unwrap_or(s.end).max(s.end));
        part.extend(s.meta.into_iter().map(|(k, v)| (k, v, duration)));
    }
    for (turn, part) in turns.iter_mut().zip(parts) {
        turn.meta = merge_meta(part);
        if turn.sentences.len() == 1 {
            // One sentence is the turn's own start–end.
            turn.sentences.clear();
        }
    }
    RawCall { id: record_id(own_id, file, 1, 1), source: file.to_string(), meta, turns }
}

/// The meta of a merged turn: `speech_rate` averaged over the sentences weighted by their
/// duration, `silence_before_s` of the first sentence, anything else the distinct values in
/// order, comma-separated.
fn merge_meta(part: Vec<(&'static str, String, f64)>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut rate = (0.0, 0.0, 0usize);
    for (key, value, duration) in part {
        match key {
            "speech_rate" => {
                if let Ok(v) = value.parse::<f64>() {
                    rate.0 += v * duration.max(1e-3);
                    rate.1 += duration.max(1e-3);
                    rate.2 += 1;
                }
            }
            "silence_before_s" => {
                out.entry(key.to_string()).or_insert(value);
            }
            _ => {
                let entry = out.entry(key.to_string()).or_default();
                if !entry.split(',').any(|v| v == value) {
                    if !entry.is_empty() {
                        entry.push(',');
                    }
                    entry.push_str(&value);
                }
            }
        }
    }
    if rate.2 > 0 {
        out.insert("speech_rate".into(), format_number(rate.0 / rate.1));
    }
    out
}

/// A number as meta shows it: at most two decimals, no trailing zeros.
pub(crate) fn format_number(v: f64) -> String {
    let s = format!("{:.2}", (v * 100.0).round() / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A valid JSON document read through the byte scanner, so that every error names the
/// `file:line:column` of the sentence it is about.
pub(crate) struct JsonDoc<'a> {
    /// The file, as errors name it.
    pub(crate) file: &'a str,
    text: &'a str,
    index: LineIndex<'a>,
}

impl<'a> JsonDoc<'a> {
    /// Checks the syntax once; the scanner only ever walks well-formed JSON.
    pub(crate) fn open(file: &'a str, text: &'a str) -> Result<Self, InputError> {
        let index = LineIndex::new(text);
        if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
            return Err(serde_error(file, &index, text, 0, &e));
        }
        Ok(JsonDoc { file, text, index })
    }

    /// The offset of the root value.
    pub(crate) fn root(&self) -> usize {
        skip_ws(self.text.as_bytes(), 0)
    }

    /// The offset of the value at `path` (object keys) below the value at `at`.
    pub(crate) fn find(&self, at: usize, path: &[&str]) -> Option<usize> {
        path.iter().try_fold(at, |at, key| object_member(self.text.as_bytes(), at, key))
    }

    /// The `(start, end)` of each element of the array at `at`.
    pub(crate) fn elements(&self, at: usize) -> Option<Vec<(usize, usize)>> {
        array_elements(self.text.as_bytes(), at)
    }

    /// Deserializes the value spanning `range`; errors point into the file.
    pub(crate) fn value<T: DeserializeOwned>(&self, (start, end): (usize, usize)) -> Result<T, InputError> {
        let slice = self.text.get(start..end).unwrap_or_default();
        serde_json::from_str(slice).map_err(|e| serde_error(self.file, &self.index, self.text, start, &e))
    }

    /// The value at `path` below the root, if there is one and it has the right type.
    pub(crate) fn get<T: DeserializeOwned>(&self, path: &[&str]) -> Option<T> {
        self.get_at(self.find(self.root(), path)?)
    }

    /// The value starting at `at`, if it has the right type.
    pub(crate) fn get_at<T: DeserializeOwned>(&self, at: usize) -> Option<T> {
        let end = super::json::skip_value(self.text.as_bytes(), at)?;
        self.value((at, end)).ok()
    }

    /// The position of byte offset `at`.
    pub(crate) fn position(&self, at: usize) -> Position {
        self.index.position(at)
    }

    /// An error at byte offset `at`.
    pub(crate) fn error_at(&self, at: usize, message: impl Into<String>) -> InputError {
        let pos = self.index.position(at);
        InputError::at(self.file, pos.line, pos.column, message)
    }
}

/// Whether the JSON object at the start of `text` has the member path `path` (a cheap scan,
/// no values built; `false` for anything not well formed).
pub(crate) fn has_path(text: &str, path: &[&str]) -> bool {
    let b = text.as_bytes();
    b.first() == Some(&b'{') && path.iter().try_fold(0, |at, key| object_member(b, at, key)).is_some()
}

/// Reads a list of sentences at `path` of a JSON document, each through `one`; a bad sentence
/// fails the call (a call with a hole in its timeline would give wrong timing).
pub(crate) fn read_sentences<T: DeserializeOwned>(
    doc: &JsonDoc<'_>,
    path: &[&str],
    what: &str,
    mut one: impl FnMut(T, Position) -> Result<Option<Timed>, String>,
) -> Result<Vec<Timed>, InputError> {
    let root = doc.root();
    let at = doc.find(root, path).ok_or_else(|| doc.error_at(root, format!("expected {what}")))?;
    let elems = doc.elements(at).ok_or_else(|| doc.error_at(at, format!("expected {what} (an array)")))?;
    let mut out = Vec::with_capacity(elems.len());
    for range in elems {
        let pos = doc.position(range.0);
        let item: T = doc.value(range)?;
        if let Some(t) = one(item, pos).map_err(|m| InputError::at(doc.file, pos.line, pos.column, m))? {
            out.push(t);
        }
    }
    Ok(out)
}

/// A number given as a JSON number or as a numeric string (AWS writes `"start_time": "4.87"`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Num(pub(crate) f64);

impl<'de> serde::Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or a numeric string")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Num, E> {
                v.trim().parse::<f64>().map(Num).map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// Milliseconds (as a vendor gives them) → seconds.
pub(crate) fn ms(v: f64) -> f64 {
    v / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed(speaker: &str, text: &str, start: f64, end: f64) -> Timed {
        Timed { speaker: speaker.into(), text: text.into(), start, end, pos: Position::default(), meta: Vec::new() }
    }

    #[test]
    fn consecutive_sentences_of_one_speaker_form_one_turn_with_their_own_times() {
        let mut a = timed("0", "您好", 0.5, 1.5);
        a.meta.push(("speech_rate", "120".into()));
        let mut b = timed("0", "我是客服", 2.0, 4.0);
        b.meta.push(("speech_rate", "240".into()));
        let call = into_call(
            "d/c1.json",
            None,
            BTreeMap::new(),
            vec![timed("1", "喂", 0.0, 0.4), b, a, timed("1", "  ", 5.0, 5.1), timed("1", "嗯", 4.5, 5.0)],
            |_| None,
        );
        assert_eq!(call.id, "c1");
        let t: Vec<_> = call.turns.iter().map(|t| (t.speaker.as_str(), t.text.as_str(), t.start, t.end)).collect();
        assert_eq!(
            t,
            [
                ("1", "喂", Some(0.0), Some(0.4)),
                ("0", "您好我是客服", Some(0.5), Some(4.0)),
                ("1", "嗯", Some(4.5), Some(5.0))
            ]
        );
        assert_eq!(
            call.turns[1].sentences,
            [Sentence { start: 0.5, end: 1.5, span: [0, 2] }, Sentence { start: 2.0, end: 4.0, span: [2, 6] }]
        );
        // Weighted by duration: (120·1 + 240·2) / 3.
        assert_eq!(call.turns[1].meta["speech_rate"], "200");
        assert!(call.turns[0].sentences.is_empty());
    }

    #[test]
    fn spans_skip_the_joining_space_of_latin_words() {
        let call = into_call(
            "x.json",
            None,
            BTreeMap::new(),
            vec![timed("A", "hello", 0.0, 1.0), timed("A", "there", 1.0, 2.0)],
            |_| None,
        );
        assert_eq!(call.turns[0].text, "hello there");
        assert_eq!(call.turns[0].sentences[1].span, [6, 11]);
    }

    #[test]
    fn times_are_checked() {
        assert!(check_times(1.0, 2.0, "BeginTime", "EndTime").is_ok());
        assert!(check_times(2.0, 1.0, "BeginTime", "EndTime").unwrap_err().contains("EndTime is before BeginTime"));
        assert!(check_times(-1.0, 1.0, "start", "end").unwrap_err().contains("start -1"));
        assert!(check_times(0.0, f64::NAN, "start", "end").is_err());
    }
}
