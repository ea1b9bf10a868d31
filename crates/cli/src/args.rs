//! The command line's grammar. Only parsing lives here; each command's work is
//! in `commands/`, and the real work in the libraries.

use std::path::PathBuf;

use choices::{mode_parser, scheme_parser};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use retag_data::Scheme;
use retag_data::metrics::Mode;

mod choices;
mod compare;
mod examples;
mod extend;
mod plan;
mod training;

pub use compare::CompareArgs;
pub use extend::ExtendArgs;
pub use plan::PlanArgs;
pub use training::{Progress, RetrainArgs, TrainArgs, TrainingArgs};

#[derive(Debug, Parser)]
#[command(name = "retag", version, about = "Retrain NER models for a new tagset")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log lines on stderr: -v what retag does (models loaded,
    /// checkpoints written, a run resumed or stopped early), -vv details
    /// (each chunk predict tags), -vvv every training step and burn's own
    /// logs. `RUST_LOG` (e.g. `retag_train=debug`), when set, wins.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Errors only in the log (progress has its own --progress).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect and transform NER datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// Fine-tune a base encoder with a new head on a tagset (how an "old" model is made).
    #[command(after_help = examples::TRAIN)]
    Train(TrainArgs),
    /// Retrain a fine-tuned model for a new tagset with a strategy (naive, frozen, full, warm-start, progressive, adapter).
    #[command(after_help = examples::RETRAIN)]
    Retrain(RetrainArgs),
    /// How the old model's tagset relates to the new data's, and which strategy to try first.
    #[command(after_help = examples::PLAN)]
    Plan(PlanArgs),
    /// Run strategies (or any retrain recipes) side by side, with seeds, and report which differences are real.
    #[command(after_help = examples::COMPARE)]
    Compare(CompareArgs),
    /// Add entity types to a fine-tuned model from data annotated with the new types only, keeping the old ones.
    #[command(after_help = examples::EXTEND)]
    Extend(ExtendArgs),
    /// Tag a file's words with a token-classification model.
    #[command(after_help = examples::PREDICT)]
    Predict(PredictArgs),
    /// Draw the learning curves (dev F1, training loss) of runs into one SVG picture.
    #[command(after_help = examples::PLOT)]
    Plot(PlotArgs),
    /// Score predictions against gold annotations, as seqeval does; or tag a
    /// gold file with a model and score that.
    #[command(after_help = examples::EVAL)]
    Eval(EvalArgs),
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Sentences, tokens, entities per type and the length distribution of a dataset.
    #[command(after_help = examples::STATS)]
    Stats(StatsArgs),
    /// Rewrite a dataset's tags from one scheme into another (iob1, iob2, ioe2, bioes, bilou, io).
    #[command(after_help = examples::CONVERT)]
    Convert(ConvertArgs),
    /// Map a dataset's entity types to a new tagset with a mapping file.
    #[command(after_help = examples::RELABEL)]
    Relabel(RelabelArgs),
    /// Write the entity strings of annotated data, per type, as a gazetteer
    /// for --input-features (use it on OTHER data: on its own it leaks the labels).
    #[command(after_help = examples::GAZETTEER)]
    Gazetteer(GazetteerArgs),
    /// Write the augmented copy of a training file that a run with --augment
    /// trains on in one epoch, to read what the augmentation does.
    #[command(after_help = examples::AUGMENT)]
    Augment(AugmentArgs),
}

