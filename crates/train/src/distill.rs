//! Distillation from the old model, for continual NER (Monaikul et al.,
//! "Continual Learning for Named Entity Recognition", AAAI 2021): besides
//! the cross-entropy on the new gold tags, the student is pulled towards
//! the old model's label distribution at each scored position, so that what
//! the old model knew (its types, its confidence between them) is not
//! forgotten while the new tagset is learnt.
//!
//! The term, at a scored position with student emissions `s` (new labels)
//! and teacher logits `t` (old labels), at temperature `T`:
//!
//! - the student's probabilities `softmax(s / T)` are folded into the old
//!   tagset: old label `m` gets the sum over the new labels `n` with
//!   `fold[n] == m` (a new label counts as the old one it descends from);
//! - `KL(softmax(t / T) || folded)` is averaged over the positions that
//!   have a gold label (the cross-entropy's positions), and
//! - scaled by `weight * T²`: softening by `T` shrinks the gradients by
//!   `1 / T²`, and the factor keeps the term's pull the same whatever `T`
//!   (Hinton et al., "Distilling the Knowledge in a Neural Network", 2015).
//!
//! Old labels that no new label folds into (a type the new tagset dropped)
//! are ones the student cannot express; the teacher's distribution is taken
//! over the other old labels (renormalised), rather than charging the
//! student an infinite divergence for mass it has no label to carry.
//!
//! Emissions, not CRF scores, on both sides: a CRF's transitions say which
//! sequences are legal, its emissions what each position looks like, and
//! only the latter is a per-position distribution to compare.
//!
//! The teacher's logits come from a [`TeacherCache`] computed once before
//! training. A resumed run recomputes it (the pass is deterministic, like
//! the frozen strategy's feature cache) rather than storing it in every
//! checkpoint; the checkpoint records the settings and the cache's
//! [`TeacherFingerprint`], so a resume with another teacher, other data or
//! other settings is refused instead of training on other targets.

use std::path::Path;

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};
use retag_data::align::WindowId;
use serde::{Deserialize, Serialize};

use crate::checkpoint::exact_float;
use crate::error::{Result, TrainError};
use crate::teacher::{TeacherCache, TeacherFingerprint};

/// Added to a scaled logit to leave it out of an old label's sum: finite,
/// so that no `inf - inf` can appear, and far below any logit.
const EXCLUDED: f32 = -1.0e30;

/// How strongly, and through which fold, the student is pulled towards the
/// old model. Plain data, so that a caller (the retrain crate) builds it
/// from flags and a lineage; checked against the tagsets by
/// [`Distillation::check`], which [`crate::Trainer::with_distillation`] calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distillation {
    /// For each new label id, the old label id its probability counts
    /// under: the old label it descends from in the lineage, or the old `O`
    /// for a label with no parent (a new type the old model tagged `O`).
    pub fold: Vec<usize>,
    /// The term's weight next to the cross-entropy (1.0: as much as it).
    #[serde(with = "exact_float")]
    pub weight: f64,
    /// The softmax temperature of both sides (2.0 is usual): above 1 the
    /// teacher's second choices weigh more, which is most of what it knows
    /// beyond its argmax.
    #[serde(with = "exact_float")]
    pub temperature: f64,
}

impl Distillation {
    /// Checks the settings for a student of `new_labels` labels and a
    /// teacher of `old_labels`; the error names the first wrong field.
    pub fn check(&self, new_labels: usize, old_labels: usize) -> Result<()> {
        if self.fold.len() != new_labels {
            return Err(invalid(
                "fold",
                format!("{} entries", self.fold.len()),
                format!("needs one entry per new label, and the student has {new_labels}"),
            ));
        }
        if let Some((new, &old)) = self.fold.iter().enumerate().find(|&(_, &old)| old >= old_labels) {
            return Err(invalid(
                &format!("fold[{new}]"),
                old,
                format!("the teacher has {old_labels} labels (ids 0 to {})", old_labels.saturating_sub(1)),
            ));
        }
        if !(self.weight.is_finite() && self.weight >= 0.0) {
            return Err(invalid("weight", self.weight, "must be a number, 0 or more"));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(invalid("temperature", self.temperature, "must be a positive number"));
        }
        Ok(())
    }
}

