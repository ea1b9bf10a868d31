//! The training loop: steps over bucketed batches, a dev evaluation at
//! epoch ends, early stopping on dev F1 keeping the best weights, and
//! checkpoints from which [`Trainer::resume`] continues bit for bit.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use retag_data::align::WindowId;
use retag_data::metrics::Report;
use retag_model::TaggerModel;

use crate::buckets::Buckets;
use crate::checkpoint::{CHECKPOINT, Checkpoint, FORMAT_VERSION, Header, StopReason, TrainState};
use crate::clip::clip_global_norm;
use crate::config::TrainConfig;
use crate::distill::{Distillation, DistillationRecord, Distiller, check_resumed};
use crate::early_stopping::{Verdict, observe};
use crate::epoch_data::{EpochData, EpochInputs};
use crate::error::{Result, TrainError};
use crate::eval_log::{EvalLog, EvalRecord};
use crate::evaluate::evaluate;
use crate::fingerprint::{SavedData, check_resumed as check_resumed_data, fingerprint_with};
use crate::inputs::Inputs;
use crate::lock::RunLock;
use crate::optimizer::{ParamPaths, adamw, learning_rates};
use crate::progress::{Progress, ProgressMode, StepFigures};
use crate::schedule::LinearSchedule;
use crate::teacher::TeacherCache;

/// A model being trained, with everything that moves while it trains.
///
/// One loop for every strategy: the model is an encoder (or none) with a
/// tagger on top, the inputs are windows the encoder reads or its cached
/// outputs, and the config's stages say which parameter groups train at
/// which rate in each epoch. A continual-learning recipe adds a
/// distillation term from the old model ([`Trainer::with_distillation`]).
///
/// Determinism: the data order is a function of the seed and the epoch, and
/// the dropout masks of the seed and the step (the device's generator is
/// re-seeded before each step). burn's generator is one per backend and
/// process, so a run is reproducible as long as nothing else in the process
/// draws from it while the run trains (tests that train in parallel threads
/// must take turns). Parameters that a freshly `init`-ed model has not
/// materialised yet are drawn on the first step, from that step's seed.
///
/// One trainer per run folder: it holds the folder's [`RunLock`] from
/// construction until its run is over (or it is dropped), so a second
/// trainer there, in this process or another, is refused.
///
/// Augmented training data ([`Trainer::with_epoch_data`]) changes from epoch
/// to epoch; the batches, the schedule and the checkpoints' fingerprint stay
/// those of the plain inputs, and the config's `augment` says how the data
/// was augmented, so a resume with other settings is refused like any other
/// config change.
pub struct Trainer {
    config: TrainConfig,
    /// On the autodiff device.
    model: TaggerModel,
    optimizer: ModuleOptimizer,
    paths: ParamPaths,
    schedule: LinearSchedule,
    buckets: Buckets,
    train: Inputs,
    dev: Inputs,
    device: Device,
    run_dir: PathBuf,
    state: TrainState,
    /// The weights of `state.best`, as a burnpack record.
    best_model: Option<Bytes>,
    log: EvalLog,
    progress: ProgressMode,
    /// The batches of one epoch, computed once per epoch.
    order: Option<(usize, Vec<Vec<WindowId>>)>,
    /// The epoch whose stage the model's trainable flags were last set for.
    staged_epoch: Option<usize>,
    /// The distillation term, when the run distils (see [`Trainer::with_distillation`]).
    distiller: Option<Distiller>,
    /// Each epoch's training inputs, when they change from epoch to epoch
    /// (augmentation, see [`Trainer::with_epoch_data`]).
    epoch_data: Option<Box<dyn EpochData>>,
    /// The current epoch's inputs from `epoch_data`, with their epoch.
    epoch_train: Option<(usize, Inputs)>,
    /// A resumed run's checkpoint and the distillation it records, checked
    /// against this session's before the first step.
    resumed_distillation: Option<(PathBuf, Option<DistillationRecord>)>,
    /// The run folder's lock; released once the run is over.
    lock: Option<RunLock>,
    /// The training inputs' fingerprint, for checkpoints.
    train_fingerprint: u64,
    /// What setting up found worth telling (a lock taken over from a killed
    /// run, a checkpoint too old to check the data), shown when training starts.
    notes: Vec<String>,
    notes_shown: bool,
}

