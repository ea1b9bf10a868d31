//! `retag-heads`: what sits on top of an encoder's hidden states to tag
//! tokens, and how to carry a trained one over to a new tagset.
//!
//! Heads work on hidden-state tensors `[batch, seq, hidden]` and know
//! nothing of the encoder that made them. Each head carries its [`Tagset`]:
//! output row `i` is label `i`.
//!
//! - [`LinearHead`]: dropout + linear, loads and exports `classifier.*` in
//!   PyTorch layout;
//! - [`warm_start`]: resizing a head to a new tagset, each new label starting
//!   from its parent's row, with a report of where every row came from
//!   ([`retag_data::mapping::Lineage`] says which old type is each new type's parent);
//! - [`MlpHead`]: hidden layers (dense + activation + dropout, as many and
//!   as wide as [`MlpSpec`] says) + linear, the "architecture change" strategy;
//! - [`Head`] / [`HeadKind`] / [`HeadArch`]: either head, picked by name
//!   (`linear`, `mlp`) or by name and MLP settings;
//! - [`Tagger`]: a head with an optional CRF, giving a loss for training and
//!   label ids for prediction ([`targets`] builds its label tensors);
//! - [`Crf`]: a linear-chain CRF (forward-algorithm loss, Viterbi decoding,
//!   optional tag-scheme constraints), warm-started from an old CRF's
//!   scores where the labels map;
//! - [`HeadSpec`] and [`head_file`]: a tagger saved as a versioned JSON
//!   spec plus `head.safetensors`, for models that are not plain
//!   HuggingFace token-classification checkpoints.

pub mod crf;
pub mod error;
pub mod head;
pub mod head_file;
pub mod linear;
pub mod mlp;
mod pytorch_linear;
mod rng;
pub mod spec;
pub mod tagger;
pub mod targets;
pub mod warm_start;

pub use crf::{Crf, CrfStart};
pub use error::{HeadError, Result};
pub use head::{Head, HeadArch, HeadKind};
pub use head_file::HEAD_FILE;
pub use linear::LinearHead;
pub use mlp::{Activation, LinearWeights, MlpHead, MlpSpec, MlpWeights};
pub use pytorch_linear::HF_INIT_STD;
pub use retag_data::Tagset;
pub use spec::{CrfSpec, HeadSpec};
pub use tagger::Tagger;
pub use warm_start::{LabelStart, RowOrigin, WarmStartReport, source_labels};
