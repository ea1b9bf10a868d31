//! A linear-chain conditional random field over a head's logits.
//!
//! A softmax head scores each token alone and can predict `O I-PER`; a CRF
//! adds a learned score for every label-to-label transition (and for
//! starting and ending on each label) and trains on the probability of the
//! whole gold sequence (Lafferty, McCallum and Pereira, ICML 2001; the
//! BiLSTM-CRF of Lample et al., NAACL 2016). Parameters and conventions
//! follow `pytorch-crf`: `transitions[from, to]`, `start_transitions`,
//! `end_transitions`, initialised uniform in `[-0.1, 0.1)`.
//!
//! The loss is computed in burn tensors with the forward algorithm in log
//! space, so it is differentiable on an autodiff device; decoding (Viterbi)
//! runs on the host, since it is a discrete search over `labels²` numbers per
//! token. Masks may have holes (see [`positions`]). A CRF for a new tagset
//! can start from an old one's scores ([`Crf::warm_start`]).

mod constraints;
mod positions;
mod viterbi;
mod warm_start;

use burn::module::{Module, Param};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use retag_data::{Scheme, Tagset};

use crate::error::{HeadError, Result};
use crate::pytorch_linear::{check_shape, check_size, host_tensor_1d, host_tensor_2d, host_values};
use crate::rng::SeededRng;

pub use constraints::{FORBIDDEN, Forbidden};
use positions::Positions;
pub use warm_start::CrfStart;

/// Bound of pytorch-crf's uniform initialisation.
const INIT_BOUND: f64 = 0.1;

/// Transition scores between labels, with optional scheme constraints.
#[derive(Module, Debug)]
pub struct Crf {
    /// `[labels, labels]`: score of label `to` right after label `from`, at `[from, to]`.
    transitions: Param<Tensor<2>>,
    /// `[labels]`: score of a sequence starting on each label.
    start_transitions: Param<Tensor<1>>,
    /// `[labels]`: score of a sequence ending on each label.
    end_transitions: Param<Tensor<1>>,
    /// Moves the tag scheme forbids. Kept apart from the parameters and
    /// added at scoring time, so that training can never make a forbidden
    /// move possible again and exported parameters stay what was learned.
    #[module(skip)]
    forbidden: Option<Forbidden>,
}

impl Crf {
    /// A CRF over `num_labels` labels, initialised as pytorch-crf does, from `seed`.
    pub fn new(num_labels: usize, seed: u64, device: &Device) -> Result<Self> {
        check_size("num_labels", num_labels)?;
        let mut rng = SeededRng::new(seed);
        let mut uniform = |count| rng.uniforms(count, -INIT_BOUND, INIT_BOUND);
        let transitions = host_tensor_2d(uniform(num_labels * num_labels), [num_labels, num_labels], device);
        let start = host_tensor_1d(uniform(num_labels), device);
        let end = host_tensor_1d(uniform(num_labels), device);
        Self::from_scores(transitions, start, end)
    }

    /// A CRF with the given scores, shape-checked against each other.
    pub fn from_scores(transitions: Tensor<2>, start: Tensor<1>, end: Tensor<1>) -> Result<Self> {
        let [num_labels, _] = transitions.dims();
        check_size("num_labels", num_labels)?;
        check_shape("crf.transitions", &[num_labels, num_labels], &transitions.dims())?;
        check_shape("crf.start_transitions", &[num_labels], &start.dims())?;
        check_shape("crf.end_transitions", &[num_labels], &end.dims())?;
        Ok(Self {
            transitions: Param::from_tensor(transitions),
            start_transitions: Param::from_tensor(start),
            end_transitions: Param::from_tensor(end),
            forbidden: None,
        })
    }

    /// This CRF with the moves `scheme` forbids in `tagset` scored
    /// [`FORBIDDEN`] (an `I-X` after `O` or at the start in IOB2, an
    /// unfinished entity at the end in BIOES...), so that decoding can only
    /// produce valid sequences.
    pub fn constrain_transitions(mut self, tagset: &Tagset, scheme: Scheme) -> Result<Self> {
        check_shape("tagset", &[self.num_labels()], &[tagset.len()])?;
        self.forbidden = Some(Forbidden::new(tagset, scheme)?);
        Ok(self)
    }

    pub fn num_labels(&self) -> usize {
        self.start_transitions.dims()[0]
    }

    /// The constraints in force, if any.
    pub fn forbidden(&self) -> Option<&Forbidden> {
        self.forbidden.as_ref()
    }

    /// The scheme whose forbidden moves are ruled out, if any.
    pub fn constraint_scheme(&self) -> Option<Scheme> {
        self.forbidden.as_ref().map(Forbidden::scheme)
    }

