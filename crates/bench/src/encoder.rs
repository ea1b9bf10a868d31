//! `retag-bench encoder`: forward throughput of the BERT encoder, in real
//! word-pieces per second, on three cases:
//!
//! - `random-32`, `random-128`: one batch of 32 rows of 32 (or 128) random
//!   valid ids, attention on every position: the kernels at a fixed shape;
//! - `wnut17-test`: the sentences of WNUT-17's test set, tokenized the way
//!   retag tokenizes for prediction, sorted by length and cut into batches of
//!   32, each padded to its own longest row (dynamic padding). Only real
//!   word-pieces count, so padding shows up as lost throughput.
//!
//! - `train-32`, `train-128`: one fine-tuning step at those shapes
//!   (`train_step.rs`).
//!
//! Each case builds its inputs once, runs `warmup` untimed passes (the JIT
//! backends compile and autotune there, once per shape), then times `reps`
//! passes. A pass ends when the last hidden states are read back, so lazy
//! backends are timed to completion.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use retag_bench::machine::Machine;
use retag_bench::memory;
use retag_bench::report::{CaseResult, RunReport};
use retag_bench::timing::Timings;
use retag_bert::{BertInput, BertModel};
use retag_data::Location;
use retag_data::align::{AlignOptions, load_tokenizer};
use retag_data::conll::{ConllOptions, read_conll_file};
use serde::{Deserialize, Serialize};

use crate::backend::Backend;
use crate::cost::EncoderShape;
use crate::train_step::{self, TRAIN_LENGTHS};

pub const BATCH_SIZE: usize = 32;
/// The lengths of the random cases.
pub const RANDOM_LENGTHS: [usize; 2] = [32, 128];
pub const MIX_CASE: &str = "wnut17-test";
/// Ids below this are BERT's special and unused tokens; random ids start here.
const FIRST_ORDINARY_ID: u32 = 1000;
/// The random cases' ids are drawn from this seed (the PyTorch script draws the same ones).
pub const SEED: u64 = 4;

/// What to run, and how often.
#[derive(Debug, Clone)]
pub struct EncoderOptions {
    pub model: PathBuf,
    /// The CoNLL file of the real-length mix.
    pub data: PathBuf,
    /// Case names to run (all when empty).
    pub cases: Vec<String>,
    pub warmup: usize,
    pub reps: usize,
    /// Warm-up and repetitions of the real-length mix, a longer pass.
    pub mix_warmup: usize,
    pub mix_reps: usize,
}

/// The word-piece ids of the real-length mix, sorted by length: what the
/// PyTorch script runs so that both sides see the very same inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixIds {
    pub source: String,
    pub pad_id: u32,
    pub batch_size: usize,
    pub sequences: Vec<Vec<u32>>,
}

pub fn all_cases() -> Vec<String> {
    RANDOM_LENGTHS
        .iter()
        .map(|len| format!("random-{len}"))
        .chain([MIX_CASE.to_string()])
        .chain(TRAIN_LENGTHS.map(train_step::case_name))
        .collect()
}

pub fn run(backend: Backend, options: &EncoderOptions) -> Result<RunReport> {
    let wanted = if options.cases.is_empty() { all_cases() } else { options.cases.clone() };
    for name in &wanted {
        ensure!(all_cases().contains(name), "unknown case {name:?} (the cases are {})", all_cases().join(", "));
    }
    let device = backend.device();
    // Loaded only for forward cases: a training-step case loads its own
    // model on the autodiff device, and a second copy here would count in
    // its peak memory.
    let forward_model = if wanted.iter().any(|name| train_step::case_length(name).is_none()) {
        let model = BertModel::from_pretrained(&options.model, &device)
            .with_context(|| format!("cannot load the encoder from {}", options.model.display()))?;
        Some(model)
    } else {
        None
    };

    let mut cases = Vec::new();
    for name in &wanted {
        if let Some(len) = train_step::case_length(name) {
            let (warmup, reps) = (options.warmup, options.reps);
            eprintln!("{}: {name}, 1 batch, {warmup} warm-up + {reps} timed steps", backend.name);
            cases.push(train_step::measure(backend, &options.model, len, warmup, reps)?);
            continue;
        }
        let model = forward_model.as_ref().expect("loaded above: this is a forward case");
        let config = &model.config;
        let (sequences, pad_id) = if name == MIX_CASE {
            let mix = mix_ids(&options.model, &options.data)?;
            (mix.sequences, mix.pad_id)
        } else {
            let len = name.trim_start_matches("random-").parse().expect("case names come from all_cases");
            // Every row is full: the pad id is never used.
            (random_ids(BATCH_SIZE, len, config.vocab_size as u32, SEED), 0)
        };
        let inputs = sequences
            .chunks(BATCH_SIZE)
            .map(|batch| BertInput::padded(batch, pad_id, config, &device))
            .collect::<retag_bert::Result<Vec<_>>>()
            .with_context(|| format!("cannot make the inputs of {name}"))?;
        let word_pieces = sequences.iter().map(Vec::len).sum::<usize>() as u64;
        let (warmup, reps) =
            if name == MIX_CASE { (options.mix_warmup, options.mix_reps) } else { (options.warmup, options.reps) };
        eprintln!("{}: {name}, {} batches, {warmup} warm-up + {reps} timed passes", backend.name, inputs.len());
        cases.push(measure(model, name, &inputs, word_pieces, EncoderShape::of(config), warmup, reps)?);
    }
    Ok(RunReport {
        engine: "retag".to_string(),
        backend: backend.name.to_string(),
        model: options.model.display().to_string(),
        machine: Machine::this(),
        env: thread_env(),
        cases,
        peak_rss_mib: memory::peak_rss_mib(),
        sgemm_gflops: None,
    })
}

