//! Inference self-attention on the Flex (CPU) backend, reading every head
//! of Q, K and V where the projections left it.
//!
//! Why: burn-flex's fused attention takes `[batch, heads, seq, head_size]`
//! tensors, so the encoder first copied each projection into that layout
//! (the head split), and it computes the softmax one scalar `expf` at a
//! time. From 256 word pieces on, that softmax outgrew the matrix products:
//! words per second fell 1.9x from 128 to 512 word pieces for 1.2x the
//! arithmetic (docs/performance.md). Here each head's products are gemm
//! calls whose strides read the head's columns straight out of the
//! `[batch, seq, hidden]` projections (no split copies), each (sentence,
//! head) pair is one rayon task, and the softmax runs as SIMD code
//! ([`exp_f32`]) over each row. The heads' contexts are merged back with
//! one copy, as before.
//!
//! The one `unsafe` block of this crate is the gemm call in [`multiply`]:
//! gemm takes raw pointers and strides, and the function checks, before
//! calling it, that every element those strides reach lies inside the
//! slices it was given.

use burn::tensor::{DType, Tensor, TensorData};
use rayon::prelude::*;

use super::fast_math::exp_f32;
use super::{from_flex, into_flex, is_dense_f32, is_flex};
use crate::attention::AttentionInputs;

/// `softmax(QKᵀ·scale)·V` per head, merged back to `[batch, seq, hidden]`,
/// on plain (non-autodiff) dense f32 Flex tensors; anything else goes to
/// `fallback`, which must compute the same thing.
///
/// A query row whose keys are all padding gets zeros, as burn-flex's fused
/// attention gives it.
pub fn attention_or(inputs: AttentionInputs, fallback: impl FnOnce(AttentionInputs) -> Tensor<3>) -> Tensor<3> {
    let takes_fast_path = !inputs.query.is_autodiff()
        && is_flex(&inputs.query.device())
        && [&inputs.query, &inputs.key, &inputs.value].iter().all(|t| t.dtype() == DType::F32)
        && inputs.query.dims() == inputs.key.dims()
        && inputs.query.dims() == inputs.value.dims()
        && inputs.heads > 0
        && inputs.query.dims()[2].is_multiple_of(inputs.heads);
    if !takes_fast_path {
        return fallback(inputs);
    }
    let AttentionInputs { query, key, value, padding, heads, scale } = inputs;
    let [batch, seq, width] = query.dims();
    let device = query.device();
    let (query, autodiff) = into_flex(query).expect("checked by is_flex");
    let (key, _) = into_flex(key).expect("checked by is_flex");
    let (value, _) = into_flex(value).expect("checked by is_flex");
    if ![&query, &key, &value].iter().all(|t| is_dense_f32(t)) {
        let inputs = AttentionInputs {
            query: from_flex(query, autodiff.clone()),
            key: from_flex(key, autodiff.clone()),
            value: from_flex(value, autodiff),
            padding,
            heads,
            scale,
        };
        return fallback(inputs);
    }
    let padding = padding.into_data().try_to_vec::<bool>().expect("a bool tensor reads back as bool");
    // Once per sentence, for all its heads.
    let keep: Vec<Vec<f32>> = (0..batch).map(|b| kept_keys(&padding[b * seq..(b + 1) * seq])).collect();
    let shape = Shape { seq, width, heads, scale };
    let head_size = width / heads;
    let sentence = seq * width;
    // One (sentence, head) pair a task, each writing its own `[seq, head_size]`
    // block: a batch of one still keeps every thread busy, and no two tasks
    // write the same memory.
    let mut by_head = vec![0.0_f32; batch * seq * width];
    by_head.par_chunks_mut(seq * head_size).enumerate().for_each_init(Vec::new, |scores, (task, context)| {
        let (b, head) = (task / heads, task % heads);
        let range = b * sentence..(b + 1) * sentence;
        let sentence = Sentence {
            query: &query.storage::<f32>()[range.clone()],
            key: &key.storage::<f32>()[range.clone()],
            value: &value.storage::<f32>()[range],
            keep: &keep[b],
        };
        attend(&shape, &sentence, head, context, scores);
    });
    // `[batch, heads, seq, head_size]` -> `[batch, seq, hidden]`: the one copy left.
    let mut context = vec![0.0_f32; batch * sentence];
    context.par_chunks_mut(sentence).zip(by_head.par_chunks(sentence)).for_each(|(merged, heads_of_sentence)| {
        for (head, block) in heads_of_sentence.chunks_exact(seq * head_size).enumerate() {
            for (row, values) in block.chunks_exact(head_size).enumerate() {
                let start = row * width + head * head_size;
                merged[start..start + head_size].copy_from_slice(values);
            }
        }
    });
    Tensor::<3>::from_data(TensorData::new(context, [batch, seq, width]), &device)
}

/// The sizes every sentence of a call shares.
struct Shape {
    seq: usize,
    width: usize,
    heads: usize,
    scale: f32,
}

