//! Gridspace-Stanford Harper Valley Bank transcripts: the upstream per-call JSON array of
//! segments `[{"speaker_role": "agent"|"caller", "human_transcript", "transcript", "start_ms",
//! "duration_ms", "index", "channel_index", …}]`, and the compact JSON Lines derived from it
//! (`{"sid", "segments": [{"index", "speaker_role", "start_ms", "human_transcript"}]}`, no
//! durations: those calls have start times only, so no timing).
//! The human-corrected `human_transcript` is read (the ASR `transcript` when it is missing).
//! Source: <https://github.com/cricketclub/gridspace-stanford-harper-valley> (Apache-2.0).

use super::{JsonDoc, Reader, Timed, check_times, into_call, ms};
use crate::error::InputError;
use crate::transcript::json::{array_elements, object_member, skip_ws};
use crate::transcript::{InputFormat, LineIndex, Position, RawCall, RawTurn, roles::role_from_name};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Registered in [`super::READERS`].
pub(super) const READER: Reader = Reader { format: InputFormat::HarperValley, sniff, parse };

/// An upstream array whose first segment has `speaker_role` and `start_ms`, or compact lines
/// (`sid` and `segments`).
fn sniff(text: &str) -> bool {
    let b = text.as_bytes();
    match b.first() {
        Some(b'[') => {
            let first = skip_ws(b, 1);
            object_member(b, first, "speaker_role").is_some() && object_member(b, first, "start_ms").is_some()
        }
        Some(b'{') => {
            let line = text.lines().next().unwrap_or_default().as_bytes();
            object_member(line, 0, "sid").is_some() && object_member(line, 0, "segments").is_some()
        }
        _ => false,
    }
}

#[derive(Deserialize)]
#[serde(
    expecting = "a Harper Valley segment like {\"speaker_role\": \"agent\", \"start_ms\": 1669, \"duration_ms\": 2670, \"human_transcript\": \"…\"}"
)]
struct SegmentDoc {
    speaker_role: String,
    start_ms: f64,
    duration_ms: Option<f64>,
    human_transcript: Option<String>,
    transcript: Option<String>,
    emotion: Option<Vec<f64>>,
}

#[derive(Deserialize)]
struct CompactDoc {
    sid: String,
}

fn parse(file: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    if text.trim_start().starts_with('[') {
        // The scanner walks only well-formed JSON: check the syntax first.
        if let Err(e) = JsonDoc::open(file, text) {
            return vec![Err(e)];
        }
        let at = skip_ws(text.as_bytes(), 0);
        return vec![read_array(file, text, at, None)];
    }
    // Compact JSON Lines: one call per line, sources `path:LINE`.
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split('\n').enumerate() {
        if !line.trim().is_empty() {
            out.push(read_compact(file, text, offset, line, n + 1));
        }
        offset += line.len() + 1;
    }
    out
}

fn read_compact(file: &str, text: &str, offset: usize, line: &str, line_no: usize) -> Result<RawCall, InputError> {
    let index = LineIndex::new(text);
    let doc: CompactDoc = serde_json::from_str::<CompactDoc>(line)
        .map_err(|e| crate::transcript::json::serde_error(file, &index, text, offset, &e))?;
    let at = object_member(line.as_bytes(), 0, "segments").unwrap_or(0);
    let mut call = read_array(file, text, offset + at, Some(doc.sid))?;
    call.source = format!("{file}:{line_no}");
    Ok(call)
}

