//! A gazetteer made from annotated data (`retag data gazetteer --from
//! TRAIN`): every entity mention's words, with its type, once per distinct
//! spelling. Used on other data, it carries what one corpus knows about
//! names to another. Used on the data it was made from, it leaks the
//! labels: every training entity is then in the gazetteer, the model learns
//! to trust it, and meets a much poorer match rate on new text
//! (docs/strategies.md, "Feature augmentation").

use std::collections::{BTreeMap, BTreeSet};

use crate::error::DataError;
use crate::location::Location;
use crate::scheme::{OnInvalid, Scheme, sentence_spans};
use crate::sentence::Sentence;

/// Distinct mentions by type, gathered sentence by sentence.
#[derive(Debug, Clone)]
pub struct GazetteerCollector {
    scheme: Scheme,
    file: Location,
    /// Type to mentions (words joined by single spaces).
    entries: BTreeMap<String, BTreeSet<String>>,
    mentions: usize,
}

impl GazetteerCollector {
    /// Collects the mentions of sentences read from `file` (named in errors),
    /// tagged in `scheme`.
    pub fn new(scheme: Scheme, file: Location) -> Self {
        Self { scheme, file, entries: BTreeMap::new(), mentions: 0 }
    }

    /// Adds the mentions of one sentence. A sentence that breaks its scheme
    /// or holds a token a gazetteer line cannot (a tab, a line break) is an
    /// error naming its line.
    pub fn add(&mut self, sentence: &Sentence) -> Result<(), DataError> {
        if sentence.is_empty() {
            return Ok(());
        }
        for span in sentence_spans(sentence, self.scheme, OnInvalid::Error, &self.file)? {
            let words = &sentence.tokens[span.start..span.end];
            if let Some(offset) = words.iter().position(|word| word.contains(['\t', '\n', '\r'])) {
                return Err(DataError::Malformed {
                    at: sentence.token_location(&self.file, span.start + offset),
                    reason: format!(
                        "the token {:?} of a {} mention holds a tab or a line break, which a gazetteer line cannot",
                        words[offset], span.kind
                    ),
                });
            }
            self.mentions += 1;
            self.entries.entry(span.kind).or_default().insert(words.join(" "));
        }
        Ok(())
    }

    /// Mentions seen (with repeats).
    pub fn mentions(&self) -> usize {
        self.mentions
    }

    /// Distinct entries per type, in type order.
    pub fn counts(&self) -> Vec<(String, usize)> {
        self.entries.iter().map(|(kind, entries)| (kind.clone(), entries.len())).collect()
    }

    /// The gazetteer file: `ENTRY<TAB>TYPE` lines, by type then entry, each once.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for (kind, entries) in &self.entries {
            for entry in entries {
                text.push_str(entry);
                text.push('\t');
                text.push_str(kind);
                text.push('\n');
            }
        }
        text
    }
}
