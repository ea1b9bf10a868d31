//! The command line's grammar. Only parsing lives here; each command's work is
//! in `commands/`, and the real work in the libraries.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use retag_data::Scheme;
use retag_data::metrics::Mode;

#[derive(Debug, Parser)]
#[command(name = "retag", version, about = "Retrain NER models for a new tagset")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect and transform NER datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// Score predictions against gold annotations, as seqeval does.
    Eval(EvalArgs),
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Sentences, tokens, entities per type and the length distribution of a dataset.
    Stats(StatsArgs),
    /// Rewrite a dataset's tags from one scheme into another (iob1, iob2, ioe2, bioes, bilou, io).
    Convert(ConvertArgs),
    /// Map a dataset's entity types to a new tagset with a mapping file.
    Relabel(RelabelArgs),
}

/// How to read a data file; shared by every command that reads one.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// File format; by default `.jsonl`/`.json` files are JSONL and anything else CoNLL.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
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
    Conll,
    Jsonl,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    pub file: PathBuf,
    /// The tag scheme of the file: io, iob1, iob2 (bio), ioe2, bioes (iobes) or bilou.
    #[arg(long, default_value = "iob2")]
    pub scheme: Scheme,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The scheme the input is written in: io, iob1, iob2 (bio), ioe2, bioes (iobes) or bilou.
    #[arg(long)]
    pub from: Scheme,
    /// The scheme to write.
    #[arg(long)]
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
    /// The tag scheme of the input, which the output keeps: io, iob1, iob2, ioe2, bioes or bilou.
    #[arg(long, default_value = "iob2")]
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
pub struct EvalArgs {
    /// Gold annotations (CoNLL or JSONL).
    #[arg(long)]
    pub gold: PathBuf,
    /// Predictions with the same sentences and tokens as the gold file.
    #[arg(long)]
    pub pred: PathBuf,
    /// seqeval's default (lenient) mode, or its strict IOB2 mode: default or strict.
    #[arg(long, default_value = "default")]
    pub mode: Mode,
    /// Print `{"micro":{...},"per_type":{...}}` on stdout instead of a report.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub input: InputArgs,
}
