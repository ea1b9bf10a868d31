//! Old-tagset to new-tagset mappings: which new entity types each old type
//! becomes (rename, merge, split, drop) and which new types have no old parent.
//!
//! A mapping relates entity TYPES, never `B-`/`I-` labels: the prefixes follow
//! the tag scheme, so one mapping serves IOB2 and BIOES data alike.
//!
//! It is keyed by the OLD type because that is the direction a user thinks in
//! ("what becomes of my `company` entities?") and the direction relabelling
//! needs as a function; the reverse question the retraining strategies ask
//! ("which old labels does new type `location` descend from, so its weights
//! can start from theirs?") is answered by [`TagsetMapping::parents_of`],
//! computed once when the mapping is built. The file format:
//!
//! ```toml
//! # Optional: new types that descend from no old type. In TOML, top-level
//! # keys must come before the first [table].
//! new = ["creative_work"]
//!
//! [types]                      # OLD type = what it becomes
//! person = "person"            # kept as is
//! company = "corporation"      # rename
//! geo-loc = "location"         # merge: two old types, one new type
//! facility = "location"
//! ORG = ["political_party", "company"]  # split: one old type, several new
//! other = false                # dropped: its entities become O
//! ```
//!
//! The same in JSON: `{"new": ["creative_work"], "types": {"company": "corporation", "other": false}}`.
//! `docs/mapping-format.md` is the user-facing description.
//!
//! Everything a mapping can get wrong on its own (a type listed twice, a new
//! type that is both declared in `new` and produced by an old type, an empty
//! name) is refused when it is built; what depends on a model or a dataset
//! (an old type the old tagset lacks, a type in the data the mapping forgets)
//! is checked by [`TagsetMapping::for_old_types`], [`TagsetMapping::check_new_types`]
//! and [`TagsetMapping::relabel`].

mod file;
mod infer;
mod lineage;
mod relabel;
mod retention;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::error::{DataError, Result};
use crate::location::Location;
use crate::tagset::Tagset;

pub use file::MappingFormat;
pub use infer::{InferredParent, MappingEvidence, OUTSIDE, inferred_to_text};
pub use lineage::Lineage;
pub use relabel::{RelabelOptions, Unmapped};
pub use retention::RetentionFold;

/// What an old entity type becomes, and where the mapping file said so.
#[derive(Debug, Clone)]
struct Rule {
    /// Empty: dropped. One: renamed or merged. Several (sorted): split.
    children: Vec<String>,
    /// 1-based line of the rule in the mapping file, when it could be found.
    line: Option<usize>,
}

/// A validated mapping from an old tagset's entity types to a new tagset's.
///
/// Two mappings are equal when they relate the same types, wherever they
/// were read from and whatever their description.
#[derive(Debug, Clone)]
pub struct TagsetMapping {
    /// The mapping file (no line), or [`Location::unnamed`] for a mapping
    /// built in code; errors point here.
    origin: Location,
    description: Option<String>,
    rules: BTreeMap<String, Rule>,
    /// New types with no old parent, sorted.
    unparented: Vec<String>,
    /// Line of the `new` list in the mapping file.
    unparented_line: Option<usize>,
    /// Every new type and the old types it descends from (sorted; empty for
    /// an unparented type). Derived from `rules` and `unparented`.
    parents: BTreeMap<String, Vec<String>>,
}

/// One rule as read, before validation.
#[derive(Debug, Clone)]
struct Entry {
    old: String,
    children: Vec<String>,
    line: Option<usize>,
}

impl TagsetMapping {
    /// A mapping from rules `old -> [new..]` (an empty list drops the old
    /// type) and the new types that have no old parent.
    pub fn from_rules<O, N>(
        rules: impl IntoIterator<Item = (O, Vec<N>)>,
        unparented: impl IntoIterator<Item = N>,
    ) -> Result<Self>
    where
        O: Into<String>,
        N: Into<String>,
    {
        let entries = rules
            .into_iter()
            .map(|(old, children)| Entry {
                old: old.into(),
                children: children.into_iter().map(Into::into).collect(),
                line: None,
            })
            .collect();
        let unparented = unparented.into_iter().map(Into::into).collect();
        Self::build(Location::unnamed(None), None, entries, unparented, None)
    }

    /// A mapping where each old type becomes exactly one new type (renames
    /// and merges), the shape most relabelling jobs need.
    pub fn from_pairs<O, N>(pairs: impl IntoIterator<Item = (O, N)>) -> Result<Self>
    where
        O: Into<String>,
        N: Into<String>,
    {
        Self::from_rules(pairs.into_iter().map(|(old, new)| (old, vec![new])), std::iter::empty::<N>())
    }

