//! The fault corpus (issue #5, "hardened input, nothing lost"): `fixtures/faults/` holds one
//! file per way an input goes wrong in the field. The real binary scores the whole corpus with
//! `--format json`, and each case must come out as it should: scored, and judged exactly like
//! its clean UTF-8 twin when it is only an encoding or newline variant; or reported at
//! `file:line(:column)` with what was expected. Every record ends up in `calls` or `errors`,
//! and the counts add up.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a case must produce.
enum Outcome {
    /// One call, scored exactly like this UTF-8 file (which it must decode to, byte for byte,
    /// apart from newlines and the BOM).
    Twin { original: &'static str, encoding: &'static encoding_rs::Encoding, bom: &'static [u8], newline: &'static str },
    /// `calls` scored calls and these errors: (source after the path, words the message has).
    Records { calls: usize, errors: &'static [(&'static str, &'static [&'static str])] },
}

struct Case {
    file: &'static str,
    outcome: Outcome,
}

const UTF8: &encoding_rs::Encoding = encoding_rs::UTF_8;
const GBK: &encoding_rs::Encoding = encoding_rs::GBK;
const UTF16LE: &encoding_rs::Encoding = encoding_rs::UTF_16LE;
const UTF16BE: &encoding_rs::Encoding = encoding_rs::UTF_16BE;

const fn twin(
    original: &'static str,
    encoding: &'static encoding_rs::Encoding,
    bom: &'static [u8],
    newline: &'static str,
) -> Outcome {
    Outcome::Twin { original, encoding, bom, newline }
}

/// Every file of the corpus and its outcome (a test checks the list is complete).
const CASES: &[Case] = &[
    Case { file: "gbk.txt", outcome: twin("faithful_declined.txt", GBK, b"", "\n") },
    Case { file: "utf16le_bom.txt", outcome: twin("faithful_busy.txt", UTF16LE, b"\xFF\xFE", "\n") },
    Case { file: "utf16be_bom.txt", outcome: twin("para_agreed.txt", UTF16BE, b"\xFE\xFF", "\n") },
    Case { file: "utf8_bom.txt", outcome: twin("para_contact_phone.txt", UTF8, b"\xEF\xBB\xBF", "\n") },
    Case { file: "crlf.txt", outcome: twin("viol_op001_guarantee.txt", UTF8, b"", "\r\n") },
    Case { file: "cr.txt", outcome: twin("viol_sy004_rude.txt", UTF8, b"", "\r") },
    Case { file: "twin_faithful_contact_gbk.txt", outcome: twin("faithful_contact.txt", GBK, b"", "\n") },
    Case {
        file: "twin_faithful_contact_utf16le.txt",
        outcome: twin("faithful_contact.txt", UTF16LE, b"\xFF\xFE", "\n"),
    },
    Case {
        file: "invalid_bytes.txt",
        outcome: Outcome::Records {
            calls: 0,
            errors: &[(":3:4", &["invalid byte sequence at byte offset 74", "neither UTF-8", "--encoding"])],
        },
    },
    Case {
        file: "utf16le_no_bom.txt",
        outcome: Outcome::Records { calls: 0, errors: &[(":1:11", &["byte order mark", "--encoding utf-16le"])] },
    },
    Case {
        file: "truncated.json",
        outcome: Outcome::Records {
            calls: 0,
            errors: &[(":35:19", &["EOF while parsing a string", "truncated", "expected the rest of the call"])],
        },
    },
    Case {
        file: "one_bad_line.jsonl",
        outcome: Outcome::Records { calls: 3, errors: &[(":2:72", &["EOF while parsing a string", "truncated"])] },
    },
    Case {
        file: "empty.txt",
        outcome: Outcome::Records { calls: 0, errors: &[("", &["empty file", "expected at least one call"])] },
    },
    Case {
        file: "no_format.txt",
        outcome: Outcome::Records {
            calls: 0,
            errors: &[(
                ":1:1",
                &["cannot detect the input format", "speaker lines like", "found \"这是", "--input-format"],
            )],
        },
    },
    Case {
        file: "no_agent.txt",
        outcome: Outcome::Records {
            calls: 0,
            errors: &[(":1:1", &["no agent turn", "\"客户\"", "expected at least one agent turn", "--agent"])],
        },
    },
    Case {
        file: "unknown_speakers.txt",
        outcome: Outcome::Records {
            calls: 0,
            errors: &[(":1:1", &["cannot map speakers to roles", "\"甲\", \"乙\"", "--agent NAME"])],
        },
    },
    Case {
        file: "duplicate_ids.jsonl",
        outcome: Outcome::Records {
            calls: 2,
            errors: &[(":3", &["duplicate call id `dup-1`", "duplicate_ids.jsonl:1", "unique id"])],
        },
    },
];

const DIR: &str = "fixtures/faults";

/// Scores `args` (paths relative to the repository) with `--format json`: (exit code, stderr,
/// document).
fn score(args: &[&str]) -> (Option<i32>, String, Value) {
    let out = callqa().args(["score", "--format", "json"]).args(args).current_dir(repo("")).output().unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), doc)
}

