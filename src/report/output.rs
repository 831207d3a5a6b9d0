//! Writing reports as a set: every file of a run is written into a fresh staging folder, then
//! the folder is swapped in, so the destination always holds one whole run — never a new
//! `results.json` beside an old `report.html`, never a half-written file — whatever stops the
//! run (a full disk, SIGINT, `kill -9`, a second run into the same folder).
//!
//! - The staging folder is created exclusively (`mkdir` of a random name, [`tempfile`]) beside
//!   the destination, and each file in it with `O_EXCL`: a planted symlink is never followed.
//! - Each file is rendered straight into its file (no copy of a report is held in memory), and
//!   `manifest.json`, written last, names the run (a hash of every file) and lists the files.
//! - A destination that does not exist is renamed into place; one that holds only a report set
//!   is exchanged with the staging folder in one `renameat2(RENAME_EXCHANGE)` on Linux (two
//!   renames elsewhere); a destination that holds other files too (`--out .`) gets each file
//!   renamed in, the old manifest removed first and the new one last.
//! - Staging folders are registered while they live: [`remove_staging`] (called on SIGINT)
//!   deletes them. Only `kill -9` can leave one behind, as a hidden `.callqa-report-*` folder
//!   beside the destination, which input walks skip.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The name of the manifest that closes a report set.
pub const MANIFEST: &str = "manifest.json";
/// The schema tag of the manifest.
pub const MANIFEST_SCHEMA: &str = "callqa/report-set/v1";
/// The prefix of staging folders (hidden: walks and listings skip them).
pub const STAGING_PREFIX: &str = ".callqa-report-";

/// Staging folders alive now, for [`remove_staging`].
static STAGING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Deletes every staging folder of this process (the SIGINT handler calls it before exiting).
pub fn remove_staging() {
    let dirs = STAGING.lock().map(|mut d| std::mem::take(&mut *d)).unwrap_or_default();
    for d in dirs {
        let _ = fs::remove_dir_all(d);
    }
}

fn register(dir: &Path) {
    if let Ok(mut d) = STAGING.lock() {
        d.push(dir.to_path_buf());
    }
}

fn unregister(dir: &Path) {
    if let Ok(mut d) = STAGING.lock() {
        d.retain(|x| x != dir);
    }
}

/// Writes `bytes` to `path` atomically: an exclusively created temporary file in the same
/// folder (never a path an attacker could have planted), fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".callqa-tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Renders one report file into a writer.
pub type Render<'a> = &'a dyn Fn(&mut (dyn Write + Send)) -> io::Result<()>;

/// A writer that hashes what goes through it (FNV-1a, 64 bits) and counts the bytes.
struct Hashing<W> {
    inner: W,
    hash: u64,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        for &b in &buf[..n] {
            self.hash = (self.hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One file of a written set, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManifestFile {
    /// File name inside the report folder.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// FNV-1a 64 of the content, hex.
    pub fnv1a: String,
}

/// `manifest.json`: which run the folder holds and its files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// The run: a hash of every file's name and hash (the same reports give the same id).
    pub run: String,
    /// The files, in writing order.
    pub files: Vec<ManifestFile>,
}

impl Manifest {
    /// The manifest of the report folder `dir`, when it holds one of callqa's.
    pub fn read(dir: &Path) -> Option<Manifest> {
        let text = fs::read(dir.join(MANIFEST)).ok()?;
        let m: Manifest = serde_json::from_slice(&text).ok()?;
        (m.schema == MANIFEST_SCHEMA).then_some(m)
    }
}

/// Renders each file into a fresh staging folder beside `dir`, writes the manifest, then swaps
/// the set into `dir` (created if needed). A rendering or writing error leaves `dir` as it was
/// and removes the staging folder. Returns the paths written.
pub fn write_dir(dir: &Path, files: &[(&str, Render)]) -> io::Result<Vec<PathBuf>> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let staging = tempfile::Builder::new().prefix(STAGING_PREFIX).tempdir_in(&parent)?;
    register(staging.path());
    let result = fill_and_swap(dir, staging.path(), files);
    unregister(staging.path());
    // Removes what is left at the staging path: nothing after a rename, the old set after an
    // exchange, the partial set after an error.
    drop(staging);
    result
}

fn fill_and_swap(dir: &Path, staging: &Path, files: &[(&str, Render)]) -> io::Result<Vec<PathBuf>> {
    let mut listed = Vec::with_capacity(files.len());
    for (name, render) in files {
        let file = fs::OpenOptions::new().write(true).create_new(true).open(staging.join(name))?;
        let mut w = Hashing { inner: BufWriter::with_capacity(1 << 16, file), hash: 0xcbf2_9ce4_8422_2325, bytes: 0 };
        render(&mut w)?;
        w.flush()?;
        let file = w.inner.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        listed.push(ManifestFile { name: name.to_string(), bytes: w.bytes, fnv1a: format!("{:016x}", w.hash) });
    }
    let run = listed.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, f| {
        format!("{}\0{}\0", f.name, f.fnv1a).bytes().fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    });
    let manifest = Manifest { schema: MANIFEST_SCHEMA.into(), run: format!("{run:016x}"), files: listed };
    let mut m = fs::OpenOptions::new().write(true).create_new(true).open(staging.join(MANIFEST))?;
    serde_json::to_writer_pretty(&mut m, &manifest)?;
    m.write_all(b"\n")?;
    m.sync_all()?;
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    swap_in(dir, staging, &names)?;
    Ok(files.iter().map(|(n, _)| dir.join(n)).chain(std::iter::once(dir.join(MANIFEST))).collect())
}

