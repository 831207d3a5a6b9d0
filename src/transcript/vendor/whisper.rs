//! WhisperX and faster-whisper JSON: `{"segments": [{"start", "end", "text", "speaker"}],
//! "language"?, "word_segments"?}` with times in seconds. WhisperX writes `speaker`
//! (`SPEAKER_00`) after `whisperx --diarize`; a file with no speaker at all was not diarized
//! and cannot tell agent from customer, so it is refused with that reason.
//! Documented at <https://github.com/m-bain/whisperX> (README, "Speaker Diarization") and
//! <https://github.com/SYSTRAN/faster-whisper> (`Segment` fields).

use super::{JsonDoc, Reader, Timed, check_times, has_path, into_call, read_sentences};
use crate::error::InputError;
use crate::transcript::{InputFormat, Position, RawCall};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Registered in [`super::READERS`].
pub(super) const READER: Reader = Reader { format: InputFormat::Whisper, sniff, parse };

fn sniff(text: &str) -> bool {
    has_path(text, &["segments"]) && !has_path(text, &["turns"]) && !has_path(text, &["messages"])
}

#[derive(Deserialize)]
#[serde(expecting = "a segment like {\"start\": 0.0, \"end\": 2.5, \"text\": \"…\", \"speaker\": \"SPEAKER_00\"}")]
struct SegmentDoc {
    start: f64,
    end: f64,
    text: String,
    speaker: Option<String>,
}

fn parse(file: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    vec![read(file, text)]
}

fn read(file: &str, text: &str) -> Result<RawCall, InputError> {
    let doc = JsonDoc::open(file, text)?;
    let mut missing: Option<Position> = None;
    let sentences = read_sentences(&doc, &["segments"], "\"segments\"", |s: SegmentDoc, pos: Position| {
        check_times(s.start, s.end, "start", "end")?;
        let speaker = match s.speaker {
            Some(sp) if !sp.trim().is_empty() => sp.trim().to_string(),
            _ => {
                missing.get_or_insert(pos);
                String::new()
            }
        };
        Ok(Some(Timed { speaker, text: s.text.trim().to_string(), start: s.start, end: s.end, pos, meta: Vec::new() }))
    })?;
    if let Some(pos) = missing {
        let any = sentences.iter().any(|s| !s.speaker.is_empty());
        let why = if any {
            "this segment has no \"speaker\" (WhisperX leaves it out where no diarization segment overlaps)"
        } else {
            "no segment has a \"speaker\": the file was not diarized (run whisperx with --diarize)"
        };
        return Err(InputError::at(
            file,
            pos.line,
            pos.column,
            format!("{why}; callqa needs to know who spoke, or give the call as {{\"turns\": [...]}}"),
        ));
    }
    let mut meta = BTreeMap::new();
    if let Some(lang) = doc.get::<String>(&["language"]) {
        meta.insert("language".to_string(), lang);
    }
    Ok(into_call(file, None, meta, sentences, |_| None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_diarized_segments() {
        let text = r#"{"segments": [
  {"start": 0.03, "end": 2.5, "text": " 您好，这里是客服中心。", "speaker": "SPEAKER_01", "words": []},
  {"start": 2.9, "end": 3.4, "text": " 嗯。", "speaker": "SPEAKER_00"}
], "language": "zh"}"#;
        assert!(sniff(text));
        let call = read("w.json", text).unwrap();
        assert_eq!(call.meta["language"], "zh");
        assert_eq!(call.turns[0].text, "您好，这里是客服中心。");
        assert_eq!(call.turns[0].speaker, "SPEAKER_01");
        assert_eq!(call.turns[1].pos, Position { line: 3, column: 3 });
    }

    #[test]
    fn undiarized_files_are_refused_with_the_reason() {
        let text = "{\"segments\": [\n  {\"id\": 0, \"seek\": 0, \"start\": 0.0, \"end\": 2.0, \"text\": \"你好\"}]}";
        let e = read("w.json", text).unwrap_err();
        assert_eq!(e.source, "w.json:2:3");
        assert!(e.message.contains("not diarized"), "{e}");
        let e =
            read("w.json", "{\"segments\": [{\"start\": 2.0, \"end\": 1.0, \"text\": \"你好\", \"speaker\": \"A\"}]}")
                .unwrap_err();
        assert!(e.message.contains("end is before start"), "{e}");
    }
}
