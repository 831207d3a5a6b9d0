//! Property tests of the readers (issue #5, "no panics"): arbitrary bytes and arbitrary Unicode
//! through `decode` and `read_bytes` with every forced format and encoding and with detection.
//! Whatever comes in, every record comes out as a call or as an error that points inside the
//! file; generated transcripts read back exactly, in every encoding.

mod proptest_support;

use callqa::transcript::{
    DEFAULT_MAX_TURN_CHARS, Encoding, InputFormat, RawCall, ReadOptions, RoleHints, assign_roles, decode, read_bytes,
};
use proptest::prelude::*;
use proptest_support::*;
use std::collections::BTreeSet;

const SOURCE: &str = "calls/prop.txt";

fn formats() -> impl Strategy<Value = Option<InputFormat>> {
    prop_oneof![Just(None), proptest::sample::select(&InputFormat::ALL[..]).prop_map(Some)]
}

fn encodings() -> impl Strategy<Value = Option<Encoding>> {
    proptest::sample::select(
        &[None, Some(Encoding::Utf8), Some(Encoding::Utf16Le), Some(Encoding::Utf16Be), Some(Encoding::Gb18030)][..],
    )
}

const BOMS: &[&[u8]] = &[&[0xEF, 0xBB, 0xBF], &[0xFF, 0xFE], &[0xFE, 0xFF]];

/// Bytes: arbitrary, arbitrary with a BOM in front, or the UTF-8 of arbitrary text.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        (proptest::sample::select(BOMS), proptest::collection::vec(any::<u8>(), 0..200)).prop_map(|(bom, rest)| [
            bom,
            &rest[..]
        ]
        .concat()),
        any_text(200).prop_map(String::into_bytes),
        (shape(), proptest::collection::vec(turns(6), 1..4)).prop_map(|(s, calls)| render(s, &calls).into_bytes()),
    ]
}

/// Without NUL characters: UTF-8 and GB18030 files holding a NUL are refused as BOM-less
/// UTF-16, so a document with one reads differently in different encodings, by design.
fn without_nul(calls: Vec<Vec<(String, String)>>) -> Vec<Vec<(String, String)>> {
    let clean = |s: String| s.replace('\0', " ");
    calls.into_iter().map(|c| c.into_iter().map(|(s, t)| (clean(s), clean(t))).collect()).collect()
}

/// CR and CRLF become LF when a file is decoded, also inside quoted CSV fields.
fn lf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Lines of the decoded text, when it decodes (positions can be checked against it).
fn line_count(bytes: &[u8], encoding: Option<Encoding>) -> Option<usize> {
    decode(SOURCE, bytes, encoding).ok().map(|(t, _)| t.split('\n').count())
}

