//! Which entity types of an extended model are old and which are new: the
//! union tagset `retag extend` trains, the lineage that keeps every old
//! label's head row, and the scores of each group apart.
//!
//! Old types are the old model's; new types are those the data annotates
//! and the old model lacks. A type in both (a new type with an old type's
//! name) is the same type: it is old (its row is kept, it is scored with
//! the old group), and where a split annotates it, that split's `O` is an
//! answer for it, so it is not rehearsed there (see [`crate::rehearsal`]).
//! A test split that annotates the old types too, as one must to score
//! them, therefore changes nothing in training.

use std::collections::BTreeSet;

use retag_data::mapping::Lineage;
use retag_data::metrics::{Report, Scores};
use retag_data::{Scheme, Tagset};
use serde::Serialize;

use crate::error::{Result, RetrainError};
use retag_train::Split;

use crate::retrain::RetrainData;

/// The types of an extension and the tagset they make.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSplit {
    /// The old model's entity types, sorted by name.
    pub old: Vec<String>,
    /// The data's types the old model lacks, sorted by name.
    pub new: Vec<String>,
    /// The old types the training split does not annotate: the ones
    /// pseudo-rehearsal restores there.
    pub rehearsed: Vec<String>,
    /// Old and new types sorted by name, in the data's scheme: the head's rows.
    pub tagset: Tagset,
}

