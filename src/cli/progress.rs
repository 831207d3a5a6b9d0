//! A progress bar on stderr for long batches: bytes read of the inputs (which gives the ETA),
//! calls scored and calls per second. Shown only when stderr is a terminal, not in CI, and the
//! inputs are big enough to take a while; otherwise every method does nothing.

use callqa::inputs::Input;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Inputs smaller than this finish in about a second: no bar.
const MIN_BYTES: u64 = 4 * 1024 * 1024;

/// The bar, or nothing.
pub struct Bar {
    bar: Option<ProgressBar>,
    calls: AtomicU64,
    started: Instant,
}

impl Bar {
    /// A bar over the total size of `inputs`, when one should be shown.
    pub fn for_inputs(inputs: &[Input]) -> Bar {
        let total: u64 = inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
                Input::Stdin => 0,
            })
            .sum();
        let show = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() && total >= MIN_BYTES;
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} · {msg} · ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Bar { bar, calls: AtomicU64::new(0), started: Instant::now() }
    }

    /// One more call scored.
    pub fn call_done(&self) {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar
            && n.is_multiple_of(64)
        {
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{n} calls · {:.0} calls/s", n as f64 / secs));
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl callqa::batch::Progress for Bar {
    fn read(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }
}