/// The invariants every `read_bytes` result holds.
fn check_records(out: &[Result<RawCall, callqa::error::InputError>], lines: Option<usize>, limit: usize) {
    assert!(!out.is_empty(), "read_bytes returned nothing: a file must become a call or an error");
    for r in out {
        match r {
            Ok(call) => {
                assert!(!call.turns.is_empty(), "call {} has no turns", call.id);
                assert!(!call.id.trim().is_empty(), "empty call id");
                assert!(position_of(&call.source, SOURCE).is_some_and(|p| p.len() <= 1), "source {}", call.source);
                for t in &call.turns {
                    assert!(t.text.chars().count() <= limit, "turn over the limit");
                    assert!(!t.speaker.trim().is_empty(), "blank speaker");
                    assert!(t.pos.line >= 1 && t.pos.column >= 1, "turn position {:?}", t.pos);
                    if let Some(n) = lines {
                        assert!(t.pos.line <= n, "turn at line {} of {n}", t.pos.line);
                    }
                    for time in [t.start, t.end].into_iter().flatten() {
                        assert!(time.is_finite() && time >= 0.0, "time {time}");
                    }
                }
            }
            Err(e) => {
                assert!(!e.message.trim().is_empty(), "an error without a message at {}", e.source);
                let pos = position_of(&e.source, SOURCE)
                    .unwrap_or_else(|| panic!("error source {:?} does not name the file", e.source));
                assert!(pos.len() <= 2, "{}", e.source);
                assert!(pos.iter().all(|&n| n >= 1), "0 in a 1-based position: {}", e.source);
                if let (Some(&line), Some(n)) = (pos.first(), lines) {
                    assert!(line <= n, "error at line {line} of {n}: {e}");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// Any bytes, any forced format and encoding: records out, positions inside the file.
    #[test]
    fn read_bytes_never_panics(data in bytes(), format in formats(), encoding in encodings()) {
        let opts = ReadOptions { format, encoding, max_turn_chars: Some(50), ..Default::default() };
        let out = read_bytes(SOURCE, &data, &opts);
        check_records(&out, line_count(&data, encoding), 50);
        for call in out.into_iter().flatten() {
            let n = call.turns.len();
            if let Ok(t) = assign_roles(call, &RoleHints::default()) {
                prop_assert_eq!(t.turns.len(), n);
                prop_assert!(t.turns.iter().any(|t| t.role == callqa::transcript::Role::Agent));
                let speakers: BTreeSet<&str> = t.turns.iter().map(|t| t.speaker.as_str()).collect();
                let decided: BTreeSet<&str> = t.roles.iter().map(|r| r.speaker.as_str()).collect();
                prop_assert_eq!(speakers, decided);
            }
        }
    }

    /// Any bytes, any encoding: text without CR, or an error at `file:line:column`.
    #[test]
    fn decode_never_panics(data in bytes(), encoding in encodings()) {
        match decode(SOURCE, &data, encoding) {
            Ok((text, enc)) => {
                prop_assert!(!text.contains('\r'));
                if let Some(forced) = encoding {
                    prop_assert_eq!(enc, forced);
                }
            }
            Err(e) => {
                let pos = position_of(&e.source, SOURCE).expect("names the file");
                prop_assert_eq!(pos.len(), 2, "{}", e.source);
                prop_assert!(pos.iter().all(|&n| n >= 1), "{}", e.source);
                prop_assert!(e.message.contains("byte offset"), "{}", e.message);
            }
        }
    }

    /// Valid text decodes to itself (newlines normalized) in every encoding with a BOM, and in
    /// GB18030 when forced.
    #[test]
    fn encodings_round_trip(text in any_text(120)) {
        let want = text.replace("\r\n", "\n").replace('\r', "\n");
        let want = want.strip_prefix('\u{FEFF}').unwrap_or(&want).to_string();
        for enc in [Enc::Utf8Bom, Enc::Utf16LeBom, Enc::Utf16BeBom] {
            let (got, _) = decode(SOURCE, &encode(&text, enc), None).expect("valid text decodes");
            prop_assert_eq!(&got, &want, "{:?}", enc);
        }
        let (gb, _, unmappable) = encoding_rs::GB18030.encode(&text);
        if !unmappable {
            let (got, enc) = decode(SOURCE, &gb, Some(Encoding::Gb18030)).expect("GB18030 decodes");
            prop_assert_eq!(enc, Encoding::Gb18030);
            prop_assert_eq!(&got, &want);
        }
        if !text.contains('\0') && !text.starts_with('\u{FEFF}') {
            let (got, enc) = decode(SOURCE, text.as_bytes(), None).expect("UTF-8 decodes");
            prop_assert_eq!(enc, Encoding::Utf8);
            prop_assert_eq!(&got, &want);
        }
    }

    /// The same document in any encoding reads to the same records.
    #[test]
    fn reading_does_not_depend_on_the_encoding(
        shape in shape(),
        calls in proptest::collection::vec(turns(6), 1..3),
    ) {
        let doc = render(shape, &without_nul(calls));
        let opts = ReadOptions::default();
        let want = read_bytes(SOURCE, doc.as_bytes(), &opts);
        for enc in [Enc::Utf8Bom, Enc::Utf16LeBom, Enc::Utf16BeBom] {
            prop_assert_eq!(&read_bytes(SOURCE, &encode(&doc, enc), &opts), &want, "{:?}", enc);
        }
        let (gb, _, unmappable) = encoding_rs::GB18030.encode(&doc);
        if !unmappable {
            let gb_opts = ReadOptions { encoding: Some(Encoding::Gb18030), ..Default::default() };
            prop_assert_eq!(&read_bytes(SOURCE, &gb, &gb_opts), &want);
        }
    }

    /// JSON, JSONL and CSV carry every turn through exactly (speaker and text trimmed); every
    /// record comes back as a call or an error, in order.
    #[test]
    fn structured_formats_round_trip(
        shape in proptest::sample::select(&[Shape::Json, Shape::JsonArray, Shape::Jsonl, Shape::Csv][..]),
        calls in proptest::collection::vec(turns(6), 1..4),
    ) {
        let calls = without_nul(if shape == Shape::Json { calls[..1].to_vec() } else { calls });
        let out = read_bytes(SOURCE, render(shape, &calls).as_bytes(), &ReadOptions::default());
        check_records(&out, None, DEFAULT_MAX_TURN_CHARS);
        prop_assert_eq!(out.len(), calls.len(), "one record per call");
        for (got, want) in out.iter().zip(&calls) {
            let blank_speaker = want.iter().any(|(s, _)| s.trim().is_empty());
            match got {
                Ok(call) => {
                    prop_assert!(!blank_speaker, "a turn without a speaker was accepted");
                    let got: Vec<(&str, &str)> = call.turns.iter().map(|t| (t.speaker.as_str(), t.text.as_str())).collect();
                    // JSON escapes CR; CSV carries it raw, so decoding turns it into LF.
                    let want: Vec<(String, String)> = want
                        .iter()
                        .map(|(s, t)| if shape == Shape::Csv { (lf(s), lf(t)) } else { (s.clone(), t.clone()) })
                        .collect();
                    let want: Vec<(&str, &str)> = want.iter().map(|(s, t)| (s.trim(), t.trim())).collect();
                    prop_assert_eq!(got, want);
                }
                Err(e) => prop_assert!(blank_speaker, "a good record failed: {}", e),
            }
        }
    }

    /// Plain text: one call whose turns are the labelled lines, never more turns than lines.
    #[test]
    fn text_turns_never_exceed_lines(turns in turns(8)) {
        let doc = render(Shape::Text, &[turns]);
        let opts = ReadOptions { format: Some(InputFormat::Text), ..Default::default() };
        let out = read_bytes(SOURCE, doc.as_bytes(), &opts);
        let lines = lf(&doc).split('\n').count();
        check_records(&out, Some(lines), DEFAULT_MAX_TURN_CHARS);
        prop_assert_eq!(out.len(), 1);
        if let Ok(call) = &out[0] {
            prop_assert!(call.turns.len() <= lines);
        }
    }
}

/// One line of a generated JSON Lines file: a record, blank, broken JSON, or bytes that are
/// not UTF-8.
fn jsonl_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (proptest::option::of("[a-z0-9]{1,6}"), turns(4)).prop_map(|(id, turns)| {
            let turns: Vec<serde_json::Value> =
                turns.into_iter().map(|(s, t)| serde_json::json!({"speaker": s, "text": t})).collect();
            let mut call = serde_json::json!({"turns": turns});
            if let Some(id) = id {
                call["id"] = serde_json::Value::String(id);
            }
            serde_json::to_vec(&call).unwrap()
        }),
        1 => Just(Vec::new()),
        1 => Just(b"   ".to_vec()),
        1 => any_text(40).prop_map(|t| format!("{{\"turns\": [{t}").into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The streaming reader never panics, every source points into the file, and when every
    /// line is UTF-8 it gives exactly what reading the whole file gives.
    #[test]
    fn streamed_jsonl_reads_like_the_whole_file(lines in proptest::collection::vec(jsonl_line(), 2..40), crlf in any::<bool>()) {
        let sep: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let bytes = lines.join(sep);
        let opts = ReadOptions::default();
        let mut streamed = Vec::new();
        callqa::transcript::stream::read_jsonl_chunked(SOURCE, &bytes[..], &opts, &mut |c, _| {
            streamed.extend(c);
            true
        })
        .unwrap();
        // Lines as decoding counts them: CRLF and lone CR end a line too.
        let line_count = String::from_utf8_lossy(&bytes).replace("\r\n", "\n").replace('\r', "\n").split('\n').count();
        for r in &streamed {
            let source = match r { Ok(c) => &c.source, Err(e) => &e.source };
            let line = callqa::report::source_key(source).1;
            prop_assert!(source.starts_with(SOURCE) && (1..=line_count).contains(&line), "{source}");
        }
        let all_utf8 = std::str::from_utf8(&bytes).is_ok_and(|t| !t.contains('\0'));
        let whole = read_bytes(SOURCE, &bytes, &ReadOptions { format: Some(InputFormat::Jsonl), ..opts });
        if all_utf8 && !whole.is_empty() && whole.iter().any(Result::is_ok) {
            prop_assert_eq!(streamed, whole);
        }
    }
}
