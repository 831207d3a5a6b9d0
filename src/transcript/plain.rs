//! Plain-text transcripts: `说话人：内容` lines, optional timestamps, continuation lines and
//! `# key: value` metadata at the top.
//!
//! The label rules are deliberately conservative because a false label silently invents a
//! speaker: a label sits at the start of a line, is at most 20 characters and 3 words, has no
//! sentence punctuation, and is followed by `:` or `：`. `http://…` and times like `10:30` are
//! content, not labels.

use super::{Position, RawCall, RawTurn, chars_before, excerpt, file_stem, parse_time, push_continuation};
use crate::error::InputError;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

const MAX_LABEL_CHARS: usize = 20;
const MAX_LABEL_WORDS: usize = 3;

/// A clock: `hh:mm:ss`, `mm:ss`, with an optional `.fff` / `,fff` fraction.
const CLOCK: &str = r"\d{1,3}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?";

/// `[start]` or `[start - end]` (also `-->`, `~`, `,`, `–`), or a bare `hh:mm:ss` followed by
/// whitespace. A bare `mm:ss` is not accepted: `10:30 到` would be ambiguous.
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    let sep = r"\s*(?:-->|-|–|~|,)\s*";
    let pattern = format!(
        r"^(?:\[\s*(?P<s>{CLOCK})(?:{sep}(?P<e>{CLOCK}))?\s*\]|(?P<bs>\d{{1,3}}:\d{{1,2}}:\d{{1,2}}(?:[.,]\d{{1,3}})?)(?:{sep}(?P<be>{CLOCK}))?\s)"
    );
    Regex::new(&pattern).expect("the timestamp pattern is a valid regex")
});

/// One classified line.
#[derive(Debug, PartialEq)]
struct Labelled<'a> {
    speaker: &'a str,
    content: &'a str,
    start: Option<f64>,
    end: Option<f64>,
}

/// Whether `line` starts a turn (`说话人：内容`, with optional timestamp / brackets).
pub(crate) fn is_labelled_line(line: &str) -> bool {
    !line.trim_start().starts_with('#') && split_line(line).0.is_some()
}

/// Splits a line into its label part (if any) and the text a continuation line contributes:
/// a `[..]` timestamp is dropped from it, a bare clock is kept (it may be content: `10:30:00 开会`).
fn split_line(line: &str) -> (Option<Labelled<'_>>, &str) {
    let line = line.trim();
    let Some(c) = TIMESTAMP.captures(line) else {
        return (label(line).map(|(speaker, content)| Labelled { speaker, content, start: None, end: None }), line);
    };
    let start = c.name("s").or_else(|| c.name("bs")).and_then(|m| parse_time(m.as_str()));
    let end = c.name("e").or_else(|| c.name("be")).and_then(|m| parse_time(m.as_str()));
    let after = c.get(0).map_or(0, |m| m.end());
    let rest = line.get(after..).unwrap_or_default().trim_start();
    match label(rest) {
        Some((speaker, content)) => (Some(Labelled { speaker, content, start, end }), rest),
        None if c.name("s").is_some() => (None, rest),
        None => (None, line),
    }
}

/// `label: content` → (label, content) of one line, by the rules in the module docs (also used
/// for subtitle cues that name their speaker with a prefix).
pub(crate) fn split_label(line: &str) -> Option<(&str, &str)> {
    label(line.trim())
}

/// `label: content` → (label, content) when the label passes the rules in the module docs.
fn label(s: &str) -> Option<(&str, &str)> {
    let (raw, after) = bracketed(s).or_else(|| plain_label(s))?;
    let content = after.trim_start();
    let sep = content.chars().next()?;
    if sep != ':' && sep != '：' {
        return None;
    }
    let content = &content[sep.len_utf8()..];
    let speaker = raw.trim();
    // `http://…`, `mailto://…`: the colon belongs to a URL.
    if content.starts_with("//") {
        return None;
    }
    // `10:30`, `下午3:30`: an ASCII colon between digits is a time, not a label separator.
    if sep == ':'
        && speaker.ends_with(|c: char| c.is_ascii_digit())
        && content.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    valid_label(speaker).then_some((speaker, content.trim()))
}

