//! `cargo xtask bench encoder`: `retag-bench encoder` once per burn backend
//! (each backend a build of its own, made by the caller with cargo), every
//! case of every backend in its own process so that each peak memory is its
//! own, the PyTorch reference (`scripts/bench_encoder.py`) where torch is at
//! hand, and one table of all the results files (`report.rs`). Cases run one
//! after the other across backends, so the figures of one case are taken
//! close together in time.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};

use crate::python::find_torch;
use crate::report;

/// The backends `retag-bench` has a feature for.
pub const BACKENDS: [&str; 6] = ["flex", "flex-avx512", "ndarray", "ndarray-blas", "cpu", "wgpu"];
/// The cases of `retag-bench encoder` and `scripts/bench_encoder.py`.
pub const CASES: [&str; 5] = ["random-32", "random-128", "wnut17-test", "train-32", "train-128"];

/// What to run: which backends and cases, on what, how often.
#[derive(Debug, Clone)]
pub struct EncoderRuns {
    /// The repository's root: `scripts/` and `target/bench/` are under it.
    pub root: PathBuf,
    pub backends: Vec<String>,
    pub cases: Vec<String>,
    /// The checkpoint folder (config.json, model.safetensors, tokenizer.json).
    pub model: PathBuf,
    /// The CoNLL file of the real-length mix.
    pub data: PathBuf,
    /// Fewer repetitions: `--quick` to both benchmarks.
    pub quick: bool,
    pub reps: Option<usize>,
    pub mix_reps: Option<usize>,
    /// Threads for every engine: rayon's pool for burn, torch's.
    pub threads: usize,
    /// The Python to try first for PyTorch's side (see [`find_torch`]).
    pub python: Option<PathBuf>,
    /// The reference for "% of ceiling" (default [`report::DEFAULT_CEILING_GFLOPS`]).
    pub ceiling_gflops: Option<f64>,
}

impl EncoderRuns {
    /// Checks the names and the model before anything is built.
    pub fn check(&self) -> Result<()> {
        for case in &self.cases {
            ensure!(CASES.contains(&case.as_str()), "unknown case {case:?} (the cases are {})", CASES.join(", "));
        }
        for backend in &self.backends {
            ensure!(
                BACKENDS.contains(&backend.as_str()),
                "unknown backend {backend:?} (retag-bench has {})",
                BACKENDS.join(", ")
            );
        }
        ensure!(
            self.model.join("config.json").is_file(),
            "no model at {}: run `cargo xtask fetch-model`, or pass --model DIR",
            self.model.display()
        );
        Ok(())
    }

    /// Where results go: `target/bench` under the root.
    pub fn out_dir(&self) -> PathBuf {
        self.root.join("target").join("bench")
    }

    /// Builds each backend's binary with `build` (a release build of
    /// retag-bench with that feature alone; a backend that fails to build is
    /// skipped with the reason), runs every case and returns the table, also
    /// written to `target/bench/encoder-summary.md`.
    pub fn run(&self, mut build: impl FnMut(&str) -> Result<PathBuf>) -> Result<String> {
        self.check()?;
        let out_dir = self.out_dir();
        let bin_dir = out_dir.join("bin");
        std::fs::create_dir_all(&bin_dir).with_context(|| format!("cannot create {}", bin_dir.display()))?;
        let mut built = Vec::new();
        for backend in &self.backends {
            eprintln!("{backend}: building retag-bench --release --features {backend}");
            match build(backend).map_err(|error| anyhow::anyhow!("{error}{}", build_hint(backend))) {
                // Copied out of the target folder so that the next backend's build does not replace it.
                Ok(binary) => {
                    let copy = bin_dir.join(format!("retag-bench-{backend}"));
                    std::fs::copy(&binary, &copy)
                        .with_context(|| format!("cannot copy {} to {}", binary.display(), copy.display()))?;
                    built.push((backend.as_str(), copy));
                }
                Err(error) => eprintln!("{backend}: skipped: {error:#}"),
            }
        }
        let Some((_, any_binary)) = built.first() else { bail!("no backend built") };

        let mix_ids = out_dir.join("wnut17-test-ids.json");
        let mut mix = Command::new(any_binary);
        mix.args(["mix", "--model"]).arg(&self.model).arg("--data").arg(&self.data).arg("--out").arg(&mix_ids);
        let status = mix.status().context("cannot run retag-bench mix")?;
        ensure!(status.success(), "retag-bench mix failed ({status})");
        let python = find_torch(self.python.as_deref(), &self.root);
        if let Err(reason) = &python {
            eprintln!("pytorch: skipped: no torch ({reason})");
        }

        let mut results = Vec::new();
        for case in &self.cases {
            if let Ok(python) = &python {
                let out = out_dir.join(format!("encoder-pytorch-{case}.json"));
                let mut command = Command::new(python);
                command.arg(self.root.join("scripts").join("bench_encoder.py"));
                command.arg("--model").arg(&self.model).arg("--mix-ids").arg(&mix_ids);
                command.args(["--cases", case.as_str(), "--threads", &self.threads.to_string(), "--out"]).arg(&out);
                self.repetitions(&mut command);
                match run_quietly(&mut command) {
                    Ok(()) => results.push(out),
                    Err(error) => eprintln!("pytorch: {case} failed: {error:#}"),
                }
            }
            for (backend, binary) in &built {
                let out = out_dir.join(format!("encoder-{backend}-{case}.json"));
                let mut command = Command::new(binary);
                command.args(["encoder", "--model"]).arg(&self.model).arg("--data").arg(&self.data);
                command.args(["--cases", case.as_str(), "--out"]).arg(&out);
                self.repetitions(&mut command);
                // burn's CPU backends spread work over rayon's pool. ndarray runs the
                // batches of a matmul in parallel there and each calls matrixmultiply
                // or OpenBLAS, which start threads of their own: at 2 + 2 threads on 2
                // cores they spin against each other, 10x slower than at 2 + 1
                // (measured, see docs/performance.md). So the inner libraries get one.
                command.env("RAYON_NUM_THREADS", self.threads.to_string());
                command.env("MATMUL_NUM_THREADS", "1");
                command.env("OPENBLAS_NUM_THREADS", "1");
                match run_quietly(&mut command) {
                    Ok(()) => results.push(out),
                    Err(error) => eprintln!("{backend}: {case} failed: {error:#}"),
                }
            }
        }
        ensure!(!results.is_empty(), "no case ran");

        let reports = results.iter().map(|path| report::read(path)).collect::<Result<Vec<_>>>()?;
        let table = report::table(&reports, self.ceiling_gflops.unwrap_or(report::DEFAULT_CEILING_GFLOPS));
        let summary = out_dir.join("encoder-summary.md");
        std::fs::write(&summary, &table).with_context(|| format!("cannot write {}", summary.display()))?;
        eprintln!("results in {}", out_dir.display());
        Ok(table)
    }