/// How to read a data file; shared by every command that reads one.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// File format; by default `.jsonl`/`.json` files are JSONL, `.parquet`
    /// Parquet, `.arrow` Arrow IPC, and anything else CoNLL.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Parquet, Arrow, JSONL: the names of integer tags, in id order,
    /// comma-separated (`O,B-PER,I-PER`) or a file with one a line. They win
    /// over the file's own `huggingface` metadata and a `dataset_info.json`
    /// beside it (docs/formats.md).
    #[arg(long, value_name = "NAMES|FILE")]
    pub label_names: Option<String>,
    /// CoNLL: 0-based column of the token.
    #[arg(long, default_value_t = 0)]
    pub token_column: usize,
    /// CoNLL: 0-based column of the tag (default: the last column).
    #[arg(long)]
    pub tag_column: Option<usize>,
    /// CoNLL: columns are separated by single tabs only (tokens may contain spaces).
    #[arg(long)]
    pub tab_separated: bool,
    /// CoNLL: lines starting with this prefix are comments (unless they are token lines such as `# O`).
    #[arg(long)]
    pub comment_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// CoNLL columns, a blank line between sentences
    Conll,
    /// JSON Lines, one sentence a line; integer tags with label names (docs/formats.md)
    Jsonl,
    /// Parquet, a sentence a row, as HuggingFace `datasets` writes it (`tokens`, `ner_tags`)
    Parquet,
    /// Arrow IPC, as HuggingFace `datasets`' `save_to_disk` writes it
    Arrow,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    pub file: PathBuf,
    /// The tag scheme of the file.
    #[arg(long, default_value = "iob2", value_parser = scheme_parser())]
    pub scheme: Scheme,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The scheme the input is written in.
    #[arg(long, value_parser = scheme_parser())]
    pub from: Scheme,
    /// The scheme to write.
    #[arg(long, value_parser = scheme_parser())]
    pub to: Scheme,
    /// Repair invalid sequences as seqeval reads them (an I-X after O starts an
    /// entity) instead of stopping at the first one.
    #[arg(long)]
    pub repair: bool,
    pub input_file: PathBuf,
    pub output_file: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct RelabelArgs {
    /// The mapping file (TOML or JSON), old types to new types.
    #[arg(long)]
    pub mapping: PathBuf,
    /// The tag scheme of the input, which the output keeps.
    #[arg(long, default_value = "iob2", value_parser = scheme_parser())]
    pub scheme: Scheme,
    /// Keep entity types the mapping does not mention instead of refusing them.
    #[arg(long)]
    pub keep_unmapped: bool,
    /// Repair invalid sequences as seqeval reads them instead of stopping at the first one.
    #[arg(long)]
    pub repair: bool,
    pub input_file: PathBuf,
    pub output_file: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct AugmentArgs {
    /// OP=RATE pairs, as `retrain --augment` takes them (e.g. `mr=0.3,lwtr=0.3,sis=0.1,case=0.1`).
    #[arg(long, value_name = "SPEC")]
    pub augment: retag_data::augment::AugmentSpec,
    /// Aim it at these types, comma-separated, as `retrain --augment-only`.
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub augment_only: Vec<String>,
    /// The run's --seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Which epoch's copy (1 for the first), as the run's log numbers epochs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub epoch: u64,
    /// The tag scheme of the data, which the output keeps.
    #[arg(long, default_value = "iob2", value_parser = scheme_parser())]
    pub scheme: Scheme,
    /// The training data (its mentions and tokens are what replacements are drawn from).
    pub input_file: PathBuf,
    pub output_file: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct GazetteerArgs {
    /// Annotated data (CoNLL or JSONL) whose entity mentions become entries.
    #[arg(long)]
    pub from: PathBuf,
    /// The gazetteer to write: `ENTRY<TAB>TYPE` lines, each distinct mention once.
    #[arg(long)]
    pub out: PathBuf,
    /// The tag scheme of the data.
    #[arg(long, default_value = "iob2", value_parser = scheme_parser())]
    pub scheme: Scheme,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Where the burn computations run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Backend {
    /// burn's pure-Rust CPU backend (flex), multi-threaded.
    #[default]
    Cpu,
    /// the GPU through wgpu (Vulkan, Metal, DX12); needs a build with `--features wgpu`
    Gpu,
}

/// How the model runs: backend and batching; shared by `predict` and `eval --model`.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Where to run the model.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// Windows per forward pass.
    #[arg(long, default_value_t = retag_predict::DEFAULT_BATCH_SIZE)]
    pub batch_size: usize,
    /// Longest window in subwords, [CLS] and [SEP] included (default: what
    /// the model and tokenizer allow); longer sentences are cut into overlapping windows.
    #[arg(long)]
    pub max_len: Option<usize>,
    /// Subwords shared by consecutive windows of a long sentence (default: a quarter of the window).
    #[arg(long)]
    pub stride: Option<usize>,
}

/// The input formats of `retag predict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// CoNLL columns; only the token column is read.
    Conll,
    /// JSON Lines, token or text shape; tags and spans are ignored.
    Jsonl,
    /// Parquet, a sentence a row (HuggingFace `datasets`); only `tokens` is read.
    Parquet,
    /// Arrow IPC (`datasets`' `save_to_disk`); only `tokens` is read.
    Arrow,
    /// Plain text, one sentence a line, tokens split at spaces and tabs.
    Text,
}

/// The output formats of `retag predict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `token tag` lines, a blank line after each sentence.
    Conll,
    /// `{"text": ..., "spans": [{"start", "end", "label"}]}`, one line per sentence.
    Jsonl,
    /// `{"tokens": [...], "tags": [...]}`, one line per sentence.
    JsonlTokens,
}

