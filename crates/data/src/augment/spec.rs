//! What `--augment mr=0.3,lwtr=0.3,sis=0.1,case=0.1` asks for: operations
//! and their rates, read once and checked, so that the augmenter and the
//! records of a run (its config, its checkpoint) can trust them.

use std::fmt;
use std::str::FromStr;

use crate::error::DataError;

/// One augmentation operation, by the short name the spec uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `mr`: each entity, with probability `rate`, becomes another mention
    /// of its type from the training data.
    MentionReplacement,
    /// `lwtr`: each token, with probability `rate`, becomes another token
    /// the training data tags with the same label.
    LabelWiseTokenReplacement,
    /// `sis`: each segment (a maximal run of one entity, or of `O`), with
    /// probability `rate`, has its tokens shuffled.
    ShuffleWithinSegments,
    /// `case`: each token, with probability `rate`, is lowercased,
    /// uppercased or title-cased (one of the three, equally likely).
    CaseNoise,
}

impl Operation {
    /// In the order they are applied (see [`crate::augment`]).
    pub const ALL: [Operation; 4] = [
        Operation::MentionReplacement,
        Operation::LabelWiseTokenReplacement,
        Operation::ShuffleWithinSegments,
        Operation::CaseNoise,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::MentionReplacement => "mr",
            Operation::LabelWiseTokenReplacement => "lwtr",
            Operation::ShuffleWithinSegments => "sis",
            Operation::CaseNoise => "case",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Operation::MentionReplacement => "mention replacement",
            Operation::LabelWiseTokenReplacement => "label-wise token replacement",
            Operation::ShuffleWithinSegments => "shuffle within segments",
            Operation::CaseNoise => "casing noise",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why one part of a spec was refused; [`DataError::Augment`] names the part.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecProblem {
    #[error("no operation; give OP=RATE pairs such as mr=0.3,case=0.1")]
    Empty,
    #[error("expected OP=RATE, such as mr=0.3")]
    Malformed,
    #[error(
        "unknown operation {name:?}; expected mr (mention replacement), lwtr (label-wise token replacement), sis \
         (shuffle within segments) or case (casing noise)"
    )]
    UnknownOperation { name: String },
    #[error("the rate {value:?} is not a number")]
    NotANumber { value: String },
    #[error("the rate {rate} is outside [0, 1]: it is the probability of applying {operation} to each unit")]
    RateOutOfRange { operation: Operation, rate: f64 },
    #[error("{operation} is given twice; give each operation once")]
    Duplicate { operation: Operation },
    #[error("an empty entity type; give types as only=product|creative_work")]
    EmptyType,
    #[error("only is given twice; give the types once, separated by |")]
    OnlyTwice,
}

/// Operations and their rates, each operation at most once, each rate in
/// `[0, 1]`. Kept in the order [`Operation::ALL`] applies them, whatever
/// order the spec was written in, so that two specs asking for the same
/// augmentation are equal (a resumed run compares them) and print alike.
///
/// `only` aims the augmentation at some entity types (`--augment-only`,
/// written `only=product|creative_work` in the spec): a sentence that
/// mentions none of them is left as written, and mention replacement swaps
/// only their mentions. Empty: every sentence and every type.
#[derive(Debug, Clone, PartialEq)]
pub struct AugmentSpec {
    rates: Vec<(Operation, f64)>,
    only: Vec<String>,
}

impl AugmentSpec {
    /// The rate of `operation`; 0 when the spec leaves it out.
    pub fn rate(&self, operation: Operation) -> f64 {
        self.rates.iter().find(|(op, _)| *op == operation).map_or(0.0, |&(_, rate)| rate)
    }

    /// The operations given, with their rates, in the order they apply.
    pub fn rates(&self) -> &[(Operation, f64)] {
        &self.rates
    }

    /// The entity types the augmentation is aimed at, sorted; empty for all.
    pub fn only(&self) -> &[String] {
        &self.only
    }

    /// Whether mentions of `kind` are augmented.
    pub fn aims_at(&self, kind: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|target| target == kind)
    }

    /// The same spec aimed at `types` (replacing any it had); an empty type
    /// name is refused.
    pub fn aimed_at(mut self, types: impl IntoIterator<Item = String>) -> Result<Self, DataError> {
        let mut only: Vec<String> = types.into_iter().map(|kind| kind.trim().to_string()).collect();
        if only.iter().any(String::is_empty) {
            return Err(DataError::Augment { part: only.join("|"), problem: SpecProblem::EmptyType });
        }
        only.sort();
        only.dedup();
        self.only = only;
        Ok(self)
    }
}

impl FromStr for AugmentSpec {
    type Err = DataError;

    fn from_str(spec: &str) -> Result<Self, DataError> {
        let refuse = |part: &str, problem: SpecProblem| DataError::Augment { part: part.to_string(), problem };
        if spec.trim().is_empty() {
            return Err(refuse(spec, SpecProblem::Empty));
        }
        let mut rates: Vec<(Operation, f64)> = Vec::new();
        let mut only: Option<Vec<String>> = None;
        for part in spec.split(',') {
            let Some((name, value)) = part.split_once('=') else {
                return Err(refuse(part, SpecProblem::Malformed));
            };
            let name = name.trim();
            if name.eq_ignore_ascii_case("only") {
                if only.is_some() {
                    return Err(refuse(part, SpecProblem::OnlyTwice));
                }
                let types: Vec<String> = value.split('|').map(|kind| kind.trim().to_string()).collect();
                if types.iter().any(String::is_empty) {
                    return Err(refuse(part, SpecProblem::EmptyType));
                }
                only = Some(types);
                continue;
            }
            let operation = Operation::ALL
                .into_iter()
                .find(|op| op.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| refuse(part, SpecProblem::UnknownOperation { name: name.to_string() }))?;
            let rate: f64 = value
                .trim()
                .parse()
                .map_err(|_| refuse(part, SpecProblem::NotANumber { value: value.trim().to_string() }))?;
            if !(0.0..=1.0).contains(&rate) {
                return Err(refuse(part, SpecProblem::RateOutOfRange { operation, rate }));
            }
            if rates.iter().any(|(op, _)| *op == operation) {
                return Err(refuse(part, SpecProblem::Duplicate { operation }));
            }
            rates.push((operation, rate));
        }
        if rates.is_empty() {
            return Err(refuse(spec, SpecProblem::Empty));
        }
        rates.sort_by_key(|&(op, _)| op);
        Self { rates, only: Vec::new() }.aimed_at(only.unwrap_or_default())
    }
}

/// `mr=0.3,case=0.1` (and `,only=product` when aimed): what [`FromStr`]
/// reads back to an equal spec.
impl fmt::Display for AugmentSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (operation, rate)) in self.rates.iter().enumerate() {
            let comma = if index == 0 { "" } else { "," };
            write!(f, "{comma}{operation}={rate}")?;
        }
        if !self.only.is_empty() {
            write!(f, ",only={}", self.only.join("|"))?;
        }
        Ok(())
    }
}

/// Written as the spec string, so that a run's config and checkpoint show
/// the flag as the user would type it.
impl serde::Serialize for AugmentSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for AugmentSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spec = String::deserialize(deserializer)?;
        spec.parse().map_err(serde::de::Error::custom)
    }
}