    /// The learned parameters `(transitions, start, end)` as they are,
    /// without the constraints' penalties: what is saved, so that loading
    /// and constraining again gives back the same CRF.
    pub fn learned_scores(&self) -> (Tensor<2>, Tensor<1>, Tensor<1>) {
        (self.transitions.val(), self.start_transitions.val(), self.end_transitions.val())
    }

    /// The scores the CRF uses: `(transitions, start, end)`, the learned
    /// parameters plus [`FORBIDDEN`] on every forbidden move.
    pub fn scores(&self) -> (Tensor<2>, Tensor<1>, Tensor<1>) {
        let transitions = self.transitions.val();
        let start = self.start_transitions.val();
        let end = self.end_transitions.val();
        let Some(forbidden) = &self.forbidden else {
            return (transitions, start, end);
        };
        let device = transitions.device();
        let labels = self.num_labels();
        let penalty = |flags: &[bool]| flags.iter().map(|&f| if f { FORBIDDEN } else { 0.0 }).collect::<Vec<f32>>();
        (
            transitions + host_tensor_2d(penalty(&forbidden.transitions), [labels, labels], &device),
            start + host_tensor_1d(penalty(&forbidden.start), &device),
            end + host_tensor_1d(penalty(&forbidden.end), &device),
        )
    }

    /// The negative log-likelihood of each row's gold labels, `[batch]`:
    /// `log Z - score(gold)`, over the positions where `mask` is true.
    ///
    /// - `emissions`: `[batch, seq, labels]`, the head's logits;
    /// - `labels`: `[batch, seq]` gold label ids (any value where masked:
    ///   `-100` is fine);
    /// - `mask`: `[batch, seq]`, true where a label is scored. Holes are
    ///   allowed; a row with no true position has loss 0.
    ///
    /// Reduce with `.sum()` or `.mean()` as the training loop prefers.
    pub fn negative_log_likelihood(
        &self,
        emissions: Tensor<3>,
        labels: Tensor<2, Int>,
        mask: Tensor<2, Bool>,
    ) -> Result<Tensor<1>> {
        let [batch, seq, num_labels] = emissions.dims();
        check_shape("emissions", &[batch, seq, self.num_labels()], &[batch, seq, num_labels])?;
        check_shape("labels", &[batch, seq], &labels.dims())?;
        check_shape("mask", &[batch, seq], &mask.dims())?;
        let device = emissions.device();
        let positions = Positions::from_mask(&mask)?;
        let gold = gold_labels(&labels, &positions, num_labels)?;
        let steps = positions.longest();
        if steps == 0 {
            return Ok(Tensor::zeros([batch], &device));
        }

        let packed = emissions.gather(1, positions.gather_index(num_labels, &device));
        let step_mask = positions.step_mask(&device);
        let (transitions, start, end) = self.scores();

        let gold_score = gold.score(&packed, &step_mask, &transitions, &start, &end, &device);
        let log_partition = forward_algorithm(&packed, &step_mask, &transitions, &start, &end);
        Ok((log_partition - gold_score).mask_fill(positions.empty_rows(&device), 0.0))
    }

    /// The best label sequence of each row, over its unmasked positions
    /// (row `r` has as many labels as `mask[r]` has true positions).
    pub fn viterbi_decode(&self, emissions: Tensor<3>, mask: Tensor<2, Bool>) -> Result<Vec<Vec<usize>>> {
        let [batch, seq, num_labels] = emissions.dims();
        check_shape("emissions", &[batch, seq, self.num_labels()], &[batch, seq, num_labels])?;
        check_shape("mask", &[batch, seq], &mask.dims())?;
        let positions = Positions::from_mask(&mask)?;
        let (transitions, start, end) = self.scores();
        let scores = viterbi::HostScores {
            num_labels,
            transitions: host_values("crf.transitions", &transitions)?,
            start: host_values("crf.start_transitions", &start)?,
            end: host_values("crf.end_transitions", &end)?,
        };
        let emissions = host_values("emissions", &emissions)?;
        Ok(positions
            .rows
            .iter()
            .enumerate()
            .map(|(row, kept)| {
                let row_emissions: Vec<&[f32]> = kept
                    .iter()
                    .map(|&position| {
                        let offset = (row * seq + position) * num_labels;
                        &emissions[offset..offset + num_labels]
                    })
                    .collect();
                scores.best_path(&row_emissions)
            })
            .collect())
    }
}

/// `log Σ exp` along `dim`, kept as a size-1 dimension; stable for large
/// values because the maximum is taken out first (detached: the gradient of
/// the whole expression is the softmax whatever constant is taken out).
fn log_sum_exp<const D: usize>(x: Tensor<D>, dim: usize) -> Tensor<D> {
    let max = x.clone().max_dim(dim).detach();
    max.clone() + (x - max).exp().sum_dim(dim).log()
}

