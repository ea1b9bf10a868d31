//! `retag`: the command line. Parsing and printing only; the work is in the libraries.

mod args;
mod commands;
mod dataset;
mod device;
mod model_source;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, DataCommand};

fn main() -> ExitCode {
    retag_alloc::keep_freed_memory();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Data(DataCommand::Stats(args)) => commands::stats::run(args),
        Command::Data(DataCommand::Convert(args)) => commands::convert::run(args),
        Command::Data(DataCommand::Relabel(args)) => commands::relabel::run(args),
        Command::Data(DataCommand::Gazetteer(args)) => commands::gazetteer::run(args),
        Command::Data(DataCommand::Augment(args)) => commands::augment::run(args),
        Command::Predict(args) => commands::predict::run(args),
        Command::Train(args) => commands::train::run(args),
        Command::Plot(args) => commands::plot::run(args),
        Command::Retrain(args) => commands::retrain::run(args),
        Command::Plan(args) => commands::plan::run(args),
        Command::Compare(args) => commands::compare::run(args),
        Command::Extend(args) => commands::extend::run(args),
        Command::Eval(args) => commands::eval::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The whole chain: "reading x.txt: x.txt:12: invalid tag ...".
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
