//! Amazon Transcribe batch output JSON: `{"jobName", "results": {"transcripts", "items",
//! "speaker_labels"? | "channel_labels"?, "audio_segments"?}}`.
//!
//! When `results.audio_segments` is there (newer jobs), each segment is a sentence
//! (`transcript`, `start_time`, `end_time`, `speaker_label` or `channel_label`). Otherwise the
//! words of `results.items` (or of each `channel_labels.channels[].items`) are grouped: a new
//! sentence starts when the speaker or channel changes or after a pause of
//! [`PAUSE_S`] seconds; punctuation items join the word before them. Times are seconds,
//! written as strings.
//! Documented at <https://docs.aws.amazon.com/transcribe/latest/dg/diarization-output-batch.html>
//! and <https://docs.aws.amazon.com/transcribe/latest/dg/how-input.html#how-output>.

use super::{JsonDoc, Num, Reader, Timed, check_times, has_path, into_call, read_sentences};
use crate::error::InputError;
use crate::transcript::{InputFormat, Position, RawCall, push_continuation};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Registered in [`super::READERS`].
pub(super) const READER: Reader = Reader { format: InputFormat::Transcribe, sniff, parse };

/// A pause this long (seconds) between two words of one speaker starts a new sentence.
pub(crate) const PAUSE_S: f64 = 1.0;

fn sniff(text: &str) -> bool {
    has_path(text, &["results", "items"]) || has_path(text, &["results", "audio_segments"])
}

#[derive(Deserialize)]
#[serde(
    expecting = "an audio segment like {\"transcript\": \"…\", \"start_time\": \"4.87\", \"end_time\": \"6.88\", \"speaker_label\": \"spk_0\"}"
)]
struct SegmentDoc {
    transcript: String,
    start_time: Num,
    end_time: Num,
    speaker_label: Option<String>,
    channel_label: Option<String>,
}

#[derive(Deserialize)]
#[serde(
    expecting = "an item like {\"type\": \"pronunciation\", \"start_time\": \"4.87\", \"end_time\": \"5.02\", \"alternatives\": [{\"content\": \"…\"}]}"
)]
struct ItemDoc {
    #[serde(rename = "type")]
    kind: Option<String>,
    start_time: Option<Num>,
    end_time: Option<Num>,
    speaker_label: Option<String>,
    channel_label: Option<String>,
    #[serde(default)]
    alternatives: Vec<Alternative>,
}

#[derive(Deserialize)]
struct Alternative {
    content: String,
}

fn parse(file: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    vec![read(file, text)]
}

fn read(file: &str, text: &str) -> Result<RawCall, InputError> {
    let doc = JsonDoc::open(file, text)?;
    let root = doc.root();
    let sentences = if doc.find(root, &["results", "audio_segments"]).is_some() {
        read_sentences(
            &doc,
            &["results", "audio_segments"],
            "results.audio_segments",
            |s: SegmentDoc, pos: Position| {
                check_times(s.start_time.0, s.end_time.0, "start_time", "end_time")?;
                let speaker = s.speaker_label.or(s.channel_label).ok_or(
                    "the segment has no speaker_label or channel_label: \
                 run the job with ShowSpeakerLabels or ChannelIdentification",
                )?;
                Ok(Some(Timed {
                    speaker,
                    text: s.transcript,
                    start: s.start_time.0,
                    end: s.end_time.0,
                    pos,
                    meta: Vec::new(),
                }))
            },
        )?
    } else {
        let mut words = Vec::new();
        let channels = doc.find(root, &["results", "channel_labels", "channels"]).and_then(|at| doc.elements(at));
        match channels {
            // Channel identification: each channel lists its own items.
            Some(channels) if !channels.is_empty() => {
                for ch in channels {
                    let label: Option<String> = doc.find(ch.0, &["channel_label"]).and_then(|at| doc.get_at(at));
                    let at = doc
                        .find(ch.0, &["items"])
                        .ok_or_else(|| doc.error_at(ch.0, "expected the channel's \"items\""))?;
                    words.extend(items(&doc, at, label.as_deref())?);
                }
            }
            _ => {
                let at = doc.find(root, &["results", "items"]).unwrap_or(root);
                words.extend(items(&doc, at, None)?);
            }
        }
        group(words)
    };
    let mut meta = BTreeMap::new();
    if let Some(name) = doc.get::<String>(&["jobName"]) {
        meta.insert("job_name".to_string(), name);
    }
    Ok(into_call(file, None, meta, sentences, |_| None))
}

/// One word (or punctuation mark) with its speaker.
struct Word {
    speaker: String,
    text: String,
    /// `None` for punctuation, which has no time.
    time: Option<(f64, f64)>,
    pos: Position,
}

fn items(doc: &JsonDoc<'_>, at: usize, channel: Option<&str>) -> Result<Vec<Word>, InputError> {
    let elems = doc.elements(at).ok_or_else(|| doc.error_at(at, "expected results.items (an array)"))?;
    let mut out = Vec::with_capacity(elems.len());
    for range in elems {
        let pos = doc.position(range.0);
        let err = |m: String| InputError::at(doc.file, pos.line, pos.column, m);
        let item: ItemDoc = doc.value(range)?;
        let text = item.alternatives.into_iter().next().map(|a| a.content).unwrap_or_default();
        let punctuation = item.kind.as_deref() == Some("punctuation");
        let time = match (item.start_time, item.end_time) {
            (Some(s), Some(e)) => {
                check_times(s.0, e.0, "start_time", "end_time").map_err(err)?;
                Some((s.0, e.0))
            }
            _ if punctuation => None,
            _ => return Err(err("the word has no start_time / end_time".into())),
        };
        let speaker = match item.speaker_label.or(item.channel_label).or_else(|| channel.map(str::to_string)) {
            Some(s) => s,
            None if punctuation => String::new(),
            None => {
                return Err(err(
                    "the word has no speaker_label or channel_label: run the job with ShowSpeakerLabels or \
                     ChannelIdentification, or give the transcript as {\"turns\": [...]}"
                        .into(),
                ));
            }
        };
        out.push(Word { speaker, text, time, pos });
    }
    Ok(out)
}

