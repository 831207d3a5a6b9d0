//! The pipeline for one input: read → assign roles → evaluate. The rubric is compiled once
//! and shared.

use crate::error::InputError;
use crate::eval::{evaluate, result::CallResult};
use crate::rubric::CompiledRubric;
use crate::transcript::{self, ReadOptions, roles::RoleHints, roles::assign_roles};
use std::path::Path;

/// Settings for reading inputs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Format, encoding and size limits.
    pub read: ReadOptions,
    /// `--agent NAME`: the speaker label that is the agent.
    pub agent: Option<String>,
    /// `--customer NAME`: the speaker label that is the customer.
    pub customer: Option<String>,
    /// `--strict-roles`: a call whose roles were inferred with low confidence is an input error
    /// instead of a result with a warning.
    pub strict_roles: bool,
}

/// A compiled rubric plus reading options: scores files and byte buffers.
pub struct Engine {
    /// The rubric.
    pub rubric: CompiledRubric,
    hints: RoleHints,
    options: Options,
}

impl Engine {
    /// An engine for `rubric` with `options`.
    pub fn new(rubric: CompiledRubric, mut options: Options) -> Self {
        let mut hints = rubric.role_hints.clone();
        hints.cli_agent = options.agent.clone();
        hints.cli_customer = options.customer.clone();
        // The reader needs to know who can speak: a label that is no speaker of a call is text.
        let aliases = hints.agent_aliases.iter().chain(&hints.customer_aliases);
        let cli = options.agent.iter().chain(&options.customer);
        options.read.speaker_aliases.extend(aliases.chain(cli).cloned());
        Engine { rubric, hints, options }
    }

    /// Scores every call in `bytes` (read from `source`).
    pub fn score_bytes(&self, source: &str, bytes: &[u8]) -> Vec<Result<CallResult, InputError>> {
        self.finish(transcript::read_bytes(source, bytes, &self.options.read))
    }

    /// Scores every call in the file at `path`.
    pub fn score_path(&self, path: &Path) -> Vec<Result<CallResult, InputError>> {
        self.finish(transcript::read_path(path, &self.options.read))
    }

    /// The reading options (format, encoding, size limits).
    pub fn read_options(&self) -> &ReadOptions {
        &self.options.read
    }

    /// Reads (decodes and parses) one input without scoring it.
    pub fn read(&self, source: Option<&Path>, stdin: &[u8]) -> Vec<Result<transcript::RawCall, InputError>> {
        match source {
            Some(p) => transcript::read_path(p, &self.options.read),
            None => transcript::read_bytes("<stdin>", stdin, &self.options.read),
        }
    }

    /// Assigns roles to one read call and evaluates it.
    pub fn score_raw(&self, raw: Result<transcript::RawCall, InputError>) -> Result<CallResult, InputError> {
        raw.and_then(|call| assign_roles(call, &self.hints))
            .and_then(|t| self.sure_enough(t))
            .map(|t| evaluate(&self.rubric, &t))
    }

    /// With `--strict-roles`, refuses a call whose inferred roles are unsure (the warning
    /// becomes the error's message, at the call's source).
    fn sure_enough(&self, t: transcript::Transcript) -> Result<transcript::Transcript, InputError> {
        if !self.options.strict_roles {
            return Ok(t);
        }
        match transcript::role_warning(&t.roles) {
            Some(w) => Err(InputError::file(&t.source, format!("{w} (--strict-roles)"))),
            None => Ok(t),
        }
    }

    fn finish(&self, raw: Vec<Result<transcript::RawCall, InputError>>) -> Vec<Result<CallResult, InputError>> {
        raw.into_iter().map(|r| self.score_raw(r)).collect()
    }
}
