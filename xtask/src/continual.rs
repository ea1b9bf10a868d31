//! `cargo xtask continual`: the continual-NER case of Monaikul et al.,
//! "Continual Learning for Named Entity Recognition" (AAAI 2021), on
//! CoNLL-2003 with MiniLM.
//!
//! CoNLL-2003's training sentences are dealt into two halves (even and odd
//! positions, so both halves span every document). The old model learns
//! half A with MISC removed (PER, LOC, ORG). The new data is half B with
//! only MISC annotated: data that no strategy of `retrain` can use without
//! forgetting, and what `retag extend` is for. Three models are compared on
//! CoNLL-2003's test set, F1 per type:
//!
//! - `extend`: the old model extended with B (pseudo-rehearsal of the old
//!   types, distillation);
//! - `naive`: the old model retrained on B by head replacement, the
//!   forgetting baseline (it learns MISC and nothing else);
//! - `oracle`: MiniLM trained on A and B with all four types (the whole
//!   training set), the ceiling.
//!
//! The old model is scored beside them. Every step is a `retag` process
//! whose output is cached, and a killed step resumes.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use clap::Args;
use retag_data::conll::{ConllOptions, ConllWriter, Separator, read_conll_file};
use retag_data::mapping::{RelabelOptions, TagsetMapping, Unmapped};
use retag_data::{Location, OnInvalid, Scheme, Sentence};

use crate::cache::cache_dir;
use crate::fetch_model::{self, FetchModelArgs};
use crate::old_model::{self, OldModelArgs, shared_data};
use crate::retrain::{Backend, backend_flag, build_retag, fresh_run_dir, needs_run, run_step};
use crate::run_table::mean_and_spread;

const OLD_TYPES: [&str; 3] = ["PER", "LOC", "ORG"];
const NEW_TYPE: &str = "MISC";
/// Extend must keep each old type within this many F1 points of the old model.
const KEEP_WITHIN: f64 = 2.0;
/// Extend must bring the new type within this many F1 points of the oracle.
const LEARN_WITHIN: f64 = 5.0;
/// The seed `cargo xtask old-model` trains with (retag's default).
const OLD_MODEL_SEED: u64 = 42;

#[derive(Debug, Args)]
pub struct ContinualArgs {
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// Epochs of every training run.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Seeds, comma-separated: the whole case (old model included) runs once per seed.
    #[arg(long, value_delimiter = ',', default_value = "42")]
    pub seeds: Vec<u64>,
    /// Run again, ignoring cached results.
    #[arg(long)]
    pub fresh: bool,
    /// Run this retag binary instead of building the tree's.
    #[arg(long)]
    pub retag: Option<PathBuf>,
}

/// The files of the case, written once from CoNLL-2003.
struct CaseData {
    /// Half A, PER/LOC/ORG only; and dev the same.
    old_train: PathBuf,
    old_dev: PathBuf,
    /// Half B, MISC only; and dev the same.
    new_train: PathBuf,
    new_dev: PathBuf,
    /// CoNLL-2003 as it is: the oracle's data, and the test set every model is scored on.
    full_train: PathBuf,
    full_dev: PathBuf,
    test: PathBuf,
}

