//! Rust errors as Python exceptions, with their whole chain of causes
//! ("loading the model in m: m/config.json: ..."), as the command line
//! prints them.

use pyo3::PyErr;
use pyo3::exceptions::{PyRuntimeError, PyValueError};

/// A failure of retag's work (a file, a model, training): `RuntimeError`.
pub fn runtime(error: anyhow::Error) -> PyErr {
    PyRuntimeError::new_err(retag_cli::error_chain(&error))
}

/// Arguments that do not make a valid request: `ValueError`.
pub fn value(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
