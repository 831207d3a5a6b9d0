//! Scoring many inputs: in parallel (rayon), optionally one deterministic shard of them.
//! The order of the results never depends on the thread count: [`crate::report::Results::new`]
//! orders them by source path, then position.

use crate::engine::Engine;
use crate::error::InputError;
use crate::eval::result::CallResult;
use crate::inputs::Input;
use crate::transcript::RawCall;
use crate::transcript::stream::read_path_chunked;
use rayon::prelude::*;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::mpsc;

/// Shard `index` of `count` (1-based), written `i/n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid shard `{s}`: expected i/n with 1 ≤ i ≤ n, e.g. 2/3");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// FNV-1a, 64 bit: a stable hash (the std hasher may change between Rust releases, and shard
/// membership must not).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Written as `"i/n"` in a part's results (`shard`), so that `merge` can check the parts.
impl serde::Serialize for Shard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Shard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Shard {
    /// Whether the record with this key (a call id, or an error's source) belongs to the shard.
    pub fn contains(&self, key: &str) -> bool {
        fnv1a(key) % self.count == self.index - 1
    }
}

/// Everything a batch produced.
#[derive(Debug, Default)]
pub struct Batch {
    /// Scored calls, in output order (by source path, then position in the file).
    pub calls: Vec<CallResult>,
    /// Records that could not be read.
    pub errors: Vec<InputError>,
}

/// Calls handed from the reader to the scorers at a time: enough to keep every thread busy,
/// few enough that memory stays bounded (at most a few chunks are in flight).
const CHUNK_CALLS: usize = 256;
/// Chunks waiting between the stages (reader → scorers → writer).
const QUEUE: usize = 2;

/// Watches a batch go by (a progress bar); every method has a do-nothing default.
pub trait Progress: Sync {
    /// `bytes` more of the inputs were read.
    fn read(&self, bytes: u64) {
        let _ = bytes;
    }
}

/// No progress display.
impl Progress for () {}

/// Scores `inputs` in parallel and collects them ([`stream`] into a [`Batch`]).
pub fn score(
    engine: &Engine,
    inputs: &[Input],
    stdin: Option<&[u8]>,
    shard: Option<Shard>,
    progress: &dyn Progress,
) -> Batch {
    let mut batch = Batch::default();
    stream(engine, inputs, stdin, shard, &|c| c, progress, &mut |r| match r {
        Ok(c) => batch.calls.push(c),
        Err(e) => batch.errors.push(e),
    });
    batch
}