fn invalid(field: &str, value: impl ToString, reason: impl Into<String>) -> TrainError {
    TrainError::Distillation { field: field.to_string(), value: value.to_string(), reason: reason.into() }
}

/// What a checkpoint keeps of a run's distillation, to refuse a resume
/// that would distil otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistillationRecord {
    pub settings: Distillation,
    pub teacher: TeacherFingerprint,
}

/// Distillation ready to score batches: checked settings, the teacher's
/// cache, and the fold restricted to the old labels the student can reach.
#[derive(Debug, Clone)]
pub struct Distiller {
    settings: Distillation,
    teacher: TeacherCache,
    /// The fingerprint of the teacher's scores on the run's plain training
    /// inputs, which checkpoints record; the scores in use may be an
    /// epoch's, on augmented inputs (see [`Distiller::set_epoch_teacher`]).
    run_teacher: TeacherFingerprint,
    /// The old labels some new label folds into, in old order.
    reachable: Vec<usize>,
    /// For each new label, its old label's index in `reachable`.
    groups: Vec<usize>,
}

impl Distiller {
    /// Checks `settings` for a student of `new_labels` labels against the
    /// teacher the cache holds.
    pub fn new(teacher: TeacherCache, settings: Distillation, new_labels: usize) -> Result<Self> {
        settings.check(new_labels, teacher.label_count())?;
        let mut reachable = settings.fold.clone();
        reachable.sort_unstable();
        reachable.dedup();
        let groups = settings
            .fold
            .iter()
            .map(|old| reachable.binary_search(old).expect("reachable is fold sorted and deduplicated"))
            .collect();
        Ok(Self { run_teacher: teacher.fingerprint(), settings, teacher, reachable, groups })
    }

    /// Distils from `teacher`, the same teacher's scores on one epoch's
    /// training inputs (augmented sentences, see [`crate::epoch_data`]),
    /// from now on. The run's record keeps the plain inputs' fingerprint: a
    /// resumed run computes those again and compares them.
    pub(crate) fn set_epoch_teacher(&mut self, teacher: TeacherCache) -> Result<()> {
        if teacher.label_count() != self.teacher.label_count() {
            return Err(TrainError::Mismatch {
                reason: format!(
                    "an epoch's teacher scores {} labels, the run's teacher {}: it is another model",
                    teacher.label_count(),
                    self.teacher.label_count()
                ),
            });
        }
        self.teacher = teacher;
        Ok(())
    }

    pub fn settings(&self) -> &Distillation {
        &self.settings
    }

    pub fn teacher(&self) -> &TeacherCache {
        &self.teacher
    }

    pub fn record(&self) -> DistillationRecord {
        DistillationRecord { settings: self.settings.clone(), teacher: self.run_teacher }
    }

    /// The weighted term for one batch: `emissions` `[rows, positions, new
    /// labels]` are the student's for the units `ids`, `labels` the batch's
    /// row-major gold labels (`None` where nothing is scored). A one-element
    /// tensor on the emissions' device, 0 when no position is scored.
    pub fn loss(&self, emissions: Tensor<3>, labels: &[Option<usize>], ids: &[WindowId]) -> Result<Tensor<1>> {
        let [rows, seq, new_labels] = emissions.dims();
        if new_labels != self.groups.len() || labels.len() != rows * seq {
            return Err(TrainError::Mismatch {
                reason: format!(
                    "distillation got scores of {new_labels} labels and {} labels for {rows} rows of {seq}; \
                     the fold has {} new labels",
                    labels.len(),
                    self.groups.len()
                ),
            });
        }
        let teacher = self.teacher.rows(ids)?;
        let gold: Vec<usize> = labels.iter().flatten().copied().collect();
        if gold != teacher.gold {
            return Err(TrainError::Mismatch {
                reason: format!(
                    "the teacher's rows ({} positions) do not line up with the batch's {} scored positions",
                    teacher.gold.len(),
                    gold.len()
                ),
            });
        }
        let device = emissions.device();
        if gold.is_empty() {
            return Ok(Tensor::zeros([1], &device));
        }
        let scored: Vec<i64> = (0..labels.len()).filter(|&cell| labels[cell].is_some()).map(|c| c as i64).collect();
        let positions = scored.len();
        let index = Tensor::<1, Int>::from_data(TensorData::new(scored, [positions]), &device);
        let student = emissions.reshape([rows * seq, new_labels]).select(0, index);
        let old_labels = self.teacher.label_count();
        let kept: Vec<f32> = teacher
            .logits
            .chunks_exact(old_labels)
            .flat_map(|row| self.reachable.iter().map(|&old| row[old]))
            .collect();
        let teacher = Tensor::<2>::from_data(TensorData::new(kept, [positions, self.reachable.len()]), &device);
        let temperature = self.settings.temperature;
        let scale = self.settings.weight * temperature * temperature;
        Ok(folded_kl(student, teacher, &self.groups, temperature).mul_scalar(scale as f32))
    }
}

