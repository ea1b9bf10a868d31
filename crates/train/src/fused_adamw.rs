//! AdamW whose step, on the Flex (CPU) backend, is one vectorised pass over
//! each parameter on every thread of rayon's pool.
//!
//! burn's `AdamW` builds the update from tensor ops (scale the moments, add,
//! square, divide, square root, decay, subtract): about a dozen passes over
//! every parameter, each allocating, each on one thread in burn-flex. MiniLM
//! has 22.7 M parameters, half of them the word embeddings, so at batch 16
//! those passes were a fifth of a fine-tuning step (`docs/performance.md`).
//! This computes the same update, in the same order, reading and writing
//! the parameter and both moments once, in place. The state is burn's
//! `AdamWState`, so checkpoints hold what burn's AdamW would hold; any
//! tensor that is not a plain f32 Flex tensor goes through burn's AdamW.

use burn::optim::{AdamW, AdamWConfig, AdamWState, LearningRate, Optimizer};
use burn::tensor::{Device, Tensor};

/// AdamW with decoupled weight decay, as `burn::optim::AdamW` computes it:
/// `p ← p·(1 − lr·λ) − lr · m̂ / (√v̂ + ε)`.
#[derive(Clone)]
pub struct FusedAdamW {
    /// burn's own AdamW with the same settings: the path for other backends.
    reference: AdamW,
    settings: Settings,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: f32,
}

impl FusedAdamW {
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32, weight_decay: f32) -> Self {
        let reference = AdamWConfig::new()
            .with_beta_1(beta_1)
            .with_beta_2(beta_2)
            .with_epsilon(epsilon)
            .with_weight_decay(weight_decay)
            .build();
        Self { reference, settings: Settings { beta_1, beta_2, epsilon, weight_decay } }
    }
}

impl Optimizer for FusedAdamW {
    type State<const D: usize> = AdamWState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        #[cfg(feature = "flex")]
        if flex::applies(&tensor, &grad, state.as_ref()) {
            return flex::step(self.settings, lr, tensor, grad, state);
        }
        self.reference.step(lr, tensor, grad, state)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        AdamW::to_device(state, device)
    }
}

#[cfg(feature = "flex")]
mod flex {
    use burn::backend::DispatchAutodiffContext;
    use burn::backend::flex::FlexTensor;
    use burn::optim::{AdamWState, AdaptiveMomentumState, LearningRate};
    use burn::tensor::{DType, Tensor};
    use rayon::prelude::*;
    use retag_bert::cpu::{from_flex, into_flex, is_dense_f32, is_flex};

    use super::Settings;

    /// Elements per rayon task.
    const CHUNK: usize = 16 * 1024;

    /// Whether every tensor of the step is a plain f32 Flex tensor.
    pub fn applies<const D: usize>(tensor: &Tensor<D>, grad: &Tensor<D>, state: Option<&AdamWState<D>>) -> bool {
        let plain = |t: &Tensor<D>| !t.is_autodiff() && t.dtype() == DType::F32 && is_flex(&t.device());
        let moments_plain = state.is_none_or(|s| {
            s.momentum.max_moment_2.is_none() && plain(&s.momentum.moment_1) && plain(&s.momentum.moment_2)
        });
        plain(tensor) && plain(grad) && moments_plain
    }

