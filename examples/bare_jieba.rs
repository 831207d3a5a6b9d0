//! The yardstick for issue #6: bare jieba-rs segmentation over the turn texts of a corpus.
//!
//! ```sh
//! cargo run --release --example bare_jieba -- target/bench/corpus.jsonl [--threads 1,2] [--repeat 3]
//! ```
//!
//! Reads a JSONL (or JSON array) corpus of call objects, collects every turn's `text` (no
//! normalization), and times `Jieba::new().cut(text, true)` over all of them: single-threaded
//! (a plain loop) and on an N-thread rayon pool (`par_iter` over the turns). Dictionary loading,
//! reading the corpus and building the pool are not timed. Each configuration runs `--repeat` times (default 3);
//! the median is reported. Output is one `key=value` line per configuration (for scripts),
//! preceded by a `corpus` line:
//!
//! ```text
//! corpus calls=20000 turns=301234 text_bytes=30123456 dict_load_ms=412.3
//! bare_jieba threads=1 secs=0.356 text_mb_s=74.11 turns_s=941764 calls_s=56246 tokens=6177948 cpu_secs=0.355 cpu_text_mb_s=74.3 cpu_calls_s=56338
//! ```
//!
//! MB are MiB (2^20 bytes) of turn text, UTF-8. `cpu_*` (Linux) divide by the CPU time the
//! threads spent instead of wall time: on a machine shared with other work, that is the figure
//! to compare with callqa's user+sys time.

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
/// `pool` is `None` for the plain single-threaded loop.
fn cut_all(jieba: &Jieba, turns: &[String], pool: Option<&rayon::ThreadPool>) -> usize {
    match pool {
        None => turns.iter().map(|t| black_box(jieba.cut(t, true)).len()).sum(),
        Some(p) => p.install(|| turns.par_iter().map(|t| black_box(jieba.cut(t, true)).len()).sum()),
    }
}

/// CPU time of this process's live threads so far, in seconds (Linux: the first field of
/// `/proc/self/task/*/schedstat`, nanoseconds on CPU). `None` where that is not readable.
/// Pools are built before timing starts and stay alive, so no thread's time is lost.
fn cpu_secs() -> Option<f64> {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 / 1e9)
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
        let pool = (threads > 1)
            .then(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build())
            .transpose()
            .map_err(|e| format!("thread pool: {e}"))?;
        let mut runs: Vec<(f64, Option<f64>)> = Vec::with_capacity(a.repeat);
        let mut tokens = 0;
        for _ in 0..a.repeat {
            let c0 = cpu_secs();
            let t = Instant::now();
            tokens = cut_all(&jieba, &turns, pool.as_ref());
            let wall = t.elapsed().as_secs_f64();
            let cpu = c0.zip(cpu_secs()).map(|(a, b)| b - a);
            runs.push((wall, cpu));
        }
        runs.sort_by(|x, y| x.0.total_cmp(&y.0));
        let (s, cpu) = runs[runs.len() / 2];
        let cpu = cpu.map_or_else(String::new, |c| {
            format!(" cpu_secs={c:.3} cpu_text_mb_s={:.2} cpu_calls_s={:.0}", mb / c, calls.len() as f64 / c)
        });
        println!(
            "bare_jieba threads={threads} secs={s:.3} text_mb_s={:.2} turns_s={:.0} calls_s={:.0} tokens={tokens}{cpu}",
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
