//! The grammar of `retag train` and `retag retrain`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use retag_data::Scheme;

use super::choices::{activation_parser, head_parser, scheme_parser};
use super::{Backend, InputArgs};

/// What both commands share: the data, the run's settings, where it runs.
#[derive(Debug, Clone, Args)]
pub struct TrainingArgs {
    /// Training data (CoNLL or JSONL), tagged with the new tagset.
    #[arg(long)]
    pub train: PathBuf,
    /// Development data: scored after every epoch, for early stopping.
    #[arg(long)]
    pub dev: PathBuf,
    /// Test data, scored once with the best weights.
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// The model folder to write (HuggingFace format, with metrics.json); must not exist.
    #[arg(long)]
    pub out: PathBuf,
    /// The tag scheme of the data.
    #[arg(long, default_value = "iob2", value_parser = scheme_parser())]
    pub scheme: Scheme,
    /// A training config file (TOML or JSON, the fields of docs/training.md);
    /// the flags below override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Passes over the training data, at most (default 3).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Peak learning rate of the encoder (default 5e-5).
    #[arg(long)]
    pub learning_rate: Option<f64>,
    /// Peak learning rate of the head (default: the encoder's; for `frozen`, 1e-3).
    #[arg(long)]
    pub head_learning_rate: Option<f64>,
    /// Windows per training batch (default 16).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Stop after this many epochs without a better dev F1 (0: never; default 3).
    #[arg(long)]
    pub patience: Option<usize>,
    /// Seeds the head, the data order and dropout (default 42).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Augment the training sentences anew each epoch (never dev or test):
    /// OP=RATE pairs, each operation applied to each entity, token or
    /// segment with probability RATE. mr: mention replacement (an entity
    /// becomes another mention of its type from the training data); lwtr:
    /// label-wise token replacement; sis: shuffle within segments; case:
    /// casing noise. E.g. `mr=0.3,lwtr=0.3,sis=0.1,case=0.1`. Draws from
    /// --seed. Not for strategy frozen (docs/strategies.md).
    #[arg(long, value_name = "SPEC")]
    pub augment: Option<retag_data::augment::AugmentSpec>,
    /// Aim --augment at rare types, comma-separated (e.g. `product,creative_work`):
    /// only sentences that mention one are augmented, and mention replacement
    /// swaps only their mentions. A type the training data never mentions is refused.
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub augment_only: Vec<String>,
    /// Per-word features joined to the encoder's output as small learned
    /// embeddings (16 values per channel): shape (capitalised, all caps,
    /// URL, @mention, emoji...), gazetteer:FILE (one entry a line, optional
    /// TAB type; BIO per type, matched longest first, NFKC and lowercase;
    /// options as gazetteer+case=sensitive+unicode=nfc+by=file:FILE; repeat
    /// it for more files), regex:FILE (NAME TAB PATTERN lines, each matched
    /// against whole words). E.g. `shape,gazetteer:cities.txt`. Saved in the
    /// model folder, files included (docs/strategies.md).
    #[arg(long, value_name = "SPEC")]
    pub input_features: Option<retag_data::features::FeatureSpec>,
    /// Longest window in subwords (default: what the model allows).
    #[arg(long)]
    pub max_len: Option<usize>,
    /// Where checkpoints and evaluations.jsonl go (default: `<out>.run` beside the output).
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// Continue the run interrupted in the run folder from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Progress display.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: Progress,
    /// Plain progress: a line every STEPS steps (default 50). 1 shows each
    /// step's own time, which is how a slow step (a new batch shape on the
    /// GPU, a swap) shows itself. A resumed run may change it.
    #[arg(long, value_name = "STEPS")]
    pub log_every: Option<usize>,
    /// The head on the encoder.
    #[arg(long, default_value = "linear", value_parser = head_parser())]
    pub head: retag_retrain::HeadChoice,
    /// MLP heads: width of each hidden layer (default: the encoder's hidden size).
    #[arg(long)]
    pub head_hidden: Option<usize>,
    /// MLP heads: hidden layers (default 1).
    #[arg(long)]
    pub head_layers: Option<usize>,
    /// MLP heads: the activation after each hidden layer (default gelu).
    #[arg(long, value_parser = activation_parser())]
    pub head_activation: Option<retag_heads::Activation>,
    /// MLP heads: dropout after each hidden layer (default: the head's input
    /// dropout, the encoder's classifier dropout).
    #[arg(long)]
    pub head_dropout: Option<f64>,
    /// Where to run.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    /// a bar on a terminal, plain lines otherwise
    Auto,
    /// a bar on stderr that redraws in place
    Bar,
    /// a line on stderr every few steps, for logs
    Plain,
    /// nothing, not even the evaluations' scores
    Off,
}

/// `retag train`: fine-tune a base encoder with a new head on a tagset.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The base encoder folder (config.json, model.safetensors, tokenizer.json),
    /// e.g. the one `cargo xtask fetch-model` downloads.
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub training: TrainingArgs,
}