/// `[SPEAKER 1]: …` / `【客服】：…` → the text inside the brackets.
fn bracketed(s: &str) -> Option<(&str, &str)> {
    let close = match s.chars().next()? {
        '[' => ']',
        '【' => '】',
        _ => return None,
    };
    let open_len = s.chars().next()?.len_utf8();
    let inner_end = s.find(close)?;
    Some((s.get(open_len..inner_end)?, s.get(inner_end + close.len_utf8()..)?))
}

/// `坐席: …` → up to the first colon of either width.
fn plain_label(s: &str) -> Option<(&str, &str)> {
    let at = s.find([':', '：'])?;
    Some((&s[..at], &s[at..]))
}

fn valid_label(label: &str) -> bool {
    const PUNCT: &[char] = &[
        '，', '。', '！', '？', '、', '；', '…', '“', '”', '‘', '’', '「', '」', '《', '》', ',', '.', '!', '?', ';',
        '"', '\'', '/', '\\', '=', '<', '>', '{', '}', '[', ']', '#', '：', ':',
    ];
    !label.is_empty()
        && label.chars().count() <= MAX_LABEL_CHARS
        && label.split_whitespace().count() <= MAX_LABEL_WORDS
        && !label.contains(PUNCT)
}

/// One line of a text file, classified.
enum Line<'a> {
    /// `label：content`, with the text the line would contribute as a continuation.
    Turn(Labelled<'a>, &'a str),
    /// Anything else: a continuation of the turn before.
    More(&'a str),
}

/// Parses a whole text file into one call. `aliases` are labels known to be speakers besides the
/// built-in ones (the rubric's agent and customer aliases, `--agent` / `--customer`).
///
/// A label only starts a turn when it is a speaker of this call: a known alias, a generic
/// diarization label (`A`, `SPEAKER 1`, `spk0`), a label that starts two turns or more — or any
/// label while the call has fewer than two such speakers besides it. Otherwise the line is text
/// of the turn before: 「特点：保证绝对不降速」 inside an agent's turn is not a speaker 特点.
pub(crate) fn parse(source: &str, text: &str, aliases: &[String]) -> Result<RawCall, InputError> {
    let mut meta = BTreeMap::new();
    let mut id = None;
    let mut lines: Vec<(Line<'_>, Position)> = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        let line_no = n + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let column = chars_before(line, line.len() - line.trim_start().len()) + 1;
        let pos = Position { line: line_no, column };
        // Metadata and comments only count before the first turn; later `#` lines are content.
        if lines.is_empty()
            && let Some(body) = trimmed.strip_prefix('#')
        {
            if let Some((key, value)) = body.split_once([':', '：']) {
                let (key, value) = (key.trim(), value.trim());
                if key.eq_ignore_ascii_case("id") || key.eq_ignore_ascii_case("call_id") {
                    id = Some(value.to_string()).filter(|v| !v.is_empty());
                } else if !key.is_empty() {
                    meta.insert(key.to_string(), value.to_string());
                }
            }
            continue;
        }
        match split_line(line) {
            (Some(l), rest) => lines.push((Line::Turn(l, rest), pos)),
            (None, rest) if !lines.is_empty() => lines.push((Line::More(rest), pos)),
            (None, _) => {
                return Err(InputError::at(
                    source,
                    line_no,
                    column,
                    format!(
                        "expected a speaker line like \"坐席：您好\" (or \"# key: value\" \
                         metadata) before the first turn, found \"{}\"",
                        excerpt(trimmed, 30)
                    ),
                ));
            }
        }
    }
    let speakers = Speakers::of(&lines, aliases);
    let mut turns: Vec<RawTurn> = Vec::new();
    for (line, pos) in lines {
        match line {
            Line::Turn(l, _) if turns.is_empty() || speakers.starts_turn(l.speaker) => turns.push(RawTurn {
                speaker: l.speaker.to_string(),
                text: l.content.to_string(),
                start: l.start,
                end: l.end,
                role_hint: None,
                pos,
                sentences: Vec::new(),
                meta: Default::default(),
            }),
            Line::Turn(_, rest) | Line::More(rest) => {
                if let Some(turn) = turns.last_mut() {
                    push_continuation(&mut turn.text, rest);
                }
            }
        }
    }
    Ok(RawCall { id: id.unwrap_or_else(|| file_stem(source)), source: source.to_string(), meta, turns })
}

