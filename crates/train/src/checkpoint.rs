//! Checkpoints: everything a run needs to continue exactly where it
//! stopped, in one file replaced atomically.
//!
//! One file rather than a folder because a rename replaces a file in one
//! step: the file is written through [`retag_data::atomic::AtomicFile`], as
//! `.checkpoint.bin.partial`, synced to disk, renamed over `checkpoint.bin`,
//! and the folder synced so the rename itself survives a power cut. A crash
//! at any point leaves the previous checkpoint or the new one, never a mix.
//!
//! Layout: the magic line `retag-checkpoint\n`, then four sections, each a
//! little-endian `u64` length and that many bytes: the JSON header (format
//! version, config, data size and fingerprint, [`TrainState`]), the model weights, the
//! optimizer state (both burnpack, as burn writes them) and the best weights
//! so far (empty until the first evaluation). Keeping the best weights
//! inside costs one more copy of the model per checkpoint and buys a
//! checkpoint that is complete on its own.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use burn::tensor::Bytes;
use retag_data::atomic::AtomicFile;
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::distill::DistillationRecord;
use crate::error::{Result, TrainError};

/// The file name of the checkpoint inside the run directory.
pub const CHECKPOINT: &str = "checkpoint.bin";
const MAGIC: &[u8] = b"retag-checkpoint\n";
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Where training stands, besides the tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimizer steps taken; also the position in the learning-rate schedule.
    pub step: usize,
    /// The current epoch, 0-based.
    pub epoch: usize,
    /// Batches of the current epoch already taken. With the seed and the
    /// epoch this is the data-order generator's whole state (see [`crate::buckets`]).
    pub batch_in_epoch: usize,
    /// The best dev evaluation so far.
    pub best: Option<Best>,
    /// Evaluations since the best one, for early stopping.
    pub evaluations_without_improvement: usize,
    /// Lines of `evaluations.jsonl` this state accounts for.
    pub evaluations_logged: usize,
    /// Sum and count of the training losses since the last evaluation.
    #[serde(with = "exact_float")]
    pub loss_sum: f64,
    pub loss_count: usize,
    /// Sum of the distillation terms (weighted, as added to the loss) over
    /// the same steps; 0 without distillation.
    #[serde(default, with = "exact_float")]
    pub distill_loss_sum: f64,
    /// Seconds spent training, over all sessions.
    #[serde(with = "exact_float")]
    pub elapsed_secs: f64,
    /// Set when the run is over; a resumed finished run does nothing.
    pub stopped: Option<StopReason>,
}

impl TrainState {
    pub fn start() -> Self {
        Self {
            step: 0,
            epoch: 0,
            batch_in_epoch: 0,
            best: None,
            evaluations_without_improvement: 0,
            evaluations_logged: 0,
            loss_sum: 0.0,
            loss_count: 0,
            distill_loss_sum: 0.0,
            elapsed_secs: 0.0,
            stopped: None,
        }
    }
}

/// The best evaluation and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Best {
    #[serde(with = "exact_float")]
    pub f1: f64,
    /// 1-based epoch after which it was measured.
    pub epoch: usize,
    pub step: usize,
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// All configured epochs ran.
    Completed,
    /// `patience` evaluations in a row brought no better dev F1.
    EarlyStopped,
}

/// The JSON section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format_version: u32,
    pub config: TrainConfig,
    /// Training windows when the run started: resuming on other data would
    /// silently change the data order, so it is refused.
    pub train_windows: usize,
    /// The training data's fingerprint (see [`crate::fingerprint`]): other
    /// data with as many windows is refused too. Missing in checkpoints
    /// written before it was kept; those resume with a note that the data
    /// was checked by its size alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_fingerprint: Option<u64>,
    pub state: TrainState,
    /// The run's distillation, if it distils: a resume must distil the same
    /// way from the same teacher (see [`crate::distill`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distillation: Option<DistillationRecord>,
}

/// A whole checkpoint in memory.
pub struct Checkpoint {
    pub header: Header,
    pub model: Bytes,
    pub optimizer: Bytes,
    pub best_model: Option<Bytes>,
}

impl Checkpoint {
    /// Writes `dir/checkpoint.bin` atomically (see the module doc).
    pub fn write(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join(CHECKPOINT);
        let header = serde_json::to_vec(&self.header)
            .expect("a header is numbers, strings and string-keyed maps (no path), which always serialize");
        let empty = Bytes::from_bytes_vec(Vec::new());
        let sections: [&[u8]; 4] = [&header, &self.model, &self.optimizer, self.best_model.as_ref().unwrap_or(&empty)];
        // Streamed rather than joined into one buffer: the sections already
        // hold the model's size several times over.
        let mut file = AtomicFile::create(&path)?;
        let mut write = || -> std::io::Result<()> {
            file.write_all(MAGIC)?;
            for section in sections {
                file.write_all(&(section.len() as u64).to_le_bytes())?;
                file.write_all(section)?;
            }
            Ok(())
        };
        write().map_err(TrainError::io(&path))?;
        file.commit()?;
        Ok(path)
    }

    /// Reads a checkpoint written by [`Checkpoint::write`].
    pub fn read(path: &Path) -> Result<Self> {
        let bad = |reason: String| TrainError::Checkpoint { path: path.to_path_buf(), reason };
        let mut file = File::open(path).map_err(TrainError::io(path))?;
        let mut magic = vec![0; MAGIC.len()];
        file.read_exact(&mut magic).map_err(|_| bad("too short to be a checkpoint".into()))?;
        if magic != MAGIC {
            return Err(bad("it does not start with \"retag-checkpoint\"".into()));
        }
        let file_len = file.metadata().map_err(TrainError::io(path))?.len();
        let mut sections = Vec::with_capacity(4);
        for name in ["header", "model", "optimizer", "best model"] {
            let mut len = [0; 8];
            file.read_exact(&mut len).map_err(|_| bad(format!("truncated before the {name} section")))?;
            let len = u64::from_le_bytes(len);
            if len > file_len {
                return Err(bad(format!("the {name} section claims {len} bytes, the file has {file_len}")));
            }
            let mut bytes = vec![0; len as usize];
            file.read_exact(&mut bytes).map_err(|_| bad(format!("truncated inside the {name} section")))?;
            sections.push(bytes);
        }
        let mut sections = sections.into_iter();
        let mut next = || sections.next().expect("the loop read four sections or returned; four are taken");
        let header: Header = serde_json::from_slice(&next()).map_err(|error| bad(format!("header: {error}")))?;
        if header.format_version != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {}, this retag reads version {FORMAT_VERSION}",
                header.format_version
            )));
        }
        let model = Bytes::from_bytes_vec(next());
        let optimizer = Bytes::from_bytes_vec(next());
        let best = next();
        Ok(Self { header, model, optimizer, best_model: (!best.is_empty()).then(|| Bytes::from_bytes_vec(best)) })
    }
}

/// An `f64` stored as the text of its shortest round-trip form and read
/// back with the standard library's correctly rounded parser: serde_json
/// (without its `float_roundtrip` feature) may read a 17-digit number one
/// bit off, and a resumed run must compare and sum exactly what it saved.
pub(crate) mod exact_float {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:?}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|_| serde::de::Error::custom(format!("{text:?} is not a number")))
    }
}
