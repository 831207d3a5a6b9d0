//! Writing report files atomically: each file is written to a temporary sibling and renamed
//! into place, so an interrupted run never leaves a half-written report and an existing
//! report is never truncated on error.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("report");
    let tmp: PathBuf = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Renders one report file into a writer.
pub type Render<'a> = &'a dyn Fn(&mut dyn Write) -> io::Result<()>;

/// Renders every file first (so a rendering error writes nothing), then writes each
/// atomically into `dir` (created if needed).
pub fn write_dir(dir: &Path, files: &[(&str, Render)]) -> io::Result<Vec<PathBuf>> {
    let mut rendered = Vec::with_capacity(files.len());
    for (name, render) in files {
        let mut buf = Vec::new();
        render(&mut buf)?;
        rendered.push((dir.join(name), buf));
    }
    fs::create_dir_all(dir)?;
    for (path, bytes) in &rendered {
        write_atomic(path, bytes)?;
    }
    Ok(rendered.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_render_error_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ok = |out: &mut dyn Write| out.write_all(b"x");
        let bad = |_: &mut dyn Write| Err(io::Error::other("boom"));
        let r = write_dir(dir.path(), &[("a.txt", &ok), ("b.txt", &bad)]);
        assert!(r.is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
