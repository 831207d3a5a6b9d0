//! The `callqa` binary: the command line only; all work is done by the library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}

// jemalloc: with glibc's malloc, scoring threads spent a tenth of their time in allocator
// locks and consolidation; jemalloc's per-thread caches cut the wall time of 20k calls by
// about 15% (6.3 → 5.4 s on one thread, 3.9 → 3.3 s on two) for about 9 MB more peak RSS.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
