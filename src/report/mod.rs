//! Reports: the batch model ([`Results`]) and one renderer per format.

pub mod json;
pub mod table;

use crate::error::InputError;
use crate::eval::result::{CallResult, Verdict};
use serde::{Deserialize, Serialize};

/// The identity of the rubric a batch was scored with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricRef {
    /// Rubric id.
    pub id: String,
    /// Rubric version.
    pub version: String,
}

/// Counts over the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Calls evaluated.
    pub calls: usize,
    /// Calls that passed.
    pub passed: usize,
    /// Calls that failed.
    pub failed: usize,
    /// Records that could not be read.
    pub errors: usize,
}

/// A scored batch: every input record ends up in `calls` or `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Always `callqa/results/v1`.
    pub schema: String,
    /// The rubric used.
    pub rubric: RubricRef,
    /// Calls, ordered by source then position.
    pub calls: Vec<CallResult>,
    /// Records that could not be read.
    pub errors: Vec<InputError>,
    /// Counts.
    pub aggregate: Aggregate,
}

/// The schema tag of output contract v1.
pub const SCHEMA: &str = "callqa/results/v1";

impl Results {
    /// Builds the batch model.
    pub fn new(rubric: RubricRef, calls: Vec<CallResult>, errors: Vec<InputError>) -> Self {
        let passed = calls.iter().filter(|c| c.verdict == Verdict::Pass).count();
        let aggregate = Aggregate { calls: calls.len(), passed, failed: calls.len() - passed, errors: errors.len() };
        Results { schema: SCHEMA.into(), rubric, calls, errors, aggregate }
    }
}
