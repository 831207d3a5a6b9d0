//! SRT subtitles with speakers: numbered cues `1` / `00:00:01,000 --> 00:00:03,000` / text
//! whose first line starts with `坐席：` (or a WebVTT-style `<v 坐席>`).
//! Format: <https://en.wikipedia.org/wiki/SubRip#Format> (as documented by the SubRip authors).

use super::{Reader, into_call, subtitle};
use crate::error::InputError;
use crate::transcript::{InputFormat, RawCall};
use std::collections::BTreeMap;

/// Registered in [`super::READERS`].
pub(super) const READER: Reader = Reader { format: InputFormat::Srt, sniff, parse };

/// A cue number on the first line, a `-->` timing on the second.
fn sniff(text: &str) -> bool {
    let mut lines = text.lines();
    let (Some(n), Some(t)) = (lines.next(), lines.next()) else {
        return false;
    };
    let n = n.trim();
    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && matches!(subtitle::timing(t), Some(Ok(_)))
}

fn parse(file: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    vec![subtitle::cues(file, text, |_| false).map(|cues| into_call(file, None, BTreeMap::new(), cues, |_| None))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefixed_cues() {
        let text = "1\n00:00:00,500 --> 00:00:02,000\n坐席：您好，\n我是客服小王。\n\n2\n00:00:02,400 --> 00:00:03,000\n客户：嗯。\n";
        assert!(sniff(text));
        let call = parse("c.srt", text).remove(0).unwrap();
        assert_eq!(call.turns[0].text, "您好，我是客服小王。");
        assert_eq!((call.turns[1].start, call.turns[1].end), (Some(2.4), Some(3.0)));
        assert_eq!(call.turns[1].speaker, "客户");
        assert!(!sniff("1\n坐席：你好\n"));
    }
}
