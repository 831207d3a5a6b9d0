//! Tencent Cloud ASR 录音文件识别 results, as `DescribeTaskStatus` returns them (or its
//! `Data` alone, as callbacks and SDK dumps give it):
//! `{"Response": {"Data": {"TaskId", "StatusStr": "success", "ResultDetail": [SentenceDetail]}}}`
//! with `SentenceDetail` = `{"FinalSentence", "StartMs", "EndMs", "SpeakerId"?, "SpeechSpeed"?
//! (words per second), "SilenceTime"?, "EmotionType"? [..], "EmotionalEnergy"?}`.
//! `ResultDetail` is only filled when the task was created with `ResTextFormat` ≥ 1.
//! Documented at <https://www.tencentcloud.com/document/api/1118/66926> (SentenceDetail) and
//! <https://www.tencentcloud.com/document/product/1118/66924> (DescribeTaskStatus).

use super::{JsonDoc, Reader, Timed, check_times, format_number, has_path, into_call, ms, read_sentences};
use crate::error::InputError;
use crate::transcript::{InputFormat, Position, RawCall};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Registered in [`super::READERS`].
pub(super) const READER: Reader = Reader { format: InputFormat::Tencent, sniff, parse };

const WRAPPED: &[&str] = &["Response", "Data"];

fn sniff(text: &str) -> bool {
    has_path(text, &["Response", "Data", "ResultDetail"]) || has_path(text, &["Data", "ResultDetail"])
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(
    expecting = "a Tencent SentenceDetail like {\"FinalSentence\": \"…\", \"StartMs\": 0, \"EndMs\": 1200, \"SpeakerId\": 0}"
)]
struct SentenceDoc {
    final_sentence: Option<String>,
    start_ms: f64,
    end_ms: f64,
    speaker_id: Option<i64>,
    speech_speed: Option<f64>,
    silence_time: Option<f64>,
    emotion_type: Option<Vec<String>>,
    emotional_energy: Option<f64>,
}

fn parse(file: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    vec![read(file, text)]
}

fn read(file: &str, text: &str) -> Result<RawCall, InputError> {
    let doc = JsonDoc::open(file, text)?;
    let data: &[&str] = if doc.find(doc.root(), WRAPPED).is_some() { WRAPPED } else { &["Data"] };
    let path = |key: &'static str| -> Vec<&str> { data.iter().copied().chain([key]).collect() };
    if let Some(status) = doc.get::<String>(&path("StatusStr")).filter(|s| s != "success") {
        return Err(doc.error_at(
            doc.root(),
            format!("the task's StatusStr is \"{status}\", not success: it has no result to read"),
        ));
    }
    let sentences =
        read_sentences(&doc, &path("ResultDetail"), "Data.ResultDetail", |s: SentenceDoc, pos: Position| {
            check_times(s.start_ms, s.end_ms, "StartMs", "EndMs")?;
            let Some(text) = s.final_sentence else {
                return Err("the sentence has no \"FinalSentence\"".into());
            };
            let mut meta = Vec::new();
            if let Some(v) = s.speech_speed {
                // Tencent counts words per second; callqa's rates are characters per minute.
                meta.push(("speech_rate", format_number(v * 60.0)));
            }
            if let Some(v) = s.emotion_type.filter(|v| !v.is_empty()) {
                meta.push(("emotion", v.join("+")));
            }
            if let Some(v) = s.emotional_energy {
                meta.push(("emotional_energy", format_number(v)));
            }
            if let Some(v) = s.silence_time {
                meta.push(("silence_time", format_number(v)));
            }
            Ok(Some(Timed {
                speaker: format!("speaker {}", s.speaker_id.unwrap_or(0)),
                text,
                start: ms(s.start_ms),
                end: ms(s.end_ms),
                pos,
                meta,
            }))
        })?;
    let mut meta = BTreeMap::new();
    if let Some(id) = doc.get::<serde_json::Value>(&path("TaskId")) {
        meta.insert("task_id".to_string(), id.as_str().map_or_else(|| id.to_string(), str::to_string));
    }
    Ok(into_call(file, None, meta, sentences, |_| None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_wrapped_and_the_bare_shape() {
        let detail = r#"[{"FinalSentence": "喂您好", "StartMs": 100, "EndMs": 1300, "SpeakerId": 1, "SpeechSpeed": 2.5, "EmotionType": ["neutral"]},
                         {"FinalSentence": "您好，这里是客服中心", "StartMs": 1500, "EndMs": 3600, "SpeakerId": 0}]"#;
        for text in [
            format!(
                r#"{{"Response": {{"Data": {{"TaskId": 522931820, "StatusStr": "success", "ResultDetail": {detail}}}, "RequestId": "r"}}}}"#
            ),
            format!(r#"{{"Data": {{"ResultDetail": {detail}}}}}"#),
        ] {
            assert!(sniff(&text));
            let call = read("t.json", &text).unwrap();
            assert_eq!(call.turns.len(), 2);
            assert_eq!(call.turns[0].speaker, "speaker 1");
            assert_eq!(call.turns[0].meta["speech_rate"], "150");
            assert_eq!(call.turns[0].meta["emotion"], "neutral");
            assert_eq!((call.turns[1].start, call.turns[1].end), (Some(1.5), Some(3.6)));
        }
    }

    #[test]
    fn failed_task_and_bad_sentence() {
        let e = read("t.json", r#"{"Response": {"Data": {"StatusStr": "failed", "ResultDetail": null}}}"#).unwrap_err();
        assert!(e.message.contains("\"failed\""), "{e}");
        let e = read(
            "t.json",
            "{\"Data\": {\"ResultDetail\": [\n {\"FinalSentence\": \"好\", \"StartMs\": \"x\", \"EndMs\": 3}]}}",
        )
        .unwrap_err();
        assert!(e.source.starts_with("t.json:2:"), "{e}");
        assert!(e.message.contains("invalid type"), "{e}");
    }
}
