//! Merging partial results into the results of one run over everything: `results.json` parts
//! of a sharded run (`report --shard i/n`), and JSON Lines result streams (`score --format
//! jsonl`, the output of a Spark `pipe()` stage), in any mix and any order.
//!
//! The aggregate is a pure function of the calls and errors ([`Results::new`] orders them and
//! finds duplicate ids), so merging is gathering the records — once the parts are known to add
//! up to one run. Refused: parts scored with different rubrics (id or version), the same record
//! in two parts (a part given twice, overlapping partitions), and a sharded run whose shards do
//! not come each exactly once.

use crate::batch::Shard;
use crate::error::InputError;
use crate::eval::result::CallResult;
use crate::report::{Results, RubricRef, SCHEMA};
use std::collections::{BTreeSet, HashMap};

/// One part, read.
#[derive(Debug)]
pub struct Part {
    /// Where it came from (a path, or `-`), for messages.
    pub name: String,
    /// The rubric it was scored with; None for an empty stream, which names none.
    pub rubric: Option<RubricRef>,
    /// Which shard of a sharded run it is.
    pub shard: Option<Shard>,
    /// The meta field its aggregate was grouped by.
    pub group_by: Option<String>,
    /// Its calls.
    pub calls: Vec<CallResult>,
    /// Its records that could not be read.
    pub errors: Vec<InputError>,
}

/// Why parts could not be merged; the message names the parts.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(String);

/// Reads a part from its text: a results.json (contract v1) or a JSON Lines result stream.
pub fn parse_part(name: &str, text: &str) -> Result<Part, MergeError> {
    let first = text.lines().find(|l| !l.trim().is_empty());
    let Some(first) = first else {
        // An empty stream: a partition that held no record.
        return Ok(Part {
            name: name.into(),
            rubric: None,
            shard: None,
            group_by: None,
            calls: vec![],
            errors: vec![],
        });
    };
    let is_stream = serde_json::from_str::<serde_json::Value>(first)
        .is_ok_and(|v| v.as_object().is_some_and(|o| !o.contains_key("schema")));
    if is_stream { parse_stream(name, text) } else { parse_results(name, text) }
}

fn parse_results(name: &str, text: &str) -> Result<Part, MergeError> {
    let r: Results = serde_json::from_str(text).map_err(|e| {
        MergeError(format!(
            "{name}:{}:{}: neither a callqa results.json (contract v1) nor a JSON Lines result stream: {e}",
            e.line(),
            e.column()
        ))
    })?;
    if r.schema != SCHEMA {
        return Err(MergeError(format!("{name}: schema `{}` is not `{SCHEMA}`", r.schema)));
    }
    Ok(Part {
        name: name.into(),
        rubric: Some(r.rubric),
        shard: r.shard,
        group_by: r.aggregate.groups.first().map(|g| g.field.clone()),
        calls: r.calls,
        errors: r.errors,
    })
}

fn parse_stream(name: &str, text: &str) -> Result<Part, MergeError> {
    let mut part = Part { name: name.into(), rubric: None, shard: None, group_by: None, calls: vec![], errors: vec![] };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |what: String| MergeError(format!("{name}:{}: {what}", i + 1));
        let mut v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| at(format!("not a JSON Lines result: {e}")))?;
        let Some(obj) = v.as_object_mut() else { return Err(at("not a JSON Lines result: not an object".into())) };
        let rubric: RubricRef = match obj.remove("rubric") {
            Some(r) => serde_json::from_value(r).map_err(|e| at(format!("invalid `rubric`: {e}")))?,
            None => {
                return Err(at(
                    "no `rubric`: not a line of `callqa score --format jsonl` (a stream written by an older callqa \
                     cannot be checked; score it again)"
                        .into(),
                ));
            }
        };
        match &part.rubric {
            None => part.rubric = Some(rubric),
            Some(r) if *r != rubric => {
                return Err(at(format!(
                    "scored with rubric {} v{}, the lines before with {} v{}",
                    rubric.id, rubric.version, r.id, r.version
                )));
            }
            Some(_) => {}
        }
        match obj.remove("error") {
            Some(e) => {
                part.errors.push(serde_json::from_value(e).map_err(|e| at(format!("invalid error record: {e}")))?)
            }
            None => part.calls.push(serde_json::from_value(v).map_err(|e| at(format!("invalid call result: {e}")))?),
        }
    }
    Ok(part)
}

