//! The `retag` command line as a library. Two front ends run it: the `retag`
//! binary (`src/main.rs`) and the Python module (`crates/python`), whose
//! `retrain`, `plan` and `compare` are these commands, parsed and checked by
//! the same code, not a second copy of their flags. Parsing and printing
//! only; the work is in the libraries.

mod args;
mod commands;
mod dataset;
mod device;
mod error_chain;
mod logging;
mod model_source;

use std::path::{Path, PathBuf};

use anyhow::Result;
use burn::tensor::Device;
use clap::Parser;
use retag_predict::{PredictOptions, Predictor};

pub use args::Cli;
use args::{Backend, Command, DataCommand};
pub use error_chain::error_chain;

/// Runs one parsed command, with the log level its `-v`/`-q` ask for.
pub fn run(cli: &Cli) -> Result<()> {
    logging::init(cli.verbose, cli.quiet);
    match &cli.command {
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
    }
}

/// Parses a whole argument list, the program name first, without exiting
/// the process on `--help` or on a mistake (the binary lets clap do that;
/// a Python caller must get them back).
pub fn parse<I, T>(argv: I) -> std::result::Result<Cli, ParseFailure>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(argv).map_err(ParseFailure)
}

/// Why an argument list did not parse: a mistake, or a request for text
/// (`--help`, `--version`) that is not one.
#[derive(Debug)]
pub struct ParseFailure(clap::Error);

impl ParseFailure {
    /// `--help`, `--version` or a bare command group: the text is the answer.
    pub fn is_request_for_text(&self) -> bool {
        use clap::error::ErrorKind;
        matches!(
            self.0.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    }

    /// What clap would print, without colours.
    pub fn text(&self) -> String {
        self.0.render().to_string()
    }
}

impl std::fmt::Display for ParseFailure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.text())
    }
}

impl std::error::Error for ParseFailure {}

/// The device `--backend NAME` picks ("cpu" or "gpu"), for a front end
/// that takes the backend by name.
pub fn device_named(name: &str) -> Result<Device> {
    let backend = match name.to_ascii_lowercase().as_str() {
        "cpu" => Backend::Cpu,
        "gpu" => Backend::Gpu,
        _ => anyhow::bail!("backend {name:?}: expected \"cpu\" or \"gpu\""),
    };
    device::device(backend)
}

/// How `retag compare` starts its runs, when not with this program itself.
static LAUNCHER: std::sync::OnceLock<retag_compare::Launcher> = std::sync::OnceLock::new();

/// Makes `retag compare` start each run with `program leading_args...
/// retrain ...` instead of this program. The Python module sets it: there
/// this program is the interpreter, and `python -m retag` is the command line.
/// The first call wins.
pub fn set_launcher(program: PathBuf, leading_args: Vec<std::ffi::OsString>) {
    let _ = LAUNCHER.set(retag_compare::Launcher { program, leading_args });
}

/// What starts a `retag retrain` run: the launcher set, else this program.
fn launcher() -> Result<retag_compare::Launcher> {
    if let Some(launcher) = LAUNCHER.get() {
        return Ok(launcher.clone());
    }
    let binary = std::env::current_exe()
        .map_err(|error| anyhow::anyhow!("cannot find the retag binary to run the recipes with: {error}"))?;
    Ok(binary.as_path().into())
}

/// The model `spec` names (a folder, or a hub id where this build has the
/// `hub` feature), loaded on `device` with `options`, as `retag predict`
/// loads it.
pub fn load_predictor(spec: &Path, device: &Device, options: PredictOptions) -> Result<Predictor> {
    commands::predict::load_on(spec, device, options)
}
