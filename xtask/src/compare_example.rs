//! `cargo xtask compare-example`: the example report of docs/compare-example/.
//! `retag compare` on CoNLL-2003 -> WNUT-17 with MiniLM, subsampled so that
//! it finishes in under half an hour on 2 cores: the old model of the keep
//! table (`cargo xtask old-model`), every `--stride`-th sentence of WNUT-17
//! train and dev and of CoNLL-2003 test (the retention data), the whole
//! WNUT-17 test set (1,287 sentences, so the bootstrap has something to
//! work with). The report, its JSON and pictures are copied into the docs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use clap::Args;
use retag_data::conll::{ConllOptions, read_conll_file};

use crate::cache::{cache_dir, repo_root};
use crate::continual::write_sentences;
use crate::old_model::{self, OldModelArgs, shared_data};
use crate::retrain::{Backend, backend_flag, build_retag, run_step};

/// What `retag compare` writes beside `models/` and `runs/`: the report and its pictures.
const REPORT_FILES: [&str; 5] = ["md", "json", "html", "svg", "png"];
/// report.html rendered by a browser, beside the report in the docs.
const SCREENSHOT: &str = "report-screenshot.png";

#[derive(Debug, Args)]
pub struct CompareExampleArgs {
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// Keep every STRIDE-th sentence of WNUT-17 train and dev and of CoNLL-2003 test.
    #[arg(long, default_value_t = 4)]
    pub stride: usize,
    /// The strategies compared, as `retag compare --strategies` names them.
    #[arg(long, value_delimiter = ',', default_value = "naive,frozen,warm-start,progressive,adapter")]
    pub strategies: Vec<String>,
    #[arg(long, default_value_t = 3)]
    pub seeds: usize,
    /// Start no run after this many minutes (the report lists what did not run).
    #[arg(long, default_value_t = 28.0)]
    pub budget_minutes: f64,
    /// Where the report's files are copied.
    #[arg(long, default_value = "docs/compare-example")]
    pub docs: PathBuf,
    /// Run again, ignoring cached runs.
    #[arg(long)]
    pub fresh: bool,
}

pub fn run(args: &CompareExampleArgs) -> Result<()> {
    anyhow::ensure!(args.stride > 0, "--stride: at least 1");
    let work = cache_dir().join("compare-example").join(backend_flag(args.backend));
    let data = work.join(format!("data-every-{}", args.stride));
    let wnut = shared_data("wnut17");
    let train = subsample(&wnut.join("train.txt"), &data.join("wnut17-train.txt"), args.stride)?;
    let dev = subsample(&wnut.join("dev.txt"), &data.join("wnut17-dev.txt"), args.stride)?;
    let retain = subsample(&shared_data("conll2003").join("test.txt"), &data.join("conll2003-test.txt"), args.stride)?;
    let old = old_model::run(&OldModelArgs { backend: args.backend, data: None, epochs: 3, fresh: false })?;
    let retag = build_retag(args.backend)?;
    let out = work.join(format!("compare-every-{}", args.stride));
    if args.fresh && out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("cannot remove {}", out.display()))?;
    }
    let mut command = Command::new(&retag);
    command.args(["compare", "--model"]).arg(&old);
    command.arg("--train").arg(&train).arg("--dev").arg(&dev).arg("--test").arg(wnut.join("test.txt"));
    command.arg("--retain-data").arg(&retain).arg("--strategies").arg(args.strategies.join(","));
    command.args(["--seeds", &args.seeds.to_string(), "--budget-minutes", &args.budget_minutes.to_string()]);
    command.args(["--max-len", "128", "--backend", backend_flag(args.backend)]).arg("--out").arg(&out);
    run_step("retag compare, CoNLL-2003 -> WNUT-17 (subsampled)", command)?;
    let docs = repo_root().join(&args.docs);
    copy_report(&out, &docs)?;
    println!("\nthe report, copied for the docs: {}", docs.display());
    screenshot(&docs.join("report.html"), &docs.join(SCREENSHOT));
    Ok(())
}

/// The page as a browser shows it, taken with a headless Chromium when one
/// is installed (Debian: `apt-get install chromium`); without one the
/// report is complete and this says so.
fn screenshot(page: &Path, picture: &Path) {
    let mut command = Command::new("chromium");
    command.args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,3250"]);
    command.arg(format!("--screenshot={}", picture.display())).arg(format!("file://{}", page.display()));
    match command.output() {
        Ok(output) if output.status.success() && picture.is_file() => {
            println!("report.html as Chromium renders it: {}", picture.display());
        }
        Ok(output) => eprintln!("chromium could not take the screenshot ({}): {}", output.status, page.display()),
        Err(error) => eprintln!("no screenshot of report.html: cannot run chromium ({error})"),
    }
}

/// Every `stride`-th sentence of `from`, written to `to` once.
fn subsample(from: &Path, to: &Path, stride: usize) -> Result<PathBuf> {
    if !to.is_file() {
        let sentences = read_conll_file(from, &ConllOptions::default())?;
        let kept: Vec<_> = sentences.into_iter().step_by(stride).collect();
        std::fs::create_dir_all(to.parent().context("a data file has a folder")?)?;
        write_sentences(to, &kept)?;
        eprintln!("{}: {} sentences from {}", to.display(), kept.len(), from.display());
    }
    Ok(to.to_path_buf())
}

/// The report's files (not the models or logs) into `docs`, replacing what was there.
fn copy_report(out: &Path, docs: &Path) -> Result<()> {
    if docs.exists() {
        std::fs::remove_dir_all(docs).with_context(|| format!("cannot remove {}", docs.display()))?;
    }
    std::fs::create_dir_all(docs).with_context(|| format!("cannot create {}", docs.display()))?;
    for entry in std::fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))? {
        let path = entry?.path();
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if path.is_file() && REPORT_FILES.contains(&extension) {
            let name = path.file_name().context("a file has a name")?;
            std::fs::copy(&path, docs.join(name)).with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }
    Ok(())
}
