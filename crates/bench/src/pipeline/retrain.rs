//! The retrain cases: `retag retrain --strategy STRATEGY` against its
//! PyTorch counterpart on the same splits.

use anyhow::{Context, Result};

use super::harness::{Harness, read_json};
use super::row::{Reference, Row, Side};
use super::table::in_process_note;
use crate::inputs::count_word_pieces;

impl Harness {
    /// `retag retrain --strategy STRATEGY --epochs EPOCHS` and its PyTorch
    /// counterpart on the same splits. Rates are real training word-pieces
    /// (times epochs) over the whole process.
    pub fn retrain(&self, strategy: &str, epochs: usize) -> Result<Row> {
        let label = format!("retrain {strategy} {epochs} epoch{}", if epochs == 1 { "" } else { "s" });
        let mut row = Row::new(&label, "word-pieces");
        let (train, dev, test) = (self.data.join("train.txt"), self.data.join("dev.txt"), self.data.join("test.txt"));
        let retag_pieces = count_word_pieces(&self.checkpoint, &train)? as f64 * epochs as f64;
        let epochs_arg = epochs.to_string();
        let threads = self.threads.to_string();
        let json_out = self.outputs.join(format!("{strategy}-pytorch.json"));
        let pytorch = match strategy {
            _ if !self.references => None,
            "frozen" => self.python_command("reference_retrain.py").map(|mut command| {
                command.args(["retrain", "--strategy", "frozen", "--epochs", &epochs_arg, "--patience", "0"]);
                // retag's defaults: windows as long as the model allows, the head's learning rate 1e-3.
                command.args(["--max-len", "512", "--lr", "1e-3", "--log-every", "0", "--threads", &threads]);
                command
            }),
            _ => self.python_command("bench_pipeline.py").map(|mut command| {
                command.args(["naive", "--epochs", &epochs_arg, "--threads", &threads]);
                command
            }),
        };
        if let Some(mut command) = pytorch {
            command.arg("--model").arg(&self.checkpoint);
            command.arg("--train").arg(&train).arg("--dev").arg(&dev).arg("--test").arg(&test);
            command.arg("--json-out").arg(&json_out);
            let _ = std::fs::remove_file(&json_out);
            let measured = self.measure(&label, "pytorch", &mut command);
            let report = read_json(&json_out);
            // Each script counts its own word-pieces: the Trainer script in
            // `word_pieces`, the frozen reference per epoch in `real_pieces`.
            let per_epoch: Option<f64> = report["epochs"]
                .as_array()
                .map(|epochs| epochs.iter().filter_map(|epoch| epoch["real_pieces"].as_f64()).sum());
            let counted = report["word_pieces"].as_f64().or(per_epoch);
            if measured.is_some() && counted.is_none() {
                row.notes.push(format!(
                    "PyTorch's report has no word-piece count; retag's is used ({})",
                    json_out.display()
                ));
            }
            let work = measured.as_ref().map(|_| counted.unwrap_or(retag_pieces));
            row.references.push((Reference::PyTorch, Side { measured, work, agreement: None }));
            row.extra["pytorch"] = report;
        }
        let out = self.outputs.join(format!("{strategy}-retag"));
        let run_dir = self.outputs.join(format!("{strategy}-retag.run"));
        for stale in [&out, &run_dir] {
            if stale.exists() {
                std::fs::remove_dir_all(stale).with_context(|| format!("cannot remove {}", stale.display()))?;
            }
        }
        let mut command = self.command(&self.retag);
        command.args(["retrain", "--strategy", strategy, "--epochs", &epochs_arg, "--patience", "0"]);
        command.arg("--model").arg(&self.checkpoint);
        command.arg("--train").arg(&train).arg("--dev").arg(&dev).arg("--test").arg(&test);
        command.arg("--out").arg(&out).arg("--run-dir").arg(&run_dir).args(["--progress", "off"]);
        row.retag.measured = self.measure(&label, "retag", &mut command);
        row.retag.work = row.retag.measured.as_ref().map(|_| retag_pieces);
        row.extra["retag"] = read_json(&out.join("metrics.json"));
        row.notes.extend(in_process_note(&row, strategy));
        Ok(row)
    }
}
