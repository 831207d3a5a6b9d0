//! Property tests of the rubric loader (issue #5, "no panics"): arbitrary strings, TOML-shaped
//! noise and mutations of the default rubric through `rubric::from_str` (parse, validate,
//! compile). The answer is always a compiled rubric or a list of errors, each located inside the
//! file, never a panic; and whatever rubric loads scores calls without panicking (odd weights,
//! empty lexicons and extreme thresholds included), with consistent results.

mod proptest_support;

use callqa::rubric::{self, DEFAULT_RUBRIC, RubricErrors};
use callqa::{Engine, Options};
use proptest::prelude::*;
use proptest_support::*;

const PATH: &str = "rubrics/prop.toml";

/// Errors name the rubric and, when located, a line and column inside it.
fn check(source: &str, result: Result<rubric::CompiledRubric, RubricErrors>) {
    let Err(errors) = result else { return };
    assert!(!errors.0.is_empty(), "Err with no error in it");
    let lines = source.split('\n').count();
    for e in &errors.0 {
        assert_eq!(e.path, PATH);
        assert!(!e.message.trim().is_empty(), "an error without a message");
        if let Some(span) = e.span {
            assert!(span.line >= 1 && span.line <= lines, "line {} of {lines}: {}", span.line, e.message);
            assert!(span.column >= 1, "column 0: {}", e.message);
        }
    }
    let _ = errors.to_string();
}

/// Calls the edited rubrics score: two dev fixtures that exercise most rules.
const CALLS: &[(&str, &[u8])] = &[
    ("faithful_contact.txt", include_bytes!("../fixtures/dev/faithful_contact.txt")),
    ("viol_op001_guarantee.txt", include_bytes!("../fixtures/dev/viol_op001_guarantee.txt")),
];

/// A rubric that loaded must score: no panic, every result consistent.
fn score_with(rubric: rubric::CompiledRubric) {
    let engine = Engine::new(rubric, Options::default());
    for (name, bytes) in CALLS {
        for call in engine.score_bytes(name, bytes).into_iter().flatten() {
            check_call(&call);
        }
    }
}

/// One edit of a rubric: the ways a hand-edited file goes wrong.
#[derive(Debug, Clone)]
enum Edit {
    /// Delete line `i`.
    DeleteLine(usize),
    /// Duplicate line `i` (duplicate ids, keys defined twice).
    DuplicateLine(usize),
    /// Swap lines `i` and `j` (keys under the wrong table).
    SwapLines(usize, usize),
    /// Cut the file at character `i` (a truncated copy).
    Truncate(usize),
    /// Insert text at character `i`.
    Insert(usize, String),
    /// Replace the value of the assignment on line `i`.
    ReplaceValue(usize, String),
    /// Replace the `i`-th number with another (well-typed, maybe nonsensical) number.
    ReplaceNumber(usize, String),
    /// Replace the contents of the `i`-th string literal (well-typed: regexes, phrases, ids).
    ReplaceString(usize, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let value = proptest::sample::select(
        &[
            "-1",
            "0",
            "1e400",
            "nan",
            "inf",
            "-inf",
            "\"\"",
            "\"(\"",
            "\"@nope\"",
            "[]",
            "[\"\"]",
            "{}",
            "true",
            "\"critical\"",
            "\"bogus\"",
            "9999999999999999999999",
            "0.5",
            "[[1]]",
            "\"[\"",
            "'''x'''",
        ][..],
    )
    .prop_map(str::to_string);
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::SwapLines(i, j)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), any_text(12)).prop_map(|(i, s)| Edit::Insert(i, s)),
        (any::<usize>(), prop_oneof![value, any_text(10)]).prop_map(|(i, s)| Edit::ReplaceValue(i, s)),
        (any::<usize>(), proptest::sample::select(&["0", "-1", "-0.0", "1e308", "0.0001", "1000000", "101", "2"][..]))
            .prop_map(|(i, v)| Edit::ReplaceNumber(i, v.to_string())),
        (
            any::<usize>(),
            prop_oneof![
                any_text(12),
                proptest::sample::select(&["", "(", "[", "\\", "@nope", "@", ".*", "a{99999}", "^$", "x|"][..])
                    .prop_map(str::to_string),
            ]
        )
            .prop_map(|(i, s)| Edit::ReplaceString(i, s)),
    ]
}