/// Scores `inputs` with bounded memory: one thread reads (big JSON Lines files a chunk at a
/// time, [`crate::transcript::stream`]), the current rayon pool scores chunks of calls in
/// parallel and applies `prepare` to each result, and `sink` receives every record in output
/// order — inputs by source path, then position in the file — whatever the thread count.
/// `stdin` holds standard input when `-` was given.
///
/// With a shard, only the records whose call id (for a record that could not be read, its
/// source) hashes into it are scored and handed on. A call id used a second time is handed on
/// as an error naming the first use: calls are matched by id in the gate and compare.
pub fn stream<T: Send>(
    engine: &Engine,
    inputs: &[Input],
    stdin: Option<&[u8]>,
    shard: Option<Shard>,
    prepare: &(dyn Fn(CallResult) -> T + Sync),
    progress: &dyn Progress,
    sink: &mut (dyn FnMut(Result<T, InputError>) + Send),
) {
    let mut ordered: Vec<&Input> = inputs.iter().collect();
    ordered.sort_by_cached_key(|i| source_name(i));
    let (raw_tx, raw_rx) = mpsc::sync_channel::<Vec<Result<RawCall, InputError>>>(QUEUE);
    type Scored<T> = Result<(String, String, T), InputError>;
    let (out_tx, out_rx) = mpsc::sync_channel::<Vec<Scored<T>>>(QUEUE);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut chunk: Vec<Result<RawCall, InputError>> = Vec::with_capacity(CHUNK_CALLS);
            let mut keep_going = true;
            let mut take = |records: Vec<Result<RawCall, InputError>>, bytes: u64| {
                progress.read(bytes);
                chunk.extend(records.into_iter().filter(|r| match (shard, r) {
                    (None, _) => true,
                    (Some(s), Ok(c)) => s.contains(&c.id),
                    (Some(s), Err(e)) => s.contains(&e.source),
                }));
                if chunk.len() >= CHUNK_CALLS {
                    keep_going = raw_tx.send(std::mem::take(&mut chunk)).is_ok();
                }
                keep_going
            };
            for input in ordered {
                match input {
                    Input::File(p) => read_path_chunked(p, engine.read_options(), &mut take),
                    Input::Stdin => {
                        let bytes = stdin.unwrap_or_default();
                        take(engine.read(None, bytes), bytes.len() as u64);
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = raw_tx.send(chunk);
            }
        });
        scope.spawn(move || {
            let mut first_use = FirstUse::default();
            for chunk in out_rx {
                for r in chunk {
                    sink(r.and_then(|(id, source, value)| match first_use.check(&id, &source) {
                        Some(first) => Err(InputError {
                            source,
                            message: format!(
                                "duplicate call id `{id}` (first used by {first}); give each call a unique id"
                            ),
                        }),
                        None => Ok(value),
                    }));
                }
            }
        });
        for chunk in raw_rx {
            let scored: Vec<_> = chunk
                .into_par_iter()
                .map(|r| engine.score_raw(r).map(|c| (c.call_id.clone(), c.source.clone(), prepare(c))))
                .collect();
            if out_tx.send(scored).is_err() {
                break;
            }
        }
        drop(out_tx);
    });
}

/// Where each call id was first used, kept small for batches of millions of calls: the id as
/// two 64-bit hashes (a false "duplicate" needs two distinct ids to collide in both) and the
/// source as an interned path plus its line and column.
#[derive(Default)]
struct FirstUse {
    seen: HashMap<(u64, u64), (u32, u32, u32)>,
    paths: Vec<String>,
    path_index: HashMap<String, u32>,
}

impl FirstUse {
    /// Records `id` at `source`; when the id was used before, returns where.
    fn check(&mut self, id: &str, source: &str) -> Option<String> {
        let key = (fnv1a(id), fnv1a_seeded(id, 0x9e37_79b9_7f4a_7c15));
        if let Some(&(p, line, column)) = self.seen.get(&key) {
            let path = self.paths.get(p as usize).map_or("", String::as_str);
            return Some(match (line, column) {
                (0, _) => path.to_string(),
                (l, 0) => format!("{path}:{l}"),
                (l, c) => format!("{path}:{l}:{c}"),
            });
        }
        let (path, line, column) = crate::report::source_key(source);
        let p = match self.path_index.get(path) {
            Some(&p) => p,
            None => {
                let p = self.paths.len() as u32;
                self.paths.push(path.to_string());
                self.path_index.insert(path.to_string(), p);
                p
            }
        };
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.seen.insert(key, (p, clamp(line), clamp(column)));
        None
    }
}

/// FNV-1a with another offset basis: a second hash independent enough of [`fnv1a`].
fn fnv1a_seeded(s: &str, seed: u64) -> u64 {
    s.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)).rotate_left(29)
}

/// The name an input's records carry as their source, which orders the output.
fn source_name(input: &Input) -> String {
    match input {
        Input::File(p) => p.display().to_string(),
        Input::Stdin => "<stdin>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition() {
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("a/b".parse::<Shard>().is_err());
        let shards: Vec<Shard> = (1..=3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        for key in ["a", "b", "call-17", "通话1"] {
            assert_eq!(shards.iter().filter(|s| s.contains(key)).count(), 1, "{key} in exactly one shard");
        }
    }

    #[test]
    fn the_hash_is_stable() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
