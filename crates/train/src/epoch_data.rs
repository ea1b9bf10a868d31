//! The loop's hook for training data that changes from epoch to epoch:
//! sentences augmented anew each epoch ([`crate::augmentation`]), which a
//! recipe may then pseudo-label (extend's rehearsal) and score with a
//! teacher (distillation) before the loop reads them.
//!
//! The loop keeps everything else of the run's plain inputs: their units
//! (windows) and lengths make the batches, the number of steps and the
//! learning-rate schedule, and their fingerprint goes into checkpoints. An
//! epoch's inputs must therefore have exactly the plain inputs' units, in
//! the same order (the lengths may differ): [`crate::augmentation`] keeps a
//! sentence as written in the rare epoch where its augmented copy would need
//! another number of windows. A resumed run asks for the epoch it stopped in
//! and gets the same inputs, as long as the hook is a function of the epoch.

use crate::inputs::Inputs;
use crate::teacher::TeacherCache;

/// An error of a hook, whatever crate it comes from (the loop reports it as
/// [`crate::TrainError::EpochData`], naming the epoch).
pub type EpochDataError = Box<dyn std::error::Error + Send + Sync>;

/// One epoch's training inputs, and what depends on them.
pub struct EpochInputs {
    pub train: Inputs,
    /// The teacher's scores on `train`: required when the run distils (the
    /// plain inputs' scores would belong to other words), refused otherwise.
    pub teacher: Option<TeacherCache>,
}

/// What gives the loop each epoch's training inputs (see the module doc).
/// `Send`, as the trainer that holds it is.
pub trait EpochData: Send {
    /// The inputs of `epoch` (0-based); the same every time it is asked.
    fn epoch(&mut self, epoch: usize) -> Result<EpochInputs, EpochDataError>;
}
