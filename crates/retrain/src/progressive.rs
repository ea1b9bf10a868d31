//! Gradual unfreezing with layer-wise learning rates (Howard and Ruder,
//! ULMFiT, ACL 2018), written as the training loop's group stages.
//!
//! A new head on a fine-tuned encoder sends large, noisy gradients down
//! through every layer during its first steps, and those steps are where
//! the old knowledge is lost. Training the head alone first, then opening
//! the encoder from the top down, lets the head settle before the encoder
//! moves; a learning rate that shrinks layer by layer going down keeps the
//! lower layers (the most general features) closest to where they were.
//!
//! `--stages head:1,top2:1,all:2` reads as: one epoch with only the head
//! training, one with the head and the top two encoder layers, two with
//! everything. `--layer-decay 0.8` multiplies the learning rate by 0.8 per
//! step down from the head: the top encoder layer trains at 0.8 times the
//! head's rate, the one below at 0.64, the embeddings at 0.8^(layers + 1).

use std::fmt;
use std::str::FromStr;

use retag_model::GroupName;
use retag_train::stages::GroupStage;

/// What trains during one stage; everything else is frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfrozen {
    /// The head alone.
    Head,
    /// The head and the top `n` encoder layers.
    Top(usize),
    /// Everything: the head, every layer and the embeddings.
    All,
}

/// One stage of a schedule and its number of epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedStage {
    pub unfrozen: Unfrozen,
    pub epochs: usize,
}

/// The stages of a progressive run, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagePlan {
    pub stages: Vec<PlannedStage>,
}

/// The schedule `progressive` uses when none is given: the head for one
/// epoch, the top two layers for one, then everything for one.
pub const DEFAULT_STAGES: &str = "head:1,top2:1,all:1";

impl StagePlan {
    /// Epochs over all stages: the length of the run.
    pub fn epochs(&self) -> usize {
        self.stages.iter().map(|stage| stage.epochs).sum()
    }

    /// The loop's group stages for an encoder of `layers` layers, with
    /// `layer_decay`'s rates (when given) in every stage. A stage that opens
    /// more layers than the encoder has is refused: the schedule was written
    /// for another model.
    pub fn group_stages(&self, layers: usize, layer_decay: Option<f64>) -> Result<Vec<GroupStage>, String> {
        let mut stages = Vec::with_capacity(self.stages.len());
        let mut from_epoch = 1;
        for planned in &self.stages {
            if let Unfrozen::Top(n) = planned.unfrozen
                && n > layers
            {
                return Err(format!("stage top{n} opens {n} layers but the encoder has {layers}"));
            }
            let frozen = encoder_groups(layers)
                .into_iter()
                .filter(|group| !planned.unfrozen.trains(group, layers))
                .map(|group| group.to_string())
                .collect();
            stages.push(GroupStage { from_epoch, frozen, rate_scale: decayed_rates(layers, layer_decay) });
            from_epoch += planned.epochs;
        }
        Ok(stages)
    }
}

impl Unfrozen {
    fn trains(self, group: &GroupName, layers: usize) -> bool {
        match (self, group) {
            (_, GroupName::Head) | (Unfrozen::All, _) => true,
            (Unfrozen::Top(n), GroupName::Layer(layer)) => *layer + n >= layers,
            _ => false,
        }
    }
}

/// The embeddings and every encoder layer: the groups a stage may freeze.
fn encoder_groups(layers: usize) -> Vec<GroupName> {
    std::iter::once(GroupName::Embeddings).chain((0..layers).map(GroupName::Layer)).collect()
}

/// Learning-rate multipliers by group for `decay` per layer going down:
/// the head 1, layer `n` `decay^(layers - n)`, the embeddings
/// `decay^(layers + 1)`. None or 1: no multipliers.
pub fn decayed_rates(layers: usize, decay: Option<f64>) -> std::collections::BTreeMap<String, f64> {
    let Some(decay) = decay.filter(|decay| *decay != 1.0) else {
        return Default::default();
    };
    let mut rates: std::collections::BTreeMap<String, f64> =
        (0..layers).map(|n| (GroupName::Layer(n).to_string(), decay.powi((layers - n) as i32))).collect();
    rates.insert(GroupName::Embeddings.to_string(), decay.powi(layers as i32 + 1));
    rates
}

/// Checks a `--layer-decay` value: a rate multiplier in (0, 1].
pub fn check_layer_decay(decay: f64) -> Result<f64, String> {
    if decay.is_finite() && decay > 0.0 && decay <= 1.0 {
        Ok(decay)
    } else {
        Err(format!("--layer-decay {decay}: it must be in (0, 1] (1 means no decay; 0.8 is usual)"))
    }
}

impl FromStr for StagePlan {
    type Err = String;