/// Who speaks in a call: what decides whether a labelled line starts a turn.
struct Speakers<'a> {
    /// Labels and the number of lines each starts.
    counts: std::collections::HashMap<&'a str, usize>,
    /// Labels that are speakers whatever their count.
    known: std::collections::HashSet<&'a str>,
    /// Speakers established in the call: known labels and labels of two lines or more.
    established: usize,
}

impl<'a> Speakers<'a> {
    fn of(lines: &[(Line<'a>, Position)], aliases: &[String]) -> Self {
        let mut counts = std::collections::HashMap::new();
        for (line, _) in lines {
            if let Line::Turn(l, _) = line {
                *counts.entry(l.speaker).or_insert(0usize) += 1;
            }
        }
        let known: std::collections::HashSet<&str> =
            counts.keys().copied().filter(|label| super::roles::is_speaker_label(label, aliases)).collect();
        let established = counts.iter().filter(|&(label, &n)| n >= 2 || known.contains(label)).count();
        Speakers { counts, known, established }
    }

    /// Whether a line labelled `label` starts a turn of its own.
    fn starts_turn(&self, label: &str) -> bool {
        let count = self.counts.get(label).copied().unwrap_or(0);
        // An unknown label on one line, in a call that has two established speakers besides it,
        // is a colon inside someone's sentence.
        self.known.contains(label) || count >= 2 || self.established < 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(line: &str) -> Option<(String, String)> {
        split_line(line).0.map(|l| (l.speaker.to_string(), l.content.to_string()))
    }

    fn pair(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.to_string(), b.to_string()))
    }

    #[test]
    fn label_shapes() {
        assert_eq!(labelled("坐席：您好"), pair("坐席", "您好"));
        assert_eq!(labelled("客户: 你好"), pair("客户", "你好"));
        assert_eq!(labelled("  A:hi"), pair("A", "hi"));
        assert_eq!(labelled("[SPEAKER 1]: hello there"), pair("SPEAKER 1", "hello there"));
        assert_eq!(labelled("【客服】：您好"), pair("客服", "您好"));
        assert_eq!(labelled("spk0: 你好"), pair("spk0", "你好"));
        assert_eq!(labelled("说话人1：2点可以"), pair("说话人1", "2点可以"));
        assert_eq!(labelled("客户(张强)：嗯"), pair("客户(张强)", "嗯"));
        assert_eq!(labelled("坐席："), pair("坐席", ""));
    }

    #[test]
    fn not_labels() {
        assert_eq!(labelled("https://example.com/a:b"), None);
        assert_eq!(labelled("10:30 我们见"), None);
        assert_eq!(labelled("下午3:30到公司"), None);
        assert_eq!(labelled("好的，那我跟您说：这个套餐"), None);
        assert_eq!(labelled("this is a very long sentence: with a colon"), None);
        assert_eq!(labelled("一二三四五六七八九十一二三四五六七八九十一：太长"), None);
        assert_eq!(labelled("没有冒号的一行"), None);
        assert_eq!(labelled("[未闭合：内容"), None);
        assert!(!is_labelled_line("# agent: 李明"));
    }

    #[test]
    fn timestamps() {
        let l = split_line("[00:01:05] 坐席：您好").0.unwrap();
        assert_eq!((l.speaker, l.content, l.start, l.end), ("坐席", "您好", Some(65.0), None));
        let l = split_line("[01:05]客户：嗯").0.unwrap();
        assert_eq!((l.speaker, l.start), ("客户", Some(65.0)));
        let l = split_line("00:01:05 A: hi").0.unwrap();
        assert_eq!((l.speaker, l.start), ("A", Some(65.0)));
        let l = split_line("[00:00:01.500 --> 00:00:03,250] [SPEAKER 2]: ok").0.unwrap();
        assert_eq!((l.speaker, l.start, l.end), ("SPEAKER 2", Some(1.5), Some(3.25)));
    }

    #[test]
    fn whole_file_with_metadata_and_continuations() {
        let text = "# id: h07\n# agent: 李明\n# a comment\n\n[00:00:01] 坐席：您好，\n我是李明\n\
                    [00:00:05] 客户：hello\nworld\n# not metadata here\n坐席：10:30 可以吗？\n";
        let call = parse("calls/x.txt", text, &[]).unwrap();
        assert_eq!(call.id, "h07");
        assert_eq!(call.source, "calls/x.txt");
        assert_eq!(call.meta.get("agent").map(String::as_str), Some("李明"));
        assert_eq!(call.meta.len(), 1);
        let texts: Vec<_> = call.turns.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["您好，我是李明", "hello world # not metadata here", "10:30 可以吗？"]);
        assert_eq!(call.turns[0].start, Some(1.0));
        assert_eq!(call.turns[1].pos, Position { line: 7, column: 1 });
        assert_eq!(call.turns[2].start, None);
    }

