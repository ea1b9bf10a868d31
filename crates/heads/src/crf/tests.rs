use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use proptest::prelude::*;
use retag_data::scheme::{Tag, violations};
use retag_data::{Scheme, Tagset};

use super::*;
use crate::rng::SeededRng;

const LABELS: usize = 3;

fn device() -> Device {
    Device::flex()
}

/// A tiny problem: emissions `[batch, seq, LABELS]`, gold labels (`-100`
/// where masked), mask.
struct Problem {
    batch: usize,
    seq: usize,
    emissions: Vec<f32>,
    labels: Vec<i64>,
    mask: Vec<bool>,
}

impl Problem {
    fn random(mask: Vec<Vec<bool>>, seed: u64) -> Self {
        let batch = mask.len();
        let seq = mask.first().map_or(0, Vec::len);
        let mut rng = SeededRng::new(seed);
        let emissions = rng.normals(batch * seq * LABELS, 1.5);
        let mask: Vec<bool> = mask.into_iter().flatten().collect();
        let labels =
            mask.iter().map(|&kept| if kept { (rng.uniform() * LABELS as f64) as i64 } else { -100 }).collect();
        Self { batch, seq, emissions, labels, mask }
    }

    fn tensors(&self, device: &Device) -> (Tensor<3>, Tensor<2, Int>, Tensor<2, Bool>) {
        (
            Tensor::from_data(TensorData::new(self.emissions.clone(), [self.batch, self.seq, LABELS]), device),
            Tensor::from_data(TensorData::new(self.labels.clone(), [self.batch, self.seq]), device),
            Tensor::from_data(TensorData::new(self.mask.clone(), [self.batch, self.seq]), device),
        )
    }

    fn kept(&self, row: usize) -> Vec<usize> {
        (0..self.seq).filter(|&p| self.mask[row * self.seq + p]).collect()
    }

    fn emission(&self, row: usize, position: usize, label: usize) -> f64 {
        f64::from(self.emissions[(row * self.seq + position) * LABELS + label])
    }
}

/// The CRF's scores on the host, in f64, for brute force.
struct Brute {
    transitions: Vec<f64>,
    start: Vec<f64>,
    end: Vec<f64>,
}

impl Brute {
    fn of(crf: &Crf) -> Self {
        let (t, s, e) = crf.scores();
        let host = |values: Vec<f32>| values.into_iter().map(f64::from).collect::<Vec<f64>>();
        Self {
            transitions: host(t.into_data().try_to_vec::<f32>().unwrap()),
            start: host(s.into_data().try_to_vec::<f32>().unwrap()),
            end: host(e.into_data().try_to_vec::<f32>().unwrap()),
        }
    }

    fn path_score(&self, problem: &Problem, row: usize, kept: &[usize], path: &[usize]) -> f64 {
        let mut score = self.start[path[0]] + self.end[path[path.len() - 1]];
        for (step, (&position, &label)) in kept.iter().zip(path).enumerate() {
            score += problem.emission(row, position, label);
            if step > 0 {
                score += self.transitions[path[step - 1] * LABELS + label];
            }
        }
        score
    }

    /// Every label sequence of length `len`.
    fn all_paths(len: usize) -> Vec<Vec<usize>> {
        (0..LABELS.pow(len as u32))
            .map(|mut code| {
                (0..len)
                    .map(|_| {
                        let label = code % LABELS;
                        code /= LABELS;
                        label
                    })
                    .collect()
            })
            .collect()
    }

    fn nll(&self, problem: &Problem, row: usize) -> f64 {
        let kept = problem.kept(row);
        if kept.is_empty() {
            return 0.0;
        }
        let scores: Vec<f64> =
            Self::all_paths(kept.len()).iter().map(|path| self.path_score(problem, row, &kept, path)).collect();
        let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log_z = max + scores.iter().map(|s| (s - max).exp()).sum::<f64>().ln();
        let gold: Vec<usize> = kept.iter().map(|&p| problem.labels[row * problem.seq + p] as usize).collect();
        log_z - self.path_score(problem, row, &kept, &gold)
    }