/// Words → sentences: by start time (two channels interleave), split at a change of speaker
/// or a pause of [`PAUSE_S`]; punctuation stays with the word before it.
fn group(words: Vec<Word>) -> Vec<Timed> {
    let mut timed: Vec<&Word> = Vec::new();
    let mut out: Vec<Timed> = Vec::new();
    // Punctuation has no time: it follows the word it came after in its own list.
    let mut last_word: Option<usize> = None;
    let mut attached: Vec<(usize, String)> = Vec::new();
    for w in &words {
        match w.time {
            Some(_) => {
                last_word = Some(timed.len());
                timed.push(w);
            }
            None => {
                if let Some(i) = last_word {
                    attached.push((i, w.text.clone()));
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..timed.len()).collect();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (timed[a].time.map_or(0.0, |t| t.0), timed[b].time.map_or(0.0, |t| t.0));
        sa.total_cmp(&sb)
    });
    for i in order {
        let w = timed[i];
        let Some((start, end)) = w.time else { continue };
        let continues = out.last().is_some_and(|s| s.speaker == w.speaker && start - s.end < PAUSE_S);
        if !continues {
            out.push(Timed {
                speaker: w.speaker.clone(),
                text: String::new(),
                start,
                end,
                pos: w.pos,
                meta: Vec::new(),
            });
        }
        if let Some(s) = out.last_mut() {
            push_continuation(&mut s.text, &w.text);
            s.end = s.end.max(end);
            for (_, p) in attached.iter().filter(|(j, _)| *j == i) {
                s.text.push_str(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_segments_are_sentences() {
        let text = r#"{"jobName": "j1", "results": {"transcripts": [{"transcript": "…"}], "items": [],
 "audio_segments": [
  {"id": 0, "transcript": "您好，我是客服。", "start_time": "0.50", "end_time": "2.10", "speaker_label": "spk_0", "items": [0]},
  {"id": 1, "transcript": "你好。", "start_time": "2.40", "end_time": "3.00", "speaker_label": "spk_1", "items": [1]}
 ]}}"#;
        assert!(sniff(text));
        let call = read("aws.json", text).unwrap();
        assert_eq!(call.meta["job_name"], "j1");
        let t: Vec<_> = call.turns.iter().map(|t| (t.speaker.as_str(), t.text.as_str(), t.start, t.end)).collect();
        assert_eq!(t, [("spk_0", "您好，我是客服。", Some(0.5), Some(2.1)), ("spk_1", "你好。", Some(2.4), Some(3.0))]);
    }

    #[test]
    fn items_group_by_speaker_and_pause_with_punctuation_attached() {
        let w = |s: &str, e: &str, spk: &str, c: &str| {
            format!(
                r#"{{"start_time": "{s}", "end_time": "{e}", "speaker_label": "{spk}", "type": "pronunciation", "alternatives": [{{"content": "{c}"}}]}}"#
            )
        };
        let p = |c: &str| format!(r#"{{"type": "punctuation", "alternatives": [{{"content": "{c}"}}]}}"#);
        let items = [
            w("0.0", "0.4", "spk_0", "您好"),
            w("0.4", "0.9", "spk_0", "我是"),
            p("，"),
            w("3.0", "3.5", "spk_0", "客服"),
            w("3.6", "4.0", "spk_1", "好的"),
            p("。"),
        ]
        .join(",");
        let text = format!(r#"{{"results": {{"items": [{items}]}}}}"#);
        let call = read("aws.json", &text).unwrap();
        assert_eq!(call.turns[0].text, "您好我是，客服");
        // The 2.1 s pause splits the agent's words into two timed sentences of one turn.
        assert_eq!(call.turns[0].sentences.len(), 2);
        assert_eq!((call.turns[0].sentences[0].start, call.turns[0].sentences[0].end), (0.0, 0.9));
        assert_eq!(call.turns[1].text, "好的。");
        let bad = format!(
            r#"{{"results": {{"items": [{}]}}}}"#,
            r#"{"type": "pronunciation", "alternatives": [{"content": "x"}]}"#
        );
        let e = read("aws.json", &bad).unwrap_err();
        assert!(e.message.contains("no start_time"), "{e}");
        assert_eq!(e.source, "aws.json:1:24");
    }

    #[test]
    fn channel_identification_lists_items_per_channel() {
        let text = r#"{"results": {"items": [], "channel_labels": {"number_of_channels": 2, "channels": [
  {"channel_label": "ch_0", "items": [{"start_time": "1.0", "end_time": "2.0", "type": "pronunciation", "alternatives": [{"content": "您好"}]}]},
  {"channel_label": "ch_1", "items": [{"start_time": "0.2", "end_time": "0.6", "type": "pronunciation", "alternatives": [{"content": "喂"}]}]}
]}}}"#;
        let call = read("aws.json", text).unwrap();
        let t: Vec<_> = call.turns.iter().map(|t| (t.speaker.as_str(), t.text.as_str())).collect();
        assert_eq!(t, [("ch_1", "喂"), ("ch_0", "您好")]);
    }
}
