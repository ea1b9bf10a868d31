//! Pseudo-rehearsal for `retag extend`: data annotated with new types only
//! says `O` on every word of the old types, and training on it as it is
//! teaches the model that a person is no entity. Before training, the old
//! model tags the training sentences, and where the new gold says `O` but
//! the old model sees one of its entities, the word takes the old model's
//! tag: the hard-label counterpart of the distillation in [`crate::distill`],
//! which pulls the new model towards the old one's soft labels.
//!
//! The rule, word by word ([`PseudoLabeler::label`]):
//!
//! - a word the new gold tags as an entity keeps its gold tag: the new
//!   annotation wins;
//! - a gold `O` word where the old model predicts an entity of an old type
//!   the new data does not annotate, with confidence (its softmax
//!   probability, see `retag_model::word_tags::WordTag`) at least
//!   `threshold`, takes the old model's tag, rewritten in the data's scheme;
//! - below the threshold the word is *unsure*: with `leave_out_unsure` it
//!   is left out of the loss (read as context, not scored), else it keeps
//!   its `O`. Keeping it as `O` trains the model to call a probable person
//!   no entity, the very forgetting rehearsal is there to prevent; adopting
//!   it trains on the old model's mistakes. Leaving it out does neither.
//!
//! An old type the new data annotates too (a new type with an old type's
//! name is the same type) is not rehearsed: there the new gold's `O` is an
//! annotator's answer, not a gap.
//!
//! Adopting some words of an old entity and not others can break the
//! scheme (an `I-PER` whose `B-PER` was unsure, a BIOES `B-PER` whose
//! `E-PER` fell under a gold entity). The words that are scored are then
//! read as one sequence the way seqeval reads one (an `I-` that cannot
//! continue starts an entity) and written back in the scheme, so the labels
//! the loss sees are always a valid sequence: a CRF's likelihood of a
//! forbidden path is minus infinity.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use burn::tensor::Device;
use retag_data::scheme::{Tag, Violation, convert, violations};
use retag_data::{OnInvalid, Scheme, Tagset};
use retag_model::TaggerModel;
use retag_model::word_tags::tag_windows_with_confidence;
use retag_train::Split;
use retag_train::dataset::AlignedSplit;
use serde::{Deserialize, Serialize};

use crate::error::{Result, RetrainError};

/// The confidence above which the old model's entity replaces a gold `O`:
/// high, because a wrong pseudo-label is trained on as if it were gold,
/// while a missed one is only left out (or, without leave-out, kept `O`).
pub const DEFAULT_THRESHOLD: f64 = 0.9;

/// `--rehearsal-threshold` and `--leave-out-unsure`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RehearsalRule {
    /// The old model's confidence, in 0..=1, from which its tag is adopted.
    pub threshold: f64,
    /// Leave the unsure words out of the loss (else they keep their `O`).
    pub leave_out_unsure: bool,
}

impl Default for RehearsalRule {
    fn default() -> Self {
        Self { threshold: DEFAULT_THRESHOLD, leave_out_unsure: true }
    }
}

impl RehearsalRule {
    /// Checks the threshold; the error names the flag.
    pub fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(RetrainError::option(
                "rehearsal_threshold",
                format!("{} is not a probability between 0 and 1", self.threshold),
            ));
        }
        Ok(())
    }
}

/// What became of one training word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordFate {
    /// It keeps the new gold's tag.
    Gold,
    /// Gold `O`, and the old model was sure of an entity of this old type:
    /// it takes the old model's tag.
    Relabelled(String),
    /// Gold `O`, the old model saw an entity of this type but was unsure:
    /// not scored.
    LeftOut(String),
    /// As [`WordFate::LeftOut`], but kept as `O` (leave-out is off).
    KeptOutside(String),
}

/// A sentence's training tags after rehearsal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PseudoLabels {
    /// One per word, in the data's scheme; a left-out word says `O` here,
    /// which the loss never reads.
    pub tags: Vec<String>,
    pub fates: Vec<WordFate>,
}