    fn best_score(&self, problem: &Problem, row: usize) -> f64 {
        let kept = problem.kept(row);
        Self::all_paths(kept.len())
            .iter()
            .map(|path| self.path_score(problem, row, &kept, path))
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

fn check_against_brute_force(crf: &Crf, problem: &Problem) {
    let (emissions, labels, mask) = problem.tensors(&device());
    let nll = crf.negative_log_likelihood(emissions.clone(), labels, mask.clone()).unwrap();
    let nll = nll.into_data().try_to_vec::<f32>().unwrap();
    let brute = Brute::of(crf);
    let paths = crf.viterbi_decode(emissions, mask).unwrap();
    assert_eq!(nll.len(), problem.batch);
    for row in 0..problem.batch {
        let expected = brute.nll(problem, row);
        assert!(
            (f64::from(nll[row]) - expected).abs() < 1e-3 * expected.abs().max(1.0),
            "row {row} mask {:?}: nll {} vs brute force {expected}",
            problem.kept(row),
            nll[row]
        );
        let kept = problem.kept(row);
        assert_eq!(paths[row].len(), kept.len(), "row {row}");
        if !kept.is_empty() {
            let got = brute.path_score(problem, row, &kept, &paths[row]);
            let best = brute.best_score(problem, row);
            assert!((got - best).abs() < 1e-4, "row {row}: viterbi path scores {got}, best is {best}");
        }
    }
}

#[test]
fn nll_and_viterbi_equal_brute_force_on_fixed_masks() {
    let (t, f) = (true, false);
    // Table of masks: full, trailing padding, holes ([CLS] and second
    // subwords), a single token, an empty row.
    let cases: Vec<Vec<Vec<bool>>> = vec![
        vec![vec![t, t, t, t]],
        vec![vec![t, t, t, t], vec![t, t, f, f], vec![t, f, f, f]],
        vec![vec![f, t, f, t], vec![t, f, t, t], vec![f, f, f, t]],
        vec![vec![t, t, t, f], vec![f, f, f, f]],
    ];
    for (index, mask) in cases.into_iter().enumerate() {
        let crf = Crf::new(LABELS, index as u64, &device()).unwrap();
        check_against_brute_force(&crf, &Problem::random(mask, 100 + index as u64));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn nll_and_viterbi_equal_brute_force_on_random_inputs(
        mask in proptest::collection::vec(proptest::collection::vec(any::<bool>(), 4), 1..=3),
        seed in any::<u64>(),
    ) {
        let crf = Crf::new(LABELS, seed, &device()).unwrap();
        check_against_brute_force(&crf, &Problem::random(mask, seed.wrapping_add(1)));
    }
}

#[test]
fn nll_is_a_non_negative_loss_that_is_small_on_confident_gold() {
    let device = device();
    let crf =
        Crf::from_scores(Tensor::zeros([2, 2], &device), Tensor::zeros([2], &device), Tensor::zeros([2], &device))
            .unwrap();
    // Emissions strongly favour labels 1, 0, 1, and the gold says so.
    let emissions =
        Tensor::<3>::from_data(TensorData::new(vec![0.0f32, 20.0, 20.0, 0.0, 0.0, 20.0], [1, 3, 2]), &device);
    let labels = Tensor::<2, Int>::from_data(TensorData::new(vec![1i64, 0, 1], [1, 3]), &device);
    let mask = Tensor::<2, Bool>::from_data(TensorData::new(vec![true; 3], [1, 3]), &device);
    let nll = crf.negative_log_likelihood(emissions, labels, mask).unwrap().into_scalar::<f32>();
    assert!(nll.abs() < 1e-4, "{nll}");
}

#[test]
fn wrong_shapes_and_labels_are_errors_naming_the_tensor() {
    let device = device();
    let crf = Crf::new(LABELS, 0, &device).unwrap();
    let problem = Problem::random(vec![vec![true, true]], 0);
    let (emissions, labels, mask) = problem.tensors(&device);

    let error =
        crf.negative_log_likelihood(Tensor::zeros([1, 2, 4], &device), labels.clone(), mask.clone()).unwrap_err();
    assert_eq!(error.to_string(), "tensor emissions: expected shape [1, 2, 3], found [1, 2, 4]");
    let error =
        crf.negative_log_likelihood(emissions.clone(), Tensor::zeros([1, 3], &device), mask.clone()).unwrap_err();
    assert_eq!(error.to_string(), "tensor labels: expected shape [1, 2], found [1, 3]");
    let error = crf
        .viterbi_decode(emissions.clone(), Tensor::<2, Bool>::from_data(TensorData::new(vec![true], [1, 1]), &device))
        .unwrap_err();
    assert_eq!(error.to_string(), "tensor mask: expected shape [1, 2], found [1, 1]");

    for bad in [3i64, -1] {
        let labels = Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, bad], [1, 2]), &device);
        let error = crf.negative_log_likelihood(emissions.clone(), labels, mask.clone()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("tensor labels: label id {bad} at row 0, position 1 is not below the 3 labels")
        );
    }
    let error =
        Crf::from_scores(Tensor::zeros([3, 3], &device), Tensor::zeros([3], &device), Tensor::zeros([2], &device))
            .unwrap_err();
    assert_eq!(error.to_string(), "tensor crf.end_transitions: expected shape [3], found [2]");
}

