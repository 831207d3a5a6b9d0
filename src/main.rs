//! The `callqa` binary: the command line only; all work is done by the library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}

// jemalloc: with glibc's malloc, scoring threads spent a tenth of their time in allocator
// locks and consolidation; jemalloc's per-thread caches cut wall time by about 12% for 2 MB
// more peak RSS per thread (figures in the README's performance section).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
