//! What `retag train` and `retag retrain` share: reading the three splits,
//! resolving the run's settings (a config file, then flags), running on the
//! chosen device, and reporting where everything went.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use retag_retrain::output::{CURVE_FILE, METRICS_FILE, write_outcome};
use retag_retrain::{Outcome, RetrainData, RetrainSpec, split_from};
use retag_train::{ProgressMode, TrainConfig};

use crate::args::{Progress, TrainingArgs};
use crate::dataset;
use crate::device::autodiff_device;

/// The run's config: the file's (or the defaults), then every flag given.
pub fn resolve_config(args: &TrainingArgs) -> Result<TrainConfig> {
    let mut config = match &args.config {
        Some(path) => TrainConfig::from_file(path)?,
        None => TrainConfig::default(),
    };
    if let Some(epochs) = args.epochs {
        config.epochs = epochs;
    }
    if let Some(rate) = args.learning_rate {
        config.learning_rate = rate;
    }
    if let Some(rate) = args.head_learning_rate {
        config.head_learning_rate = Some(rate);
    }
    if let Some(size) = args.batch_size {
        config.batch_size = size;
    }
    if let Some(patience) = args.patience {
        config.patience = (patience > 0).then_some(patience);
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(steps) = args.log_every {
        config.log_every_steps = steps;
    }
    if let Some(max_len) = args.max_len {
        config.max_len = Some(max_len);
    }
    if let Some(spec) = &args.augment {
        config.augment = Some(spec.clone());
    }
    if !args.augment_only.is_empty() {
        let spec = config.augment.take().context(
            "--augment-only aims an augmentation at some types: give the operations and rates with --augment too",
        )?;
        config.augment = Some(super::augment::aimed(spec, &args.augment_only)?);
    }
    if let Some(spec) = &args.input_features {
        config.input_features = Some(spec.clone());
    }
    config.validate().context("the training settings")?;
    Ok(config)
}

/// The MLP settings of the flags; refused (not silently ignored) for a head
/// that is not an MLP.
pub fn mlp_spec(args: &TrainingArgs) -> Result<retag_heads::MlpSpec> {
    let given = [
        ("--head-hidden", args.head_hidden.is_some()),
        ("--head-layers", args.head_layers.is_some()),
        ("--head-activation", args.head_activation.is_some()),
        ("--head-dropout", args.head_dropout.is_some()),
    ];
    if args.head.kind != retag_heads::HeadKind::Mlp
        && let Some((flag, _)) = given.iter().find(|(_, set)| *set)
    {
        bail!("{flag} shapes an MLP head; add --head mlp or --head mlp-crf (the head is {})", args.head);
    }
    let defaults = retag_heads::MlpSpec::default();
    let spec = retag_heads::MlpSpec {
        layers: args.head_layers.unwrap_or(defaults.layers),
        width: args.head_hidden.or(defaults.width),
        activation: args.head_activation.unwrap_or(defaults.activation),
        dropout: args.head_dropout.or(defaults.dropout),
    };
    spec.validate().context("the MLP head's settings")?;
    Ok(spec)
}

pub fn progress_mode(progress: Progress) -> ProgressMode {
    match progress {
        Progress::Auto => ProgressMode::Auto,
        Progress::Bar => ProgressMode::Bar,
        Progress::Plain => ProgressMode::Plain,
        Progress::Off => ProgressMode::Off,
    }
}

/// The three splits, read whole (training visits them many times), and the
/// old-tagset data of the retention score when one is given.
pub fn read_data(args: &TrainingArgs, retain: Option<&Path>) -> Result<RetrainData> {
    let read = |path: &Path| -> Result<retag_train::Split> {
        let sentences = dataset::read_all(path, &args.input).with_context(|| format!("reading {}", path.display()))?;
        Ok(split_from(sentences, path))
    };
    Ok(RetrainData {
        train: read(&args.train)?,
        dev: read(&args.dev)?,
        test: args.test.as_deref().map(read).transpose()?,
        retain: retain.map(read).transpose()?,
    })
}

/// The run folder: the one asked for, else `<out>.run` beside the output.
pub fn run_dir(args: &TrainingArgs) -> PathBuf {
    args.run_dir.clone().unwrap_or_else(|| {
        let mut name = args.out.file_name().map(|name| name.to_os_string()).unwrap_or_else(|| "model".into());
        name.push(".run");
        args.out.with_file_name(name)
    })
}

/// Checks the output can be written before hours of training, runs, writes
/// the model and prints the scores. `retain`: old-tagset data for the
/// retention score.
pub fn run_and_report(spec: &RetrainSpec, args: &TrainingArgs, retain: Option<&Path>) -> Result<()> {
    if args.out.exists() {
        bail!("{} already exists; retag writes a new model folder, pick another --out", args.out.display());
    }
    // A path under a file, a read-only or full disk: known now, not after hours of training.
    retag_data::atomic::check_new_dir(&args.out).context("--out cannot be written, so training did not start")?;
    let data = read_data(args, retain)?;
    let run_dir = run_dir(args);
    let device = autodiff_device(args.backend)?;
    eprintln!(
        "{}: {} train / {} dev{} sentences, run folder {}",
        spec.strategy,
        data.train.sentences.len(),
        data.dev.sentences.len(),
        data.test.as_ref().map_or(String::new(), |test| format!(" / {} test", test.sentences.len())),
        run_dir.display()
    );
    // The error stays an error, so that `main` prints its whole source chain;
    // the resume hint, when it applies, is context on top of it.
    let outcome = retag_retrain::retrain(spec, &data, &run_dir, args.resume, &device).map_err(|error| {
        // A live run holding the folder is not an interrupted one: no resume hint then.
        let locked = matches!(error, retag_retrain::RetrainError::Train(retag_train::TrainError::Locked { .. }));
        let error = anyhow::Error::new(error);
        if run_dir.join(retag_train::checkpoint::CHECKPOINT).exists() && !args.resume && !locked {
            error.context(format!("{} holds an interrupted run (add --resume to continue it)", run_dir.display()))
        } else {
            error
        }
    })?;
    write_outcome(&outcome, spec, &args.out).with_context(|| format!("writing {}", args.out.display()))?;
    print_outcome(&outcome, args);
    Ok(())
}

fn print_outcome(outcome: &Outcome, args: &TrainingArgs) {
    if let Some(lineage) = &outcome.lineage {
        println!("{}", lineage.to_text());
    }
    if let Some(report) = &outcome.warm_start {
        println!("where each label's head row started:\n{report}\n");
    }
    println!("dev (best epoch {}):", outcome.best_epoch.map_or("-".into(), |epoch| epoch.to_string()));
    print!("{}", outcome.dev.to_text());
    if let Some(test) = &outcome.test {
        println!("\ntest:");
        print!("{}", test.to_text());
    }
    if let Some(retention) = &outcome.retention {
        println!("\n{}", retention.summary());
        print!("{}", retention.retrained.to_text());
    }
    let timing = &outcome.timing;
    println!(
        "\n{} epochs, {:.1} s per epoch{}, {:.1} s in all",
        timing.epochs,
        timing.secs_per_epoch,
        timing
            .cache_secs
            .map_or(String::new(), |secs| format!(" (+ {secs:.1} s computing the frozen encoder's outputs once)")),
        timing.total_secs
    );
    println!("model: {}", args.out.display());
    println!("scores and timings: {}", args.out.join(METRICS_FILE).display());
    println!(
        "learning curve: {} (one line per evaluation: {})",
        outcome.run_dir.join(CURVE_FILE).display(),
        outcome.run_dir.join("evaluations.jsonl").display()
    );
}
