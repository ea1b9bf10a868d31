//! The ways to go from a model trained on one tagset to a model for another.
//! docs/strategies.md says when each one is the right choice.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A retraining strategy, selected by name (`naive`, `frozen`, `full`, `warm-start`, `progressive`, `adapter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Keep the fine-tuned encoder, put a new random head on it, train everything.
    Naive,
    /// Keep the fine-tuned encoder frozen and train only a new head, over
    /// encoder outputs computed once.
    Frozen,
    /// Start from the base (not fine-tuned) encoder with a random head and
    /// train everything: the control that ignores the old model.
    Full,
    /// Keep the fine-tuned encoder and build the new head from the old one:
    /// each new label starts from its parent label's weights.
    WarmStart,
    /// Warm-start's starting weights, trained in stages: the head alone
    /// first, then the encoder opened from the top down, with learning rates
    /// that shrink layer by layer going down (`--stages`, `--layer-decay`).
    Progressive,
    /// Naive's new random head, which also reads what a frozen copy of the
    /// old model predicts, through a small learned layer (the neural adapter
    /// of Chen and Moschitti, AAAI 2019; `--adapter-layer`, `--adapter-width`).
    Adapter,
}

impl Strategy {
    pub const ALL: [Strategy; 6] = [
        Strategy::Naive,
        Strategy::Frozen,
        Strategy::Full,
        Strategy::WarmStart,
        Strategy::Progressive,
        Strategy::Adapter,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Naive => "naive",
            Strategy::Frozen => "frozen",
            Strategy::Full => "full",
            Strategy::WarmStart => "warm-start",
            Strategy::Progressive => "progressive",
            Strategy::Adapter => "adapter",
        }
    }

    /// One line for `--help` and reports.
    pub fn summary(self) -> &'static str {
        match self {
            Strategy::Naive => "fine-tuned encoder + new random head, train everything",
            Strategy::Frozen => "fine-tuned encoder frozen (outputs cached once), train a new head only",
            Strategy::Full => "base encoder + new random head, train everything (ignores the old model)",
            Strategy::WarmStart => "fine-tuned encoder + head built from the old labels' weights, train everything",
            Strategy::Progressive => {
                "warm-start's weights, trained in stages: head first, then the encoder from the top down"
            }
            Strategy::Adapter => {
                "fine-tuned encoder + new random head that also reads the frozen old model's predictions"
            }
        }
    }

    /// Whether the encoder is trained (and the run is a [`retag_train::Trainer`] run).
    pub fn trains_encoder(self) -> bool {
        self != Strategy::Frozen
    }

    /// Whether the head starts from the old head's rows (through the lineage).
    pub fn warm_starts(self) -> bool {
        matches!(self, Strategy::WarmStart | Strategy::Progressive)
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let normalized = name.trim().to_ascii_lowercase().replace('_', "-");
        Strategy::ALL.into_iter().find(|strategy| strategy.name() == normalized).ok_or_else(|| {
            let known: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
            format!("unknown strategy {name:?}; known: {}", known.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_unknown_names_list_the_known_ones() {
        for strategy in Strategy::ALL {
            assert_eq!(strategy.name().parse::<Strategy>(), Ok(strategy));
        }
        assert_eq!("warm_start".parse::<Strategy>(), Ok(Strategy::WarmStart));
        assert_eq!(" Frozen ".parse::<Strategy>(), Ok(Strategy::Frozen));
        let error = "distil".parse::<Strategy>().unwrap_err();
        assert!(error.contains("naive, frozen, full, warm-start, progressive, adapter"), "{error}");
    }
}
