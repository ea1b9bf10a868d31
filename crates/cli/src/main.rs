//! `retag`: the command line. Parsing and printing only; the work is in the libraries.

fn main() -> anyhow::Result<()> {
    Ok(())
}
