//! `retag`: the command line. Parsing and printing only; the commands are in
//! the crate's library (`src/lib.rs`), the work in the other crates.

use std::process::ExitCode;

use clap::Parser;
use retag_cli::Cli;

fn main() -> ExitCode {
    retag_alloc::keep_freed_memory();
    let cli = Cli::parse();
    match retag_cli::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The whole chain: "reading x.txt: x.txt:12: invalid tag ...".
            eprintln!("error: {}", retag_cli::error_chain(&error));
            ExitCode::FAILURE
        }
    }
}
