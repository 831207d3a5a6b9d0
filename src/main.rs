//! The `callqa` binary: the command line only; all work is done by the library.

mod cli;

/// Scoring allocates many small short-lived strings and vectors per turn; mimalloc serves them
/// with far fewer instructions than the system allocator, and per thread.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
