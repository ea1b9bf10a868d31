//! The one table between HF checkpoint names and burn parameter paths.
//!
//! Loading and export both read it, so a tensor cannot be renamed one way
//! and not the other. Every parameter of [`crate::BertModel`] and
//! [`crate::BertForTokenClassification`] has exactly one entry (a test walks
//! the modules to check this); the loader fails on a checkpoint tensor with
//! no entry, except the few that [`skipped`] names.
//!
//! The burn paths are the same for every family; the checkpoint names are
//! the family's ([`LayerNames`]): BERT's, which RoBERTa and XLM-RoBERTa keep,
//! or DistilBERT's.

use crate::config::BertConfig;
use crate::family::Family;

/// Which model the checkpoint is loaded into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// A bare encoder, [`crate::BertModel`].
    None,
    /// [`crate::BertForTokenClassification`] with this many labels.
    TokenClassification { num_labels: usize },
}

impl Head {
    /// Where the encoder's parameters live in our module: at the top of a
    /// bare [`crate::BertModel`], under the field `bert` of
    /// [`crate::BertForTokenClassification`], whatever the family.
    pub fn burn_prefix(self) -> &'static str {
        match self {
            Head::None => "",
            Head::TokenClassification { .. } => "bert.",
        }
    }

    /// Where the encoder's tensors live in the checkpoints we write of
    /// `family`: at the top level of a bare encoder, as transformers saves
    /// one, under the family's prefix with a head (`roberta.`...).
    /// (Checkpoints we read may use either; see [`Entry::checkpoint_name`].)
    pub fn checkpoint_prefix(self, family: Family) -> &'static str {
        match self {
            Head::None => "",
            Head::TokenClassification { .. } => family.checkpoint_prefix(),
        }
    }
}

/// How the checkpoint lays out a tensor relative to the burn parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Same shape, same order.
    Same,
    /// A linear weight: PyTorch stores `[out, in]`, burn's `Linear` `[in, out]`.
    Transposed,
}

/// One parameter: its checkpoint name, its burn path, and its checkpoint shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The HF name without the encoder prefix (`encoder.layer.0.output.dense.weight`).
    pub hf_name: String,
    /// True for encoder tensors, which a checkpoint may put under the
    /// family's prefix (`bert.`, `roberta.`, `distilbert.`);
    /// false for the head, which is always at the top level.
    pub in_encoder: bool,
    /// The path of the burn parameter in the loaded module.
    pub burn_path: String,
    pub hf_shape: Vec<usize>,
    pub layout: Layout,
}

impl Entry {
    /// The name in a checkpoint whose encoder tensors are under `encoder_prefix`.
    pub fn checkpoint_name(&self, encoder_prefix: &str) -> String {
        if self.in_encoder { format!("{encoder_prefix}{}", self.hf_name) } else { self.hf_name.clone() }
    }
}

/// Checkpoint tensors of `family` that are not model parameters and are
/// dropped by name, relative to the encoder prefix: `position_ids`, a
/// constant buffer older transformers versions saved, and for the families
/// that have one the pooler (used by next-sentence prediction and sentence
/// embeddings, never by token classification).
pub fn skipped(family: Family) -> &'static [&'static str] {
    match family {
        Family::Bert | Family::Roberta | Family::XlmRoberta => {
            &["pooler.dense.weight", "pooler.dense.bias", "embeddings.position_ids"]
        }
        Family::DistilBert => &["embeddings.position_ids"],
    }
}

/// The checkpoint name of a tensor with the pre-2019 LayerNorm names
/// (`LayerNorm.gamma`/`LayerNorm.beta`) rewritten to the current ones; other
/// names unchanged.
pub fn current_name(name: &str) -> Option<String> {
    if let Some(stem) = name.strip_suffix("LayerNorm.gamma") {
        return Some(format!("{stem}LayerNorm.weight"));
    }
    if let Some(stem) = name.strip_suffix("LayerNorm.beta") {
        return Some(format!("{stem}LayerNorm.bias"));
    }
    None
}

/// The checkpoint names of one encoder layer's modules, relative to the
/// encoder prefix, without `.weight`/`.bias`.
pub struct LayerNames {
    pub query: String,
    pub key: String,
    pub value: String,
    pub attention_output: String,
    pub attention_norm: String,
    pub intermediate: String,
    pub output: String,
    pub output_norm: String,
}

