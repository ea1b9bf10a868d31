//! Loads a HF `BertForTokenClassification` checkpoint and exports it again,
//! for checking the export with transformers (`scripts/check_export.py`):
//!
//! ```text
//! cargo run -p retag-bert --example export -- IN_DIR OUT_DIR
//! ```

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::Device;
use retag_bert::{BertForTokenClassification, export_token_classification};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        bail!("usage: export IN_DIR OUT_DIR");
    };
    let (input, output) = (PathBuf::from(input), PathBuf::from(output));
    let device = Device::flex();
    let model = BertForTokenClassification::from_pretrained(&input, &device)
        .with_context(|| format!("loading {}", input.display()))?;
    export_token_classification(&model, &output, Some(&input))
        .with_context(|| format!("exporting to {}", output.display()))?;
    println!("exported {} to {}", input.display(), output.display());
    Ok(())
}
