//! A `Linear` layer over the last dimension of a `[batch, seq, width]`
//! tensor, run as one `[batch·seq, width] × [width, out]` product.
//!
//! Why: burn 0.22.1 may run a 3-D input through `Linear` as a batched
//! product against the weight broadcast over the batch, and under autodiff
//! its weight gradient is then a `[batch, width, out]` stack of small
//! products summed afterwards: at batch 32 a 75 MB intermediate per layer
//! and products with an inner size of one sentence. Folding the batch into
//! the rows gives the backend one large product each way, and the weight
//! gradient one product with the batch as its inner size.

use burn::nn::Linear;
use burn::tensor::Tensor;

/// `layer.forward(x)`, with the batch folded into the rows.
pub fn forward_rows(layer: &Linear, x: Tensor<3>) -> Tensor<3> {
    let [batch, seq, width] = x.dims();
    let rows = layer.forward(x.reshape([batch * seq, width]));
    let out = rows.dims()[1];
    rows.reshape([batch, seq, out])
}
