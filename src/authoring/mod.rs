//! Tools for rubric authors: a commented starter rubric (`rubric new`), the JSON Schema of the
//! format for editors (`rubric schema`), the rubric's own examples run as tests (`rubric test`)
//! and warnings about rules that cannot work as meant (`rubric lint`).
//!
//! These sit above evaluation (they score example lines and calls with the rubric), which is
//! why they are not part of [`crate::rubric`], which evaluation itself depends on.

pub mod examples;
pub mod lint;
pub mod normalized;
pub mod schema;

/// The commented starter rubric `callqa rubric new` writes: every section with a short, working
/// example (it passes `rubric check` and `rubric test`).
pub const STARTER: &str = include_str!("starter.toml");
