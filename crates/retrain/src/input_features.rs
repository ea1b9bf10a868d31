//! The input features a run's model reads (`--input-features`, see
//! `retag_data::features`), as every recipe decides them:
//!
//! - asked for, and the old model reads none: fresh embedding tables for
//!   the features, drawn from the run's seed. A fresh head reads them from
//!   the start; a warm-started head (warm-start, progressive, extend) gets
//!   zero weights on them ([`retag_heads::Tagger::widened`]), so that it
//!   scores exactly as the old head at step 0 and learns how much to trust
//!   them;
//! - not asked for, and the old model reads some: the old model's features
//!   and trained tables are kept, as its encoder is, since its head reads them;
//! - asked for, and the old model reads some: refused, rather than choosing
//!   one set silently (the old model's files are in its folder).

use std::path::Path;

use burn::tensor::Device;
use retag_data::features::InputFeatures;
use retag_heads::Tagger;
use retag_model::{DEFAULT_FEATURE_DIM, FeatureEmbeddings, TaggerModel};
use retag_train::TrainConfig;

use crate::error::{Result, RetrainError};

/// A run's input features, and whether they are new to the run.
pub(crate) struct RunFeatures {
    pub embeddings: FeatureEmbeddings,
    /// Fresh tables for features the old model did not read: a head copied
    /// from the old model must be widened to read them.
    pub fresh: bool,
}

impl RunFeatures {
    /// The features of a run with `config` that starts from `old` (the old
    /// model's tagger, with its features if it has any; `None` when the run
    /// starts from a plain encoder), read from `source`, on `device`.
    pub(crate) fn choose(
        config: &TrainConfig,
        old: Option<&TaggerModel>,
        source: &Path,
        device: &Device,
    ) -> Result<Option<Self>> {
        let kept = old.and_then(TaggerModel::feature_embeddings);
        match (&config.input_features, kept) {
            (Some(_), Some(kept)) => {
                let channels: Vec<String> =
                    kept.features().channels().into_iter().map(|channel| channel.name).collect();
                Err(RetrainError::option(
                    "input_features",
                    format!(
                        "{} already reads input features ({}), which the run keeps with its head; leave \
                         --input-features out",
                        source.display(),
                        channels.join(", ")
                    ),
                ))
            }
            (Some(spec), None) => {
                let features = InputFeatures::read(spec)?;
                let embeddings = FeatureEmbeddings::new(features, DEFAULT_FEATURE_DIM, config.seed, device)?;
                Ok(Some(Self { embeddings, fresh: true }))
            }
            (None, Some(kept)) => Ok(Some(Self { embeddings: kept.copied_to(device), fresh: false })),
            (None, None) => Ok(None),
        }
    }

    /// The width the features add to what a head reads.
    pub(crate) fn width(features: Option<&Self>) -> usize {
        features.map_or(0, |features| features.embeddings.width())
    }

    /// `tagger`, copied from an old model, made to read these features too
    /// when they are new to the run.
    pub(crate) fn widen(features: Option<&Self>, tagger: Tagger) -> Result<Tagger> {
        match features {
            Some(features) if features.fresh => Ok(tagger.widened(features.embeddings.width())?),
            _ => Ok(tagger),
        }
    }
}