impl PseudoLabels {
    /// Whether the loss scores word `word`.
    pub fn scored(&self, word: usize) -> bool {
        !matches!(self.fates[word], WordFate::LeftOut(_))
    }
}

/// The rule with what it needs to read both models' tags.
#[derive(Debug, Clone)]
pub struct PseudoLabeler {
    rule: RehearsalRule,
    /// The scheme of the new data, which the adopted tags are written in.
    data_scheme: Scheme,
    /// The scheme of the old model's labels.
    old_scheme: Scheme,
    /// The old types the new data does not annotate: the only ones adopted.
    rehearsed: BTreeSet<String>,
}

impl PseudoLabeler {
    pub fn new(rule: RehearsalRule, data_scheme: Scheme, old_scheme: Scheme, rehearsed: &[String]) -> Self {
        Self { rule, data_scheme, old_scheme, rehearsed: rehearsed.iter().cloned().collect() }
    }

    pub fn rule(&self) -> RehearsalRule {
        self.rule
    }

    /// The training tags of one sentence: `gold` its new tags, `old` the old
    /// model's tags (its own labels) and `confidence` their probabilities,
    /// one per word. See the module doc for the rule. A violation names a
    /// tag no scheme reads (the caller locates it in the file).
    pub fn label<G: AsRef<str>, O: AsRef<str>>(
        &self,
        gold: &[G],
        old: &[O],
        confidence: &[f32],
    ) -> std::result::Result<PseudoLabels, Violation> {
        assert!(
            gold.len() == old.len() && old.len() == confidence.len(),
            "one old tag and one confidence per word: the old model tagged the same sentence"
        );
        // The old model's tags of rehearsed types, the rest read as O, in the data's scheme.
        let mut kept = Vec::with_capacity(old.len());
        for (index, raw) in old.iter().enumerate() {
            let raw = raw.as_ref();
            let tag = Tag::parse(raw).map_err(|reason| Violation { index, tag: raw.to_string(), reason })?;
            kept.push(if tag.prefix != 'O' && self.rehearsed.contains(tag.kind) { raw } else { "O" });
        }
        let old = convert(&kept, self.old_scheme, self.data_scheme, OnInvalid::Repair)?;

        let mut tags = Vec::with_capacity(gold.len());
        let mut fates = Vec::with_capacity(gold.len());
        for ((gold, old), &confidence) in gold.iter().zip(&old).zip(confidence) {
            let gold = gold.as_ref();
            if gold != "O" || old == "O" {
                tags.push(gold.to_string());
                fates.push(WordFate::Gold);
                continue;
            }
            let kind = Tag::parse(old)
                .expect("convert wrote each tag from a decoded span, as O or PREFIX-TYPE")
                .kind
                .to_string();
            let (tag, fate) = if f64::from(confidence) >= self.rule.threshold {
                (old.clone(), WordFate::Relabelled(kind))
            } else if self.rule.leave_out_unsure {
                ("O".to_string(), WordFate::LeftOut(kind))
            } else {
                ("O".to_string(), WordFate::KeptOutside(kind))
            };
            tags.push(tag);
            fates.push(fate);
        }
        let mut labels = PseudoLabels { tags, fates };
        if labels.fates.iter().any(|fate| matches!(fate, WordFate::Relabelled(_) | WordFate::LeftOut(_))) {
            self.repair(&mut labels)?;
        }
        Ok(labels)
    }

    /// Reads the scored words as one sequence and, where it breaks the
    /// scheme, rewrites it as seqeval reads it (see the module doc).
    fn repair(&self, labels: &mut PseudoLabels) -> std::result::Result<(), Violation> {
        let scored: Vec<usize> = (0..labels.tags.len()).filter(|&word| labels.scored(word)).collect();
        let sequence: Vec<&str> = scored.iter().map(|&word| labels.tags[word].as_str()).collect();
        if violations(&sequence, self.data_scheme).is_empty() {
            return Ok(());
        }
        let repaired = convert(&sequence, self.data_scheme, self.data_scheme, OnInvalid::Repair)
            .map_err(|violation| Violation { index: scored[violation.index], ..violation })?;
        for (word, tag) in scored.into_iter().zip(repaired) {
            labels.tags[word] = tag;
        }
        Ok(())
    }
}

