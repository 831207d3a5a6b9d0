//! Bytes (as UTF-8) → rubric loading, validation and compilation: Ok or a list of located
//! errors, never a panic. A rubric that loads must also score a call: no panic, every finding
//! inside its turn, the score within 0–100.
#![no_main]

use callqa::{Engine, Options};
use libfuzzer_sys::fuzz_target;

/// A dev call that exercises most rule types.
const CALL: &[u8] = include_bytes!("../../fixtures/dev/viol_op001_guarantee.txt");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(rubric) = callqa::rubric::from_str("fuzz.toml", text) else { return };
    let engine = Engine::new(rubric, Options::default());
    for call in engine.score_bytes("fuzz/call.txt", CALL).into_iter().flatten() {
        if let Some(s) = call.score {
            assert!((0.0..=100.0).contains(&s), "score {s}");
        }
        for f in &call.findings {
            let chars = call.turns.get(f.turn).map(|t| t.text.chars().count()).expect("finding names a turn");
            assert!(f.span[0] <= f.span[1] && f.span[1] <= chars, "span {:?} outside {chars}", f.span);
        }
    }
});
