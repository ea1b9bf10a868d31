//! `cargo xtask bench pipeline`'s flags; the bench is
//! `retag_bench::pipeline` (what each case runs: docs/performance.md).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use retag_bench::pipeline::{self, PipelineOptions};

use crate::cache::repo_root;
use crate::fetch_model::default_model_dir;
use crate::release_build::release_binary;

#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// Cases to run, comma-separated: predict, frozen, naive, scaling, lengths.
    #[arg(long, value_delimiter = ',', default_value = "predict,frozen,naive,scaling,lengths")]
    pub cases: Vec<String>,
    /// Small inputs (slices of the data), for development; not for figures.
    #[arg(long)]
    pub quick: bool,
    /// Threads for every side: RAYON_NUM_THREADS for retag, torch.set_num_threads for PyTorch,
    /// intra-op threads for ONNX Runtime.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Sentences of the scaling case (default 1000,10000,100000; 50,200 with --quick).
    #[arg(long, value_delimiter = ',')]
    pub scaling_sizes: Vec<usize>,
    /// Sentence lengths in word-pieces of the lengths case; beyond the model's
    /// 512 retag windows and PyTorch's side is skipped.
    #[arg(long, value_delimiter = ',', default_value = "32,64,128,256,512,1024")]
    pub lengths: Vec<usize>,
    /// The plain encoder the checkpoint is made from (default: where `cargo xtask fetch-model` puts MiniLM).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// A folder with train.txt, dev.txt and test.txt (default: ../shared/data/wnut17).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The Python with torch and transformers (default: ../venv/bin/python, else python3);
    /// ONNX Runtime's sides run where it also imports onnxruntime and onnx.
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Make the bench's checkpoint (and its ONNX export) again.
    #[arg(long)]
    pub fresh: bool,
    /// Time this retag binary instead of building the tree's (for before/after
    /// comparisons of two builds: `scripts/bench_before_after.py`).
    #[arg(long)]
    pub retag: Option<PathBuf>,
    /// Run retag's side only (PyTorch's and ONNX Runtime's are skipped even where installed).
    #[arg(long)]
    pub no_pytorch: bool,
    /// Where the JSON summary goes (default: target/bench/pipeline.json).
    #[arg(long)]
    pub json_out: Option<PathBuf>,
}

pub fn run(args: &PipelineArgs) -> Result<()> {
    let root = repo_root();
    let options = PipelineOptions {
        cases: args.cases.clone(),
        quick: args.quick,
        threads: args.threads,
        scaling_sizes: args.scaling_sizes.clone(),
        lengths: args.lengths.clone(),
        model: args.model.clone().unwrap_or_else(default_model_dir),
        data: args.data.clone().unwrap_or_else(|| root.join("../shared/data/wnut17")),
        python: args.python.clone(),
        fresh: args.fresh,
        retag: args.retag.clone(),
        references: !args.no_pytorch,
        json_out: args.json_out.clone(),
        root,
    };
    let summary = pipeline::run(&options, || {
        eprintln!("building retag (release)...");
        // Default features (flex), as `cargo xtask retrain` builds it.
        release_binary("retag-cli", "retag", &[])
    })?;
    println!("{}", summary.table);
    eprintln!(
        "results in {} and {}; logs in {}",
        summary.json.display(),
        summary.markdown.display(),
        summary.logs.display()
    );
    Ok(())
}