/// How `predict` reads a CoNLL input.
#[derive(Debug, Clone, Args)]
pub struct ConllInputArgs {
    /// CoNLL: 0-based column of the token.
    #[arg(long, default_value_t = 0)]
    pub token_column: usize,
    /// CoNLL: columns are separated by single tabs only (tokens may contain
    /// spaces); CoNLL output is then tab-separated too.
    #[arg(long)]
    pub tab_separated: bool,
    /// CoNLL: lines starting with this prefix are comments.
    #[arg(long)]
    pub comment_prefix: Option<String>,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model folder: config.json with id2label, model.safetensors, and
    /// tokenizer.json or vocab.txt.
    #[arg(long)]
    pub model: PathBuf,
    /// The file to tag.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the predictions (replaced only once complete).
    #[arg(long)]
    pub output: PathBuf,
    /// Input format; by default `.jsonl`/`.json` files are JSONL, `.parquet`
    /// Parquet, `.arrow` Arrow IPC, and anything else CoNLL.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Output format; by default `.jsonl`/`.json` files get JSONL spans and anything else CoNLL.
    #[arg(long, value_enum)]
    pub output_format: Option<OutputFormat>,
    /// The scheme of the model's labels, to decode JSONL spans (default: from
    /// the labels' prefixes).
    #[arg(long, value_parser = scheme_parser())]
    pub scheme: Option<Scheme>,
    /// Sentences read, tagged and written at a time.
    #[arg(long, default_value_t = retag_predict::DEFAULT_CHUNK_SENTENCES)]
    pub chunk_sentences: usize,
    #[command(flatten)]
    pub run: ModelArgs,
    #[command(flatten)]
    pub conll: ConllInputArgs,
}

/// `--gold G --pred P` scores a prediction file; `--model DIR --data F`
/// tags the gold file `F` with the model and scores that.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["gold", "model"])))]
pub struct EvalArgs {
    /// Gold annotations (CoNLL or JSONL).
    #[arg(long, requires = "pred", conflicts_with_all = ["model", "data"])]
    pub gold: Option<PathBuf>,
    /// Predictions with the same sentences and tokens as the gold file.
    #[arg(long, requires = "gold", conflicts_with_all = ["model", "data"])]
    pub pred: Option<PathBuf>,
    /// A model folder to tag `--data` with (instead of `--gold`/`--pred`).
    #[arg(long, requires = "data")]
    pub model: Option<PathBuf>,
    /// Gold annotations (CoNLL or JSONL) for `--model` to tag and be scored on.
    #[arg(long, requires = "model")]
    pub data: Option<PathBuf>,
    /// How seqeval reads the tags: its default (lenient) mode, or its strict IOB2 mode.
    #[arg(long, default_value = "default", value_parser = mode_parser())]
    pub mode: Mode,
    /// Print `{"micro":{...},"per_type":{...}}` on stdout instead of a report.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub run: ModelArgs,
}

#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Run folders (each with an evaluations.jsonl); the folder name labels the curve.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// The SVG file to write.
    #[arg(long)]
    pub out: PathBuf,
}
