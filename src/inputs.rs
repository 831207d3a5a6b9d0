//! Expanding command-line inputs (files, directories, `-`) into an ordered list of sources.
//!
//! What a walk reads is predictable whatever the tree holds: only regular files (a FIFO named
//! `*.txt` would block the batch forever, a device never ends), every directory once (a symlink
//! to a parent is not a loop, two links to one folder do not walk it twice), and every file
//! once, however many paths or links lead to it (the same folder given twice does not report
//! each call as a duplicate of itself).

use crate::error::InputError;
use std::collections::HashSet;
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

/// Expands `paths`: files as given, directories recursively (sorted, only regular files with a
/// transcript extension, and only files matching `glob` — relative to the directory — when
/// given), `-` as stdin. A file reached twice (the same path given twice, a folder and a file in
/// it, a symlink) is read once, under the first path that reached it. Paths that do not exist
/// and special files met in a walk are returned as errors.
pub fn expand(paths: &[PathBuf], glob: Option<&globset::GlobSet>) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let mut seen = Seen::default();
    let mut stdin = false;
    for p in paths {
        if p.as_os_str() == "-" {
            // Standard input can be read once only.
            if !std::mem::replace(&mut stdin, true) {
                inputs.push(Input::Stdin);
            }
        } else if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut seen, &mut found, &mut errors);
            if let Some(g) = glob {
                found.retain(|f| f.strip_prefix(p).is_ok_and(|rel| g.is_match(rel)));
            }
            found.sort();
            inputs.extend(found.into_iter().filter(|f| seen.first_file(f)).map(Input::File));
        } else if p.exists() {
            // A path named on the command line is read whatever it is (`<(cmd)` is a FIFO); the
            // reader enforces --max-file-bytes while it reads.
            if seen.first_file(p) {
                inputs.push(Input::File(p.clone()));
            }
        } else {
            errors.push(InputError::file(&p.display().to_string(), "no such file or directory"));
        }
    }
    (inputs, errors)
}

/// Directories walked and files taken, by canonical path (symlinks and `..` resolved).
#[derive(Default)]
struct Seen {
    dirs: HashSet<PathBuf>,
    files: HashSet<PathBuf>,
}

impl Seen {
    /// True the first time a directory is met (false for a cycle or a second link to it).
    fn first_dir(&mut self, dir: &Path) -> bool {
        self.dirs.insert(canonical(dir))
    }

    /// True the first time a file is met.
    fn first_file(&mut self, file: &Path) -> bool {
        self.files.insert(canonical(file))
    }
}

/// The canonical path, or the path as given when it cannot be resolved (it is then read, and
/// the read reports why it fails).
fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn walk(dir: &Path, seen: &mut Seen, out: &mut Vec<PathBuf>, errors: &mut Vec<InputError>) {
    if !seen.first_dir(dir) {
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(e) => e.flatten().map(|e| e.path()).collect(),
        Err(e) => {
            errors.push(InputError::file(&dir.display().to_string(), format!("cannot read directory: {e}")));
            return;
        }
    };
    // callqa's own reports (`report --out` inside an input folder) are not inputs.
    let own = crate::report::output::own_reports(dir);
    // Sorted, so that which of two paths to one file is kept never depends on the file system.
    entries.sort();
    for path in entries {
        if own.contains(&path) || is_staging(&path) {
            continue;
        }
        // `metadata` follows symlinks: a link to a folder is walked (once), a link to a file read.
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, seen, out, errors),
            Ok(m) if m.is_file() => {
                if is_transcript(&path) {
                    out.push(path);
                }
            }
            Ok(_) => {
                if is_transcript(&path) {
                    errors.push(InputError::file(
                        &path.display().to_string(),
                        "not a regular file (a FIFO, socket or device): skipped; name it on the command \
                         line to read it",
                    ));
                }
            }
            Err(e) => {
                if is_transcript(&path) {
                    errors.push(InputError::file(&path.display().to_string(), format!("cannot read the file: {e}")));
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn files(inputs: &[Input], root: &Path) -> Vec<String> {
        inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => p.strip_prefix(root).unwrap_or(p).display().to_string(),
                Input::Stdin => "-".into(),
            })
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn symlink_cycles_and_repeats_are_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("calls")).unwrap();
        std::fs::write(root.join("calls/a.txt"), "坐席：您好").unwrap();
        std::os::unix::fs::symlink(root, root.join("calls/up")).unwrap();
        std::os::unix::fs::symlink(root, root.join("calls/up2")).unwrap();
        std::os::unix::fs::symlink(root.join("calls/a.txt"), root.join("b.txt")).unwrap();
        let given = vec![root.to_path_buf(), root.join("calls"), root.join("calls/a.txt"), "-".into(), "-".into()];
        let (inputs, errors) = expand(&given, None);
        assert!(errors.is_empty(), "{errors:?}");
        // b.txt sorts first and is a link to calls/a.txt: the one file is read once.
        assert_eq!(files(&inputs, root), ["b.txt", "-"]);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_in_a_walk_are_errors_not_reads() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo on this system
        }
        std::fs::write(dir.path().join("ok.txt"), "坐席：您好").unwrap();
        let (inputs, errors) = expand(&[dir.path().to_path_buf()], None);
        assert_eq!(files(&inputs, dir.path()), ["ok.txt"]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("not a regular file"), "{errors:?}");
    }
}