impl Trainer {
    /// A new run in `run_dir` (created if needed; it must not hold a
    /// checkpoint already: resume it or pick another folder; no other
    /// trainer may be running in it, see [`crate::lock`]).
    ///
    /// `model` is the starting point on an autodiff `device` (its head's
    /// labels are the tagset the data was aligned with); `train` and `dev`
    /// are read the way the model reads them (windows need an encoder). The
    /// config is validated here, so that every config error shows before
    /// the first step.
    pub fn new(
        model: TaggerModel,
        train: Inputs,
        dev: Inputs,
        config: TrainConfig,
        run_dir: &Path,
        device: &Device,
    ) -> Result<Self> {
        std::fs::create_dir_all(run_dir).map_err(TrainError::io(run_dir))?;
        // The lock first: a live run's checkpoint is not an interrupted run's.
        let lock = RunLock::acquire(run_dir)?;
        let checkpoint = run_dir.join(CHECKPOINT);
        if checkpoint.exists() {
            return Err(TrainError::Checkpoint {
                path: checkpoint,
                reason: "this run directory already holds a run: resume it, or train into another directory".into(),
            });
        }
        let paths = ParamPaths::of(&model);
        let optimizer = adamw(&config, &paths);
        let start = TrainState::start();
        Self::assemble(model, optimizer, train, dev, config, run_dir, device, start, None, lock, None)
    }

    /// Continues the run in `run_dir` from its checkpoint. `model` only
    /// gives the architecture (load the same starting checkpoint as the
    /// first session); its weights are replaced. The config must be the
    /// run's, but for `log_every_steps` and `checkpoint_every_steps`, and the
    /// training data the same (its [`crate::fingerprint`]). Refused while
    /// another trainer runs in `run_dir`.
    pub fn resume(
        model: TaggerModel,
        train: Inputs,
        dev: Inputs,
        config: TrainConfig,
        run_dir: &Path,
        device: &Device,
    ) -> Result<Self> {
        // The lock first: the checkpoint of a live run may be replaced as it is read.
        let lock = RunLock::acquire(run_dir)?;
        let path = run_dir.join(CHECKPOINT);
        let checkpoint = Checkpoint::read(&path)?;
        let bad = |reason: String| TrainError::Checkpoint { path: path.clone(), reason };
        let changed = config.changes_from(&checkpoint.header.config);
        if !changed.is_empty() {
            return Err(bad(format!(
                "the run was trained with other values of {}; resume with the run's config",
                changed.join(", ")
            )));
        }
        let record =
            ModuleRecord::from_bytes(checkpoint.model).map_err(|error| bad(format!("model weights: {error}")))?;
        let model = model
            .try_load_record(record)
            .map_err(|error| bad(format!("model weights do not fit this model: {error}")))?;
        let paths = ParamPaths::of(&model);
        let optimizer = adamw(&config, &paths)
            .from_bytes(checkpoint.optimizer)
            .map_err(|error| bad(format!("optimizer state: {error}")))?;
        let header = checkpoint.header;
        tracing::info!(
            checkpoint = %path.display(),
            step = header.state.step,
            epoch = header.state.epoch,
            "resuming the run from its checkpoint"
        );
        let resumed = Resumed {
            checkpoint: path.clone(),
            data: SavedData { windows: header.train_windows, fingerprint: header.train_fingerprint },
            distillation: header.distillation,
        };
        Self::assemble(
            model,
            optimizer,
            train,
            dev,
            config,
            run_dir,
            device,
            header.state,
            checkpoint.best_model,
            lock,
            Some(resumed),
        )
    }

