//! `retag._retag`, the extension module behind the Python package `retag`
//! (`python/retag/__init__.py`): the same Rust code as the `retag` command.
//!
//! - [`tagger::Tagger`] keeps a model loaded and tags batches of sentences,
//!   pre-tokenised words or raw texts, with the interpreter released while
//!   it works (other Python threads run; Ray and Spark workers call it from
//!   their own threads).
//! - [`command::run`] runs any `retag` subcommand in this process from its
//!   argument list: `retrain`, `plan` and `compare` in Python are the
//!   command line's own parsing, checks and code, not a second copy of them.

use pyo3::prelude::*;

mod command;
mod errors;
mod tagger;

#[pymodule]
fn _retag(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<tagger::Tagger>()?;
    module.add_function(wrap_pyfunction!(command::run, module)?)?;
    module.add_function(wrap_pyfunction!(command::set_launcher, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