/// Merges `parts` into the results of one run over all their records, aggregated per
/// `group_by` (default: the field the results.json parts were grouped by).
pub fn merge(parts: Vec<Part>, group_by: Option<&str>) -> Result<Results, MergeError> {
    let rubric = one_rubric(&parts)?;
    check_shards(&parts)?;
    check_disjoint(&parts)?;
    let group_by = group_by.map(str::to_string).or_else(|| parts.iter().find_map(|p| p.group_by.clone()));
    let (mut calls, mut errors) = (Vec::new(), Vec::new());
    for p in parts {
        calls.extend(p.calls);
        errors.extend(p.errors);
    }
    Ok(Results::new(rubric, calls, errors, group_by.as_deref()))
}

/// The rubric every part was scored with.
fn one_rubric(parts: &[Part]) -> Result<RubricRef, MergeError> {
    let mut first: Option<(&RubricRef, &str)> = None;
    for p in parts {
        let Some(r) = &p.rubric else { continue };
        match first {
            None => first = Some((r, &p.name)),
            Some((f, name)) if f != r => {
                return Err(MergeError(format!(
                    "{} was scored with rubric {} v{}, {name} with {} v{}: parts of one run share a rubric",
                    p.name, r.id, r.version, f.id, f.version
                )));
            }
            Some(_) => {}
        }
    }
    match first {
        Some((r, _)) => Ok(r.clone()),
        None => Err(MergeError(
            "no part holds a record (every part is an empty stream), so there is nothing to merge".into(),
        )),
    }
}

/// Parts of a sharded run must be its shards 1..n, each once, and nothing else.
fn check_shards(parts: &[Part]) -> Result<(), MergeError> {
    let Some(first) = parts.iter().find(|p| p.shard.is_some()) else { return Ok(()) };
    let n = first.shard.map_or(0, |s| s.count);
    let mut seen: HashMap<u64, &str> = HashMap::new();
    for p in parts {
        let Some(s) = p.shard else {
            return Err(MergeError(format!(
                "{} is shard {} of a sharded run, {} is no shard: merge the {n} shards of one run",
                first.name,
                first.shard.map(|s| s.to_string()).unwrap_or_default(),
                p.name
            )));
        };
        if s.count != n {
            return Err(MergeError(format!(
                "{} is shard {s}, {} is shard {}: the parts come from runs of different shard counts",
                p.name,
                first.name,
                first.shard.map(|s| s.to_string()).unwrap_or_default()
            )));
        }
        if let Some(other) = seen.insert(s.index, &p.name) {
            return Err(MergeError(format!(
                "shard {s} is given twice ({other} and {}): its records would be counted twice",
                p.name
            )));
        }
    }
    let missing: Vec<String> = (1..=n).filter(|i| !seen.contains_key(i)).map(|i| format!("{i}/{n}")).collect();
    if !missing.is_empty() {
        return Err(MergeError(format!(
            "shard{} {} {} missing: the merge would not be the whole run",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )));
    }
    Ok(())
}