    /// Validates rules read from a file or built in code; see the module doc
    /// for what is refused.
    fn build(
        origin: Location,
        description: Option<String>,
        entries: Vec<Entry>,
        mut unparented: Vec<String>,
        unparented_line: Option<usize>,
    ) -> Result<Self> {
        let error = |line: Option<usize>, reason: String| DataError::Mapping {
            at: match line {
                Some(line) => origin.at_line(line),
                None => origin.clone(),
            },
            reason,
        };
        let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
        let mut parents: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for Entry { old, mut children, line } in entries {
            check_type_name(&old).map_err(|why| error(line, format!("old type {old:?}: {why}")))?;
            if let Some(first) = rules.get(&old) {
                return Err(error(
                    line,
                    format!("old type {old:?} is listed twice{}", at_line("first at ", first.line)),
                ));
            }
            for (index, child) in children.iter().enumerate() {
                check_type_name(child)
                    .map_err(|why| error(line, format!("new type {child:?} (from old type {old:?}): {why}")))?;
                if children[..index].contains(child) {
                    return Err(error(line, format!("old type {old:?} lists new type {child:?} twice")));
                }
                parents.entry(child.clone()).or_default().push(old.clone());
            }
            // A split's children are a set; sorted, equal mappings compare equal.
            children.sort();
            rules.insert(old, Rule { children, line });
        }
        unparented.sort();
        for (index, new) in unparented.iter().enumerate() {
            check_type_name(new).map_err(|why| error(unparented_line, format!("new type {new:?}: {why}")))?;
            if index > 0 && unparented[index - 1] == *new {
                return Err(error(unparented_line, format!("new type {new:?} is listed twice in `new`")));
            }
            if let Some(olds) = parents.get(new) {
                let line = rules[&olds[0]].line;
                return Err(error(
                    unparented_line,
                    format!(
                        "new type {new:?} is declared twice: in `new` (a type with no old parent) and as what \
                         old type {:?} becomes{}; remove it from one of them",
                        olds[0],
                        at_line("", line)
                    ),
                ));
            }
            parents.insert(new.clone(), Vec::new());
        }
        for olds in parents.values_mut() {
            olds.sort();
        }
        Ok(Self { origin, description, rules, unparented, unparented_line, parents })
    }