    pub fn step<const D: usize>(
        settings: Settings,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamWState<D>>,
    ) -> (Tensor<D>, Option<AdamWState<D>>) {
        let Settings { beta_1, beta_2, epsilon, weight_decay } = settings;
        let (time, moment_1, moment_2) = match state {
            Some(state) => (state.momentum.time + 1, state.momentum.moment_1, state.momentum.moment_2),
            // No history: zero moments make the first update's formula burn's first step.
            None => (1, tensor.zeros_like(), tensor.zeros_like()),
        };
        let (mut param, context) = dense(tensor);
        let (mut m, m_context) = dense(moment_1);
        let (mut v, v_context) = dense(moment_2);
        let (g, _) = dense(grad);
        let coefficients = Coefficients {
            beta_1,
            beta_2,
            // burn computes these in f32 from f32 betas; so does this.
            bias_1: 1.0 - beta_1.powi(time as i32),
            bias_2: 1.0 - beta_2.powi(time as i32),
            epsilon,
            decay: (1.0 - lr * f64::from(weight_decay)) as f32,
            lr: lr as f32,
        };
        let g = g.storage::<f32>();
        let simd = pulp::Arch::new();
        param
            .storage_mut::<f32>()
            .par_chunks_mut(CHUNK)
            .zip(m.storage_mut::<f32>().par_chunks_mut(CHUNK))
            .zip(v.storage_mut::<f32>().par_chunks_mut(CHUNK))
            .zip(g.par_chunks(CHUNK))
            .for_each(|(((param, m), v), g)| simd.dispatch(Update { param, m, v, g, coefficients }));
        let moment_1 = from_flex(m, m_context);
        let moment_2 = from_flex(v, v_context);
        let state = AdamWState::new(AdaptiveMomentumState::new(time, moment_1, moment_2));
        (from_flex(param, context), Some(state))
    }

    #[derive(Clone, Copy)]
    struct Coefficients {
        beta_1: f32,
        beta_2: f32,
        bias_1: f32,
        bias_2: f32,
        epsilon: f32,
        /// `1 − lr·λ`
        decay: f32,
        lr: f32,
    }

    struct Update<'a> {
        param: &'a mut [f32],
        m: &'a mut [f32],
        v: &'a mut [f32],
        g: &'a [f32],
        coefficients: Coefficients,
    }

    impl pulp::WithSimd for Update<'_> {
        type Output = ();

        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let c = self.coefficients;
            let (one_minus_1, one_minus_2) = (1.0 - c.beta_1, 1.0 - c.beta_2);
            for (((p, m), v), &g) in self.param.iter_mut().zip(self.m.iter_mut()).zip(self.v.iter_mut()).zip(self.g) {
                // The operations and their order are burn's AdamW's.
                *m = *m * c.beta_1 + g * one_minus_1;
                *v = *v * c.beta_2 + g * g * one_minus_2;
                let delta = (*m / c.bias_1) / ((*v / c.bias_2).sqrt() + c.epsilon);
                *p = *p * c.decay - delta * c.lr;
            }
        }
    }

    /// The Flex tensor under a plain tensor, laid out densely from offset 0.
    fn dense<const D: usize>(tensor: Tensor<D>) -> (FlexTensor, DispatchAutodiffContext) {
        let Ok((flex, autodiff)) = into_flex(tensor) else {
            unreachable!("`applies` checked that the tensor is a plain Flex float tensor")
        };
        if is_dense_f32(&flex) {
            return (flex, autodiff);
        }
        (FlexTensor::from_data(flex.into_data()), autodiff)
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::{GradientsParams, ModuleOptimizer};
    use burn::tensor::{Distribution, Tensor};

    use super::*;

    fn weights(model: &Linear) -> Vec<f32> {
        model.weight.val().into_data().try_to_vec::<f32>().expect("f32")
    }

    /// Several steps of each optimizer from the same start on the same
    /// gradients: the fused one must follow burn's AdamW.
    #[test]
    fn follows_burns_adamw() {
        let device = Device::flex().autodiff();
        let start = LinearConfig::new(33, 70).init(&device);
        let run = |mut optimizer: ModuleOptimizer| {
            let mut model = start.clone();
            for step in 0..5 {
                device.seed(step);
                let x = Tensor::<2>::random([8, 33], Distribution::Normal(0.0, 1.0), &device);
                let loss = model.forward(x).powf_scalar(2.0).mean();
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optimizer.step(1.0e-2, model, grads);
            }
            weights(&model)
        };
        let fused = run(FusedAdamW::new(0.9, 0.999, 1e-8, 0.01).into());
        let reference = run(AdamWConfig::new().with_epsilon(1e-8).with_weight_decay(0.01).build().into());
        assert_ne!(fused, weights(&start), "the steps moved the weights");
        for (i, (a, b)) in fused.iter().zip(&reference).enumerate() {
            assert!((a - b).abs() <= 1.0e-6 * b.abs().max(1.0), "weight {i}: fused {a}, burn {b}");
        }
    }
}