    #[allow(clippy::too_many_arguments)] // the private common half of `new` and `resume`
    fn assemble(
        model: TaggerModel,
        optimizer: ModuleOptimizer,
        train: Inputs,
        dev: Inputs,
        config: TrainConfig,
        run_dir: &Path,
        device: &Device,
        state: TrainState,
        best_model: Option<Bytes>,
        lock: RunLock,
        resumed: Option<Resumed>,
    ) -> Result<Self> {
        config.validate()?;
        if !device.is_autodiff() {
            return Err(TrainError::Mismatch { reason: "training needs an autodiff device (Device::autodiff)".into() });
        }
        if model.devices().iter().any(|on| !on.is_autodiff()) {
            return Err(TrainError::Mismatch {
                reason: "the model is not on an autodiff device; load it on the training device".into(),
            });
        }
        let reads_windows = matches!(train, Inputs::Windows(_)) || matches!(dev, Inputs::Windows(_));
        if reads_windows && model.encoder().is_none() {
            return Err(TrainError::Mismatch {
                reason: "windows of subwords need a model with an encoder; a head alone trains on cached outputs"
                    .into(),
            });
        }
        let buckets = Buckets::new(train.units(), config.batch_size, config.bucket_batches, config.seed);
        let resumed_distillation = resumed.as_ref().map(|r| (r.checkpoint.clone(), r.distillation.clone()));
        let train_fingerprint = fingerprint_with(&train, model.input_features());
        let mut notes: Vec<String> = lock.note().map(String::from).into_iter().collect();
        if let Some(resumed) = resumed {
            let windows = buckets.window_count();
            notes.extend(check_resumed_data(&resumed.checkpoint, resumed.data, &train, windows, train_fingerprint)?);
        }
        let schedule = LinearSchedule::new(config.epochs * buckets.batches_per_epoch(), config.warmup_ratio);
        let log = EvalLog::open(run_dir, state.evaluations_logged)?;
        Ok(Self {
            paths: ParamPaths::of(&model),
            config,
            model,
            optimizer,
            schedule,
            buckets,
            train,
            dev,
            device: device.clone(),
            run_dir: run_dir.to_path_buf(),
            state,
            best_model,
            log,
            progress: ProgressMode::default(),
            order: None,
            staged_epoch: None,
            distiller: None,
            epoch_data: None,
            epoch_train: None,
            resumed_distillation,
            lock: Some(lock),
            train_fingerprint,
            notes,
            notes_shown: false,
        })
    }

    /// How progress is shown (default: a bar on a terminal, lines otherwise).
    pub fn with_progress(mut self, mode: ProgressMode) -> Self {
        self.progress = mode;
        self
    }

    /// Adds to every step's loss the distillation term of [`crate::distill`]:
    /// `teacher` holds the old model's scores on this run's training inputs
    /// (computed once with [`TeacherCache::compute`]; a resumed run computes
    /// it again, the same), `distillation` the fold and the term's weight and
    /// temperature. Refused when the cache was computed on other inputs, when
    /// the settings do not fit the model's labels and the teacher's, and when
    /// a resumed run distilled otherwise.
    pub fn with_distillation(mut self, teacher: TeacherCache, distillation: Distillation) -> Result<Self> {
        teacher.fits(&self.train)?;
        let distiller = Distiller::new(teacher, distillation, self.model.tagset().len())?;
        if let Some((checkpoint, saved)) = &self.resumed_distillation {
            check_resumed(checkpoint, saved.as_ref(), Some(&distiller.record()))?;
        }
        self.distiller = Some(distiller);
        Ok(self)
    }

    /// Trains each epoch on the inputs `data` gives for it instead of the
    /// plain training inputs: sentences augmented anew each epoch, as the
    /// config's `augment` says (see [`crate::augmentation`] and
    /// [`crate::epoch_data`], whose rules the epochs' inputs must follow).
    /// Refused without `augment` in the config, which is what a checkpoint
    /// records of the data, and for cached encoder outputs, which are
    /// computed once and cannot follow data that changes.
    pub fn with_epoch_data(mut self, data: Box<dyn EpochData>) -> Result<Self> {
        if self.config.augment.is_none() {
            return Err(TrainError::Mismatch {
                reason: "training data that changes every epoch needs `augment` in the config, which checkpoints \
                         record to refuse a resume on other data"
                    .into(),
            });
        }
        if matches!(self.train, Inputs::Cached(_)) {
            return Err(TrainError::Mismatch {
                reason: "augmented sentences change every epoch, but cached encoder outputs (the frozen strategy) \
                         are computed once, before training: augment a run that reads windows"
                    .into(),
            });
        }
        self.epoch_data = Some(data);
        self.epoch_train = None;
        Ok(self)
    }

    /// Trains until all epochs ran or early stopping ends the run.
    pub fn train(&mut self) -> Result<&TrainState> {
        self.run(None)
    }

