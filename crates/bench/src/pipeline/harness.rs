//! What every case of the pipeline bench runs in: the programs, the
//! environment they share (one thread count everywhere), where their inputs,
//! outputs and logs go, and the checkpoint every side loads, with its ONNX
//! export.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::process::{Measured, measure};

pub(super) struct Harness {
    pub retag: PathBuf,
    /// The Python with torch; `None`: no reference side runs.
    pub python: Option<PathBuf>,
    /// Run the reference sides (off with `--no-pytorch`; the checkpoint is
    /// still made with torch where it is installed, so that runs with and
    /// without them time the same model).
    pub references: bool,
    pub root: PathBuf,
    pub threads: usize,
    pub checkpoint: PathBuf,
    /// The folder of `model.onnx` and `model-int8.onnx`; `None`: ONNX Runtime's sides are skipped.
    pub onnx: Option<PathBuf>,
    /// train.txt, dev.txt, test.txt as the cases use them (slices with --quick).
    pub data: PathBuf,
    pub inputs: PathBuf,
    pub outputs: PathBuf,
    pub logs: PathBuf,
}

impl Harness {
    /// The environment every side runs in: the same thread count everywhere.
    pub fn command(&self, program: &Path) -> Command {
        let threads = self.threads.to_string();
        let mut command = Command::new(program);
        command.current_dir(&self.root);
        // retag: burn's rayon pool; the inner BLAS libraries get 1, as in `bench encoder`.
        command.env("RAYON_NUM_THREADS", &threads);
        command.env("MATMUL_NUM_THREADS", "1");
        command.env("OPENBLAS_NUM_THREADS", "1");
        // PyTorch: the scripts call torch.set_num_threads(--threads); ONNX
        // Runtime gets --threads intra-op threads. OpenMP/MKL and the
        // tokenizers' rayon pool are held to the same count.
        command.env("OMP_NUM_THREADS", &threads);
        command.env("MKL_NUM_THREADS", &threads);
        command.env("RAYON_RS_NUM_CPUS", &threads);
        command
    }

    /// `python scripts/SCRIPT`, when there is a Python with torch.
    pub fn python_command(&self, script: &str) -> Option<Command> {
        let mut command = self.command(self.python.as_deref()?);
        command.arg(self.root.join("scripts").join(script));
        Some(command)
    }

    /// Runs one side of one case; a failure is reported and leaves that side empty.
    pub fn measure(&self, label: &str, side: &str, command: &mut Command) -> Option<Measured> {
        let log = self.logs.join(format!("{}-{side}.log", label.replace(' ', "-")));
        eprintln!("{label}: {side}...");
        match measure(command, &log) {
            Ok(measured) => {
                eprintln!("{label}: {side}: {:.1} s", measured.wall_secs);
                Some(measured)
            }
            Err(error) => {
                eprintln!("{label}: {side}: {error:#}");
                None
            }
        }
    }

    /// The token-classification checkpoint every side loads: made by
    /// `bench_pipeline.py make-model` (MiniLM + a seeded random classifier for
    /// `labels_from`'s tags); without torch, by `retag train` for one epoch
    /// on the (sliced) training data, only so retag's side can run.
    pub fn make_checkpoint(&self, base: &Path, labels_from: &Path, work: &Path, fresh: bool) -> Result<PathBuf> {
        let (dir, mut command) = match self.python_command("bench_pipeline.py") {
            Some(mut command) => {
                let dir = work.join("checkpoint");
                command.arg("make-model").arg("--base").arg(base).arg("--labels-from").arg(labels_from);
                command.arg("--out").arg(&dir);
                (dir, command)
            }
            None => {
                let dir = work.join("checkpoint-retag-train");
                let mut command = self.command(&self.retag);
                command.arg("train").arg("--model").arg(base);
                command.arg("--train").arg(self.data.join("train.txt")).arg("--dev").arg(self.data.join("dev.txt"));
                command.args(["--epochs", "1", "--progress", "off", "--out"]).arg(&dir);
                command.arg("--run-dir").arg(work.join("checkpoint-retag-train.run"));
                (dir, command)
            }
        };
        if dir.join("config.json").is_file() && dir.join("model.safetensors").is_file() && !fresh {
            eprintln!("checkpoint: cached at {}", dir.display());
            return Ok(dir);
        }
        for stale in [dir.clone(), dir.with_extension("run")] {
            remove_dir(&stale)?;
        }
        eprintln!("checkpoint: making {}", dir.display());
        measure(&mut command, &self.logs.join("checkpoint.log")).context("making the bench's checkpoint")?;
        Ok(dir)
    }

    /// The checkpoint exported to ONNX once (`bench_pipeline.py onnx-export`:
    /// `model.onnx` and its int8 copy `model-int8.onnx`) into `work/onnx`,
    /// again when the checkpoint is newer than the export.
    pub fn export_onnx(&self, work: &Path) -> Result<PathBuf> {
        let dir = work.join("onnx");
        let weights = self.checkpoint.join("model.safetensors");
        let files = ["model.onnx", "model-int8.onnx"];
        if files.iter().all(|file| is_newer(&dir.join(file), &weights)) {
            eprintln!("onnx: cached at {}", dir.display());
            return Ok(dir);
        }
        remove_dir(&dir)?;
        let mut command = self.python_command("bench_pipeline.py").context("no Python with torch")?;
        command.arg("onnx-export").arg("--model").arg(&self.checkpoint).arg("--out").arg(&dir);
        eprintln!("onnx: exporting the checkpoint to {}", dir.display());
        measure(&mut command, &self.logs.join("onnx-export.log")).context("exporting the checkpoint to ONNX")?;
        Ok(dir)
    }
}

/// Whether `file` exists and was written after `than` was.
fn is_newer(file: &Path, than: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|meta| meta.modified()).ok();
    matches!((modified(file), modified(than)), (Some(file), Some(than)) if file >= than)
}

fn remove_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    Ok(())
}

/// Removes a side's output left by an earlier run, so that a failed side cannot be compared.
pub(super) fn remove_file(path: &Path) -> Result<()> {
    if path.exists() {
        std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}

/// A JSON file a side wrote, or `null` when it wrote none.
pub(super) fn read_json(path: &Path) -> Value {
    std::fs::read_to_string(path).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_is_stale_once_the_checkpoint_is_newer() {
        let dir = std::env::temp_dir().join(format!("retag-bench-harness-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (old, new) = (dir.join("old"), dir.join("new"));
        std::fs::write(&old, "").expect("temp dir");
        std::fs::write(&new, "").expect("temp dir");
        let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&old).and_then(|file| file.set_modified(earlier)).expect("set mtime");
        assert!(is_newer(&new, &old));
        assert!(!is_newer(&old, &new));
        assert!(!is_newer(&dir.join("missing"), &old));
        assert!(read_json(&dir.join("missing")).is_null());
        remove_file(&new).expect("removes");
        remove_file(&new).expect("nothing to remove is fine");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
