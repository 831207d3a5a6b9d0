//! CSV: a header with at least `speaker` and `text` (optional `call_id`, `start`, `end`,
//! `role`, any order, any case), one turn per row. Rows group into calls by `call_id` in order
//! of first appearance. A bad row fails the call it belongs to (so no call is scored with a turn
//! missing); a row whose call cannot be told becomes an error of its own.

use super::{Position, RawCall, RawTurn, excerpt, file_stem, parse_time, roles::role_from_name};
use crate::error::InputError;
use std::collections::{BTreeMap, HashMap};

/// Column indices found in the header.
struct Columns {
    speaker: usize,
    text: usize,
    call_id: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
    role: Option<usize>,
    count: usize,
}

impl Columns {
    fn from_header(header: &::csv::StringRecord) -> Option<Columns> {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        Some(Columns {
            speaker: find("speaker")?,
            text: find("text")?,
            call_id: find("call_id"),
            start: find("start"),
            end: find("end"),
            role: find("role"),
            count: names.len(),
        })
    }
}

/// A call being assembled; `error` keeps the first bad row.
struct Group {
    id: Option<String>,
    line: usize,
    turns: Vec<RawTurn>,
    error: Option<InputError>,
}

/// Parses a CSV file into calls (and errors), ordered by where each starts in the file.
pub(crate) fn parse(source: &str, text: &str) -> Vec<Result<RawCall, InputError>> {
    let mut reader = ::csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return vec![Err(InputError::line(source, 1, format!("cannot read the CSV header: {e}")))];
        }
    };
    let Some(cols) = Columns::from_header(&header) else {
        let found: Vec<&str> = header.iter().collect();
        let line = header.position().map_or(1, |p| p.line() as usize);
        return vec![Err(InputError::line(
            source,
            line,
            format!(
                "the CSV header must have \"speaker\" and \"text\" columns (optional: call_id, start, end, role); found {:?}",
                found
            ),
        ))];
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut orphans: Vec<(usize, InputError)> = Vec::new();
    for result in reader.records() {
        let row = match result {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                orphans.push((line, InputError::line(source, line, format!("bad CSV row: {e}"))));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line() as usize);
        let row_error = |m: String| InputError::line(source, line, m);
        // Which call the row belongs to, even if the row is otherwise bad.
        let group = match cols.call_id {
            None => 0,
            Some(c) => match row.get(c).map(str::trim).filter(|s| !s.is_empty()) {
                Some(id) => *by_id.entry(id.to_string()).or_insert_with(|| {
                    groups.push(Group { id: Some(id.to_string()), line, turns: Vec::new(), error: None });
                    groups.len() - 1
                }),
                None => {
                    orphans.push((line, row_error("the row has no call_id".into())));
                    continue;
                }
            },
        };
        if groups.is_empty() {
            groups.push(Group { id: None, line, turns: Vec::new(), error: None });
        }
        let Some(g) = groups.get_mut(group) else {
            continue;
        };
        if g.error.is_some() {
            continue;
        }
        match turn(&cols, &row, line) {
            Ok(t) => g.turns.push(t),
            Err(m) => g.error = Some(row_error(m)),
        }
    }
    let multi = cols.call_id.is_some();
    let mut out: Vec<(usize, Result<RawCall, InputError>)> = groups
        .into_iter()
        .map(|g| {
            let call_source = if multi { format!("{source}:{}", g.line) } else { source.to_string() };
            let result = match g.error {
                Some(e) => Err(e),
                None => Ok(RawCall {
                    id: g.id.unwrap_or_else(|| file_stem(source)),
                    source: call_source,
                    meta: BTreeMap::new(),
                    turns: g.turns,
                }),
            };
            (g.line, result)
        })
        .collect();
    out.extend(orphans.into_iter().map(|(line, e)| (line, Err(e))));
    out.sort_by_key(|(line, _)| *line);
    out.into_iter().map(|(_, r)| r).collect()
}

