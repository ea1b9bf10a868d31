//! What a training run does, as one plain struct that a TOML or JSON file
//! can hold. The defaults are those of the BERT fine-tuning recipes a NER
//! engineer knows (transformers' `run_ner.py` with `TrainingArguments`):
//! AdamW at 5e-5 with decay 0.01, 10% linear warm-up then linear decay to 0,
//! gradient norm clipped to 1.0.

use retag_data::augment::AugmentSpec;
use retag_data::features::FeatureSpec;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::stages::{self, GroupStage};

/// Fields that may change between a run and its resumption: they change
/// what is shown and how often it is saved, not what is computed.
pub const RESUMABLE_CHANGES: &[&str] = &["log_every_steps", "checkpoint_every_steps"];

/// A training run's settings. Unknown fields are refused, so that a typo in
/// a config file is an error rather than a silently ignored setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Peak learning rate of the encoder (and of the head, unless
    /// `head_learning_rate` is set). Default 5e-5.
    pub learning_rate: f64,
    /// Peak learning rate of the parameters outside the encoder (the
    /// classifier): a fresh head often wants 10-100x the encoder's. Follows
    /// the same warm-up and decay. Default: none, the head uses `learning_rate`.
    pub head_learning_rate: Option<f64>,
    /// Decoupled (AdamW) weight decay; biases and LayerNorm parameters get
    /// none, as in the BERT recipe. Default 0.01.
    pub weight_decay: f64,
    /// AdamW's beta1, beta2 and epsilon. Defaults 0.9, 0.999, 1e-8 (PyTorch's,
    /// not burn's 1e-5 epsilon).
    pub adam_beta1: f64,
    pub adam_beta2: f64,
    pub adam_epsilon: f64,
    /// Share of all optimizer steps over which the learning rate rises
    /// linearly from 0; it then falls linearly to 0 at the last step. Default 0.1.
    pub warmup_ratio: f64,
    /// The gradient of all parameters together is scaled down to this L2
    /// norm when longer (PyTorch's `clip_grad_norm_`). `None`: no clipping. Default 1.0.
    pub max_grad_norm: Option<f64>,
    /// Windows per training batch. Default 16.
    pub batch_size: usize,
    /// Windows per evaluation batch (no gradients, so it can be larger). Default 32.
    pub eval_batch_size: usize,
    /// Passes over the training data, at most. Default 3.
    pub epochs: usize,
    /// Stop after this many evaluations in a row without a better dev F1.
    /// `None`: run all epochs. Either way the best weights are kept. Default 3.
    pub patience: Option<usize>,
    /// How much the dev F1 must rise to count as better. Default 0.0.
    pub min_delta: f64,
    /// Seeds the data order and dropout. Default 42.
    pub seed: u64,
    /// Evaluate on dev every this many epochs (and always after the last). Default 1.
    pub eval_every_epochs: usize,
    /// Write a checkpoint every this many optimizer steps, besides the one
    /// at each epoch end. `None`: at epoch ends only. Default 500.
    pub checkpoint_every_steps: Option<usize>,
    /// A progress line every this many steps when stderr is not a terminal. Default 50.
    pub log_every_steps: usize,
    /// Subword tokens per window, `[CLS]` and `[SEP]` included. `None`: as
    /// many as both the tokenizer and the model's position table allow.
    pub max_len: Option<usize>,
    /// Subwords that consecutive windows of a long sentence share. `None`: a
    /// quarter of `max_len`.
    pub stride: Option<usize>,
    /// Batches per length bucket: each epoch the shuffled windows are cut
    /// into groups of `bucket_batches * batch_size`, each group is sorted by
    /// length and cut into batches, so that a batch holds windows of similar
    /// length (little padding) yet batches differ from epoch to epoch.
    /// Default 50 (transformers' `group_by_length` megabatches).
    pub bucket_batches: usize,
    /// Which parameter groups train, and how fast, from which epoch on (see
    /// [`crate::stages`]). Default: none, every group trains at the peak rate.
    pub stages: Vec<GroupStage>,
    /// How the training sentences are augmented anew each epoch, as
    /// `--augment` writes it (`"mr=0.3,lwtr=0.3,sis=0.1,case=0.1"`, see
    /// [`retag_data::augment`]), drawing from `seed`. Here, not beside the
    /// data, so that a checkpoint records it and a resume with other
    /// settings is refused as any other change is. Default: none.
    pub augment: Option<AugmentSpec>,
    /// The per-word input features the model reads, as `--input-features`
    /// writes them (`"shape,gazetteer:cities.txt"`, see
    /// [`retag_data::features`]). Here, not beside the model, so that a
    /// checkpoint records them and a resume with others is refused (the
    /// files' contents are checked with the data's fingerprint). Default: none.
    pub input_features: Option<FeatureSpec>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            learning_rate: 5e-5,
            head_learning_rate: None,
            weight_decay: 0.01,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            adam_epsilon: 1e-8,
            warmup_ratio: 0.1,
            max_grad_norm: Some(1.0),
            batch_size: 16,
            eval_batch_size: 32,
            epochs: 3,
            patience: Some(3),
            min_delta: 0.0,
            seed: 42,
            eval_every_epochs: 1,
            checkpoint_every_steps: Some(500),
            log_every_steps: 50,
            max_len: None,
            stride: None,
            bucket_batches: 50,
            stages: Vec::new(),
            augment: None,
            input_features: None,
        }
    }
}

