//! The `callqa` binary: the command line only; all work is done by the library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