impl LayerNames {
    /// Layer `i` as `family` names it: BERT's `BertLayer` (RoBERTa and
    /// XLM-RoBERTa copy it), or DistilBERT's `TransformerBlock`.
    pub fn of(family: Family, i: usize) -> Self {
        match family {
            Family::Bert | Family::Roberta | Family::XlmRoberta => {
                let layer = format!("encoder.layer.{i}");
                Self {
                    query: format!("{layer}.attention.self.query"),
                    key: format!("{layer}.attention.self.key"),
                    value: format!("{layer}.attention.self.value"),
                    attention_output: format!("{layer}.attention.output.dense"),
                    attention_norm: format!("{layer}.attention.output.LayerNorm"),
                    intermediate: format!("{layer}.intermediate.dense"),
                    output: format!("{layer}.output.dense"),
                    output_norm: format!("{layer}.output.LayerNorm"),
                }
            }
            Family::DistilBert => {
                let layer = format!("transformer.layer.{i}");
                Self {
                    query: format!("{layer}.attention.q_lin"),
                    key: format!("{layer}.attention.k_lin"),
                    value: format!("{layer}.attention.v_lin"),
                    attention_output: format!("{layer}.attention.out_lin"),
                    attention_norm: format!("{layer}.sa_layer_norm"),
                    intermediate: format!("{layer}.ffn.lin1"),
                    output: format!("{layer}.ffn.lin2"),
                    output_norm: format!("{layer}.output_layer_norm"),
                }
            }
        }
    }
}

/// Every parameter of the model that `head` selects, in module order, under
/// the checkpoint names of `config.family`.
pub fn table(config: &BertConfig, head: Head) -> Vec<Entry> {
    let hidden = config.hidden_size;
    let mut table = Table { burn_prefix: head.burn_prefix(), in_encoder: true, entries: Vec::new() };

    table.embedding("embeddings.word_embeddings", "embeddings.word_embeddings", config.vocab_size, hidden);
    table.embedding(
        "embeddings.position_embeddings",
        "embeddings.position_embeddings",
        config.max_position_embeddings,
        hidden,
    );
    if config.family.has_token_types() {
        table.embedding(
            "embeddings.token_type_embeddings",
            "embeddings.token_type_embeddings",
            config.type_vocab_size,
            hidden,
        );
    }
    table.layer_norm("embeddings.LayerNorm", "embeddings.layer_norm", hidden);

    for i in 0..config.num_hidden_layers {
        let hf = LayerNames::of(config.family, i);
        let burn = format!("layers.{i}");
        table.linear(&hf.query, &format!("{burn}.attention.query"), hidden, hidden);
        table.linear(&hf.key, &format!("{burn}.attention.key"), hidden, hidden);
        table.linear(&hf.value, &format!("{burn}.attention.value"), hidden, hidden);
        table.linear(&hf.attention_output, &format!("{burn}.attention.output"), hidden, hidden);
        table.layer_norm(&hf.attention_norm, &format!("{burn}.attention.layer_norm"), hidden);
        table.linear(&hf.intermediate, &format!("{burn}.intermediate"), hidden, config.intermediate_size);
        table.linear(&hf.output, &format!("{burn}.output"), config.intermediate_size, hidden);
        table.layer_norm(&hf.output_norm, &format!("{burn}.layer_norm"), hidden);
    }

    let mut entries = table.entries;
    if let Head::TokenClassification { num_labels } = head {
        // The head sits outside the encoder prefix, in the checkpoint and in our module.
        let mut head_table = Table { burn_prefix: "", in_encoder: false, entries: Vec::new() };
        head_table.linear("classifier", "classifier", hidden, num_labels);
        entries.extend(head_table.entries);
    }
    entries
}

/// Builds entries for one module kind at a time.
struct Table {
    burn_prefix: &'static str,
    in_encoder: bool,
    entries: Vec<Entry>,
}

impl Table {
    fn push(&mut self, hf_name: String, burn: String, hf_shape: Vec<usize>, layout: Layout) {
        self.entries.push(Entry {
            hf_name,
            in_encoder: self.in_encoder,
            burn_path: format!("{}{burn}", self.burn_prefix),
            hf_shape,
            layout,
        });
    }

    fn embedding(&mut self, hf: &str, burn: &str, rows: usize, width: usize) {
        self.push(format!("{hf}.weight"), format!("{burn}.weight"), vec![rows, width], Layout::Same);
    }