    /// Trains until `step` optimizer steps are done (or the run ends), then
    /// returns without writing a checkpoint, as if the process had been
    /// killed: what happened since the last checkpoint is lost to a resume.
    pub fn train_until_step(&mut self, step: usize) -> Result<&TrainState> {
        self.run(Some(step))
    }

    fn run(&mut self, stop_at: Option<usize>) -> Result<&TrainState> {
        if let Some((checkpoint, saved)) = &self.resumed_distillation {
            check_resumed(checkpoint, saved.as_ref(), self.distiller.as_ref().map(Distiller::record).as_ref())?;
        }
        if let (Some(spec), None) = (&self.config.augment, &self.epoch_data) {
            return Err(TrainError::Mismatch {
                reason: format!(
                    "the config augments the training data (augment = {spec}) but the trainer was given no \
                     sentences to augment (Trainer::with_epoch_data)"
                ),
            });
        }
        let started = Instant::now();
        let elapsed_before = self.state.elapsed_secs;
        let mut progress =
            Progress::new(self.progress, self.schedule.total_steps(), self.state.step, self.config.log_every_steps);
        if !self.notes_shown {
            self.notes.iter().for_each(|note| progress.note(note));
            self.notes_shown = true;
        }
        while self.state.stopped.is_none() && stop_at.is_none_or(|limit| self.state.step < limit) {
            self.state.elapsed_secs = elapsed_before + started.elapsed().as_secs_f64();
            self.prepare_epoch()?;
            if let Some(batch) = self.next_batch() {
                let figures = self.step(&batch)?;
                progress.step(figures);
                let epoch_goes_on = self.state.batch_in_epoch < self.buckets.batches_per_epoch();
                if epoch_goes_on
                    && let Some(every) = self.config.checkpoint_every_steps
                    && self.state.step.is_multiple_of(every)
                {
                    self.checkpoint()?;
                }
            } else {
                self.end_epoch(&progress)?;
                self.checkpoint()?;
            }
        }
        progress.finish();
        if self.state.stopped.is_some() {
            // The run is over and writes nothing more: the folder is free
            // for another trainer (which finds it finished).
            self.lock = None;
        }
        Ok(&self.state)
    }

    /// The windows of the current epoch's next batch; `None` at the end of
    /// the epoch. The epoch's order is computed once and kept.
    fn next_batch(&mut self) -> Option<Vec<WindowId>> {
        let epoch = self.state.epoch;
        if self.order.as_ref().is_none_or(|(cached, _)| *cached != epoch) {
            self.order = Some((epoch, self.buckets.epoch(epoch)));
        }
        let (_, batches) = self.order.as_ref()?;
        batches.get(self.state.batch_in_epoch).cloned()
    }

    /// Fetches the current epoch's inputs from the epoch-data hook, once per
    /// epoch (a resumed run fetches the epoch it stopped in), and checks
    /// that they are made of the plain inputs' units and come with the
    /// teacher's scores exactly when the run distils.
    fn prepare_epoch(&mut self) -> Result<()> {
        let epoch = self.state.epoch;
        let Some(data) = self.epoch_data.as_mut() else {
            return Ok(());
        };
        if self.epoch_train.as_ref().is_some_and(|(cached, _)| *cached == epoch) {
            return Ok(());
        }
        // The previous epoch's inputs go before the next ones are built.
        self.epoch_train = None;
        let EpochInputs { train, teacher } =
            data.epoch(epoch).map_err(|source| TrainError::EpochData { epoch: epoch + 1, source })?;
        let ids = |inputs: &Inputs| -> Vec<WindowId> { inputs.units().into_iter().map(|(id, _)| id).collect() };
        if ids(&train) != ids(&self.train) {
            return Err(TrainError::Mismatch {
                reason: format!(
                    "epoch {}'s training inputs have {} units, not the {} windows of the run's inputs, one for one",
                    epoch + 1,
                    train.units().len(),
                    self.buckets.window_count()
                ),
            });
        }
        match (&mut self.distiller, teacher) {
            (Some(distiller), Some(teacher)) => {
                teacher.fits(&train)?;
                distiller.set_epoch_teacher(teacher)?;
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(TrainError::Mismatch {
                    reason: format!(
                        "the run distils, but epoch {}'s training inputs come without the teacher's scores on them",
                        epoch + 1
                    ),
                });
            }
            (None, Some(_)) => {
                return Err(TrainError::Mismatch {
                    reason: format!(
                        "epoch {}'s training inputs come with a teacher's scores, but the run does not distil",
                        epoch + 1
                    ),
                });
            }
        }
        self.epoch_train = Some((epoch, train));
        Ok(())
    }

