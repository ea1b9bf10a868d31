//! A CRF for a new tagset that starts from an old CRF's learned scores.
//!
//! A warm-started head's emission rows say "this token looks like an old
//! `ORG`"; the old CRF's scores say what follows an `ORG` and how readily
//! (`B-ORG -> I-ORG` high, `I-ORG -> B-LOC` low). A fresh CRF would have to
//! learn that again while the emissions already know their part, so each new
//! score starts from the old score between the labels its ends start from,
//! as the head's [`WarmStartReport`] says:
//!
//! - transition `i -> j` from old `source(i) -> source(j)`, the start and
//!   end scores of `j` from the old start and end of `source(j)`, when every
//!   label involved has a source (its row was copied or perturbed);
//! - the fresh value otherwise (the value [`Crf::new`] draws from the same
//!   seed): a label with no parent, or a move the old CRF's scheme forbade
//!   (that score was never trained: it is noise, not knowledge);
//! - the fresh value, too, for every move the new scheme forbids. Constraints
//!   are added when scoring ([`Crf::scores`]), so no copy can lift one; the
//!   parameter is left fresh as well, so that an old number meaningless under
//!   the new scheme is not exported as if it had been learned for it.
//!
//! Copies are exact, splits included: the children of `ORG` get the same
//! transitions, and their perturbed emission rows tell them apart.

use burn::tensor::Device;
use retag_data::{Scheme, Tagset};

use super::{Crf, Forbidden};
use crate::error::{HeadError, Result};
use crate::pytorch_linear::{check_shape, host_tensor_1d, host_tensor_2d, host_values};
use crate::warm_start::{RowOrigin, WarmStartReport};

/// Where a warm-started CRF's scores (transitions, starts and ends counted
/// together) came from: the CRF's line in a [`WarmStartReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CrfStart {
    /// Copied from the old CRF.
    pub copied: usize,
    /// As a fresh CRF draws them: a label with no old row, or a move the old
    /// CRF's scheme forbade.
    pub fresh: usize,
    /// Forbidden by the new scheme: fresh, and ruled out when scoring.
    pub forbidden: usize,
}

impl Crf {
    /// A CRF over `new_tagset` whose scores start from this one's (over
    /// `old_tagset`) where the labels map, as `rows` (the head's warm-start
    /// report over `new_tagset`) says: transition `i -> j` from the old
    /// `source(i) -> source(j)`, start and end from the source's, when the
    /// labels have sources and the old scheme allowed the move; the value
    /// [`Crf::new`] draws from `seed` everywhere else. With `scheme`, the
    /// moves it forbids are ruled out as [`Crf::constrain_transitions`] does
    /// and keep their fresh value: no copy lifts a constraint.
    pub fn warm_start(
        &self,
        old_tagset: &Tagset,
        new_tagset: &Tagset,
        rows: &WarmStartReport,
        scheme: Option<Scheme>,
        seed: u64,
    ) -> Result<(Self, CrfStart)> {
        check_shape("old tagset", &[self.num_labels()], &[old_tagset.len()])?;
        let sources = sources(old_tagset, new_tagset, rows)?;
        let device = self.transitions.val().device();
        let mut fresh = Crf::new(new_tagset.len(), seed, &device)?;
        if let Some(scheme) = scheme {
            fresh = fresh.constrain_transitions(new_tagset, scheme)?;
        }
        let old = HostScores::learned(self)?;
        let mut new = HostScores::learned(&fresh)?;
        let start = new.copy_from(&old, self.forbidden(), fresh.forbidden(), &sources);
        let mut crf = new.into_crf(&device)?;
        crf.forbidden = fresh.forbidden;
        Ok((crf, start))
    }
}

/// The old row each new label started from, by the report.
fn sources(old: &Tagset, new: &Tagset, rows: &WarmStartReport) -> Result<Vec<Option<usize>>> {
    let reported: Vec<&str> = rows.labels.iter().map(|start| start.label.as_str()).collect();
    if reported != new.labels() {
        return Err(HeadError::ReportMismatch {
            reason: format!("it lists {}, the new tagset has {}", reported.join(", "), new.labels().join(", ")),
        });
    }
    rows.labels
        .iter()
        .map(|start| match &start.origin {
            RowOrigin::Copied { from } | RowOrigin::Perturbed { from } => {
                old.labels().iter().position(|label| label == from).map(Some).ok_or_else(|| HeadError::ReportMismatch {
                    reason: format!(
                        "{} starts from old label {from:?}, which the old tagset ({}) does not have",
                        start.label,
                        old.labels().join(", ")
                    ),
                })
            }
            RowOrigin::Random => Ok(None),
        })
        .collect()
}

/// A CRF's learned scores on the host, row-major.
struct HostScores {
    labels: usize,
    transitions: Vec<f32>,
    start: Vec<f32>,
    end: Vec<f32>,
}

impl HostScores {
    fn learned(crf: &Crf) -> Result<Self> {
        let (transitions, start, end) = crf.learned_scores();
        Ok(Self {
            labels: crf.num_labels(),
            transitions: host_values("crf.transitions", &transitions)?,
            start: host_values("crf.start_transitions", &start)?,
            end: host_values("crf.end_transitions", &end)?,
        })
    }

    /// Overwrites these (fresh) scores with `old`'s wherever both ends map
    /// and both schemes allow the move, and counts what happened.
    fn copy_from(
        &mut self,
        old: &HostScores,
        old_rules: Option<&Forbidden>,
        new_rules: Option<&Forbidden>,
        sources: &[Option<usize>],
    ) -> CrfStart {
        let mut counts = CrfStart::default();
        let mut take = |score: &mut f32, old_score: Option<f32>, allowed: bool| match old_score {
            _ if !allowed => counts.forbidden += 1,
            Some(value) => {
                *score = value;
                counts.copied += 1;
            }
            None => counts.fresh += 1,
        };
        let (n, old_n) = (self.labels, old.labels);
        for (to, &source) in sources.iter().enumerate() {
            let old_start = source.filter(|&s| old_rules.is_none_or(|r| r.start_allowed(s))).map(|s| old.start[s]);
            take(&mut self.start[to], old_start, new_rules.is_none_or(|r| r.start_allowed(to)));
            let old_end = source.filter(|&s| old_rules.is_none_or(|r| r.end_allowed(s))).map(|s| old.end[s]);
            take(&mut self.end[to], old_end, new_rules.is_none_or(|r| r.end_allowed(to)));
        }
        for (from, &from_source) in sources.iter().enumerate() {
            for (to, &to_source) in sources.iter().enumerate() {
                let old_score = from_source
                    .zip(to_source)
                    .filter(|&(f, t)| old_rules.is_none_or(|r| r.transition_allowed(f, t)))
                    .map(|(f, t)| old.transitions[f * old_n + t]);
                let allowed = new_rules.is_none_or(|r| r.transition_allowed(from, to));
                take(&mut self.transitions[from * n + to], old_score, allowed);
            }
        }
        counts
    }

    fn into_crf(self, device: &Device) -> Result<Crf> {
        Crf::from_scores(
            host_tensor_2d(self.transitions, [self.labels, self.labels], device),
            host_tensor_1d(self.start, device),
            host_tensor_1d(self.end, device),
        )
    }
}

#[cfg(test)]
mod tests;
