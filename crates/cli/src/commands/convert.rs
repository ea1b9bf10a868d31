//! `retag data convert`: rewrite tags from one scheme into another.

use anyhow::Result;
use retag_data::Location;
use retag_data::scheme::{self, OnInvalid};

use super::transform::rewrite_file;
use crate::args::ConvertArgs;

pub fn run(args: &ConvertArgs) -> Result<()> {
    let (from, to) = (args.from, args.to);
    let on_invalid = if args.repair { OnInvalid::Repair } else { OnInvalid::Error };
    let file = Location::file(&args.input_file);
    let mut repaired = 0usize;
    let written = rewrite_file(&args.input_file, &args.output_file, &args.input, |sentence| {
        if args.repair && !scheme::violations(&sentence.tags, from).is_empty() {
            repaired += 1;
        }
        let spans = scheme::sentence_spans(sentence, from, on_invalid, &file)?;
        let tags = scheme::encode(&spans, sentence.len(), to);
        Ok(sentence.with_tags(tags))
    })?;
    eprintln!("wrote {written} sentences from {from} to {to} into {}", args.output_file.display());
    if args.repair {
        eprintln!("{repaired} sentences had invalid {from} sequences and were repaired as seqeval reads them");
    }
    Ok(())
}