/// One sentence's `[seq, hidden]` projections, row-major, and its keys.
struct Sentence<'a> {
    query: &'a [f32],
    key: &'a [f32],
    value: &'a [f32],
    /// 1 for a real token, 0 for padding, up to the last real token: keys
    /// past it are all padding, so no product reads them.
    keep: &'a [f32],
}

/// A sentence's [`Sentence::keep`] from its padding flags.
fn kept_keys(padding: &[bool]) -> Vec<f32> {
    let keys = padding.iter().rposition(|&pad| !pad).map_or(0, |last| last + 1);
    padding[..keys].iter().map(|&pad| if pad { 0.0 } else { 1.0 }).collect()
}

/// One head of one sentence into `context` (`[seq, head_size]`, row-major);
/// `scores` is scratch, grown to `seq × keys` once per thread.
fn attend(shape: &Shape, sentence: &Sentence, head: usize, context: &mut [f32], scores: &mut Vec<f32>) {
    let Shape { seq, width, heads, scale } = *shape;
    let head_size = width / heads;
    let keys = sentence.keep.len();
    if keys == 0 {
        context.fill(0.0);
        return;
    }
    scores.resize(seq * keys, 0.0);
    let columns = head * head_size;
    // scores[i, j] = scale · Σ_d Q[i, columns + d] · K[j, columns + d]
    multiply(
        Operand { data: &sentence.query[columns..], rows: seq, cols: head_size, row_stride: width, col_stride: 1 },
        Operand { data: &sentence.key[columns..], rows: head_size, cols: keys, row_stride: 1, col_stride: width },
        Destination { data: scores, row_stride: keys },
        scale,
    );
    pulp::Arch::new().dispatch(SoftmaxRows { scores, keys, keep: sentence.keep });
    // context[i, d] = Σ_j P[i, j] · V[j, columns + d]
    multiply(
        Operand { data: scores, rows: seq, cols: keys, row_stride: keys, col_stride: 1 },
        Operand { data: &sentence.value[columns..], rows: keys, cols: head_size, row_stride: width, col_stride: 1 },
        Destination { data: context, row_stride: head_size },
        1.0,
    );
}

/// A `rows × cols` matrix inside `data`: element `(r, c)` at `r·row_stride + c·col_stride`.
struct Operand<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl Operand<'_> {
    /// Whether every element the strides reach is inside `data`.
    fn fits(&self) -> bool {
        self.rows > 0
            && self.cols > 0
            && last_index(self.rows, self.cols, self.row_stride, self.col_stride) < self.data.len()
    }
}

/// Where a product goes: unit column stride, `row_stride` between rows.
struct Destination<'a> {
    data: &'a mut [f32],
    row_stride: usize,
}

