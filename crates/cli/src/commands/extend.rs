//! `retag extend`: add the entity types of new data to a fine-tuned model,
//! keeping its old types, and write the extended model with its scores.

use anyhow::{Context, Result, bail};
use retag_data::metrics::Scores;
use retag_retrain::extend::{ExtendOutcome, ExtendSpec, extend};
use retag_retrain::extend_output::write_extension;
use retag_retrain::output::{CURVE_FILE, METRICS_FILE};
use retag_retrain::rehearsal::RehearsalRule;
use retag_retrain::{DistillSpec, HeadChoice};

use super::training::{progress_mode, read_data, resolve_config, run_dir};
use crate::args::{ExtendArgs, TrainingArgs};
use crate::device::autodiff_device;

pub fn run(args: &ExtendArgs) -> Result<()> {
    check_flags(&args.training)?;
    let training = &args.training;
    let spec = ExtendSpec {
        old_model: crate::model_source::resolve(&args.model)?,
        head: None,
        config: resolve_config(training)?,
        rehearsal: RehearsalRule { threshold: args.rehearsal_threshold, leave_out_unsure: args.leave_out_unsure },
        distill: (args.distill_weight != 0.0)
            .then_some(DistillSpec { weight: args.distill_weight, temperature: args.temperature }),
        scheme: training.scheme,
        progress: progress_mode(training.progress),
    };
    spec.check()?;
    if training.out.exists() {
        bail!("{} already exists; retag writes a new model folder, pick another --out", training.out.display());
    }
    // A path under a file, a read-only or full disk: known now, not after hours of training.
    retag_data::atomic::check_new_dir(&training.out).context("--out cannot be written, so training did not start")?;
    let data = read_data(training, None)?;
    let run_dir = run_dir(training);
    let device = autodiff_device(training.backend)?;
    eprintln!(
        "extend: {} train / {} dev{} sentences, run folder {}",
        data.train.sentences.len(),
        data.dev.sentences.len(),
        data.test.as_ref().map_or(String::new(), |test| format!(" / {} test", test.sentences.len())),
        run_dir.display()
    );
    let outcome = extend(&spec, &data, &run_dir, training.resume, &device).map_err(|error| {
        let error = anyhow::Error::new(error);
        if run_dir.join(retag_train::checkpoint::CHECKPOINT).exists() && !training.resume {
            error.context(format!("{} holds an interrupted run (add --resume to continue it)", run_dir.display()))
        } else {
            error
        }
    })?;
    write_extension(&outcome, &spec, &training.out).with_context(|| format!("writing {}", training.out.display()))?;
    print_outcome(&outcome, training);
    Ok(())
}

/// The head is the old model's, whose rows extend keeps: a flag choosing
/// another would be ignored, so it is refused.
fn check_flags(args: &TrainingArgs) -> Result<()> {
    if args.head != HeadChoice::LINEAR {
        bail!("--head: extend keeps the old model's head (its kind and its CRF, if any); leave --head out");
    }
    let shaped = [
        ("--head-hidden", args.head_hidden.is_some()),
        ("--head-layers", args.head_layers.is_some()),
        ("--head-activation", args.head_activation.is_some()),
        ("--head-dropout", args.head_dropout.is_some()),
    ];
    if let Some((flag, _)) = shaped.iter().find(|(_, given)| *given) {
        bail!("{flag}: extend keeps the old model's head as it is, shape included");
    }
    Ok(())
}

fn group_line(name: &str, types: &[String], scores: &Scores) -> String {
    format!(
        "  {name} types ({}): F1 {:.2}, precision {:.2}, recall {:.2}, {} entities",
        types.join(", "),
        scores.f1 * 100.0,
        scores.precision * 100.0,
        scores.recall * 100.0,
        scores.support
    )
}

fn print_outcome(outcome: &ExtendOutcome, args: &TrainingArgs) {
    let types = &outcome.types;
    println!("train: {}", outcome.rehearsal);
    println!("dev: {}", outcome.dev_rehearsal);
    if let Some(report) = &outcome.run.warm_start {
        println!("\nwhere each label's head row started:\n{report}\n");
    }
    let run = &outcome.run;
    println!("dev (best epoch {}):", run.best_epoch.map_or("-".into(), |epoch| epoch.to_string()));
    print!("{}", run.dev.to_text());
    println!("(dev's old types are the old model's sure predictions)");
    println!("{}", group_line("old", &types.old, &outcome.dev_groups.old));
    println!("{}", group_line("new", &types.new, &outcome.dev_groups.new));
    if let (Some(test), Some(groups)) = (&run.test, &outcome.test_groups) {
        println!("\ntest:");
        print!("{}", test.to_text());
        println!("{}", group_line("old", &types.old, &groups.old));
        println!("{}", group_line("new", &types.new, &groups.new));
    }
    let timing = &run.timing;
    println!("\n{} epochs, {:.1} s per epoch, {:.1} s in all", timing.epochs, timing.secs_per_epoch, timing.total_secs);
    println!("model: {}", args.out.display());
    println!("scores and timings: {}", args.out.join(METRICS_FILE).display());
    println!(
        "learning curve: {} (one line per evaluation: {})",
        run.run_dir.join(CURVE_FILE).display(),
        run.run_dir.join("evaluations.jsonl").display()
    );
}