/// `KL(softmax(teacher / T) || fold(softmax(student / T)))`, averaged over
/// the rows: `student` `[positions, new labels]`, `teacher` `[positions,
/// groups]`, `groups[n]` the teacher column new label `n` folds into (every
/// column has at least one).
///
/// The folded log-probabilities are log-sum-exps of each group's scaled
/// logits, normalised over the groups: summing probabilities and taking
/// the log would underflow to `-inf` for a group the student rules out.
pub(crate) fn folded_kl(student: Tensor<2>, teacher: Tensor<2>, groups: &[usize], temperature: f64) -> Tensor<1> {
    let device = student.device();
    let [_, new_labels] = student.dims();
    let [_, columns] = teacher.dims();
    let membership: Vec<f32> = (0..new_labels)
        .flat_map(|new| (0..columns).map(move |column| if groups[new] == column { 0.0 } else { EXCLUDED }))
        .collect();
    let membership = Tensor::<3>::from_data(TensorData::new(membership, [1, new_labels, columns]), &device);
    let temperature = temperature as f32;
    // [positions, new labels, groups]: each group's members, the rest excluded.
    let members = student.div_scalar(temperature).unsqueeze_dim::<3>(2) + membership;
    let top = members.clone().max_dim(1).detach();
    let group_scores = (members - top.clone()).exp().sum_dim(1).log() + top;
    let log_student = log_softmax(group_scores.squeeze_dim::<2>(1), 1);
    let log_teacher = log_softmax(teacher.div_scalar(temperature), 1);
    let divergence = log_teacher.clone().exp() * (log_teacher - log_student);
    divergence.sum_dim(1).mean()
}

/// Refuses to resume a run whose checkpoint (`saved`) distilled otherwise
/// than the trainer now would (`now`), naming the difference.
pub(crate) fn check_resumed(
    checkpoint: &Path,
    saved: Option<&DistillationRecord>,
    now: Option<&DistillationRecord>,
) -> Result<()> {
    let reason = match (saved, now) {
        (None, None) => return Ok(()),
        (Some(saved), Some(now)) if saved == now => return Ok(()),
        (Some(_), None) => "the run distilled from a teacher: resume it with the same distillation".to_string(),
        (None, Some(_)) => "the run did not distil: resume it without distillation".to_string(),
        (Some(saved), Some(now)) => {
            let mut changed = Vec::new();
            if saved.settings.fold != now.settings.fold {
                changed.push("fold");
            }
            if saved.settings.weight.to_bits() != now.settings.weight.to_bits() {
                changed.push("weight");
            }
            if saved.settings.temperature.to_bits() != now.settings.temperature.to_bits() {
                changed.push("temperature");
            }
            if saved.teacher != now.teacher {
                changed.push("teacher (another old model or other training data)");
            }
            format!("the run distilled with another {}; resume with the run's", changed.join(", "))
        }
    };
    Err(TrainError::Checkpoint { path: checkpoint.to_path_buf(), reason })
}

#[cfg(test)]
mod tests {
    use burn::tensor::Device;

    use super::*;