/// Under each scheme, a sequence is valid for `retag_data::scheme::violations`
/// exactly when the constraints allow its start, transitions and end: checked
/// on every sequence of up to 3 labels over two types.
#[test]
fn constraints_agree_with_the_scheme_validator_on_every_short_sequence() {
    for scheme in Scheme::ALL {
        let tagset = Tagset::from_types(&["X", "Y"], scheme).unwrap();
        let forbidden = Forbidden::new(&tagset, scheme).unwrap();
        let labels = tagset.labels();
        let n = labels.len();
        let mut sequences: Vec<Vec<usize>> = (0..n).map(|a| vec![a]).collect();
        for a in 0..n {
            for b in 0..n {
                sequences.push(vec![a, b]);
                sequences.extend((0..n).map(|c| vec![a, b, c]));
            }
        }
        for sequence in sequences {
            let tags: Vec<&str> = sequence.iter().map(|&id| labels[id].as_str()).collect();
            let valid = violations(&tags, scheme).is_empty();
            let allowed = forbidden.start_allowed(sequence[0])
                && sequence.windows(2).all(|pair| forbidden.transition_allowed(pair[0], pair[1]))
                && forbidden.end_allowed(sequence[sequence.len() - 1]);
            assert_eq!(allowed, valid, "{scheme}: {tags:?}");
        }
    }
}

#[test]
fn constraints_refuse_labels_the_scheme_does_not_write() {
    let tagset = Tagset::new(vec!["O".into(), "B-X".into(), "S-X".into()]).unwrap();
    let error = Forbidden::new(&tagset, Scheme::Iob2).unwrap_err();
    assert_eq!(error.to_string(), "label \"S-X\": prefix S is not used by IOB2");
    // The same labels are fine in BILOU, which reads S as U.
    assert!(Forbidden::new(&tagset, Scheme::Bilou).is_ok());
    let _ = Tag::parse("S-X").unwrap();
}