/// `path` or `path:…` belongs to `path`.
fn of_file(source: &str, path: &str) -> bool {
    source == path || source.strip_prefix(path).is_some_and(|rest| rest.starts_with(':'))
}

/// A call's JSON without what names it (`call_id`, `source`): what the judgement is.
fn judgement(call: &Value) -> Value {
    let mut c = call.clone();
    let obj = c.as_object_mut().expect("a call is an object");
    obj.remove("call_id");
    obj.remove("source");
    c
}

fn array<'a>(doc: &'a Value, key: &str) -> &'a Vec<Value> {
    doc[key].as_array().unwrap_or_else(|| panic!("{key} is not an array"))
}

#[test]
fn every_file_in_the_corpus_has_a_case() {
    let mut files: Vec<String> = std::fs::read_dir(repo(DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f != "README.md")
        .collect();
    files.sort();
    let mut listed: Vec<&str> = CASES.iter().map(|c| c.file).collect();
    listed.sort();
    assert_eq!(files, listed, "fixtures/faults/ and CASES disagree");
}

/// Checks every case of a corpus run and that the counts reconcile. With `file_limit`, files
/// larger than it must instead be one error naming the limit.
fn check_corpus(doc: &Value, stderr: &str, file_limit: Option<u64>) {
    let calls = array(doc, "calls");
    let errors = array(doc, "errors");
    let mut records = 0;
    for case in CASES {
        let path = format!("{DIR}/{}", case.file);
        let got_calls = calls.iter().filter(|c| of_file(c["source"].as_str().unwrap(), &path)).count();
        let got_errors: Vec<&Value> = errors.iter().filter(|e| of_file(e["source"].as_str().unwrap(), &path)).collect();
        let size = std::fs::metadata(repo(&path)).unwrap().len();
        let over: &[(&str, &[&str])] = &[("", &["more than the limit", "--max-file-bytes"])];
        let (want_calls, want_errors): (usize, &[(&str, &[&str])]) = match &case.outcome {
            _ if file_limit.is_some_and(|limit| size > limit) => (0, over),
            Outcome::Twin { .. } => (1, &[]),
            Outcome::Records { calls, errors } => (*calls, errors),
        };
        assert_eq!(got_calls, want_calls, "{path}: scored calls (errors: {got_errors:?})");
        assert_eq!(got_errors.len(), want_errors.len(), "{path}: errors {got_errors:?}");
        for (e, (at, words)) in got_errors.iter().zip(want_errors) {
            let source = e["source"].as_str().unwrap();
            let message = e["message"].as_str().unwrap();
            assert_eq!(source, format!("{path}{at}"), "{path}: where ({message})");
            for w in *words {
                assert!(message.contains(w), "{path}: {w:?} missing from {message:?}");
            }
            // Every error is also on stderr, with where and why.
            assert!(stderr.contains(&format!("{source}: {message}")), "{source} not on stderr:\n{stderr}");
        }
        records += want_calls + want_errors.len();
    }
    // Nothing dropped, nothing invented: every record is a call or an error, and the
    // aggregate says so.
    assert_eq!(calls.len() + errors.len(), records, "records of the corpus");
    let agg = &doc["aggregate"];
    assert_eq!(agg["calls"].as_u64(), Some(calls.len() as u64));
    assert_eq!(agg["errors"].as_u64(), Some(errors.len() as u64));
    assert_eq!(agg["calls"].as_u64().unwrap() + agg["errors"].as_u64().unwrap(), records as u64);
    assert_eq!(agg["read"].as_u64(), Some(records as u64));
}

#[test]
fn every_case_has_its_outcome_and_the_counts_reconcile() {
    let (code, stderr, doc) = score(&[DIR]);
    // Some calls were scored, so a bad file does not fail the batch (only --strict does).
    assert_eq!(code, Some(0), "{stderr}");
    check_corpus(&doc, &stderr, None);
}

/// `--strict` turns the same faults into exit 2, and still reports everything.
#[test]
fn strict_fails_the_run_but_reports_everything() {
    let (code, stderr, doc) = score(&["--strict", DIR]);
    assert_eq!(code, Some(2), "{stderr}");
    check_corpus(&doc, &stderr, None);
}

/// A file over `--max-file-bytes` is one error naming the limit; the rest is read as usual.
#[test]
fn files_over_the_size_limit_are_one_error_each() {
    let (code, stderr, doc) = score(&["--max-file-bytes", "1000", DIR]);
    assert_eq!(code, Some(0), "{stderr}");
    check_corpus(&doc, &stderr, Some(1000));
}

/// The hint for BOM-less UTF-16 works: with `--encoding utf-16le` the file is judged like its
/// UTF-8 original.
#[test]
fn the_suggested_encoding_reads_bomless_utf16() {
    let (code, stderr, forced) = score(&["--encoding", "utf-16le", &format!("{DIR}/utf16le_no_bom.txt")]);
    assert_eq!(code, Some(0), "{stderr}");
    let (_, _, clean) = score(&["fixtures/dev/faithful_busy.txt"]);
    assert_eq!(judgement(&forced["calls"][0]), judgement(&clean["calls"][0]));
}

#[test]
fn encoding_and_newline_twins_are_judged_like_the_utf8_file() {
    let twins: Vec<(&str, &str)> = CASES
        .iter()
        .filter_map(|c| match c.outcome {
            Outcome::Twin { original, .. } => Some((c.file, original)),
            Outcome::Records { .. } => None,
        })
        .collect();
    let mut args: Vec<String> = twins.iter().map(|(f, _)| format!("{DIR}/{f}")).collect();
    let originals: std::collections::BTreeSet<String> =
        twins.iter().map(|(_, o)| format!("fixtures/dev/{o}")).collect();
    args.extend(originals);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stderr, doc) = score(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(array(&doc, "errors").is_empty(), "{stderr}");
    let by_source: BTreeMap<&str, &Value> =
        array(&doc, "calls").iter().map(|c| (c["source"].as_str().unwrap(), c)).collect();
    for (file, original) in twins {
        let twin = by_source[format!("{DIR}/{file}").as_str()];
        let clean = by_source[format!("fixtures/dev/{original}").as_str()];
        assert!(
            judgement(twin) == judgement(clean),
            "{file} is judged differently from {original}:\n{}\n---\n{}",
            serde_json::to_string_pretty(&judgement(twin)).unwrap(),
            serde_json::to_string_pretty(&judgement(clean)).unwrap()
        );
    }
}

/// The twins are what they claim: the UTF-8 original, encoded (so a change to the original
/// without regenerating its twins fails here, not as a puzzling verdict difference).
#[test]
fn twins_are_exact_encodings_of_their_originals() {
    for case in CASES {
        let Outcome::Twin { original, encoding, bom, newline } = case.outcome else { continue };
        let bytes = std::fs::read(repo(&format!("{DIR}/{}", case.file))).unwrap();
        let text = std::fs::read_to_string(repo(&format!("fixtures/dev/{original}"))).unwrap();
        let text = text.replace('\n', newline);
        let mut want = bom.to_vec();
        if encoding == UTF16LE || encoding == UTF16BE {
            let le = encoding == UTF16LE;
            want.extend(text.encode_utf16().flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() }));
        } else {
            let (encoded, _, unmappable) = encoding.encode(&text);
            assert!(!unmappable, "{original} is not representable in {}", encoding.name());
            want.extend_from_slice(&encoded);
        }
        assert!(bytes == want, "{} is not {original} in {} with {newline:?} newlines", case.file, encoding.name());
    }
}

