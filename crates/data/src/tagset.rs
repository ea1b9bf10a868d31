//! The ordered labels of a model: label `i` is output row `i` of its head.
//!
//! Getting this order wrong is silent (the model still predicts, just the
//! wrong names), so a tagset is built once, validated, and every lookup of an
//! unknown label is an error that lists what the tagset has.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::DataError;
use crate::location::Location;
use crate::scheme::{Scheme, Tag};
use crate::sentence::Sentence;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagset {
    labels: Vec<String>,
    ids: HashMap<String, usize>,
}

impl Tagset {
    /// A tagset in exactly this order. Labels must be unique and non-empty.
    pub fn new(labels: Vec<String>) -> Result<Self, DataError> {
        if labels.is_empty() {
            return Err(DataError::InvalidTagset { reason: "a tagset needs at least one label".into() });
        }
        let mut ids = HashMap::with_capacity(labels.len());
        for (id, label) in labels.iter().enumerate() {
            if label.is_empty() {
                return Err(DataError::InvalidTagset { reason: format!("label {id} is empty") });
            }
            if let Some(first) = ids.insert(label.clone(), id) {
                return Err(DataError::InvalidTagset {
                    reason: format!("label {label:?} appears twice, as {first} and {id}"),
                });
            }
        }
        Ok(Self { labels, ids })
    }

    /// The tagset of a HuggingFace `config.json`: `id2label` maps the strings
    /// `"0".."n-1"` to labels. Gaps, duplicates and non-numeric ids are errors.
    pub fn from_id2label(id2label: &BTreeMap<String, String>) -> Result<Self, DataError> {
        let mut by_id = BTreeMap::new();
        for (key, label) in id2label {
            let id: usize = key.trim().parse().map_err(|_| DataError::InvalidTagset {
                reason: format!("id2label key {key:?} is not a non-negative integer"),
            })?;
            if by_id.insert(id, label.clone()).is_some() {
                return Err(DataError::InvalidTagset { reason: format!("id2label has id {id} twice") });
            }
        }
        for (expected, id) in by_id.keys().enumerate() {
            if *id != expected {
                return Err(DataError::InvalidTagset {
                    reason: format!("id2label has no id {expected} (ids must be 0..{})", by_id.len()),
                });
            }
        }
        Self::new(by_id.into_values().collect())
    }

    /// `O`, then for each type (in the given order) one label per prefix of
    /// the scheme: `O, B-LOC, I-LOC, B-PER, I-PER` for IOB2.
    pub fn from_types<S: AsRef<str>>(types: &[S], scheme: Scheme) -> Result<Self, DataError> {
        let mut labels = vec!["O".to_string()];
        for kind in types {
            for prefix in scheme.prefixes() {
                labels.push(format!("{prefix}-{}", kind.as_ref()));
            }
        }
        Self::new(labels)
    }

    /// The tagset that covers a dataset: its entity types sorted by name, so
    /// the same data always gives the same order whatever order it is read in.
    /// A tag that no scheme can read is an error naming the file and line.
    pub fn from_sentences<'a>(
        sentences: impl IntoIterator<Item = &'a Sentence>,
        scheme: Scheme,
        file: &Location,
    ) -> Result<Self, DataError> {
        let mut types = BTreeSet::new();
        for sentence in sentences {
            for (index, raw) in sentence.tags.iter().enumerate() {
                let tag = Tag::parse(raw).map_err(|reason| DataError::InvalidTag {
                    at: sentence.token_location(file, index),
                    tag: raw.clone(),
                    reason,
                })?;
                if tag.prefix != 'O' {
                    types.insert(tag.kind.to_string());
                }
            }
        }
        let types: Vec<String> = types.into_iter().collect();
        Self::from_types(&types, scheme)
    }

    /// The id of `label`, or an error listing the known labels.
    pub fn id(&self, label: &str) -> Result<usize, DataError> {
        self.id_at(label, &Location::default())
    }

    /// As [`Tagset::id`], naming where the label was read.
    pub fn id_at(&self, label: &str, at: &Location) -> Result<usize, DataError> {
        self.ids.get(label).copied().ok_or_else(|| DataError::UnknownLabel {
            at: at.clone(),
            label: label.to_string(),
            known: self.labels.join(", "),
        })
    }

    pub fn label(&self, id: usize) -> Option<&str> {
        self.labels.get(id).map(String::as_str)
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn contains(&self, label: &str) -> bool {
        self.ids.contains_key(label)
    }

    /// The entity types, in the order they first appear among the labels.
    pub fn entity_types(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.labels
            .iter()
            .filter_map(|label| Tag::parse(label).ok())
            .filter(|tag| tag.prefix != 'O' && seen.insert(tag.kind))
            .map(|tag| tag.kind.to_string())
            .collect()
    }

    /// The `id2label` map of a HuggingFace `config.json`.
    pub fn id2label(&self) -> BTreeMap<String, String> {
        self.labels.iter().enumerate().map(|(id, label)| (id.to_string(), label.clone())).collect()
    }

    /// The `label2id` map of a HuggingFace `config.json`.
    pub fn label2id(&self) -> BTreeMap<String, usize> {
        self.labels.iter().enumerate().map(|(id, label)| (label.clone(), id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id2label_round_trips_and_rejects_gaps() {
        let tagset = Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).unwrap();
        assert_eq!(tagset.labels(), ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]);
        assert_eq!(Tagset::from_id2label(&tagset.id2label()).unwrap(), tagset);
        // "10" sorts before "2" as a string; ids must still come out numerically.
        let many: BTreeMap<String, String> = (0..12).map(|i| (i.to_string(), format!("L{i}"))).collect();
        assert_eq!(Tagset::from_id2label(&many).unwrap().label(10), Some("L10"));
        let mut gap = tagset.id2label();
        gap.remove("2");
        let error = Tagset::from_id2label(&gap).unwrap_err().to_string();
        assert!(error.contains("no id 2"), "{error}");
    }

    #[test]
    fn unknown_label_lists_the_known_ones() {
        let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let error = tagset.id_at("B-ORG", &Location::line("gold.txt", 7)).unwrap_err().to_string();
        assert_eq!(error, "gold.txt:7: unknown label \"B-ORG\"; the tagset has O, B-PER, I-PER");
    }

    #[test]
    fn duplicate_labels_are_refused() {
        let error = Tagset::new(vec!["O".into(), "B-X".into(), "O".into()]).unwrap_err().to_string();
        assert!(error.contains("appears twice"), "{error}");
    }

    #[test]
    fn from_sentences_is_sorted_and_names_bad_tags() {
        let mut sentence = Sentence::new(
            vec!["a".into(), "b".into(), "c".into()],
            vec!["B-zeta".into(), "O".into(), "I-alpha".into()],
        );
        sentence.place_at_line(10);
        let tagset = Tagset::from_sentences([&sentence], Scheme::Bioes, &Location::file("x.txt")).unwrap();
        assert_eq!(tagset.entity_types(), ["alpha", "zeta"]);
        assert_eq!(tagset.len(), 9);
        sentence.tags[1] = "PER".into();
        let error = Tagset::from_sentences([&sentence], Scheme::Iob2, &Location::file("x.txt")).unwrap_err();
        assert!(error.to_string().starts_with("x.txt:11: invalid tag \"PER\""), "{error}");
    }
}
