//! The loaded model is trainable: on an autodiff device every parameter
//! gets a gradient, dropout is active in training and off in validation.

mod common;

use std::collections::BTreeMap;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Gradients;
use burn::tensor::Tensor;
use retag_bert::{BertForTokenClassification, BertInput};

/// The sum of |gradient| of every float parameter, by path (`None`: no gradient).
struct GradientSizes<'a> {
    gradients: &'a Gradients,
    path: Vec<String>,
    sizes: BTreeMap<String, Option<f32>>,
}

impl ModuleVisitor for GradientSizes<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let size = param.val().grad(self.gradients).map(|grad| grad.abs().sum().into_scalar::<f32>());
        self.sizes.insert(self.path.join("."), size);
    }
}

fn tiny_batch(model: &BertForTokenClassification, device: &burn::tensor::Device) -> BertInput {
    let sequences = [vec![5, 17, 42, 8, 9], vec![7, 3]];
    BertInput::padded(&sequences, 0, &model.bert.config, device).unwrap()
}

#[test]
fn every_parameter_gets_a_gradient() {
    let device = common::device().autodiff();
    let model = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let loss = model.forward(&tiny_batch(&model, &device)).powf_scalar(2.0).mean();
    let gradients = loss.backward();

    let mut visitor = GradientSizes { gradients: &gradients, path: Vec::new(), sizes: BTreeMap::new() };
    model.visit(&mut visitor);
    assert_eq!(visitor.sizes.len(), 2 * 16 + 5 + 2);
    for (path, size) in visitor.sizes {
        let size = size.unwrap_or_else(|| panic!("{path} has no gradient"));
        assert!(size > 0.0 && size.is_finite(), "{path}: gradient size {size}");
    }
}

#[test]
fn dropout_is_active_in_training_only() {
    let plain = common::device();
    let device = plain.clone().autodiff();
    device.seed(7);
    let model = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let input = tiny_batch(&model, &device);
    let first = model.forward(&input);
    let second = model.forward(&input);
    let training_diff = (first - second).abs().max().into_scalar::<f32>();
    assert!(training_diff > 1e-3, "two training passes agree to {training_diff}: no dropout");

    let evaluated = model.valid();
    let input = tiny_batch(&evaluated, &plain);
    let reference = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &plain).unwrap();
    let diff = (evaluated.forward(&input) - reference.forward(&input)).abs().max().into_scalar::<f32>();
    assert_eq!(diff, 0.0, "validation mode is not the plain model");
}
