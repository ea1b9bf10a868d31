//! `cargo xtask old-model`: the one "old" model every comparison starts
//! from, so that tables in this and later issues are comparable: MiniLM
//! fine-tuned on CoNLL-2003 (`../shared/data`) with the recipe of
//! docs/results.md (3 epochs, windows of 128 word pieces), cached. A killed
//! run resumes from its checkpoint when the command is run again.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};
use clap::Args;

use crate::cache::{cache_dir, repo_root};
use crate::fetch_model::{self, FetchModelArgs};
use crate::retrain::{Backend, backend_flag, build_retag, fresh_run_dir, needs_run, run_step};

#[derive(Debug, Args)]
pub struct OldModelArgs {
    /// Where the model trains.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// The CoNLL-2003 folder (train.txt, dev.txt, test.txt).
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Train again, ignoring the cached model and checkpoints.
    #[arg(long)]
    pub fresh: bool,
}

/// The CoNLL-2003 copy beside the repository.
pub fn shared_data(corpus: &str) -> PathBuf {
    repo_root().join("..").join("shared").join("data").join(corpus)
}

/// Makes sure the old model is trained and returns its folder.
pub fn run(args: &OldModelArgs) -> Result<PathBuf> {
    let data = args.data.clone().unwrap_or_else(|| shared_data("conll2003"));
    for split in ["train.txt", "dev.txt", "test.txt"] {
        let file = data.join(split);
        anyhow::ensure!(file.is_file(), "{} is missing: the old model trains on CoNLL-2003", file.display());
    }
    let backend = backend_flag(args.backend);
    let work = cache_dir().join("old-model");
    let name = format!("conll2003-minilm-e{}-{backend}", args.epochs);
    let out = work.join(&name);
    if !needs_run(&out, args.fresh)? {
        eprintln!("the old model is already at {}", out.display());
        return Ok(out);
    }
    let retag = build_retag(args.backend)?;
    let base = fetch_model::run(&FetchModelArgs::default())?;
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let mut command = Command::new(&retag);
    command.args(["train", "--model"]).arg(&base);
    command.arg("--train").arg(data.join("train.txt")).arg("--dev").arg(data.join("dev.txt"));
    command.arg("--test").arg(data.join("test.txt")).arg("--out").arg(&out);
    command.args(["--max-len", "128", "--epochs", &args.epochs.to_string(), "--backend", backend]);
    command.arg("--resume").arg("--run-dir").arg(fresh_run_dir(&work.join(format!("{name}.run")), args.fresh)?);
    run_step("fine-tune MiniLM on CoNLL-2003 (the old model)", command)?;
    eprintln!("the old model is at {}", out.display());
    Ok(out)
}