fn last_index(rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> usize {
    (rows - 1) * row_stride + (cols - 1) * col_stride
}

/// `dst = factor · lhs · rhs`, overwriting `dst`, on the calling thread
/// (the tasks above are the parallelism).
#[allow(unsafe_code)]
fn multiply(lhs: Operand, rhs: Operand, dst: Destination, factor: f32) {
    assert_eq!(lhs.cols, rhs.rows, "inner sizes of a product");
    assert!(lhs.fits() && rhs.fits(), "an operand's strides reach past its slice");
    assert!(
        last_index(lhs.rows, rhs.cols, dst.row_stride, 1) < dst.data.len(),
        "the product's strides reach past its destination"
    );
    // SAFETY: the asserts above bound every element gemm reads (lhs, rhs)
    // or writes (dst) inside the slices, and `dst` is borrowed mutably, so
    // nothing else reads or writes it meanwhile; the strides fit `isize`
    // because they index within allocations. With `read_dst` false gemm
    // never reads `dst`, so its first `alpha` is unused.
    unsafe {
        gemm::gemm(
            lhs.rows,
            rhs.cols,
            lhs.cols,
            dst.data.as_mut_ptr(),
            1,
            dst.row_stride as isize,
            false,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            0.0,
            factor,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Lanes of the max and sum accumulators: independent, so LLVM keeps them
/// in vector registers (16 fills an AVX-512 register, two AVX2 ones).
const LANES: usize = 16;

/// Softmax of each `keys`-long row of `scores` over the keys where `keep`
/// is 1; rows with no kept key become zeros.
struct SoftmaxRows<'a> {
    scores: &'a mut [f32],
    keys: usize,
    keep: &'a [f32],
}

impl pulp::WithSimd for SoftmaxRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let any_kept = self.keep.iter().any(|&k| k != 0.0);
        for row in self.scores.chunks_exact_mut(self.keys) {
            if !any_kept {
                row.fill(0.0);
                continue;
            }
            let max = row_max(row, self.keep);
            for (score, &keep) in row.iter_mut().zip(self.keep) {
                *score = exp_f32(*score - max) * keep;
            }
            let inverse = 1.0 / row_sum(row);
            for score in row.iter_mut() {
                *score *= inverse;
            }
        }
    }
}

/// The largest score among kept keys (a padding key counts as -∞).
#[inline(always)]
fn row_max(row: &[f32], keep: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let masked = |score: f32, keep: f32| if keep != 0.0 { score } else { f32::NEG_INFINITY };
    let mut rows = row.chunks_exact(LANES);
    let mut keeps = keep.chunks_exact(LANES);
    for (scores, keeps) in (&mut rows).zip(&mut keeps) {
        for ((lane, &score), &keep) in lanes.iter_mut().zip(scores).zip(keeps) {
            let score = masked(score, keep);
            *lane = if score > *lane { score } else { *lane };
        }
    }
    let tail = rows.remainder().iter().zip(keeps.remainder()).map(|(&s, &k)| masked(s, k));
    lanes.into_iter().chain(tail).fold(f32::NEG_INFINITY, f32::max)
}

#[inline(always)]
fn row_sum(row: &[f32]) -> f32 {
    let mut lanes = [0.0_f32; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (lane, &value) in lanes.iter_mut().zip(chunk) {
            *lane += value;
        }
    }
    lanes.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Bool, Device, Distribution};

    use super::*;
    use crate::attention::fused_attention;

    fn not_reached(_: AttentionInputs) -> Tensor<3> {
        panic!("dense f32 flex tensors take the fast path")
    }

    fn inputs(batch: usize, seq: usize, width: usize, heads: usize, padding: Vec<bool>) -> AttentionInputs {
        inputs_on(&Device::flex(), batch, seq, width, heads, padding)
    }

    fn inputs_on(
        device: &Device,
        batch: usize,
        seq: usize,
        width: usize,
        heads: usize,
        padding: Vec<bool>,
    ) -> AttentionInputs {
        let random = || Tensor::<3>::random([batch, seq, width], Distribution::Normal(0.0, 2.0), device);
        AttentionInputs {
            query: random(),
            key: random(),
            value: random(),
            padding: Tensor::<2, Bool>::from_data(TensorData::new(padding, [batch, seq]), device),
            heads,
            scale: 1.0 / ((width / heads) as f32).sqrt(),
        }
    }

    fn clone(inputs: &AttentionInputs) -> AttentionInputs {
        AttentionInputs {
            query: inputs.query.clone(),
            key: inputs.key.clone(),
            value: inputs.value.clone(),
            padding: inputs.padding.clone(),
            heads: inputs.heads,
            scale: inputs.scale,
        }
    }

    fn assert_close(fast: Tensor<3>, expected: Tensor<3>, case: &str) {
        let fast = fast.into_data().try_to_vec::<f32>().expect("f32");
        let expected = expected.into_data().try_to_vec::<f32>().expect("f32");
        assert_eq!(fast.len(), expected.len(), "{case}: sizes");
        for (i, (a, b)) in fast.iter().zip(&expected).enumerate() {
            assert!((a - b).abs() <= 2.0e-5 * b.abs().max(1.0), "{case}, element {i}: {a} against {b}");
        }
    }

    /// Table of shapes and paddings: trailing padding (what batching makes),
    /// padding inside a sentence, an all-padding sentence, one sentence (gemm
    /// keeps every thread busy), rows longer than the accumulators and not a
    /// multiple of them.
    #[test]
    fn matches_burns_attention() {
        let trailing = |lengths: &[usize], seq: usize| -> Vec<bool> {
            lengths.iter().flat_map(|&n| (0..seq).map(move |i| i >= n)).collect()
        };
        let cases: Vec<(&str, AttentionInputs)> = vec![
            ("trailing padding", inputs(3, 37, 32, 4, trailing(&[37, 20, 1], 37))),
            ("one long sentence", inputs(1, 150, 48, 3, trailing(&[150], 150))),
            ("an all-padding sentence", inputs(2, 9, 16, 2, trailing(&[0, 9], 9))),
            ("padding inside", inputs(2, 21, 32, 4, (0..42).map(|i| i % 5 == 2 || i == 41).collect())),
            ("many sentences", inputs(9, 18, 32, 8, trailing(&[18, 17, 3, 18, 5, 9, 18, 2, 11], 18))),
        ];
        for (case, inputs) in cases {
            let expected = fused_attention(clone(&inputs));
            assert_close(attention_or(inputs, not_reached), expected, case);
        }
    }

    #[test]
    fn sends_tracked_tensors_to_the_fallback() {
        let tracked = inputs_on(&Device::flex().autodiff(), 1, 4, 8, 2, vec![false; 4]);
        let marker = |inputs: AttentionInputs| inputs.query.zeros_like();
        let out = attention_or(tracked, marker).into_data().try_to_vec::<f32>().expect("f32");
        assert!(out.iter().all(|&v| v == 0.0), "an autodiff query takes the fallback");
    }
}
