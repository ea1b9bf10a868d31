//! The flex dropout mask under `Device::seed`, alone in its own test binary:
//! the device's generator is process-wide, and a test running beside this
//! one and drawing from it between `seed` and the mask would change the mask.

#![cfg(feature = "flex")]

use burn::tensor::{Device, Tensor};
use retag_bert::cpu::flex_dropout::dropout;

#[test]
fn the_device_seed_fixes_the_mask_and_gradients_pass_kept_elements() {
    let device = Device::flex().autodiff();
    let run = || {
        device.seed(3);
        let x = Tensor::<2>::ones([64, 64], &device).require_grad();
        let y = dropout(x.clone(), 0.25);
        let grads = y.clone().sum().backward();
        let grad = x.grad(&grads).expect("x takes part").into_data().try_to_vec::<f32>().expect("f32");
        (y.into_data().try_to_vec::<f32>().expect("f32"), grad)
    };
    let (first, grad) = run();
    assert_eq!(first, run().0, "same device seed, same mask");
    assert_eq!(first, grad, "d(sum)/dx is the mask itself");
    assert!(first.contains(&0.0) && first.iter().any(|&v| v > 1.0), "some dropped, some kept");
}
