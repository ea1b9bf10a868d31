//! `retag eval --gold G --pred P`: score a prediction file as seqeval does;
//! `retag eval --model DIR --data F`: tag the gold file with the model, then
//! score those predictions the same way.

use std::path::Path;

use anyhow::{Context, Result, bail};
use retag_data::metrics::{Report, check_same_tokens, check_tags, evaluate_sentences};
use retag_data::{Location, Sentence};

use retag_predict::DEFAULT_CHUNK_SENTENCES;

use super::predict;
use crate::args::EvalArgs;
use crate::dataset;

pub fn run(args: &EvalArgs) -> Result<()> {
    let report = match (&args.gold, &args.pred, &args.model, &args.data) {
        (Some(gold), Some(pred), None, None) => score_files(gold, pred, args)?,
        (None, None, Some(model), Some(data)) => score_model(model, data, args)?,
        // clap's argument groups allow only the two forms above.
        _ => bail!("give either --gold and --pred, or --model and --data"),
    };
    print_report(&report, args.json)
}

fn score_files(gold_path: &Path, pred_path: &Path, args: &EvalArgs) -> Result<Report> {
    let gold = dataset::read_all(gold_path, &args.input)?;
    let pred = dataset::read_all(pred_path, &args.input)?;
    check_tags(gold_path, &gold, args.mode)?;
    check_tags(pred_path, &pred, args.mode)?;
    check_same_tokens(gold_path, &gold, pred_path, &pred)?;
    Ok(evaluate_sentences(&gold, &pred, args.mode)?)
}

/// Tags the sentences of `data` with the model in `model_dir` and scores
/// the tags against the file's own.
fn score_model(model_dir: &Path, data: &Path, args: &EvalArgs) -> Result<Report> {
    let predictor = predict::load(model_dir, &args.run, DEFAULT_CHUNK_SENTENCES)?;
    let gold = dataset::read_all(data, &args.input)?;
    check_tags(data, &gold, args.mode)?;
    let file = Location::file(data);
    let tags = predictor.tag_sentences(&gold, &file).with_context(|| format!("tagging {}", data.display()))?;
    let pred: Vec<Sentence> = gold.iter().zip(tags).map(|(sentence, tags)| sentence.with_tags(tags)).collect();
    // Strict mode reads IOB2 only: a model whose labels are in another scheme is named here.
    check_tags(data, &pred, args.mode).with_context(|| format!("the predictions of {}", model_dir.display()))?;
    Ok(evaluate_sentences(&gold, &pred, args.mode)?)
}

fn print_report(report: &Report, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(&report.to_eval_json())?);
    } else {
        print!("{}", report.to_text());
        println!("\ntoken accuracy: {:.4}\n", report.accuracy);
        println!("entity types, gold (rows) against predicted (columns), same span:");
        print!("{}", report.confusion.to_text());
    }
    Ok(())
}
