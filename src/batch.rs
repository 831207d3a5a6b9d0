//! Scoring many inputs: in parallel (rayon), optionally one deterministic shard of them.
//! The order of the results never depends on the thread count: [`crate::report::Results::new`]
//! orders them by source path, then position.

use crate::engine::Engine;
use crate::error::InputError;
use crate::eval::result::CallResult;
use crate::inputs::Input;
use rayon::prelude::*;
use std::fmt;
use std::str::FromStr;

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

impl Shard {
    /// Whether the record with this key (a call id, or an error's source) belongs to the shard.
    pub fn contains(&self, key: &str) -> bool {
        fnv1a(key) % self.count == self.index - 1
    }
}

/// Everything a batch produced.
#[derive(Debug, Default)]
pub struct Batch {
    /// Scored calls (unordered; `Results::new` orders them).
    pub calls: Vec<CallResult>,
    /// Records that could not be read.
    pub errors: Vec<InputError>,
}

/// Scores `inputs` in parallel. `stdin` holds the bytes of standard input when `-` was given.
/// With a shard, only the calls whose id hashes into it (and the errors whose source does) are
/// kept.
pub fn score(engine: &Engine, inputs: &[Input], stdin: Option<&[u8]>, shard: Option<Shard>) -> Batch {
    // Read the files in parallel, then score the calls in parallel: one big JSONL file still
    // uses every thread.
    let raw: Vec<_> = inputs
        .par_iter()
        .map(|input| match input {
            Input::File(p) => engine.read(Some(p), &[]),
            Input::Stdin => engine.read(None, stdin.unwrap_or_default()),
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    let scored: Vec<Result<CallResult, InputError>> = raw.into_par_iter().map(|r| engine.score_raw(r)).collect();
    let mut batch = Batch::default();
    for r in scored {
        match r {
            Ok(c) if shard.is_none_or(|s| s.contains(&c.call_id)) => batch.calls.push(c),
            Err(e) if shard.is_none_or(|s| s.contains(&e.source)) => batch.errors.push(e),
            _ => {}
        }
    }
    batch
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