/// `log Z` of each row, `[batch]`: the log of the summed exponentiated
/// scores of every label sequence, by the forward recursion
/// `α_t[j] = log Σ_i exp(α_{t-1}[i] + T[i, j]) + e_t[j]`. Rows that have
/// ended keep their `α`.
fn forward_algorithm(
    packed: &Tensor<3>,
    step_mask: &Tensor<2, Bool>,
    transitions: &Tensor<2>,
    start: &Tensor<1>,
    end: &Tensor<1>,
) -> Tensor<1> {
    let [batch, steps, labels] = packed.dims();
    let emission_at = |step: usize| packed.clone().narrow(1, step, 1).reshape([batch, labels]);
    let mut alpha = start.clone().unsqueeze::<2>() + emission_at(0);
    let transitions = transitions.clone().unsqueeze::<3>();
    for step in 1..steps {
        let through = alpha.clone().unsqueeze_dim::<3>(2) + transitions.clone();
        let next = log_sum_exp(through, 1).reshape([batch, labels]) + emission_at(step);
        let active = step_mask.clone().narrow(1, step, 1).expand([batch, labels]);
        alpha = alpha.mask_where(active, next);
    }
    log_sum_exp(alpha + end.clone().unsqueeze::<2>(), 1).reshape([batch])
}

/// The gold labels of the scored positions, read to the host and checked.
struct GoldLabels {
    /// `[batch, steps]` packed label ids (0 past a row's end).
    packed: Vec<i64>,
    batch: usize,
    steps: usize,
    num_labels: usize,
    /// Per row, how often each `from -> to` pair occurs: `[batch, labels, labels]`.
    transition_counts: Vec<f32>,
    /// Per row, one-hot first and last label: `[batch, labels]`.
    first: Vec<f32>,
    last: Vec<f32>,
}

fn gold_labels(labels: &Tensor<2, Int>, positions: &Positions, num_labels: usize) -> Result<GoldLabels> {
    let [batch, seq] = labels.dims();
    let values = labels
        .try_to_vec_as::<i64>()
        .map_err(|error| HeadError::TensorRead { tensor: "labels".into(), reason: error.to_string() })?;
    let steps = positions.longest();
    let mut gold = GoldLabels {
        packed: vec![0; batch * steps],
        batch,
        steps,
        num_labels,
        transition_counts: vec![0.0; batch * num_labels * num_labels],
        first: vec![0.0; batch * num_labels],
        last: vec![0.0; batch * num_labels],
    };
    for (row, kept) in positions.rows.iter().enumerate() {
        let mut previous: Option<usize> = None;
        for (step, &position) in kept.iter().enumerate() {
            let id = values[row * seq + position];
            let label = usize::try_from(id)
                .ok()
                .filter(|&label| label < num_labels)
                .ok_or(HeadError::LabelOutOfRange { tensor: "labels".into(), row, position, id, num_labels })?;
            gold.packed[row * steps + step] = id;
            match previous {
                None => gold.first[row * num_labels + label] = 1.0,
                Some(from) => gold.transition_counts[(row * num_labels + from) * num_labels + label] += 1.0,
            }
            previous = Some(label);
        }
        if let Some(label) = previous {
            gold.last[row * num_labels + label] = 1.0;
        }
    }
    Ok(gold)
}

impl GoldLabels {
    /// The score of the gold path of each row, `[batch]`: its emissions,
    /// transitions, start and end. Transitions are summed through the pair
    /// counts, so the expression is differentiable in every score.
    fn score(
        &self,
        packed: &Tensor<3>,
        step_mask: &Tensor<2, Bool>,
        transitions: &Tensor<2>,
        start: &Tensor<1>,
        end: &Tensor<1>,
        device: &Device,
    ) -> Tensor<1> {
        let (batch, steps, labels) = (self.batch, self.steps, self.num_labels);
        let index = Tensor::<3, Int>::from_data(TensorData::new(self.packed.clone(), [batch, steps, 1]), device);
        let emitted = packed.clone().gather(2, index).reshape([batch, steps]);
        let emitted = emitted.mask_fill(step_mask.clone().bool_not(), 0.0).sum_dim(1).reshape([batch]);

        let counts =
            Tensor::<3>::from_data(TensorData::new(self.transition_counts.clone(), [batch, labels, labels]), device);
        let moved = (transitions.clone().unsqueeze::<3>() * counts).sum_dim(2).sum_dim(1).reshape([batch]);

        let one_hot =
            |values: &[f32]| Tensor::<2>::from_data(TensorData::new(values.to_vec(), [batch, labels]), device);
        let started = (start.clone().unsqueeze::<2>() * one_hot(&self.first)).sum_dim(1).reshape([batch]);
        let ended = (end.clone().unsqueeze::<2>() * one_hot(&self.last)).sum_dim(1).reshape([batch]);
        emitted + moved + started + ended
    }
}

#[cfg(test)]
mod tests;