fn apply(source: &str, edit: &Edit) -> String {
    let mut lines: Vec<String> = source.split('\n').map(str::to_string).collect();
    let n = lines.len();
    match edit {
        Edit::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Edit::DuplicateLine(i) => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
        }
        Edit::SwapLines(i, j) => lines.swap(i % n, j % n),
        Edit::Truncate(i) => return source.chars().take(i % (source.chars().count() + 1)).collect(),
        Edit::Insert(i, s) => {
            let at = i % (source.chars().count() + 1);
            let mut out: String = source.chars().take(at).collect();
            out.push_str(s);
            out.extend(source.chars().skip(at));
            return out;
        }
        Edit::ReplaceValue(i, v) => {
            // The i-th assignment line, cyclically.
            let assignments: Vec<usize> = (0..n).filter(|&k| lines[k].contains(" = ")).collect();
            if let Some(&k) = assignments.get(i % assignments.len().max(1)) {
                let key = lines[k].split(" = ").next().unwrap_or_default().to_string();
                lines[k] = format!("{key} = {v}");
            }
        }
        Edit::ReplaceNumber(i, v) => {
            let numbers: Vec<usize> = (0..n).filter(|&k| number_value(&lines[k]).is_some()).collect();
            if let Some(&k) = numbers.get(i % numbers.len().max(1)) {
                let key = lines[k].split(" = ").next().unwrap_or_default().to_string();
                lines[k] = format!("{key} = {v}");
            }
        }
        Edit::ReplaceString(i, v) => {
            // serde_json's escaping is valid TOML basic-string escaping.
            let literal = serde_json::to_string(v).unwrap_or_default();
            let strings: Vec<(usize, usize)> = string_literals(source);
            if let Some(&(s, e)) = strings.get(i % strings.len().max(1)) {
                return format!("{}{literal}{}", &source[..s], &source[e..]);
            }
        }
    }
    lines.join("\n")
}

/// `key = 12.5` → the number.
fn number_value(line: &str) -> Option<f64> {
    line.split_once(" = ")?.1.trim().parse().ok()
}

/// Byte ranges of the `"…"` literals of a TOML text (simple scan: comments and literal
/// strings are not special-cased, which only makes some edits odder).
fn string_literals(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' && b[j] != b'\n' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            if j < b.len() && b[j] == b'"' {
                out.push((i, j + 1));
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

proptest! {
    #![proptest_config(config(200))]

    /// Arbitrary text and TOML-shaped noise.
    #[test]
    fn arbitrary_text_never_panics(
        text in prop_oneof![
            any_text(200),
            proptest::collection::vec(
                proptest::sample::select(&[
                    "[rubric]\n", "[[steps]]\n", "[[rules]]\n", "[[signals]]\n", "[[facts]]\n", "[[end_conditions]]\n",
                    "[criteria.steps]\n", "[lexicons]\n", "[roles]\n", "id = \"x\"\n", "version = \"1\"\n",
                    "type = \"forbid\"\n", "cues = { any = [\"您好\"] }\n", "regex = [\"(\"]\n", "weight = -1\n",
                    "code = \"X1\"\n", "criterion = \"style\"\n", "severity = \"major\"\n", "message = \"m\"\n",
                    "within = 0\n", "pass_score = 101\n", "value = 1e309\n", "unit = \"\"\n", "all = [\"nope\"]\n",
                ][..]),
                0..30,
            ).prop_map(|v| v.concat()),
        ]
    ) {
        check(&text, rubric::from_str(PATH, &text));
    }

    /// One to three edits of the default rubric.
    #[test]
    fn edited_default_rubric_never_panics(edits in proptest::collection::vec(edit(), 1..4)) {
        let text = edits.iter().fold(DEFAULT_RUBRIC.to_string(), |t, e| apply(&t, e));
        match rubric::from_str(PATH, &text) {
            Ok(compiled) => score_with(compiled),
            errors => check(&text, errors),
        }
    }
}