pub fn run(args: &ContinualArgs) -> Result<()> {
    let backend = backend_flag(args.backend);
    let work = cache_dir().join("continual").join(backend);
    let data = prepare_data(&shared_data("conll2003"), &work.join("data"))?;
    let retag = match &args.retag {
        Some(path) => path.clone(),
        None => build_retag(args.backend)?,
    };
    let base = fetch_model::run(&FetchModelArgs::default())?;
    let step = |name: &str, seed: u64, what: &str, build: &dyn Fn(&Path, &Path) -> Command| -> Result<PathBuf> {
        let out = work.join("models").join(format!("{name}-e{}-s{seed}", args.epochs));
        if needs_run(&out, args.fresh)? {
            let run_dir =
                fresh_run_dir(&work.join("runs").join(format!("{name}-e{}-s{seed}", args.epochs)), args.fresh)?;
            let mut command = build(&out, &run_dir);
            command.args(["--epochs", &args.epochs.to_string(), "--seed", &seed.to_string()]);
            command.args(["--max-len", "128", "--patience", "0", "--progress", "plain", "--backend", backend]);
            command.arg("--resume").arg("--run-dir").arg(&run_dir);
            run_step(&format!("{what}, seed {seed}"), command)?;
        }
        Ok(out)
    };
    let command = |args: &[&str], train: &Path, dev: &Path, out: &Path| {
        let mut command = Command::new(&retag);
        command.args(args).arg("--train").arg(train).arg("--dev").arg(dev).arg("--out").arg(out);
        command
    };

    let mut scores: Vec<(&str, Vec<TypeScores>)> =
        ["old model", "extend", "naive", "oracle"].iter().map(|name| (*name, Vec::new())).collect();
    for &seed in &args.seeds {
        let old = step("old", seed, "the old model: MiniLM on half A, PER/LOC/ORG", &|out, _| {
            let mut c = command(&["train"], &data.old_train, &data.old_dev, out);
            c.arg("--model").arg(&base);
            c
        })?;
        let extended = step("extend", seed, "extend the old model with half B's MISC", &|out, _| {
            let mut c = command(&["extend"], &data.new_train, &data.new_dev, out);
            c.arg("--model").arg(&old);
            c
        })?;
        let naive = step("naive", seed, "naive retraining of the old model on half B", &|out, _| {
            let mut c = command(&["retrain", "--strategy", "naive"], &data.new_train, &data.new_dev, out);
            c.arg("--model").arg(&old);
            c
        })?;
        // The oracle is MiniLM fine-tuned on all of CoNLL-2003 train: for the
        // default seed that is exactly the cached old model of the keep table
        // (`cargo xtask old-model`), so it is reused rather than trained twice.
        let oracle = if seed == OLD_MODEL_SEED {
            old_model::run(&OldModelArgs { backend: args.backend, data: None, epochs: args.epochs, fresh: false })?
        } else {
            step("oracle", seed, "the oracle: MiniLM on A and B, all four types", &|out, _| {
                let mut c = command(&["train"], &data.full_train, &data.full_dev, out);
                c.arg("--model").arg(&base);
                c
            })?
        };
        for (row, model) in scores.iter_mut().zip([&old, &extended, &naive, &oracle]) {
            row.1.push(score(&retag, model, &data.test, backend)?);
        }
    }
    print_table(&scores, args.seeds.len());
    println!("\nmodels: {}", work.join("models").display());
    Ok(())
}

