//! Loading a rubric: TOML text → [`RubricFile`] (with its `include`d list files merged in) →
//! validation, with every problem located at `file:line:column` of the file it is in.

use super::error::{RubricError, RubricErrors, Span};
use super::model::{LexiconDef, RubricFile, RubricFragment};
use super::validate::{undefined_lexicon, validate, validate_phrases};
use crate::text::normalize::normalize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Component, Path};

/// Where the files named by `include = [...]` are read from.
#[derive(Debug, Clone, Copy)]
pub enum Includes<'a> {
    /// From disk, relative to the including rubric's directory; a name found there is the
    /// rubric's own file, and one that is not falls back to the built-in list of that name.
    Disk,
    /// From a table of `(path, text)` compiled into the binary (the embedded default rubric).
    Embedded(&'a [(&'a str, &'a str)]),
}

/// The built-in list named `name` as written in an `include` (`common/privacy.toml`), from
/// `table`: `(the path it is reported under, its text)`.
fn builtin<'t>(table: &[(&'t str, &'t str)], name: &str) -> Option<(&'t str, &'t str)> {
    let key = format!("rubrics/{}", slash_path(Path::new(name)));
    table.iter().find(|(p, _)| *p == key).copied()
}

/// The names under which the built-in lists are included (`common/privacy.toml` …).
pub fn builtin_names() -> Vec<&'static str> {
    crate::rubric::EMBEDDED_INCLUDES.iter().filter_map(|(p, _)| p.strip_prefix("rubrics/")).collect()
}

impl Includes<'_> {
    /// Reads the include `name` of a rubric in `base`: `(the path it is reported under, its
    /// text)`, or why it cannot be read.
    fn read(&self, base: &Path, name: &str) -> Result<(String, String), String> {
        let full = base.join(name);
        let shown = slash_path(&full);
        match self {
            Includes::Disk => match std::fs::read_to_string(&full) {
                Ok(text) => Ok((shown, text)),
                // Not next to the rubric: the list shipped in the binary under the same name,
                // so a rubric written anywhere can include `common/privacy.toml`.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin(crate::rubric::EMBEDDED_INCLUDES, name)
                    .map(|(p, t)| (p.to_string(), t.to_string()))
                    .ok_or_else(|| format!("{shown} does not exist and no built-in list has that name")),
                Err(e) => Err(format!("{shown}: {e}")),
            },
            Includes::Embedded(table) => table
                .iter()
                .find(|(p, _)| *p == shown)
                .copied()
                .or_else(|| builtin(table, name))
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .ok_or_else(|| "not embedded in this binary".to_string()),
        }
    }
}

