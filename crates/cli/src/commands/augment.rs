//! `retag data augment IN OUT --augment SPEC`: the copy of a training file
//! that a run with `--augment SPEC --seed S` trains on in one epoch, written
//! out so that a user can read what the augmentation does before training.

use anyhow::{Context, Result, bail};
use retag_data::augment::{AugmentSpec, Augmenter};

use super::transform::rewrite_file;
use crate::args::AugmentArgs;
use crate::dataset;

/// `spec` aimed at the `--augment-only` types, as `retrain` and `data augment`
/// both read the flag; unchanged when none are given.
pub fn aimed(spec: AugmentSpec, only: &[String]) -> Result<AugmentSpec> {
    if only.is_empty() {
        return Ok(spec);
    }
    spec.aimed_at(only.iter().cloned()).context("--augment-only")
}

pub fn run(args: &AugmentArgs) -> Result<()> {
    let spec = aimed(args.augment.clone(), &args.augment_only)?;
    // Replacements are drawn from the whole file, as training draws them
    // from the whole training split: read it once for that, then stream it.
    let training = dataset::read(&args.input_file, &args.input)?.collect::<Result<Vec<_>, _>>()?;
    let augmenter = Augmenter::new(spec, args.seed, args.scheme, &training);
    let unknown = augmenter.unknown_targets();
    if !unknown.is_empty() {
        bail!("--augment-only: {} mentions no {}", args.input_file.display(), unknown.join(", "));
    }
    let epoch = usize::try_from(args.epoch - 1).context("--epoch")?;
    let (mut index, mut changed) = (0, 0);
    let written = rewrite_file(&args.input_file, &args.output_file, &args.input, |sentence| {
        let copy = augmenter.sentence(sentence, epoch, index);
        index += 1;
        changed += usize::from(copy.tokens != sentence.tokens || copy.tags != sentence.tags);
        Ok(copy)
    })?;
    eprintln!(
        "{changed} of {written} sentences changed ({}, seed {}, epoch {}): {}",
        augmenter.spec(),
        args.seed,
        args.epoch,
        args.output_file.display()
    );
    Ok(())
}