/// Whether `dir` holds nothing but files a report set writes (`names`, an older set's files and
/// the manifest): such a folder can be swapped whole.
fn only_reports(dir: &Path, names: &[&str]) -> io::Result<bool> {
    let mut ours: BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
    ours.insert(MANIFEST.into());
    if let Some(m) = Manifest::read(dir) {
        ours.extend(m.files.into_iter().map(|f| f.name));
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_file() || !ours.contains(&name) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Moves the set in `staging` to `dir` (see the module documentation).
fn swap_in(dir: &Path, staging: &Path, names: &[&str]) -> io::Result<()> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return fs::rename(staging, dir),
        Err(e) => return Err(e),
    };
    if meta.is_dir() && only_reports(dir, names)? {
        if exchange(staging, dir).is_ok() {
            return Ok(());
        }
        // No atomic exchange here: the old set steps aside, the new one takes its name.
        let aside =
            tempfile::Builder::new().prefix(STAGING_PREFIX).tempdir_in(staging.parent().unwrap_or(Path::new(".")))?;
        let old = aside.path().join("old");
        fs::rename(dir, &old)?;
        if let Err(e) = fs::rename(staging, dir) {
            let _ = fs::rename(&old, dir);
            return Err(e);
        }
        return Ok(());
    }
    // A folder with other files (or a symlink to one): the files go in one by one, framed by
    // the manifest, which names the run only once every file is in place.
    let target = fs::canonicalize(dir)?;
    match fs::remove_file(target.join(MANIFEST)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    for name in names {
        fs::rename(staging.join(name), target.join(name))?;
    }
    fs::rename(staging.join(MANIFEST), target.join(MANIFEST))
}

/// Exchanges two folders atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic exchange of folders on this system"))
}

/// The report files in `dir` that callqa wrote, which an input walk must not read back: the
/// files its manifest lists and the manifest, or — for a folder written before manifests — the
/// five report files when its `results.json` is callqa's.
pub fn own_reports(dir: &Path) -> Vec<PathBuf> {
    if let Some(m) = Manifest::read(dir) {
        return m.files.iter().map(|f| dir.join(&f.name)).chain(std::iter::once(dir.join(MANIFEST))).collect();
    }
    let results = dir.join("results.json");
    let mut head = [0u8; 64];
    let is_ours = fs::File::open(&results)
        .and_then(|mut f| io::Read::read(&mut f, &mut head))
        .is_ok_and(|n| String::from_utf8_lossy(&head[..n]).contains(super::SCHEMA));
    if !is_ours {
        return Vec::new();
    }
    ["results.json", "calls.csv", "summary.md", "junit.xml", "report.html"].iter().map(|n| dir.join(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &'static str) -> impl Fn(&mut (dyn Write + Send)) -> io::Result<()> {
        move |out: &mut (dyn Write + Send)| out.write_all(text.as_bytes())
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

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
    fn a_render_error_writes_nothing_and_leaves_the_old_set() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let (a, b) = (ok("a1"), ok("b1"));
        write_dir(&out, &[("a.txt", &a), ("b.txt", &b)]).unwrap();
        let bad = |_: &mut (dyn Write + Send)| Err(io::Error::other("boom"));
        let a2 = ok("a2");
        assert!(write_dir(&out, &[("a.txt", &a2), ("b.txt", &bad)]).is_err());
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "a1", "the old set stays whole");
        assert_eq!(names(dir.path()), ["out"], "no staging folder is left");
    }

    #[test]
    fn a_set_replaces_a_set_whole_and_names_its_run() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let (a, b, c) = (ok("a1"), ok("b1"), ok("c1"));
        write_dir(&out, &[("a.txt", &a), ("b.txt", &b), ("c.txt", &c)]).unwrap();
        let first = Manifest::read(&out).unwrap();
        let (a, b) = (ok("a2"), ok("b2"));
        let written = write_dir(&out, &[("a.txt", &a), ("b.txt", &b)]).unwrap();
        assert_eq!(written.len(), 3);
        assert_eq!(names(&out), ["a.txt", "b.txt", "manifest.json"], "the older set's extra file went with it");
        let second = Manifest::read(&out).unwrap();
        assert_ne!(first.run, second.run);
        assert_eq!(second.files.iter().map(|f| f.bytes).collect::<Vec<_>>(), [2, 2]);
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn a_folder_with_other_files_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("call.txt"), "坐席：您好").unwrap();
        let a = ok("a");
        write_dir(dir.path(), &[("a.txt", &a)]).unwrap();
        assert_eq!(names(dir.path()), ["a.txt", "call.txt", "manifest.json"]);
        assert_eq!(
            own_reports(dir.path()),
            [dir.path().join("a.txt"), dir.path().join(MANIFEST)],
            "a walk skips the reports, not the calls"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        for pid in [std::process::id(), 1, 2] {
            std::os::unix::fs::symlink(&victim, out.join(format!(".results.json.tmp-{pid}"))).unwrap();
        }
        let a = ok("new");
        write_dir(&out, &[("results.json", &a)]).unwrap();
        write_atomic(&out.join("x.json"), b"new").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(fs::read_to_string(out.join("results.json")).unwrap(), "new");
    }
}
