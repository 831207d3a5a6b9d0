//! # callqa — audit phone-call transcripts against a script rubric
//!
//! The data flow is one way: **read** ([`transcript`]) → **analyze** ([`text`]) →
//! **evaluate** ([`eval`]) → **score** → **report** ([`report`]). A [`rubric::Rubric`] is
//! loaded and compiled once, then shared by every call.
//!
//! ```no_run
//! use callqa::{rubric, Engine, Options};
//! let engine = Engine::new(rubric::default_rubric().unwrap(), Options::default());
//! for result in engine.score_path(std::path::Path::new("call.txt")) {
//!     match result {
//!         Ok(call) => println!("{} {:?} {:?}", call.call_id, call.verdict, call.score),
//!         Err(e) => eprintln!("{e}"),
//!     }
//! }
//! ```
#![deny(missing_docs)]

pub mod authoring;
pub mod batch;
pub mod calibrate;
pub mod codes;
pub mod dialogue;
pub mod engine;
pub mod error;
pub mod eval;
pub mod explain;
pub mod gate;
pub mod inputs;
pub mod merge;
pub mod pipe;
pub mod report;
pub mod rubric;
pub mod text;
pub mod timing;
pub mod transcript;

pub use engine::{Engine, Options};
