//! Guessing the input format from content, so users rarely need `--input-format`.
//! The rules are few and ordered: JSON-ish first (`{` / `[`), then JSON Lines whose first line
//! is junk (a `#` comment, a banner, a broken record), then a CSV header, then labelled text
//! lines. Speech-recognition exports (Aliyun, Tencent, AWS Transcribe, WhisperX, Harper Valley,
//! WebVTT, SRT) are recognised by the keys or layout their vendors document ([`super::vendor`]),
//! before the generic shapes they would otherwise be taken for.

use super::{InputFormat, plain, vendor};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// The format of `text`, or `None` when nothing fits.
pub fn detect(text: &str) -> Option<InputFormat> {
    let trimmed = text.trim_start();
    let first_line = trimmed.lines().next().unwrap_or_default();
    let first = trimmed.chars().next()?;
    if matches!(first, '{' | '[' | 'W' | '0'..='9')
        && let Some(f) = vendor::detect(trimmed)
    {
        return Some(f);
    }
    if first == '{' && looks_like_jsonl(text) {
        return Some(InputFormat::Jsonl);
    }
    // A file that is one JSON document is JSON whatever its lines look like; only a file that is
    // not is asked whether it is JSON Lines past a bad first line.
    // (One parse: an object is probed for its keys as it is checked.)
    let probe = match first {
        '{' => serde_json::from_str::<Probe>(trimmed).ok(),
        _ => None,
    };
    let one_document = probe.is_some() || (first == '[' && serde_json::from_str::<IgnoredAny>(text).is_ok());
    if !one_document && !opens_json_array(text, first_line) && has_call_line(text) {
        return Some(InputFormat::Jsonl);
    }
    match first {
        '{' if probe.is_some_and(|p| p.messages.is_some() && p.turns.is_none()) => Some(InputFormat::Openai),
        '{' => Some(InputFormat::Json),
        // `[00:01:05] 坐席：…` and `[SPEAKER 1]: …` also start with a bracket.
        '[' if plain::is_labelled_line(first_line) => Some(InputFormat::Text),
        // An unlabelled `[00:00:01] 喂` can open a text file; valid JSON or no labels → JSON
        // (whose parser then says where the JSON breaks).
        '[' if !one_document && text.lines().any(plain::is_labelled_line) => Some(InputFormat::Text),
        '[' => Some(InputFormat::Json),
        _ if is_csv_header(first_line) => Some(InputFormat::Csv),
        _ if text.lines().any(plain::is_labelled_line) => Some(InputFormat::Text),
        _ => None,
    }
}

/// JSON Lines: at least two non-empty lines and the first one is a complete JSON object on
/// its own (a pretty-printed document's first line never is).
pub(crate) fn looks_like_jsonl(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    first.starts_with('{') && lines.next().is_some() && serde_json::from_str::<IgnoredAny>(first).is_ok()
}

/// JSON Lines whatever its first line: some line is a whole call object on its own (an object
/// with `turns` or `messages`). A pretty-printed call document has no such line (its lines are
/// turns), so a broken one stays JSON and its parser says where it breaks.
pub(crate) fn has_call_line(text: &str) -> bool {
    text.lines().map(str::trim).any(|l| {
        l.starts_with('{')
            && l.ends_with('}')
            && serde_json::from_str::<Probe>(l).is_ok_and(|p| p.messages.is_some() || p.turns.is_some())
    })
}

/// A broken, pretty-printed JSON array of calls: it opens with `[` (or `[{…},`) and has an
/// element line `{…},`. It stays JSON even when one of its elements sits alone on a line, and
/// its parser says where it breaks; a `[` line before JSON Lines records is only a bad line.
fn opens_json_array(text: &str, first_line: &str) -> bool {
    let line = first_line.trim();
    let opens = line.strip_prefix('[').is_some_and(|rest| {
        let rest = rest.trim_start();
        (rest.is_empty() || rest.starts_with('{')) && serde_json::from_str::<IgnoredAny>(line).is_err()
    });
    opens
        && text.lines().map(str::trim).any(|l| {
            l.strip_suffix(',').is_some_and(|e| {
                let e = e.trim_start_matches('[').trim();
                e.starts_with('{') && e.ends_with('}') && serde_json::from_str::<IgnoredAny>(e).is_ok()
            })
        })
}

/// Only the two keys matter; everything else is skipped without building values.
#[derive(Deserialize)]
struct Probe {
    messages: Option<IgnoredAny>,
    turns: Option<IgnoredAny>,
}

