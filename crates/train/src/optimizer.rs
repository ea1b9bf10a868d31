//! AdamW as BERT is fine-tuned with it: decoupled weight decay on the
//! weight matrices and embeddings, none on biases and LayerNorm parameters,
//! and optionally a separate learning rate for the head and a rate scale
//! (or a freeze) per parameter group and stage (see [`crate::stages`]).
//!
//! burn 0.22.1 supports both directly: a [`ModuleOptimizer`] takes a second
//! AdamW (decay 0) for a [`ParamGroup`], and a [`ModuleLearningRate`] gives a
//! group its own rate. Groups are named by exact parameter path (as
//! `ModuleOptimizer` builds it, e.g. `bert.layers.0.attention.query.bias`),
//! which survives a checkpoint round trip, and the optimizer record stores
//! each parameter's path so a resumed optimizer routes it to the same group.

use std::collections::BTreeMap;

use burn::module::{Module, ModuleVisitor, Param, ParamGroup};
use burn::optim::ModuleOptimizer;
use burn::optim::lr_scheduler::module_lr_scheduler::{ModuleLearningRate, ModuleLrScheduler};
use burn::tensor::Tensor;
use retag_model::{GroupName, group_of};

use crate::config::TrainConfig;
use crate::fused_adamw::FusedAdamW;
use crate::stages;

/// The paths of a model's float parameters, split the ways training
/// treats them differently.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamPaths {
    /// Biases and LayerNorm scales and shifts: no weight decay (decaying a
    /// LayerNorm scale towards 0 fights the normalisation, and biases do not
    /// cause overfitting the way weights do).
    pub no_decay: Vec<String>,
    /// Every float parameter by its group (embeddings, each encoder layer, the head).
    pub groups: BTreeMap<GroupName, Vec<String>>,
    /// Every float parameter.
    pub all: Vec<String>,
}

impl ParamPaths {
    pub fn of<M: Module>(model: &M) -> Self {
        let mut collector = Collector::default();
        model.visit(&mut collector);
        collector.paths
    }

    /// The parameters of the head (everything a `TaggerModel` has besides its encoder).
    pub fn head(&self) -> &[String] {
        self.groups.get(&GroupName::Head).map_or(&[], Vec::as_slice)
    }

    /// The parameters that do not train in epoch `epoch` (0-based) and those that do.
    pub fn frozen_and_trainable(&self, config: &TrainConfig, epoch: usize) -> (Vec<String>, Vec<String>) {
        let (mut frozen, mut trainable) = (Vec::new(), Vec::new());
        for (group, paths) in &self.groups {
            let target =
                if stages::setting(&config.stages, epoch, group).trainable { &mut trainable } else { &mut frozen };
            target.extend(paths.iter().cloned());
        }
        (frozen, trainable)
    }
}

/// Walks the module tree keeping the path and the container types, as
/// `ModuleOptimizer` does, so that the paths match its own.
#[derive(Default)]
struct Collector {
    path: Vec<String>,
    containers: Vec<String>,
    paths: ParamPaths,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.push(name.to_string());
        self.containers.push(container_type.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
        self.containers.pop();
    }

    fn visit_float<const D: usize>(&mut self, _param: &Param<Tensor<D>>) {
        let path = self.path.join(".");
        let is_bias = self.path.last().is_some_and(|name| name == "bias");
        // Entering a field names the struct that holds it: for a parameter,
        // the layer it belongs to.
        let in_layer_norm = self.containers.last().is_some_and(|container| container == "Struct:LayerNorm");
        if is_bias || in_layer_norm {
            self.paths.no_decay.push(path.clone());
        }
        self.paths.groups.entry(group_of(&path)).or_default().push(path.clone());
        self.paths.all.push(path);
    }
}

/// AdamW over every parameter, with a decay-free twin for `paths.no_decay`.
/// Clipping is not configured here: burn's clips each tensor on its own,
/// where the BERT recipe clips the norm of all gradients together (see
/// [`crate::clip`]).
pub fn adamw(config: &TrainConfig, paths: &ParamPaths) -> ModuleOptimizer {
    let fused = |weight_decay: f64| {
        FusedAdamW::new(
            config.adam_beta1 as f32,
            config.adam_beta2 as f32,
            config.adam_epsilon as f32,
            weight_decay as f32,
        )
    };
    let optimizer: ModuleOptimizer = fused(config.weight_decay).into();
    if config.weight_decay == 0.0 || paths.no_decay.is_empty() {
        return optimizer;
    }
    optimizer.with_group(ParamGroup::from_paths(paths.no_decay.clone()), fused(0.0), None)
}

/// The learning rate of each parameter at one step of epoch `epoch`:
/// `factor` times the peak rate of its group (the head's own rate if the
/// config sets one), times the group's scale in the current stage.
pub fn learning_rates(config: &TrainConfig, paths: &ParamPaths, factor: f64, epoch: usize) -> ModuleLearningRate {
    let base = config.learning_rate * factor;
    let mut rates = ModuleLrScheduler::new(base);
    for (group, group_paths) in &paths.groups {
        let peak = match group {
            GroupName::Head => config.head_learning_rate.unwrap_or(config.learning_rate),
            _ => config.learning_rate,
        };
        let rate = peak * factor * stages::setting(&config.stages, epoch, group).rate_scale;
        // Groups at the base rate need no entry: the fewer groups, the less
        // matching per parameter and step.
        if rate != base && !group_paths.is_empty() {
            rates = rates.with_group(ParamGroup::from_paths(group_paths.clone()), rate);
        }
    }
    rates.step()
}