    /// Passes `--quick`, `--reps` and `--mix-reps` on: both benchmarks take them.
    fn repetitions(&self, command: &mut Command) {
        if self.quick {
            command.arg("--quick");
        }
        if let Some(reps) = self.reps {
            command.args(["--reps", &reps.to_string()]);
        }
        if let Some(reps) = self.mix_reps {
            command.args(["--mix-reps", &reps.to_string()]);
        }
    }
}

/// What a failed build of `backend` most likely needs.
fn build_hint(backend: &str) -> &'static str {
    match backend {
        "ndarray-blas" => ": it links the system OpenBLAS (Debian: apt-get install libopenblas-dev)",
        "cpu" => ": burn's cpu backend downloads a prebuilt LLVM while it builds, which needs the network",
        "wgpu" => ": see the build output above",
        _ => "",
    }
}

/// Runs `command` with its stdout (a per-run table or JSON) discarded and its
/// stderr (progress, errors) shown.
fn run_quietly(command: &mut Command) -> Result<()> {
    let status = command.stdout(Stdio::null()).status().with_context(|| format!("cannot run {command:?}"))?;
    ensure!(status.success(), "{status}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn runs(root: &Path) -> EncoderRuns {
        EncoderRuns {
            root: root.to_path_buf(),
            backends: vec!["flex".to_string()],
            cases: vec!["random-32".to_string()],
            model: root.join("model"),
            data: root.join("test.txt"),
            quick: true,
            reps: None,
            mix_reps: None,
            threads: 2,
            python: None,
            ceiling_gflops: None,
        }
    }

    #[test]
    fn names_are_checked_before_anything_is_built() {
        let root = std::env::temp_dir().join(format!("retag-bench-encoder-runs-{}", std::process::id()));
        std::fs::create_dir_all(root.join("model")).expect("temp dir");
        std::fs::write(root.join("model/config.json"), "{}").expect("temp dir");
        let check = |change: fn(&mut EncoderRuns), expected: Option<&str>| {
            let mut runs = runs(&root);
            change(&mut runs);
            let mut built = 0;
            let result = runs.run(|_| {
                built += 1;
                bail!("not in this test")
            });
            let error = format!("{:#}", result.expect_err("nothing builds here"));
            match expected {
                Some(expected) => assert!(error.contains(expected) && built == 0, "{error}"),
                None => assert!(error.contains("no backend built") && built == 1, "{error}"),
            }
        };
        check(|_| {}, None);
        check(|runs| runs.cases.push("random-64".to_string()), Some("unknown case \"random-64\""));
        check(|runs| runs.backends.push("candle".to_string()), Some("unknown backend \"candle\""));
        check(|runs| runs.model = runs.root.join("nowhere"), Some("no model at"));
        assert!(build_hint("ndarray-blas").contains("libopenblas-dev"));
        let _ = std::fs::remove_dir_all(&root);
    }
}
