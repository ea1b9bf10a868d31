//! Regenerating the reference fixtures. The Rust tests read committed
//! fixtures and need no Python; this task remakes them with the reference
//! implementations, in a virtual environment outside the repository.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cache::repo_root;

#[derive(Debug, Args)]
pub struct FixturesArgs {
    /// The Python to run (one with `seqeval==1.2.2` installed), e.g. ../venv/bin/python.
    #[arg(long, default_value = "../venv/bin/python")]
    pub python: PathBuf,
}

pub fn run(args: &FixturesArgs) -> Result<()> {
    let root = repo_root();
    let python = if args.python.is_relative() { root.join(&args.python) } else { args.python.clone() };
    let script = root.join("scripts").join("make_seqeval_fixtures.py");
    let status = Command::new(&python).arg(&script).current_dir(&root).status().with_context(|| {
        format!(
            "cannot run {}; make it with `python3 -m venv ../venv && ../venv/bin/pip install seqeval==1.2.2 numpy`",
            python.display()
        )
    })?;
    if !status.success() {
        bail!("{} failed ({status})", script.display());
    }
    Ok(())
}
