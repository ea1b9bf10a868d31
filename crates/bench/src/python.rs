//! Which Python runs the reference sides: the first candidate that imports
//! what a side needs (torch and transformers for PyTorch's; onnxruntime and
//! onnx beside them for ONNX Runtime's). A side whose Python is missing is
//! skipped with the reason, never an error: the bench runs retag's side
//! wherever cargo does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What PyTorch's sides import: `scripts/bench_encoder.py` and `scripts/bench_pipeline.py`.
pub const TORCH: &[&str] = &["torch", "transformers"];
/// What ONNX Runtime's sides import beyond [`TORCH`] (the export uses torch):
/// `onnx` for the export and the int8 copy, `onnxruntime` to run them.
pub const ONNX_RUNTIME: &[&str] = &["onnxruntime", "onnx"];

/// The Python to run PyTorch's side with: `explicit`, else the project's
/// virtual environment beside the checkout (`root/../venv`), else `python3`,
/// whichever imports torch and transformers. The error says what was tried.
pub fn find_torch(explicit: Option<&Path>, root: &Path) -> Result<PathBuf, String> {
    let candidates = match explicit {
        Some(path) => vec![path.to_path_buf()],
        None => vec![root.join("../venv/bin/python"), PathBuf::from("python3")],
    };
    for python in &candidates {
        if imports(python, TORCH) {
            return Ok(python.clone());
        }
    }
    let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(format!("none of {} imports {}; pass --python", tried.join(", "), TORCH.join(" and ")))
}

/// Whether `python` (PyTorch's) also runs ONNX Runtime; the error is the note
/// a skipped side gets.
pub fn check_onnx_runtime(python: &Path) -> Result<(), String> {
    if imports(python, ONNX_RUNTIME) {
        Ok(())
    } else {
        Err(format!(
            "{} does not import {} (`{0} -m pip install {}`)",
            python.display(),
            ONNX_RUNTIME.join(" and "),
            ONNX_RUNTIME.join(" ")
        ))
    }
}

/// Whether `python -c "import a, b"` succeeds.
pub fn imports(python: &Path, modules: &[&str]) -> bool {
    Command::new(python)
        .args(["-c", &format!("import {}", modules.join(", "))])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_python_is_a_reason_not_a_panic() {
        let missing = Path::new("/nonexistent/python");
        assert!(!imports(missing, &["sys"]));
        let reason = find_torch(Some(missing), Path::new(".")).unwrap_err();
        assert!(reason.contains("/nonexistent/python") && reason.contains("--python"), "{reason}");
        let reason = check_onnx_runtime(missing).unwrap_err();
        assert!(reason.contains("onnxruntime and onnx") && reason.contains("pip install onnxruntime onnx"), "{reason}");
    }

    #[test]
    fn a_python_without_the_module_does_not_import_it() {
        if imports(Path::new("python3"), &["sys"]) {
            assert!(!imports(Path::new("python3"), &["sys", "no_such_module_retag_bench"]));
        }
    }
}
