//! The model's parameters in named groups: the unit that training freezes,
//! unfreezes and gives its own learning rate (gradual unfreezing and
//! layer-wise rates act on whole encoder layers, not on tensors).
//!
//! A group is read off a parameter's path as burn's module tree names it
//! (`encoder.layers.3.attention.query.weight`), so it needs no table that
//! could fall out of step with the modules.

use std::fmt;
use std::str::FromStr;

/// A group of parameters, by the name flags and configs use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupName {
    /// The encoder's embeddings: word, position and token-type tables and their LayerNorm.
    Embeddings,
    /// Encoder layer `n`, counted from 0 at the bottom.
    Layer(usize),
    /// The head and its CRF, and the input features' embedding tables.
    Head,
    /// A module beside the encoder and the head (an adapter), by its field name.
    Other(String),
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupName::Embeddings => f.write_str("embeddings"),
            GroupName::Layer(n) => write!(f, "layer.{n}"),
            GroupName::Head => f.write_str("head"),
            GroupName::Other(name) => f.write_str(name),
        }
    }
}

impl FromStr for GroupName {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        let name = name.trim();
        Ok(match name {
            "embeddings" => GroupName::Embeddings,
            "head" => GroupName::Head,
            _ => match name.strip_prefix("layer.") {
                Some(n) => {
                    GroupName::Layer(n.parse().map_err(|_| format!("{name:?}: a layer is layer.N, N a number"))?)
                }
                None if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                    GroupName::Other(name.to_string())
                }
                None => return Err(format!("{name:?} is not a parameter group (embeddings, layer.N, head)")),
            },
        })
    }
}

/// The group of the parameter at `path` (a path of [`crate::TaggerModel`]'s
/// module tree, as `burn`'s visitors and optimizers build it).
pub fn group_of(path: &str) -> GroupName {
    let mut parts = path.split('.');
    match parts.next() {
        Some("encoder") => {
            let rest: Vec<&str> = parts.collect();
            if rest.first() == Some(&"embeddings") {
                return GroupName::Embeddings;
            }
            match rest.iter().position(|part| *part == "layers") {
                Some(at) => rest.get(at + 1).and_then(|n| n.parse().ok()).map_or(GroupName::Head, GroupName::Layer),
                None => GroupName::Other("encoder".into()),
            }
        }
        // The input features' tables are as new as a fresh head and read by
        // it alone: they train at its rate and in its stages.
        Some("tagger" | "features") => GroupName::Head,
        Some(other) => GroupName::Other(other.to_string()),
        None => GroupName::Other(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use burn::module::{Module, ModuleVisitor, Param};
    use burn::tensor::{Device, Tensor};
    use retag_bert::{BertConfig, BertModel};
    use retag_data::{Scheme, Tagset};
    use retag_heads::{Head, HeadKind, Tagger};

    use super::*;
    use crate::TaggerModel;

    #[test]
    fn names_parse_and_print_back() {
        for (name, group) in [
            ("embeddings", GroupName::Embeddings),
            ("layer.0", GroupName::Layer(0)),
            ("layer.11", GroupName::Layer(11)),
            ("head", GroupName::Head),
            ("adapter", GroupName::Other("adapter".into())),
        ] {
            assert_eq!(name.parse::<GroupName>().unwrap(), group);
            assert_eq!(group.to_string(), name);
        }
        assert!("layer.x".parse::<GroupName>().is_err());
        assert!("".parse::<GroupName>().is_err());
        assert!("la yer".parse::<GroupName>().is_err());
    }

    /// The input features' tables train with the head; an adapter is its own group.
    #[test]
    fn input_features_belong_to_the_head() {
        assert_eq!(group_of("features.tables.0.weight"), GroupName::Head);
        assert_eq!(group_of("tagger.head.Linear.classifier.weight"), GroupName::Head);
        assert_eq!(group_of("adapter.Linear.weight"), GroupName::Other("adapter".into()));
    }

    struct Paths(Vec<String>, Vec<String>);

    impl ModuleVisitor for Paths {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.1.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.1.pop();
        }
        fn visit_float<const D: usize>(&mut self, _param: &Param<Tensor<D>>) {
            self.0.push(self.1.join("."));
        }
    }

    /// Every parameter of a real model lands in the group its path says,
    /// and every group is there: a renamed field would show here.
    #[test]
    fn every_parameter_of_a_model_has_its_group() {
        let device = Device::flex();
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner/config.json");
        let config = BertConfig::from_file(&path).unwrap();
        let labels = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let head = Head::random(HeadKind::Mlp, labels, config.hidden_size, 0.1, 1, &device).unwrap();
        let tagger = Tagger::with_new_crf(head, Some(Scheme::Iob2), 1).unwrap();
        let model = TaggerModel::new(BertModel::init(&config, &device), tagger).unwrap();
        let mut paths = Paths(Vec::new(), Vec::new());
        model.visit(&mut paths);
        let mut groups: Vec<GroupName> = paths.0.iter().map(|path| group_of(path)).collect();
        groups.sort();
        groups.dedup();
        let mut expected = vec![GroupName::Embeddings, GroupName::Head];
        expected.extend((0..config.num_hidden_layers).map(GroupName::Layer));
        expected.sort();
        assert_eq!(groups, expected, "{:#?}", paths.0);
        let layer_one: Vec<&String> = paths.0.iter().filter(|p| group_of(p) == GroupName::Layer(1)).collect();
        assert!(layer_one.len() >= 10, "{layer_one:?}");
    }
}
