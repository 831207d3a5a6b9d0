//! Aliyun 录音文件识别 (file transcription) results, as `GetTaskResult` returns them:
//! `{"TaskId", "StatusText": "SUCCESS", "Result": {"Sentences": [{"BeginTime", "EndTime",
//! "Text", "ChannelId", "SpeechRate"?, "EmotionValue"?, "SilenceDuration"?}]}}`.
//! Times are milliseconds; `SpeechRate` is characters per minute, `SilenceDuration` the
//! silence before the sentence in seconds, `EmotionValue` 1–10.
//! Documented at <https://help.aliyun.com/document_detail/90727.htm>.

use super::{JsonDoc, Reader, Timed, check_times, format_number, has_path, into_call, ms, read_sentences};
use crate::error::InputError;
use crate::transcript::{InputFormat, Position, RawCall};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Registered in [`super::READERS`].
pub(super) const READER: Reader = Reader { format: InputFormat::Aliyun, sniff, parse };

fn sniff(text: &str) -> bool {
    has_path(text, &["Result", "Sentences"])
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(
    expecting = "an Aliyun sentence like {\"BeginTime\": 340, \"EndTime\": 2365, \"Text\": \"…\", \"ChannelId\": 0}"
)]
struct SentenceDoc {
    begin_time: f64,
    end_time: f64,
    text: String,
    channel_id: Option<i64>,
    speech_rate: Option<f64>,
    emotion_value: Option<f64>,
    silence_duration: Option<f64>,
}

fn parse(file: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    vec![read(file, text)]
}

fn read(file: &str, text: &str) -> Result<RawCall, InputError> {
    let doc = JsonDoc::open(file, text)?;
    if let Some(status) =
        doc.get::<String>(&["StatusText"]).filter(|s| s != "SUCCESS" && s != "SUCCESS_WITH_NO_VALID_FRAGMENT")
    {
        return Err(doc.error_at(
            doc.root(),
            format!("the task's StatusText is \"{status}\", not SUCCESS: it has no result to read"),
        ));
    }
    let sentences =
        read_sentences(&doc, &["Result", "Sentences"], "Result.Sentences", |s: SentenceDoc, pos: Position| {
            check_times(s.begin_time, s.end_time, "BeginTime", "EndTime")?;
            let mut meta = Vec::new();
            if let Some(v) = s.speech_rate {
                meta.push(("speech_rate", format_number(v)));
            }
            if let Some(v) = s.emotion_value {
                meta.push(("emotion", format_number(v)));
            }
            if let Some(v) = s.silence_duration {
                meta.push(("silence_before_s", format_number(v)));
            }
            Ok(Some(Timed {
                speaker: format!("channel {}", s.channel_id.unwrap_or(0)),
                text: s.text,
                start: ms(s.begin_time),
                end: ms(s.end_time),
                pos,
                meta,
            }))
        })?;
    let mut meta = BTreeMap::new();
    if let Some(id) = doc.get::<String>(&["TaskId"]) {
        meta.insert("task_id".to_string(), id);
    }
    Ok(into_call(file, None, meta, sentences, |_| None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_channels_times_and_vendor_fields() {
        let text = r#"{"TaskId": "t1", "StatusText": "SUCCESS", "Result": {"Sentences": [
  {"BeginTime": 340, "EndTime": 2365, "Text": "喂，你好", "ChannelId": 1, "SpeechRate": 88, "EmotionValue": 5.5, "SilenceDuration": 0},
  {"BeginTime": 2800, "EndTime": 6100, "Text": "您好，我是客服小王", "ChannelId": 0, "SpeechRate": 190}
]}}"#;
        let call = read("d/a.json", text).unwrap();
        assert_eq!(call.id, "a");
        assert_eq!(call.meta["task_id"], "t1");
        assert_eq!(call.turns[0].speaker, "channel 1");
        assert_eq!((call.turns[0].start, call.turns[0].end), (Some(0.34), Some(2.365)));
        assert_eq!(call.turns[0].meta["emotion"], "5.5");
        assert_eq!(call.turns[1].meta["speech_rate"], "190");
        assert_eq!(call.turns[1].pos, Position { line: 3, column: 3 });
    }

    #[test]
    fn bad_times_point_at_the_sentence() {
        let text =
            "{\"Result\": {\"Sentences\": [\n  {\"BeginTime\": 3000, \"EndTime\": 1000, \"Text\": \"你好\"}\n]}}";
        let e = read("a.json", text).unwrap_err();
        assert_eq!(e.source, "a.json:2:3");
        assert!(e.message.contains("EndTime is before BeginTime"), "{e}");
        let text = "{\"Result\": {\"Sentences\": [\n  {\"EndTime\": 1000, \"Text\": \"你好\"}\n]}}";
        let e = read("a.json", text).unwrap_err();
        assert!(e.message.contains("missing field `BeginTime`"), "{e}");
        assert!(e.source.starts_with("a.json:2:"), "{e}");
        let e = read("a.json", r#"{"StatusText": "FILE_DOWNLOAD_FAILED", "Result": {"Sentences": []}}"#).unwrap_err();
        assert!(e.message.contains("FILE_DOWNLOAD_FAILED"), "{e}");
    }
}