/// A first line whose comma-separated names include `speaker` and `text`.
fn is_csv_header(line: &str) -> bool {
    let names: Vec<String> = line.split(',').map(|f| f.trim().trim_matches('"').trim().to_ascii_lowercase()).collect();
    names.len() >= 2 && names.iter().any(|n| n == "speaker") && names.iter().any(|n| n == "text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        assert_eq!(detect("{\n  \"turns\": []\n}"), Some(InputFormat::Json));
        assert_eq!(detect("  [{\"turns\": []}]"), Some(InputFormat::Json));
        assert_eq!(detect("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"), Some(InputFormat::Openai));
        assert_eq!(detect("{\"id\": 1, \"messages\": []}"), Some(InputFormat::Openai));
        // Broken JSON is still JSON: the parser reports where it breaks.
        assert_eq!(detect("{\"turns\": ["), Some(InputFormat::Json));
    }

    #[test]
    fn jsonl() {
        let t = "{\"turns\": []}\n\n{\"turns\": []}\n";
        assert_eq!(detect(t), Some(InputFormat::Jsonl));
        let t = "{\"messages\": []}\n{\"messages\": []}\n";
        assert_eq!(detect(t), Some(InputFormat::Jsonl));
        // A bad later line does not change the verdict; it becomes that line's error.
        assert_eq!(detect("{\"turns\": []}\n{oops\n"), Some(InputFormat::Jsonl));
        // A single line is one JSON document.
        assert_eq!(detect("{\"turns\": []}\n"), Some(InputFormat::Json));
    }

    /// Issue 18: a junk or `#` first line made a whole JSON Lines file one "cannot detect" error.
    #[test]
    fn jsonl_past_a_bad_first_line() {
        let call = "{\"turns\": [{\"speaker\": \"A\", \"text\": \"hi\"}]}";
        for first in ["# exported 2024-05-01", "junk", "{oops", "[1, 2]", "[", "A: hi", "call_id,speaker,text"] {
            let text = format!("{first}\n{call}\n{call}\n");
            assert_eq!(detect(&text), Some(InputFormat::Jsonl), "{first}");
        }
        // Pretty-printed documents stay JSON, broken or not.
        let pretty = "{\n  \"turns\": [\n    {\"speaker\": \"A\", \"text\": \"hi\"}\n  ]\n";
        assert_eq!(detect(pretty), Some(InputFormat::Json));
        let array = format!("[\n  {call},\n  {call}\n");
        assert_eq!(detect(&array), Some(InputFormat::Json));
        assert_eq!(detect(&format!("[\n  {call},\n  {call}\n]")), Some(InputFormat::Json));
    }

    #[test]
    fn csv() {
        assert_eq!(detect("call_id,speaker,text\nc1,A,hi\n"), Some(InputFormat::Csv));
        assert_eq!(detect("\"Text\",\"Speaker\"\nhi,A\n"), Some(InputFormat::Csv));
        assert_eq!(detect("speaker;text\n"), None);
    }

    #[test]
    fn text() {
        assert_eq!(detect("坐席：您好\n客户：你好"), Some(InputFormat::Text));
        assert_eq!(detect("# id: h07\nA: hi\n"), Some(InputFormat::Text));
        assert_eq!(detect("[00:01:05] 坐席：您好"), Some(InputFormat::Text));
        assert_eq!(detect("[SPEAKER 1]: hello"), Some(InputFormat::Text));
        assert_eq!(detect("spk0: 你好"), Some(InputFormat::Text));
        assert_eq!(detect("[00:00:01] 喂\n[00:00:02] A: 你好"), Some(InputFormat::Text));
        assert_eq!(detect("[1, 2,"), Some(InputFormat::Json));
    }

    #[test]
    fn asr_exports() {
        let aliyun = r#"{"TaskId": "t", "Result": {"Sentences": [{"BeginTime": 0, "EndTime": 1, "Text": "喂", "ChannelId": 0}]}}"#;
        assert_eq!(detect(aliyun), Some(InputFormat::Aliyun));
        assert_eq!(detect(r#"{"Response": {"Data": {"ResultDetail": []}}}"#), Some(InputFormat::Tencent));
        assert_eq!(detect(r#"{"jobName": "j", "results": {"items": []}}"#), Some(InputFormat::Transcribe));
        assert_eq!(
            detect(r#"{"segments": [{"start": 0, "end": 1, "text": "x", "speaker": "A"}]}"#),
            Some(InputFormat::Whisper)
        );
        assert_eq!(detect("[{\"speaker_role\": \"agent\", \"start_ms\": 1}]"), Some(InputFormat::HarperValley));
        assert_eq!(detect("WEBVTT\n\n00:00.000 --> 00:01.000\n<v A>hi\n"), Some(InputFormat::Vtt));
        assert_eq!(detect("1\n00:00:00,000 --> 00:00:01,000\n坐席：您好\n"), Some(InputFormat::Srt));
        // A call object with turns stays JSON even when it has a `segments` key.
        assert_eq!(detect(r#"{"segments": 1, "turns": []}"#), Some(InputFormat::Json));
    }

    #[test]
    fn nothing_fits() {
        assert_eq!(detect("今天天气很好。我们十点见。"), None);
        assert_eq!(detect("see https://example.com at 10:30"), None);
        assert_eq!(detect(""), None);
    }
}
