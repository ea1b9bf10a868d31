//! An augmented run's epochs (`--augment`), as `retrain` and `extend`
//! prepare them: each epoch's sentences augmented and aligned
//! ([`retag_train::Augmentation`]), then, as the recipe does once for plain
//! data, pseudo-labelled by the old model (extend's rehearsal) and scored
//! by the teacher (distillation). Both read the words, so both run again on
//! each epoch's words: one pass of the old model over the training data per
//! epoch and per use, without gradients.

use burn::tensor::Device;
use retag_data::Tagset;
use retag_data::augment::Augmenter;
use retag_model::TaggerModel;
use retag_train::dataset::AlignedSplit;
use retag_train::{Augmentation, EpochData, EpochDataError, EpochInputs, Inputs, Split, TeacherCache, TrainConfig};

use crate::error::{Result, RetrainError};
use crate::rehearsal::{PseudoLabeler, rehearse};

/// What an augmented epoch goes through after alignment.
pub(crate) struct AugmentedEpochs {
    augmentation: Augmentation,
    /// extend: the old model and the rule its pseudo-labels follow.
    rehearsal: Option<(TaggerModel, PseudoLabeler)>,
    /// distillation: the teacher (the old model, validation mode).
    teacher: Option<TaggerModel>,
    labels: Tagset,
    batch_size: usize,
    /// The plain device, where the old model runs without a graph.
    device: Device,
}

impl AugmentedEpochs {
    /// The epochs of a run with `config` (whose `augment` says how, and
    /// whose `seed` draws) on `split`, aligned as `plain` with `aligning`'s
    /// tokenizer and options to `labels` in the data's `scheme`; `None`
    /// when the config does not augment.
    pub(crate) fn new(
        config: &TrainConfig,
        scheme: retag_data::Scheme,
        split: &Split,
        plain: &AlignedSplit,
        aligning: (&retag_data::align::WordTokenizer, &retag_data::align::AlignOptions),
        labels: &Tagset,
        device: &Device,
    ) -> Result<Option<Self>> {
        let Some(spec) = &config.augment else {
            return Ok(None);
        };
        let augmenter = Augmenter::new(spec.clone(), config.seed, scheme, &split.sentences);
        let unknown = augmenter.unknown_targets();
        if !unknown.is_empty() {
            return Err(RetrainError::option(
                "augment_only",
                format!(
                    "the training data mentions no {}: nothing to aim the augmentation at (its types: {})",
                    unknown.join(", "),
                    labels.entity_types().join(", ")
                ),
            ));
        }
        let (tokenizer, options) = aligning;
        Ok(Some(Self {
            augmentation: Augmentation::new(augmenter, split, plain, tokenizer, labels, options)?,
            rehearsal: None,
            teacher: None,
            labels: labels.clone(),
            batch_size: config.eval_batch_size,
            device: device.clone(),
        }))
    }

    /// Pseudo-labels each epoch's sentences with `old` as `labeler` says.
    pub(crate) fn rehearsed(mut self, old: &TaggerModel, labeler: &PseudoLabeler) -> Self {
        self.rehearsal = Some((old.clone(), labeler.clone()));
        self
    }

    /// Scores each epoch's inputs with `teacher` for distillation.
    pub(crate) fn distilled(mut self, teacher: &TaggerModel) -> Self {
        self.teacher = Some(teacher.clone());
        self
    }

    fn inputs(&self, epoch: usize) -> Result<EpochInputs> {
        let (split, mut train) = self.augmentation.epoch(epoch)?;
        if let Some((old, labeler)) = &self.rehearsal {
            rehearse(old, &mut train, &split, &self.labels, labeler, self.batch_size, &self.device)?;
        }
        let train = Inputs::Windows(train);
        let teacher = match &self.teacher {
            Some(teacher) => Some(TeacherCache::compute(teacher, &train, self.batch_size, &self.device)?),
            None => None,
        };
        Ok(EpochInputs { train, teacher })
    }
}

impl EpochData for AugmentedEpochs {
    fn epoch(&mut self, epoch: usize) -> std::result::Result<EpochInputs, EpochDataError> {
        self.inputs(epoch).map_err(|error: RetrainError| Box::new(error) as EpochDataError)
    }
}
