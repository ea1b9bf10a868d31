//! `retag._retag.run(args)`: one `retag` subcommand, run in this process.

use std::path::PathBuf;

use pyo3::prelude::*;

use crate::errors;

/// Runs `retag ARGS...` (for example `["retrain", "--model", "m", ...]`)
/// with the interpreter released, as the command line would: the same
/// parsing, the same checks, the same files written, progress on stderr.
/// `--help` prints the help and returns. A request the command line would
/// refuse raises `ValueError` with its message; a failure while working
/// raises `RuntimeError` with the whole chain of causes.
#[pyfunction]
pub fn run(py: Python<'_>, args: Vec<String>) -> PyResult<()> {
    let argv = std::iter::once("retag".to_string()).chain(args);
    let cli = match retag_cli::parse(argv) {
        Ok(cli) => cli,
        Err(error) if error.is_request_for_text() => {
            print!("{}", error.text());
            return Ok(());
        }
        Err(error) => return Err(errors::value(error.text())),
    };
    py.detach(|| retag_cli::run(&cli)).map_err(errors::runtime)
}

/// Makes `retag compare` start each of its runs as `program args...
/// retrain ...`: the package sets `sys.executable -m retag`, since this
/// process's own program is the interpreter, not a `retag` binary.
#[pyfunction]
pub fn set_launcher(program: PathBuf, args: Vec<String>) {
    retag_cli::set_launcher(program, args.into_iter().map(Into::into).collect());
}
