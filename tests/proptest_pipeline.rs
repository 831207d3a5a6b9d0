//! Property tests of the whole pipeline (issue #5, "no panics"): arbitrary bytes and generated
//! calls in every format through `Engine::score_bytes` with the default rubric. Every record
//! becomes exactly one result; every scored call is internally consistent: findings and steps
//! point at existing turns, spans lie inside the turn's characters and quote them, scores are
//! within 0–100, and scoring is deterministic.

mod proptest_support;

use callqa::eval::result::CallResult;
use callqa::transcript::{ReadOptions, read_bytes};
use callqa::{Engine, Options, rubric};
use proptest::prelude::*;
use proptest_support::*;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(rubric::default_rubric().expect("the default rubric loads"), Options::default()));

const SOURCE: &str = "calls/prop.txt";

/// Scores `bytes` and checks everything: one result per record, each call consistent.
fn score_and_check(bytes: &[u8]) -> Vec<Result<CallResult, callqa::error::InputError>> {
    let out = ENGINE.score_bytes(SOURCE, bytes);
    let records = read_bytes(SOURCE, bytes, &ReadOptions::default()).len();
    assert_eq!(out.len(), records, "every record is scored or reported");
    for r in &out {
        match r {
            Ok(call) => check_call(call),
            Err(e) => assert!(e.source.starts_with(SOURCE) && !e.message.is_empty(), "{e}"),
        }
    }
    out
}

proptest! {
    #![proptest_config(config(300))]

    /// Arbitrary bytes and arbitrary text.
    #[test]
    fn arbitrary_input_never_panics(
        data in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..400),
            any_text(300).prop_map(String::into_bytes),
        ]
    ) {
        score_and_check(&data);
    }

    /// Generated calls in every format, built from the default rubric's own phrases so that
    /// steps, signals and rules fire; scoring twice gives the same result.
    #[test]
    fn generated_calls_are_consistent(
        shape in shape(),
        calls in proptest::collection::vec(turns(10), 1..3),
        enc in proptest::sample::select(&[Enc::Utf8, Enc::Utf8Bom, Enc::Utf16LeBom, Enc::Utf16BeBom][..]),
    ) {
        let bytes = encode(&render(shape, &calls), enc);
        let first = score_and_check(&bytes);
        prop_assert_eq!(ENGINE.score_bytes(SOURCE, &bytes), first, "scoring is deterministic");
    }
}