/// One row → one turn, or what is wrong with it.
fn turn(cols: &Columns, row: &::csv::StringRecord, line: usize) -> Result<RawTurn, String> {
    if row.len() != cols.count {
        return Err(format!("the row has {} fields, the header has {}", row.len(), cols.count));
    }
    let field = |i: Option<usize>| i.and_then(|i| row.get(i)).map(str::trim).filter(|s| !s.is_empty());
    let time = |name: &str, i: Option<usize>| -> Result<Option<f64>, String> {
        match field(i) {
            None => Ok(None),
            Some(v) => parse_time(v)
                .map(Some)
                .ok_or_else(|| format!("{name}: expected seconds or hh:mm:ss, found \"{}\"", excerpt(v, 20))),
        }
    };
    let role = field(cols.role);
    let role_hint = match role {
        None => None,
        Some(r) => Some(role_from_name(r).ok_or_else(|| format!("unknown role \"{r}\"; expected agent or customer"))?),
    };
    let speaker = field(Some(cols.speaker)).or(role).ok_or("the row has no speaker")?;
    Ok(RawTurn {
        speaker: speaker.to_string(),
        text: field(Some(cols.text)).unwrap_or_default().to_string(),
        start: time("start", cols.start)?,
        end: time("end", cols.end)?,
        role_hint,
        pos: Position { line, column: 1 },
        sentences: Vec::new(),
        meta: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Role;

    #[test]
    fn grouped_by_call_id_any_column_order() {
        let text = "text,Speaker,call_id,start\n\
                    您好,坐席,c2,0\n\
                    \"你好，什么事\",客户,c1,00:00:02\n\
                    \"多行\n内容\",坐席,c2,3.5\n";
        let calls = parse("d/batch.csv", text);
        assert_eq!(calls.len(), 2);
        let c2 = calls[0].as_ref().unwrap();
        assert_eq!((c2.id.as_str(), c2.source.as_str()), ("c2", "d/batch.csv:2"));
        assert_eq!(c2.turns.len(), 2);
        assert_eq!(c2.turns[1].text, "多行\n内容");
        assert_eq!(c2.turns[1].start, Some(3.5));
        assert_eq!(c2.turns[1].pos.line, 4);
        let c1 = calls[1].as_ref().unwrap();
        assert_eq!((c1.id.as_str(), c1.turns[0].text.as_str(), c1.turns[0].start), ("c1", "你好，什么事", Some(2.0)));
    }

    #[test]
    fn single_call_without_call_id() {
        let calls = parse("d/h03.csv", "speaker,text,role\nA,您好,agent\nB,嗯,\n");
        let c = calls[0].as_ref().unwrap();
        assert_eq!((c.id.as_str(), c.source.as_str()), ("h03", "d/h03.csv"));
        assert_eq!(c.turns[0].role_hint, Some(Role::Agent));
        assert_eq!(c.turns[1].role_hint, None);
    }

    #[test]
    fn bad_rows() {
        let text = "call_id,speaker,text,start\nc1,A,hi,0\nc2,A,hi,zz\nc1,B,ok,1\n,A,x,1\nc3,A\nc4,A,fine,\n";
        let calls = parse("x.csv", text);
        let summary: Vec<String> = calls
            .iter()
            .map(|c| match c {
                Ok(c) => format!("ok {} {}", c.id, c.turns.len()),
                Err(e) => format!("err {}", e.source),
            })
            .collect();
        assert_eq!(summary, ["ok c1 2", "err x.csv:3", "err x.csv:5", "err x.csv:6", "ok c4 1"]);
        assert!(calls[1].as_ref().unwrap_err().message.contains("start: expected seconds"));
        assert!(calls[3].as_ref().unwrap_err().message.contains("2 fields"));
    }

    #[test]
    fn header_without_required_columns() {
        let e = parse("x.csv", "who,said\nA,hi\n").remove(0).unwrap_err();
        assert_eq!(e.source, "x.csv:1");
        assert!(e.message.contains("\"speaker\" and \"text\""), "{e}");
    }
}
