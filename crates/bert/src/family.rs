//! The checkpoint families retag reads, and what sets them apart.
//!
//! BERT, RoBERTa, XLM-RoBERTa and DistilBERT are one architecture: embeddings,
//! then post-LayerNorm layers of self-attention and a feed-forward block,
//! read at the last hidden state. They are one encoder here ([`crate::BertModel`])
//! with these differences, each taken from transformers' modelling code:
//!
//! | | BERT | RoBERTa, XLM-RoBERTa | DistilBERT |
//! |---|---|---|---|
//! | `config.json` | `hidden_size`, ... | as BERT, `pad_token_id` 1 | `dim`, `n_layers`, `n_heads`, `hidden_dim`, `activation`, `dropout` |
//! | encoder under (with a head) | `bert.` | `roberta.` | `distilbert.` |
//! | layer names | `encoder.layer.N.attention.self.query` ... | as BERT | `transformer.layer.N.attention.q_lin` ... ([`crate::remap`]) |
//! | positions | `0..seq` | `pad_token_id + 1` on, padding at `pad_token_id` ([`Positions`]) | `0..seq` |
//! | token types | a table of `type_vocab_size` rows | a table of 1 row | none |
//! | dropout after attention's output projection | yes | yes | no |
//!
//! XLM-RoBERTa is RoBERTa with another vocabulary (SentencePiece) and other
//! class names; its checkpoints keep the encoder under `roberta.` too.

use std::fmt;

use crate::remap::Head;

/// A checkpoint family, named in `config.json` by `model_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Bert,
    Roberta,
    XlmRoberta,
    DistilBert,
}

impl Family {
    /// Every family retag reads, in the order error messages list them.
    pub const ALL: [Self; 4] = [Self::Bert, Self::Roberta, Self::XlmRoberta, Self::DistilBert];

    /// The family whose `model_type` is `name`, if retag reads it.
    pub fn from_model_type(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|family| family.model_type() == name)
    }

    /// `model_type` in `config.json`, as transformers writes it.
    pub fn model_type(self) -> &'static str {
        match self {
            Self::Bert => "bert",
            Self::Roberta => "roberta",
            Self::XlmRoberta => "xlm-roberta",
            Self::DistilBert => "distilbert",
        }
    }

    /// The `model_type`s retag reads, quoted and comma-separated, for errors.
    pub fn supported() -> String {
        Self::ALL.iter().map(|family| format!("{:?}", family.model_type())).collect::<Vec<_>>().join(", ")
    }

    /// The transformers class for this family and head, written in
    /// `config.json`'s `architectures` so that `AutoModel...` picks it.
    pub fn architecture(self, head: Head) -> String {
        let stem = match self {
            Self::Bert => "Bert",
            Self::Roberta => "Roberta",
            Self::XlmRoberta => "XLMRoberta",
            Self::DistilBert => "DistilBert",
        };
        match head {
            Head::None => format!("{stem}Model"),
            Head::TokenClassification { .. } => format!("{stem}ForTokenClassification"),
        }
    }

    /// Where transformers keeps the encoder's tensors in a model with a head
    /// (the class's `base_model_prefix`); a bare encoder has them at the top level.
    pub fn checkpoint_prefix(self) -> &'static str {
        match self {
            Self::Bert => "bert.",
            Self::Roberta | Self::XlmRoberta => "roberta.",
            Self::DistilBert => "distilbert.",
        }
    }

    /// Whether the embeddings add a token type (segment) embedding.
    /// DistilBERT has no table; every token is of type 0.
    pub fn has_token_types(self) -> bool {
        self != Self::DistilBert
    }

    /// Whether the attention sub-layer drops out after its output projection
    /// (BERT's `BertSelfOutput.dropout`); DistilBERT's `out_lin` has none.
    pub fn drops_attention_output(self) -> bool {
        self != Self::DistilBert
    }

    /// `pad_token_id` when `config.json` does not give it: transformers'
    /// default for the family's config class.
    pub fn default_pad_token_id(self) -> u32 {
        match self {
            Self::Bert | Self::DistilBert => 0,
            Self::Roberta | Self::XlmRoberta => 1,
        }
    }

    /// How the family numbers positions, given its padding id.
    pub fn positions(self, pad_token_id: u32) -> Positions {
        match self {
            Self::Bert | Self::DistilBert => Positions::FromZero,
            Self::Roberta | Self::XlmRoberta => Positions::AfterPadding { padding_idx: pad_token_id },
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.model_type())
    }
}

/// How token positions pick rows of the position embedding table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positions {
    /// Row `i` for the token at `i` (BERT, DistilBERT).
    FromZero,
    /// fairseq's numbering, kept by RoBERTa and XLM-RoBERTa (transformers'
    /// `create_position_ids_from_input_ids`): the `k`-th token that is not
    /// `padding_idx` gets row `padding_idx + k` (`k` from 1), a padding
    /// token row `padding_idx`. So the first `padding_idx + 1` rows are
    /// never a real token's, and a table of `max_position_embeddings` rows
    /// holds `max_position_embeddings - padding_idx - 1` tokens (514 rows,
    /// 512 tokens for roberta-base).
    AfterPadding { padding_idx: u32 },
}

impl Positions {
    /// Rows of the table that no real token reads.
    pub fn offset(self) -> usize {
        match self {
            Self::FromZero => 0,
            Self::AfterPadding { padding_idx } => padding_idx as usize + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_types_round_trip_and_others_are_none() {
        for family in Family::ALL {
            assert_eq!(Family::from_model_type(family.model_type()), Some(family));
        }
        for other in ["BERT", "xlm_roberta", "deberta-v2", "camembert", ""] {
            assert_eq!(Family::from_model_type(other), None, "{other}");
        }
        assert_eq!(Family::supported(), r#""bert", "roberta", "xlm-roberta", "distilbert""#);
    }

    #[test]
    fn architectures_are_transformers_class_names() {
        let head = Head::TokenClassification { num_labels: 3 };
        let cases = [
            (Family::Bert, "BertModel", "BertForTokenClassification"),
            (Family::Roberta, "RobertaModel", "RobertaForTokenClassification"),
            (Family::XlmRoberta, "XLMRobertaModel", "XLMRobertaForTokenClassification"),
            (Family::DistilBert, "DistilBertModel", "DistilBertForTokenClassification"),
        ];
        for (family, bare, with_head) in cases {
            assert_eq!(family.architecture(Head::None), bare);
            assert_eq!(family.architecture(head), with_head);
        }
    }

    #[test]
    fn roberta_positions_start_after_the_padding_row() {
        assert_eq!(Family::Roberta.positions(1), Positions::AfterPadding { padding_idx: 1 });
        assert_eq!(Family::Roberta.positions(1).offset(), 2);
        assert_eq!(Family::XlmRoberta.positions(0).offset(), 1);
        assert_eq!(Family::Bert.positions(0).offset(), 0);
        assert_eq!(Family::DistilBert.positions(3).offset(), 0);
    }
}
