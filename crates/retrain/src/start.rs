//! The model each strategy starts training from: an encoder (the old
//! model's, or the base one) with a head for the new tagset (random, or
//! warm-started from the old head).

use burn::module::Param;
use burn::nn::{DropoutConfig, Linear};
use burn::tensor::Tensor;
use retag_bert::{BertConfig, BertForTokenClassification, BertModel};
use retag_data::Tagset;
use retag_heads::{LinearHead, WarmStartReport};

use crate::error::{Result, RetrainError};
use crate::lineage::Lineage;

/// Noise added to a row that several new labels copy (a split), so that
/// they differ at step 0: the spread of a fresh row (HF init, 0.02). A
/// tenth of that (0.002) left the rare split types of the WNUT-16 coarse ->
/// fine task (facility, product, sportsteam) at F1 0 after three epochs,
/// and warm-start 5 points behind naive; with 0.02 they learn and warm-start
/// leads (docs/strategies.md).
pub const SPLIT_PERTURBATION_STD: f64 = 0.02;

/// The old model's classifier as a [`LinearHead`] over its labels.
pub fn head_of(model: &BertForTokenClassification) -> Result<LinearHead> {
    let weight = leaf(model.classifier.weight.val().transpose());
    let bias = match &model.classifier.bias {
        Some(bias) => leaf(bias.val()),
        None => Tensor::zeros([model.labels.len()], &weight.device()),
    };
    Ok(LinearHead::from_pytorch(
        model.labels.clone(),
        model.bert.config.hidden_size,
        weight,
        bias,
        model.bert.config.classifier_dropout_prob(),
    )?)
}

/// `encoder` topped with `head`: the model a strategy trains and exports.
/// The encoder's config is updated to name the head's labels, which export
/// writes as `id2label`.
pub fn with_head(encoder: BertModel, head: &LinearHead) -> Result<BertForTokenClassification> {
    let hidden = encoder.config.hidden_size;
    if head.hidden_size() != hidden {
        return Err(RetrainError::Mismatch {
            reason: format!("the head reads {}-wide states, the encoder gives {hidden}", head.hidden_size()),
        });
    }
    let labels = head.tagset().clone();
    let (weight, bias) = head.weights_pytorch_layout();
    let config = BertConfig { labels: Some(labels.clone()), ..encoder.config.clone() };
    let mut bert = encoder;
    bert.config = config;
    Ok(BertForTokenClassification {
        dropout: DropoutConfig::new(head.dropout()).init(),
        classifier: Linear {
            weight: Param::from_tensor(leaf(weight.transpose())),
            bias: Some(Param::from_tensor(leaf(bias))),
        },
        labels,
        bert,
    })
}

/// A new random head (HuggingFace's initialisation) for `labels` on `encoder`.
pub fn fresh_head(encoder: BertModel, labels: Tagset, seed: u64) -> Result<BertForTokenClassification> {
    let device = encoder.embeddings.word_embeddings.weight.val().device();
    let dropout = encoder.config.classifier_dropout_prob();
    let (head, _) = LinearHead::fresh(labels, encoder.config.hidden_size, dropout, seed, &device)?;
    with_head(encoder, &head)
}

/// The old model with its head resized to `labels`, each new label starting
/// from its parent's row, and the report of where each row came from.
pub fn warm_started(
    old: BertForTokenClassification,
    labels: Tagset,
    lineage: &Lineage,
    seed: u64,
) -> Result<(BertForTokenClassification, WarmStartReport)> {
    let (head, report) =
        head_of(&old)?.warm_start(labels, |kind| lineage.parent(kind), SPLIT_PERTURBATION_STD, seed)?;
    Ok((with_head(old.bert, &head)?, report))
}

/// A copy of `tensor` with no history. On an autodiff device a parameter's
/// value (and any view of it, such as a transpose) belongs to the graph, and
/// burn refuses to make such a tensor the parameter of another module: it
/// must be a leaf. Going through host data makes one.
fn leaf<const D: usize>(tensor: Tensor<D>) -> Tensor<D> {
    let device = tensor.device();
    Tensor::from_data(tensor.into_data(), &device)
}
