//! The predict cases: `retag predict` and the reference programs on the same
//! input file, then how far each reference's tags agree with retag's.

use std::path::Path;

use anyhow::{Context, Result};

use super::harness::{Harness, read_json, remove_file};
use super::row::{Reference, Row, Side};
use crate::agreement::agreement;
use crate::inputs::{count_words, pack_to_length};

impl Harness {
    /// `predict` case: retag against PyTorch and, where the checkpoint was
    /// exported, ONNX Runtime in fp32 and int8.
    pub fn predict(&self, label: &str, input: &Path) -> Result<Row> {
        let mut references = vec![Reference::PyTorch];
        if self.onnx.is_some() {
            references.extend(Reference::ONNX_RUNTIME);
        }
        self.predict_with(label, input, &references)
    }

    /// `retag predict` and each of `references` on `input` (those whose
    /// program is at hand), each reference first, then their agreement with
    /// retag's output.
    pub fn predict_with(&self, label: &str, input: &Path, references: &[Reference]) -> Result<Row> {
        let mut row = Row::new(label, "words");
        let words = count_words(input)? as f64;
        let stem = label.replace(' ', "-");
        let output = |side: &str| self.outputs.join(format!("{stem}-{side}.txt"));
        let retag_out = output("retag");
        remove_file(&retag_out)?;
        for &reference in references {
            let side_name = reference.key().replace('_', "-");
            let out = output(&side_name);
            remove_file(&out)?;
            let Some(mut command) = self.python_command("bench_pipeline.py").filter(|_| self.references) else {
                continue;
            };
            command.args(["predict", "--runtime", reference.runtime()]);
            if reference != Reference::PyTorch {
                let Some(onnx) = &self.onnx else { continue };
                command.arg("--onnx-dir").arg(onnx);
            }
            let json_out = self.outputs.join(format!("{stem}-{side_name}.json"));
            remove_file(&json_out)?;
            command.args(["--threads", &self.threads.to_string(), "--model"]).arg(&self.checkpoint);
            command.arg("--input").arg(input).arg("--output").arg(&out).arg("--json-out").arg(&json_out);
            let measured = self.measure(label, &side_name, &mut command);
            let work = measured.as_ref().map(|_| words);
            row.references.push((reference, Side { measured, work, agreement: None }));
            row.extra[reference.key()] = read_json(&json_out);
        }
        let mut command = self.command(&self.retag);
        command.arg("predict").arg("--model").arg(&self.checkpoint);
        command.arg("--input").arg(input).arg("--output").arg(&retag_out);
        row.retag.measured = self.measure(label, "retag", &mut command);
        row.retag.work = row.retag.measured.as_ref().map(|_| words);
        if row.retag.measured.is_some() {
            for (reference, side) in row.references.iter_mut().filter(|(_, side)| side.measured.is_some()) {
                match agreement(&retag_out, &output(&reference.key().replace('_', "-"))) {
                    Ok(agreed) => side.agreement = Some(agreed),
                    Err(error) => row.notes.push(format!("{} tags not compared: {error:#}", reference.name())),
                }
            }
        }
        Ok(row)
    }

    /// Predict on files of the same words packed into sentences of each
    /// length: time per word against sentence length. Each row notes the cost
    /// per word-piece that the FLOP count predicts relative to the first
    /// length (per layer `8H² + 4HI + 4SH`: the attention term grows with S).
    pub fn lengths(&self, lengths: &[usize]) -> Result<Vec<Row>> {
        let config = read_json(&self.checkpoint.join("config.json"));
        let field =
            |name: &str| config[name].as_f64().with_context(|| format!("{name} in the checkpoint's config.json"));
        let (hidden, inner, limit) =
            (field("hidden_size")?, field("intermediate_size")?, field("max_position_embeddings")?);
        let per_piece = |length: usize| 8.0 * hidden * hidden + 4.0 * hidden * inner + 4.0 * length as f64 * hidden;
        let test = self.data.join("test.txt");
        let words = count_words(&test)? as usize;
        let mut rows = Vec::new();
        for &length in lengths {
            let input = self.inputs.join(format!("length-{length}.txt"));
            let sentences = pack_to_length(&self.checkpoint, &test, length, words, &input)?;
            let beyond = length as f64 > limit;
            let references: &[Reference] = if beyond { &[] } else { &[Reference::PyTorch] };
            let mut row = self.predict_with(&format!("length {length} word-pieces"), &input, references)?;
            let relative = per_piece(length.min(limit as usize)) / per_piece(lengths[0].min(limit as usize));
            row.notes.push(format!(
                "{sentences} sentences, {words} words; FLOP per word-piece x{relative:.2} of length {}",
                lengths[0]
            ));
            if beyond {
                row.notes.push(format!("beyond the model's {limit} positions: retag windows, the PyTorch loop would truncate, so it is not run"));
            }
            rows.push(row);
        }
        Ok(rows)
    }
}