/// The good records of the JSONL with a bad line are judged exactly like the same records in
/// the clean dev batch (whose ids they renamed).
#[test]
fn a_bad_jsonl_line_fails_alone() {
    let (_, _, doc) = score(&[&format!("{DIR}/one_bad_line.jsonl"), "fixtures/dev/calls_batch.jsonl"]);
    let calls = array(&doc, "calls");
    let (faulty, clean): (Vec<&Value>, Vec<&Value>) =
        calls.iter().partition(|c| c["source"].as_str().unwrap().starts_with(DIR));
    assert_eq!((faulty.len(), clean.len()), (3, 3));
    for (f, c) in faulty.iter().zip(&clean) {
        assert_eq!(judgement(f), judgement(c), "{} vs {}", f["call_id"], c["call_id"]);
    }
}

/// A turn over the default limit (20 000 characters) is reported at its line, naming the limit
/// and how to raise it; the rest of the batch is scored. Generated here rather than committed.
#[test]
fn a_huge_turn_is_reported_not_scored() {
    let tmp = tempfile::tempdir().unwrap();
    let huge = tmp.path().join("huge_turn.txt");
    let turn = "好".repeat(callqa::transcript::DEFAULT_MAX_TURN_CHARS + 1);
    std::fs::write(&huge, format!("坐席：您好，我是长江移动的李明。\n客户：{turn}\n坐席：好的。\n")).unwrap();
    let huge = huge.to_string_lossy().into_owned();
    let (code, stderr, doc) = score(&[&huge, "fixtures/dev/faithful_contact.txt"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(array(&doc, "calls").len(), 1);
    let errors = array(&doc, "errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["source"], format!("{huge}:2:1"));
    let message = errors[0]["message"].as_str().unwrap();
    for w in ["20001 characters", "limit of 20000", "--max-turn-chars"] {
        assert!(message.contains(w), "{w:?} missing from {message:?}");
    }
    assert_eq!(doc["aggregate"]["read"], 2);

    // Through the library: a raised limit reads the call.
    let opts = callqa::transcript::ReadOptions { max_turn_chars: Some(30_000), ..Default::default() };
    let out = callqa::transcript::read_path(std::path::Path::new(&huge), &opts);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].as_ref().unwrap().turns[1].text.chars().count(), 20_001);
}