/// Writes the case's files under `dir` (once; they depend on nothing but CoNLL-2003).
fn prepare_data(conll: &Path, dir: &Path) -> Result<CaseData> {
    let data = CaseData {
        old_train: dir.join("train-a-per-loc-org.txt"),
        old_dev: dir.join("dev-per-loc-org.txt"),
        new_train: dir.join("train-b-misc.txt"),
        new_dev: dir.join("dev-misc.txt"),
        full_train: conll.join("train.txt"),
        full_dev: conll.join("dev.txt"),
        test: conll.join("test.txt"),
    };
    if [&data.old_train, &data.old_dev, &data.new_train, &data.new_dev].iter().all(|file| file.is_file()) {
        return Ok(data);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let options = ConllOptions::default();
    let train = read_conll_file(&data.full_train, &options)?;
    let dev = read_conll_file(&data.full_dev, &options)?;
    // Alternate sentences, so both halves cover the whole file's documents.
    let (mut half_a, mut half_b) = (Vec::new(), Vec::new());
    for (index, sentence) in train.into_iter().enumerate() {
        if index % 2 == 0 { half_a.push(sentence) } else { half_b.push(sentence) }
    }
    let keep_old = keep_only(&OLD_TYPES)?;
    let keep_new = keep_only(&[NEW_TYPE])?;
    write_sentences(&data.old_train, &relabel(&half_a, &keep_old, &data.full_train)?)?;
    write_sentences(&data.old_dev, &relabel(&dev, &keep_old, &data.full_dev)?)?;
    write_sentences(&data.new_train, &relabel(&half_b, &keep_new, &data.full_train)?)?;
    write_sentences(&data.new_dev, &relabel(&dev, &keep_new, &data.full_dev)?)?;
    eprintln!(
        "wrote the halves of CoNLL-2003 train ({} and {} sentences) to {}",
        half_a.len(),
        half_b.len(),
        dir.display()
    );
    Ok(data)
}

/// A mapping that keeps `kept` as they are and drops every other CoNLL-2003 type.
fn keep_only(kept: &[&str]) -> Result<TagsetMapping> {
    let rules = OLD_TYPES.iter().chain([&NEW_TYPE]).map(|kind| {
        let children = if kept.contains(kind) { vec![kind.to_string()] } else { Vec::new() };
        (kind.to_string(), children)
    });
    Ok(TagsetMapping::from_rules(rules, Vec::<String>::new())?)
}

fn relabel(sentences: &[Sentence], mapping: &TagsetMapping, file: &Path) -> Result<Vec<Sentence>> {
    let options = RelabelOptions { on_invalid: OnInvalid::Error, unmapped: Unmapped::Error };
    let location = Location::file(file);
    sentences.iter().map(|sentence| Ok(mapping.relabel(sentence, Scheme::Iob2, options, &location)?)).collect()
}

/// Writes `sentences` atomically (retag-data's atomic writer), so a killed
/// run never leaves half a file.
pub(crate) fn write_sentences(path: &Path, sentences: &[Sentence]) -> Result<()> {
    let mut writer = ConllWriter::new(Vec::new(), Separator::Space).with_destination(path);
    for sentence in sentences {
        writer.write_sentence(sentence)?;
    }
    Ok(retag_data::atomic::write_atomically(path, &writer.finish()?)?)
}

/// Entity F1 (%) per type and micro, as `retag eval --json` reports it.
#[derive(Debug, Clone)]
struct TypeScores {
    per_type: Vec<(String, f64)>,
    micro: f64,
}

fn score(retag: &Path, model: &Path, test: &Path, backend: &str) -> Result<TypeScores> {
    let output = Command::new(retag)
        .args(["eval", "--json", "--backend", backend, "--model"])
        .arg(model)
        .arg("--data")
        .arg(test)
        .output()
        .with_context(|| format!("cannot run {}", retag.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "retag eval on {} failed: {}",
        model.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("retag eval --json printed no JSON")?;
    let f1 = |value: &serde_json::Value| value["f1"].as_f64().map(|f1| f1 * 100.0);
    let per_type = OLD_TYPES
        .iter()
        .chain([&NEW_TYPE])
        .map(|kind| (kind.to_string(), f1(&json["per_type"][*kind]).unwrap_or(0.0)))
        .collect();
    Ok(TypeScores { per_type, micro: f1(&json["micro"]).context("no micro F1 in retag eval --json")? })
}

fn print_table(rows: &[(&str, Vec<TypeScores>)], seeds: usize) {
    println!(
        "\nContinual NER (Monaikul et al. 2021) on CoNLL-2003, {seeds} seed(s): old model on half A (PER, LOC, \
         ORG), new data half B (MISC only). CoNLL-2003 test entity F1 (seqeval, %)\n"
    );
    let types: Vec<&str> = OLD_TYPES.iter().chain([&NEW_TYPE]).copied().collect();
    println!("| model | {} | micro |", types.join(" | "));
    println!("|---|{}---|", "---|".repeat(types.len()));
    let column = |scores: &[TypeScores], at: usize| -> Vec<f64> { scores.iter().map(|s| s.per_type[at].1).collect() };
    for (name, scores) in rows {
        let cells: Vec<String> = (0..types.len()).map(|at| mean_and_spread(&column(scores, at), 2)).collect();
        let micro: Vec<f64> = scores.iter().map(|s| s.micro).collect();
        println!("| {name} | {} | {} |", cells.join(" | "), mean_and_spread(&micro, 2));
    }
    let mean = |values: Vec<f64>| values.iter().sum::<f64>() / values.len().max(1) as f64;
    let find = |name: &str| &rows.iter().find(|(row, _)| *row == name).expect("every row is there").1;
    let (old, extended, oracle) = (find("old model"), find("extend"), find("oracle"));
    println!();
    for (at, kind) in OLD_TYPES.iter().enumerate() {
        let drop = mean(column(old, at)) - mean(column(extended, at));
        let verdict = if drop <= KEEP_WITHIN { "kept" } else { "NOT kept" };
        println!("{kind}: extend is {drop:.2} F1 below the old model ({verdict}: the target is within {KEEP_WITHIN})");
    }
    let new_at = OLD_TYPES.len();
    let gap = mean(column(oracle, new_at)) - mean(column(extended, new_at));
    let verdict = if gap <= LEARN_WITHIN { "learnt" } else { "NOT learnt" };
    println!("{NEW_TYPE}: extend is {gap:.2} F1 below the oracle ({verdict}: the target is within {LEARN_WITHIN})");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(pairs: &[(&str, &str)]) -> Sentence {
        Sentence::new(pairs.iter().map(|p| p.0.to_string()).collect(), pairs.iter().map(|p| p.1.to_string()).collect())
    }

    #[test]
    fn each_half_keeps_only_its_types() {
        let text = [("EU", "B-ORG"), ("rejects", "O"), ("German", "B-MISC"), ("call", "O"), ("Peter", "B-PER")];
        let file = Path::new("train.txt");
        for (kept, expected) in
            [(&OLD_TYPES[..], ["B-ORG", "O", "O", "O", "B-PER"]), (&[NEW_TYPE][..], ["O", "O", "B-MISC", "O", "O"])]
        {
            let relabelled = relabel(&[sentence(&text)], &keep_only(kept).unwrap(), file).unwrap();
            assert_eq!(relabelled[0].tags, expected, "{kept:?}");
            assert_eq!(relabelled[0].tokens, sentence(&text).tokens);
        }
    }
}
