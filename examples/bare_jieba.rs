//! The yardstick for issue #6: bare jieba-rs segmentation over the turn texts of a corpus.
//!
//! ```sh
//! cargo run --release --example bare_jieba -- target/bench/corpus.jsonl [--threads 1,2] [--repeat 3]
//! ```
//!
//! Reads a JSONL (or JSON array) corpus of call objects, collects every turn's `text` (no
//! normalization), and times `Jieba::new().cut(text, true)` over all of them: single-threaded
//! (a plain loop) and on an N-thread rayon pool (`par_iter` over the turns). Dictionary loading
//! and reading the corpus are not timed. Each configuration runs `--repeat` times (default 3);
//! the median is reported. Output is one `key=value` line per configuration (for scripts),
//! preceded by a `corpus` line:
//!
//! ```text
//! corpus calls=20000 turns=301234 text_bytes=30123456 dict_load_ms=412.3
//! bare_jieba threads=1 secs=12.345 text_mb_s=2.44 turns_s=24400 calls_s=1620 tokens=4567890
//! ```
//!
//! MB are MiB (2^20 bytes) of turn text, UTF-8.

use jieba_rs::Jieba;
use rayon::prelude::*;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    path: String,
    threads: Vec<usize>,
    repeat: usize,
}

const USAGE: &str = "usage: bare_jieba CORPUS.jsonl [--threads 1,2] [--repeat R]";

fn parse_args() -> Result<Args, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut path = None;
    let mut threads = if cores > 1 { vec![1, cores] } else { vec![1] };
    let mut repeat = 3;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--threads" => {
                let v = it.next().ok_or(USAGE)?;
                threads = v
                    .split(',')
                    .map(|t| t.trim().parse::<usize>().ok().filter(|&n| n > 0))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("invalid --threads `{v}`\n{USAGE}"))?;
            }
            "--repeat" => {
                let v = it.next().ok_or(USAGE)?;
                repeat = v.parse().ok().filter(|&r| r > 0).ok_or_else(|| format!("invalid --repeat `{v}`"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ if path.is_none() && !a.starts_with("--") => path = Some(a),
            _ => return Err(format!("unknown argument `{a}`\n{USAGE}")),
        }
    }
    Ok(Args { path: path.ok_or(USAGE)?, threads, repeat })
}

/// Every call object in `text` (JSONL, or one JSON array).
fn calls(text: &str) -> Result<Vec<serde_json::Value>, String> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text).map_err(|e| e.to_string());
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect()
}

/// Segments every turn; returns the number of tokens (so the work cannot be optimized away).
fn cut_all(jieba: &Jieba, turns: &[String], threads: usize) -> usize {
    if threads == 1 {
        return turns.iter().map(|t| black_box(jieba.cut(t, true)).len()).sum();
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    pool.install(|| turns.par_iter().map(|t| black_box(jieba.cut(t, true)).len()).sum())
}

fn run(a: &Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&a.path).map_err(|e| format!("{}: {e}", a.path))?;
    let calls = calls(&text).map_err(|e| format!("{}: {e}", a.path))?;
    drop(text);
    let turns: Vec<String> = calls
        .iter()
        .flat_map(|c| c["turns"].as_array().into_iter().flatten())
        .filter_map(|t| t["text"].as_str().map(str::to_string))
        .collect();
    let bytes: usize = turns.iter().map(String::len).sum();
    let t0 = Instant::now();
    let jieba = Jieba::new();
    let dict_ms = t0.elapsed().as_secs_f64() * 1e3;
    println!("corpus calls={} turns={} text_bytes={bytes} dict_load_ms={dict_ms:.1}", calls.len(), turns.len());
    let mb = bytes as f64 / (1024.0 * 1024.0);
    for &threads in &a.threads {
        let mut secs = Vec::with_capacity(a.repeat);
        let mut tokens = 0;
        for _ in 0..a.repeat {
            let t = Instant::now();
            tokens = cut_all(&jieba, &turns, threads);
            secs.push(t.elapsed().as_secs_f64());
        }
        secs.sort_by(f64::total_cmp);
        let s = secs[secs.len() / 2];
        println!(
            "bare_jieba threads={threads} secs={s:.3} text_mb_s={:.2} turns_s={:.0} calls_s={:.0} tokens={tokens}",
            mb / s,
            turns.len() as f64 / s,
            calls.len() as f64 / s,
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bare_jieba: {e}");
            ExitCode::from(2)
        }
    }
}