impl TrainConfig {
    /// Checks every field on its own and against the others; the first
    /// offending field is named in the error. Training calls this first.
    pub fn validate(&self) -> Result<()> {
        positive_rate("learning_rate", self.learning_rate)?;
        if let Some(rate) = self.head_learning_rate {
            positive_rate("head_learning_rate", rate)?;
        }
        fraction("weight_decay", self.weight_decay, "a decay of 1 or more erases the weights")?;
        fraction("adam_beta1", self.adam_beta1, "a moment average needs 0 <= beta < 1")?;
        fraction("adam_beta2", self.adam_beta2, "a moment average needs 0 <= beta < 1")?;
        if !(self.adam_epsilon.is_finite() && self.adam_epsilon > 0.0) {
            return Err(TrainError::config("adam_epsilon", self.adam_epsilon, "must be a positive number"));
        }
        fraction("warmup_ratio", self.warmup_ratio, "the warm-up must leave steps to decay over")?;
        if let Some(norm) = self.max_grad_norm
            && !(norm.is_finite() && norm > 0.0)
        {
            return Err(TrainError::config(
                "max_grad_norm",
                norm,
                "must be a positive number; leave it out to disable clipping",
            ));
        }
        at_least_one("batch_size", self.batch_size)?;
        at_least_one("eval_batch_size", self.eval_batch_size)?;
        at_least_one("epochs", self.epochs)?;
        if let Some(patience) = self.patience {
            at_least_one("patience", patience)?;
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return Err(TrainError::config("min_delta", self.min_delta, "must be 0 or more"));
        }
        at_least_one("eval_every_epochs", self.eval_every_epochs)?;
        if let Some(every) = self.checkpoint_every_steps {
            at_least_one("checkpoint_every_steps", every)?;
        }
        at_least_one("log_every_steps", self.log_every_steps)?;
        at_least_one("bucket_batches", self.bucket_batches)?;
        if let Some(max_len) = self.max_len
            && max_len < 3
        {
            return Err(TrainError::config(
                "max_len",
                max_len,
                "a window needs room for [CLS], one subword and [SEP]; use at least 3",
            ));
        }
        if let (Some(stride), Some(max_len)) = (self.stride, self.max_len)
            && stride + 2 >= max_len
        {
            return Err(TrainError::config(
                "stride",
                stride,
                format!("must be below max_len - 2 = {} or windows would not advance", max_len - 2),
            ));
        }
        stages::validate(&self.stages)
    }
}

impl TrainConfig {
    /// A config file: TOML, or JSON when the name ends in `.json`. Unknown
    /// fields are refused and the error names the file; the values are
    /// checked by [`TrainConfig::validate`] when training starts.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(TrainError::io(path))?;
        Self::parse(&text, path)
    }

    /// Parses the text of a config file, as [`TrainConfig::from_file`] does
    /// once it has read it: `path` picks the format by its extension and
    /// names the file in errors. Public so that the fuzz target reaches the
    /// real parser without a file.
    pub fn parse(text: &str, path: &std::path::Path) -> Result<Self> {
        let is_json = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        let parsed = if is_json {
            serde_json::from_str(text).map_err(|error| error.to_string())
        } else {
            toml::from_str(text).map_err(|error| error.to_string())
        };
        parsed.map_err(|reason| TrainError::ConfigFile { path: path.to_path_buf(), reason })
    }

    /// The fields (by name) whose values differ from `before`, the config a
    /// run started with, but for [`RESUMABLE_CHANGES`]: a resumed run with
    /// any other change would not be the run it resumes.
    pub fn changes_from(&self, before: &TrainConfig) -> Vec<String> {
        let as_map = |config: &TrainConfig| {
            serde_json::to_value(config)
                .expect("a TrainConfig is numbers, strings and string-keyed maps (no path), which always serialize")
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        let (before, now) = (as_map(before), as_map(self));
        now.iter()
            .filter(|(field, value)| {
                !RESUMABLE_CHANGES.contains(&field.as_str()) && !before.get(*field).is_some_and(|old| same(old, value))
            })
            .map(|(field, _)| field.clone())
            .collect()
    }
}

