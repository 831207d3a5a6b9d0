//! WebVTT with speakers: a `WEBVTT` header, then cues whose text names the speaker with a
//! voice span (`<v 坐席>您好`) or a `坐席：` prefix.
//! Format: <https://www.w3.org/TR/webvtt1/> (cue timings §4.1, voice spans `<v>` §4.2.2).

use super::{Reader, into_call, subtitle};
use crate::error::InputError;
use crate::transcript::{InputFormat, RawCall};
use std::collections::BTreeMap;

/// Registered in [`super::READERS`].
pub(super) const READER: Reader = Reader { format: InputFormat::Vtt, sniff, parse };

fn sniff(text: &str) -> bool {
    text.starts_with("WEBVTT") && text[6..].chars().next().is_none_or(|c| c.is_whitespace())
}

/// The header block and NOTE / STYLE / REGION blocks carry no speech.
fn skip(first_line: &str) -> bool {
    let l = first_line.trim_start_matches('\u{feff}').trim();
    l.starts_with("WEBVTT") || l.starts_with("NOTE") || l == "STYLE" || l == "REGION"
}

fn parse(file: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    vec![subtitle::cues(file, text, skip).map(|cues| into_call(file, None, BTreeMap::new(), cues, |_| None))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_voice_spans() {
        let text = "WEBVTT\n\nNOTE 导出自质检平台\n\n1\n00:00:00.500 --> 00:00:02.000\n<v 坐席>您好，我是客服小王。\n\n00:00:02.400 --> 00:00:03.000\n<v 客户>嗯，你好。\n";
        assert!(sniff(text));
        let call = parse("c.vtt", text).remove(0).unwrap();
        let t: Vec<_> = call.turns.iter().map(|t| (t.speaker.as_str(), t.text.as_str(), t.start, t.end)).collect();
        assert_eq!(
            t,
            [("坐席", "您好，我是客服小王。", Some(0.5), Some(2.0)), ("客户", "嗯，你好。", Some(2.4), Some(3.0))]
        );
        assert_eq!(call.turns[1].pos.line, 10);
    }

    #[test]
    fn a_cue_without_speaker_is_an_error_at_its_line() {
        let e = parse("c.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n你好\n").remove(0).unwrap_err();
        assert_eq!(e.source, "c.vtt:4:1");
        let e = parse("c.vtt", "WEBVTT\n\n00:00:03.000 --> 00:00:02.000\n<v A>你好\n").remove(0).unwrap_err();
        assert_eq!(e.source, "c.vtt:3:1");
        assert!(!sniff("WEBVTTX"));
    }
}