    #[test]
    fn id_defaults_to_file_stem() {
        let call = parse("dir/h08.txt", "A: 你好\nB: 嗯", &[]).unwrap();
        assert_eq!(call.id, "h08");
        assert_eq!(call.turns.len(), 2);
    }

    #[test]
    fn text_before_first_turn_is_an_error() {
        let e = parse("x.txt", "# id: 1\n\n  这是一段没有说话人的文字\nA: hi\n", &[]).unwrap_err();
        assert_eq!(e.source, "x.txt:3:3");
        assert!(e.message.contains("这是一段没有说话人的文字"), "{e}");
    }

    /// Issue 18: 「特点：保证绝对不降速」 on a line of its own is the agent's text, not a turn of a
    /// new speaker 特点 (whose critical OP001 went unseen).
    #[test]
    fn a_colon_in_a_sentence_is_not_a_new_speaker() {
        let text = "坐席：您好，这个套餐有三个\n特点：保证绝对不降速\n客户：嗯\n坐席：好的\n";
        let call = parse("x.txt", text, &[]).unwrap();
        let texts: Vec<_> = call.turns.iter().map(|t| (t.speaker.as_str(), t.text.as_str())).collect();
        assert_eq!(texts, [("坐席", "您好，这个套餐有三个特点：保证绝对不降速"), ("客户", "嗯"), ("坐席", "好的")]);
        // A rubric alias is a speaker even on one line; so is a label of two lines or more.
        let text = "坐席：您好\n客户：嗯\n李明：我是李明\n王五：喂\n王五：在吗\n";
        let call = parse("x.txt", text, &["李明".to_string()]).unwrap();
        let speakers: Vec<_> = call.turns.iter().map(|t| t.speaker.as_str()).collect();
        assert_eq!(speakers, ["坐席", "客户", "李明", "王五", "王五"]);
        // With fewer than two established speakers, every label stands: 王芳 and 刘先生 speak once.
        let call = parse("x.txt", "王芳：您好\n刘先生：嗯\n", &[]).unwrap();
        assert_eq!(call.turns.len(), 2);
        let call = parse("x.txt", "坐席：您好\n坐席：在吗\n张三：嗯\n", &[]).unwrap();
        assert_eq!(call.turns.len(), 3);
    }

    #[test]
    fn odd_input_never_panics() {
        for t in ["：", ":", "[", "【", "[]:", "【】：x", "# :", "#", "[00:00]", "00:00:00 ", "A:\u{0}"] {
            let _ = parse("x", t, &[]);
            let _ = is_labelled_line(t);
        }
    }
}
