//! Which parameter groups train, and how fast, epoch by epoch: the hook
//! that gradual unfreezing and layer-wise learning rates are written with.
//!
//! A stage starts at an epoch and lasts until the next stage starts. In it,
//! the groups it lists as frozen get no gradient (burn does not even build
//! the graph below the lowest trainable group), and every group's peak
//! learning rate is multiplied by its scale. Stages are part of the config,
//! so a resumed run replays them exactly.

use std::collections::BTreeMap;

use burn::module::{Module, ParamGroup};
use retag_model::{GroupName, TaggerModel};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::{Result, TrainError};
use crate::optimizer::ParamPaths;

/// One stage of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupStage {
    /// The first epoch of the stage, counted from 1.
    pub from_epoch: usize,
    /// Groups that do not train in this stage: `embeddings`, `layer.N`, `head`.
    #[serde(default)]
    pub frozen: Vec<String>,
    /// Multipliers of the peak learning rate by group (default 1).
    #[serde(default)]
    pub rate_scale: BTreeMap<String, f64>,
}

/// How one group trains during an epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupSetting {
    pub trainable: bool,
    pub rate_scale: f64,
}

impl Default for GroupSetting {
    fn default() -> Self {
        Self { trainable: true, rate_scale: 1.0 }
    }
}

/// Checks that stages start at increasing epochs from 1 on, name real
/// groups and scale rates by positive numbers.
pub fn validate(stages: &[GroupStage]) -> Result<()> {
    let mut previous = 0;
    for (index, stage) in stages.iter().enumerate() {
        let field = "stages";
        let at = |reason: String| TrainError::config(field, format!("stage {}", index + 1), reason);
        if stage.from_epoch <= previous {
            return Err(at(format!(
                "from_epoch {} must be at least 1 and after the previous stage's ({previous})",
                stage.from_epoch
            )));
        }
        previous = stage.from_epoch;
        for name in stage.frozen.iter().chain(stage.rate_scale.keys()) {
            name.parse::<GroupName>().map_err(at)?;
        }
        for (name, scale) in &stage.rate_scale {
            if !(scale.is_finite() && *scale > 0.0) {
                return Err(at(format!("rate_scale of {name} is {scale}; it must be a positive number")));
            }
        }
    }
    Ok(())
}

/// The setting of `group` in epoch `epoch` (0-based, as the loop counts):
/// the last stage that has started decides; before any, the default.
pub fn setting(stages: &[GroupStage], epoch: usize, group: &GroupName) -> GroupSetting {
    let Some(stage) = stages.iter().rev().find(|stage| stage.from_epoch <= epoch + 1) else {
        return GroupSetting::default();
    };
    let named = |name: &String| name.parse::<GroupName>().is_ok_and(|parsed| &parsed == group);
    GroupSetting {
        trainable: !stage.frozen.iter().any(named),
        rate_scale: stage.rate_scale.iter().find(|(name, _)| named(name)).map_or(1.0, |(_, scale)| *scale),
    }
}

/// `model` set up for epoch `epoch` (0-based): the parameters of the groups
/// its stage freezes carry no gradient (burn builds no graph for them), the
/// others do. What the training loop calls when an epoch starts, and what
/// tests check the gradients of.
pub fn enter(model: TaggerModel, paths: &ParamPaths, config: &TrainConfig, epoch: usize) -> TaggerModel {
    let (frozen, trainable) = paths.frozen_and_trainable(config, epoch);
    let mut model = model;
    if !frozen.is_empty() {
        model = model.freeze_group(ParamGroup::from_paths(frozen));
    }
    if !trainable.is_empty() {
        model = model.unfreeze_group(ParamGroup::from_paths(trainable));
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(from_epoch: usize, frozen: &[&str], scales: &[(&str, f64)]) -> GroupStage {
        GroupStage {
            from_epoch,
            frozen: frozen.iter().map(|name| name.to_string()).collect(),
            rate_scale: scales.iter().map(|(name, scale)| (name.to_string(), *scale)).collect(),
        }
    }

    #[test]
    fn the_last_started_stage_decides() {
        let stages = [stage(1, &["embeddings", "layer.0", "layer.1"], &[]), stage(3, &[], &[("layer.0", 0.5)])];
        let check = |epoch, group: GroupName, trainable, rate_scale| {
            assert_eq!(setting(&stages, epoch, &group), GroupSetting { trainable, rate_scale }, "{epoch} {group}");
        };
        check(0, GroupName::Embeddings, false, 1.0);
        check(1, GroupName::Layer(1), false, 1.0);
        check(1, GroupName::Head, true, 1.0);
        check(2, GroupName::Layer(0), true, 0.5);
        check(9, GroupName::Embeddings, true, 1.0);
        assert_eq!(setting(&[], 0, &GroupName::Layer(3)), GroupSetting::default());
        assert_eq!(setting(&[stage(2, &["head"], &[])], 0, &GroupName::Head), GroupSetting::default());
    }

    #[test]
    fn bad_stages_are_named() {
        let cases = [
            (vec![stage(0, &[], &[])], "stage 1: from_epoch 0 must be at least 1"),
            (vec![stage(2, &[], &[]), stage(2, &[], &[])], "stage 2: from_epoch 2 must be at least 1 and after"),
            (vec![stage(1, &["layer.x"], &[])], "stage 1: \"layer.x\": a layer is layer.N"),
            (vec![stage(1, &[], &[("head", 0.0)])], "stage 1: rate_scale of head is 0"),
        ];
        for (stages, expected) in cases {
            let error = validate(&stages).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        validate(&[stage(1, &["embeddings"], &[("head", 10.0)]), stage(2, &[], &[])]).unwrap();
    }
}
