//! The shape shared by `data convert` and `data relabel`: read a dataset one
//! sentence at a time, rewrite each, write it out, all or nothing.

use std::path::Path;

use anyhow::Result;
use retag_data::Sentence;

use crate::args::InputArgs;
use crate::dataset::{self, SentenceSink};

/// Streams `input_file` through `rewrite` into `output_file`. Returns how many sentences
/// were written. On any error the output file is not created.
pub fn rewrite_file(
    input_file: &Path,
    output_file: &Path,
    input: &InputArgs,
    mut rewrite: impl FnMut(&Sentence) -> Result<Sentence>,
) -> Result<usize> {
    // The output's extension decides its format; without one, it keeps the input's.
    let output_format = match output_file.extension() {
        Some(_) => dataset::format_of(output_file, None),
        None => dataset::format_of(input_file, input.format),
    };
    let mut sink = SentenceSink::create(output_file, output_format, input.tab_separated)?;
    let mut written = 0;
    let result = (|| {
        for sentence in dataset::read(input_file, input)? {
            sink.write(&rewrite(&sentence?)?)?;
            written += 1;
        }
        Ok(())
    })();
    match result {
        Ok(()) => sink.finish().map(|()| written),
        Err(error) => {
            sink.abandon();
            Err(error)
        }
    }
}