/// How many words rehearsal changed, per old type: what `retag extend`
/// prints and `metrics.json` keeps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RehearsalCounts {
    pub rule: RehearsalRule,
    /// Training words read.
    pub words: usize,
    /// Sentences with at least one word relabelled or left out.
    pub sentences_changed: usize,
    /// Words that took the old model's tag.
    pub relabelled: BTreeMap<String, usize>,
    /// Unsure words left out of the loss.
    pub left_out: BTreeMap<String, usize>,
    /// Unsure words kept as `O` (leave-out off).
    pub kept_outside: BTreeMap<String, usize>,
}

impl RehearsalCounts {
    pub fn new(rule: RehearsalRule) -> Self {
        Self { rule, ..Self::default() }
    }

    pub fn add(&mut self, labels: &PseudoLabels) {
        self.words += labels.tags.len();
        let mut changed = false;
        for fate in &labels.fates {
            let (counts, kind) = match fate {
                WordFate::Gold => continue,
                WordFate::Relabelled(kind) => (&mut self.relabelled, kind),
                WordFate::LeftOut(kind) => (&mut self.left_out, kind),
                WordFate::KeptOutside(kind) => (&mut self.kept_outside, kind),
            };
            changed |= !matches!(fate, WordFate::KeptOutside(_));
            *counts.entry(kind.clone()).or_default() += 1;
        }
        self.sentences_changed += usize::from(changed);
    }

    pub fn total_relabelled(&self) -> usize {
        self.relabelled.values().sum()
    }

    pub fn total_left_out(&self) -> usize {
        self.left_out.values().sum()
    }
}

impl fmt::Display for RehearsalCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per_type = |counts: &BTreeMap<String, usize>| {
            let parts: Vec<String> = counts.iter().map(|(kind, count)| format!("{kind} {count}")).collect();
            if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) }
        };
        write!(
            f,
            "pseudo-rehearsal (old model's confidence >= {}): {} of {} words relabelled with an old type{}",
            self.rule.threshold,
            self.total_relabelled(),
            self.words,
            per_type(&self.relabelled)
        )?;
        if self.rule.leave_out_unsure {
            write!(f, ", {} unsure words left out of the loss{}", self.total_left_out(), per_type(&self.left_out))?;
        } else {
            let kept: usize = self.kept_outside.values().sum();
            write!(f, ", {kept} unsure words kept as O{}", per_type(&self.kept_outside))?;
        }
        write!(f, "; {} sentences changed", self.sentences_changed)
    }
}