/// No record may be in two parts: each names its record by its source (a call's `file:line`,
/// an error's source and message), which is unique within one run.
fn check_disjoint(parts: &[Part]) -> Result<(), MergeError> {
    let mut calls: HashMap<&str, usize> = HashMap::new();
    let mut errors: HashMap<(&str, &str), usize> = HashMap::new();
    let clash = |source: &str, a: usize, b: usize| {
        let hint = if parts[a].name == parts[b].name {
            "the same part is given twice".to_string()
        } else if source.starts_with("<stdin>") {
            "streams of stdin name their records alike: frame each record with its file and line (score --framed)"
                .to_string()
        } else {
            "a part given twice, or partitions that overlap".to_string()
        };
        MergeError(format!("{source} is in both {} and {}: {hint}", parts[a].name, parts[b].name))
    };
    for (i, p) in parts.iter().enumerate() {
        let mut own: BTreeSet<&str> = BTreeSet::new();
        for c in &p.calls {
            own.insert(&c.source);
        }
        for s in own {
            if let Some(j) = calls.insert(s, i) {
                return Err(clash(s, j, i));
            }
        }
        for e in &p.errors {
            if let Some(&j) = errors.get(&(e.source.as_str(), e.message.as_str()))
                && j != i
            {
                return Err(clash(&e.source, j, i));
            }
            errors.insert((&e.source, &e.message), i);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rubric(version: &str) -> RubricRef {
        RubricRef::new("r", version)
    }

    fn stream(lines: &[(&str, Option<&str>)], version: &str) -> String {
        let engine = crate::Engine::new(crate::rubric::default_rubric().unwrap(), crate::Options::default());
        let mut out = Vec::new();
        for (source, id) in lines {
            match id {
                Some(id) => {
                    let text = format!("坐席：您好，我是{id}\n客户：不需要\n");
                    let mut c = engine.score_bytes(source, text.as_bytes()).pop().unwrap().unwrap();
                    c.call_id = id.to_string();
                    crate::report::json::write_line(&c, &rubric(version), &mut out).unwrap();
                }
                None => {
                    let e = InputError::file(source, "bad");
                    crate::report::json::write_error_line(&e, &rubric(version), &mut out).unwrap();
                }
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streams_merge_in_any_order_into_one_run() {
        let a = stream(&[("x.txt", Some("c2")), ("w.txt", None)], "1");
        let b = stream(&[("a.txt", Some("c1")), ("z.txt", Some("c1"))], "1");
        let run = |order: [&str; 3]| {
            let parts = order.iter().enumerate().map(|(i, t)| parse_part(&format!("p{i}"), t).unwrap()).collect();
            merge(parts, None).unwrap()
        };
        let one = run([&a, &b, ""]);
        assert_eq!(one, run(["", &b, &a]));
        let sources: Vec<&str> = one.calls.iter().map(|c| c.source.as_str()).collect();
        assert_eq!(sources, ["a.txt", "x.txt"]);
        // The later use of an id is an error, as in one run; every record is counted.
        assert_eq!(one.errors.len(), 2);
        assert!(one.errors.iter().any(|e| e.source == "z.txt" && e.message.contains("duplicate call id `c1`")));
        assert_eq!(one.aggregate.read, 4);
    }

    #[test]
    fn parts_that_do_not_make_one_run_are_refused() {
        let a = stream(&[("x.txt", Some("c2"))], "1");
        let err = |parts: Vec<Part>| merge(parts, None).unwrap_err().to_string();
        let part = |name: &str, t: &str| parse_part(name, t).unwrap();
        assert!(err(vec![part("a", &a), part("a", &a)]).contains("the same part is given twice"));
        let other = stream(&[("y.txt", Some("c3"))], "2");
        assert!(err(vec![part("a", &a), part("b", &other)]).contains("rubric r v2"));
        let mixed = format!("{a}{other}");
        assert!(parse_part("m", &mixed).unwrap_err().to_string().starts_with("m:2: scored with rubric r v2"));
        let old = a.replace(",\"rubric\":{\"id\":\"r\",\"version\":\"1\"}", "");
        assert!(parse_part("old", &old).unwrap_err().to_string().contains("no `rubric`"));
        assert!(err(vec![part("e", ""), part("f", "\n")]).contains("nothing to merge"));
    }

    #[test]
    fn shards_must_come_each_once() {
        let shard = |name: &str, s: &str| Part {
            name: name.into(),
            rubric: Some(rubric("1")),
            shard: Some(s.parse().unwrap()),
            group_by: None,
            calls: vec![],
            errors: vec![InputError::file(&format!("{name}.txt"), "bad")],
        };
        assert!(merge(vec![shard("a", "1/2"), shard("b", "2/2")], None).is_ok());
        let err = |parts: Vec<Part>| merge(parts, None).unwrap_err().to_string();
        assert!(err(vec![shard("a", "1/3"), shard("b", "3/3")]).contains("shard 2/3 is missing"));
        assert!(
            err(vec![shard("a", "1/2"), shard("b", "1/2"), shard("c", "2/2")]).contains("shard 1/2 is given twice")
        );
        assert!(err(vec![shard("a", "1/2"), shard("b", "2/3")]).contains("different shard counts"));
        let mut whole = shard("w", "1/1");
        whole.shard = None;
        assert!(err(vec![shard("a", "1/2"), shard("b", "2/2"), whole]).contains("w is no shard"));
    }
}
