//! Reports: the batch model ([`Results`], output contract v1) and one writer per format, each
//! writing to any `io::Write`. [`output`] writes a report directory atomically.

pub mod aggregate;
pub mod csv;
pub mod escape;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod output;
pub mod redact;
pub mod store;
pub mod summary;
pub mod table;
pub mod timeline;
pub mod wording;

use crate::error::InputError;
use crate::eval::result::CallResult;
pub use aggregate::Aggregate;
use serde::{Deserialize, Serialize};

/// The identity of the rubric a batch was scored with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RubricRef {
    /// Rubric id.
    pub id: String,
    /// Rubric version.
    pub version: String,
    /// The title of every step that has one, by step id: reports name steps by title. Kept in
    /// the results (not looked up in the rubric) so that `merge` writes the same reports as
    /// one run. Absent in results written before it existed.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub step_titles: std::collections::BTreeMap<String, String>,
}

impl RubricRef {
    /// A reference without step titles.
    pub fn new(id: impl Into<String>, version: impl Into<String>) -> RubricRef {
        RubricRef { id: id.into(), version: version.into(), step_titles: Default::default() }
    }

    /// The reference to a compiled rubric, with the titles of its steps.
    pub fn of(rubric: &crate::rubric::CompiledRubric) -> RubricRef {
        RubricRef {
            id: rubric.file.rubric.id.clone(),
            version: rubric.file.rubric.version.clone(),
            step_titles: rubric
                .steps
                .iter()
                .filter(|s| s.title != s.id)
                .map(|s| (s.id.clone(), s.title.clone()))
                .collect(),
        }
    }

    /// The title of step `id`, or the id when the rubric gives none.
    pub fn step_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.step_titles.get(id).map_or(id, String::as_str)
    }
}

/// A scored batch: every input record ends up in `calls` or `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Always `callqa/results/v1`.
    pub schema: String,
    /// The rubric used.
    pub rubric: RubricRef,
    /// The shard (`"i/n"`) this batch is, when it is one part of a sharded run (`--shard`);
    /// absent for a whole run. `merge` checks that its parts are shards 1..n of one run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::batch::Shard>,
    /// Calls, ordered by source path, then position in the file.
    pub calls: Vec<CallResult>,
    /// Records that could not be read, in the same order.
    pub errors: Vec<InputError>,
    /// The aggregate over the batch.
    pub aggregate: Aggregate,
}

/// The schema tag of output contract v1.
pub const SCHEMA: &str = "callqa/results/v1";

/// Sort key of a source `path`, `path:line` or `path:line:column`: the path, then the numbers.
pub fn source_key(source: &str) -> (&str, usize, usize) {
    let mut rest = source;
    let mut nums = Vec::new();
    while nums.len() < 2 {
        match rest.rsplit_once(':') {
            Some((head, tail)) if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) => {
                nums.push(tail.parse().unwrap_or(usize::MAX));
                rest = head;
            }
            _ => break,
        }
    }
    nums.reverse();
    (rest, nums.first().copied().unwrap_or(0), nums.get(1).copied().unwrap_or(0))
}

/// Orders input errors as every report lists them: by source path, line and column, then message.
pub fn sort_errors(errors: &mut [InputError]) {
    errors.sort_by(|a, b| source_key(&a.source).cmp(&source_key(&b.source)).then_with(|| a.message.cmp(&b.message)));
}

impl Results {
    /// Builds the batch model: orders calls and errors by source, then computes the aggregate
    /// (per `group_by` meta field when given).
    pub fn new(rubric: RubricRef, calls: Vec<CallResult>, errors: Vec<InputError>, group_by: Option<&str>) -> Self {
        Results::masked(rubric, calls, errors, group_by, None)
    }

    /// [`Results::new`], masking personal data with `redactor` (when given) after duplicate ids
    /// are found and before anything is aggregated: the aggregate (groups, questions, worst
    /// calls) then holds only masked text, exactly as a merge of masked shards computes it.
    pub fn masked(
        rubric: RubricRef,
        mut calls: Vec<CallResult>,
        mut errors: Vec<InputError>,
        group_by: Option<&str>,
        redactor: Option<&redact::Redactor>,
    ) -> Self {
        calls.sort_by(|a, b| source_key(&a.source).cmp(&source_key(&b.source)).then_with(|| a.call_id.cmp(&b.call_id)));
        // A call id names one call: a later call with the same id is reported, not scored twice
        // (the gate and compare match calls by id).
        let mut first_seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        let mut kept = Vec::with_capacity(calls.len());
        for c in calls {
            match first_seen.get(&c.call_id) {
                Some(first) => errors.push(InputError {
                    source: c.source.clone(),
                    message: format!(
                        "duplicate call id `{}` (first used by {first}); give each call a unique id",
                        c.call_id
                    ),
                }),
                None => {
                    first_seen.insert(c.call_id.clone(), c.source.clone());
                    kept.push(c);
                }
            }
        }
        let mut calls = kept;
        if let Some(r) = redactor {
            for c in &mut calls {
                r.call(c);
            }
            for e in &mut errors {
                r.error(e);
            }
        }
        sort_errors(&mut errors);
        let aggregate = aggregate::aggregate(&calls, &errors, group_by);
        Results { schema: SCHEMA.into(), rubric, shard: None, calls, errors, aggregate }
    }
}

#[cfg(test)]
mod tests {
    use super::source_key;

    #[test]
    fn sources_sort_by_path_then_line_numerically() {
        assert_eq!(source_key("a/b.jsonl:12"), ("a/b.jsonl", 12, 0));
        assert_eq!(source_key("a/b.json:3:7"), ("a/b.json", 3, 7));
        assert_eq!(source_key("c.txt"), ("c.txt", 0, 0));
        assert!(source_key("x.jsonl:9") < source_key("x.jsonl:10"));
    }
}
