//! Expanding command-line inputs (files, directories, `-`) into an ordered list of sources.

use std::path::{Path, PathBuf};

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// Extensions read when walking a directory. Label files (`*.expect.json`) are skipped.
const EXTENSIONS: &[&str] = &["txt", "json", "jsonl", "ndjson", "csv", "vtt", "srt"];

/// Expands `paths`: files as given, directories recursively (sorted, only transcript
/// extensions, and only files matching `glob` — relative to the directory — when given), `-`
/// as stdin. Paths that do not exist are returned as errors.
pub fn expand(paths: &[PathBuf], glob: Option<&globset::GlobSet>) -> (Vec<Input>, Vec<crate::error::InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found, &mut errors);
            if let Some(g) = glob {
                found.retain(|f| f.strip_prefix(p).is_ok_and(|rel| g.is_match(rel)));
            }
            found.sort();
            inputs.extend(found.into_iter().map(Input::File));
        } else if p.exists() {
            inputs.push(Input::File(p.clone()));
        } else {
            errors.push(crate::error::InputError::file(&p.display().to_string(), "no such file or directory"));
        }
    }
    (inputs, errors)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<crate::error::InputError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(crate::error::InputError::file(
                &dir.display().to_string(),
                format!("cannot read directory: {e}"),
            ));
            return;
        }
    };
    // callqa's own reports (`report --out` inside an input folder) are not inputs.
    let own = crate::report::output::own_reports(dir);
    for entry in entries.flatten() {
        let path = entry.path();
        if own.contains(&path) || is_staging(&path) {
            continue;
        }
        if path.is_dir() {
            walk(&path, out, errors);
        } else if is_transcript(&path) {
            out.push(path);
        }
    }
}

fn is_transcript(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name.starts_with('.') || name.ends_with(".expect.json") {
        return false;
    }
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A staging folder of a report set being written (or left by a killed run).
fn is_staging(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(crate::report::output::STAGING_PREFIX))
}