    /// `head:1,top2:1,all:2`; a stage without `:N` lasts one epoch.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut stages = Vec::new();
        for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
            let (name, epochs) = match part.split_once(':') {
                Some((name, epochs)) => {
                    let epochs: usize = epochs.trim().parse().map_err(|_| {
                        format!("stage {part:?}: {epochs:?} is not a number of epochs (write head:1,top2:1,all:2)")
                    })?;
                    (name.trim(), epochs)
                }
                None => (part, 1),
            };
            if epochs == 0 {
                return Err(format!("stage {part:?} lasts 0 epochs; leave it out instead"));
            }
            let unfrozen = match name {
                "head" => Unfrozen::Head,
                "all" => Unfrozen::All,
                _ => match name.strip_prefix("top").map(str::parse::<usize>) {
                    Some(Ok(n)) if n > 0 => Unfrozen::Top(n),
                    _ => return Err(format!("stage {part:?}: {name:?} is not head, topN (N > 0) or all")),
                },
            };
            if let Some(last) = stages.last().map(|stage: &PlannedStage| stage.unfrozen)
                && opened(last) >= opened(unfrozen)
            {
                return Err(format!(
                    "stage {part:?} opens no more than the stage before it; each stage unfreezes more"
                ));
            }
            stages.push(PlannedStage { unfrozen, epochs });
        }
        if stages.is_empty() {
            return Err("no stages: write for example head:1,top2:1,all:2".into());
        }
        Ok(StagePlan { stages })
    }
}

/// How much a stage opens, to check that stages only ever open more.
fn opened(unfrozen: Unfrozen) -> usize {
    match unfrozen {
        Unfrozen::Head => 0,
        Unfrozen::Top(n) => n,
        Unfrozen::All => usize::MAX,
    }
}

impl fmt::Display for StagePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .stages
            .iter()
            .map(|stage| match stage.unfrozen {
                Unfrozen::Head => format!("head:{}", stage.epochs),
                Unfrozen::Top(n) => format!("top{n}:{}", stage.epochs),
                Unfrozen::All => format!("all:{}", stage.epochs),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frozen_of(stage: &GroupStage) -> Vec<&str> {
        stage.frozen.iter().map(String::as_str).collect()
    }

    #[test]
    fn stages_parse_and_print_back() {
        for text in [DEFAULT_STAGES, "head:1,top2:1,all:2", "head:2,all:1", "top1:1,top3:2", "all:4"] {
            assert_eq!(text.parse::<StagePlan>().unwrap().to_string(), text);
        }
        assert_eq!("head,all".parse::<StagePlan>().unwrap().to_string(), "head:1,all:1");
        assert_eq!("head:1,top2:1,all:2".parse::<StagePlan>().unwrap().epochs(), 4);
    }

    #[test]
    fn bad_stages_say_what_is_wrong() {
        let cases = [
            ("", "no stages"),
            ("head:x", "\"x\" is not a number of epochs"),
            ("head:0,all:1", "lasts 0 epochs"),
            ("middle:1", "is not head, topN (N > 0) or all"),
            ("top0:1", "is not head, topN"),
            ("all:1,head:1", "opens no more than the stage before it"),
            ("top2:1,top2:1", "opens no more than the stage before it"),
        ];
        for (text, expected) in cases {
            let error = text.parse::<StagePlan>().unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn each_stage_freezes_what_its_name_says() {
        let plan: StagePlan = "head:1,top2:2,all:1".parse().unwrap();
        let stages = plan.group_stages(4, None).unwrap();
        assert_eq!(stages.iter().map(|stage| stage.from_epoch).collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(frozen_of(&stages[0]), ["embeddings", "layer.0", "layer.1", "layer.2", "layer.3"]);
        assert_eq!(frozen_of(&stages[1]), ["embeddings", "layer.0", "layer.1"]);
        assert!(stages[2].frozen.is_empty());
        assert!(stages.iter().all(|stage| stage.rate_scale.is_empty()));
        retag_train::stages::validate(&stages).unwrap();
        let error = "top5:1".parse::<StagePlan>().unwrap().group_stages(4, None).unwrap_err();
        assert!(error.contains("opens 5 layers but the encoder has 4"), "{error}");
    }

    #[test]
    fn layer_decay_shrinks_rates_going_down() {
        let rates = decayed_rates(3, Some(0.5));
        let expected = [("embeddings", 0.0625), ("layer.0", 0.125), ("layer.1", 0.25), ("layer.2", 0.5)];
        assert_eq!(rates.len(), expected.len());
        for (group, rate) in expected {
            assert_eq!(rates[group], rate, "{group}");
        }
        assert!(decayed_rates(3, None).is_empty());
        assert!(decayed_rates(3, Some(1.0)).is_empty());
        let stages = "head:1,all:1".parse::<StagePlan>().unwrap().group_stages(3, Some(0.5)).unwrap();
        assert!(stages.iter().all(|stage| stage.rate_scale == rates));
        assert!(check_layer_decay(0.8).is_ok());
        for bad in [0.0, -0.5, 1.5, f64::NAN] {
            assert!(check_layer_decay(bad).unwrap_err().contains("(0, 1]"), "{bad}");
        }
    }
}