fn measure(
    model: &BertModel,
    name: &str,
    inputs: &[BertInput],
    word_pieces: u64,
    shape: EncoderShape,
    warmup: usize,
    reps: usize,
) -> Result<CaseResult> {
    ensure!(reps > 0, "{name}: at least one timed repetition is needed");
    let peak_is_per_case = memory::reset_peak();
    let pass = || {
        for input in inputs {
            // Reading the hidden states back waits for lazy and asynchronous backends.
            let _ = model.forward(input).into_data();
        }
    };
    for _ in 0..warmup {
        pass();
    }
    let mut seconds = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        pass();
        seconds.push(started.elapsed().as_secs_f64());
    }
    let timings = Timings::new(seconds).expect("reps > 0");
    let dims: Vec<[usize; 2]> = inputs.iter().map(BertInput::dims).collect();
    Ok(CaseResult {
        name: name.to_string(),
        batches: inputs.len(),
        word_pieces,
        padded_word_pieces: dims.iter().map(|[b, s]| (b * s) as u64).sum(),
        flop: dims.iter().map(|&[b, s]| shape.flop(b, s)).sum(),
        warmup,
        word_pieces_per_s: word_pieces as f64 / timings.median_s,
        timings,
        peak_rss_mib: memory::peak_rss_mib(),
        peak_is_per_case,
    })
}

/// `rows` rows of `len` ids in `FIRST_ORDINARY_ID..vocab`, from SplitMix64
/// seeded with `seed` (the PyTorch script implements the same generator).
pub fn random_ids(rows: usize, len: usize, vocab: u32, seed: u64) -> Vec<Vec<u32>> {
    let mut state = seed;
    let span = u64::from(vocab - FIRST_ORDINARY_ID);
    (0..rows).map(|_| (0..len).map(|_| FIRST_ORDINARY_ID + (splitmix64(&mut state) % span) as u32).collect()).collect()
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The sentences of `data` as retag's prediction path frames them
/// (`[CLS] word-pieces [SEP]`, windows of the tokenizer's full length),
/// sorted by length, shortest first.
pub fn mix_ids(model: &Path, data: &Path) -> Result<MixIds> {
    let tokenizer =
        load_tokenizer(model).with_context(|| format!("cannot load the tokenizer of {}", model.display()))?;
    let options = AlignOptions::for_tokenizer(&tokenizer)?;
    let sentences = read_conll_file(data, &ConllOptions::default())?;
    let file = Location::file(data);
    let mut sequences = Vec::new();
    for sentence in &sentences {
        let aligned = tokenizer.align_sentence(sentence, None, &options, &file)?;
        sequences.extend(aligned.windows.into_iter().map(|window| window.input_ids));
    }
    ensure!(!sequences.is_empty(), "{} holds no sentence", data.display());
    sequences.sort_by_key(Vec::len);
    Ok(MixIds {
        source: data.display().to_string(),
        pad_id: tokenizer.special_tokens().pad,
        batch_size: BATCH_SIZE,
        sequences,
    })
}

/// The variables that set the thread counts of rayon, matrixmultiply and OpenBLAS.
fn thread_env() -> std::collections::BTreeMap<String, String> {
    ["RAYON_NUM_THREADS", "MATMUL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE"]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok().map(|value| (name.to_string(), value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_valid_and_reproducible() {
        let ids = random_ids(3, 5, 30522, SEED);
        assert_eq!(ids.len(), 3);
        assert!(ids.iter().all(|row| row.len() == 5));
        assert!(ids.iter().flatten().all(|&id| (FIRST_ORDINARY_ID..30522).contains(&id)));
        assert_eq!(ids, random_ids(3, 5, 30522, SEED));
        assert_ne!(ids, random_ids(3, 5, 30522, SEED + 1));
    }

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // The first outputs for seed 0 of Vigna's splitmix64.c.
        let mut state = 0;
        assert_eq!(splitmix64(&mut state), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut state), 0x6E78_9E6A_A1B9_65F4);
    }
}
