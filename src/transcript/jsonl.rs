//! JSON Lines: one call object per line (either the `turns` or the OpenAI `messages` shape).
//! A bad line fails alone; blank lines are skipped; each call's source is `path:LINE`.

use super::LineIndex;
use super::RawCall;
use super::json::{Record, parse_record};
use crate::error::InputError;

/// Parses every non-blank line as one call.
pub(crate) fn parse(source: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    let index = LineIndex::new(text);
    let mut lines = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split('\n').enumerate() {
        if !line.trim().is_empty() {
            lines.push((n + 1, offset, offset + line.len()));
        }
        offset += line.len() + 1;
    }
    let total = lines.len();
    lines
        .into_iter()
        .enumerate()
        .map(|(i, (line_no, start, end))| {
            let record_source = format!("{source}:{line_no}");
            let rec = Record { file: source, source: &record_source, text, index: &index, start, end };
            parse_record(&rec, i + 1, total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fail_alone() {
        let text = "{\"id\": \"c1\", \"turns\": [{\"speaker\": \"坐席\", \"text\": \"您好\"}]}\n\
                    \n\
                    {\"turns\": [{\"speaker\": \"坐席\", \"text\": \"您好\"},]}\n\
                    {\"messages\": [{\"role\": \"assistant\", \"content\": \"hi\"}]}\n";
        let calls = parse("d/sims.jsonl", text);
        assert_eq!(calls.len(), 3);
        let c1 = calls[0].as_ref().unwrap();
        assert_eq!((c1.id.as_str(), c1.source.as_str()), ("c1", "d/sims.jsonl:1"));
        let e = calls[1].as_ref().unwrap_err();
        assert_eq!(e.source, "d/sims.jsonl:3:44");
        let c3 = calls[2].as_ref().unwrap();
        assert_eq!((c3.id.as_str(), c3.source.as_str()), ("sims#3", "d/sims.jsonl:4"));
        assert_eq!(c3.turns[0].pos.line, 4);
    }

    #[test]
    fn array_line_is_an_error() {
        let calls = parse("x.jsonl", "[1]\n{\"turns\": [{\"speaker\": \"A\", \"text\": \"b\"}]}\n");
        let e = calls[0].as_ref().unwrap_err();
        assert_eq!(e.source, "x.jsonl:1:1");
        assert!(e.message.contains("call object"), "{e}");
        assert!(calls[1].is_ok());
    }
}
