//! Gradient clipping by the global norm, as PyTorch's `clip_grad_norm_` and
//! the BERT recipe do it: the gradients of all parameters are seen as one
//! vector, and all are scaled by the same factor when its L2 norm exceeds the
//! limit. (burn's `GradientClipping::Norm` clips each tensor by its own
//! norm, which changes the direction of the update; hence this module.)

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

/// Scales `grads` so that their global L2 norm is at most `max_norm`, and
/// returns the norm before clipping (for the logs). `max_norm: None`
/// measures without clipping.
pub fn clip_global_norm<M: Module>(model: &M, grads: &mut GradientsParams, max_norm: Option<f64>) -> f64 {
    let mut squares = SumOfSquares { grads, sum: None };
    model.visit(&mut squares);
    let norm = squares.sum.map_or(0.0, |sum| f64::from(sum.sqrt().into_scalar::<f32>()));
    if let Some(max_norm) = max_norm {
        // PyTorch's coefficient, epsilon included, applied only when it shrinks.
        let coefficient = max_norm / (norm + 1e-6);
        if coefficient < 1.0 {
            model.visit(&mut Scale { grads, coefficient });
        }
    }
    norm
}

struct SumOfSquares<'a> {
    grads: &'a GradientsParams,
    sum: Option<Tensor<1>>,
}

impl ModuleVisitor for SumOfSquares<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.get::<D>(param.id) {
            let square = grad.square().sum();
            self.sum = Some(match self.sum.take() {
                Some(sum) => sum + square,
                None => square,
            });
        }
    }
}

struct Scale<'a> {
    grads: &'a mut GradientsParams,
    coefficient: f64,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            self.grads.register(param.id, grad.mul_scalar(self.coefficient));
        }
    }
}