    fn layer_norm(&mut self, hf: &str, burn: &str, width: usize) {
        self.push(format!("{hf}.weight"), format!("{burn}.gamma"), vec![width], Layout::Same);
        self.push(format!("{hf}.bias"), format!("{burn}.beta"), vec![width], Layout::Same);
    }

    fn linear(&mut self, hf: &str, burn: &str, d_in: usize, d_out: usize) {
        self.push(format!("{hf}.weight"), format!("{burn}.weight"), vec![d_out, d_in], Layout::Transposed);
        self.push(format!("{hf}.bias"), format!("{burn}.bias"), vec![d_out], Layout::Same);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use burn::module::{Module, ModuleVisitor, Param};
    use burn::tensor::{Device, Tensor};
    use retag_data::Tagset;

    use super::*;
    use crate::{BertForTokenClassification, BertModel};

    /// The path and shape of every float parameter of a module.
    #[derive(Default)]
    struct Shapes {
        path: Vec<String>,
        shapes: BTreeMap<String, Vec<usize>>,
    }

    impl ModuleVisitor for Shapes {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.shapes.insert(self.path.join("."), param.shape().to_vec());
        }
    }

    fn tiny_config() -> BertConfig {
        let json = r#"{"model_type": "bert", "vocab_size": 11, "hidden_size": 8, "num_hidden_layers": 2,
            "num_attention_heads": 2, "intermediate_size": 5, "max_position_embeddings": 7, "type_vocab_size": 3}"#;
        BertConfig::from_json_str(json, std::path::Path::new("config.json")).unwrap()
    }

    /// The table, as burn sees it: path -> shape in burn's layout.
    fn table_shapes(head: Head) -> BTreeMap<String, Vec<usize>> {
        table(&tiny_config(), head)
            .into_iter()
            .map(|entry| {
                let mut shape = entry.hf_shape;
                if entry.layout == Layout::Transposed {
                    shape.reverse();
                }
                (entry.burn_path, shape)
            })
            .collect()
    }

    #[test]
    fn the_table_covers_every_encoder_parameter_exactly() {
        let model = BertModel::init(&tiny_config(), &Device::flex());
        let mut shapes = Shapes::default();
        model.visit(&mut shapes);
        assert_eq!(shapes.shapes, table_shapes(Head::None));
        assert_eq!(shapes.shapes.len(), 5 + 2 * 16);
    }

    #[test]
    fn the_table_covers_every_token_classification_parameter_exactly() {
        let labels = Tagset::new(vec!["O".into(), "B-X".into(), "I-X".into()]).unwrap();
        let model = BertForTokenClassification::init(&tiny_config(), labels, &Device::flex());
        let mut shapes = Shapes::default();
        model.visit(&mut shapes);
        assert_eq!(shapes.shapes, table_shapes(Head::TokenClassification { num_labels: 3 }));
        assert_eq!(shapes.shapes["classifier.weight"], [8, 3]);
    }

    #[test]
    fn checkpoint_names_follow_transformers() {
        let entries = table(&tiny_config(), Head::TokenClassification { num_labels: 3 });
        let names: Vec<String> = entries.iter().map(|e| e.checkpoint_name("bert.")).collect();
        for expected in [
            "bert.embeddings.word_embeddings.weight",
            "bert.embeddings.LayerNorm.weight",
            "bert.encoder.layer.1.attention.self.query.weight",
            "bert.encoder.layer.1.attention.output.dense.bias",
            "bert.encoder.layer.1.attention.output.LayerNorm.bias",
            "bert.encoder.layer.0.intermediate.dense.weight",
            "bert.encoder.layer.0.output.dense.weight",
            "bert.encoder.layer.0.output.LayerNorm.weight",
            "classifier.weight",
            "classifier.bias",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} is not in the table");
        }
    }

    #[test]
    fn old_layer_norm_names_are_renamed_and_others_kept() {
        for (old, new) in [
            ("bert.embeddings.LayerNorm.gamma", Some("bert.embeddings.LayerNorm.weight")),
            ("encoder.layer.3.output.LayerNorm.beta", Some("encoder.layer.3.output.LayerNorm.bias")),
            ("encoder.layer.3.output.LayerNorm.weight", None),
            ("classifier.gamma", None),
        ] {
            assert_eq!(current_name(old).as_deref(), new, "{old}");
        }
    }
}
