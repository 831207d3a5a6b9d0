//! What WebVTT and SRT share: cue timings (`00:00:01.000 --> 00:00:03.500`) and who speaks a
//! cue — a WebVTT voice span `<v 坐席>…`, or a `坐席：` prefix as in plain-text transcripts.

use super::Timed;
use crate::transcript::{Position, parse_time};

/// `start --> end` of a cue timing line (cue settings after the end time are ignored).
pub(super) fn timing(line: &str) -> Option<Result<(f64, f64), String>> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next().unwrap_or_default();
    let (Some(s), Some(e)) = (parse_time(start.trim()), parse_time(end)) else {
        return Some(Err(format!("\"{}\" is not a cue timing: expected hh:mm:ss.mmm --> hh:mm:ss.mmm", line.trim())));
    };
    Some(super::check_times(s, e, "the start", "the end").map(|()| (s, e)))
}

/// The speaker and text of a cue's payload lines.
pub(super) fn speaker_and_text(payload: &[&str]) -> Option<(String, String)> {
    let joined = payload.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>();
    let first = joined.first()?;
    let (speaker, first_text) = if let Some(rest) = first.strip_prefix("<v") {
        // `<v Name>text` or `<v.loud Name>text`: the name runs to the closing `>`.
        let close = rest.find('>')?;
        let name = rest[..close].trim_start_matches(|c: char| c != ' ' && c != '\t').trim();
        (name.to_string(), rest[close + 1..].to_string())
    } else {
        let (speaker, text) = crate::transcript::plain::split_label(first)?;
        (speaker.to_string(), text.to_string())
    };
    let mut text = String::new();
    for part in std::iter::once(first_text.as_str()).chain(joined[1..].iter().copied()) {
        crate::transcript::push_continuation(&mut text, &strip_tags(part));
    }
    (!speaker.is_empty()).then_some((speaker, text))
}

/// Removes `<…>` markup (`</v>`, `<i>`, `<00:00:01.000>` timestamps) from cue text.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = false;
    for c in s.chars() {
        match c {
            '<' => depth = true,
            '>' if depth => depth = false,
            _ if !depth => out.push(c),
            _ => {}
        }
    }
    out
}

/// Reads the cues of a subtitle file: blocks separated by blank lines, each with a timing
/// line; `skip` says whether a block is not a cue (the WebVTT header, NOTE, STYLE).
pub(super) fn cues(file: &str, text: &str, skip: fn(&str) -> bool) -> Result<Vec<Timed>, crate::error::InputError> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let begin = i;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
        let block = &lines[begin..i];
        if skip(block[0]) {
            continue;
        }
        // The timing is the first or (after a cue id / SRT number) second line.
        let Some(t) = block.iter().take(2).position(|l| l.contains("-->")) else {
            return Err(crate::error::InputError::at(
                file,
                begin + 1,
                1,
                format!("expected a cue timing line (00:00:01.000 --> 00:00:03.000), found \"{}\"", block[0].trim()),
            ));
        };
        let line_no = begin + t + 1;
        let (start, end) = timing(block[t])
            .unwrap_or_else(|| Err("no timing".into()))
            .map_err(|m| crate::error::InputError::at(file, line_no, 1, m))?;
        let pos = Position { line: line_no + 1, column: 1 };
        let Some((speaker, text)) = speaker_and_text(&block[t + 1..]) else {
            return Err(crate::error::InputError::at(
                file,
                line_no + 1,
                1,
                "the cue names no speaker: expected <v 坐席>… or a \"坐席：\" prefix",
            ));
        };
        out.push(Timed { speaker, text, start, end, pos, meta: Vec::new() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_spans_and_prefixes() {
        assert_eq!(
            speaker_and_text(&["<v 坐席>您好，</v>", "我是客服"]),
            Some(("坐席".into(), "您好，我是客服".into()))
        );
        assert_eq!(speaker_and_text(&["<v.loud 张三>喂"]), Some(("张三".into(), "喂".into())));
        assert_eq!(speaker_and_text(&["客户：<i>好的</i>"]), Some(("客户".into(), "好的".into())));
        assert_eq!(speaker_and_text(&["没有说话人"]), None);
        assert_eq!(timing("00:00:01.000 --> 00:00:02.500 align:start"), Some(Ok((1.0, 2.5))));
        assert!(timing("00:00:03,000 --> 00:00:02,000").unwrap().unwrap_err().contains("before"));
        assert!(timing("soon --> later").unwrap().is_err());
    }
}
