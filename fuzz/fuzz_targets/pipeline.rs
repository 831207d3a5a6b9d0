//! Bytes → the whole pipeline (read, roles, analysis, every criterion, scoring) with the default
//! rubric: must never panic, and every finding must point inside its turn.
#![no_main]

use callqa::{Engine, Options, rubric};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(rubric::default_rubric().expect("the default rubric loads"), Options::default()));

fuzz_target!(|data: &[u8]| {
    for call in ENGINE.score_bytes("fuzz/input.txt", data).into_iter().flatten() {
        for f in &call.findings {
            let turn = call.turns.get(f.turn).expect("a finding names an existing turn");
            let chars = turn.text.chars().count();
            assert!(f.span[0] <= f.span[1] && f.span[1] <= chars, "span {:?} outside a turn of {chars} chars", f.span);
        }
        if let Some(s) = call.score {
            assert!((0.0..=100.0).contains(&s), "score {s}");
        }
    }
});