    /// Sets which parameters train for the current epoch's stage; a no-op
    /// without stages, and once per epoch with them.
    fn enter_stage(&mut self) {
        let epoch = self.state.epoch;
        if self.config.stages.is_empty() || self.staged_epoch == Some(epoch) {
            return;
        }
        self.model = crate::stages::enter(self.model.clone(), &self.paths, &self.config, epoch);
        self.staged_epoch = Some(epoch);
    }

    /// One optimizer step on the units (windows, or cached sentences) `ids`.
    fn step(&mut self, ids: &[WindowId]) -> Result<StepFigures> {
        self.enter_stage();
        // Dropout draws from the device's generator; seeding it per step makes
        // the masks a function of (seed, step), which a resumed run replays.
        self.device.seed(step_seed(self.config.seed, self.state.step));
        let train = self.epoch_train.as_ref().map_or(&self.train, |(_, inputs)| inputs);
        let batch = train.batch(ids, &self.model, &self.device)?;
        let (loss, distill) = match &self.distiller {
            None => (self.model.loss(batch.hidden, &batch.labels)?, None),
            Some(distiller) => {
                // One head pass, one dropout mask, for both terms.
                let emissions = self.model.emissions(batch.hidden)?;
                let term = distiller.loss(emissions.clone(), &batch.labels, ids)?;
                (self.model.loss_of_emissions(emissions, &batch.labels)? + term.clone(), Some(term))
            }
        };
        let loss_value = loss.clone().into_scalar::<f32>();
        tracing::trace!(step = self.state.step + 1, loss = loss_value, "step");
        if !loss_value.is_finite() {
            return Err(TrainError::Diverged { step: self.state.step + 1, loss: loss_value });
        }
        let mut grads = GradientsParams::from_grads(loss.backward(), &self.model);
        clip_global_norm(&self.model, &mut grads, self.config.max_grad_norm);
        let factor = self.schedule.factor(self.state.step);
        let rates = learning_rates(&self.config, &self.paths, factor, self.state.epoch);
        self.model = self.optimizer.step(rates, self.model.clone(), grads);

        self.state.step += 1;
        self.state.batch_in_epoch += 1;
        self.state.loss_sum += f64::from(loss_value);
        self.state.loss_count += 1;
        if let Some(term) = distill {
            self.state.distill_loss_sum += f64::from(term.into_scalar::<f32>());
        }
        Ok(StepFigures {
            step: self.state.step,
            epoch: self.state.epoch + 1,
            loss: f64::from(loss_value),
            learning_rate: self.config.learning_rate * factor,
            tokens: batch.tokens,
        })
    }

    /// Evaluates if this epoch is due, decides on early stopping, and moves
    /// to the next epoch.
    fn end_epoch(&mut self, progress: &Progress) -> Result<()> {
        let finished = self.state.epoch + 1;
        if finished.is_multiple_of(self.config.eval_every_epochs) || finished == self.config.epochs {
            let report = self.evaluate()?;
            self.track(finished, &report, progress)?;
        }
        self.state.epoch += 1;
        self.state.batch_in_epoch = 0;
        if self.state.stopped.is_none() && self.state.epoch >= self.config.epochs {
            self.state.stopped = Some(StopReason::Completed);
        }
        Ok(())
    }

    /// Scores the current weights on dev, without autodiff and dropout.
    pub fn evaluate(&self) -> Result<Report> {
        self.score(&self.model.valid())
    }

    /// Scores `model`, a validation snapshot on the plain device (as
    /// [`Trainer::best_model`] gives), on this run's dev split.
    pub fn score(&self, model: &TaggerModel) -> Result<Report> {
        let plain = self.device.clone().inner();
        evaluate(model, &self.dev, self.config.eval_batch_size, &plain)
    }

