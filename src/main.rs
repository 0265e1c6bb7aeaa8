//! The `regionfeed` command: parses arguments and hands over to the library's [`regionfeed::cli`].

use std::process::ExitCode;

use clap::Parser;
use regionfeed::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
