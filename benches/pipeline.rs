//! Micro-benchmarks of the pipeline stages (issue #6), with bare jieba-rs as the yardstick.
//!
//! ```sh
//! cargo bench --bench pipeline
//! ```
//!
//! - `turn::*`: one agent turn of `fixtures/dev/faithful_contact.txt` (each of its turns in
//!   turn): bare `Jieba::cut(text, true)`, `Analyzer::analyze` (normalize + cut + boundaries +
//!   pinyin + numbers + clauses), and `normalize` alone.
//! - `call::*`: the whole call: `evaluate` of an already-read transcript, and
//!   `Engine::score_bytes` (read + roles + evaluate); `jieba_cut_all_turns` is the yardstick.
//! - `startup::default_rubric`: parsing, validating and compiling the embedded rubric, which
//!   includes loading jieba's dictionary.

use callqa::eval::evaluate;
use callqa::rubric::{self, CompiledRubric};
use callqa::text::normalize;
use callqa::transcript::{self, ReadOptions, Transcript, assign_roles};
use callqa::{Engine, Options};
use divan::{Bencher, black_box};
use jieba_rs::Jieba;
use std::sync::LazyLock;

const CALL: &str = include_str!("../fixtures/dev/faithful_contact.txt");

static RUBRIC: LazyLock<CompiledRubric> = LazyLock::new(|| rubric::default_rubric().expect("default rubric"));
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(rubric::default_rubric().expect("default rubric"), Options::default()));

/// The turn texts of the fixture call (speaker labels stripped).
fn turns() -> Vec<&'static str> {
    CALL.lines().filter_map(|l| l.split_once('：').map(|(_, t)| t)).collect()
}

fn transcript() -> Transcript {
    let raw = transcript::read_bytes("faithful_contact.txt", CALL.as_bytes(), &ReadOptions::default())
        .into_iter()
        .next()
        .expect("one call")
        .expect("readable");
    assign_roles(raw, &RUBRIC.role_hints).expect("roles")
}

fn main() {
    divan::main();
}

mod turn {
    use super::*;

    /// Bare jieba-rs over each turn of the call (the yardstick for `analyze`).
    #[divan::bench]
    fn jieba_cut(b: Bencher) {
        let turns = turns();
        LazyLock::force(&JIEBA);
        b.counter(divan::counter::BytesCount::new(turns.iter().map(|t| t.len()).sum::<usize>()))
            .bench(|| turns.iter().map(|t| JIEBA.cut(black_box(t), true).len()).sum::<usize>());
    }

    /// `Analyzer::analyze` over each turn of the call.
    #[divan::bench]
    fn analyze(b: Bencher) {
        let turns = turns();
        let analyzer = &RUBRIC.analyzer;
        b.counter(divan::counter::BytesCount::new(turns.iter().map(|t| t.len()).sum::<usize>()))
            .bench(|| turns.iter().map(|t| analyzer.analyze(black_box(t)).tokens.len()).sum::<usize>());
    }

    /// `normalize` alone over each turn of the call.
    #[divan::bench]
    fn normalize_only(b: Bencher) {
        let turns = turns();
        b.counter(divan::counter::BytesCount::new(turns.iter().map(|t| t.len()).sum::<usize>()))
            .bench(|| turns.iter().map(|t| normalize(black_box(t)).len()).sum::<usize>());
    }
}

mod call {
    use super::*;

    /// Bare jieba-rs over every turn of the call: what `evaluate` is measured against.
    #[divan::bench]
    fn jieba_cut_all_turns(b: Bencher) {
        let t = transcript();
        LazyLock::force(&JIEBA);
        b.bench(|| t.turns.iter().map(|turn| JIEBA.cut(black_box(&turn.text), true).len()).sum::<usize>());
    }

    /// `evaluate`: analyze every turn, match, run every criterion, score.
    #[divan::bench]
    fn evaluate_call(b: Bencher) {
        let t = transcript();
        b.bench(|| evaluate(&RUBRIC, black_box(&t)));
    }

    /// `Engine::score_bytes`: read, assign roles, evaluate.
    #[divan::bench]
    fn score_bytes(b: Bencher) {
        LazyLock::force(&ENGINE);
        b.bench(|| ENGINE.score_bytes("faithful_contact.txt", black_box(CALL.as_bytes())));
    }
}

mod startup {
    use super::*;

    /// Parse, validate and compile the embedded rubric (jieba dictionary included).
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn default_rubric() -> CompiledRubric {
        rubric::default_rubric().expect("default rubric")
    }
}
