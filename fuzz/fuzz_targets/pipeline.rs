//! Bytes → the whole pipeline (read, roles, analysis, every criterion, scoring) with the default
//! rubric: must never panic, and every scored call must be consistent: findings and steps name
//! existing turns, spans lie inside the turn's characters, scores and confidences are in range.
#![no_main]

use callqa::{Engine, Options, rubric};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(rubric::default_rubric().expect("the default rubric loads"), Options::default()));

fuzz_target!(|data: &[u8]| {
    for call in ENGINE.score_bytes("fuzz/input.txt", data).into_iter().flatten() {
        let n = call.turns.len();
        assert!(n > 0, "a scored call without turns");
        for f in &call.findings {
            let turn = call.turns.get(f.turn).expect("a finding names an existing turn");
            let chars = turn.text.chars().count();
            assert!(f.span[0] <= f.span[1] && f.span[1] <= chars, "span {:?} outside a turn of {chars} chars", f.span);
        }
        for s in &call.steps {
            assert!(s.turn.is_none_or(|t| t < n) && s.nearest_turn.is_none_or(|t| t < n), "step {} turn", s.id);
            assert!((0.0..=1.0).contains(&s.confidence), "step {} confidence {}", s.id, s.confidence);
        }
        assert!(call.end_turn.is_none_or(|t| t < n), "end turn");
        assert!(call.score.is_none_or(|s| (0.0..=100.0).contains(&s)), "score {:?}", call.score);
        for c in &call.criteria {
            assert!(c.score.is_none_or(|s| (0.0..=100.0).contains(&s)), "{} score {:?}", c.id, c.score);
        }
    }
});
