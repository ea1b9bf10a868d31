//! `retag data relabel`: give a dataset's entities their types in a new tagset.

use anyhow::{Context, Result};
use retag_data::Location;
use retag_data::mapping::{RelabelOptions, TagsetMapping, Unmapped};
use retag_data::scheme::OnInvalid;

use super::transform::rewrite_file;
use crate::args::RelabelArgs;

pub fn run(args: &RelabelArgs) -> Result<()> {
    let scheme = args.scheme;
    let mapping = TagsetMapping::load(&args.mapping)
        .with_context(|| format!("loading the mapping {}", args.mapping.display()))?;
    let options = RelabelOptions {
        on_invalid: if args.repair { OnInvalid::Repair } else { OnInvalid::Error },
        unmapped: if args.keep_unmapped { Unmapped::Keep } else { Unmapped::Error },
    };
    let file = Location::file(&args.input_file);
    let written = rewrite_file(&args.input_file, &args.output_file, &args.input, |sentence| {
        Ok(mapping.relabel(sentence, scheme, options, &file)?)
    })?;
    eprintln!("relabelled {written} sentences into {}", args.output_file.display());
    Ok(())
}