/// Equal values; numbers up to the last bits a JSON round trip may change
/// (serde_json reads some 17-digit numbers one bit off).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_f64() || b.is_f64() => (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
        _ => a == b,
    }
}

fn positive_rate(field: &'static str, rate: f64) -> Result<()> {
    if !(rate.is_finite() && rate > 0.0) {
        return Err(TrainError::config(field, rate, "must be a positive number"));
    }
    if rate > 1.0 {
        return Err(TrainError::config(
            field,
            rate,
            "is above 1, which no fine-tuning survives; did you mean e.g. 5e-5?",
        ));
    }
    Ok(())
}

fn fraction(field: &'static str, value: f64, why: &str) -> Result<()> {
    if !(value.is_finite() && (0.0..1.0).contains(&value)) {
        return Err(TrainError::config(field, value, format!("must be in [0, 1): {why}")));
    }
    Ok(())
}

fn at_least_one(field: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(TrainError::config(field, value, "must be at least 1"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn config_files_are_read_as_toml_or_json_and_bad_ones_name_the_file() {
        let dir = tempfile::TempDir::new().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let toml = write(
            "run.toml",
            "epochs = 7\nhead_learning_rate = 1e-3\n[[stages]]\nfrom_epoch = 1\nfrozen = [\"embeddings\"]\n",
        );
        let config = TrainConfig::from_file(&toml).unwrap();
        assert_eq!((config.epochs, config.head_learning_rate), (7, Some(1e-3)));
        assert_eq!(config.stages[0].frozen, ["embeddings"]);
        let json = write("run.json", r#"{"epochs": 2, "seed": 5}"#);
        assert_eq!(TrainConfig::from_file(&json).unwrap().seed, 5);
        let typo = write("typo.toml", "epoch = 2\n");
        let error = TrainConfig::from_file(&typo).unwrap_err().to_string();
        assert!(error.contains("typo.toml: not a training config") && error.contains("epoch"), "{error}");
        let missing = TrainConfig::from_file(&dir.path().join("none.toml")).unwrap_err().to_string();
        assert!(missing.contains("none.toml"), "{missing}");
    }

    use super::*;

    /// Each case changes one field of the default config and names the
    /// field the error must mention (`None`: the config is valid).
    #[test]
    fn fields_are_checked() {
        type Edit = fn(&mut TrainConfig);
        let cases: &[(Edit, Option<&str>)] = &[
            (|_| {}, None),
            (|c| c.learning_rate = 0.0, Some("learning_rate")),
            (|c| c.learning_rate = f64::NAN, Some("learning_rate")),
            (|c| c.learning_rate = 5.0, Some("learning_rate")),
            (|c| c.head_learning_rate = Some(-1e-3), Some("head_learning_rate")),
            (|c| c.head_learning_rate = Some(1e-3), None),
            (|c| c.weight_decay = -0.1, Some("weight_decay")),
            (|c| c.weight_decay = 0.0, None),
            (|c| c.adam_beta1 = 1.0, Some("adam_beta1")),
            (|c| c.adam_beta2 = -0.5, Some("adam_beta2")),
            (|c| c.adam_epsilon = 0.0, Some("adam_epsilon")),
            (|c| c.warmup_ratio = 1.0, Some("warmup_ratio")),
            (|c| c.warmup_ratio = 0.0, None),
            (|c| c.max_grad_norm = Some(0.0), Some("max_grad_norm")),
            (|c| c.max_grad_norm = Some(f64::INFINITY), Some("max_grad_norm")),
            (|c| c.max_grad_norm = None, None),
            (|c| c.batch_size = 0, Some("batch_size")),
            (|c| c.eval_batch_size = 0, Some("eval_batch_size")),
            (|c| c.epochs = 0, Some("epochs")),
            (|c| c.patience = Some(0), Some("patience")),
            (|c| c.patience = None, None),
            (|c| c.min_delta = -0.01, Some("min_delta")),
            (|c| c.eval_every_epochs = 0, Some("eval_every_epochs")),
            (|c| c.checkpoint_every_steps = Some(0), Some("checkpoint_every_steps")),
            (|c| c.log_every_steps = 0, Some("log_every_steps")),
            (|c| c.bucket_batches = 0, Some("bucket_batches")),
            (|c| c.max_len = Some(2), Some("max_len")),
            (
                |c| {
                    c.max_len = Some(10);
                    c.stride = Some(8)
                },
                Some("stride"),
            ),
            (
                |c| {
                    c.max_len = Some(10);
                    c.stride = Some(7)
                },
                None,
            ),
        ];
        for (index, (edit, field)) in cases.iter().enumerate() {
            let mut config = TrainConfig::default();
            edit(&mut config);
            match (config.validate(), field) {
                (Ok(()), None) => {}
                (Err(error), Some(field)) => {
                    let message = error.to_string();
                    assert!(message.contains(&format!("{field} =")), "case {index}: {message}");
                }
                (result, field) => panic!("case {index}: expected an error on {field:?}, got {result:?}"),
            }
        }
    }

    #[test]
    fn resuming_allows_only_display_changes() {
        let base = TrainConfig::default();
        let cases: &[(TrainConfig, &[&str])] = &[
            (base.clone(), &[]),
            (TrainConfig { log_every_steps: 1, checkpoint_every_steps: None, ..base.clone() }, &[]),
            (TrainConfig { learning_rate: 1e-4, seed: 7, ..base.clone() }, &["learning_rate", "seed"]),
            (TrainConfig { patience: None, ..base.clone() }, &["patience"]),
            (TrainConfig { augment: Some("mr=0.3".parse().unwrap()), ..base.clone() }, &["augment"]),
            (TrainConfig { input_features: Some("shape".parse().unwrap()), ..base.clone() }, &["input_features"]),
        ];
        for (now, expected) in cases {
            assert_eq!(now.changes_from(&base), *expected);
        }
        // A value read back from JSON counts as the same.
        let read: TrainConfig = serde_json::from_str(&serde_json::to_string(&base).unwrap()).unwrap();
        assert!(read.changes_from(&base).is_empty());
    }

    /// (config file text, the augmentation read, or words its error must contain)
    #[test]
    fn augmentation_is_read_from_files_and_a_bad_spec_names_its_part() {
        let cases: &[(&str, Result<Option<&str>, &str>)] = &[
            (r#"{"epochs": 2}"#, Ok(None)),
            (r#"{"augment": null}"#, Ok(None)),
            (r#"{"augment": "case=0.1,mr=0.3"}"#, Ok(Some("mr=0.3,case=0.1"))),
            (r#"{"augment": "mr=2"}"#, Err("\"mr=2\": the rate 2 is outside [0, 1]")),
            (r#"{"augment": "mr=0.3,mx=0.1"}"#, Err("unknown operation \"mx\"")),
        ];
        // Input features: read and printed as the flag is written.
        let config =
            TrainConfig::parse(r#"{"input_features": "gazetteer:g.txt,shape"}"#, std::path::Path::new("run.json"))
                .expect("a valid spec");
        assert_eq!(config.input_features.map(|spec| spec.to_string()).as_deref(), Some("gazetteer:g.txt,shape"));
        let error = TrainConfig::parse(r#"{"input_features": "shape,pos"}"#, std::path::Path::new("run.json"));
        let message = error.unwrap_err().to_string();
        assert!(message.contains("run.json") && message.contains("unknown feature \"pos\""), "{message}");
        for (text, expected) in cases {
            let read = TrainConfig::parse(text, std::path::Path::new("run.json"));
            match (read, expected) {
                (Ok(config), Ok(spec)) => {
                    assert_eq!(config.augment.map(|a| a.to_string()).as_deref(), *spec, "{text}");
                }
                (Err(error), Err(words)) => {
                    let message = error.to_string();
                    assert!(message.contains("run.json") && message.contains(words), "{text}: {message}");
                }
                (read, _) => panic!("{text}: {read:?}"),
            }
        }
    }

    #[test]
    fn files_name_only_known_fields() {
        let config: TrainConfig = serde_json::from_str(r#"{"learning_rate": 3e-5, "epochs": 10}"#).unwrap();
        assert_eq!(config.learning_rate, 3e-5);
        assert_eq!(config.epochs, 10);
        assert_eq!(config.batch_size, TrainConfig::default().batch_size);

        let error = serde_json::from_str::<TrainConfig>(r#"{"learnig_rate": 3e-5}"#).unwrap_err();
        assert!(error.to_string().contains("learnig_rate"), "{error}");
    }
}
