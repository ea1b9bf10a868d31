//! `retag predict --model DIR --input F --output F`: tag a file's words,
//! streaming, so that memory stays flat however long the file is.

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use burn::tensor::Device;
use retag_data::atomic::AtomicFile;
use retag_data::conll::Separator;
use retag_data::jsonl::JsonlShape;
use retag_data::{Location, Scheme};
use retag_predict::{PredictOptions, PredictionWriter, Predictor};

use crate::args::{Format, InputFormat, ModelArgs, OutputFormat, PredictArgs};
use crate::dataset;
use crate::device;

pub fn run(args: &PredictArgs) -> Result<()> {
    let predictor = load(&args.model, &args.run, args.chunk_sentences)?;
    let input_format = args.input_format.unwrap_or_else(|| match dataset::format_of(&args.input, None) {
        Format::Jsonl => InputFormat::Jsonl,
        Format::Conll => InputFormat::Conll,
        Format::Parquet => InputFormat::Parquet,
        Format::Arrow => InputFormat::Arrow,
    });
    let output_format = match args.output_format {
        Some(format) => format,
        None => match dataset::format_of(&args.output, None) {
            Format::Jsonl => OutputFormat::Jsonl,
            Format::Conll => OutputFormat::Conll,
            Format::Parquet | Format::Arrow => bail!(
                "{}: predict writes CoNLL or JSONL, not Parquet or Arrow; name the output .conll or .jsonl \
                 (or give --output-format)",
                args.output.display()
            ),
        },
    };
    let format = match output_format {
        OutputFormat::Conll => {
            retag_predict::OutputFormat::Conll(if args.conll.tab_separated { Separator::Tab } else { Separator::Space })
        }
        OutputFormat::Jsonl => retag_predict::OutputFormat::Jsonl(JsonlShape::Text),
        OutputFormat::JsonlTokens => retag_predict::OutputFormat::Jsonl(JsonlShape::Tokens),
    };
    let scheme = args.scheme.unwrap_or_else(|| Scheme::from_labels(predictor.labels().labels()));

    let sentences = dataset::read_untagged(&args.input, input_format, &args.conll)?;
    // Written beside the output and renamed into place only once whole: a
    // failed run leaves no half file, and an output named like the input
    // cannot destroy it.
    let out = AtomicFile::create(&args.output)?;
    let mut writer = PredictionWriter::new(out, format, scheme).with_destination(&args.output);
    let mut progress = Progress::new();
    let source = Location::file(&args.input);
    let result = predictor.tag_stream(sentences, &source, |sentence| {
        writer.write(&sentence)?;
        progress.tick();
        Ok(())
    });
    // On an error the writer, and with it the uncommitted file, is dropped,
    // which removes the partial file and leaves the destination as it was.
    let (summary, out) = result
        .and_then(|summary| Ok((summary, writer.finish()?)))
        .with_context(|| format!("tagging {}", args.input.display()))?;
    out.commit()?;
    progress.done(summary.sentences, summary.words, &args.output);
    Ok(())
}

/// The model in `dir` on the device `run` names, with its options.
pub fn load(dir: &Path, run: &ModelArgs, chunk_sentences: usize) -> Result<Predictor> {
    let device = device::device(run.backend)?;
    let options =
        PredictOptions { batch_size: run.batch_size, max_len: run.max_len, stride: run.stride, chunk_sentences };
    load_on(dir, &device, options)
}

/// The model `spec` names (a folder, or a hub id where the build can fetch
/// one) on `device`, with `options` checked against it: how `predict`,
/// `eval --model` and the Python `Tagger` all load a model.
pub fn load_on(spec: &Path, device: &Device, options: PredictOptions) -> Result<Predictor> {
    let dir = &crate::model_source::resolve(spec)?;
    Predictor::load(dir, device)
        .and_then(|predictor| predictor.with_options(options))
        .with_context(|| format!("loading the model in {}", dir.display()))
}

/// Sentences per second on stderr: a line updated in place on a terminal,
/// one summary line at the end in any case; stdout stays clean.
struct Progress {
    start: Instant,
    last: Instant,
    sentences: usize,
    live: bool,
}

impl Progress {
    fn new() -> Self {
        let now = Instant::now();
        Self { start: now, last: now, sentences: 0, live: std::io::stderr().is_terminal() }
    }

    fn tick(&mut self) {
        self.sentences += 1;
        if self.live && self.last.elapsed() >= Duration::from_millis(500) {
            self.last = Instant::now();
            eprint!("\r{} sentences, {:.0} sentences/s", self.sentences, self.rate(self.sentences));
        }
    }

    fn rate(&self, sentences: usize) -> f64 {
        sentences as f64 / self.start.elapsed().as_secs_f64().max(1e-9)
    }

    fn done(&self, sentences: usize, words: usize, output: &Path) {
        if self.live {
            eprint!("\r");
        }
        eprintln!(
            "tagged {sentences} sentences ({words} words) in {:.1} s, {:.0} sentences/s, into {}",
            self.start.elapsed().as_secs_f64(),
            self.rate(sentences),
            output.display()
        );
    }
}