#[test]
fn constrained_viterbi_never_decodes_an_invalid_sequence() {
    let device = device();
    let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap(); // O, B-PER, I-PER
    let crf =
        Crf::from_scores(Tensor::zeros([3, 3], &device), Tensor::zeros([3], &device), Tensor::zeros([3], &device))
            .unwrap()
            .constrain_transitions(&tagset, Scheme::Iob2)
            .unwrap();
    // Emissions that alone would say `I-PER O I-PER`.
    let emissions = Tensor::<3>::from_data(
        TensorData::new(vec![0.0f32, 1.0, 5.0, 5.0, 0.0, 0.0, 0.0, 1.0, 5.0], [1, 3, 3]),
        &device,
    );
    let mask = Tensor::<2, Bool>::from_data(TensorData::new(vec![true; 3], [1, 3]), &device);
    let path = crf.viterbi_decode(emissions.clone(), mask.clone()).unwrap().remove(0);
    let tags: Vec<&str> = path.iter().map(|&id| tagset.labels()[id].as_str()).collect();
    assert!(violations(&tags, Scheme::Iob2).is_empty(), "{tags:?}");
    assert_eq!(tags, ["B-PER", "O", "B-PER"]);
    // And the brute force still agrees with the loss when constraints are on.
    let problem = Problem {
        batch: 1,
        seq: 3,
        emissions: emissions.into_data().try_to_vec().unwrap(),
        labels: vec![1, 0, 1],
        mask: vec![true; 3],
    };
    check_against_brute_force(&crf, &problem);

    let error =
        crf.constrain_transitions(&Tagset::from_types(&["A", "B"], Scheme::Iob2).unwrap(), Scheme::Iob2).unwrap_err();
    assert_eq!(error.to_string(), "tensor tagset: expected shape [3], found [5]");
}

#[test]
fn sgd_on_an_autodiff_device_lowers_the_nll_and_reaches_the_emissions() {
    let device = device().autodiff();
    let mut crf = Crf::new(LABELS, 5, &device).unwrap();
    let problem = Problem::random(vec![vec![true, true, true, false], vec![false, true, true, true]], 9);
    let (emissions, labels, mask) = problem.tensors(&device);
    let emissions = emissions.require_grad();

    let mut optimizer = SgdConfig::new().init();
    let mut losses = Vec::new();
    for step in 0..15 {
        let loss = crf.negative_log_likelihood(emissions.clone(), labels.clone(), mask.clone()).unwrap().sum();
        losses.push(loss.clone().into_scalar::<f32>());
        let grads = loss.backward();
        if step == 0 {
            let grad = emissions.grad(&grads).expect("emissions take part in the loss");
            assert!(grad.abs().sum().into_scalar::<f32>() > 0.0);
        }
        let grads = GradientsParams::from_grads(grads, &crf);
        crf = optimizer.step(0.5, crf, grads);
    }
    assert!(losses[losses.len() - 1] < losses[0] * 0.8, "losses {losses:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the scores, a CRF constrained for a scheme decodes only
    /// sequences that scheme allows: the emissions are drawn wide (±8) so
    /// that an unconstrained decoder would often pick forbidden moves.
    #[test]
    fn viterbi_never_outputs_what_the_scheme_forbids(
        scheme_index in 0usize..4,
        mask in proptest::collection::vec(proptest::collection::vec(any::<bool>(), 7), 1..=3),
        seed in any::<u64>(),
    ) {
        let scheme = [Scheme::Iob2, Scheme::Bioes, Scheme::Ioe2, Scheme::Bilou][scheme_index];
        let tagset = Tagset::from_types(&["A", "B"], scheme).unwrap();
        let labels = tagset.len();
        let crf = Crf::new(labels, seed, &device()).unwrap().constrain_transitions(&tagset, scheme).unwrap();
        let (batch, seq) = (mask.len(), 7);
        let mut rng = SeededRng::new(seed.wrapping_add(7));
        let emissions: Vec<f32> = rng.normals(batch * seq * labels, 8.0);
        let emissions = Tensor::<3>::from_data(TensorData::new(emissions, [batch, seq, labels]), &device());
        let flat: Vec<bool> = mask.iter().flatten().copied().collect();
        let mask = Tensor::<2, Bool>::from_data(TensorData::new(flat, [batch, seq]), &device());
        for row in crf.viterbi_decode(emissions, mask).unwrap() {
            let tags: Vec<&str> = row.iter().map(|&id| tagset.label(id).unwrap()).collect();
            prop_assert!(violations(&tags, scheme).is_empty(), "{scheme}: {tags:?}");
        }
    }
}
