//! The rubric: a TOML file of general rule types (phrase matchers, similarity to model lines,
//! numeric claims against approved facts, trigger → response windows, turn metrics) that says
//! what a good call of one script looks like. Loaded, validated and compiled once.

pub mod compile;
pub mod error;
pub mod load;
pub mod model;
pub mod validate;

pub use compile::CompiledRubric;
pub use error::{RubricError, RubricErrors};
pub use model::RubricFile;

/// The default rubric, embedded in the binary.
pub const DEFAULT_RUBRIC: &str = include_str!("../../rubrics/changjiang-plan-upsell.toml");
/// The name the embedded default rubric is reported under.
pub const DEFAULT_RUBRIC_PATH: &str = "rubrics/changjiang-plan-upsell.toml";

/// The shared list files under `rubrics/common/` as `(path, text)`, embedded by `build.rs` so
/// that the default rubric's `include`s resolve in a binary run from anywhere.
pub const EMBEDDED_INCLUDES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_includes.rs"));

/// Loads and compiles rubric text; its includes are read from disk relative to `path`.
pub fn from_str(path: &str, source: &str) -> Result<CompiledRubric, RubricErrors> {
    from_str_with(path, source, load::Includes::Disk)
}

/// Loads and compiles rubric text, reading its includes from `includes`.
pub fn from_str_with(path: &str, source: &str, includes: load::Includes) -> Result<CompiledRubric, RubricErrors> {
    // jieba's dictionary is most of a cold start and does not depend on the rubric: it loads on
    // another thread while the rubric is parsed, validated and compiled. The thread is not
    // scoped, so that a rubric with errors is reported at once instead of after the load.
    let base = std::thread::spawn(crate::text::segment::default_jieba);
    let file = load::parse_with(path, source, includes)?;
    Ok(compile::compile_with(file, path, source, || {
        base.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }))
}

/// Loads and compiles a rubric file.
pub fn from_path(path: &std::path::Path) -> Result<CompiledRubric, RubricErrors> {
    let shown = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| {
        RubricErrors(vec![RubricError {
            path: shown.clone(),
            span: None,
            message: format!("cannot read the rubric: {e}"),
            hint: String::new(),
        }])
    })?;
    from_str(&shown, &source)
}

/// The embedded default rubric, compiled.
pub fn default_rubric() -> Result<CompiledRubric, RubricErrors> {
    from_str_with(DEFAULT_RUBRIC_PATH, DEFAULT_RUBRIC, load::Includes::Embedded(EMBEDDED_INCLUDES))
}