/// Tags the training split with the old model (`old`, validation mode, on
/// the plain `device`) and rewrites it in place: each word's training label
/// becomes its pseudo-label in `labels` (the run's tagset), or none for a
/// word left out; the split's gold tags become the pseudo-labels. `split` is
/// what `train` was aligned from, for errors naming the file and line.
pub fn rehearse(
    old: &TaggerModel,
    train: &mut AlignedSplit,
    split: &Split,
    labels: &Tagset,
    labeler: &PseudoLabeler,
    batch_size: usize,
    device: &Device,
) -> Result<RehearsalCounts> {
    let guesses = tag_windows_with_confidence(old, &train.aligned, batch_size, train.pad_id(), device)?;
    let mut counts = RehearsalCounts::new(labeler.rule());
    for (index, words) in guesses.iter().enumerate() {
        let sentence = &split.sentences[index];
        let old_tags = words
            .iter()
            .map(|word| {
                old.tagset().label(word.id).ok_or_else(|| RetrainError::Mismatch {
                    reason: format!(
                        "the old model predicted label id {}, its tagset has {}",
                        word.id,
                        old.tagset().len()
                    ),
                })
            })
            .collect::<Result<Vec<&str>>>()?;
        let confidence: Vec<f32> = words.iter().map(|word| word.confidence).collect();
        let pseudo = labeler
            .label(&train.gold[index], &old_tags, &confidence)
            .map_err(|violation| violation.locate(labeler.data_scheme, sentence, &split.file))?;
        counts.add(&pseudo);
        let aligned = &mut train.aligned[index];
        for (word, tag) in pseudo.tags.iter().enumerate() {
            if !pseudo.scored(word) {
                aligned.relabel_word(word, None);
            } else if *tag != train.gold[index][word] {
                let id = labels.id_at(tag, &sentence.token_location(&split.file, word))?;
                aligned.relabel_word(word, Some(id));
            }
        }
        train.gold[index] = pseudo.tags;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words as the tests write them: tags separated by spaces, `_` for a
    /// word left out.
    fn render(labels: &PseudoLabels) -> String {
        let words: Vec<&str> = (0..labels.tags.len())
            .map(|word| if labels.scored(word) { labels.tags[word].as_str() } else { "_" })
            .collect();
        words.join(" ")
    }

    struct Case {
        gold: &'static str,
        old: &'static str,
        confidence: &'static [f32],
        threshold: f64,
        leave_out: bool,
        data_scheme: Scheme,
        expected: &'static str,
        why: &'static str,
    }

    const IOB2: Scheme = Scheme::Iob2;

    fn case(gold: &'static str, old: &'static str, confidence: &'static [f32], expected: &'static str) -> Case {
        Case { gold, old, confidence, threshold: 0.9, leave_out: true, data_scheme: IOB2, expected, why: "" }
    }

    fn check(cases: &[Case]) {
        // The old model knows PER, LOC and ORG; the new data annotates greeting and ORG.
        let rehearsed = ["LOC".to_string(), "PER".to_string()];
        for case in cases {
            let rule = RehearsalRule { threshold: case.threshold, leave_out_unsure: case.leave_out };
            let labeler = PseudoLabeler::new(rule, case.data_scheme, IOB2, &rehearsed);
            let gold: Vec<&str> = case.gold.split(' ').collect();
            let old: Vec<&str> = case.old.split(' ').collect();
            let labels = labeler.label(&gold, &old, case.confidence).expect("valid tags");
            assert_eq!(render(&labels), case.expected, "{}: gold {:?}, old {:?}", case.why, case.gold, case.old);
            let scored: Vec<&String> =
                labels.tags.iter().enumerate().filter(|&(word, _)| labels.scored(word)).map(|(_, tag)| tag).collect();
            if violations(&gold, case.data_scheme).is_empty() {
                assert!(violations(&scored, case.data_scheme).is_empty(), "{}: {scored:?} breaks the scheme", case.why);
            }
        }
    }

    #[test]
    fn sure_old_entities_replace_gold_o_and_unsure_ones_are_left_out() {
        check(&[
            Case { why: "above the threshold", ..case("O O", "B-PER O", &[0.95, 0.99], "B-PER O") },
            Case { why: "below it: left out", ..case("O O", "B-PER O", &[0.5, 0.99], "_ O") },
            Case { why: "the threshold itself is sure", threshold: 0.5, ..case("O", "B-LOC", &[0.5], "B-LOC") },
            Case {
                why: "leave-out off: unsure words keep their O",
                leave_out: false,
                ..case("O O", "B-PER B-LOC", &[0.5, 0.95], "O B-LOC")
            },
            Case { why: "threshold 0 adopts everything", threshold: 0.0, ..case("O", "B-PER", &[0.01], "B-PER") },
            Case {
                why: "the old model's O changes nothing",
                ..case("O B-greeting", "O O", &[0.2, 0.2], "O B-greeting")
            },
        ]);
    }

    #[test]
    fn only_gold_o_is_replaced_and_only_by_types_the_new_data_lacks() {
        check(&[
            Case {
                why: "a gold entity wins over a sure old one",
                ..case("B-greeting O", "B-PER O", &[0.99, 0.99], "B-greeting O")
            },
            Case {
                why: "a gold entity cuts an old span",
                ..case("O B-greeting", "B-PER I-PER", &[0.99, 0.99], "B-PER B-greeting")
            },
            Case { why: "ORG is annotated in the new data: its O is an answer", ..case("O", "B-ORG", &[0.99], "O") },
            Case {
                why: "two old types side by side",
                ..case("O O O", "B-PER B-LOC I-LOC", &[0.95, 0.95, 0.95], "B-PER B-LOC I-LOC")
            },
        ]);
    }

    #[test]
    fn relabelled_sequences_are_repaired_in_the_scheme() {
        check(&[
            Case {
                why: "an I- that lost its left-out B- starts the entity",
                ..case("O O O", "B-PER I-PER O", &[0.5, 0.95, 0.99], "_ B-PER O")
            },
            Case {
                why: "and so it does when the B- is kept as O",
                leave_out: false,
                ..case("O O O", "B-PER I-PER O", &[0.5, 0.95, 0.99], "O B-PER O")
            },
            Case {
                why: "the old model's own I- after O is read as seqeval reads it",
                ..case("O O", "O I-LOC", &[0.99, 0.95], "O B-LOC")
            },
            Case {
                why: "IOB2 predictions are written in the data's BIOES",
                data_scheme: Scheme::Bioes,
                ..case("O O O O", "B-PER I-PER O B-LOC", &[0.95, 0.95, 0.99, 0.95], "B-PER E-PER O S-LOC")
            },
            Case {
                why: "a BIOES entity whose end was left out ends where the scored words do",
                data_scheme: Scheme::Bioes,
                ..case("O O O", "B-PER I-PER O", &[0.95, 0.5, 0.99], "S-PER _ O")
            },
            Case {
                why: "a gold entity keeps its own tags when an old span before it loses its end",
                data_scheme: Scheme::Bioes,
                ..case("O S-greeting", "B-PER I-PER", &[0.95, 0.95], "S-PER S-greeting")
            },
            Case {
                why: "an invalid gold sentence that rehearsal does not touch is left as it is",
                ..case("I-greeting O", "O O", &[0.9, 0.9], "I-greeting O")
            },
        ]);
    }

    #[test]
    fn counts_are_kept_per_old_type() {
        let rehearsed = ["LOC".to_string(), "PER".to_string()];
        let labeler = PseudoLabeler::new(RehearsalRule::default(), IOB2, IOB2, &rehearsed);
        let mut counts = RehearsalCounts::new(labeler.rule());
        for (gold, old, confidence) in [
            ("O O O", "B-PER I-PER B-LOC", [0.95f32, 0.95, 0.3]),
            ("O B-greeting O", "O O O", [0.9, 0.9, 0.9]),
            ("O O O", "B-PER O O", [0.99, 0.9, 0.9]),
        ] {
            let gold: Vec<&str> = gold.split(' ').collect();
            let old: Vec<&str> = old.split(' ').collect();
            counts.add(&labeler.label(&gold, &old, &confidence).unwrap());
        }
        assert_eq!(counts.words, 9);
        assert_eq!(counts.sentences_changed, 2);
        assert_eq!(counts.relabelled, BTreeMap::from([("PER".to_string(), 3)]));
        assert_eq!(counts.left_out, BTreeMap::from([("LOC".to_string(), 1)]));
        assert_eq!(counts.total_relabelled(), 3);
        let text = counts.to_string();
        assert!(text.contains("3 of 9 words relabelled with an old type (PER 3)"), "{text}");
        assert!(text.contains("1 unsure words left out of the loss (LOC 1)"), "{text}");
    }

    #[test]
    fn a_threshold_outside_0_to_1_names_the_flag() {
        for threshold in [-0.1, 1.5, f64::NAN] {
            let error = RehearsalRule { threshold, leave_out_unsure: true }.check().unwrap_err().to_string();
            assert!(error.starts_with("rehearsal_threshold: "), "{error}");
        }
        assert!(RehearsalRule::default().check().is_ok());
    }
}
