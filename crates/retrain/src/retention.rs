//! The retention score (`--retain-data OLD`): what retraining cost the old
//! tagset. No tool users have today measures it, yet forgetting the old
//! types is the complaint NER users raise most after retraining.
//!
//! Both models tag the old-tagset data: the old model as it is, the
//! retrained one with its new labels folded back into the old types through
//! the lineage ([`RetentionFold`]). Both are scored with seqeval against the
//! old gold, in the same type space, so the two figures compare directly.

use burn::tensor::Device;
use retag_data::align::{AlignOptions, WordTokenizer as Tokenizer};
use retag_data::mapping::{Lineage, RetentionFold};
use retag_data::metrics::{self, Mode, Report};
use retag_data::run_metrics::{RetentionScores, RunScores};
use retag_model::TaggerModel;
use retag_train::dataset::AlignedSplit;
use retag_train::evaluate::predict;
use retag_train::{Inputs, Split};

use crate::error::Result;

/// Old-tagset data and what the old model predicts on it, computed before
/// training (when the old model is still intact).
pub struct RetentionBaseline {
    split: Split,
    /// The old model's tags, one per word.
    old_predictions: Vec<Vec<String>>,
    old_types: Vec<String>,
}

/// Both scores and the merged types scored apart.
#[derive(Debug, Clone)]
pub struct Retention {
    pub old_model: Report,
    pub retrained: Report,
    pub merged_types: Vec<String>,
    pub data: std::path::PathBuf,
}

impl RetentionBaseline {
    /// Tags `split` (annotated with the old tagset) with `old`. A tag the old
    /// model does not know is refused with the file and line.
    pub fn measure(
        old: &TaggerModel,
        split: &Split,
        tokenizer: &Tokenizer,
        options: &AlignOptions,
        batch_size: usize,
        device: &Device,
    ) -> Result<Self> {
        let aligned = AlignedSplit::align(split, tokenizer, old.tagset(), options, "retain")?;
        let old_predictions = predict(old, &Inputs::Windows(aligned), batch_size, device)?;
        Ok(Self { split: split.clone(), old_predictions, old_types: old.tagset().entity_types() })
    }

    /// Tags the same data with the retrained `model` and scores both models
    /// in the old type space that `lineage` folds into.
    pub fn score(
        &self,
        model: &TaggerModel,
        lineage: &Lineage,
        tokenizer: &Tokenizer,
        options: &AlignOptions,
        batch_size: usize,
        device: &Device,
    ) -> Result<Retention> {
        // The retrained model does not know the old labels: it reads the
        // words only (every tag O, which every tagset has).
        let untagged: Vec<_> =
            self.split.sentences.iter().map(|sentence| sentence.with_tags(vec!["O".into(); sentence.len()])).collect();
        let untagged = Split::new(untagged, self.split.file.clone());
        let aligned = AlignedSplit::align(&untagged, tokenizer, model.tagset(), options, "retain")?;
        let new_predictions = predict(model, &Inputs::Windows(aligned), batch_size, device)?;
        let fold = RetentionFold::new(&self.old_types, &model.tagset().entity_types(), |new_type| {
            lineage.parents_of(new_type)
        });
        let gold: Vec<Vec<String>> = self
            .split
            .sentences
            .iter()
            .map(|sentence| sentence.tags.iter().map(|tag| fold.old_tag(tag)).collect())
            .collect();
        let folded = |predictions: &[Vec<String>], fold_tag: &dyn Fn(&str) -> String| -> Vec<Vec<String>> {
            predictions.iter().map(|tags| tags.iter().map(|tag| fold_tag(tag)).collect()).collect()
        };
        let old = folded(&self.old_predictions, &|tag| fold.old_tag(tag));
        let retrained = folded(&new_predictions, &|tag| fold.new_tag(tag));
        let score = |predicted: &[Vec<String>]| -> Result<Report> {
            let gold: Vec<&[String]> = gold.iter().map(Vec::as_slice).collect();
            let predicted: Vec<&[String]> = predicted.iter().map(Vec::as_slice).collect();
            Ok(metrics::evaluate(&gold, &predicted, Mode::Default)?)
        };
        Ok(Retention {
            old_model: score(&old)?,
            retrained: score(&retrained)?,
            merged_types: fold.merged().to_vec(),
            data: self.split.file.path.clone().unwrap_or_default(),
        })
    }
}

impl Retention {
    /// The record `metrics.json` keeps.
    pub fn to_scores(&self) -> RetentionScores {
        RetentionScores {
            data: self.data.clone(),
            old_model: RunScores::from_report(&self.old_model),
            retrained: RunScores::from_report(&self.retrained),
            merged_types: self.merged_types.clone(),
        }
    }

    /// One line for the terminal.
    pub fn summary(&self) -> String {
        let merged = if self.merged_types.is_empty() {
            String::new()
        } else {
            format!("; merged types scored apart: {}", self.merged_types.join(", "))
        };
        format!(
            "retention on {} (old tagset, predictions folded through the lineage): retrained F1 {:.2}, old model {:.2}{merged}",
            self.data.display(),
            self.retrained.micro.f1 * 100.0,
            self.old_model.micro.f1 * 100.0
        )
    }
}