/// `a/b/../c` → `a/c`, with `/` separators whatever the platform, so embedded paths compare.
fn slash_path(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            Component::CurDir => {}
            // An absolute path: the empty first part makes `join` start with `/`.
            Component::RootDir => parts.push(String::new()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

/// Parses and validates rubric text, reading its includes from disk. `path` names the file in
/// messages and is the base of relative include paths.
pub fn parse(path: &str, source: &str) -> Result<RubricFile, RubricErrors> {
    parse_with(path, source, Includes::Disk)
}

/// Parses and validates rubric text, reading its includes from `includes`.
pub fn parse_with(path: &str, source: &str, includes: Includes) -> Result<RubricFile, RubricErrors> {
    let mut file: RubricFile = from_toml(path, source)?;
    let (mut errors, mut failed) = merge_includes(&mut file, path, source, includes);
    let mut found: Vec<RubricError> = validate(&file, source).into_iter().map(|e| e.locate(path, source)).collect();
    if !failed.is_empty() {
        // The lists an include that did not load would have defined are unknown: "undefined
        // lexicon" errors would only bury the cause. They are named on the include's error and
        // checked once it loads.
        let mut unchecked = BTreeSet::new();
        found.retain(|e| match undefined_lexicon(&e.message) {
            Some(name) => {
                unchecked.insert(format!("@{name}"));
                false
            }
            None => true,
        });
        if !unchecked.is_empty() {
            let names: Vec<String> = unchecked.into_iter().collect();
            let first = failed.iter_mut().find(|e| e.path == path).map(|e| e as &mut RubricError);
            let note = format!(
                "; the lexicons this rubric uses but does not define ({}) are checked once it loads",
                names.join(", ")
            );
            match first {
                Some(e) => e.hint.push_str(&note),
                None => failed[0].hint.push_str(&note),
            }
        }
    }
    errors.append(&mut failed);
    errors.extend(found);
    // Report in file order, like a compiler (included files after the rubric's own problems).
    errors.sort_by(|a, b| {
        (a.path != path, &a.path, a.span.map(|s| (s.line, s.column))).cmp(&(
            b.path != path,
            &b.path,
            b.span.map(|s| (s.line, s.column)),
        ))
    });
    if errors.is_empty() { Ok(file) } else { Err(RubricErrors(errors)) }
}

/// Deserializes TOML, turning serde's messages into located errors with a hint.
///
/// serde stops at the first unknown key, wrong type or missing key. To report them all at once
/// the document is parsed with spans, and after each error the entry it points at (the unknown
/// key, the mistyped value, the table missing a key) is cut out and the rest deserialized again.
/// A TOML syntax error still stops at the first.
fn from_toml<T: serde::de::DeserializeOwned>(path: &str, source: &str) -> Result<T, RubricErrors> {
    let first = match toml::from_str(source) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let located = |e: &toml::de::Error| {
        let span = e.span().map(|r| Span::at_offset(r.start));
        let message = e.message().trim().to_string();
        let hint = hint_for(&message);
        RubricError::new(span, message, &hint).locate(path, source)
    };
    let Ok(mut doc) = toml::de::DeTable::parse(source) else {
        // A syntax error: the rest of the file cannot be read reliably.
        let mut e = located(&first);
        e.hint.push_str("; the rest of the file is checked once the TOML syntax is fixed");
        return Err(RubricErrors(vec![e]));
    };
    let root = doc.span();
    let mut errors = Vec::new();
    // The keys cut out so far, with the span of their table: a `missing field` there is only
    // the echo of a mistyped required value already reported.
    let mut cut: Vec<(Range<usize>, String)> = Vec::new();
    let mut error = first;
    while errors.len() < MAX_STRUCTURE_ERRORS {
        let Some(span) = error.span() else {
            errors.push(located(&error));
            break;
        };
        let echo = error
            .message()
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
            .is_some_and(|key| cut.iter().any(|(s, k)| *s == span && k == key));
        if !echo {
            errors.push(located(&error));
        }
        match cut_table_entry(doc.get_mut(), root.clone(), &span) {
            Some(Some(entry)) => cut.push(entry),
            Some(None) => {}
            None => break,
        }
        match T::deserialize(toml::de::Deserializer::from(doc.clone())) {
            Ok(_) => break,
            Err(e) => error = e,
        }
    }
    errors.sort_by_key(|e| e.span.map(|s| (s.line, s.column)));
    Err(RubricErrors(errors))
}

/// More key and type errors than this are not worth listing before the first are fixed.
const MAX_STRUCTURE_ERRORS: usize = 100;

/// Removes the innermost entry of `table` (spanning `table_span`) whose key or value spans
/// exactly `span`: `Some(Some((table span, key)))` for a key of a table, `Some(None)` for an
/// element of an array, `None` when nothing spans it.
fn cut_table_entry(
    table: &mut toml::de::DeTable<'_>,
    table_span: Range<usize>,
    span: &Range<usize>,
) -> Option<Option<(Range<usize>, String)>> {
    let mut hit = None;
    for (key, value) in table.iter_mut() {
        let value_span = value.span();
        if let Some(cut) = cut_value_entry(value.get_mut(), value_span.clone(), span) {
            return Some(cut);
        }
        if key.span() == *span || value_span == *span {
            hit = Some(key.get_ref().to_string());
            break;
        }
    }
    let key = hit?;
    table.remove(key.as_str());
    Some(Some((table_span, key)))
}

/// [`cut_table_entry`] inside a value (a table, or the elements of an array).
fn cut_value_entry(
    value: &mut toml::de::DeValue<'_>,
    value_span: Range<usize>,
    span: &Range<usize>,
) -> Option<Option<(Range<usize>, String)>> {
    match value {
        toml::de::DeValue::Table(table) => cut_table_entry(table, value_span, span),
        toml::de::DeValue::Array(array) => {
            let mut hit = None;
            for (i, element) in array.iter_mut().enumerate() {
                let element_span = element.span();
                if let Some(cut) = cut_value_entry(element.get_mut(), element_span.clone(), span) {
                    return Some(cut);
                }
                if element_span == *span {
                    hit = Some(i);
                    break;
                }
            }
            let i = hit?;
            let items = std::mem::replace(array, toml::de::DeArray::new());
            *array = items.into_iter().enumerate().filter(|(j, _)| *j != i).map(|(_, v)| v).collect();
            Some(None)
        }
        _ => None,
    }
}

/// Reads every included file and merges its lists into `file`, then resolves the rubric's
/// lexicons (its own lists, and the changes it makes to other lists). Problems inside an
/// included file are located in that file; a missing file or a name defined twice at the
/// `include` entry of the rubric. The second value says whether an include could not be loaded
/// (so that the lexicons it would have defined are not reported as undefined).
fn merge_includes(
    file: &mut RubricFile,
    path: &str,
    source: &str,
    includes: Includes,
) -> (Vec<RubricError>, Vec<RubricError>) {
    let mut errors = Vec::new();
    let mut failed = Vec::new();
    let base = Path::new(path).parent().unwrap_or(Path::new(""));
    let mut seen: Vec<String> = Vec::new();
    file.lexicons = file
        .lexicon_defs
        .iter()
        .filter_map(|(k, d)| match d {
            LexiconDef::List(list) => Some((k.clone(), list.clone())),
            LexiconDef::Edit(_) => None,
        })
        .collect();
    // Where each lexicon was defined: the rubric itself, or an included file.
    let mut origin: BTreeMap<String, String> =
        file.lexicons.keys().map(|k| (k.clone(), "this rubric".to_string())).collect();
    for inc in file.include.clone() {
        let at = Span::of(&inc);
        let name = inc.get_ref();
        let (shown, text) = match includes.read(base, name) {
            Ok(t) => t,
            Err(e) => {
                failed.push(
                    RubricError::new(
                        at,
                        format!("cannot read the included file `{name}`: {e}"),
                        &format!(
                            "an include is a path relative to the rubric's folder, or one of the built-in lists: {}",
                            builtin_names().join(", ")
                        ),
                    )
                    .locate(path, source),
                );
                continue;
            }
        };
        if seen.contains(&shown) {
            errors.push(
                RubricError::new(at, format!("`{name}` is included twice"), "list each file once").locate(path, source),
            );
            continue;
        }
        seen.push(shown.clone());
        let fragment: RubricFragment = match from_toml(&shown, &text) {
            Ok(f) => f,
            Err(RubricErrors(mut es)) => {
                for e in es.iter_mut().filter(|e| e.message.starts_with("unknown field")) {
                    e.hint = "an included file holds only [lexicons], [synonyms] and [dictionary]".into();
                }
                failed.extend(es);
                continue;
            }
        };
        for (lex, list) in &fragment.lexicons {
            let at_list = Span::of(list);
            errors.extend(validate_phrases(lex, list.get_ref(), at_list).into_iter().map(|e| e.locate(&shown, &text)));
            if let Some(first) = origin.get(lex) {
                errors.push(
                    RubricError::new(
                        at,
                        format!("lexicon `{lex}` from `{name}` is already defined in {first}"),
                        &format!(
                            "a lexicon is defined once; to change the shared list write `[lexicons.{lex}]` with `add = [...]` / `remove = [...]`, or give the local list another name and use both"
                        ),
                    )
                    .locate(path, source),
                );
            } else {
                origin.insert(lex.clone(), shown.clone());
            }
        }
        let RubricFragment { dictionary, synonyms, lexicons } = fragment;
        for word in dictionary.words {
            if !file.dictionary.words.contains(&word) {
                file.dictionary.words.push(word);
            }
        }
        for (key, variants) in synonyms {
            let merged = file.synonyms.entry(key).or_default();
            for v in variants {
                if !merged.contains(&v) {
                    merged.push(v);
                }
            }
        }
        for (lex, list) in lexicons {
            if !file.lexicons.contains_key(&lex) {
                file.included_lexicons.insert(lex.clone(), shown.clone());
                file.lexicons.insert(lex, list.into_inner());
            }
        }
    }
    if failed.is_empty() {
        errors.extend(apply_lexicon_edits(file).into_iter().map(|e| e.locate(path, source)));
    }
    (errors, failed)
}

/// Applies the rubric's `[lexicons.NAME]` tables (`extends`, `add`, `remove`) to the lists
/// loaded so far. Every change starts from a list as written or included, never from another
/// change, so the result does not depend on the order of the tables.
fn apply_lexicon_edits(file: &mut RubricFile) -> Vec<RubricError> {
    let mut errors = Vec::new();
    let before = file.lexicons.clone();
    let mut resolved = Vec::new();
    for (name, def) in &file.lexicon_defs {
        let LexiconDef::Edit(edit) = def else { continue };
        let (base_name, at) = match &edit.extends {
            Some(b) => (b.get_ref().as_str(), Span::of(b)),
            None => (name.as_str(), edit.add.first().or(edit.remove.first()).and_then(Span::of)),
        };
        let Some(base) = before.get(base_name) else {
            let included: Vec<&str> = file.included_lexicons.keys().map(String::as_str).collect();
            let (message, hint) = if edit.extends.is_some() {
                let edits = file.lexicon_defs.get(base_name).is_some_and(|d| matches!(d, LexiconDef::Edit(_)));
                (
                    format!(
                        "lexicon `{name}` extends `{base_name}`, which is not {}",
                        if edits { "a list of its own (it changes another list)" } else { "defined" }
                    ),
                    format!(
                        "`extends` names a list of this rubric or of its includes: {}",
                        listing(before.keys().map(String::as_str))
                    ),
                )
            } else {
                (
                    format!("lexicon `{name}` changes the included list `{name}`, but no included file defines it"),
                    format!(
                        "included lexicons: {}; to make a new list from one of them, add `extends = \"…\"`",
                        listing(included.into_iter())
                    ),
                )
            };
            errors.push(RubricError::new(at, message, &hint));
            continue;
        };
        let mut list = base.clone();
        for r in &edit.remove {
            let want = r.get_ref();
            // Spelled as in the list, or the same phrase once normalized (這個 for 这个).
            let norm = normalize(want).text;
            match list.iter().position(|p| p == want).or_else(|| list.iter().position(|p| normalize(p).text == norm)) {
                Some(i) => {
                    list.remove(i);
                }
                None => {
                    let from = file.included_lexicons.get(base_name).map_or("this rubric".to_string(), |f| f.clone());
                    errors.push(RubricError::new(
                        Span::of(r),
                        format!(
                            "lexicon `{name}` removes `{want}`, which is not an entry of `{base_name}` (from {from})"
                        ),
                        &format!("its entries: {}", listing(base.iter().map(String::as_str))),
                    ));
                }
            }
        }
        let added: Vec<String> = edit.add.iter().map(|a| a.get_ref().clone()).collect();
        errors.extend(validate_phrases(name, &added, edit.add.first().and_then(Span::of)));
        for a in added {
            if !list.contains(&a) {
                list.push(a);
            }
        }
        resolved.push((name.clone(), list));
    }
    for (name, list) in resolved {
        // A change of the included list of the same name replaces it where it is used, and
        // stays exempt from "never referenced" like the list it changes.
        file.lexicons.insert(name, list);
    }
    errors
}

/// "a, b, c" (the first 40), or "none".
fn listing<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = items.collect();
    let more = v.len().saturating_sub(40);
    v.truncate(40);
    match (v.is_empty(), more) {
        (true, _) => "none".into(),
        (false, 0) => v.join(", "),
        (false, n) => format!("{} … ({n} more)", v.join(", ")),
    }
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

    /// `r.toml:LINE:COLUMN` of the first `needle` after the first `after` in `src`.
    fn at(src: &str, after: &str, needle: &str) -> String {
        let start = src.find(after).unwrap();
        let offset = start + src[start..].find(needle).unwrap();
        let (line, column) = crate::rubric::error::line_column(src, offset);
        format!("r.toml:{line}:{column}")
    }

    #[test]
    fn every_unknown_key_and_wrong_type_is_reported_at_once() {
        let src = r#"
[rubric]
id = 5
version = "1"
colour = "red"

[[steps]]
id = "greeting"
cuez = 1
cues = { any = "您好" }

[[rules]]
id = "r"
code = "OP001"
criterion = "style"
type = "forbidd"
severity = "major"
message = "m"
cues = { any = ["x"] }

[[signals]]
cues = { any = ["x"] }
"#;
        let errs = parse("r.toml", src).unwrap_err();
        let text = errs.to_string();
        for want in [
            format!("{}: invalid type: integer `5`, expected a string", at(src, "id = 5", "5")),
            format!("{}: unknown field `colour`", at(src, "", "colour")),
            format!("{}: unknown field `cuez`", at(src, "", "cuez")),
            format!("{}: invalid type: string \"您好\", expected a sequence", at(src, "cues = {", "\"您好\"")),
            format!("{}: unknown variant `forbidd`", at(src, "", "\"forbidd\"")),
            format!("{}: missing field `id`", at(src, "", "[[signals]]")),
        ] {
            assert!(text.contains(&want), "missing `{want}` in:\n{text}");
        }
        // A mistyped required value is not reported a second time as missing.
        assert_eq!(errs.0.len(), 6, "{text}");
        assert!(!text.contains("missing field `rubric`") && !text.contains("missing field `type`"), "{text}");
        let lines: Vec<usize> = errs.0.iter().map(|e| e.span.unwrap().line).collect();
        assert!(lines.is_sorted(), "{text}");
    }

    #[test]
    fn a_syntax_error_is_reported_alone() {
        let src = MINIMAL.replace("version = \"1\"", "version = \"1\"\ncolour = \"red\"\nbroken = [");
        let errs = parse("r.toml", &src).unwrap_err();
        assert_eq!(errs.0.len(), 1, "{errs}");
        assert!(errs.0[0].span.is_some(), "{errs}");
        assert!(errs.0[0].hint.contains("the rest of the file is checked once the TOML syntax is fixed"), "{errs}");
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
        let f = parse_with(
            crate::rubric::DEFAULT_RUBRIC_PATH,
            crate::rubric::DEFAULT_RUBRIC,
            Includes::Embedded(crate::rubric::EMBEDDED_INCLUDES),
        )
        .unwrap();
        let k = f.knowledge.expect("default rubric has [knowledge]");
        for id in ["price_fixed", "offline_signup", "offer_duration", "travel_service", "multi_numbers", "switch_back"]
        {
            assert!(k.entries.iter().any(|e| e.id.get_ref() == id), "missing {id}");
        }
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::create_dir_all(dir.join(name).parent().unwrap()).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn includes_merge_lists_and_locate_their_own_problems() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "common/a.toml",
            "[lexicons]\nbusy = [\"在开会\"]\n[synonyms]\n\"微信\" = [\"vx\"]\n[dictionary]\nwords = [\"长江移动\"]\n",
        );
        write(dir.path(), "common/bad.toml", "[lexicons]\nok = [\"x\"]\nnested = [\"@ok\"]\n");
        write(dir.path(), "common/extra.toml", "[steps]\n");
        let main = format!(
            "include = [\"common/a.toml\"]\n{MINIMAL}\n[synonyms]\n\"微信\" = [\"wx\"]\n[[signals]]\nid = \"b\"\ncues = {{ any = [\"@busy\"] }}\n"
        );
        let path = dir.path().join("r.toml").display().to_string();
        let f = parse(&path, &main).unwrap();
        assert_eq!(f.lexicons["busy"], vec!["在开会".to_string()]);
        assert_eq!(f.included_lexicons["busy"], slash_path(&dir.path().join("common/a.toml")));
        assert_eq!(f.synonyms["微信"], vec!["wx".to_string(), "vx".to_string()]);
        assert_eq!(f.dictionary.words, vec!["长江移动".to_string()]);

        let bad = main.replace("common/a.toml", "common/bad.toml\", \"common/extra.toml");
        let errs = parse(&path, &bad).unwrap_err();
        let text = errs.to_string();
        let bad_path = slash_path(&dir.path().join("common/bad.toml"));
        assert!(text.contains(&format!("{bad_path}:3:10: lexicon `nested` refers to `@ok`")), "{text}");
        assert!(text.contains("extra.toml:1:2: unknown field `steps`"), "{text}");
        assert!(text.contains("holds only [lexicons], [synonyms] and [dictionary]"), "{text}");
        // `@busy` may be what the broken file defines: named on its error, not reported apart.
        assert!(!text.contains("undefined lexicon"), "{text}");
        assert!(text.contains("(@busy) are checked once it loads"), "{text}");
    }

    #[test]
    fn a_built_in_list_is_included_from_any_folder() {
        let dir = tempfile::tempdir().unwrap();
        let main = format!(
            "include = [\"common/privacy.toml\"]\n{MINIMAL}\n[[signals]]\nid = \"w\"\ncues = {{ any = [\"@privacy_worry\"] }}\n"
        );
        let path = dir.path().join("r.toml").display().to_string();
        let f = parse(&path, &main).unwrap();
        assert!(f.lexicons["privacy_worry"].contains(&"泄露".to_string()));
        assert_eq!(f.included_lexicons["privacy_worry"], "rubrics/common/privacy.toml");
        // A file of that name next to the rubric wins over the built-in one.
        write(dir.path(), "common/privacy.toml", "[lexicons]\nprivacy_worry = [\"我的专用词\"]\n");
        let f = parse(&path, &main).unwrap();
        assert_eq!(f.lexicons["privacy_worry"], vec!["我的专用词".to_string()]);
    }

    #[test]
    fn a_missing_include_names_the_built_in_lists_and_hides_its_consequences() {
        let main = format!(
            "include = [\"common/compliance.toml\"]\n{MINIMAL}\n[[signals]]\nid = \"w\"\ncues = {{ any = [\"@privacy_worry\", \"@busy\"] }}\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.toml").display().to_string();
        let errs = parse(&path, &main).unwrap_err();
        assert_eq!(errs.0.len(), 1, "{errs}");
        let e = &errs.0[0];
        assert_eq!((e.span.unwrap().line, e.span.unwrap().column), (1, 12), "{errs}");
        assert!(e.message.contains("cannot read the included file `common/compliance.toml`"), "{errs}");
        assert!(e.message.contains("no built-in list has that name"), "{errs}");
        for name in builtin_names() {
            assert!(e.hint.contains(name), "{name} missing from {}", e.hint);
        }
        assert!(!e.hint.contains("compliance"), "{}", e.hint);
        assert!(e.hint.contains("(@busy, @privacy_worry) are checked once it loads"), "{}", e.hint);
    }

    const CALL_FLOW: &str = "[lexicons]\nclosing = [\"再见\", \"谢谢\", \"拜拜\"]\n";

    #[test]
    fn a_rubric_removes_and_adds_entries_of_an_included_list() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "lists/flow.toml", CALL_FLOW);
        let main = format!(
            "include = [\"lists/flow.toml\"]\n{MINIMAL}\n[lexicons.closing]\nremove = [\"谢谢\"]\nadd = [\"回见\"]\n\n[lexicons.polite]\nextends = \"closing\"\nremove = [\"拜拜\"]\n\n[[signals]]\nid = \"c\"\ncues = {{ any = [\"@closing\", \"@polite\"] }}\n"
        );
        let path = dir.path().join("r.toml").display().to_string();
        let f = parse(&path, &main).unwrap();
        assert_eq!(f.lexicons["closing"], vec!["再见", "拜拜", "回见"]);
        // `extends` starts from the list as included, not from the rubric's change of it.
        assert_eq!(f.lexicons["polite"], vec!["再见", "谢谢"]);
        assert!(f.included_lexicons.contains_key("closing") && !f.included_lexicons.contains_key("polite"));
    }

    #[test]
    fn lexicon_changes_are_checked_where_they_are_written() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "lists/flow.toml", CALL_FLOW);
        let src = format!(
            "include = [\"lists/flow.toml\"]\n{MINIMAL}\n[lexicons.closing]\nremove = [\"谢谢你\"]\nadd = [\"嗯\"]\n\n[lexicons.other]\nextends = \"nothing\"\n\n[lexicons.busy]\nremove = [\"在开会\"]\n\n[lexicons.closing2]\nextends = \"closing\"\ncolour = 1\n"
        );
        let path = dir.path().join("r.toml").display().to_string();
        let text = parse(&path, &src).unwrap_err().to_string();
        // Structure first: the unknown key.
        assert!(text.contains("unknown field `colour`, expected one of `extends`, `add`, `remove`"), "{text}");
        let src = src.replace("colour = 1\n", "");
        let text = parse(&path, &src).unwrap_err().to_string();
        let at = |needle: &str| {
            let (l, c) = crate::rubric::error::line_column(&src, src.find(needle).unwrap());
            format!("{path}:{l}:{c}")
        };
        for want in [
            format!(
                "{}: lexicon `closing` removes `谢谢你`, which is not an entry of `closing` (from {})",
                at("\"谢谢你\""),
                slash_path(&dir.path().join("lists/flow.toml"))
            ),
            "help: its entries: 再见, 谢谢, 拜拜".to_string(),
            format!("{}: lexicon `closing` has the phrase `嗯`, which is empty", at("\"嗯\"")),
            format!("{}: lexicon `other` extends `nothing`, which is not defined", at("\"nothing\"")),
            format!(
                "{}: lexicon `busy` changes the included list `busy`, but no included file defines it",
                at("\"在开会\"")
            ),
        ] {
            assert!(text.contains(&want), "missing `{want}` in:\n{text}");
        }
    }

    #[test]
    fn every_shared_list_file_is_embedded_and_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rubrics/common");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| format!("rubrics/common/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|p| p.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = crate::rubric::EMBEDDED_INCLUDES.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(embedded, on_disk, "build.rs embeds every rubrics/common file");
        for (p, text) in crate::rubric::EMBEDDED_INCLUDES {
            let f: RubricFragment = from_toml(p, text).unwrap();
            for (name, list) in &f.lexicons {
                assert!(validate_phrases(name, list.get_ref(), None).is_empty(), "{p}: {name}");
            }
        }
    }
}