impl TypeSplit {
    /// The split of `old`'s types and those every split of `data` annotates
    /// (a type seen only in dev or test still gets rows, so that scoring
    /// names it). A bad tag is an error naming its own file and line; data
    /// that annotates no type the old model lacks is refused, since there
    /// is nothing to extend it with.
    pub fn new(old: &Tagset, data: &RetrainData, scheme: Scheme) -> Result<Self> {
        let old_types: BTreeSet<String> = old.entity_types().into_iter().collect();
        if old_types.is_empty() {
            return Err(RetrainError::Mismatch {
                reason: format!(
                    "the old model's labels ({}) name no entity type (B-PER, I-LOC...): there is nothing to keep",
                    old.labels().join(", ")
                ),
            });
        }
        let mut annotated = BTreeSet::new();
        for split in [Some(&data.train), Some(&data.dev), data.test.as_ref()].into_iter().flatten() {
            annotated.extend(annotated_types(split, scheme)?);
        }
        let new: Vec<String> = annotated.difference(&old_types).cloned().collect();
        if new.is_empty() {
            return Err(RetrainError::Mismatch {
                reason: format!(
                    "{} annotates no type the old model lacks (it knows {}): extend adds types; \
                     to retrain for a tagset, use retrain",
                    data.train.file,
                    old_types.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        let all: Vec<String> = old_types.union(&annotated).cloned().collect();
        let mut types = Self {
            old: old_types.into_iter().collect(),
            new,
            rehearsed: Vec::new(),
            tagset: Tagset::from_types(&all, scheme)?,
        };
        types.rehearsed = types.unannotated_in(&data.train, scheme)?;
        Ok(types)
    }

    /// The old types `split` does not annotate: where it says `O`, the old
    /// model's sure entities of these types are pseudo-labels.
    pub fn unannotated_in(&self, split: &Split, scheme: Scheme) -> Result<Vec<String>> {
        let annotated = annotated_types(split, scheme)?;
        Ok(self.old.iter().filter(|kind| !annotated.contains(*kind)).cloned().collect())
    }

    /// Each old type its own parent, each new type none: through the warm
    /// start, every old label's row is copied as it is and every new label's
    /// row starts fresh; through the distillation fold, old labels count as
    /// themselves and new ones as the old `O`.
    pub fn lineage(&self) -> Lineage {
        let parents = self
            .tagset
            .entity_types()
            .into_iter()
            .map(|kind| {
                let parent = self.old.contains(&kind).then(|| kind.clone());
                (kind, parent)
            })
            .collect();
        Lineage::Mapping { parents, merged: Default::default() }
    }

    /// Micro scores of the old group and of the new group in `report`.
    pub fn group_scores(&self, report: &Report) -> GroupScores {
        GroupScores { old: micro_over(report, &self.old), new: micro_over(report, &self.new) }
    }
}

/// The entity types `split` tags; a bad tag is an error naming its file and line.
fn annotated_types(split: &Split, scheme: Scheme) -> Result<BTreeSet<String>> {
    Ok(Tagset::from_sentences(&split.sentences, scheme, &split.file)?.entity_types().into_iter().collect())
}

/// One report's micro scores over the old types and over the new ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupScores {
    pub old: Scores,
    pub new: Scores,
}

/// seqeval's micro average restricted to `types`: their entity counts
/// pooled, with seqeval's conventions (a zero denominator gives 0, F1 is
/// `2pr / (p + r)` with a zero sum read as 1), so that over every type it
/// is exactly the report's own micro.
pub fn micro_over(report: &Report, types: &[String]) -> Scores {
    let (support, predicted, correct) = report
        .per_type
        .iter()
        .filter(|(kind, _)| types.contains(kind))
        .fold((0, 0, 0), |(s, p, c), (_, scores)| (s + scores.support, p + scores.predicted, c + scores.correct));
    let ratio = |numerator: usize, denominator: usize| {
        if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
    };
    let precision = ratio(correct, predicted);
    let recall = ratio(correct, support);
    let sum = precision + recall;
    let f1 = 2.0 * precision * recall / if sum == 0.0 { 1.0 } else { sum };
    Scores { precision, recall, f1, support, predicted, correct }
}

#[cfg(test)]
mod tests {
    use retag_data::metrics::{Mode, evaluate};
    use retag_data::{Location, Sentence};

    use super::*;

    fn split(name: &str, tags: &[&[&str]]) -> Split {
        let sentences = tags
            .iter()
            .enumerate()
            .map(|(index, tags)| {
                let mut sentence = Sentence::new(
                    tags.iter().map(|_| "w".to_string()).collect(),
                    tags.iter().map(|tag| tag.to_string()).collect(),
                );
                sentence.place_at_line(1 + index * 10);
                sentence
            })
            .collect();
        Split::new(sentences, Location::file(name))
    }

    fn data(train: &[&[&str]], test: &[&[&str]]) -> RetrainData {
        RetrainData {
            train: split("train.conll", train),
            dev: split("dev.conll", &[&["B-greeting"]]),
            test: Some(split("test.conll", test)),
            retain: None,
        }
    }

    #[test]
    fn the_union_keeps_old_types_adds_new_ones_and_rehearses_what_the_data_lacks() {
        let old = Tagset::from_types(&["PER", "ORG", "LOC"], Scheme::Iob2).unwrap();
        let data = data(&[&["B-greeting", "O", "B-ORG"]], &[&["B-PER", "B-product"]]);
        let types = TypeSplit::new(&old, &data, Scheme::Bioes).unwrap();
        assert_eq!(types.old, ["LOC", "ORG", "PER"]);
        assert_eq!(types.new, ["greeting", "product"], "a type seen only in test gets rows too");
        assert_eq!(types.rehearsed, ["LOC", "PER"], "ORG is annotated in train; test's PER changes no training label");
        assert_eq!(types.unannotated_in(data.test.as_ref().unwrap(), Scheme::Bioes).unwrap(), ["LOC", "ORG"]);
        assert_eq!(types.tagset.entity_types(), ["LOC", "ORG", "PER", "greeting", "product"]);
        assert_eq!(types.tagset.labels()[1..5], ["B-LOC", "I-LOC", "E-LOC", "S-LOC"], "in the data's scheme");

        let lineage = types.lineage();
        assert_eq!(lineage.parent("ORG").as_deref(), Some("ORG"));
        assert_eq!(lineage.parent("greeting"), None);
    }

    #[test]
    fn bad_tags_name_their_own_file_and_data_without_new_types_is_refused() {
        let old = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let bad = data(&[&["B-greeting"]], &[&["O"], &["O", "X-PER"]]);
        let error = TypeSplit::new(&old, &bad, Scheme::Iob2).unwrap_err().to_string();
        assert!(error.starts_with("test.conll:12: "), "{error}");

        let mut nothing_new = data(&[&["B-PER"]], &[&["O"]]);
        nothing_new.dev = split("dev.conll", &[&["O"]]);
        let error = TypeSplit::new(&old, &nothing_new, Scheme::Iob2).unwrap_err().to_string();
        assert!(error.contains("train.conll annotates no type the old model lacks (it knows PER)"), "{error}");
    }

    #[test]
    fn group_scores_pool_each_groups_counts_and_all_types_give_the_micro() {
        let gold: Vec<Vec<String>> = [["B-PER", "I-PER", "O", "B-greeting"], ["B-LOC", "O", "B-greeting", "O"]]
            .iter()
            .map(|tags| tags.iter().map(|tag| tag.to_string()).collect())
            .collect();
        let predicted: Vec<Vec<String>> = [["B-PER", "I-PER", "O", "O"], ["B-PER", "O", "B-greeting", "B-greeting"]]
            .iter()
            .map(|tags| tags.iter().map(|tag| tag.to_string()).collect())
            .collect();
        let report = evaluate(&gold, &predicted, Mode::Default).unwrap();
        let types = |names: &[&str]| names.iter().map(|name| name.to_string()).collect::<Vec<_>>();
        let old = micro_over(&report, &types(&["LOC", "PER"]));
        assert_eq!((old.support, old.predicted, old.correct), (2, 2, 1));
        assert_eq!((old.precision, old.recall, old.f1), (0.5, 0.5, 0.5));
        let new = micro_over(&report, &types(&["greeting"]));
        assert_eq!((new.support, new.predicted, new.correct), (2, 2, 1));
        assert_eq!(micro_over(&report, &types(&["LOC", "PER", "greeting"])), report.micro);
        let none = micro_over(&report, &types(&["ORG"]));
        assert_eq!((none.precision, none.recall, none.f1), (0.0, 0.0, 0.0));
    }
}
