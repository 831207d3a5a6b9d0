//! Loading a rubric: TOML text → [`RubricFile`] → validation, with every problem located at
//! `file:line:column`.

use super::error::{RubricError, RubricErrors, Span};
use super::model::RubricFile;
use super::validate::validate;

/// Parses and validates rubric text. `path` is only used in messages.
pub fn parse(path: &str, source: &str) -> Result<RubricFile, RubricErrors> {
    let file: RubricFile = toml::from_str(source).map_err(|e| {
        let span = e.span().map(|r| Span::at_offset(r.start));
        let message = e.message().trim().to_string();
        let hint = hint_for(&message);
        RubricErrors(vec![RubricError::new(span, message, &hint).locate(path, source)])
    })?;
    let mut errors: Vec<RubricError> = validate(&file, source).into_iter().map(|e| e.locate(path, source)).collect();
    // Report in file order, like a compiler.
    errors.sort_by_key(|e| e.span.map(|s| (s.line, s.column)));
    if errors.is_empty() { Ok(file) } else { Err(RubricErrors(errors)) }
}

/// A hint for the common serde messages.
fn hint_for(message: &str) -> String {
    if message.starts_with("unknown field") {
        "check the spelling; every key is listed in docs/rubric.md".into()
    } else if message.starts_with("missing field") {
        "this key is required here; see docs/rubric.md".into()
    } else if message.starts_with("invalid type") {
        "the value has the wrong type (a list where one string is expected, a string for a number …)".into()
    } else if message.starts_with("unknown variant") {
        "use one of the values listed above".into()
    } else {
        "see docs/rubric.md for the rubric format".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[rubric]
id = "t"
version = "1"

[[steps]]
id = "greeting"
cues = { any = ["您好"] }
"#;

    #[test]
    fn minimal_rubric_loads() {
        let f = parse("r.toml", MINIMAL).unwrap();
        assert_eq!(f.steps.len(), 1);
    }

    #[test]
    fn unknown_key_is_located() {
        let src = MINIMAL.replace("id = \"greeting\"", "id = \"greeting\"\ncuez = 1");
        let err = parse("r.toml", &src).unwrap_err().to_string();
        assert!(err.starts_with("r.toml:"), "{err}");
        assert!(err.contains("unknown field `cuez`"), "{err}");
    }

    #[test]
    fn all_validation_errors_are_reported_at_once() {
        let src = format!(
            "{MINIMAL}\n[[steps]]\nid = \"greeting\"\ncues = {{ regex = [\"(\"] }}\n\n[[end_conditions]]\nid = \"x\"\nall = [\"nope\"]\n"
        );
        let errs = parse("r.toml", &src).unwrap_err();
        let text = errs.to_string();
        assert!(text.contains("duplicate step id `greeting`"), "{text}");
        assert!(text.contains("invalid regex"), "{text}");
        assert!(text.contains("undefined signal `nope`"), "{text}");
        assert!(errs.0.iter().all(|e| e.span.is_some_and(|s| s.line > 1)), "{text}");
    }

    #[test]
    fn knowledge_problems_are_reported() {
        let src = format!(
            r#"{MINIMAL}
[knowledge]
within = 0

[[knowledge.entries]]
id = "switch_back"
ask = {{ any = ["退回"] }}
facts = [{{ fact = "nope" }}, {{ id = "both", cues = {{ any = ["可以"] }}, fact = "x" }}]
min_facts = 3

[[knowledge.entries]]
id = "switch_back"
ask = {{ any = ["@missing"] }}

[[rules]]
id = "a"
code = "AN001"
criterion = "answers"
type = "answer"
severity = "major"
message = "m"
entries = ["ghost"]

[[rules]]
id = "b"
code = "AN004"
criterion = "answers"
type = "answer"
status = "unmatched"
severity = "info"
message = "m"
entries = ["switch_back"]
within = 2

[[rules]]
id = "c"
code = "AN005"
criterion = "answers"
type = "answer"
status = "answered"
severity = "info"
message = "m"

[[rules]]
id = "d"
code = "XX001"
criterion = "style"
type = "forbid"
severity = "minor"
message = "m"
status = "unanswered"
cues = {{ any = ["x"] }}
"#
        );
        let text = parse("r.toml", &src).unwrap_err().to_string();
        for want in [
            "knowledge.within = 0",
            "duplicate knowledge entry id `switch_back`",
            "refers to undefined fact `nope`",
            "fact `both` needs exactly one of `cues` or `fact`",
            "min_facts = 3 but 2 key facts",
            "uses undefined lexicon `@missing`",
            "can never be answered",
            "rule `a` (answer) needs a `status`",
            "refers to undefined knowledge entry `ghost`",
            "unmatched questions belong to no entry",
            "rule `b` sets `within`",
            "status `answered`, which is not a problem",
            "rule `d` sets `status`",
        ] {
            assert!(text.contains(want), "missing `{want}` in:\n{text}");
        }
    }

    #[test]
    fn answer_rules_need_a_knowledge_base() {
        let src = format!(
            "{MINIMAL}\n[[rules]]\nid = \"a\"\ncode = \"AN001\"\ncriterion = \"answers\"\ntype = \"answer\"\nstatus = \"unanswered\"\nseverity = \"major\"\nmessage = \"m\"\n"
        );
        let text = parse("r.toml", &src).unwrap_err().to_string();
        assert!(text.contains("has no [[knowledge.entries]]"), "{text}");
    }

    #[test]
    fn the_default_rubric_has_a_knowledge_base() {
        let f = parse("default", crate::rubric::DEFAULT_RUBRIC).unwrap();
        let k = f.knowledge.expect("default rubric has [knowledge]");
        for id in ["price_fixed", "offline_signup", "offer_duration", "travel_service", "multi_numbers", "switch_back"]
        {
            assert!(k.entries.iter().any(|e| e.id.get_ref() == id), "missing {id}");
        }
    }
}
