//! JSON Lines: one call object per line (either the `turns` or the OpenAI `messages` shape).
//! A bad line fails alone; blank lines are skipped; each call's source is `path:LINE`.

use super::LineIndex;
use super::RawCall;
use super::json::{Record, parse_record};
use crate::error::InputError;

/// Parses every non-blank line as one call.
pub(crate) fn parse(source: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    let total = records(text);
    parse_chunk(source, text, Chunk { first_line: 1, first_record: 1, total })
}

/// Number of records (non-blank lines) in `text`.
pub(crate) fn records(text: &str) -> usize {
    text.split('\n').filter(|l| !l.trim().is_empty()).count()
}

/// Where a chunk of lines sits in its file, for a file read in pieces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk {
    /// File line number of the chunk's first line (1-based).
    pub(crate) first_line: usize,
    /// Number (1-based) of the chunk's first record among the file's records.
    pub(crate) first_record: usize,
    /// Records in the whole file, or any number above 1 when only that much is known (a
    /// record's default id depends only on whether it is the file's single record).
    pub(crate) total: usize,
}

/// Parses the lines of `text`, a piece of the file `source` placed by `chunk`; sources,
/// positions and default ids are those a parse of the whole file gives.
pub(crate) fn parse_chunk(source: &str, text: &str, chunk: Chunk) -> Vec<Result<RawCall, InputError>> {
    let index = LineIndex::starting_at(text, chunk.first_line);
    let mut lines = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split('\n').enumerate() {
        if !line.trim().is_empty() {
            lines.push((chunk.first_line + n, offset, offset + line.len()));
        }
        offset += line.len() + 1;
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, (line_no, start, end))| {
            let record_source = format!("{source}:{line_no}");
            let rec = Record { file: source, source: &record_source, text, index: &index, start, end };
            parse_record(&rec, chunk.first_record + i, chunk.total)
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
    fn chunks_parse_like_the_whole_file() {
        let text = "{\"turns\": [{\"speaker\": \"坐席\", \"text\": \"您好\"}]}\n\n\
                    {\"turns\": [{\"speaker\": \"坐席\", \"text\": \"您好\"},]}\n\
                    {\"turns\": [{\"speaker\": \"客户\", \"text\": \"喂\"}]}";
        let whole = parse("d/sims.jsonl", text);
        let (head, tail) = text.split_at(text.find("\n\n").unwrap() + 2);
        let mut pieces = parse_chunk(
            "d/sims.jsonl",
            head.trim_end_matches('\n'),
            Chunk { first_line: 1, first_record: 1, total: 3 },
        );
        pieces.extend(parse_chunk("d/sims.jsonl", tail, Chunk { first_line: 3, first_record: 2, total: 2 }));
        assert_eq!(whole, pieces);
        assert_eq!(whole[1].as_ref().unwrap_err().source, "d/sims.jsonl:3:44");
        assert_eq!(whole[2].as_ref().unwrap().id, "sims#3");
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