    /// The file this mapping was read from, for messages.
    pub fn origin(&self) -> &Location {
        &self.origin
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The old types the mapping has a rule for, sorted.
    pub fn old_types(&self) -> impl Iterator<Item = &str> {
        self.rules.keys().map(String::as_str)
    }

    /// Every new type: those old types become and those declared with no
    /// parent, sorted by name, so that the same mapping always gives the same
    /// new tagset order.
    pub fn new_types(&self) -> impl Iterator<Item = &str> {
        self.parents.keys().map(String::as_str)
    }

    /// What old type `old` becomes (sorted): empty when it is dropped, `None` when the
    /// mapping has no rule for it.
    pub fn children_of(&self, old: &str) -> Option<&[String]> {
        self.rules.get(old).map(|rule| rule.children.as_slice())
    }

    /// The old types new type `new` descends from, sorted: one for a rename
    /// or a split, several for a merge, none for a new type with no parent
    /// (and for a type the mapping does not know). Warm-starting a new
    /// label's weights starts from these.
    pub fn parents_of(&self, new: &str) -> &[String] {
        self.parents.get(new).map_or(&[], Vec::as_slice)
    }

    /// The old type `new` descends from when there is exactly one; `None`
    /// for a new type with no parent and for a merge (use [`Self::parents_of`]).
    pub fn parent_of(&self, new: &str) -> Option<&str> {
        match self.parents_of(new) {
            [only] => Some(only),
            _ => None,
        }
    }

    /// The old types whose entities become `O`.
    pub fn dropped(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().filter(|(_, rule)| rule.children.is_empty()).map(|(old, _)| old.as_str())
    }

    /// The new types declared with no old parent.
    pub fn unparented(&self) -> &[String] {
        &self.unparented
    }

    /// Whether every old type becomes at most one new type (no split), so
    /// that data can be relabelled without guessing.
    pub fn is_function(&self) -> bool {
        self.rules.values().all(|rule| rule.children.len() <= 1)
    }

    /// The first old type that is split, with its rule's line: what makes a
    /// mapping unusable for relabelling.
    fn first_split(&self) -> Option<(&str, &Rule)> {
        self.rules.iter().find(|(_, rule)| rule.children.len() > 1).map(|(old, rule)| (old.as_str(), rule))
    }

    /// The same relation read backwards: each new type becomes its parents,
    /// old types that were dropped become new types with no parent, and new
    /// types with no parent are dropped. `m.invert().invert() == m`, and
    /// relabelling with a rename-only mapping then its inverse gives the
    /// original tags back.
    pub fn invert(&self) -> Self {
        let entries = self
            .parents
            .iter()
            .map(|(new, olds)| Entry { old: new.clone(), children: olds.clone(), line: None })
            .collect();
        let unparented = self.dropped().map(str::to_string).collect();
        Self::build(Location::unnamed(None), None, entries, unparented, None)
            .expect("self's names were checked; new types are unique keys; a dropped old type is nobody's parent")
    }

    /// This mapping checked against the entity types of the old tagset, and
    /// completed for them: every old type in the mapping must be one of
    /// `old_types`, and every one of `old_types` must have a rule, or, with
    /// [`Unmapped::Keep`], gets one that keeps it as it is.
    pub fn for_old_types<S: AsRef<str>>(&self, old_types: &[S], unmapped: Unmapped) -> Result<Self> {
        let known: Vec<&str> = old_types.iter().map(AsRef::as_ref).collect();
        for (old, rule) in &self.rules {
            if !known.contains(&old.as_str()) {
                let hint = if old == "new" {
                    " (a `new = [..]` list must come before [types] in a TOML file, or TOML reads it as a rule)"
                } else {
                    ""
                };
                return Err(self.error(
                    rule.line,
                    format!(
                        "old type {old:?} is not in the old tagset, whose types are {}{hint}",
                        list_or_none(&known)
                    ),
                ));
            }
        }
        let missing: Vec<&str> = known.iter().copied().filter(|old| !self.rules.contains_key(*old)).collect();
        if missing.is_empty() {
            return Ok(self.clone());
        }
        if unmapped == Unmapped::Error {
            return Err(self.error(
                None,
                format!(
                    "the old tagset has types the mapping does not say what to do with: {}; add a rule for \
                     each to [types] (`TYPE = false` drops it), or keep unmapped types as they are",
                    missing.join(", ")
                ),
            ));
        }
        let mut entries: Vec<Entry> = self
            .rules
            .iter()
            .map(|(old, rule)| Entry { old: old.clone(), children: rule.children.clone(), line: rule.line })
            .collect();
        entries.extend(missing.iter().map(|old| Entry {
            old: old.to_string(),
            children: vec![old.to_string()],
            line: None,
        }));
        Self::build(
            self.origin.clone(),
            self.description.clone(),
            entries,
            self.unparented.clone(),
            self.unparented_line,
        )
    }

    /// [`Self::for_old_types`] with the entity types of a model's tagset.
    pub fn for_old_tagset(&self, old: &Tagset, unmapped: Unmapped) -> Result<Self> {
        self.for_old_types(&old.entity_types(), unmapped)
    }

    /// Checks that the new types of the mapping are exactly `new_types`: a
    /// type the mapping produces that the new tagset lacks, or a new-tagset
    /// type that nothing produces and `new` does not declare, is an error.
    pub fn check_new_types<S: AsRef<str>>(&self, new_types: &[S]) -> Result<()> {
        let known: Vec<&str> = new_types.iter().map(AsRef::as_ref).collect();
        if let Some(new) = self.new_types().find(|new| !known.contains(new)) {
            let line = match self.parents_of(new).first() {
                Some(old) => self.rules[old].line,
                None => self.unparented_line,
            };
            return Err(self.error(
                line,
                format!("new type {new:?} is not in the new tagset, whose types are {}", list_or_none(&known)),
            ));
        }
        if let Some(orphan) = known.iter().find(|new| !self.parents.contains_key(**new)) {
            return Err(self.error(
                None,
                format!(
                    "new tagset type {orphan:?} comes from no old type; list it in `new = [..]` if it has no \
                     old parent"
                ),
            ));
        }
        Ok(())
    }

    /// [`Self::check_new_types`] with the entity types of the new tagset.
    pub fn check_new_tagset(&self, new: &Tagset) -> Result<()> {
        self.check_new_types(&new.entity_types())
    }

    fn error(&self, line: Option<usize>, reason: String) -> DataError {
        DataError::Mapping {
            at: match line {
                Some(line) => self.origin.at_line(line),
                None => self.origin.clone(),
            },
            reason,
        }
    }
}

impl PartialEq for TagsetMapping {
    fn eq(&self, other: &Self) -> bool {
        self.unparented == other.unparented
            && self.rules.len() == other.rules.len()
            && self
                .rules
                .iter()
                .zip(&other.rules)
                .all(|((a, rule_a), (b, rule_b))| a == b && rule_a.children == rule_b.children)
    }
}

impl Eq for TagsetMapping {}

/// Why `name` cannot be an entity type, if it cannot: a type ends up inside
/// tags such as `B-name` in whitespace-separated files.
fn check_type_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err("an entity type cannot be empty (to drop a type, write `TYPE = false`)".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err("an entity type cannot contain whitespace".into());
    }
    if let Some((prefix, _)) = name.split_once('-')
        && matches!(prefix, "B" | "I" | "E" | "S" | "L" | "U")
    {
        return Err(format!(
            "{name:?} looks like a tag: a mapping relates entity types (PER), not labels (B-PER); the scheme adds \
             the prefixes"
        ));
    }
    Ok(())
}

/// ` (line N)` after a message, or nothing when the line is not known.
fn at_line(lead: &str, line: Option<usize>) -> String {
    line.map(|line| format!(" ({lead}line {line})")).unwrap_or_default()
}

fn list_or_none(types: &[&str]) -> String {
    if types.is_empty() { "(none)".into() } else { types.join(", ") }
}
