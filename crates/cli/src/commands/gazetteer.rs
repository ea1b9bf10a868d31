//! `retag data gazetteer --from TRAIN --out FILE`: the entity strings of
//! annotated data, per type, as a gazetteer file for `--input-features`.

use anyhow::{Context, Result};
use retag_data::Location;
use retag_data::features::collect::GazetteerCollector;

use crate::args::GazetteerArgs;
use crate::dataset;

pub fn run(args: &GazetteerArgs) -> Result<()> {
    let mut collector = GazetteerCollector::new(args.scheme, Location::file(&args.from));
    for sentence in dataset::read(&args.from, &args.input)? {
        collector.add(&sentence?)?;
    }
    retag_data::atomic::write_atomically(&args.out, collector.to_text().as_bytes())
        .with_context(|| format!("writing {}", args.out.display()))?;
    let counts = collector.counts();
    let entries: usize = counts.iter().map(|(_, count)| count).sum();
    println!("{entries} entries from {} mentions in {}:", collector.mentions(), args.from.display());
    for (kind, count) in counts {
        println!("  {kind}: {count}");
    }
    println!("gazetteer: {}", args.out.display());
    Ok(())
}