    /// Logs an evaluation, keeps the weights if they are the best, and stops
    /// the run once `patience` evaluations brought nothing better.
    fn track(&mut self, epoch: usize, report: &Report, progress: &Progress) -> Result<()> {
        let f1 = report.micro.f1;
        let Verdict { improved, stop } = observe(&mut self.state, &self.config, epoch, f1);
        if improved {
            self.best_model = Some(self.weights()?);
        }
        if stop {
            self.state.stopped = Some(StopReason::EarlyStopped);
            tracing::info!(
                epoch,
                best_epoch = self.state.best.as_ref().map(|best| best.epoch),
                "no better dev F1 for the patience's evaluations: stopping early"
            );
        }
        let steps = self.state.loss_count.max(1) as f64;
        let train_loss = self.state.loss_sum / steps;
        let distill_loss = self.distiller.is_some().then(|| self.state.distill_loss_sum / steps);
        self.state.loss_sum = 0.0;
        self.state.loss_count = 0;
        self.state.distill_loss_sum = 0.0;
        let mut record = EvalRecord::new(epoch, self.state.step, train_loss, report, improved, self.state.elapsed_secs);
        record.train_distill_loss = distill_loss;
        self.log.append(&record)?;
        self.state.evaluations_logged += 1;
        progress.note(&format!(
            "epoch {epoch} step {}: train loss {train_loss:.4}{}, dev P {:.4} R {:.4} F1 {:.4}{}",
            self.state.step,
            distill_loss.map(|term| format!(" (distillation {term:.4})")).unwrap_or_default(),
            report.micro.precision,
            report.micro.recall,
            f1,
            if improved { " (best)" } else { "" }
        ));
        Ok(())
    }

    /// Writes the checkpoint of the current state (atomically).
    pub fn checkpoint(&self) -> Result<PathBuf> {
        let path = self.run_dir.join(CHECKPOINT);
        let optimizer = self.optimizer.into_bytes().map_err(|error| TrainError::Checkpoint {
            path: path.clone(),
            reason: format!("cannot serialize the optimizer state: {error}"),
        })?;
        Checkpoint {
            header: Header {
                format_version: FORMAT_VERSION,
                config: self.config.clone(),
                train_windows: self.buckets.window_count(),
                train_fingerprint: Some(self.train_fingerprint),
                state: self.state.clone(),
                distillation: self.distiller.as_ref().map(Distiller::record),
            },
            model: self.weights()?,
            optimizer,
            best_model: self.best_model.clone(),
        }
        .write(&self.run_dir)
        .inspect(|path| tracing::info!(step = self.state.step, path = %path.display(), "checkpoint written"))
    }

    fn weights(&self) -> Result<Bytes> {
        self.model.clone().into_record().into_bytes().map_err(|error| TrainError::Checkpoint {
            path: self.run_dir.join(CHECKPOINT),
            reason: format!("cannot serialize the model weights: {error}"),
        })
    }

    pub fn state(&self) -> &TrainState {
        &self.state
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Optimizer steps of a run that goes all epochs.
    pub fn total_steps(&self) -> usize {
        self.schedule.total_steps()
    }

    /// The model as it is now, on the autodiff device.
    pub fn model(&self) -> &TaggerModel {
        &self.model
    }

    /// The best weights so far (the current ones before any evaluation), in
    /// validation mode on the plain device: ready to predict or export.
    pub fn best_model(&self) -> Result<TaggerModel> {
        let current = self.model.valid();
        let Some(best) = &self.best_model else {
            return Ok(current);
        };
        let bad = |error: burn::store::RecordError| TrainError::Checkpoint {
            path: self.run_dir.join(CHECKPOINT),
            reason: format!("best weights: {error}"),
        };
        let record = ModuleRecord::from_bytes(best.clone()).map_err(bad)?;
        current.try_load_record(record).map_err(bad)
    }

    /// What setting up found worth telling: a lock taken over from a run
    /// that was killed, a checkpoint too old to check the data against.
    /// Shown when training starts, unless progress is off.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    pub fn eval_log_path(&self) -> &Path {
        self.log.path()
    }
}

/// What `resume` checks once the data is aligned, before the run's log is touched.
struct Resumed {
    checkpoint: PathBuf,
    data: SavedData,
    distillation: Option<DistillationRecord>,
}

/// A seed per step, mixed (SplitMix64's finaliser) so that neighbouring
/// steps and seeds give unrelated dropout masks.
fn step_seed(seed: u64, step: usize) -> u64 {
    let mut z = seed ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