    fn tensor(values: &[f32], rows: usize, device: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values.to_vec(), [rows, values.len() / rows]), device)
    }

    fn softmax(row: &[f64], temperature: f64) -> Vec<f64> {
        let exp: Vec<f64> = row.iter().map(|v| (v / temperature).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.iter().map(|e| e / sum).collect()
    }

    fn kl(teacher: &[f64], student: &[f64]) -> f64 {
        teacher.iter().zip(student).map(|(p, q)| p * (p / q).ln()).sum()
    }

    #[test]
    fn the_divergence_is_zero_when_student_and_teacher_agree() {
        let device = Device::flex();
        let logits = [0.5f32, -1.0, 2.0, 3.0, 0.0, 0.1];
        let value = folded_kl(tensor(&logits, 2, &device), tensor(&logits, 2, &device), &[0, 1, 2], 2.0);
        assert!(value.into_scalar::<f32>().abs() < 1e-6);
    }

    #[test]
    fn the_divergence_is_positive_when_they_differ() {
        let device = Device::flex();
        let student = tensor(&[0.5, -1.0, 2.0], 1, &device);
        let teacher = tensor(&[2.0, 0.0, -1.0], 1, &device);
        let value = folded_kl(student, teacher, &[0, 1, 2], 1.0).into_scalar::<f32>();
        let expected = kl(&softmax(&[2.0, 0.0, -1.0], 1.0), &softmax(&[0.5, -1.0, 2.0], 1.0));
        assert!(value > 0.1 && (f64::from(value) - expected).abs() < 1e-5, "{value} vs {expected}");
    }

    /// Three new labels, two old ones: new 0 is old 0, new 1 and 2 both
    /// descend from old 1, so the student's old-1 probability is theirs
    /// summed; at T = 2, over two positions.
    #[test]
    fn folding_sums_the_children_probabilities() {
        let device = Device::flex();
        let student = [[1.0, 0.5, -0.5], [-2.0, 3.0, 1.0]];
        let teacher = [[0.3, -0.7], [1.5, 0.2]];
        let temperature = 2.0;
        let expected = student
            .iter()
            .zip(&teacher)
            .map(|(s, t)| {
                let p = softmax(s, temperature);
                kl(&softmax(t, temperature), &[p[0], p[1] + p[2]])
            })
            .sum::<f64>()
            / 2.0;
        let flat = |rows: &[[f64; 3]]| rows.iter().flatten().map(|&v| v as f32).collect::<Vec<_>>();
        let teacher_flat: Vec<f32> = teacher.iter().flatten().map(|&v| v as f32).collect();
        let value = folded_kl(tensor(&flat(&student), 2, &device), tensor(&teacher_flat, 2, &device), &[0, 1, 1], 2.0)
            .into_scalar::<f32>();
        assert!((f64::from(value) - expected).abs() < 1e-6, "{value} vs {expected}");
        assert!(expected > 0.01, "the case is not trivial: {expected}");
    }

    /// A group the student all but rules out (probability ~e^-200) still
    /// gives a finite divergence, where summing probabilities would not.
    #[test]
    fn a_ruled_out_group_stays_finite() {
        let device = Device::flex();
        let student = tensor(&[200.0, -200.0, -210.0], 1, &device);
        let teacher = tensor(&[0.0, 0.0], 1, &device);
        let value = folded_kl(student, teacher, &[0, 1, 1], 1.0).into_scalar::<f32>();
        // Half the teacher's mass on a group of log-probability about -400.
        assert!(value.is_finite() && (value - 200.0).abs() < 1.0, "{value}");
    }

    #[test]
    fn bad_settings_are_named() {
        let good = Distillation { fold: vec![0, 1, 1], weight: 1.0, temperature: 2.0 };
        assert!(good.check(3, 2).is_ok());
        let cases = [
            (Distillation { fold: vec![0, 1], ..good.clone() }, "fold = 2 entries"),
            (Distillation { fold: vec![0, 2, 1], ..good.clone() }, "fold[1] = 2: the teacher has 2 labels"),
            (Distillation { weight: -1.0, ..good.clone() }, "weight = -1"),
            (Distillation { weight: f64::NAN, ..good.clone() }, "weight = NaN"),
            (Distillation { temperature: 0.0, ..good.clone() }, "temperature = 0"),
            (Distillation { temperature: f64::INFINITY, ..good.clone() }, "temperature = inf"),
        ];
        for (settings, expected) in cases {
            let error = settings.check(3, 2).unwrap_err();
            assert!(matches!(error, TrainError::Distillation { .. }));
            let message = error.to_string();
            assert!(message.starts_with("invalid distillation setting: ") && message.contains(expected), "{message}");
        }
    }
}
