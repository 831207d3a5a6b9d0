//! Where the calls of a batch wait while the report files are written: in memory (a merge of
//! parts, a test) or spilled to an unnamed temporary file, one JSON line per call, so that
//! `report` holds a few calls at a time however big the batch. Each format reads the calls
//! again, in order, as it writes them.

use crate::eval::result::CallResult;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;

/// Calls spilled to disk: an unnamed temporary file (gone when the process ends, however it
/// ends) and the offset of each call in it.
pub struct Spill {
    file: BufWriter<File>,
    offsets: Vec<u64>,
    end: u64,
}

impl Spill {
    /// An empty spill in `dir` (beside the reports, on their disk: the system's temporary
    /// folder may be memory).
    pub fn new_in(dir: &Path) -> io::Result<Spill> {
        Ok(Spill { file: BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir)?), offsets: Vec::new(), end: 0 })
    }

    /// Appends one call.
    pub fn push(&mut self, call: &CallResult) -> io::Result<()> {
        let mut line = Vec::with_capacity(4096);
        serde_json::to_writer(&mut line, call)?;
        line.push(b'\n');
        self.push_line(&line)
    }

    /// Appends one call already written as a JSON line (`serde_json::to_writer` plus `\n`).
    pub fn push_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.file.write_all(line)?;
        self.offsets.push(self.end);
        self.end += line.len() as u64;
        Ok(())
    }

    /// Calls pushed so far.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether no call was pushed.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// Ends writing: the spill can now be read.
    pub fn finish(self) -> io::Result<Spilled> {
        let file = self.file.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok(Spilled { file, offsets: self.offsets })
    }
}

/// A finished [`Spill`], read once per format.
pub struct Spilled {
    file: File,
    offsets: Vec<u64>,
}

/// The calls of a batch as the report writers read them.
pub enum Calls<'a> {
    /// Held in memory.
    Memory(&'a [CallResult]),
    /// Spilled to disk.
    Spilled(&'a Spilled),
}

impl Calls<'_> {
    /// Number of calls.
    pub fn len(&self) -> usize {
        match self {
            Calls::Memory(c) => c.len(),
            Calls::Spilled(s) => s.offsets.len(),
        }
    }

    /// Whether there is no call.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hands `f` the calls `range` (clamped to the calls), in order.
    pub fn each(&self, range: Range<usize>, f: &mut dyn FnMut(&CallResult) -> io::Result<()>) -> io::Result<()> {
        let range = range.start.min(self.len())..range.end.min(self.len());
        match self {
            Calls::Memory(calls) => calls[range].iter().try_for_each(f),
            Calls::Spilled(s) => {
                let Some(&start) = s.offsets.get(range.start) else { return Ok(()) };
                // `&File` reads and seeks: the writers take turns, each from its own offset.
                let mut file = &s.file;
                file.seek(SeekFrom::Start(start))?;
                let mut reader = BufReader::with_capacity(1 << 16, file);
                let mut line = Vec::with_capacity(4096);
                for _ in range {
                    line.clear();
                    if reader.read_until(b'\n', &mut line)? == 0 {
                        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the spilled calls ended early"));
                    }
                    let call: CallResult = serde_json::from_slice(&line)?;
                    f(&call)?;
                }
                Ok(())
            }
        }
    }

    /// The calls `range` in memory (a page of `report.html`).
    pub fn collect(&self, range: Range<usize>) -> io::Result<Vec<CallResult>> {
        let mut out = Vec::with_capacity(range.len().min(self.len()));
        self.each(range, &mut |c| {
            out.push(c.clone());
            Ok(())
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_calls_read_back_in_order_from_any_start() {
        let engine = crate::Engine::new(crate::rubric::default_rubric().unwrap(), crate::Options::default());
        let calls: Vec<CallResult> = (0..5)
            .map(|i| engine.score_bytes(&format!("c{i}.txt"), "坐席：您好\n客户：好的\n".as_bytes()).remove(0).unwrap())
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let mut spill = Spill::new_in(dir.path()).unwrap();
        for c in &calls {
            spill.push(c).unwrap();
        }
        let spilled = spill.finish().unwrap();
        let store = Calls::Spilled(&spilled);
        assert_eq!(store.len(), 5);
        assert_eq!(store.collect(0..5).unwrap(), calls);
        assert_eq!(store.collect(3..9).unwrap(), calls[3..]);
        assert_eq!(Calls::Memory(&calls).collect(1..3).unwrap(), calls[1..3]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the spill has no name");
    }
}
