//! Gazetteers: lists of names, and which words of a sentence are inside one.
//!
//! A gazetteer file holds one entry per line: the entry's words, then
//! optionally a tab and its type (`New York<TAB>LOC`). Blank lines are
//! skipped; there are no comments (a line starting with `#` is an entry,
//! as hashtags are). An entry is split at whitespace into words and matched
//! word by word against a sentence's words, so `New York` matches the two
//! words `New`, `York`, never a single token `New York` or `New-York`.
//! Entries and words are normalised alike first ([`GazetteerOptions`]:
//! NFKC and lowercase by default).
//!
//! Membership is BIO-encoded per channel: one channel per type by default
//! (a word inside a `LOC` entry and a `PER` entry is `B` or `I` in both),
//! or one for the whole file. Within a channel, matches may overlap; they
//! are taken longest first, ties to the one that starts first, and a match
//! that overlaps one already taken is dropped (spaCy's `filter_spans`). So
//! with the entries `New York` and `York City Hall`, the words `New York
//! City Hall` read `O B I I`: the three-word entry wins.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use crate::error::DataError;
use crate::features::spec::{CaseMode, GazetteerOptions, Membership, UnicodeForm};
use crate::location::Location;

/// A word's place in the entries of one channel. Its feature value is
/// [`Bio::id`]; 0 is no word (special tokens, padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bio {
    /// In no entry.
    O,
    /// The first word of an entry.
    B,
    /// A later word of an entry.
    I,
}

impl Bio {
    /// Values a channel takes: no word, `O`, `B`, `I`.
    pub const VALUES: usize = 4;

    pub fn id(self) -> u32 {
        match self {
            Bio::O => 1,
            Bio::B => 2,
            Bio::I => 3,
        }
    }
}

/// A gazetteer file, read and indexed.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    /// Where it was read, for errors and for the record of a saved model.
    source: PathBuf,
    /// The file as read: a model folder keeps it verbatim, so that a
    /// reloaded model matches exactly what training matched.
    text: String,
    options: GazetteerOptions,
    /// Channel names: the types, sorted (`""` for entries without one), or
    /// one `""` for the whole file.
    channels: Vec<String>,
    /// Normalised words joined by single spaces, to the channels holding them.
    entries: HashMap<String, Vec<usize>>,
    /// The most words of one entry: the longest span worth looking up.
    longest: usize,
}

impl Gazetteer {
    /// Reads the gazetteer at `path` (see the module doc for the format);
    /// errors name the file and the line.
    pub fn read(path: &Path, options: GazetteerOptions) -> Result<Self, DataError> {
        let text = super::read_text(path)?;
        Self::parse(text, options, path)
    }

    /// A gazetteer from the text of a file read from `source` (named in errors).
    pub fn parse(text: String, options: GazetteerOptions, source: &Path) -> Result<Self, DataError> {
        let file = Location::file(source);
        let mut lines: Vec<(String, String)> = Vec::new();
        for (index, line) in text.split('\n').enumerate() {
            let at = file.at_line(index + 1);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            let columns: Vec<&str> = line.split('\t').collect();
            let (entry, kind) = match columns.as_slice() {
                [entry] => (*entry, ""),
                [entry, kind] => (*entry, kind.trim()),
                _ => {
                    return Err(DataError::Malformed {
                        at,
                        reason: format!(
                            "{} tab-separated columns; a gazetteer line is ENTRY or ENTRY<TAB>TYPE",
                            columns.len()
                        ),
                    });
                }
            };
            if columns.len() == 2 && kind.is_empty() {
                return Err(DataError::Malformed {
                    at,
                    reason: "the type column is empty (leave out the tab for an entry without a type)".into(),
                });
            }
            let key = entry_key(entry, options);
            if key.is_empty() {
                return Err(DataError::Malformed { at, reason: format!("the entry {entry:?} has no word") });
            }
            let kind = if options.by == Membership::File { "" } else { kind };
            lines.push((key, kind.to_string()));
        }
        if lines.is_empty() {
            return Err(DataError::Malformed { at: file, reason: "no entry (one entry a line)".into() });
        }
        let channels: Vec<String> =
            lines.iter().map(|(_, kind)| kind.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let mut entries: HashMap<String, Vec<usize>> = HashMap::new();
        let mut longest = 0;
        for (key, kind) in lines {
            longest = longest.max(key.split(' ').count());
            let channel = channels.binary_search(&kind).expect("channels holds every line's type");
            let held = entries.entry(key).or_default();
            if !held.contains(&channel) {
                held.push(channel);
            }
        }
        Ok(Self { source: source.to_path_buf(), text, options, channels, entries, longest })
    }

    pub fn source(&self) -> &Path {
        &self.source
    }

    /// The same features, recorded as read from `source`: a model folder's
    /// copy keeps the name of the file training read, which names its channels.
    pub fn with_source(self, source: PathBuf) -> Self {
        Self { source, ..self }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn options(&self) -> GazetteerOptions {
        self.options
    }

    /// The channels' names: types, `""` for untyped entries or the whole file.
    pub fn channels(&self) -> &[String] {
        &self.channels
    }

    /// Entries (distinct after normalisation, per channel).
    pub fn len(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Each channel's BIO tag for each word of `words` (see the module doc
    /// for how overlapping matches are resolved).
    pub fn mark<S: AsRef<str>>(&self, words: &[S]) -> Vec<Vec<Bio>> {
        let normalised: Vec<String> = words.iter().map(|word| normalise(word.as_ref(), self.options)).collect();
        // Every span that is an entry, per channel.
        let mut found: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.channels.len()];
        for start in 0..normalised.len() {
            let mut key = String::new();
            for end in start + 1..=(start + self.longest).min(normalised.len()) {
                if end > start + 1 {
                    key.push(' ');
                }
                key.push_str(&normalised[end - 1]);
                for &channel in self.entries.get(&key).into_iter().flatten() {
                    found[channel].push((start, end));
                }
            }
        }
        found
            .into_iter()
            .map(|mut spans| {
                // Longest first, then leftmost.
                spans.sort_by_key(|&(start, end)| (std::cmp::Reverse(end - start), start));
                let mut tags = vec![Bio::O; words.len()];
                for (start, end) in spans {
                    if tags[start..end].iter().all(|&tag| tag == Bio::O) {
                        tags[start] = Bio::B;
                        tags[start + 1..end].fill(Bio::I);
                    }
                }
                tags
            })
            .collect()
    }
}

/// An entry's words, normalised and joined by single spaces; empty if it has none.
fn entry_key(entry: &str, options: GazetteerOptions) -> String {
    let normalised = normalise(entry, options);
    normalised.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as a gazetteer compares it: Unicode normalisation, then case.
pub fn normalise(text: &str, options: GazetteerOptions) -> String {
    let composed: String = match options.unicode {
        UnicodeForm::Nfkc => text.nfkc().collect(),
        UnicodeForm::Nfc => text.nfc().collect(),
        UnicodeForm::None => text.to_string(),
    };
    match options.case {
        CaseMode::Insensitive => composed.to_lowercase(),
        CaseMode::Sensitive => composed,
    }
}