/// `retag retrain`: carry a fine-tuned model over to a new tagset.
#[derive(Debug, Args)]
pub struct RetrainArgs {
    /// The fine-tuned model (a HuggingFace token-classification folder with id2label).
    #[arg(long)]
    pub model: PathBuf,
    /// How to carry the model over (docs/strategies.md says when to use which).
    #[arg(long, value_parser = strategy_parser(), ignore_case = true)]
    pub strategy: retag_retrain::Strategy,
    /// full: the base encoder it starts from (refused by the other strategies).
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// warm-start, progressive and --retain-data: a mapping file (TOML or JSON)
    /// from the old types to the new ones. Without it the parents are inferred
    /// from the old model's predictions.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// The mapping file maps the NEW types to the OLD ones (e.g. a file written
    /// to fold fine types into coarse ones, used to retrain coarse -> fine).
    #[arg(long, requires = "mapping")]
    pub reverse_mapping: bool,
    /// Without a mapping, where a lineage is used (warm-start, progressive,
    /// --retain-data, --distill-weight): the share of the tokens of a new type
    /// that the old model tags (not O) that an old type must cover to be
    /// inferred as its parent [default: 0.5]. A type the old model leaves O on
    /// more than 80% of its tokens has no parent.
    #[arg(long, conflicts_with = "mapping")]
    pub min_share: Option<f64>,
    /// progressive: what trains, stage by stage, and for how many epochs:
    /// `head:N` (the head alone), `topK:N` (and the top K encoder layers),
    /// `all:N`. The run lasts the sum of the stages' epochs (default head:1,top2:1,all:1).
    #[arg(long)]
    pub stages: Option<retag_retrain::StagePlan>,
    /// The learning rate's multiplier per encoder layer going down from the
    /// head, in (0, 1] (e.g. 0.8): for the strategies that train the encoder.
    #[arg(long)]
    pub layer_decay: Option<f64>,
    /// Data annotated with the OLD tagset (e.g. the old model's test set):
    /// the retrained model's predictions are folded back into the old types
    /// through the lineage and scored on it, next to the old model's own score.
    #[arg(long)]
    pub retain_data: Option<PathBuf>,
    /// Distil from the old model with this weight (e.g. 1.0): the new
    /// labels' probabilities, folded into their parents through the lineage,
    /// are pulled toward the old model's (a KL term beside the cross-entropy).
    #[arg(long)]
    pub distill_weight: Option<f64>,
    /// Distillation's softmax temperature [default: 2].
    #[arg(long)]
    pub temperature: Option<f64>,
    /// adapter: the layer that reads the old model's label distribution
    /// [default: bilstm].
    #[arg(long, value_parser = adapter_layer_parser())]
    pub adapter_layer: Option<retag_retrain::AdapterKind>,
    /// adapter: the width of the features the adapter adds to each token (a
    /// BiLSTM's two directions together, so even) [default: 64].
    #[arg(long)]
    pub adapter_width: Option<usize>,
    #[command(flatten)]
    pub training: TrainingArgs,
}

/// `--adapter-layer`'s values, listed in `--help`.
fn adapter_layer_parser() -> impl clap::builder::TypedValueParser<Value = retag_retrain::AdapterKind> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = retag_retrain::AdapterKind::ALL.map(|kind| {
        PossibleValue::new(kind.name()).help(match kind {
            retag_retrain::AdapterKind::BiLstm => {
                "a bidirectional LSTM over the sentence (Chen and Moschitti's choice)"
            }
            retag_retrain::AdapterKind::Linear => "one linear map per token",
        })
    });
    PossibleValuesParser::new(values).map(|name| {
        name.parse::<retag_retrain::AdapterKind>()
            .expect("only AdapterKind::ALL's names get past PossibleValuesParser, and from_str reads each back")
    })
}

/// `--strategy`'s values, listed in `--help` with their one-line summaries.
fn strategy_parser() -> impl clap::builder::TypedValueParser<Value = retag_retrain::Strategy> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    // `warm_start` is accepted too, as the library's parser accepts it.
    let values = retag_retrain::Strategy::ALL.map(|strategy| {
        let value = PossibleValue::new(strategy.name()).help(strategy.summary());
        if strategy == retag_retrain::Strategy::WarmStart { value.alias("warm_start") } else { value }
    });
    PossibleValuesParser::new(values).map(|name| {
        name.parse::<retag_retrain::Strategy>().expect(
            "only Strategy::ALL's names and `warm_start`, in any case, get past PossibleValuesParser, and from_str \
             reads each back",
        )
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use clap::builder::TypedValueParser;

    /// The `expect`s in the two parsers cannot fire: every value that
    /// PossibleValuesParser lets through, in any case, parses.
    #[test]
    fn every_listed_value_parses() {
        let cmd = clap::Command::new("test");
        let strategy = clap::Arg::new("strategy").ignore_case(true);
        let strategies = super::strategy_parser();
        for value in strategies.possible_values().expect("strategies are listed") {
            for name in value.get_name_and_aliases() {
                for spelling in [name.to_owned(), name.to_ascii_uppercase()] {
                    let parsed = strategies.parse_ref(&cmd, Some(&strategy), OsStr::new(&spelling));
                    assert_eq!(parsed.map(|s| s.name()).ok(), Some(value.get_name()), "{spelling}");
                }
            }
        }
        let layers = super::adapter_layer_parser();
        for value in layers.possible_values().expect("adapter layers are listed") {
            let parsed = layers.parse_ref(&cmd, None, OsStr::new(value.get_name()));
            assert_eq!(parsed.map(|kind| kind.name()).ok(), Some(value.get_name()));
        }
    }
}