/// Reads the array of segments starting at byte `at` of `text`.
fn read_array(file: &str, text: &str, at: usize, sid: Option<String>) -> Result<RawCall, InputError> {
    let index = LineIndex::new(text);
    let err_at = |o: usize, m: String| {
        let p = index.position(o);
        InputError::at(file, p.line, p.column, m)
    };
    let elems =
        array_elements(text.as_bytes(), at).ok_or_else(|| err_at(at, "expected an array of segments".into()))?;
    let mut timed = Vec::new();
    let mut untimed: Vec<RawTurn> = Vec::new();
    for (s, e) in elems {
        let pos = index.position(s);
        let seg: SegmentDoc = serde_json::from_str(&text[s..e])
            .map_err(|er| crate::transcript::json::serde_error(file, &index, text, s, &er))?;
        let text = speech(&seg.human_transcript.or(seg.transcript).unwrap_or_default());
        let start = ms(seg.start_ms);
        match seg.duration_ms {
            Some(d) => {
                let end = ms(seg.start_ms + d);
                check_times(start, end, "start_ms", "start_ms + duration_ms").map_err(|m| err_at(s, m))?;
                let meta = seg
                    .emotion
                    .filter(|v| v.len() == 3)
                    .map(|v| vec![("emotion", format!("neg {:.2} neu {:.2} pos {:.2}", v[0], v[1], v[2]))])
                    .unwrap_or_default();
                timed.push(Timed { speaker: seg.speaker_role, text, start, end, pos, meta });
            }
            None => {
                check_times(start, start, "start_ms", "start_ms").map_err(|m| err_at(s, m))?;
                untimed.push(turn(seg.speaker_role, text, start, pos));
            }
        }
    }
    if !untimed.is_empty() && !timed.is_empty() {
        return Err(err_at(at, "some segments have \"duration_ms\" and some do not: give it for all or none".into()));
    }
    let mut call = into_call(file, sid.clone(), BTreeMap::new(), timed, role_from_name);
    if !untimed.is_empty() {
        // Start times only: sorted like timed segments, merged per speaker, no end and no
        // sentences (timing needs both ends).
        untimed.sort_by(|a, b| a.start.unwrap_or(0.0).total_cmp(&b.start.unwrap_or(0.0)));
        let mut turns: Vec<RawTurn> = Vec::new();
        for t in untimed.into_iter().filter(|t| !t.text.is_empty()) {
            match turns.last_mut() {
                Some(last) if last.speaker == t.speaker => {
                    crate::transcript::push_continuation(&mut last.text, &t.text)
                }
                _ => turns.push(t),
            }
        }
        call.turns = turns;
    }
    Ok(call)
}

/// The words of a segment without the transcribers' non-speech tags (`[noise]`, `[laughter]`):
/// a segment that is only noise is no speech and is dropped.
fn speech(text: &str) -> String {
    text.split_whitespace().filter(|w| !(w.starts_with('[') && w.ends_with(']'))).collect::<Vec<_>>().join(" ")
}

fn turn(speaker: String, text: String, start: f64, pos: Position) -> RawTurn {
    RawTurn {
        role_hint: role_from_name(&speaker),
        speaker,
        text: text.trim().to_string(),
        start: Some(start),
        end: None,
        pos,
        sentences: Vec::new(),
        meta: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Role;

    #[test]
    fn upstream_array_with_durations() {
        let text = r#"[
 {"channel_index": 2, "duration_ms": 2670, "human_transcript": "hello this is the bank", "index": 1, "speaker_role": "agent", "start_ms": 1669},
 {"channel_index": 1, "duration_ms": 330, "human_transcript": "hi", "index": 3, "speaker_role": "caller", "start_ms": 12890},
 {"channel_index": 2, "duration_ms": 1140, "human_transcript": "my name is ann", "index": 2, "speaker_role": "agent", "start_ms": 4839}
]"#;
        assert!(sniff(text.trim_start()));
        let call = parse("hv/0002.json", text).remove(0).unwrap();
        assert_eq!(call.id, "0002");
        assert_eq!(call.turns.len(), 2);
        assert_eq!(call.turns[0].text, "hello this is the bank my name is ann");
        assert_eq!((call.turns[0].start, call.turns[0].end), (Some(1.669), Some(5.979)));
        assert_eq!(call.turns[0].role_hint, Some(Role::Agent));
        assert_eq!(speech("[noise] hi [laughter] there"), "hi there");
        assert_eq!(call.turns[1].role_hint, Some(Role::Customer));
    }

    #[test]
    fn compact_lines_have_start_times_only() {
        let text = "{\"sid\": \"s1\", \"segments\": [{\"index\": 1, \"speaker_role\": \"agent\", \"start_ms\": 1669, \"human_transcript\": \"hello\"}, {\"index\": 2, \"speaker_role\": \"caller\", \"start_ms\": 3000, \"human_transcript\": \"hi\"}]}\n\
                    {\"sid\": \"s2\", \"segments\": [{\"index\": 1, \"speaker_role\": \"agent\", \"start_ms\": \"x\"}]}\n";
        assert!(sniff(text));
        let out = parse("hv.jsonl", text);
        let call = out[0].as_ref().unwrap();
        assert_eq!((call.id.as_str(), call.source.as_str()), ("s1", "hv.jsonl:1"));
        assert_eq!((call.turns[1].start, call.turns[1].end), (Some(3.0), None));
        let e = out[1].as_ref().unwrap_err();
        assert!(e.source.starts_with("hv.jsonl:2:"), "{e}");
    }
}
